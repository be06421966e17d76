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

#[async_trait]
pub trait TopicStore: Send + Sync {
    async fn group_clock(&self, community: CommunityId) -> anyhow::Result<GroupClock>;
    /// Grouped suggestions after `after_seq`, in grouping order.
    async fn grouped_since(
        &self,
        community: CommunityId,
        after_seq: i64,
    ) -> anyhow::Result<Vec<GroupedDoc>>;
    /// Commit one decision: the topic (new or joined), the suggestion's membership and counts,
    /// the community's clock and the audit record, in one transaction.
    async fn assign(&self, a: &Assignment) -> anyhow::Result<AssignOutcome>;
    /// Refresh the algorithm's label of a topic (unless a worker set the title).
    async fn relabel(
        &self,
        topic: TopicId,
        title: &str,
        keywords: &[String],
        representative: Option<SuggestionId>,
    ) -> anyhow::Result<()>;
}
