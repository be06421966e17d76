//! The resident's profile (issue 16.3, and "correct" of PIPL Art. 46): a name or nickname,
//! shown in full only where the resident ticks 愿意公开我的姓名; their building; their phone
//! number, changed by proving the new one with an SMS code.
use crate::auth::caller::Resident;
use crate::auth::sms::parse_mobile;
use crate::domain::ids::{BuildingId, CommunityId};
use crate::domain::text::{bounded, check};
use crate::error::{ApiError, ApiResult};
use crate::intake::mask::mask_phone;
use crate::routes::admin::audit_of;
use crate::routes::auth::sms::{code_of, spend_code};
use crate::routes::suggestions::create::check_place;
use crate::state::AppState;
use crate::store::ProfileRow;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProfileView {
    /// The name or nickname the resident chose (null: none yet).
    pub name: Option<String>,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    /// Masked (138****5678); the full number is never sent back.
    pub phone: Option<String>,
    pub has_wechat: bool,
    pub community_id: Option<CommunityId>,
}

impl From<ProfileRow> for ProfileView {
    fn from(p: ProfileRow) -> Self {
        Self {
            name: p.profile_name,
            building_id: p.building_id,
            building_name: p.building_name,
            phone: p.phone.as_deref().map(mask_phone),
            has_wechat: p.has_wechat,
            community_id: p.community_id,
        }
    }
}

async fn view(state: &AppState, caller: &Resident) -> ApiResult<ProfileView> {
    let p = state
        .store
        .profile(caller.account_id)
        .await?
        .ok_or_else(ApiError::invalid_token)?;
    Ok(p.into())
}

/// The resident's profile.
#[utoipa::path(responses((status = 200, body = ProfileView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[get("/me/profile")]
pub async fn show(state: web::Data<AppState>, caller: Resident) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view(&state, &caller).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProfileUpdate {
    /// A name or nickname, 1–20 characters; null or empty clears it.
    pub name: Option<String>,
    /// A building of the resident's community; null clears it.
    pub building_id: Option<BuildingId>,
}

/// Correct the resident's name and building.
#[utoipa::path(request_body = ProfileUpdate, responses((status = 200, body = ProfileView), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[put("/me/profile")]
#[tracing::instrument(skip_all)]
pub async fn update(
    state: web::Data<AppState>,
    caller: Resident,
    req: HttpRequest,
    body: web::Json<ProfileUpdate>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let name = match body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        None => None,
        Some(n) => bounded("name", n, 1, 20).map_err(|e| errors.push(e)).ok(),
    };
    match (body.building_id, caller.communities.first()) {
        (Some(_), None) => errors.push(crate::error::FieldError {
            field: "building_id".into(),
            code: "community_required".into(),
            message: "请先选择社区 / choose your community first".into(),
        }),
        (Some(b), Some(c)) => check_place(&state, *c, Some(b), &mut errors).await?,
        (None, _) => {}
    }
    check(errors)?;
    state
        .store
        .set_profile(
            caller.account_id,
            name.as_deref(),
            body.building_id,
            &audit_of(&caller, &req, None),
        )
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::Ok().json(view(&state, &caller).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PhoneCodeRequest {
    /// The new mainland mobile number.
    pub phone: String,
}

fn mobile(input: &str) -> ApiResult<String> {
    parse_mobile(input).ok_or_else(|| {
        ApiError::field(
            "phone",
            "invalid_phone",
            "请输入正确的 11 位手机号 / enter an 11-digit mainland mobile number",
        )
    })
}

/// Send a code to the new phone number (the change needs it).
#[utoipa::path(request_body = PhoneCodeRequest, responses((status = 202), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem), (status = 503, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[post("/me/phone/code")]
#[tracing::instrument(skip_all)]
pub async fn send_code(
    state: web::Data<AppState>,
    _caller: Resident,
    req: HttpRequest,
    body: web::Json<PhoneCodeRequest>,
) -> ApiResult<HttpResponse> {
    let phone = mobile(&body.phone)?;
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PhoneChange {
    pub phone: String,
    /// The 6-digit code sent to the new number.
    pub code: String,
}

/// Change the resident's phone number, proven by the code sent to it.
#[utoipa::path(request_body = PhoneChange, responses((status = 200, body = ProfileView), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "privacy", security(("bearer" = [])))]
#[put("/me/phone")]
#[tracing::instrument(skip_all)]
pub async fn change_phone(
    state: web::Data<AppState>,
    caller: Resident,
    req: HttpRequest,
    body: web::Json<PhoneChange>,
) -> ApiResult<HttpResponse> {
    let phone = mobile(&body.phone)?;
    let code = code_of(&body.code)?;
    spend_code(&state, &phone, code).await?;
    let changed = state
        .store
        .set_phone(caller.account_id, &phone, &audit_of(&caller, &req, None))
        .await?;
    if !changed {
        return Err(ApiError::conflict(
            "phone_taken",
            "这个手机号已绑定另一个账号；请用该手机号登录，或先注销那个账号",
            "This number belongs to another account: log in with it, or erase that account first",
        ));
    }
    Ok(HttpResponse::Ok().json(view(&state, &caller).await?))
}
