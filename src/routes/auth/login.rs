//! Staff login. Unknown users and wrong passwords get the same answer in the same time; repeated
//! failures slow down and then lock the login name for a while.
use super::tokens::{new_session, TokenResponse};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    #[schema(value_type = String)]
    pub password: SecretString,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "用户名或密码错误",
        "Wrong username or password",
    )
}

fn locked(seconds: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "login_locked",
        "登录失败次数过多，账号已暂时锁定，请稍后再试",
        "Too many failed logins; this account is temporarily locked",
    )
    .with_retry_after(seconds.max(1) as u64)
}

#[utoipa::path(request_body = LoginRequest, responses((status = 200, body = TokenResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let key = body.username.trim().to_lowercase();
    if key.is_empty() || key.chars().count() > 64 {
        return Err(invalid_credentials());
    }
    let now = chrono::Utc::now();
    if let Some(t) = state.store.throttle(&key).await? {
        if let Some(until) = t.locked_until.filter(|u| *u > now) {
            return Err(locked((until - now).num_seconds()));
        }
    }
    let account = state.store.account_by_username(&key).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = crate::auth::password::verify(body.password, stored).await?;
    let account = match (ok, account) {
        (true, Some(a)) => a,
        _ => {
            let auth = &state.settings.auth;
            let t = state
                .store
                .record_login_failure(
                    &key,
                    now,
                    auth.max_failed_logins,
                    chrono::Duration::minutes(auth.lock_minutes),
                )
                .await?;
            // Growing delay: 0.1 s, 0.2 s, 0.4 s … capped at 3 s.
            let delay = 100u64
                .saturating_mul(1 << (t.failures - 1).clamp(0, 5))
                .min(3_000);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if let Some(until) = t.locked_until.filter(|u| *u > now) {
                return Err(locked((until - now).num_seconds()));
            }
            return Err(invalid_credentials());
        }
    };
    if account.disabled_at.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "账号已停用，请联系管理员",
            "This account is disabled",
        ));
    }
    state.store.clear_login_failures(&key).await?;
    let tokens: TokenResponse = new_session(&state, &account).await?;
    Ok(HttpResponse::Ok().json(tokens))
}
