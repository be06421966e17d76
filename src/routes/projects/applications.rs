//! Applications (项目书): a social organisation (its lead, or a social worker for it) answers
//! hall topics with a plan and budget; reviewers score it; the round's admin awards it.
use super::access::{communities_of, covers, require, visible_project, visible_round, Rights};
use super::rounds::MAX_FEN;
use super::view::{summary, ProjectSummary};
use crate::auth::caller::{Caller, ProjectStaff};
use crate::domain::ids::{AccountId, OrganisationId, ProjectId, RoundId, TopicId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::{BudgetCategory, ProjectStatus};
use crate::projects::criteria;
use crate::routes::admin::audit_of;
use crate::routes::hall::{done, if_match, text};
use crate::state::AppState;
use crate::store::{
    ApplicationInput, NewBudgetLine, NewReview, ProjectRow, ProjectScope, RoundRow,
};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BudgetLineRequest {
    pub category: BudgetCategory,
    pub description: String,
    pub amount_fen: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApplicationRequest {
    pub organisation_id: OrganisationId,
    pub title: String,
    /// The need it answers (社区需求), in the residents' words where possible.
    pub need: String,
    pub goals: String,
    /// The activities plan.
    pub plan: String,
    pub beneficiaries_target: i32,
    #[serde(default)]
    pub volunteers_planned: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The social worker who leads it (社工牵头): a worker of the community.
    pub lead_worker_id: Option<AccountId>,
    /// The hall topics (社区决策) it answers: 1–20 of the community's topics.
    pub topic_ids: Vec<TopicId>,
    pub budget_lines: Vec<BudgetLineRequest>,
}

fn bad(field: &str, code: &str, msg: &str) -> ApiError {
    ApiError::field(field, code, msg)
}

fn in_years(d: NaiveDate) -> bool {
    use chrono::Datelike;
    (2000..2100).contains(&d.year())
}

async fn input(
    state: &AppState,
    community: crate::domain::ids::CommunityId,
    b: &ApplicationRequest,
) -> ApiResult<ApplicationInput> {
    if !(0..=1_000_000).contains(&b.beneficiaries_target) {
        return Err(bad(
            "beneficiaries_target",
            "out_of_range",
            "受益人数应在 0 至 1000000 之间 / 0–1000000",
        ));
    }
    if !(0..=100_000).contains(&b.volunteers_planned) {
        return Err(bad(
            "volunteers_planned",
            "out_of_range",
            "志愿者人数应在 0 至 100000 之间 / 0–100000",
        ));
    }
    if !in_years(b.starts_on) || !in_years(b.ends_on) || b.ends_on < b.starts_on {
        return Err(bad("ends_on", "invalid", "项目周期应在 2000–2099 年内，结束不早于开始 / dates within 2000–2099, ending on or after the start"));
    }
    let mut topics: Vec<TopicId> = Vec::new();
    for t in &b.topic_ids {
        if !topics.contains(t) {
            topics.push(*t);
        }
    }
    if topics.is_empty() || topics.len() > 20 {
        return Err(bad(
            "topic_ids",
            "required",
            "请关联 1 至 20 个议事厅议题（社区决策）/ link 1–20 hall topics",
        ));
    }
    if b.budget_lines.is_empty() || b.budget_lines.len() > 50 {
        return Err(bad(
            "budget_lines",
            "required",
            "预算应有 1 至 50 个科目 / 1–50 budget lines",
        ));
    }
    let mut lines = Vec::new();
    let mut sum = 0i64;
    for l in &b.budget_lines {
        if !(0..=MAX_FEN).contains(&l.amount_fen) {
            return Err(bad("budget_lines", "out_of_range", "每个科目的金额应在 0 至 1 亿元之间（以分计）/ each line is 0–100,000,000 yuan, in fen"));
        }
        sum += l.amount_fen;
        lines.push(NewBudgetLine {
            category: l.category,
            description: text("budget_lines", &l.description, 1, 100)?,
            amount_fen: l.amount_fen,
        });
    }
    if sum > MAX_FEN {
        return Err(bad(
            "budget_lines",
            "out_of_range",
            "预算总额不能超过 1 亿元 / at most 100,000,000 yuan in all",
        ));
    }
    if let Some(w) = b.lead_worker_id {
        let ok = state
            .store
            .account(w)
            .await?
            .is_some_and(|a| a.role == Role::Worker.as_str())
            && state
                .store
                .account_communities(w)
                .await?
                .contains(&community);
        if !ok {
            return Err(bad(
                "lead_worker_id",
                "not_a_worker",
                "牵头社工须为本社区的社工 / the lead must be a social worker of this community",
            ));
        }
    }
    Ok(ApplicationInput {
        organisation: b.organisation_id,
        title: text("title", &b.title, 2, 60)?,
        need: text("need", &b.need, 5, 2000)?,
        goals: text("goals", &b.goals, 2, 2000)?,
        plan: text("plan", &b.plan, 2, 4000)?,
        beneficiaries_target: b.beneficiaries_target,
        volunteers_planned: b.volunteers_planned,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        lead_worker: b.lead_worker_id,
        topics,
        lines,
    })
}

/// Whether the caller may apply for (or edit the application of) this organisation.
pub(super) async fn may_apply_for(
    state: &AppState,
    caller: &Caller,
    org: OrganisationId,
) -> ApiResult<crate::store::OrganisationRow> {
    let o = state.store.organisation(org).await?.ok_or_else(|| {
        bad(
            "organisation_id",
            "unknown_organisation",
            "社会组织不存在 / no such organisation",
        )
    })?;
    let ok = match caller.role {
        Role::OrgLead => o.lead_account_id == Some(caller.account_id),
        Role::Worker | Role::Admin => caller.in_scope(o.community_id),
        _ => false,
    };
    if ok {
        Ok(o)
    } else {
        Err(bad(
            "organisation_id",
            "unknown_organisation",
            "社会组织不存在或不归您管理 / no such organisation of yours",
        ))
    }
}

/// The round's applications the caller may see: all for its admins and reviewers, else those
/// of the caller's communities, organisations or supervised projects.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<ProjectSummary>), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds/{id}/projects")]
pub async fn list(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<RoundId>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    let all = state
        .store
        .projects(ProjectScope::Round(r.round_id))
        .await?;
    let items = visible_of(&state, &caller, &r, all).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn visible_of(
    state: &AppState,
    caller: &Caller,
    r: &RoundRow,
    all: Vec<ProjectRow>,
) -> ApiResult<Vec<ProjectSummary>> {
    let everything = super::access::funds(caller, r) || caller.role == Role::Reviewer;
    let mine = communities_of(state, caller).await?;
    let supervised = if caller.role == Role::Supervisor {
        state
            .store
            .projects_supervised_by(caller.account_id)
            .await?
    } else {
        Vec::new()
    };
    let led: Vec<OrganisationId> = if caller.role == Role::OrgLead {
        state
            .store
            .organisations_led_by(caller.account_id)
            .await?
            .into_iter()
            .map(|o| o.organisation_id)
            .collect()
    } else {
        Vec::new()
    };
    Ok(all
        .into_iter()
        .filter(|p| {
            (everything && !(caller.role == Role::Reviewer && p.status == ProjectStatus::Withdrawn))
                || (caller.role != Role::OrgLead && mine.contains(&p.community_id))
                || led.contains(&p.organisation_id)
                || supervised.contains(&p.project_id)
        })
        .map(summary)
        .collect())
}

/// The projects the caller works on across rounds: their communities', organisations',
/// supervised or reviewed ones. Newest first.
#[utoipa::path(responses((status = 200, body = crate::routes::Items<ProjectSummary>)), tag = "projects", security(("bearer" = [])))]
#[get("/projects")]
pub async fn my_projects(
    state: web::Data<AppState>,
    caller: ProjectStaff,
) -> ApiResult<HttpResponse> {
    let mut items = Vec::new();
    for r in super::access::visible_rounds(&state, &caller).await? {
        let all = state
            .store
            .projects(ProjectScope::Round(r.round_id))
            .await?;
        items.extend(visible_of(&state, &caller, &r, all).await?);
    }
    items.sort_by_key(|b| std::cmp::Reverse(b.row.project_id));
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// Enter an application while the round takes them (申报).
#[utoipa::path(params(("id" = i64, Path)), request_body = ApplicationRequest, responses((status = 201, body = super::view::ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/rounds/{id}/projects")]
pub async fn create(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<RoundId>,
    body: web::Json<ApplicationRequest>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    let o = may_apply_for(&state, &caller, body.organisation_id).await?;
    if !covers(&state, &r, o.community_id).await? {
        return Err(bad(
            "organisation_id",
            "outside_round",
            "该社会组织所在社区不在本轮范围内 / the organisation's community is outside this round",
        ));
    }
    if !r.phase.accepts_applications() {
        return Err(super::access::wrong_phase());
    }
    let a = input(&state, o.community_id, &body).await?;
    let id = done(
        state
            .store
            .create_application(
                r.round_id,
                o.community_id,
                &a,
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    let mut res = super::view::project_response(&state, &caller, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

/// Replace an application while the round takes them (needs `If-Match`).
#[utoipa::path(params(("id" = i64, Path)), request_body = ApplicationRequest, responses((status = 200, body = super::view::ProjectView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/projects/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<ApplicationRequest>,
) -> ApiResult<HttpResponse> {
    let (p, _, rights) = visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.run)?;
    let version = if_match(&req)?;
    let o = may_apply_for(&state, &caller, body.organisation_id).await?;
    if o.community_id != p.community_id {
        return Err(bad(
            "organisation_id",
            "unknown_organisation",
            "社会组织须属于项目所在社区 / the organisation must be of the project's community",
        ));
    }
    let a = input(&state, p.community_id, &body).await?;
    done(
        state
            .store
            .update_application(p.project_id, version, &a, &audit_of(&caller, &req, None))
            .await?,
    )?;
    super::view::project_response(&state, &caller, p.project_id).await
}

/// Withdraw an application before it is decided (needs `If-Match`).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = super::view::ProjectView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    let (p, _, rights) = visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.run)?;
    let version = if_match(&req)?;
    done(
        state
            .store
            .withdraw_application(p.project_id, version, &audit_of(&caller, &req, None))
            .await?,
    )?;
    super::view::project_response(&state, &caller, p.project_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    /// Points per criterion key of the round: every criterion, within its maximum.
    #[serde(default)]
    pub scores: BTreeMap<String, i32>,
    pub comment: Option<String>,
    /// A declared conflict of interest: the review is kept but not counted (scores optional).
    #[serde(default)]
    pub conflict: bool,
}

/// A reviewer scores an application during review (again to change it).
#[utoipa::path(params(("id" = i64, Path)), request_body = ReviewRequest, responses((status = 200, body = super::view::ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/projects/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<ReviewRequest>,
) -> ApiResult<HttpResponse> {
    let (p, r, rights) = visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.review)?;
    if !r.phase.reviewing() {
        return Err(super::access::wrong_phase());
    }
    let crit = criteria::parse(&r.criteria);
    let total = if body.conflict && body.scores.is_empty() {
        0
    } else {
        criteria::total(&crit, &body.scores).map_err(|e| ApiError::validation(vec![e]))?
    };
    let comment = crate::routes::hall::opt_text("comment", &body.comment, 2000)?;
    let scores = serde_json::to_string(&body.scores).map_err(anyhow::Error::from)?;
    state
        .store
        .save_review(
            p.project_id,
            &NewReview {
                reviewer: caller.account_id,
                scores,
                total,
                comment,
                conflict: body.conflict,
            },
            &audit_of(&caller, &req, None),
        )
        .await?;
    super::view::project_response(&state, &caller, p.project_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    pub approved: bool,
    /// The award (an approval only): at most the amount requested, within the round's pool.
    pub awarded_fen: Option<i64>,
    /// Why: shown with the decision.
    pub reason: String,
}

/// The round's admin funds or declines an application during review (needs `If-Match`; may
/// be changed until the awards are announced).
#[utoipa::path(params(("id" = i64, Path)), request_body = DecisionRequest, responses((status = 200, body = super::view::ProjectView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<DecisionRequest>,
) -> ApiResult<HttpResponse> {
    let (p, _, rights): (ProjectRow, RoundRow, Rights) =
        visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.fund)?;
    let version = if_match(&req)?;
    let reason = text("reason", &body.reason, 2, 500)?;
    let award = match (body.approved, body.awarded_fen) {
        (true, Some(a)) if (1..=MAX_FEN).contains(&a) => Some(a),
        (true, _) => return Err(bad(
            "awarded_fen",
            "required",
            "立项须填写资助金额（以分计，大于 0）/ an approval needs the award, in fen, above 0",
        )),
        (false, None) => None,
        (false, Some(_)) => {
            return Err(bad(
                "awarded_fen",
                "not_for_rejection",
                "不立项时不填资助金额 / no award for a rejection",
            ))
        }
    };
    done(
        state
            .store
            .decide_application(
                p.project_id,
                version,
                award,
                &reason,
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    super::view::project_response(&state, &caller, p.project_id).await
}
