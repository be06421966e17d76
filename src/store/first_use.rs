//! What residents, volunteers and workers needed on first use (issue 16): joining a community by
//! its QR code, photos a worker publishes, moderation word lists kept by admins, names instead
//! of ids, call-backs per resident and topic, and the answers residents gave.
use crate::domain::ids::*;
use crate::store::{AdminArea, Audit, Edit, StreetRow};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A suggestion's photo and whether residents may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PhotoRow {
    #[serde(skip)]
    pub suggestion_id: SuggestionId,
    pub upload_id: String,
    /// Published by a worker: residents see it on the topic's public page.
    pub public: bool,
}

/// Whose moderation word list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordScope {
    Community(CommunityId),
    District(DistrictId),
}

impl WordScope {
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            WordScope::Community(c) => ("community", c.0),
            WordScope::District(d) => ("district", d.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WordListRow {
    pub scope: String,
    pub scope_id: i64,
    /// JSON array of words.
    pub words: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub updated_by_account_id: Option<AccountId>,
}

impl WordListRow {
    pub fn word_vec(&self) -> Vec<String> {
        serde_json::from_str(&self.words).unwrap_or_default()
    }
}

/// One call-back notice (a public change of a topic a paper submitter spoke in).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallbackNoticeRow {
    pub callback_id: i64,
    /// The public change it is about (one notice per change, whichever form it reached).
    pub timeline_entry_id: i64,
    pub person_id: i64,
    pub topic_id: TopicId,
    pub topic_title: String,
    pub timeline_body: String,
    pub person_name: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done: bool,
}

/// A resident's answer with its comment, for the staff's topic page (no names).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SatisfactionComment {
    pub answer: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait FirstUseStore: Send + Sync {
    // --- joining a community by its QR code ------------------------------------------------
    /// The epoch a community's join codes are signed with (`None`: no such community).
    async fn join_epoch(&self, community: CommunityId) -> anyhow::Result<Option<i64>>;
    /// A new poster: raise the epoch, which voids the codes printed before. The new epoch.
    async fn rotate_join_code(&self, community: CommunityId, audit: &Audit) -> anyhow::Result<i64>;
    /// A resident joins (or changes to) a community through its code; audited with before/after.
    async fn join_community(
        &self,
        account: AccountId,
        community: CommunityId,
        audit: &Audit,
    ) -> anyhow::Result<()>;

    // --- photos ----------------------------------------------------------------------------
    /// The photos of these suggestions, in their order.
    async fn photos_of(&self, suggestions: &[SuggestionId]) -> anyhow::Result<Vec<PhotoRow>>;
    /// Publish (or withdraw) one photo of a suggestion; `false` when it is not that
    /// suggestion's photo.
    async fn set_photo_public(
        &self,
        suggestion: SuggestionId,
        upload: &str,
        public: bool,
        community: CommunityId,
        audit: &Audit,
    ) -> anyhow::Result<bool>;
    /// Communities in which this upload is a published photo.
    async fn photo_public_in(&self, upload: &str) -> anyhow::Result<Vec<CommunityId>>;

    // --- names instead of ids --------------------------------------------------------------
    /// Display names of accounts (staff and residents alike: callers decide what to show).
    async fn account_names(&self, ids: &[AccountId]) -> anyhow::Result<Vec<(AccountId, String)>>;
    async fn district_name(&self, id: DistrictId) -> anyhow::Result<Option<String>>;
    /// Streets an admin may create communities in.
    async fn streets_in(&self, area: AdminArea) -> anyhow::Result<Vec<StreetRow>>;

    // --- moderation word lists -------------------------------------------------------------
    async fn word_list(&self, scope: WordScope) -> anyhow::Result<Option<WordListRow>>;
    /// The lists that apply to a community: its own and its district's.
    async fn word_lists_for(&self, community: CommunityId) -> anyhow::Result<Vec<WordListRow>>;
    /// Replace a list when `version` is the one stored (0 when there is none yet); the new
    /// version. Audited with the words before and after.
    async fn set_word_list(
        &self,
        scope: WordScope,
        words: &[String],
        version: i32,
        audit: &Audit,
    ) -> anyhow::Result<Edit<i32>>;

    // --- call-backs ------------------------------------------------------------------------
    async fn callback_notices(
        &self,
        community: CommunityId,
        done: bool,
    ) -> anyhow::Result<Vec<CallbackNoticeRow>>;
    /// Mark every open call-back of the same person (same phone) and topic as `id` done; how
    /// many were marked.
    async fn callback_group_done(&self, id: i64, audit: &Audit) -> anyhow::Result<u64>;

    // --- satisfaction ----------------------------------------------------------------------
    /// The account's answers in the current round of these topics: `(topic, answer, comment)`.
    async fn my_satisfactions(
        &self,
        account: AccountId,
        topics: &[TopicId],
    ) -> anyhow::Result<Vec<(TopicId, String, Option<String>)>>;
    /// Answers with a comment in the topic's current round, newest first.
    async fn satisfaction_comments(
        &self,
        topic: TopicId,
    ) -> anyhow::Result<Vec<SatisfactionComment>>;
}
