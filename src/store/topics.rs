//! Topics in the store, as the grouping step writes them.
use crate::domain::ids::*;
use async_trait::async_trait;

/// A grouped suggestion, as needed to rebuild or catch up a community's engine.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupedDoc {
    pub suggestion_id: SuggestionId,
    pub group_seq: i64,
    pub title: Option<String>,
    pub body: String,
    pub topic_id: TopicId,
    pub pinned: bool,
}

/// A lesson from a worker's correction: the two suggestions belong together or apart.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct LessonRow {
    pub suggestion_id: SuggestionId,
    pub other_suggestion_id: SuggestionId,
    pub together: bool,
}

/// A community's synonym as a worker decided it (`grouping_synonym`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SynonymRow {
    pub synonym_id: i64,
    pub community_id: CommunityId,
    pub surface: String,
    pub canonical: String,
    /// Accepted (the engine uses it) or rejected (never proposed again).
    pub accepted: bool,
    /// Corrected suggestions behind it when decided (0: typed in by a worker).
    pub evidence: i32,
    pub actor_account_id: Option<AccountId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A synonym decision to store (replacing an earlier one of the same surface).
#[derive(Debug, Clone)]
pub struct SynonymDecision {
    pub surface: String,
    pub canonical: String,
    pub accepted: bool,
    pub evidence: i32,
}

/// Where a community's grouping stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct GroupClock {
    pub group_seq: i64,
    pub group_epoch: i64,
}

/// One grouping decision to commit.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub suggestion_id: SuggestionId,
    pub community_id: CommunityId,
    /// `None`: open a new topic.
    pub topic: Option<TopicId>,
    /// The clock the decision was made at; the commit fails if another worker moved it.
    pub expected: GroupClock,
    pub title: String,
    pub keywords: Vec<String>,
    pub similarity: Option<f32>,
    pub duplicate_of: Option<SuggestionId>,
    /// A new topic's triage deadline.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignOutcome {
    Assigned {
        topic: TopicId,
        group_seq: i64,
    },
    /// Another worker grouped in this community meanwhile: catch up and decide again.
    Stale,
    /// Not `queued` any more (already grouped, withdrawn…): nothing changed.
    NotQueued,
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TopicRow {
    pub topic_id: TopicId,
    pub community_id: CommunityId,
    pub title: String,
    pub summary: Option<String>,
    /// JSON array of keywords.
    pub keywords: String,
    pub category: Option<String>,
    pub status: crate::hall::status::TopicStatus,
    pub status_reason: Option<String>,
    pub merged_into_topic_id: Option<TopicId>,
    pub representative_suggestion_id: Option<i64>,
    pub member_count: i32,
    pub paper_count: i32,
    pub supporter_count: i32,
    pub heat: f64,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub status_changed_at: chrono::DateTime<chrono::Utc>,
    pub last_activity_at: chrono::DateTime<chrono::Utc>,
    /// When the topic should leave its current status; past it, the topic is overdue.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Reopened after residents were not satisfied (发回重办).
    pub flagged: bool,
    pub reopened_count: i32,
    /// The latest meeting decision on this topic.
    pub decision: Option<String>,
}

/// How an inbox is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicSort {
    /// Most members and supporters first.
    Heat,
    Newest,
    /// Longest in its current status first.
    Waiting,
}

/// A grouping decision for one suggestion of a batch.
#[derive(Debug, Clone)]
pub struct Planned {
    /// `None`: open a new topic.
    pub topic: Option<TopicId>,
    /// A new topic's provisional title (unused when joining: `applied` relabels).
    pub title: String,
    pub keywords: Vec<String>,
    pub similarity: Option<f32>,
    pub duplicate_of: Option<SuggestionId>,
    /// A new topic's triage deadline.
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Label of a topic to store: title, keywords, representative.
pub type TopicLabelRow = (String, Vec<String>, Option<SuggestionId>);

/// The engine side of `assign_batch`, called inside its transaction in suggestion order.
pub trait BatchGrouper: Send {
    fn decide(&mut self, s: &crate::store::SuggestionRow) -> Planned;
    /// `s` now belongs to `topic` in the open transaction.
    fn applied(&mut self, s: &crate::store::SuggestionRow, topic: TopicId);
    /// The label to store for a topic the batch changed (asked once per topic, after the
    /// batch's last member), if any.
    fn label(&mut self, topic: TopicId) -> Option<TopicLabelRow>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Another worker grouped in this community meanwhile; nothing was decided.
    Stale,
    Done {
        clock: GroupClock,
        assigned: Vec<(SuggestionId, TopicId)>,
    },
}

#[async_trait]
pub trait TopicStore: Send + Sync {
    async fn suggestions_by_ids(
        &self,
        ids: &[SuggestionId],
    ) -> anyhow::Result<Vec<crate::store::SuggestionRow>>;
    /// Group the still-queued suggestions among `ids` in one transaction, serialised per
    /// community by a compare-and-set on its clock.
    async fn assign_batch(
        &self,
        community: CommunityId,
        expected: GroupClock,
        ids: &[SuggestionId],
        grouper: &mut dyn BatchGrouper,
    ) -> anyhow::Result<BatchOutcome>;
    async fn group_clock(&self, community: CommunityId) -> anyhow::Result<GroupClock>;
    /// Grouped suggestions after `after_seq`, in grouping order.
    async fn grouped_since(
        &self,
        community: CommunityId,
        after_seq: i64,
    ) -> anyhow::Result<Vec<GroupedDoc>>;
    /// What workers' corrections taught the grouping engine about a community, oldest first.
    async fn grouping_lessons(&self, community: CommunityId) -> anyhow::Result<Vec<LessonRow>>;
    /// A community's decided synonyms, by surface.
    async fn grouping_synonyms(&self, community: CommunityId) -> anyhow::Result<Vec<SynonymRow>>;
    /// Store a worker's decision on a synonym (replacing one of the same surface), audited;
    /// an accepted synonym, or one that was, makes every engine of the community rebuild.
    async fn decide_synonym(
        &self,
        community: CommunityId,
        decision: &SynonymDecision,
        audit: &crate::store::Audit,
    ) -> anyhow::Result<SynonymRow>;
    /// Remove a decision (the synonym may be proposed again), audited. False: no such synonym
    /// in the community.
    async fn remove_synonym(
        &self,
        community: CommunityId,
        synonym_id: i64,
        audit: &crate::store::Audit,
    ) -> anyhow::Result<bool>;
    /// Commit one decision: the topic (new or joined), the suggestion's membership and counts,
    /// the community's clock and the audit record, in one transaction.
    async fn assign(&self, a: &Assignment) -> anyhow::Result<AssignOutcome>;
    async fn topics(
        &self,
        community: CommunityId,
        status: Option<crate::hall::status::TopicStatus>,
        sort: TopicSort,
        limit: i64,
        offset: i64,
    ) -> anyhow::Result<Vec<TopicRow>>;
    /// Topics per status in a community.
    async fn topic_counts(&self, community: CommunityId) -> anyhow::Result<Vec<(String, i64)>>;
    async fn topic(&self, id: TopicId) -> anyhow::Result<Option<TopicRow>>;
    /// Refresh the algorithm's label of a topic (unless a worker set the title).
    async fn relabel(
        &self,
        topic: TopicId,
        title: &str,
        keywords: &[String],
        representative: Option<SuggestionId>,
    ) -> anyhow::Result<()>;
}
