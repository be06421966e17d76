use crate::auth::caller::Caller;
use crate::domain::ids::{AccountId, CommunityId, DistrictId, StreetId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::AdminArea;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CommunityRef {
    pub community_id: CommunityId,
    pub name: String,
    pub street_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub account_id: AccountId,
    pub role: Role,
    pub display_name: String,
    /// Only for staff: the login name.
    pub username: Option<String>,
    pub communities: Vec<CommunityRef>,
    pub admin_district_id: Option<DistrictId>,
    pub admin_street_id: Option<StreetId>,
}

/// The caller's account, role and communities.
#[utoipa::path(responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)), tag = "accounts", security(("bearer" = [])))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let account = state
        .store
        .account(caller.account_id)
        .await?
        .ok_or_else(ApiError::invalid_token)?;
    let mut communities = Vec::new();
    for id in &caller.communities {
        if let Some(c) = state.store.community(*id).await? {
            communities.push(CommunityRef {
                community_id: c.community_id,
                name: c.name,
                street_name: c.street_name,
            });
        }
    }
    let (admin_district_id, admin_street_id) = match caller.admin_area {
        Some(AdminArea::District(d)) => (Some(d), None),
        Some(AdminArea::Street(s)) => (None, Some(s)),
        None => (None, None),
    };
    Ok(HttpResponse::Ok().json(Me {
        account_id: caller.account_id,
        role: caller.role,
        display_name: account.display_name,
        username: account.username,
        communities,
        admin_district_id,
        admin_street_id,
    }))
}
