//! Staff accounts, managed by admins within their area: create, disable, re-enable, reset the
//! password, assign to communities. Every action is audited in the same transaction.
use super::audit_of;
use super::communities::{conflict_from, Created};
use crate::auth::caller::Admin;
use crate::domain::ids::{AccountId, CommunityId};
use crate::domain::role::Role;
use crate::domain::text::{self, NewPassword, Username};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{parse_role, AccountRow, NewStaff};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub account_id: AccountId,
    pub role: Role,
    pub username: Option<String>,
    pub display_name: String,
    pub disabled: bool,
    pub communities: Vec<CommunityId>,
}

async fn view(state: &AppState, a: AccountRow) -> ApiResult<StaffView> {
    Ok(StaffView {
        account_id: a.account_id,
        role: parse_role(&a.role)?,
        communities: state.store.account_communities(a.account_id).await?,
        username: a.username,
        display_name: a.display_name,
        disabled: a.disabled_at.is_some(),
    })
}

/// A staff account the admin may manage, or 404.
async fn managed(state: &AppState, admin: &Admin, id: AccountId) -> ApiResult<AccountRow> {
    let staff = state
        .store
        .staff_in(&admin.communities, admin.admin_area)
        .await?;
    staff
        .into_iter()
        .find(|a| a.account_id == id)
        .ok_or_else(ApiError::not_found)
}

#[utoipa::path(responses((status = 200, body = Vec<StaffView>)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/staff")]
pub async fn list_staff(state: web::Data<AppState>, admin: Admin) -> ApiResult<HttpResponse> {
    let mut items = Vec::new();
    for a in state
        .store
        .staff_in(&admin.communities, admin.admin_area)
        .await?
    {
        items.push(view(&state, a).await?);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewStaffRequest {
    pub role: Role,
    pub username: String,
    pub password: String,
    pub display_name: String,
    #[serde(default)]
    pub community_ids: Vec<CommunityId>,
}

#[utoipa::path(request_body = NewStaffRequest, responses((status = 201, body = Created), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff")]
pub async fn create_staff(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<NewStaffRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut errors = Vec::new();
    let username = Username::parse(&b.username)
        .map_err(|e| errors.push(e))
        .ok();
    let password = NewPassword::parse(&b.password)
        .map_err(|e| errors.push(e))
        .ok();
    let display_name = text::name("display_name", &b.display_name)
        .map_err(|e| errors.push(e))
        .ok();
    if b.role == Role::Resident {
        errors.push(crate::error::FieldError {
            field: "role".into(),
            code: "invalid_role".into(),
            message: "只能创建工作人员账号 / staff roles only".into(),
        });
    }
    if b.role != Role::Admin && b.community_ids.is_empty() {
        errors.push(crate::error::FieldError {
            field: "community_ids".into(),
            code: "required".into(),
            message: "请至少选择一个社区 / choose at least one community".into(),
        });
    }
    text::check(errors)?;
    let (Some(username), Some(password), Some(display_name)) = (username, password, display_name)
    else {
        return Err(ApiError::forbidden());
    };
    for c in &b.community_ids {
        admin.community(*c)?;
    }
    let password_hash = crate::auth::password::hash(password.secret().clone()).await?;
    let staff = NewStaff {
        role: b.role,
        username: username.as_str().to_string(),
        password_hash,
        display_name,
        admin_area: if b.role == Role::Admin {
            admin.admin_area
        } else {
            None
        },
        communities: b.community_ids,
    };
    let id = state
        .store
        .create_staff(&staff, &audit_of(&admin, &req, None))
        .await
        .map_err(conflict_from)?;
    state.sessions.clear();
    Ok(HttpResponse::Created().json(Created { id: id.0 }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct Reason {
    pub reason: Option<String>,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = Option<Reason>, responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff/{id}/disable")]
pub async fn disable_staff(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<AccountId>,
    body: Option<web::Json<Reason>>,
) -> ApiResult<HttpResponse> {
    let target = managed(&state, &admin, path.into_inner()).await?;
    if target.account_id == admin.account_id {
        return Err(ApiError::conflict(
            "cannot_disable_self",
            "不能停用自己的账号",
            "You cannot disable your own account",
        ));
    }
    let reason = body.and_then(|b| b.into_inner().reason);
    state
        .store
        .set_disabled(target.account_id, true, &audit_of(&admin, &req, reason))
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff/{id}/enable")]
pub async fn enable_staff(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<AccountId>,
) -> ApiResult<HttpResponse> {
    let target = managed(&state, &admin, path.into_inner()).await?;
    state
        .store
        .set_disabled(target.account_id, false, &audit_of(&admin, &req, None))
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    pub password: String,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = ResetPassword, responses((status = 204), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff/{id}/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<AccountId>,
    body: web::Json<ResetPassword>,
) -> ApiResult<HttpResponse> {
    let target = managed(&state, &admin, path.into_inner()).await?;
    let password = NewPassword::parse(&body.password).map_err(|e| ApiError::validation(vec![e]))?;
    let hash = crate::auth::password::hash(password.secret().clone()).await?;
    state
        .store
        .set_password(target.account_id, &hash, &audit_of(&admin, &req, None))
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

/// Add (`assign`) or remove a staff member's community, within the admin's area.
async fn set_membership(
    state: &AppState,
    admin: &Admin,
    req: &HttpRequest,
    path: (AccountId, CommunityId),
    member: bool,
) -> ApiResult<HttpResponse> {
    let (id, community) = path;
    let community = admin.community(community)?;
    let target = managed(state, admin, id).await?;
    state
        .store
        .assign_community(
            target.account_id,
            community,
            member,
            &audit_of(admin, req, None),
        )
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(params(("id" = i64, Path), ("community_id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[put("/admin/staff/{id}/communities/{community_id}")]
pub async fn assign(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(AccountId, CommunityId)>,
) -> ApiResult<HttpResponse> {
    set_membership(&state, &admin, &req, path.into_inner(), true).await
}

#[utoipa::path(params(("id" = i64, Path), ("community_id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[delete("/admin/staff/{id}/communities/{community_id}")]
pub async fn unassign(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(AccountId, CommunityId)>,
) -> ApiResult<HttpResponse> {
    set_membership(&state, &admin, &req, path.into_inner(), false).await
}

/// The audit trail of one staff account.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::audit_view::AuditList)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/staff/{id}/audit")]
pub async fn staff_audit(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<AccountId>,
) -> ApiResult<HttpResponse> {
    let target = managed(&state, &admin, path.into_inner()).await?;
    let items = state
        .store
        .audit_entries("account", &target.account_id.to_string())
        .await?;
    let items = crate::routes::audit_view::audit_views(&state, items).await?;
    Ok(HttpResponse::Ok().json(crate::routes::audit_view::AuditList { items }))
}
