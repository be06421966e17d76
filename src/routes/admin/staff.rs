//! Staff accounts, managed by admins within their area: create, disable, re-enable, reset the
//! password, assign to communities. An admin manages only accounts of strictly narrower
//! authority (`auth::authority`): a district admin its street admins and the workers and
//! volunteers of its communities, a street admin the workers and volunteers of its street.
//! Every action is audited in the same transaction.
use super::audit_of;
use super::communities::{conflict_from, Created};
use crate::auth::authority::{Authority, Manager};
use crate::auth::caller::Admin;
use crate::domain::ids::{AccountId, CommunityId, DistrictId, StreetId};
use crate::domain::role::Role;
use crate::domain::text::{self, NewPassword, Username};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::store::{parse_role, AccountRow, AdminArea, NewStaff, StaffHome};
use actix_web::http::StatusCode;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub account_id: AccountId,
    pub role: Role,
    pub username: Option<String>,
    pub display_name: String,
    pub disabled: bool,
    /// The communities a worker or volunteer serves (admins: none, their scope is their area).
    pub communities: Vec<CommunityId>,
    /// A district admin's district.
    pub admin_district_id: Option<DistrictId>,
    /// A street admin's street.
    pub admin_street_id: Option<StreetId>,
}

/// A staff account with what decides who may manage it.
struct Target {
    row: AccountRow,
    role: Role,
    communities: Vec<CommunityId>,
    home: StaffHome,
    /// For a street admin: the street's district.
    street_district: Option<DistrictId>,
}

impl Target {
    async fn load(state: &AppState, row: AccountRow) -> ApiResult<Self> {
        let role = parse_role(&row.role)?;
        let communities = state.store.account_communities(row.account_id).await?;
        let home = state.store.staff_home(row.account_id).await?;
        let street_district = match row.admin_area() {
            Some(AdminArea::Street(s)) => state.store.street(s).await?.map(|s| s.district_id),
            _ => None,
        };
        Ok(Self {
            row,
            role,
            communities,
            home,
            street_district,
        })
    }

    fn authority(&self) -> Authority<'_> {
        match self.role {
            Role::Resident => Authority::Resident,
            Role::Admin => Authority::Admin(self.row.admin_area(), self.street_district),
            Role::Worker | Role::Volunteer | Role::Reviewer | Role::Supervisor | Role::OrgLead => {
                Authority::Community {
                    communities: &self.communities,
                    home_street: self.home.home_street_id,
                    home_district: self.home.home_district_id,
                }
            }
        }
    }

    fn view(self) -> StaffView {
        let (admin_district_id, admin_street_id) = match self.row.admin_area() {
            Some(AdminArea::District(d)) => (Some(d), None),
            Some(AdminArea::Street(s)) => (None, Some(s)),
            None => (None, None),
        };
        StaffView {
            account_id: self.row.account_id,
            role: self.role,
            communities: self.communities,
            username: self.row.username,
            display_name: self.row.display_name,
            disabled: self.row.disabled_at.is_some(),
            admin_district_id,
            admin_street_id,
        }
    }
}

/// The calling admin as a manager; an admin without an area manages nobody.
fn manager(admin: &Admin) -> Option<Manager<'_>> {
    Some(Manager {
        area: admin.admin_area?,
        communities: &admin.communities,
    })
}

fn insufficient_authority() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "insufficient_authority",
        "只能管理权限比自己小的账号",
        "You can only manage accounts with narrower authority than yours",
    )
}

/// A staff account the admin may manage, or 404 (so ids of other accounts are not confirmed).
async fn managed(state: &AppState, admin: &Admin, id: AccountId) -> ApiResult<Target> {
    let manager = manager(admin).ok_or_else(ApiError::not_found)?;
    let row = state
        .store
        .account(id)
        .await?
        .filter(|a| a.account_id != admin.account_id)
        .ok_or_else(ApiError::not_found)?;
    let target = Target::load(state, row).await?;
    if manager.may_manage(target.authority()) {
        Ok(target)
    } else {
        Err(ApiError::not_found())
    }
}

/// The caller's own account first, then every account they may manage.
#[utoipa::path(responses((status = 200, body = crate::routes::Items<StaffView>), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[get("/admin/staff")]
pub async fn list_staff(state: web::Data<AppState>, admin: Admin) -> ApiResult<HttpResponse> {
    let mut items = Vec::new();
    if let Some(me) = state.store.account(admin.account_id).await? {
        items.push(Target::load(&state, me).await?.view());
    }
    if let Some(manager) = manager(&admin) {
        for a in state.store.staff_candidates(manager.area).await? {
            if a.account_id == admin.account_id {
                continue;
            }
            let target = Target::load(&state, a).await?;
            if manager.may_manage(target.authority()) {
                items.push(target.view());
            }
        }
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewStaffRequest {
    /// `worker` or `volunteer` (with `community_ids`), or `admin` (a street admin, with
    /// `street_id`; only district admins create them).
    pub role: Role,
    pub username: String,
    pub password: String,
    pub display_name: String,
    /// The communities a worker or volunteer serves, all inside the caller's area.
    #[serde(default)]
    pub community_ids: Vec<CommunityId>,
    /// The street a new street admin runs, inside the caller's district.
    #[serde(default)]
    pub street_id: Option<StreetId>,
}

fn field_error(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// Create a worker or volunteer of the caller's communities, or (district admins only) a
/// street admin of one of the district's streets.
#[utoipa::path(request_body = NewStaffRequest, responses((status = 201, body = Created), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem, description = "not an admin, or `insufficient_authority`: a street admin creating an admin"), (status = 404, body = crate::error::Problem, description = "a community or street outside the caller's area"), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff")]
pub async fn create_staff(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    body: web::Json<NewStaffRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let manager = manager(&admin).ok_or_else(insufficient_authority)?;
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
    match b.role {
        Role::Resident => errors.push(field_error(
            "role",
            "invalid_role",
            "只能创建工作人员账号 / staff roles only",
        )),
        Role::Admin => {
            if b.street_id.is_none() {
                errors.push(field_error(
                    "street_id",
                    "required",
                    "请选择街道管理员负责的街道 / choose the street this admin runs",
                ));
            }
            if !b.community_ids.is_empty() {
                errors.push(field_error(
                    "community_ids",
                    "not_for_admins",
                    "管理员的范围是其街道，不分配社区 / an admin's scope is their street, not communities",
                ));
            }
        }
        Role::Reviewer | Role::Supervisor | Role::OrgLead => {
            if !b.community_ids.is_empty() || b.street_id.is_some() {
                errors.push(field_error(
                    "community_ids",
                    "not_for_project_roles",
                    "评审专家、督导和社会组织负责人不分配社区，由项目分派 / reviewers, supervisors and organisation leads are assigned to rounds and projects, not communities",
                ));
            }
        }
        Role::Worker | Role::Volunteer => {
            if b.community_ids.is_empty() {
                errors.push(field_error(
                    "community_ids",
                    "required",
                    "请至少选择一个社区 / choose at least one community",
                ));
            }
            if b.street_id.is_some() {
                errors.push(field_error(
                    "street_id",
                    "only_for_admins",
                    "只有街道管理员需要选择街道 / only street admins have a street",
                ));
            }
        }
    }
    text::check(errors)?;
    let (Some(username), Some(password), Some(display_name)) = (username, password, display_name)
    else {
        return Err(ApiError::forbidden());
    };
    let admin_area = match (b.role, b.street_id) {
        (Role::Admin, Some(street_id)) => {
            if matches!(manager.area, AdminArea::Street(_)) {
                return Err(insufficient_authority());
            }
            let district = state.store.street(street_id).await?.map(|s| s.district_id);
            if !manager.may_create(Role::Admin, district) {
                return Err(ApiError::not_found());
            }
            Some(AdminArea::Street(street_id))
        }
        _ => None,
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
        admin_area,
        communities: b.community_ids,
        home: b.role.serves_projects_only().then_some(manager.area),
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

#[utoipa::path(params(("id" = i64, Path)), request_body = Option<Reason>, responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage"), (status = 409, body = crate::error::Problem, description = "`cannot_disable_self`")), tag = "admin", security(("bearer" = [])))]
#[post("/admin/staff/{id}/disable")]
pub async fn disable_staff(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<AccountId>,
    body: Option<web::Json<Reason>>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id == admin.account_id {
        return Err(ApiError::conflict(
            "cannot_disable_self",
            "不能停用自己的账号",
            "You cannot disable your own account",
        ));
    }
    let target = managed(&state, &admin, id).await?;
    let reason = body.and_then(|b| b.into_inner().reason);
    state
        .store
        .set_disabled(target.row.account_id, true, &audit_of(&admin, &req, reason))
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(params(("id" = i64, Path)), responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage")), tag = "admin", security(("bearer" = [])))]
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
        .set_disabled(target.row.account_id, false, &audit_of(&admin, &req, None))
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    pub password: String,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = ResetPassword, responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage"), (status = 422, body = crate::error::Problem)), tag = "admin", security(("bearer" = [])))]
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
        .set_password(target.row.account_id, &hash, &audit_of(&admin, &req, None))
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
    if target.role == Role::Admin {
        return Err(ApiError::conflict(
            "admin_scope_is_area",
            "管理员的范围是其街道或区，不能分配社区",
            "An admin's scope is their street or district; communities cannot be assigned",
        ));
    }
    state
        .store
        .assign_community(
            target.row.account_id,
            community,
            member,
            &audit_of(admin, req, None),
        )
        .await?;
    state.sessions.clear();
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(params(("id" = i64, Path), ("community_id" = i64, Path)), responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage"), (status = 409, body = crate::error::Problem, description = "`admin_scope_is_area`: the account is an admin")), tag = "admin", security(("bearer" = [])))]
#[put("/admin/staff/{id}/communities/{community_id}")]
pub async fn assign(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(AccountId, CommunityId)>,
) -> ApiResult<HttpResponse> {
    set_membership(&state, &admin, &req, path.into_inner(), true).await
}

#[utoipa::path(params(("id" = i64, Path), ("community_id" = i64, Path)), responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage"), (status = 409, body = crate::error::Problem, description = "`admin_scope_is_area`: the account is an admin")), tag = "admin", security(("bearer" = [])))]
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
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::audit_view::AuditList), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem, description = "no such account, or not one the caller may manage")), tag = "admin", security(("bearer" = [])))]
#[get("/admin/staff/{id}/audit")]
pub async fn staff_audit(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<AccountId>,
) -> ApiResult<HttpResponse> {
    let target = managed(&state, &admin, path.into_inner()).await?;
    let items = state
        .store
        .audit_entries("account", &target.row.account_id.to_string())
        .await?;
    let items = crate::routes::audit_view::audit_views(&state, items).await?;
    Ok(HttpResponse::Ok().json(crate::routes::audit_view::AuditList { items }))
}
