use super::super::admin::audit_of;
use crate::auth::caller::Resident;
use crate::domain::ids::SuggestionId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::WithdrawOutcome;
use actix_web::{post, web, HttpRequest, HttpResponse};

/// A resident withdraws their suggestion, unless its topic is already on a meeting's agenda.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "suggestions", security(("bearer" = [])))]
#[post("/suggestions/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Resident,
    req: HttpRequest,
    path: web::Path<SuggestionId>,
) -> ApiResult<HttpResponse> {
    let audit = audit_of(&caller, &req, None);
    match state
        .store
        .withdraw_suggestion(path.into_inner(), caller.account_id, &audit)
        .await?
    {
        WithdrawOutcome::Withdrawn => Ok(HttpResponse::NoContent().finish()),
        WithdrawOutcome::NotFound => Err(ApiError::not_found()),
        WithdrawOutcome::InMeeting => Err(ApiError::conflict(
            "in_meeting",
            "该建议所属议题已提交议事会，不能撤回",
            "Its topic is already on a meeting's agenda",
        )),
        WithdrawOutcome::AlreadyClosed => Err(ApiError::conflict(
            "already_closed",
            "该建议已撤回或未通过审核",
            "Already withdrawn or rejected",
        )),
    }
}
