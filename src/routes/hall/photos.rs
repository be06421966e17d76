//! Photos of suggestions: workers see them with the suggestion; residents see a photo on the
//! topic's public page only once a worker has published it (a photo can show a face, a door
//! number or a car plate).
use super::super::admin::audit_of;
use crate::auth::caller::Worker;
use crate::domain::ids::SuggestionId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{patch, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PhotoVisibility {
    /// `true`: residents see it on the topic's page; `false`: staff only.
    pub public: bool,
}

/// Publish a suggestion's photo to residents, or withdraw it (audited).
#[utoipa::path(params(("id" = i64, Path), ("upload_id" = String, Path)), request_body = PhotoVisibility,
    responses((status = 204), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    tag = "hall", security(("bearer" = [])))]
#[patch("/suggestions/{id}/photos/{upload_id}")]
pub async fn set_visibility(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Json<PhotoVisibility>,
) -> ApiResult<HttpResponse> {
    let (id, upload) = path.into_inner();
    let s = state
        .store
        .suggestion(SuggestionId(id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let community = caller.community(s.community_id)?;
    let changed = state
        .store
        .set_photo_public(
            s.suggestion_id,
            &upload,
            body.public,
            community,
            &audit_of(&caller, &req, None),
        )
        .await?;
    if !changed {
        return Err(ApiError::not_found());
    }
    Ok(HttpResponse::NoContent().finish())
}
