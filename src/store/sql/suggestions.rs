//! Residents' suggestions: creation (one, or a batch), reading, withdrawal, moderation and the
//! processing state the workers keep.
use super::shared::{
    self, leave_topic, suggestion_tx, SELECT_SUGGESTION, SUGGESTION_BY_ID, SUGGESTION_COLUMNS,
};
use super::{audit, outbox, SqlStore};
use crate::domain::ids::*;
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::{Audit, CreateOutcome, IntakeStore, NewSuggestion, SuggestionRow};
use crate::store::{TimelineRow, TopicBrief, WithdrawOutcome};
use crate::store::{SUGGESTION_ACCEPTED, SUGGESTION_WITHDRAWN};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::query::QueryAs;

/// A new suggestion; `bind_new` binds its 19 parameters.
const INSERT_SUGGESTION_VALUES: &str = "insert into suggestion (community_id, client_id,
        channel, author_account_id, author_person_id, entered_by_account_id, title, body,
        building_id, place, category, show_author, paper_batch_id, paper_serial, state,
        moderation_reason, request_hash, consent_by_resident, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $19)";
const INSERT_SUGGESTION: &str =
    const_concat!(INSERT_SUGGESTION_VALUES, " returning ", SUGGESTION_COLUMNS);
/// PostgreSQL only: the suggestion and its outbox row in one statement; no row when the
/// suggestion's key is taken.
const INSERT_SUGGESTION_WITH_OUTBOX: &str = const_concat!(
    "with s as (",
    INSERT_SUGGESTION_VALUES,
    " on conflict do nothing returning ",
    SUGGESTION_COLUMNS,
    "),
    o as (insert into outbox (kind, payload, created_at)
        select '",
    SUGGESTION_ACCEPTED,
    "',
            json_build_object('suggestion_id', suggestion_id, 'community_id', community_id)::text,
            $19
        from s)
    select * from s"
);
const INSERT_PHOTO: &str =
    "insert into suggestion_photo (suggestion_id, upload_id, position) values ($1, $2, $3)";

const SUGGESTION_BY_PAPER_SERIAL: &str = const_concat!(
    SELECT_SUGGESTION,
    " where paper_batch_id = $1 and paper_serial = $2"
);
const SUGGESTION_BY_CLIENT_ID: &str = const_concat!(
    SELECT_SUGGESTION,
    " where author_account_id = $1 and client_id = $2"
);
/// Entered for a resident without an account (assist mode): unique per volunteer and client id.
const SUGGESTION_BY_ASSIST_KEY: &str = const_concat!(
    SELECT_SUGGESTION,
    " where entered_by_account_id = $1 and client_id = $2
        and author_account_id is null and paper_batch_id is null"
);
const SUGGESTIONS_OF_AUTHOR: &str = const_concat!(
    SELECT_SUGGESTION,
    " where author_account_id = $1 and suggestion_id < $2
    order by suggestion_id desc limit $3"
);
const SUGGESTIONS_IN_STATE: &str = const_concat!(
    SELECT_SUGGESTION,
    " where community_id in ({ids}) and state = $1 order by suggestion_id limit $2"
);
const PHOTOS_OF_SUGGESTION: &str =
    "select upload_id from suggestion_photo where suggestion_id = $1 order by position";
const TOPIC_BRIEFS: &str = "select topic_id, title, status, status_reason, member_count,
        supporter_count
    from topic where topic_id in ({ids})";
const PUBLIC_TIMELINE: &str = "select timeline_entry_id, topic_id, kind, body, created_at
    from timeline_entry
    where topic_id = $1 and public
    order by timeline_entry_id";

const COUNT_AGENDA_ITEMS_OF_TOPIC: &str = "select count(*) from meeting_topic where topic_id = $1";
/// Compare-and-set: the state and topic read before must still hold (grouping or a correction
/// may have moved the suggestion meanwhile).
const WITHDRAW: &str = "update suggestion set state = 'withdrawn', updated_at = $1
    where suggestion_id = $2 and state = $3 and coalesce(topic_id, 0) = coalesce($4, 0)";
const MODERATE: &str = "update suggestion set state = $1, moderation_reason = $2, updated_at = $3
    where suggestion_id = $4";
const REQUEUE_FAILED: &str = "update suggestion set state = 'queued', attempts = 0, updated_at = $1
    where suggestion_id = $2";
const MARK_FAILED: &str = "update suggestion set state = 'failed', last_error = $1, updated_at = $2
    where suggestion_id = $3 and state = 'queued'";
const RECORD_ATTEMPT: &str = "update suggestion set attempts = attempts + 1, last_error = $1
    where suggestion_id = $2";
const MARK_PROCESSED: &str = "update suggestion set state = 'grouped', processed_at = $1,
        updated_at = $1
    where suggestion_id = $2 and state = 'queued'";

type Arguments<'q> = <super::Db as sqlx::Database>::Arguments<'q>;

/// Bind the parameters of `INSERT_SUGGESTION_VALUES`.
fn bind_new<'q, O>(
    query: QueryAs<'q, super::Db, O, Arguments<'q>>,
    s: &'q NewSuggestion,
    person: Option<PersonId>,
    state: &'q str,
    now: DateTime<Utc>,
) -> QueryAs<'q, super::Db, O, Arguments<'q>> {
    query
        .bind(s.community_id)
        .bind(&s.client_id)
        .bind(s.channel)
        .bind(s.author_account_id)
        .bind(person)
        .bind(s.entered_by)
        .bind(s.title.as_deref())
        .bind(&s.body)
        .bind(s.building_id)
        .bind(s.place.as_deref())
        .bind(s.category.as_deref())
        .bind(s.show_author)
        .bind(s.paper_batch_id)
        .bind(s.paper_serial.as_deref())
        .bind(state)
        .bind(s.hold_for_review.as_deref())
        .bind(&s.request_hash)
        .bind(s.consent_by_resident)
        .bind(now)
}

impl SqlStore {
    /// The original of a request whose key is taken: a retry, or a racing twin.
    async fn original(&self, s: &NewSuggestion) -> Result<SuggestionRow> {
        let query = if let Some(batch) = s.paper_batch_id {
            sqlx::query_as(SUGGESTION_BY_PAPER_SERIAL)
                .bind(batch)
                .bind(s.paper_serial.as_deref())
        } else if s.author_account_id.is_none() {
            sqlx::query_as(SUGGESTION_BY_ASSIST_KEY)
                .bind(s.entered_by)
                .bind(&s.client_id)
        } else {
            sqlx::query_as(SUGGESTION_BY_CLIENT_ID)
                .bind(s.author_account_id)
                .bind(&s.client_id)
        };
        Ok(query.fetch_one(&self.write).await?)
    }
}

#[async_trait]
impl IntakeStore for SqlStore {
    #[tracing::instrument(skip_all, fields(channel = s.channel))]
    async fn create_suggestion(
        &self,
        s: &NewSuggestion,
        audit: Option<&Audit>,
    ) -> Result<CreateOutcome> {
        let now = chrono::Utc::now();
        let simple = s.author_person.is_none()
            && s.photo_ids.is_empty()
            && audit.is_none()
            && s.hold_for_review.is_none();
        if simple && Self::BACKEND == "postgres" {
            // The common case in one statement (one round trip, one commit): the suggestion
            // and its outbox row still commit together.
            let query = sqlx::query_as(INSERT_SUGGESTION_WITH_OUTBOX);
            let row: Option<SuggestionRow> = bind_new(query, s, None, "queued", now)
                .fetch_optional(&self.write)
                .await?;
            if let Some(row) = row {
                return Ok(CreateOutcome::Created(row));
            }
            // A conflict: fall through to the general path, which answers with the original.
        }
        let mut tx = self.write.begin().await?;
        let person_id = match &s.author_person {
            Some(p) if p.name.is_some() || p.phone.is_some() => {
                let (name, phone) = (p.name.as_deref(), p.phone.as_deref());
                Some(shared::insert_person(&mut tx, s.community_id, name, phone, now).await?)
            }
            _ => None,
        };
        let state = if s.hold_for_review.is_some() {
            "pending_review"
        } else {
            "queued"
        };
        let inserted: Result<SuggestionRow, sqlx::Error> =
            bind_new(sqlx::query_as(INSERT_SUGGESTION), s, person_id, state, now)
                .fetch_one(&mut *tx)
                .await;
        let row = match inserted {
            Ok(row) => row,
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                tx.rollback().await?;
                let existing = self.original(s).await?;
                return Ok(
                    if existing.request_hash.as_deref() == Some(s.request_hash.as_str()) {
                        CreateOutcome::Existing(existing)
                    } else {
                        CreateOutcome::KeyConflict(existing)
                    },
                );
            }
            Err(e) => return Err(anyhow::Error::new(e).context("inserting a suggestion")),
        };
        let id = row.suggestion_id;
        for (position, upload) in s.photo_ids.iter().enumerate() {
            sqlx::query(INSERT_PHOTO)
                .bind(id)
                .bind(upload)
                .bind(position as i32)
                .execute(&mut *tx)
                .await?;
        }
        if state == "queued" {
            outbox::enqueue(&mut tx, SUGGESTION_ACCEPTED, id, s.community_id, now).await?;
        }
        if let Some(audit) = audit {
            let after = json!({
                "channel": s.channel,
                "paper_batch_id": s.paper_batch_id,
                "paper_serial": s.paper_serial,
                "state": state,
            });
            audit::entry("suggestion.create", "suggestion", id)
                .community(s.community_id)
                .after(after)
                .record(&mut tx, audit)
                .await?;
        }
        tx.commit().await?;
        Ok(CreateOutcome::Created(row))
    }

    #[tracing::instrument(skip_all, fields(n = batch.len()))]
    async fn create_suggestions(
        &self,
        batch: &[NewSuggestion],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<SuggestionRow>>> {
        if let Some(s) = batch.iter().find(|s| !s.batchable()) {
            anyhow::bail!("a {} suggestion cannot be committed in a batch", s.channel);
        }
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        // Backend-specific: PostgreSQL passes the batch as arrays, SQLite as JSON.
        self.create_suggestions_in_one_statement(batch, now).await
    }

    async fn suggestion(&self, id: SuggestionId) -> Result<Option<SuggestionRow>> {
        let query = sqlx::query_as(SUGGESTION_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.write).await?)
    }

    async fn suggestion_photos(&self, id: SuggestionId) -> Result<Vec<String>> {
        let query = sqlx::query_scalar(PHOTOS_OF_SUGGESTION).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn suggestions_of(
        &self,
        author: AccountId,
        before: Option<SuggestionId>,
        limit: i64,
    ) -> Result<Vec<SuggestionRow>> {
        let query = sqlx::query_as(SUGGESTIONS_OF_AUTHOR)
            .bind(author)
            .bind(before.map(|b| b.0).unwrap_or(i64::MAX))
            .bind(limit);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn topic_briefs(&self, ids: &[TopicId]) -> Result<Vec<TopicBrief>> {
        let sql = with_ids(TOPIC_BRIEFS, ids);
        let query = sqlx::query_as(&sql);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn public_timeline(&self, topic: TopicId) -> Result<Vec<TimelineRow>> {
        let query = sqlx::query_as(PUBLIC_TIMELINE).bind(topic);
        Ok(query.fetch_all(&self.read).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn withdraw_suggestion(
        &self,
        id: SuggestionId,
        author: AccountId,
        audit: &Audit,
    ) -> Result<WithdrawOutcome> {
        // A few rounds: grouping may place the suggestion between our read and our write.
        for _ in 0..5 {
            let mut tx = self.write.begin().await?;
            let found = suggestion_tx(&mut tx, id).await?;
            let Some(s) = found.filter(|s| s.author_account_id == Some(author)) else {
                return Ok(WithdrawOutcome::NotFound);
            };
            if !["pending_review", "queued", "grouped", "failed"].contains(&s.state.as_str()) {
                return Ok(WithdrawOutcome::AlreadyClosed);
            }
            if let Some(topic) = s.topic_id {
                let on_agenda: i64 = sqlx::query_scalar(COUNT_AGENDA_ITEMS_OF_TOPIC)
                    .bind(topic)
                    .fetch_one(&mut *tx)
                    .await?;
                if on_agenda > 0 {
                    return Ok(WithdrawOutcome::InMeeting);
                }
            }
            let set = sqlx::query(WITHDRAW)
                .bind(audit.at)
                .bind(id)
                .bind(s.state)
                .bind(s.topic_id)
                .execute(&mut *tx)
                .await?;
            if set.rows_affected() != 1 {
                tx.rollback().await?;
                continue;
            }
            leave_topic(&mut tx, &s, audit.at).await?;
            outbox::enqueue(&mut tx, SUGGESTION_WITHDRAWN, id, s.community_id, audit.at).await?;
            audit::entry("suggestion.withdraw", "suggestion", id)
                .community(s.community_id)
                .before(json!({"state": s.state, "topic_id": s.topic_id}))
                .after(json!({"state": "withdrawn"}))
                .record_and_commit(tx, audit)
                .await?;
            return Ok(WithdrawOutcome::Withdrawn);
        }
        anyhow::bail!("suggestion {id} kept changing while it was withdrawn")
    }

    async fn suggestions_in_state(
        &self,
        communities: &[CommunityId],
        state: crate::hall::status::SuggestionState,
        limit: i64,
    ) -> Result<Vec<SuggestionRow>> {
        let sql = with_ids(SUGGESTIONS_IN_STATE, communities);
        let query = sqlx::query_as(&sql).bind(state).bind(limit);
        Ok(query.fetch_all(&self.read).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn review_suggestion(
        &self,
        id: SuggestionId,
        approve: bool,
        reason: Option<&str>,
        audit: &Audit,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let found = suggestion_tx(&mut tx, id).await?;
        let Some(s) =
            found.filter(|s| s.state == crate::hall::status::SuggestionState::PendingReview)
        else {
            return Ok(false);
        };
        let state = if approve { "queued" } else { "rejected" };
        sqlx::query(MODERATE)
            .bind(state)
            .bind(if approve { None } else { reason })
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if approve {
            outbox::enqueue(&mut tx, SUGGESTION_ACCEPTED, id, s.community_id, audit.at).await?;
        }
        let action = if approve {
            "suggestion.approve"
        } else {
            "suggestion.reject"
        };
        audit::entry(action, "suggestion", id)
            .community(s.community_id)
            .before(json!({"state": s.state, "moderation_reason": s.moderation_reason}))
            .after(json!({"state": state, "reason": reason}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all)]
    async fn retry_suggestion(&self, id: SuggestionId, audit: &Audit) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let found = suggestion_tx(&mut tx, id).await?;
        let Some(s) = found.filter(|s| s.state == crate::hall::status::SuggestionState::Failed)
        else {
            return Ok(false);
        };
        sqlx::query(REQUEUE_FAILED)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        outbox::enqueue(&mut tx, SUGGESTION_ACCEPTED, id, s.community_id, audit.at).await?;
        audit::entry("suggestion.retry", "suggestion", id)
            .community(s.community_id)
            .before(json!({"state": "failed", "last_error": s.last_error}))
            .after(json!({"state": "queued"}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(true)
    }

    async fn mark_failed(&self, id: SuggestionId, error: &str) -> Result<()> {
        sqlx::query(MARK_FAILED)
            .bind(error)
            .bind(chrono::Utc::now())
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn record_attempt(&self, id: SuggestionId, error: &str) -> Result<()> {
        sqlx::query(RECORD_ATTEMPT)
            .bind(error)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn mark_processed(&self, id: SuggestionId) -> Result<bool> {
        let n = sqlx::query(MARK_PROCESSED)
            .bind(chrono::Utc::now())
            .bind(id)
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}
