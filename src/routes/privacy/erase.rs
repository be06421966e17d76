//! Erasing one's account: `POST /me/erasure` says what will happen and gives a confirmation
//! valid for a few minutes; `DELETE /me` with that confirmation erases. The confirmation is a
//! token signed with the server's key, bound to the account and the session that asked.
use crate::auth::caller::Resident;
use crate::error::{ApiError, ApiResult};
use crate::routes::admin::audit_of;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

const AUDIENCE: &str = "minyi-erasure";

#[derive(Serialize, Deserialize)]
struct Confirmation {
    aud: String,
    sub: String,
    sid: String,
    exp: i64,
}

fn secret(state: &AppState) -> Vec<u8> {
    state
        .settings
        .auth
        .jwt_secret
        .expose_secret()
        .as_bytes()
        .to_vec()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErasurePreview {
    /// Send this back in `DELETE /api/v1/me` to confirm.
    pub confirmation: String,
    pub expires_in: i64,
    pub suggestions: usize,
    pub photos: usize,
    pub paper_forms: usize,
    /// What happens, in Chinese.
    pub message: String,
    pub message_en: String,
}

/// Step 1 of erasure: what will be erased, and a confirmation for step 2.
#[utoipa::path(responses((status = 200, body = ErasurePreview), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[post("/me/erasure")]
pub async fn preview(state: web::Data<AppState>, caller: Resident) -> ApiResult<HttpResponse> {
    let subject = state.store.account_subject(caller.account_id).await?;
    if subject.account.is_none() {
        return Err(ApiError::invalid_token());
    }
    let minutes = state.settings.privacy.erasure_confirm_minutes;
    let claims = Confirmation {
        aud: AUDIENCE.into(),
        sub: caller.account_id.to_string(),
        sid: caller.session_id.clone(),
        exp: chrono::Utc::now().timestamp() + minutes * 60,
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&secret(&state)),
    )
    .map_err(anyhow::Error::from)?;
    let own = subject.suggestions.iter().filter(|s| s.own).count();
    let paper_forms = subject.suggestions.len() - own;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(ErasurePreview {
            confirmation: token,
            expires_in: minutes * 60,
            suggestions: own,
            photos: subject.uploads.len(),
            paper_forms,
            message: format!(
                "注销后，您的手机号、微信标识、姓名、楼栋、照片、通知和登录记录将被删除，且无法恢复。\
                 您的 {own} 条建议会以匿名形式保留在议题中（除非您选择同时撤回）。请在 {minutes} 分钟内确认。"
            ),
            message_en: format!(
                "Erasing deletes your phone number, WeChat id, name, building, photos, notices and logins \
                 for good. Your {own} suggestions stay in their topics as anonymous voices unless you also \
                 withdraw them. Confirm within {minutes} minutes."
            ),
        }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EraseRequest {
    /// The confirmation from `POST /api/v1/me/erasure`.
    pub confirmation: Option<String>,
    /// Also withdraw the suggestions (those on a meeting's agenda stay, anonymous).
    #[serde(default)]
    pub withdraw_suggestions: bool,
}

/// Step 2: erase the caller's account. Sessions end at once; the erasure is recorded without
/// personal data.
#[utoipa::path(request_body = EraseRequest, responses(
    (status = 200, description = "erased; what was done, counts only"),
    (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
    (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
    (status = 428, body = crate::error::Problem)),
    tag = "privacy", security(("bearer" = [])))]
#[delete("/me")]
#[tracing::instrument(skip_all)]
pub async fn erase(
    state: web::Data<AppState>,
    caller: Resident,
    req: HttpRequest,
    body: Option<web::Json<EraseRequest>>,
) -> ApiResult<HttpResponse> {
    let body = body.map(web::Json::into_inner);
    let token = body
        .as_ref()
        .and_then(|b| b.confirmation.as_deref())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "confirmation_required",
                "注销账号需要先确认：请先获取确认（POST /api/v1/me/erasure）",
                "Erasing needs a confirmation: POST /api/v1/me/erasure first and send it back",
            )
        })?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let claims = decode::<Confirmation>(
        token,
        &DecodingKey::from_secret(&secret(&state)),
        &validation,
    )
    .map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "confirmation_invalid",
            "确认已过期或无效，请重新确认",
            "The confirmation is expired or invalid; confirm again",
        )
    })?
    .claims;
    // Another account's confirmation confirms nothing here: answered like an unknown thing.
    if claims.sub != caller.account_id.to_string() || claims.sid != caller.session_id {
        return Err(ApiError::not_found());
    }
    let withdraw = body.is_some_and(|b| b.withdraw_suggestions);
    let audit = crate::store::Audit {
        reason: Some("居民本人申请注销账号 / erased at the resident's request".into()),
        ..audit_of(&caller, &req, None)
    };
    let summary = state
        .privacy
        .erase_account(caller.account_id, withdraw, &audit)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state.sessions.clear();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "erased": true, "summary": summary })))
}
