//! Refresh tokens rotate on every use; a token presented twice revokes its whole session.
use super::tokens::{issue_access, TokenResponse};
use crate::auth::tokens::{hash_token, new_refresh_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::RefreshOutcome;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn refused(code: &'static str, zh: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, zh, en)
}

#[utoipa::path(request_body = RefreshRequest, responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/refresh")]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let now = chrono::Utc::now();
    let next = new_refresh_token();
    let expires = now + chrono::Duration::days(state.settings.auth.refresh_ttl_days);
    let outcome = state
        .store
        .rotate_refresh(
            &hash_token(body.refresh_token.trim()),
            &hash_token(&next),
            now,
            expires,
        )
        .await?;
    if !matches!(outcome, RefreshOutcome::Rotated { .. }) {
        state.sessions.clear();
    }
    match outcome {
        RefreshOutcome::Rotated {
            session_id,
            account_id,
        } => {
            let account = state
                .store
                .account(account_id)
                .await?
                .ok_or_else(ApiError::invalid_token)?;
            let tokens: TokenResponse = issue_access(&state, &account, &session_id, next).await?;
            Ok(HttpResponse::Ok().json(tokens))
        }
        RefreshOutcome::Reused => Err(refused(
            "refresh_token_reused",
            "登录凭证已被使用过，为安全起见已退出登录，请重新登录",
            "This refresh token was already used; the session has been revoked",
        )),
        RefreshOutcome::Expired => Err(refused(
            "refresh_token_expired",
            "登录已过期，请重新登录",
            "The refresh token has expired",
        )),
        RefreshOutcome::Unknown => Err(refused(
            "invalid_refresh_token",
            "登录凭证无效，请重新登录",
            "The refresh token is invalid or revoked",
        )),
    }
}
