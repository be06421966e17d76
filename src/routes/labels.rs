//! The label catalogue: every status, state and timeline kind with its Chinese and English
//! label. Items the API sends carry their own `*_label`/`*_label_en` next to the code; clients
//! use this list where they show a code without an item (filters, status menus, charts).
use crate::domain::code::Labelled;
use crate::hall::status::{SuggestionState, TimelineKind, TopicStatus};
use crate::projects::codes::*;
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
    /// Community projects: an organisation's kind and stage, a round's phase, an application's
    /// status, a budget line's category, a spending record's state, a supervision visit's
    /// stage, an evaluation's grade and a resident's sign-up.
    pub organisation_kind: Vec<Labelled>,
    pub organisation_stage: Vec<Labelled>,
    pub round_phase: Vec<Labelled>,
    pub project_status: Vec<Labelled>,
    pub budget_category: Vec<Labelled>,
    pub spending_state: Vec<Labelled>,
    pub visit_stage: Vec<Labelled>,
    pub grade: Vec<Labelled>,
    pub signup_kind: Vec<Labelled>,
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
            organisation_kind: OrgKind::catalogue(),
            organisation_stage: OrgStage::catalogue(),
            round_phase: Phase::catalogue(),
            project_status: ProjectStatus::catalogue(),
            budget_category: BudgetCategory::catalogue(),
            spending_state: SpendingState::catalogue(),
            visit_stage: VisitStage::catalogue(),
            grade: Grade::catalogue(),
            signup_kind: SignupKind::catalogue(),
        })
}
