//! The SQL of intake, written once for both backends (see `sql.rs` for why).

/// A comma-separated list of integer ids for `in (…)`; `null` when empty (matches nothing).
pub(crate) fn id_list<T: std::fmt::Display>(ids: &[T]) -> String {
    if ids.is_empty() {
        "null".into()
    } else {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub(crate) fn outbox_payload(
    id: crate::domain::ids::SuggestionId,
    community: crate::domain::ids::CommunityId,
) -> String {
    serde_json::json!({"suggestion_id": id, "community_id": community}).to_string()
}

/// The insert of a suggestion; the caller appends the columns to return.
pub(crate) const INSERT_SUGGESTION: &str = "insert into suggestion (community_id, client_id, channel, author_account_id, \
     author_person_id, entered_by_account_id, title, body, building_id, place, category, show_author, paper_batch_id, \
     paper_serial, state, moderation_reason, request_hash, consent_by_resident, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) returning";

/// The kind of outbox row that sends a suggestion to grouping.
pub const SUGGESTION_ACCEPTED: &str = "suggestion.accepted";

/// Lease unpublished outbox rows (PostgreSQL). `for update skip locked` in the sub-select: two
/// relays never lease the same row (a row another relay is leasing is skipped, not waited for,
/// and one that it has just leased fails the re-check of `claimed_until`), and rows are locked
/// in `outbox_id` order, so claims cannot deadlock each other or the delete of published rows.
pub(crate) const OUTBOX_CLAIM_PG: &str = "update outbox set claimed_until = $1, attempts = attempts + 1 \
     where outbox_id in (select outbox_id from outbox where published_at is null \
     and (claimed_until is null or claimed_until < $2) order by outbox_id limit $3 for update skip locked) \
     returning outbox_id, kind, payload, created_at";

/// The same on SQLite: its one writer connection runs one statement at a time, so the
/// sub-select and the update are never interleaved with another claim.
pub(crate) const OUTBOX_CLAIM_SQLITE: &str =
    "update outbox set claimed_until = $1, attempts = attempts + 1 \
     where outbox_id in (select outbox_id from outbox where published_at is null \
     and (claimed_until is null or claimed_until < $2) order by outbox_id limit $3) \
     returning outbox_id, kind, payload, created_at";

/// A relay that could not publish its leased rows hands them back at once.
pub(crate) const OUTBOX_UNCLAIM: &str =
    "update outbox set claimed_until = null where outbox_id in ";

/// Published rows are done with (the queue entry holds the rest).
pub(crate) const OUTBOX_DELETE: &str = "delete from outbox where outbox_id in ";

/// Queued suggestions not touched since `$2`, touched now so the next sweep waits a full period
/// (PostgreSQL: rows being grouped right now are skipped, never waited for).
pub(crate) const STALE_QUEUED_PG: &str = "update suggestion set updated_at = $1 where suggestion_id in \
     (select suggestion_id from suggestion where state = 'queued' and updated_at < $2 order by suggestion_id limit $3 \
     for update skip locked) returning suggestion_id, community_id";

pub(crate) const STALE_QUEUED_SQLITE: &str = "update suggestion set updated_at = $1 where suggestion_id in \
     (select suggestion_id from suggestion where state = 'queued' and updated_at < $2 order by suggestion_id limit $3) \
     returning suggestion_id, community_id";

/// When the oldest outbox row not yet published was written.
pub(crate) const OLDEST_OUTBOX: &str = "select min(created_at) from outbox";

/// When the oldest suggestion still waiting for grouping was accepted (index `suggestion_by_state`).
pub(crate) const OLDEST_QUEUED: &str =
    "select min(created_at) from suggestion where state = 'queued'";

/// Accepted and processed times of the most recent suggestions (a primary-key range, no scan).
pub(crate) const RECENT_PROCESSING: &str = "select created_at, processed_at from suggestion \
     where suggestion_id > (select coalesce(max(suggestion_id), 0) - $1 from suggestion) and processed_at is not null";

macro_rules! impl_intake_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn enqueue_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: $crate::domain::ids::SuggestionId,
                community: $crate::domain::ids::CommunityId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                sqlx::query("insert into outbox (kind, payload, created_at) values ($1, $2, $3)")
                    .bind($crate::store::sql_intake::SUGGESTION_ACCEPTED)
                    .bind($crate::store::sql_intake::outbox_payload(id, community))
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Take a suggestion out of its topic (counts included); returns the topic it had.
            async fn leave_topic_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                s: &$crate::store::SuggestionRow,
                now: chrono::DateTime<chrono::Utc>,
            ) -> anyhow::Result<()> {
                if let Some(topic) = s.topic_id {
                    let paper = if s.channel == "paper" { 1 } else { 0 };
                    sqlx::query(
                        "update topic set member_count = member_count - 1, paper_count = paper_count - $1, \
                         updated_at = $2, version = version + 1 where topic_id = $3",
                    )
                    .bind(paper).bind(now).bind(topic).execute(&mut **tx).await?;
                    sqlx::query("update suggestion set topic_id = null where suggestion_id = $1")
                        .bind(s.suggestion_id).execute(&mut **tx).await?;
                    // Membership changed other than by appending: workers rebuild their engine.
                    sqlx::query("update community set group_epoch = group_epoch + 1 where community_id = $1")
                        .bind(s.community_id).execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn suggestion_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: $crate::domain::ids::SuggestionId,
            ) -> anyhow::Result<Option<$crate::store::SuggestionRow>> {
                let q = format!("select {} from suggestion where suggestion_id = $1", $crate::store::SUGGESTION_COLUMNS);
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&mut **tx).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::IntakeStore for $store {
            #[tracing::instrument(skip_all, fields(channel = s.channel))]
            async fn create_suggestion(&self, s: &$crate::store::NewSuggestion, audit: Option<&$crate::store::Audit>) -> anyhow::Result<$crate::store::CreateOutcome> {
                use $crate::domain::ids::*;
                use $crate::store::CreateOutcome;
                let now = chrono::Utc::now();
                let simple = s.author_person.is_none() && s.photo_ids.is_empty() && audit.is_none() && s.hold_for_review.is_none();
                if simple && Self::BACKEND == "postgres" {
                    // The common case in one statement (one round trip, one commit): the
                    // suggestion and its outbox row still commit together.
                    let q = format!(
                        "with s as ({} {}), o as (insert into outbox (kind, payload, created_at) \
                         select '{}', json_build_object('suggestion_id', suggestion_id, 'community_id', community_id)::text, $19 from s) \
                         select * from s",
                        $crate::store::sql_intake::INSERT_SUGGESTION.replace(" returning", " on conflict do nothing returning"),
                        $crate::store::SUGGESTION_COLUMNS,
                        $crate::store::sql_intake::SUGGESTION_ACCEPTED,
                    );
                    let row: Option<$crate::store::SuggestionRow> = sqlx::query_as(&q)
                        .bind(s.community_id).bind(&s.client_id).bind(s.channel).bind(s.author_account_id).bind(None::<PersonId>)
                        .bind(s.entered_by).bind(s.title.as_deref()).bind(&s.body).bind(s.building_id).bind(s.place.as_deref())
                        .bind(s.category.as_deref()).bind(s.show_author).bind(s.paper_batch_id).bind(s.paper_serial.as_deref())
                        .bind("queued").bind(None::<String>).bind(&s.request_hash).bind(s.consent_by_resident).bind(now)
                        .fetch_optional(&self.write).await?;
                    if let Some(row) = row {
                        return Ok(CreateOutcome::Created(row));
                    }
                    // A conflict: fall through to the general path, which answers with the original.
                }
                let mut tx = self.write.begin().await?;
                let person_id: Option<PersonId> = match &s.author_person {
                    Some(p) if p.name.is_some() || p.phone.is_some() => Some(
                        sqlx::query_scalar("insert into person (community_id, name, phone, created_at) values ($1, $2, $3, $4) returning person_id")
                            .bind(s.community_id).bind(p.name.as_deref()).bind(p.phone.as_deref()).bind(now)
                            .fetch_one(&mut *tx).await?,
                    ),
                    _ => None,
                };
                let state = if s.hold_for_review.is_some() { "pending_review" } else { "queued" };
                let insert_sql = format!("{} {}", $crate::store::sql_intake::INSERT_SUGGESTION, $crate::store::SUGGESTION_COLUMNS);
                let id: SuggestionId;
                let inserted: Result<$crate::store::SuggestionRow, sqlx::Error> = sqlx::query_as(&insert_sql)
                .bind(s.community_id).bind(&s.client_id).bind(s.channel).bind(s.author_account_id).bind(person_id)
                .bind(s.entered_by).bind(s.title.as_deref()).bind(&s.body).bind(s.building_id).bind(s.place.as_deref())
                .bind(s.category.as_deref()).bind(s.show_author).bind(s.paper_batch_id).bind(s.paper_serial.as_deref())
                .bind(state).bind(s.hold_for_review.as_deref()).bind(&s.request_hash).bind(s.consent_by_resident).bind(now)
                .fetch_one(&mut *tx)
                .await;
                let row = match inserted {
                    Ok(row) => {
                        id = row.suggestion_id;
                        row
                    }
                    Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                        tx.rollback().await?;
                        // A retry (or a racing twin) of an accepted request: answer with the original.
                        let q = if s.paper_batch_id.is_some() {
                            format!("select {} from suggestion where paper_batch_id = $1 and paper_serial = $2", $crate::store::SUGGESTION_COLUMNS)
                        } else {
                            format!("select {} from suggestion where author_account_id = $1 and client_id = $2", $crate::store::SUGGESTION_COLUMNS)
                        };
                        let existing: $crate::store::SuggestionRow = if let Some(b) = s.paper_batch_id {
                            sqlx::query_as(&q).bind(b).bind(s.paper_serial.as_deref()).fetch_one(&self.write).await?
                        } else if s.author_account_id.is_none() {
                            // Entered for a resident without an account (assist mode): unique per
                            // volunteer and client id.
                            let q = format!(
                                "select {} from suggestion where entered_by_account_id = $1 and client_id = $2 \
                                 and author_account_id is null and paper_batch_id is null",
                                $crate::store::SUGGESTION_COLUMNS
                            );
                            sqlx::query_as(&q).bind(s.entered_by).bind(&s.client_id).fetch_one(&self.write).await?
                        } else {
                            sqlx::query_as(&q).bind(s.author_account_id).bind(&s.client_id).fetch_one(&self.write).await?
                        };
                        return Ok(if existing.request_hash.as_deref() == Some(s.request_hash.as_str()) {
                            CreateOutcome::Existing(existing)
                        } else {
                            CreateOutcome::KeyConflict(existing)
                        });
                    }
                    Err(e) => return Err(anyhow::Error::new(e).context("inserting a suggestion")),
                };
                for (position, upload) in s.photo_ids.iter().enumerate() {
                    sqlx::query("insert into suggestion_photo (suggestion_id, upload_id, position) values ($1, $2, $3)")
                        .bind(id).bind(upload).bind(position as i32).execute(&mut *tx).await?;
                }
                if state == "queued" {
                    Self::enqueue_tx(&mut tx, id, s.community_id, now).await?;
                }
                if let Some(audit) = audit {
                    Self::audit_tx(&mut tx, audit, "suggestion.create", "suggestion", &id.to_string(), Some(s.community_id), None,
                        Some(serde_json::json!({"channel": s.channel, "paper_batch_id": s.paper_batch_id, "paper_serial": s.paper_serial, "state": state}))).await?;
                }
                tx.commit().await?;
                Ok(CreateOutcome::Created(row))
            }

            #[tracing::instrument(skip_all, fields(n = batch.len()))]
            async fn create_suggestions(&self, batch: &[$crate::store::NewSuggestion], now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Vec<Option<$crate::store::SuggestionRow>>> {
                if let Some(s) = batch.iter().find(|s| !s.batchable()) {
                    anyhow::bail!("a {} suggestion cannot be committed in a batch", s.channel);
                }
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                // Backend-specific: PostgreSQL passes the batch as arrays, SQLite as JSON.
                self.create_suggestions_in_one_statement(batch, now).await
            }

            async fn suggestion(&self, id: $crate::domain::ids::SuggestionId) -> anyhow::Result<Option<$crate::store::SuggestionRow>> {
                let q = format!("select {} from suggestion where suggestion_id = $1", $crate::store::SUGGESTION_COLUMNS);
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.write).await?)
            }

            async fn suggestion_photos(&self, id: $crate::domain::ids::SuggestionId) -> anyhow::Result<Vec<String>> {
                Ok(sqlx::query_scalar("select upload_id from suggestion_photo where suggestion_id = $1 order by position")
                    .bind(id).fetch_all(&self.read).await?)
            }

            async fn suggestions_of(&self, author: $crate::domain::ids::AccountId, before: Option<$crate::domain::ids::SuggestionId>, limit: i64) -> anyhow::Result<Vec<$crate::store::SuggestionRow>> {
                let q = format!(
                    "select {} from suggestion where author_account_id = $1 and suggestion_id < $2 order by suggestion_id desc limit $3",
                    $crate::store::SUGGESTION_COLUMNS
                );
                Ok(sqlx::query_as(&q).bind(author).bind(before.map(|b| b.0).unwrap_or(i64::MAX)).bind(limit).fetch_all(&self.read).await?)
            }

            async fn topic_briefs(&self, ids: &[$crate::domain::ids::TopicId]) -> anyhow::Result<Vec<$crate::store::TopicBrief>> {
                let q = format!(
                    "select topic_id, title, status, status_reason, member_count, supporter_count from topic where topic_id in ({})",
                    $crate::store::sql_intake::id_list(ids)
                );
                Ok(sqlx::query_as(&q).fetch_all(&self.read).await?)
            }

            async fn public_timeline(&self, topic: $crate::domain::ids::TopicId) -> anyhow::Result<Vec<$crate::store::TimelineRow>> {
                Ok(sqlx::query_as(
                    "select timeline_entry_id, topic_id, kind, body, created_at from timeline_entry \
                     where topic_id = $1 and public order by timeline_entry_id",
                )
                .bind(topic).fetch_all(&self.read).await?)
            }

            #[tracing::instrument(skip_all)]
            async fn withdraw_suggestion(&self, id: $crate::domain::ids::SuggestionId, author: $crate::domain::ids::AccountId, audit: &$crate::store::Audit) -> anyhow::Result<$crate::store::WithdrawOutcome> {
                use $crate::store::WithdrawOutcome;
                let mut tx = self.write.begin().await?;
                let Some(s) = Self::suggestion_tx(&mut tx, id).await?.filter(|s| s.author_account_id == Some(author)) else {
                    return Ok(WithdrawOutcome::NotFound);
                };
                if !["pending_review", "queued", "grouped", "failed"].contains(&s.state.as_str()) {
                    return Ok(WithdrawOutcome::AlreadyClosed);
                }
                if let Some(topic) = s.topic_id {
                    let on_agenda: i64 = sqlx::query_scalar("select count(*) from meeting_topic where topic_id = $1")
                        .bind(topic).fetch_one(&mut *tx).await?;
                    if on_agenda > 0 {
                        return Ok(WithdrawOutcome::InMeeting);
                    }
                }
                Self::leave_topic_tx(&mut tx, &s, audit.at).await?;
                sqlx::query("update suggestion set state = 'withdrawn', updated_at = $1 where suggestion_id = $2")
                    .bind(audit.at).bind(id).execute(&mut *tx).await?;
                sqlx::query("insert into outbox (kind, payload, created_at) values ('suggestion.withdrawn', $1, $2)")
                    .bind($crate::store::sql_intake::outbox_payload(id, s.community_id)).bind(audit.at).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "suggestion.withdraw", "suggestion", &id.to_string(), Some(s.community_id),
                    Some(serde_json::json!({"state": s.state, "topic_id": s.topic_id})), Some(serde_json::json!({"state": "withdrawn"}))).await?;
                tx.commit().await?;
                Ok(WithdrawOutcome::Withdrawn)
            }

            async fn suggestions_in_state(&self, communities: &[$crate::domain::ids::CommunityId], state: &str, limit: i64) -> anyhow::Result<Vec<$crate::store::SuggestionRow>> {
                let q = format!(
                    "select {} from suggestion where community_id in ({}) and state = $1 order by suggestion_id limit $2",
                    $crate::store::SUGGESTION_COLUMNS,
                    $crate::store::sql_intake::id_list(communities)
                );
                Ok(sqlx::query_as(&q).bind(state).bind(limit).fetch_all(&self.read).await?)
            }

            #[tracing::instrument(skip_all)]
            async fn review_suggestion(&self, id: $crate::domain::ids::SuggestionId, approve: bool, reason: Option<&str>, audit: &$crate::store::Audit) -> anyhow::Result<bool> {
                let mut tx = self.write.begin().await?;
                let Some(s) = Self::suggestion_tx(&mut tx, id).await?.filter(|s| s.state == "pending_review") else {
                    return Ok(false);
                };
                let state = if approve { "queued" } else { "rejected" };
                sqlx::query("update suggestion set state = $1, moderation_reason = $2, updated_at = $3 where suggestion_id = $4")
                    .bind(state).bind(if approve { None } else { reason }).bind(audit.at).bind(id).execute(&mut *tx).await?;
                if approve {
                    Self::enqueue_tx(&mut tx, id, s.community_id, audit.at).await?;
                }
                let action = if approve { "suggestion.approve" } else { "suggestion.reject" };
                Self::audit_tx(&mut tx, audit, action, "suggestion", &id.to_string(), Some(s.community_id),
                    Some(serde_json::json!({"state": s.state, "moderation_reason": s.moderation_reason})),
                    Some(serde_json::json!({"state": state, "reason": reason}))).await?;
                tx.commit().await?;
                Ok(true)
            }

            #[tracing::instrument(skip_all)]
            async fn retry_suggestion(&self, id: $crate::domain::ids::SuggestionId, audit: &$crate::store::Audit) -> anyhow::Result<bool> {
                let mut tx = self.write.begin().await?;
                let Some(s) = Self::suggestion_tx(&mut tx, id).await?.filter(|s| s.state == "failed") else {
                    return Ok(false);
                };
                sqlx::query("update suggestion set state = 'queued', attempts = 0, updated_at = $1 where suggestion_id = $2")
                    .bind(audit.at).bind(id).execute(&mut *tx).await?;
                Self::enqueue_tx(&mut tx, id, s.community_id, audit.at).await?;
                Self::audit_tx(&mut tx, audit, "suggestion.retry", "suggestion", &id.to_string(), Some(s.community_id),
                    Some(serde_json::json!({"state": "failed", "last_error": s.last_error})), Some(serde_json::json!({"state": "queued"}))).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn mark_failed(&self, id: $crate::domain::ids::SuggestionId, error: &str) -> anyhow::Result<()> {
                sqlx::query("update suggestion set state = 'failed', last_error = $1, updated_at = $2 where suggestion_id = $3 and state = 'queued'")
                    .bind(error).bind(chrono::Utc::now()).bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn record_attempt(&self, id: $crate::domain::ids::SuggestionId, error: &str) -> anyhow::Result<()> {
                sqlx::query("update suggestion set attempts = attempts + 1, last_error = $1 where suggestion_id = $2")
                    .bind(error).bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn mark_processed(&self, id: $crate::domain::ids::SuggestionId) -> anyhow::Result<bool> {
                let now = chrono::Utc::now();
                let n = sqlx::query("update suggestion set state = 'grouped', processed_at = $1, updated_at = $1 where suggestion_id = $2 and state = 'queued'")
                    .bind(now).bind(id).execute(&self.write).await?.rows_affected();
                Ok(n == 1)
            }

            async fn claim_outbox(&self, now: chrono::DateTime<chrono::Utc>, lease_until: chrono::DateTime<chrono::Utc>, limit: i64) -> anyhow::Result<Vec<$crate::store::OutboxRow>> {
                let q = if Self::BACKEND == "postgres" {
                    $crate::store::sql_intake::OUTBOX_CLAIM_PG
                } else {
                    $crate::store::sql_intake::OUTBOX_CLAIM_SQLITE
                };
                let mut rows: Vec<$crate::store::OutboxRow> = sqlx::query_as(q)
                    .bind(lease_until).bind(now).bind(limit).fetch_all(&self.write).await?;
                rows.sort_by_key(|r| r.outbox_id);
                Ok(rows)
            }

            async fn mark_published(&self, ids: &[i64], now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                // Published rows are done: deleting them keeps the table (and its index) small and
                // costs less than an update. The published time is in the queue's entry.
                let _ = now;
                let mut sorted = ids.to_vec();
                sorted.sort_unstable();
                let q = format!("{}({})", $crate::store::sql_intake::OUTBOX_DELETE, $crate::store::sql_intake::id_list(&sorted));
                sqlx::query(&q).execute(&self.write).await?;
                Ok(())
            }

            async fn release_outbox(&self, ids: &[i64]) -> anyhow::Result<()> {
                let mut sorted = ids.to_vec();
                sorted.sort_unstable();
                let q = format!("{}({})", $crate::store::sql_intake::OUTBOX_UNCLAIM, $crate::store::sql_intake::id_list(&sorted));
                sqlx::query(&q).execute(&self.write).await?;
                Ok(())
            }

            async fn outbox_pending(&self) -> anyhow::Result<i64> {
                Ok(sqlx::query_scalar("select coalesce(sum(suggestion_count), 0) from outbox where published_at is null").fetch_one(&self.read).await?)
            }

            async fn stale_queued(&self, cutoff: chrono::DateTime<chrono::Utc>, limit: i64) -> anyhow::Result<Vec<($crate::domain::ids::SuggestionId, $crate::domain::ids::CommunityId)>> {
                let q = if Self::BACKEND == "postgres" {
                    $crate::store::sql_intake::STALE_QUEUED_PG
                } else {
                    $crate::store::sql_intake::STALE_QUEUED_SQLITE
                };
                Ok(sqlx::query_as(q).bind(chrono::Utc::now()).bind(cutoff).bind(limit).fetch_all(&self.write).await?)
            }

            async fn oldest_queued(&self) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
                Ok(sqlx::query_scalar($crate::store::sql_intake::OLDEST_QUEUED).fetch_one(&self.read).await?)
            }

            async fn oldest_outbox(&self) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
                Ok(sqlx::query_scalar($crate::store::sql_intake::OLDEST_OUTBOX).fetch_one(&self.read).await?)
            }

            async fn recent_processing(&self, window: i64) -> anyhow::Result<Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>> {
                Ok(sqlx::query_as($crate::store::sql_intake::RECENT_PROCESSING).bind(window).fetch_all(&self.read).await?)
            }

            async fn count_in_state(&self, state: &str) -> anyhow::Result<i64> {
                Ok(sqlx::query_scalar("select count(*) from suggestion where state = $1").bind(state).fetch_one(&self.read).await?)
            }

            #[tracing::instrument(skip_all)]
            async fn create_batch(&self, b: &$crate::store::NewPaperBatch, audit: &$crate::store::Audit) -> anyhow::Result<$crate::domain::ids::PaperBatchId> {
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::PaperBatchId = sqlx::query_scalar(
                    "insert into paper_batch (community_id, collection_kind, collection_point, collected_on, sheet_count, note, \
                     volunteer_account_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning paper_batch_id",
                )
                .bind(b.community_id).bind(&b.collection_kind).bind(&b.collection_point).bind(b.collected_on)
                .bind(b.sheet_count).bind(b.note.as_deref()).bind(b.volunteer).bind(audit.at)
                .fetch_one(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "paper_batch.create", "paper_batch", &id.to_string(), Some(b.community_id), None,
                    Some(serde_json::json!({"collection_kind": b.collection_kind, "collection_point": b.collection_point, "sheet_count": b.sheet_count}))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn batch(&self, id: $crate::domain::ids::PaperBatchId) -> anyhow::Result<Option<$crate::store::PaperBatchRow>> {
                Ok(sqlx::query_as(
                    "select paper_batch_id, community_id, collection_kind, collection_point, collected_on, sheet_count, note, \
                     volunteer_account_id, status, created_at, closed_at from paper_batch where paper_batch_id = $1",
                )
                .bind(id).fetch_optional(&self.write).await?)
            }

            async fn batches(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Vec<$crate::store::PaperBatchRow>> {
                Ok(sqlx::query_as(
                    "select paper_batch_id, community_id, collection_kind, collection_point, collected_on, sheet_count, note, \
                     volunteer_account_id, status, created_at, closed_at from paper_batch where community_id = $1 order by paper_batch_id desc",
                )
                .bind(community).fetch_all(&self.read).await?)
            }

            async fn batch_entries(&self, id: $crate::domain::ids::PaperBatchId) -> anyhow::Result<Vec<$crate::store::SuggestionRow>> {
                let q = format!("select {} from suggestion where paper_batch_id = $1 order by suggestion_id", $crate::store::SUGGESTION_COLUMNS);
                Ok(sqlx::query_as(&q).bind(id).fetch_all(&self.write).await?)
            }

            async fn close_batch(&self, id: $crate::domain::ids::PaperBatchId, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                let community: Option<$crate::domain::ids::CommunityId> = sqlx::query_scalar(
                    "update paper_batch set status = 'closed', closed_at = $1 where paper_batch_id = $2 and status = 'open' returning community_id",
                )
                .bind(audit.at).bind(id).fetch_optional(&mut *tx).await?;
                if community.is_some() {
                    Self::audit_tx(&mut tx, audit, "paper_batch.close", "paper_batch", &id.to_string(), community,
                        Some(serde_json::json!({"status": "open"})), Some(serde_json::json!({"status": "closed"}))).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn correct_entry(&self, id: $crate::domain::ids::SuggestionId, patch: &$crate::store::EntryPatch, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                use $crate::intake::mask::{mask_name, mask_phone};
                let mut tx = self.write.begin().await?;
                let s = Self::suggestion_tx(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("no such entry"))?;
                let person: Option<$crate::store::PersonRow> = match s.author_person_id {
                    Some(p) => sqlx::query_as("select person_id, name, phone from person where person_id = $1").bind(p).fetch_optional(&mut *tx).await?,
                    None => None,
                };
                let before = serde_json::json!({
                    "body": s.body, "title": s.title, "building_id": s.building_id, "place": s.place,
                    "name": person.as_ref().and_then(|p| p.name.as_deref()).map(mask_name),
                    "phone": person.as_ref().and_then(|p| p.phone.as_deref()).map(mask_phone),
                });
                let body = patch.body.clone().unwrap_or(s.body.clone());
                let text_changed = body != s.body;
                sqlx::query("update suggestion set body = $1, title = $2, building_id = $3, place = $4, updated_at = $5 where suggestion_id = $6")
                    .bind(&body)
                    .bind(patch.title.clone().or(s.title.clone()))
                    .bind(patch.building_id.or(s.building_id))
                    .bind(patch.place.clone().or(s.place.clone()))
                    .bind(audit.at).bind(id).execute(&mut *tx).await?;
                if patch.name.is_some() || patch.phone.is_some() {
                    let name = patch.name.clone().or(person.as_ref().and_then(|p| p.name.clone()));
                    let phone = patch.phone.clone().or(person.as_ref().and_then(|p| p.phone.clone()));
                    match &person {
                        Some(p) => {
                            sqlx::query("update person set name = $1, phone = $2 where person_id = $3")
                                .bind(&name).bind(&phone).bind(p.person_id).execute(&mut *tx).await?;
                        }
                        None => {
                            let pid: $crate::domain::ids::PersonId = sqlx::query_scalar(
                                "insert into person (community_id, name, phone, created_at) values ($1, $2, $3, $4) returning person_id",
                            )
                            .bind(s.community_id).bind(&name).bind(&phone).bind(audit.at).fetch_one(&mut *tx).await?;
                            sqlx::query("update suggestion set author_person_id = $1 where suggestion_id = $2").bind(pid).bind(id).execute(&mut *tx).await?;
                        }
                    }
                }
                // New words may belong to another topic: group the entry again.
                if text_changed && (s.state == "grouped" || s.state == "queued") {
                    Self::leave_topic_tx(&mut tx, &s, audit.at).await?;
                    sqlx::query("update suggestion set state = 'queued', group_seq = null where suggestion_id = $1").bind(id).execute(&mut *tx).await?;
                    Self::enqueue_tx(&mut tx, id, s.community_id, audit.at).await?;
                }
                let after = Self::suggestion_tx(&mut tx, id).await?.ok_or_else(|| anyhow::anyhow!("entry vanished"))?;
                let after_json = serde_json::json!({
                    "body": after.body, "title": after.title, "building_id": after.building_id, "place": after.place,
                    "name": patch.name.as_deref().map(mask_name).or(before["name"].as_str().map(String::from)),
                    "phone": patch.phone.as_deref().map(mask_phone).or(before["phone"].as_str().map(String::from)),
                });
                Self::audit_tx(&mut tx, audit, "paper_entry.correct", "suggestion", &id.to_string(), Some(s.community_id), Some(before), Some(after_json)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn person(&self, id: $crate::domain::ids::PersonId) -> anyhow::Result<Option<$crate::store::PersonRow>> {
                Ok(sqlx::query_as("select person_id, name, phone from person where person_id = $1").bind(id).fetch_optional(&self.read).await?)
            }

            async fn insert_upload(&self, u: &$crate::store::UploadRow, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                sqlx::query(
                    "insert into upload (upload_id, sha256, content_type, byte_size, account_id, community_id, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&u.upload_id).bind(&u.sha256).bind(&u.content_type).bind(u.byte_size).bind(u.account_id).bind(u.community_id).bind(now)
                .execute(&self.write).await?;
                Ok(())
            }

            async fn upload(&self, id: &str) -> anyhow::Result<Option<$crate::store::UploadRow>> {
                Ok(sqlx::query_as("select upload_id, sha256, content_type, byte_size, account_id, community_id from upload where upload_id = $1")
                    .bind(id).fetch_optional(&self.write).await?)
            }

            async fn upload_suggestions(&self, id: &str) -> anyhow::Result<Vec<($crate::domain::ids::SuggestionId, $crate::domain::ids::CommunityId)>> {
                Ok(sqlx::query_as(
                    "select s.suggestion_id, s.community_id from suggestion_photo p join suggestion s on s.suggestion_id = p.suggestion_id where p.upload_id = $1",
                )
                .bind(id).fetch_all(&self.read).await?)
            }
        }
    };
}

pub(crate) use impl_intake_store;
