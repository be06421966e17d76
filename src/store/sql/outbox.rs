//! The outbox: rows committed with the change that needs them, leased and published by the
//! relay, then deleted; and the sweeper's and metrics' view of queued suggestions.
use super::{SqlStore, Tx};
use crate::domain::ids::{CommunityId, SuggestionId};
use crate::store::splice::with_ids;
use crate::store::{OutboxRow, OutboxStore};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const INSERT_OUTBOX: &str = "insert into outbox (kind, payload, created_at) values ($1, $2, $3)";
/// Lease up to `$3` unpublished rows that nobody holds (or whose lease ran out) until `$1`.
const CLAIM_OUTBOX: &str = "update outbox set claimed_until = $1, attempts = attempts + 1
    where outbox_id in (
        select outbox_id from outbox
        where published_at is null and (claimed_until is null or claimed_until < $2)
        order by outbox_id
        limit $3)
    returning outbox_id, kind, payload";
const DELETE_PUBLISHED: &str = "delete from outbox where outbox_id in ({ids})";
const PENDING_SUGGESTIONS: &str = "select coalesce(sum(suggestion_count), 0) from outbox
    where published_at is null";
/// Touch up to `$3` suggestions queued since before `$2`, so the next sweep waits another full
/// period before re-sending them.
const TOUCH_STALE_QUEUED: &str = "update suggestion set updated_at = $1
    where suggestion_id in (
        select suggestion_id from suggestion
        where state = 'queued' and updated_at < $2
        order by suggestion_id
        limit $3)
    returning suggestion_id, community_id";
const COUNT_IN_STATE: &str = "select count(*) from suggestion where state = $1";

/// Commit an outbox row of `kind` for one suggestion with the change that needs it.
pub(super) async fn enqueue(
    tx: &mut Tx<'_>,
    kind: &str,
    id: SuggestionId,
    community: CommunityId,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::json!({"suggestion_id": id, "community_id": community});
    sqlx::query(INSERT_OUTBOX)
        .bind(kind)
        .bind(payload.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let mut rows: Vec<OutboxRow> = sqlx::query_as(CLAIM_OUTBOX)
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.write)
            .await?;
        rows.sort_by_key(|r| r.outbox_id);
        Ok(rows)
    }

    async fn mark_published(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        // Published rows are done: deleting them keeps the table (and its index) small and
        // costs less than an update. The published time is in the queue's entry.
        let _ = now;
        sqlx::query(&with_ids(DELETE_PUBLISHED, ids))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn outbox_pending(&self) -> Result<i64> {
        let query = sqlx::query_scalar(PENDING_SUGGESTIONS);
        Ok(query.fetch_one(&self.read).await?)
    }

    async fn stale_queued(
        &self,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(SuggestionId, CommunityId)>> {
        let query = sqlx::query_as(TOUCH_STALE_QUEUED)
            .bind(chrono::Utc::now())
            .bind(cutoff)
            .bind(limit);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn count_in_state(&self, state: crate::hall::status::SuggestionState) -> Result<i64> {
        let query = sqlx::query_scalar(COUNT_IN_STATE).bind(state);
        Ok(query.fetch_one(&self.read).await?)
    }
}
