//! Topics (议题): a community's list and one topic's page, for staff and residents alike —
//! residents see no personal data and no member texts.
pub mod detail;
pub mod list;

use crate::store::TopicRow;
use serde::Serialize;

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
    pub status_reason: Option<String>,
    pub member_count: i32,
    pub paper_count: i32,
    pub online_count: i32,
    pub supporter_count: i32,
    pub heat: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_activity_at: chrono::DateTime<chrono::Utc>,
}

impl From<TopicRow> for TopicView {
    fn from(t: TopicRow) -> Self {
        Self {
            id: t.topic_id,
            community_id: t.community_id,
            keywords: serde_json::from_str(&t.keywords).unwrap_or_default(),
            status_label: status_label(&t.status).into(),
            online_count: t.member_count - t.paper_count,
            title: t.title,
            summary: t.summary,
            category: t.category,
            status: t.status,
            status_reason: t.status_reason,
            member_count: t.member_count,
            paper_count: t.paper_count,
            supporter_count: t.supporter_count,
            heat: t.heat,
            created_at: t.created_at,
            last_activity_at: t.last_activity_at,
        }
    }
}
