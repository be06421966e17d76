//! Topics (议题): a community's list and one topic's page, for staff and residents alike —
//! residents see no personal data and no member texts.
pub mod detail;
pub mod list;
pub mod similar;

use crate::hall::status::{TimelineKind, TopicStatus};
use crate::store::{TimelineRow, TopicBrief, TopicRow};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicView {
    pub id: crate::domain::ids::TopicId,
    pub community_id: crate::domain::ids::CommunityId,
    pub title: String,
    pub summary: Option<String>,
    pub keywords: Vec<String>,
    pub category: Option<String>,
    pub status: TopicStatus,
    /// The status for people, in Chinese (`status_label_en`: in English). Every code the API
    /// sends next to a label pair like this one comes with labels from the server; clients show
    /// these and keep no tables of their own (`GET /api/v1/labels` lists them all).
    pub status_label: &'static str,
    pub status_label_en: &'static str,
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
            status_label: t.status.label(),
            status_label_en: t.status.label_en(),
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

/// A public timeline entry, as residents and staff see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineEntryView {
    pub timeline_entry_id: i64,
    pub topic_id: crate::domain::ids::TopicId,
    pub kind: TimelineKind,
    /// The kind for people, in Chinese (`kind_label_en`: in English).
    pub kind_label: &'static str,
    pub kind_label_en: &'static str,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<TimelineRow> for TimelineEntryView {
    fn from(e: TimelineRow) -> Self {
        Self {
            timeline_entry_id: e.timeline_entry_id,
            topic_id: e.topic_id,
            kind: e.kind,
            kind_label: e.kind.label(),
            kind_label_en: e.kind.label_en(),
            body: e.body,
            created_at: e.created_at,
        }
    }
}

/// The topic a resident's suggestion went into.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicBriefView {
    pub topic_id: crate::domain::ids::TopicId,
    pub title: String,
    pub status: TopicStatus,
    pub status_label: &'static str,
    pub status_label_en: &'static str,
    pub status_reason: Option<String>,
    pub member_count: i32,
    pub supporter_count: i32,
}

impl From<TopicBrief> for TopicBriefView {
    fn from(t: TopicBrief) -> Self {
        Self {
            topic_id: t.topic_id,
            title: t.title,
            status: t.status,
            status_label: t.status.label(),
            status_label_en: t.status.label_en(),
            status_reason: t.status_reason,
            member_count: t.member_count,
            supporter_count: t.supporter_count,
        }
    }
}
