//! The privacy notice and residents' consent to its current version.
use crate::auth::caller::Resident;
use crate::error::{ApiError, ApiResult};
use crate::privacy::consent::{notice, state as consent_state, ConsentState, NOTICE_EN, NOTICE_ZH};
use crate::state::AppState;
use crate::store::ConsentRow;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub version: String,
    /// Markdown, Simplified Chinese.
    pub text: String,
    /// Markdown, English.
    pub text_en: String,
}

/// The current privacy notice (public: shown before login too).
#[utoipa::path(responses((status = 200, body = Notice)), tag = "privacy")]
#[get("/privacy/notice")]
pub async fn show_notice(state: web::Data<AppState>) -> HttpResponse {
    let s = &state.settings.privacy;
    HttpResponse::Ok().json(Notice {
        version: s.notice_version.clone(),
        text: notice(NOTICE_ZH, s),
        text_en: notice(NOTICE_EN, s),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConsentView {
    #[serde(flatten)]
    pub state: ConsentState,
    /// Every acceptance, oldest first.
    pub history: Vec<ConsentRow>,
}

async fn current(state: &AppState, caller: &Resident) -> ApiResult<ConsentView> {
    let history = state.store.consents(caller.account_id).await?;
    Ok(ConsentView {
        state: consent_state(&state.settings.privacy.notice_version, &history),
        history,
    })
}

/// Which notice version the resident accepted, and whether the current one needs accepting.
#[utoipa::path(responses((status = 200, body = ConsentView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[get("/me/consent")]
pub async fn show(state: web::Data<AppState>, caller: Resident) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(current(&state, &caller).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Accept {
    /// The version the resident read (it must be the current one).
    pub version: String,
}

/// Accept the current notice; recorded with the time.
#[utoipa::path(request_body = Accept, responses((status = 200, body = ConsentView), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[post("/me/consent")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Resident,
    body: web::Json<Accept>,
) -> ApiResult<HttpResponse> {
    let version = &state.settings.privacy.notice_version;
    if body.version.trim() != version {
        return Err(ApiError::conflict(
            "notice_outdated",
            "隐私告知已更新，请阅读新版本后再确认",
            "The privacy notice has changed: read the current version first",
        ));
    }
    let view = current(&state, &caller).await?;
    if view.state.needs_consent {
        state
            .store
            .accept_notice(caller.account_id, version, chrono::Utc::now())
            .await?;
    }
    Ok(HttpResponse::Ok().json(current(&state, &caller).await?))
}
