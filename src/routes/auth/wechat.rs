//! Residents log in with a mini-program `wx.login` code; the account is created on first login.
use super::tokens::{new_session, TokenResponse};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WechatLoginRequest {
    pub code: String,
}

#[utoipa::path(request_body = WechatLoginRequest, responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem), (status = 503, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/wechat")]
#[tracing::instrument(skip_all)]
pub async fn wechat_login(
    state: web::Data<AppState>,
    body: web::Json<WechatLoginRequest>,
) -> ApiResult<HttpResponse> {
    let code = body.code.trim();
    if code.is_empty() || code.len() > 128 || !code.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::field(
            "code",
            "invalid_code",
            "登录凭证格式有误 / malformed login code",
        ));
    }
    let identity = state.wechat.code2session(code).await?;
    let (account, created) = state
        .store
        .upsert_wechat_resident(&identity.openid, identity.unionid.as_deref())
        .await?;
    if account.disabled_at.is_some() {
        return Err(ApiError::forbidden());
    }
    if created {
        tracing::info!(account_id = %account.account_id, "new resident account from WeChat");
    }
    let tokens: TokenResponse = new_session(&state, &account).await?;
    Ok(HttpResponse::Ok().json(tokens))
}
