pub mod create;
pub mod mine;
pub mod review;
pub mod withdraw;

use crate::domain::ids::*;
use crate::store::{SuggestionRow, TimelineRow, TopicBrief};
use serde::Serialize;

/// A suggestion as its author sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub id: SuggestionId,
    pub state: String,
    /// The state in Chinese, for display.
    pub state_label: String,
    pub channel: String,
    pub title: Option<String>,
    pub text: String,
    pub building_id: Option<BuildingId>,
    pub place: Option<String>,
    pub category: Option<String>,
    pub show_name: bool,
    /// Why it was held or rejected, shown to the author.
    pub moderation_reason: Option<String>,
    pub photo_ids: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub topic: Option<TopicBrief>,
    pub timeline: Vec<TimelineRow>,
}

pub fn state_label(state: &str) -> &'static str {
    match state {
        "pending_review" => "待审核",
        "queued" => "已受理，正在归类",
        "grouped" => "已归入议题",
        "failed" => "处理失败，等待重试",
        "withdrawn" => "已撤回",
        "rejected" => "未通过审核",
        _ => "未知",
    }
}

impl SuggestionView {
    pub fn new(
        s: SuggestionRow,
        photo_ids: Vec<String>,
        topic: Option<TopicBrief>,
        timeline: Vec<TimelineRow>,
    ) -> Self {
        Self {
            id: s.suggestion_id,
            state_label: state_label(&s.state).into(),
            state: s.state,
            channel: s.channel,
            title: s.title,
            text: s.body,
            building_id: s.building_id,
            place: s.place,
            category: s.category,
            show_name: s.show_author,
            moderation_reason: s.moderation_reason,
            photo_ids,
            created_at: s.created_at,
            topic,
            timeline,
        }
    }
}

/// The answer to an accepted (or re-sent) creating request.
#[derive(Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Accepted {
    pub id: SuggestionId,
    pub state: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
