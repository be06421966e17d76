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
    /// Why it was held or rejected, shown to the author (Chinese).
    pub moderation_reason: Option<String>,
    /// The same in English.
    pub moderation_reason_en: Option<String>,
    pub photo_ids: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub topic: Option<TopicBriefView>,
    pub timeline: Vec<TimelineEntryView>,
    /// Whether the author may say now whether they are satisfied (the topic is resolved).
    pub can_rate: bool,
    /// The author's answer in the topic's current round, if they gave one.
    pub my_satisfaction: Option<MySatisfaction>,
}

/// A resident's own answer about a resolved topic.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MySatisfaction {
    /// `satisfied`, `basically_satisfied` or `unsatisfied`.
    pub answer: String,
    pub answer_label: String,
    pub answer_label_en: String,
    pub comment: Option<String>,
}

impl MySatisfaction {
    pub fn new(answer: String, comment: Option<String>) -> Self {
        let (zh, en) = answer_labels(&answer);
        Self {
            answer_label: zh.into(),
            answer_label_en: en.into(),
            answer,
            comment,
        }
    }
}

/// A satisfaction answer's labels (Chinese, English).
pub fn answer_labels(answer: &str) -> (&'static str, &'static str) {
    match answer {
        "satisfied" => ("满意", "Satisfied"),
        "basically_satisfied" => ("基本满意", "Basically satisfied"),
        "unsatisfied" => ("不满意", "Not satisfied"),
        _ => ("已评价", "Answered"),
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
            moderation_reason_en: s
                .moderation_reason
                .as_deref()
                .map(|r| crate::intake::moderation::reason_labels(r).1),
            moderation_reason: s
                .moderation_reason
                .as_deref()
                .map(|r| crate::intake::moderation::reason_labels(r).0),
            photo_ids,
            created_at: s.created_at,
            can_rate: topic
                .as_ref()
                .is_some_and(|t| t.status == crate::hall::status::TopicStatus::Resolved),
            topic: topic.map(Into::into),
            timeline: timeline.into_iter().map(Into::into).collect(),
            my_satisfaction: None,
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
