//! Staff erase a paper-form resident's data at their request (they have no account to do it
//! themselves): found by phone, or by one of their forms; recorded with who and why.
use crate::auth::caller::Worker;
use crate::domain::ids::{CommunityId, SuggestionId};
use crate::domain::text::bounded;
use crate::error::{ApiError, ApiResult};
use crate::routes::admin::audit_of;
use crate::state::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PersonErasure {
    /// The phone number the resident gave on their forms …
    pub phone: Option<String>,
    /// … or one of their forms (an entry's suggestion id).
    pub suggestion_id: Option<SuggestionId>,
    /// Why (kept in the audit log; do not write personal data here).
    pub reason: String,
}

/// Erase paper-form persons of this community: names and phones, photos of their forms;
/// their forms stay as anonymous voices. Workers and admins of the community.
#[utoipa::path(params(("id" = i64, Path)), request_body = PersonErasure, responses(
    (status = 200, description = "erased; counts only"),
    (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
    (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[post("/communities/{id}/person-erasures")]
#[tracing::instrument(skip_all)]
pub async fn erase(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<PersonErasure>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(CommunityId(path.into_inner()))?;
    let reason =
        bounded("reason", &body.reason, 2, 200).map_err(|e| ApiError::validation(vec![e]))?;
    let phone = match body
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            let digits = digits
                .strip_prefix("86")
                .filter(|d| d.len() == 11)
                .unwrap_or(&digits)
                .to_string();
            if !(7..=12).contains(&digits.len()) {
                return Err(ApiError::field(
                    "phone",
                    "invalid_phone",
                    "电话号码格式有误 / invalid phone number",
                ));
            }
            Some(digits)
        }
    };
    if phone.is_none() && body.suggestion_id.is_none() {
        return Err(ApiError::field(
            "phone",
            "required",
            "请填写电话或选择一张表单 / give a phone number or a form",
        ));
    }
    let audit = audit_of(&caller, &req, Some(reason));
    let summary = state
        .privacy
        .erase_persons(community, phone.as_deref(), body.suggestion_id, &audit)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "erased": true, "summary": summary })))
}
