//! The label catalogue: every status, state and timeline kind with its Chinese and English
//! label. Items the API sends carry their own `*_label`/`*_label_en` next to the code; clients
//! use this list where they show a code without an item (filters, status menus, charts).
use crate::domain::code::Labelled;
use crate::hall::status::{SuggestionState, TimelineKind, TopicStatus};
use actix_web::{get, http::header, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Labels {
    /// A topic's status (`status` of topics), in workflow order.
    pub topic_status: Vec<Labelled>,
    /// A suggestion's state (`state` of suggestions).
    pub suggestion_state: Vec<Labelled>,
    /// What a timeline entry or notification is about (`kind`).
    pub timeline_kind: Vec<Labelled>,
}

/// Every code with its labels (public; the same for every caller).
#[utoipa::path(responses((status = 200, body = Labels)), tag = "labels")]
#[get("/labels")]
pub async fn labels() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(Labels {
            topic_status: TopicStatus::catalogue(),
            suggestion_state: SuggestionState::catalogue(),
            timeline_kind: TimelineKind::catalogue(),
        })
}
