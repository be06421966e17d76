use crate::auth::caller::Caller;
use crate::error::ApiResult;
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};

/// End the caller's session: its access and refresh tokens stop working at once.
#[utoipa::path(responses((status = 204, description = "logged out")), tag = "auth", security(("bearer" = [])))]
#[post("/auth/logout")]
#[tracing::instrument(skip_all)]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    state
        .store
        .revoke_session(&caller.session_id, "logout", chrono::Utc::now())
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}
