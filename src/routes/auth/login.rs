//! Staff login. Unknown users and wrong passwords get the same answer in the same time; repeated
//! failures slow down and then lock the login name for a while, and too many failures from one
//! client address (across names) refuse that address for a while. Each attempt is reserved on
//! both counters in the store before its password is checked, so parallel guesses cannot
//! outrun the count: at most `auth.max_failed_logins` passwords are checked per lock period.
use super::tokens::{new_session, TokenResponse};
use crate::auth::client_ip::{client_ip, limit_key};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{LoginCounter, Reservation};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
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

fn seconds_until(until: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> u64 {
    (until - now).num_seconds().max(1) as u64
}

fn address_throttled(seconds: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "login_throttled",
        "该网络登录失败次数过多，请稍后再试",
        "Too many failed logins from this network; try again later",
    )
    .with_retry_after(seconds)
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

#[utoipa::path(request_body = LoginRequest, responses((status = 200, body = TokenResponse, headers(("cache-control" = String, description = "no-store"))), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem, description = "`invalid_credentials`"), (status = 403, body = crate::error::Problem, description = "`account_disabled`"), (status = 429, body = crate::error::Problem, description = "`login_locked` (this name) or `login_throttled` (this client address), with `Retry-After`")), tag = "auth")]
#[post("/auth/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let key = body.username.trim().to_lowercase();
    if key.is_empty() || key.chars().count() > 64 {
        return Err(invalid_credentials());
    }
    let auth = &state.settings.auth;
    let now = chrono::Utc::now();
    let lock_for = chrono::Duration::minutes(auth.lock_minutes);
    let event = |e: &str| state.metrics.auth_events.with_label_values(&[e]).inc();

    // 1. The client address's attempt, across names.
    let ip = client_ip(&req, &state.guards.trusted_proxies).map(limit_key);
    let ip = ip.filter(|_| auth.max_failed_logins_per_ip > 0);
    if let Some(ip) = &ip {
        let r = state
            .store
            .reserve_login(
                LoginCounter::ClientIp,
                ip,
                now,
                lock_for,
                auth.max_failed_logins_per_ip,
                lock_for,
            )
            .await?;
        if let Reservation::Locked { until } = r {
            event("address_throttled");
            return Err(address_throttled(seconds_until(until, now)));
        }
    }
    let release_ip = || async {
        match &ip {
            Some(ip) => {
                state
                    .store
                    .release_login(LoginCounter::ClientIp, ip, auth.max_failed_logins_per_ip)
                    .await
            }
            None => Ok(()),
        }
    };
    // 2. This name's attempt.
    let name = state
        .store
        .reserve_login(
            LoginCounter::Name,
            &key,
            now,
            lock_for,
            auth.max_failed_logins.max(1),
            lock_for,
        )
        .await?;
    let locks_at = match name {
        Reservation::Locked { until } => {
            // No password was checked: the address keeps its attempt.
            release_ip().await?;
            event("login_locked");
            return Err(locked((until - now).num_seconds()));
        }
        Reservation::Granted { attempts, locks_at } => (attempts, locks_at),
    };
    // 3. Only now the (slow) password check.
    let account = state.store.account_by_username(&key).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    event("password_check");
    let ok = crate::auth::password::verify(body.password, stored).await?;
    let account = match (ok, account) {
        (true, Some(a)) => a,
        _ => {
            let (attempts, locks_at) = locks_at;
            // Growing delay: 0.1 s, 0.2 s, 0.4 s … capped at 3 s.
            let delay = 100u64
                .saturating_mul(1 << (attempts - 1).clamp(0, 5))
                .min(3_000);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if let Some(until) = locks_at {
                return Err(locked((until - now).num_seconds()));
            }
            return Err(invalid_credentials());
        }
    };
    // The right password: the name starts afresh and the address gets its attempt back.
    state.store.clear_login_failures(&key).await?;
    release_ip().await?;
    if account.disabled_at.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account_disabled",
            "账号已停用，请联系管理员",
            "This account is disabled",
        ));
    }
    let tokens: TokenResponse = new_session(&state, &account).await?;
    Ok(HttpResponse::Ok().json(tokens))
}
