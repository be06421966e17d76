//! The live event log: written with each change, read by the dashboard's event stream, trimmed
//! by age.
use super::{SqlStore, Tx};
use crate::domain::ids::{CommunityId, SuggestionId, TopicId};
use crate::store::{EventRow, EventStore};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const INSERT_EVENT: &str = "insert into hall_event (community_id, kind, topic_id, suggestion_id,
        payload, created_at)
    values ($1, $2, $3, $4, $5, $6)";
const EVENTS_AFTER: &str = "select event_id, community_id, kind, topic_id, suggestion_id, payload
    from hall_event
    where community_id = $1 and event_id > $2
    order by event_id
    limit $3";
const LAST_EVENT_ID: &str = "select max(event_id) from hall_event where community_id = $1";
const TRIM_EVENTS: &str = "delete from hall_event where created_at < $1";

/// `INSERT_EVENT` up to its values, for several rows at once.
const INSERT_EVENT_HEAD: &str = "insert into hall_event (community_id, kind, topic_id,
        suggestion_id, payload, created_at)
    values ";

/// A live event to log with others.
pub(super) struct NewEvent {
    pub(super) community: CommunityId,
    pub(super) kind: &'static str,
    pub(super) topic: Option<TopicId>,
    pub(super) suggestion: Option<SuggestionId>,
    pub(super) payload: serde_json::Value,
}

/// Log many live events in the transaction of the changes they report, in order, a few
/// hundred to a statement.
pub(super) async fn record_all(
    tx: &mut Tx<'_>,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in events.chunks(500) {
        let sql = super::audit::multi_row_insert(INSERT_EVENT_HEAD, 6, chunk.len());
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(e.community)
                .bind(e.kind)
                .bind(e.topic)
                .bind(e.suggestion)
                .bind(e.payload.to_string())
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Log a live event in the transaction of the change it reports.
pub(super) async fn record(
    tx: &mut Tx<'_>,
    community: CommunityId,
    kind: &str,
    topic: Option<TopicId>,
    suggestion: Option<SuggestionId>,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(INSERT_EVENT)
        .bind(community)
        .bind(kind)
        .bind(topic)
        .bind(suggestion)
        .bind(payload.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Log `kind` (`topic.updated`, `topic.created`) of `topic`; `suggestion`: the member whose
/// move changed it, if any.
pub(super) async fn of_topic(
    tx: &mut Tx<'_>,
    community: CommunityId,
    kind: &str,
    topic: TopicId,
    suggestion: Option<SuggestionId>,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::json!({"topic_id": topic});
    record(tx, community, kind, Some(topic), suggestion, payload, now).await
}

#[async_trait]
impl EventStore for SqlStore {
    async fn events_after(
        &self,
        community: CommunityId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        let query = sqlx::query_as(EVENTS_AFTER)
            .bind(community)
            .bind(after)
            .bind(limit);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn last_event_id(&self, community: CommunityId) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar(LAST_EVENT_ID)
            .bind(community)
            .fetch_one(&self.read)
            .await?;
        Ok(id.unwrap_or(0))
    }

    async fn trim_events(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query(TRIM_EVENTS)
            .bind(before)
            .execute(&self.write)
            .await?
            .rows_affected())
    }
}
