//! 社区社会组织: a community's registry. Workers keep it; the lead's phone is masked except on
//! an organisation's own page for the staff of its community.
use crate::auth::caller::{ProjectStaff, Staff, Worker};
use crate::domain::ids::{AccountId, CommunityId, OrganisationId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::hall::status::TopicStatus;
use crate::intake::mask::mask_phone;
use crate::projects::codes::{OrgKind, OrgStage};
use crate::routes::admin::audit_of;
use crate::routes::admin::communities::conflict_from;
use crate::routes::hall::{done, etag, if_match, opt_text, text};
use crate::state::AppState;
use crate::store::{OrganisationInput, OrganisationRow, TopicSort};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrganisationRequest {
    pub name: String,
    pub kind: OrgKind,
    pub stage: OrgStage,
    pub lead_name: String,
    /// The lead's mobile number (personal data: shown masked).
    pub lead_phone: Option<String>,
    /// The lead's account (role `org_lead`), which may then enter and run its projects.
    pub lead_account_id: Option<AccountId>,
    #[serde(default)]
    pub members_count: i32,
    #[serde(default)]
    pub volunteers_count: i32,
    /// The social worker's incubation notes.
    pub notes: Option<String>,
}

/// An organisation as shown; `lead_phone` masked unless the caller needs it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    #[serde(flatten)]
    pub row: OrganisationRow,
    pub kind_label: &'static str,
    pub kind_label_en: &'static str,
    pub stage_label: &'static str,
    pub stage_label_en: &'static str,
}

pub fn view(mut row: OrganisationRow, unmasked: bool) -> OrganisationView {
    if !unmasked {
        row.lead_phone = row.lead_phone.as_deref().map(mask_phone);
    }
    OrganisationView {
        kind_label: row.kind.label(),
        kind_label_en: row.kind.label_en(),
        stage_label: row.stage.label(),
        stage_label_en: row.stage.label_en(),
        row,
    }
}

fn count(field: &str, v: i32) -> ApiResult<i32> {
    if (0..=100_000).contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::field(
            field,
            "out_of_range",
            "人数应在 0 至 100000 之间 / a count of 0–100000",
        ))
    }
}

async fn input(state: &AppState, b: &OrganisationRequest) -> ApiResult<OrganisationInput> {
    let lead_phone = match b
        .lead_phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(p) => Some(crate::auth::sms::parse_mobile(p).ok_or_else(|| {
            ApiError::field(
                "lead_phone",
                "invalid_phone",
                "请输入正确的 11 位手机号 / enter an 11-digit mainland mobile number",
            )
        })?),
    };
    if let Some(a) = b.lead_account_id {
        let ok = state
            .store
            .account(a)
            .await?
            .is_some_and(|acc| acc.role == Role::OrgLead.as_str());
        if !ok {
            return Err(ApiError::field(
                "lead_account_id",
                "not_an_org_lead",
                "负责人账号须为“社会组织负责人”角色 / the lead's account must have the organisation-lead role",
            ));
        }
    }
    Ok(OrganisationInput {
        name: text("name", &b.name, 2, 40)?,
        kind: b.kind,
        stage: b.stage,
        lead_name: text("lead_name", &b.lead_name, 1, 20)?,
        lead_phone,
        lead_account_id: b.lead_account_id,
        members_count: count("members_count", b.members_count)?,
        volunteers_count: count("volunteers_count", b.volunteers_count)?,
        notes: opt_text("notes", &b.notes, 2000)?,
    })
}

/// The social organisations of a community (phones masked).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<OrganisationView>)), tag = "projects", security(("bearer" = [])))]
#[get("/communities/{id}/organisations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Staff,
    path: web::Path<CommunityId>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let items: Vec<OrganisationView> = state
        .store
        .organisations(&[community])
        .await?
        .into_iter()
        .map(|o| view(o, false))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// Register a social organisation of the community.
#[utoipa::path(params(("id" = i64, Path)), request_body = OrganisationRequest, responses((status = 201, body = OrganisationView), (status = 409, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/communities/{id}/organisations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    body: web::Json<OrganisationRequest>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let o = input(&state, &body).await?;
    let id = state
        .store
        .create_organisation(community, &o, &audit_of(&caller, &req, None))
        .await
        .map_err(conflict_from)?;
    let row = state
        .store
        .organisation(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::ETAG, etag(row.version)))
        .json(view(row, true)))
}

async fn visible(
    state: &AppState,
    caller: &crate::auth::caller::Caller,
    id: OrganisationId,
) -> ApiResult<OrganisationRow> {
    let o = state
        .store
        .organisation(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let lead = o.lead_account_id == Some(caller.account_id);
    if !lead {
        caller.community(o.community_id)?;
    }
    Ok(o)
}

/// One organisation; its staff and its lead see the lead's phone.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = OrganisationView), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/organisations/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<OrganisationId>,
) -> ApiResult<HttpResponse> {
    let o = visible(&state, &caller, path.into_inner()).await?;
    let unmasked = caller.role != Role::Volunteer;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(o.version)))
        .json(view(o, unmasked)))
}

/// Update an organisation (its stage as it grows, its counts, the worker's notes); needs
/// `If-Match`.
#[utoipa::path(params(("id" = i64, Path)), request_body = OrganisationRequest, responses((status = 200, body = OrganisationView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[patch("/organisations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<OrganisationRequest>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let before = state
        .store
        .organisation(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(before.community_id)?;
    let version = if_match(&req)?;
    let o = input(&state, &body).await?;
    done(
        state
            .store
            .update_organisation(id, version, &o, &audit_of(&caller, &req, None))
            .await
            .map_err(conflict_from)?,
    )?;
    let row = state
        .store
        .organisation(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(row.version)))
        .json(view(row, true)))
}

/// The organisations the caller may enter applications for: an organisation lead's own, a
/// worker's or admin's in their communities (phones masked).
#[utoipa::path(responses((status = 200, body = crate::routes::Items<OrganisationView>)), tag = "projects", security(("bearer" = [])))]
#[get("/organisations")]
pub async fn applicable(
    state: web::Data<AppState>,
    caller: ProjectStaff,
) -> ApiResult<HttpResponse> {
    let rows = match caller.role {
        Role::OrgLead => state.store.organisations_led_by(caller.account_id).await?,
        Role::Worker | Role::Admin => state.store.organisations(&caller.communities).await?,
        _ => Vec::new(),
    };
    let items: Vec<OrganisationView> = rows.into_iter().map(|o| view(o, false)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// A hall topic an application may answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TopicChoice {
    pub topic_id: crate::domain::ids::TopicId,
    pub title: String,
    pub status: TopicStatus,
    pub status_label: &'static str,
    pub status_label_en: &'static str,
    pub decision: Option<String>,
}

/// The topics of the organisation's community that a meeting decided (decided, in progress or
/// resolved), newest first: what its applications may answer. For those who may apply for it.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<TopicChoice>), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/organisations/{id}/topics")]
pub async fn decided_topics(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<OrganisationId>,
) -> ApiResult<HttpResponse> {
    let o = super::applications::may_apply_for(&state, &caller, path.into_inner())
        .await
        .map_err(|_| ApiError::not_found())?;
    let mut items = Vec::new();
    for status in [
        TopicStatus::Decided,
        TopicStatus::InProgress,
        TopicStatus::Resolved,
    ] {
        let rows = state
            .store
            .topics(o.community_id, Some(status), TopicSort::Newest, 200, 0)
            .await?;
        items.extend(rows.into_iter().map(|t| TopicChoice {
            topic_id: t.topic_id,
            title: t.title,
            status: t.status,
            status_label: t.status.label(),
            status_label_en: t.status.label_en(),
            decision: t.decision,
        }));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
