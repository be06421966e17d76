pub mod create;
pub mod mine;
pub mod review;
pub mod withdraw;

use crate::domain::ids::*;
use crate::hall::status::SuggestionState;
use crate::routes::topics::{TimelineEntryView, TopicBriefView};
use crate::store::{SuggestionRow, TimelineRow, TopicBrief};
use serde::Serialize;

/// A suggestion as its author sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub id: SuggestionId,
    pub state: SuggestionState,
    /// The state for people, in Chinese (`state_label_en`: in English).
    pub state_label: &'static str,
    pub state_label_en: &'static str,
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
    pub topic: Option<TopicBriefView>,
    pub timeline: Vec<TimelineEntryView>,
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
            state_label: s.state.label(),
            state_label_en: s.state.label_en(),
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
            topic: topic.map(Into::into),
            timeline: timeline.into_iter().map(Into::into).collect(),
        }
    }
}

/// The answer to an accepted (or re-sent) creating request.
#[derive(Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Accepted {
    pub id: SuggestionId,
    pub state: SuggestionState,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
