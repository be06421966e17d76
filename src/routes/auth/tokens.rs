//! Issuing a token pair for a new session.
use crate::auth::caller::scope_of;
use crate::auth::tokens::{hash_token, new_refresh_token, new_session_id};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::{parse_role, AccountRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub token_type: String,
}

pub async fn issue_access(
    state: &AppState,
    account: &AccountRow,
    session_id: &str,
    refresh_token: String,
) -> ApiResult<TokenResponse> {
    let role = parse_role(&account.role)?;
    let scope = scope_of(state, account, role).await?;
    let access_token = state
        .jwt
        .issue(account.account_id, role, scope, session_id)?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        expires_in: state.jwt.ttl_seconds,
        token_type: "Bearer".into(),
    })
}

pub async fn new_session(state: &AppState, account: &AccountRow) -> ApiResult<TokenResponse> {
    let now = chrono::Utc::now();
    let session_id = new_session_id();
    let refresh = new_refresh_token();
    let expires = now + chrono::Duration::days(state.settings.auth.refresh_ttl_days);
    state
        .store
        .create_session(
            account.account_id,
            &session_id,
            &hash_token(&refresh),
            now,
            expires,
        )
        .await?;
    issue_access(state, account, &session_id, refresh).await
}
