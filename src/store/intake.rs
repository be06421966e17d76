//! Intake in the store: suggestions with their outbox rows, paper batches, uploads, moderation.
use crate::domain::ids::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::Audit;

/// A paper submitter; contact details stay private.
#[derive(Clone)]
pub struct NewPerson {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Clone)]
pub struct NewSuggestion {
    pub community_id: CommunityId,
    /// The client's own id or its `Idempotency-Key`; unique per author (or per paper batch).
    pub client_id: String,
    /// Hash of the request body, so a reused key with other content is refused.
    pub request_hash: String,
    pub channel: &'static str,
    pub author_account_id: Option<AccountId>,
    pub author_person: Option<NewPerson>,
    pub entered_by: Option<AccountId>,
    pub title: Option<String>,
    pub body: String,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub category: Option<String>,
    pub show_author: bool,
    pub paper_batch_id: Option<PaperBatchId>,
    pub paper_serial: Option<String>,
    pub photo_ids: Vec<String>,
    /// `Some(reason)`: held for review instead of queued.
    pub hold_for_review: Option<String>,
    pub consent_by_resident: bool,
}

impl NewSuggestion {
    /// A resident's own post, straight to the queue: no person record, photos, audit or hold.
    /// Such posts can be committed together with others ([`IntakeStore::create_suggestions`]).
    pub fn batchable(&self) -> bool {
        self.author_account_id.is_some()
            && self.author_person.is_none()
            && self.entered_by.is_none()
            && self.paper_batch_id.is_none()
            && self.paper_serial.is_none()
            && self.photo_ids.is_empty()
            && self.hold_for_review.is_none()
            && !self.consent_by_resident
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SuggestionRow {
    pub suggestion_id: SuggestionId,
    pub community_id: CommunityId,
    pub channel: String,
    pub author_account_id: Option<AccountId>,
    pub author_person_id: Option<PersonId>,
    pub entered_by_account_id: Option<AccountId>,
    pub title: Option<String>,
    pub body: String,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub category: Option<String>,
    pub show_author: bool,
    pub paper_batch_id: Option<PaperBatchId>,
    pub paper_serial: Option<String>,
    pub state: crate::hall::status::SuggestionState,
    pub moderation_reason: Option<String>,
    pub topic_id: Option<TopicId>,
    pub pinned: bool,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl SuggestionRow {
    /// The row a batched insert wrote for `s` (queued, not yet grouped).
    pub fn batched(id: SuggestionId, s: &NewSuggestion, now: DateTime<Utc>) -> Self {
        Self {
            suggestion_id: id,
            community_id: s.community_id,
            channel: s.channel.to_string(),
            author_account_id: s.author_account_id,
            author_person_id: None,
            entered_by_account_id: None,
            title: s.title.clone(),
            body: s.body.clone(),
            building_id: s.building_id,
            place: s.place.clone(),
            category: s.category.clone(),
            show_author: s.show_author,
            paper_batch_id: None,
            paper_serial: None,
            state: crate::hall::status::SuggestionState::Queued,
            moderation_reason: None,
            topic_id: None,
            pinned: false,
            attempts: 0,
            last_error: None,
            request_hash: Some(s.request_hash.clone()),
            created_at: now,
            updated_at: now,
            processed_at: None,
        }
    }
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created(SuggestionRow),
    /// The same key was used before with the same content: the original.
    Existing(SuggestionRow),
    /// The same key (or paper serial) was used before with other content.
    KeyConflict(SuggestionRow),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub outbox_id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonRow {
    pub person_id: PersonId,
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewPaperBatch {
    pub community_id: CommunityId,
    pub collection_kind: String,
    pub collection_point: String,
    pub collected_on: NaiveDate,
    pub sheet_count: i32,
    pub note: Option<String>,
    pub volunteer: AccountId,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PaperBatchRow {
    pub paper_batch_id: PaperBatchId,
    pub community_id: CommunityId,
    pub collection_kind: String,
    pub collection_point: String,
    pub collected_on: NaiveDate,
    pub sheet_count: i32,
    pub note: Option<String>,
    pub volunteer_account_id: AccountId,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A correction of a paper entry; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EntryPatch {
    pub body: Option<String>,
    pub title: Option<String>,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub upload_id: String,
    pub sha256: String,
    pub content_type: String,
    pub byte_size: i64,
    pub account_id: AccountId,
    pub community_id: Option<CommunityId>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TimelineRow {
    pub timeline_entry_id: i64,
    pub topic_id: TopicId,
    pub kind: crate::hall::status::TimelineKind,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TopicBrief {
    pub topic_id: TopicId,
    pub title: String,
    pub status: crate::hall::status::TopicStatus,
    pub status_reason: Option<String>,
    pub member_count: i32,
    pub supporter_count: i32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum WithdrawOutcome {
    Withdrawn,
    NotFound,
    /// Its topic is already on a meeting's agenda.
    InMeeting,
    AlreadyClosed,
}

/// Residents' suggestions: creation, reading, withdrawal, moderation and processing state.
#[async_trait]
pub trait IntakeStore: Send + Sync {
    /// Commit a suggestion (and, unless held for review, its outbox row) in one transaction.
    async fn create_suggestion(
        &self,
        s: &NewSuggestion,
        audit: Option<&Audit>,
    ) -> anyhow::Result<CreateOutcome>;
    /// Commit many residents' own suggestions (see [`NewSuggestion::batchable`]) in one
    /// transaction, with one outbox row that names them all. The answer is in the batch's
    /// order: the inserted row, or `None` where the author's key is already taken (the caller
    /// answers that one through [`IntakeStore::create_suggestion`], which finds the original).
    /// All or nothing: an error commits none of them.
    async fn create_suggestions(
        &self,
        batch: &[NewSuggestion],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Option<SuggestionRow>>>;
    async fn suggestion(&self, id: SuggestionId) -> anyhow::Result<Option<SuggestionRow>>;
    async fn suggestion_photos(&self, id: SuggestionId) -> anyhow::Result<Vec<String>>;
    /// The author's suggestions, newest first, before the cursor.
    async fn suggestions_of(
        &self,
        author: AccountId,
        before: Option<SuggestionId>,
        limit: i64,
    ) -> anyhow::Result<Vec<SuggestionRow>>;
    async fn topic_briefs(&self, ids: &[TopicId]) -> anyhow::Result<Vec<TopicBrief>>;
    async fn public_timeline(&self, topic: TopicId) -> anyhow::Result<Vec<TimelineRow>>;
    async fn withdraw_suggestion(
        &self,
        id: SuggestionId,
        author: AccountId,
        audit: &Audit,
    ) -> anyhow::Result<WithdrawOutcome>;
    /// Suggestions in `state` within the communities, oldest first.
    async fn suggestions_in_state(
        &self,
        communities: &[CommunityId],
        state: crate::hall::status::SuggestionState,
        limit: i64,
    ) -> anyhow::Result<Vec<SuggestionRow>>;
    /// Approve (queue) or reject a suggestion held for review.
    async fn review_suggestion(
        &self,
        id: SuggestionId,
        approve: bool,
        reason: Option<&str>,
        audit: &Audit,
    ) -> anyhow::Result<bool>;
    /// A failed suggestion goes back to the queue.
    async fn retry_suggestion(&self, id: SuggestionId, audit: &Audit) -> anyhow::Result<bool>;
    async fn mark_failed(&self, id: SuggestionId, error: &str) -> anyhow::Result<()>;
    async fn record_attempt(&self, id: SuggestionId, error: &str) -> anyhow::Result<()>;
    /// Test-processor and fallback step: `queued` → `grouped` without a topic. True if it changed.
    async fn mark_processed(&self, id: SuggestionId) -> anyhow::Result<bool>;
}

/// The kind of outbox row that sends a suggestion to grouping.
pub const SUGGESTION_ACCEPTED: &str = "suggestion.accepted";
/// The kind of outbox row that tells grouping a suggestion was withdrawn.
pub const SUGGESTION_WITHDRAWN: &str = "suggestion.withdrawn";

/// The outbox the relay publishes from, and what the sweeper and metrics read.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Lease up to `limit` unpublished outbox rows until `lease_until`. Two relays never lease
    /// the same row.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxRow>>;
    /// Rows the relay has published are done with: they are removed.
    async fn mark_published(&self, ids: &[i64], now: DateTime<Utc>) -> anyhow::Result<()>;
    /// Leased rows that could not be published go back at once (not after the lease).
    async fn release_outbox(&self, ids: &[i64]) -> anyhow::Result<()>;
    /// Suggestions named by outbox rows not yet published.
    async fn outbox_pending(&self) -> anyhow::Result<i64>;
    /// Queued suggestions accepted before `cutoff`, to re-send after a lost queue.
    async fn stale_queued(
        &self,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> anyhow::Result<Vec<(SuggestionId, CommunityId)>>;
    async fn count_in_state(
        &self,
        state: crate::hall::status::SuggestionState,
    ) -> anyhow::Result<i64>;
    /// When the oldest outbox row still waiting for the relay was written.
    async fn oldest_outbox(&self) -> anyhow::Result<Option<DateTime<Utc>>>;
    /// When the oldest suggestion still `queued` was accepted.
    async fn oldest_queued(&self) -> anyhow::Result<Option<DateTime<Utc>>>;
    /// `(accepted, processed)` of the processed suggestions among the newest `window` ids.
    async fn recent_processing(
        &self,
        window: i64,
    ) -> anyhow::Result<Vec<(DateTime<Utc>, DateTime<Utc>)>>;
}

/// Paper forms: batches, their entries and the people who wrote them.
#[async_trait]
pub trait PaperStore: Send + Sync {
    async fn create_batch(&self, b: &NewPaperBatch, audit: &Audit) -> anyhow::Result<PaperBatchId>;
    async fn batch(&self, id: PaperBatchId) -> anyhow::Result<Option<PaperBatchRow>>;
    async fn batches(&self, community: CommunityId) -> anyhow::Result<Vec<PaperBatchRow>>;
    async fn batch_entries(&self, id: PaperBatchId) -> anyhow::Result<Vec<SuggestionRow>>;
    async fn close_batch(&self, id: PaperBatchId, audit: &Audit) -> anyhow::Result<()>;
    async fn correct_entry(
        &self,
        id: SuggestionId,
        patch: &EntryPatch,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn person(&self, id: PersonId) -> anyhow::Result<Option<PersonRow>>;
}

/// Uploaded photos.
#[async_trait]
pub trait UploadStore: Send + Sync {
    async fn insert_upload(&self, u: &UploadRow, now: DateTime<Utc>) -> anyhow::Result<()>;
    async fn upload(&self, id: &str) -> anyhow::Result<Option<UploadRow>>;
    /// Suggestions that show this upload.
    async fn upload_suggestions(
        &self,
        id: &str,
    ) -> anyhow::Result<Vec<(SuggestionId, CommunityId)>>;
}
