//! Staff review: suggestions held at intake (approve / reject with a reason shown to the author),
//! and suggestions whose processing failed (retry).
use super::super::admin::audit_of;
use crate::auth::caller::Worker;
use crate::domain::ids::{CommunityId, SuggestionId};
use crate::domain::text::bounded;
use crate::error::{ApiError, ApiResult};
use crate::hall::status::SuggestionState;
use crate::intake::mask::mask_name;
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub community_id: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StaffSuggestion {
    pub id: SuggestionId,
    pub community_id: CommunityId,
    pub channel: String,
    pub state: SuggestionState,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
    pub title: Option<String>,
    pub text: String,
    pub moderation_reason: Option<String>,
    pub moderation_reason_en: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// Masked; only a display hint.
    pub author_hint: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

async fn list(
    state: &AppState,
    worker: &Worker,
    community: i64,
    which: SuggestionState,
) -> ApiResult<HttpResponse> {
    let community = worker.community(CommunityId(community))?;
    let rows = state
        .store
        .suggestions_in_state(&[community], which, 500)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for s in rows {
        let author_hint = match s.author_person_id {
            Some(p) => state
                .store
                .person(p)
                .await?
                .and_then(|p| p.name)
                .map(|n| mask_name(&n)),
            None => None,
        };
        items.push(StaffSuggestion {
            id: s.suggestion_id,
            community_id: s.community_id,
            channel: s.channel,
            state: s.state,
            state_label: s.state.label(),
            state_label_en: s.state.label_en(),
            title: s.title,
            text: s.body,
            moderation_reason_en: s
                .moderation_reason
                .as_deref()
                .map(|r| crate::intake::moderation::reason_labels(r).1),
            moderation_reason: s
                .moderation_reason
                .as_deref()
                .map(|r| crate::intake::moderation::reason_labels(r).0),
            attempts: s.attempts,
            last_error: s.last_error,
            author_hint,
            created_at: s.created_at,
        });
    }
    Ok(HttpResponse::Ok().json(crate::routes::Items { items }))
}

/// Suggestions held for review in a community.
#[utoipa::path(params(ListQuery), responses((status = 200, body = crate::routes::Items<StaffSuggestion>)), tag = "moderation", security(("bearer" = [])))]
#[get("/moderation/suggestions")]
pub async fn pending(
    state: web::Data<AppState>,
    worker: Worker,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    list(
        &state,
        &worker,
        q.community_id,
        SuggestionState::PendingReview,
    )
    .await
}

/// Suggestions whose processing failed (dead-lettered), for administrators to retry.
#[utoipa::path(params(ListQuery), responses((status = 200, body = crate::routes::Items<StaffSuggestion>)), tag = "moderation", security(("bearer" = [])))]
#[get("/suggestions/failed")]
pub async fn failed(
    state: web::Data<AppState>,
    worker: Worker,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    list(&state, &worker, q.community_id, SuggestionState::Failed).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub approve: bool,
    /// Required when rejecting; shown to the author.
    pub reason: Option<String>,
}

async fn in_scope(state: &AppState, worker: &Worker, id: SuggestionId) -> ApiResult<SuggestionId> {
    let s = state
        .store
        .suggestion(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    worker.community(s.community_id)?;
    Ok(s.suggestion_id)
}

#[utoipa::path(params(("id" = i64, Path)), request_body = Decision, responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[post("/moderation/suggestions/{id}")]
pub async fn decide(
    state: web::Data<AppState>,
    worker: Worker,
    req: HttpRequest,
    path: web::Path<SuggestionId>,
    body: web::Json<Decision>,
) -> ApiResult<HttpResponse> {
    let id = in_scope(&state, &worker, path.into_inner()).await?;
    let reason = match (&body.reason, body.approve) {
        (Some(r), _) => {
            Some(bounded("reason", r, 2, 200).map_err(|e| ApiError::validation(vec![e]))?)
        }
        (None, false) => {
            return Err(ApiError::field(
                "reason",
                "required",
                "不通过时请写明原因 / a reason is required to reject",
            ))
        }
        (None, true) => None,
    };
    let audit = audit_of(&worker, &req, reason.clone());
    if state
        .store
        .review_suggestion(id, body.approve, reason.as_deref(), &audit)
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::conflict(
            "not_pending_review",
            "该建议不在待审核状态",
            "This suggestion is not waiting for review",
        ))
    }
}

#[utoipa::path(params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "moderation", security(("bearer" = [])))]
#[post("/suggestions/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    worker: Worker,
    req: HttpRequest,
    path: web::Path<SuggestionId>,
) -> ApiResult<HttpResponse> {
    let id = in_scope(&state, &worker, path.into_inner()).await?;
    if state
        .store
        .retry_suggestion(id, &audit_of(&worker, &req, None))
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::conflict(
            "not_failed",
            "该建议没有处理失败",
            "This suggestion has not failed",
        ))
    }
}
