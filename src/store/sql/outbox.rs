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
/// Lease up to `$3` unpublished rows that nobody holds (or whose lease ran out) until `$1`
/// (PostgreSQL). `for update skip locked` in the sub-select: two relays never lease the same
/// row (a row another relay is leasing is skipped, not waited for, and one it has just leased
/// fails the re-check of `claimed_until`), and rows are locked in `outbox_id` order, so claims
/// cannot deadlock each other or the delete of published rows.
const CLAIM_OUTBOX_PG: &str = "update outbox set claimed_until = $1, attempts = attempts + 1
    where outbox_id in (
        select outbox_id from outbox
        where published_at is null and (claimed_until is null or claimed_until < $2)
        order by outbox_id
        limit $3
        for update skip locked)
    returning outbox_id, kind, payload, created_at";
/// The same on SQLite: its one writer connection runs one statement at a time, so the
/// sub-select and the update are never interleaved with another claim.
const CLAIM_OUTBOX_SQLITE: &str = "update outbox set claimed_until = $1, attempts = attempts + 1
    where outbox_id in (
        select outbox_id from outbox
        where published_at is null and (claimed_until is null or claimed_until < $2)
        order by outbox_id
        limit $3)
    returning outbox_id, kind, payload, created_at";
/// Ids are spliced in ascending order, the lock order of the claims.
const DELETE_PUBLISHED: &str = "delete from outbox where outbox_id in ({ids})";
/// A relay that could not publish its leased rows hands them back at once.
const RELEASE_OUTBOX: &str = "update outbox set claimed_until = null where outbox_id in ({ids})";
const PENDING_SUGGESTIONS: &str = "select coalesce(sum(suggestion_count), 0) from outbox
    where published_at is null";
/// Touch up to `$3` suggestions queued since before `$2`, so the next sweep waits another full
/// period before re-sending them (PostgreSQL: rows being grouped right now are skipped, never
/// waited for).
const TOUCH_STALE_QUEUED_PG: &str = "update suggestion set updated_at = $1
    where suggestion_id in (
        select suggestion_id from suggestion
        where state = 'queued' and updated_at < $2
        order by suggestion_id
        limit $3
        for update skip locked)
    returning suggestion_id, community_id";
const TOUCH_STALE_QUEUED_SQLITE: &str = "update suggestion set updated_at = $1
    where suggestion_id in (
        select suggestion_id from suggestion
        where state = 'queued' and updated_at < $2
        order by suggestion_id
        limit $3)
    returning suggestion_id, community_id";
/// When the oldest outbox row not yet published was written.
const OLDEST_OUTBOX: &str = "select min(created_at) from outbox";
/// When the oldest suggestion still waiting for grouping was accepted.
const OLDEST_QUEUED: &str = "select min(created_at) from suggestion where state = 'queued'";
/// Accepted and processed times of the most recent suggestions (a primary-key range, no scan).
const RECENT_PROCESSING: &str = "select created_at, processed_at from suggestion
    where suggestion_id > (select coalesce(max(suggestion_id), 0) - $1 from suggestion)
        and processed_at is not null";
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
        let claim = if SqlStore::BACKEND == "postgres" {
            CLAIM_OUTBOX_PG
        } else {
            CLAIM_OUTBOX_SQLITE
        };
        let mut rows: Vec<OutboxRow> = sqlx::query_as(claim)
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
        sqlx::query(&with_ids(DELETE_PUBLISHED, &sorted(ids)))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn release_outbox(&self, ids: &[i64]) -> Result<()> {
        sqlx::query(&with_ids(RELEASE_OUTBOX, &sorted(ids)))
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
        let touch = if SqlStore::BACKEND == "postgres" {
            TOUCH_STALE_QUEUED_PG
        } else {
            TOUCH_STALE_QUEUED_SQLITE
        };
        let query = sqlx::query_as(touch)
            .bind(chrono::Utc::now())
            .bind(cutoff)
            .bind(limit);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn count_in_state(&self, state: crate::hall::status::SuggestionState) -> Result<i64> {
        let query = sqlx::query_scalar(COUNT_IN_STATE).bind(state);
        Ok(query.fetch_one(&self.read).await?)
    }

    async fn oldest_queued(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(OLDEST_QUEUED)
            .fetch_one(&self.read)
            .await?)
    }

    async fn oldest_outbox(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(OLDEST_OUTBOX)
            .fetch_one(&self.read)
            .await?)
    }

    async fn recent_processing(&self, window: i64) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
        Ok(sqlx::query_as(RECENT_PROCESSING)
            .bind(window)
            .fetch_all(&self.read)
            .await?)
    }
}

/// Ids in ascending order: every statement locks outbox rows in the same order.
fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids
}
