//! A topic's status change, inside the transaction of whatever caused it (a worker's
//! correction, a meeting's agenda or decision, residents' dissatisfaction): deadline
//! bookkeeping, timestamps, the public timeline entry and its notifications, the audit record
//! and the live event.
use super::{audit, events, notifications, Tx};
use crate::store::{Audit, StatusChange, TopicRow};
use anyhow::Result;
use serde_json::json;

const INSERT_DEADLINE: &str = "insert into topic_deadline (topic_id, community_id, status,
        due_at, left_at, met)
    values ($1, $2, $3, $4, $5, $6)";
/// `$5`: the topic is decided now (the first decision is kept), `$6` resolved now, `$7` one
/// more reopening, `$8` flag it.
const SET_STATUS: &str = "update topic set status = $1, status_reason = $2,
        status_changed_at = $3, due_at = $4, updated_at = $3, last_activity_at = $3,
        decided_at = case when $5 and decided_at is null then $3 else decided_at end,
        resolved_at = case when $6 then $3 else resolved_at end,
        reopened_count = reopened_count + $7,
        flagged = case when $8 then true else flagged end
    where topic_id = $9";

/// Apply a status change to a locked topic row: deadline bookkeeping, timestamps, timeline
/// and notifications, audit and live event.
pub(super) async fn change(
    tx: &mut Tx<'_>,
    t: &TopicRow,
    change: &StatusChange,
    audit: &Audit,
) -> Result<()> {
    let now = audit.at;
    if let Some(due) = t.due_at {
        sqlx::query(INSERT_DEADLINE)
            .bind(t.topic_id)
            .bind(t.community_id)
            .bind(t.status)
            .bind(due)
            .bind(now)
            .bind(now <= due)
            .execute(&mut **tx)
            .await?;
    }
    let decided = matches!(change.status.as_str(), "decided");
    let resolved = matches!(change.status.as_str(), "resolved");
    sqlx::query(SET_STATUS)
        .bind(change.status)
        .bind(change.reason.as_deref())
        .bind(now)
        .bind(change.due_at)
        .bind(decided)
        .bind(resolved)
        .bind(if change.reopen { 1 } else { 0 })
        .bind(change.reopen)
        .bind(t.topic_id)
        .execute(&mut **tx)
        .await?;
    if let Some(note) = &change.note {
        notifications::publish(tx, t.topic_id, t.community_id, note, audit.actor, now).await?;
    }
    audit::entry("topic.status", "topic", t.topic_id)
        .community(t.community_id)
        .before(json!({"status": t.status, "status_reason": t.status_reason}))
        .after(json!({
            "status": change.status,
            "status_reason": change.reason,
            "reopen": change.reopen,
        }))
        .record(tx, audit)
        .await?;
    let payload = json!({"topic_id": t.topic_id, "status": change.status, "from": t.status});
    events::record(
        tx,
        t.community_id,
        "topic.status",
        Some(t.topic_id),
        None,
        payload,
        now,
    )
    .await
}
