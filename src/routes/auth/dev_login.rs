//! Development login for residents, so the service is usable without WeChat. Only when
//! `auth.dev_login` is on (never in production; the config check refuses it there).
use super::tokens::{new_session, TokenResponse};
use crate::domain::ids::CommunityId;
use crate::domain::text;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DevLoginRequest {
    pub name: String,
    pub community_id: CommunityId,
}

#[utoipa::path(request_body = DevLoginRequest, responses((status = 200, body = TokenResponse), (status = 404, body = crate::error::Problem)), tag = "auth")]
#[post("/auth/dev-login")]
#[tracing::instrument(skip_all)]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: web::Json<DevLoginRequest>,
) -> ApiResult<HttpResponse> {
    if !state.settings.auth.dev_login {
        return Err(ApiError::not_found());
    }
    let name = text::name("name", &body.name).map_err(|e| ApiError::validation(vec![e]))?;
    if state.store.community(body.community_id).await?.is_none() {
        return Err(ApiError::field(
            "community_id",
            "unknown_community",
            "社区不存在 / no such community",
        ));
    }
    let account = state
        .store
        .upsert_dev_resident(&name, body.community_id)
        .await?;
    // The name typed here is the resident's chosen name (their profile), as if set in 我的.
    state
        .store
        .default_profile_name(account.account_id, &name)
        .await?;
    let tokens: TokenResponse = new_session(&state, &account).await?;
    Ok(HttpResponse::Ok().json(tokens))
}
