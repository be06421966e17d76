//! Topics (议题): a community's list and one topic's page, for staff and residents alike —
//! residents see no personal data and no member texts.
pub mod detail;
pub mod list;

use crate::store::TopicRow;
use serde::Serialize;

/// A timeline entry's kind, shortly, in Chinese (for subscribe messages).
pub fn status_label_of_kind(kind: &str) -> &'static str {
    match kind {
        "reply" => "新回复",
        "reopened" => "发回重办",
        other => status_label(other),
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "new" => "待分拣",
        "accepted" => "已受理",
        "scheduled" => "议事中",
        "decided" => "已决议",
        "in_progress" => "落实中",
        "resolved" => "已办结",
        "rejected" => "未采纳",
        "merged" => "已合并",
        _ => "未知",
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicView {
    pub id: crate::domain::ids::TopicId,
    pub community_id: crate::domain::ids::CommunityId,
    pub title: String,
    pub summary: Option<String>,
    pub keywords: Vec<String>,
    pub category: Option<String>,
    pub status: String,
    pub status_label: String,
    /// The public reason of a rejection or merge.
    pub status_reason: Option<String>,
    /// The latest meeting decision.
    pub decision: Option<String>,
    pub member_count: i32,
    pub paper_count: i32,
    pub online_count: i32,
    pub supporter_count: i32,
    /// `(1 + members + supporters / 2) × 2^(−days since last activity / 14) − 1`.
    pub heat: f64,
    /// The topic's version: send it back as `If-Match` when changing the topic.
    pub version: i32,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub overdue: bool,
    /// Reopened after residents were not satisfied (发回重办).
    pub reopened: bool,
    pub merged_into: Option<crate::domain::ids::TopicId>,
    /// For residents: whether they support it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported: Option<bool>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_activity_at: chrono::DateTime<chrono::Utc>,
}

impl TopicView {
    pub fn new(t: TopicRow, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            id: t.topic_id,
            community_id: t.community_id,
            keywords: serde_json::from_str(&t.keywords).unwrap_or_default(),
            status_label: status_label(&t.status).into(),
            online_count: t.member_count - t.paper_count,
            overdue: t.due_at.is_some_and(|d| d < now),
            heat: crate::hall::heat::at(t.heat, now),
            title: t.title,
            summary: t.summary,
            category: t.category,
            status: t.status,
            status_reason: t.status_reason,
            decision: t.decision,
            member_count: t.member_count,
            paper_count: t.paper_count,
            supporter_count: t.supporter_count,
            version: t.version,
            due_at: t.due_at,
            reopened: t.flagged,
            merged_into: t.merged_into_topic_id,
            supported: None,
            created_at: t.created_at,
            last_activity_at: t.last_activity_at,
        }
    }
}

impl From<TopicRow> for TopicView {
    fn from(t: TopicRow) -> Self {
        Self::new(t, chrono::Utc::now())
    }
}
