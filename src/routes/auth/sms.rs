//! Residents log in with their phone and a one-time SMS code (the mobile web version). The
//! account is found by phone or created on first login; the phone is never returned unmasked
//! and never logged.
use super::tokens::{new_session, TokenResponse};
use crate::auth::sms::{parse_mobile, CodeCheck};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SmsSendRequest {
    /// A mainland China mobile number (11 digits; `+86` accepted).
    pub phone: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SmsLoginRequest {
    pub phone: String,
    /// The 6-digit code from the SMS.
    pub code: String,
    /// The join code of the community's QR code (`?c=` of the poster's link): a resident who
    /// has no community yet joins it.
    pub join_code: Option<String>,
}

fn phone(input: &str) -> ApiResult<String> {
    parse_mobile(input).ok_or_else(|| {
        ApiError::field(
            "phone",
            "invalid_phone",
            "请输入正确的 11 位手机号 / enter an 11-digit mainland mobile number",
        )
    })
}

#[utoipa::path(request_body = SmsSendRequest, responses((status = 202), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem), (status = 503, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/sms/send")]
#[tracing::instrument(skip_all)]
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SmsSendRequest>,
) -> ApiResult<HttpResponse> {
    let phone = phone(&body.phone)?;
    let ip = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    state.sms.send_code(&phone, &ip).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "sent": true,
        "expires_in": state.sms.settings.code_ttl_seconds,
    })))
}

#[utoipa::path(request_body = SmsLoginRequest, responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/sms/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<SmsLoginRequest>,
) -> ApiResult<HttpResponse> {
    let phone = phone(&body.phone)?;
    let code = code_of(&body.code)?;
    // An invalid code is reported before the SMS code is spent.
    let community =
        crate::routes::join::community_for_login(&state, body.join_code.as_deref()).await?;
    spend_code(&state, &phone, code).await?;
    let account = state.sms.resident_by_phone(&phone, community).await?;
    if account.disabled_at.is_some() || account.role != "resident" {
        return Err(ApiError::forbidden());
    }
    if account.community_id.is_none() {
        if let Some(c) = community {
            state
                .store
                .set_resident_community(account.account_id, c)
                .await?;
        }
    }
    let account = state
        .store
        .account(account.account_id)
        .await?
        .ok_or_else(ApiError::forbidden)?;
    let tokens: TokenResponse = new_session(&state, &account).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// A 6-digit SMS code as typed (surrounding spaces trimmed), or a field error.
pub fn code_of(typed: &str) -> ApiResult<&str> {
    let code = typed.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::field(
            "code",
            "invalid_code",
            "验证码为 6 位数字 / the code has 6 digits",
        ));
    }
    Ok(code)
}

/// Spend the code sent to `phone`: 401 when it expired, was used or is wrong.
pub async fn spend_code(state: &AppState, phone: &str, code: &str) -> ApiResult<()> {
    match state.sms.check_code(phone, code).await? {
        CodeCheck::Ok => Ok(()),
        CodeCheck::NoCode => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sms_code_expired",
            "验证码已失效，请重新获取",
            "The code has expired or was already used; request a new one",
        )),
        CodeCheck::Wrong { attempts_left } => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sms_code_wrong",
            format!("验证码不正确，还可尝试 {attempts_left} 次"),
            format!("Wrong code; {attempts_left} attempts left"),
        )),
    }
}
