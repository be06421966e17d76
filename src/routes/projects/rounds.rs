//! 公益创投 rounds: an admin opens one for their district or street with its budget pool and
//! sources, phase dates and review criteria, assigns reviewers, and moves it through its phases.
use super::access::{funds, require, visible_round, visible_rounds};
use crate::auth::caller::{Admin, ProjectStaff};
use crate::domain::ids::{AccountId, RoundId, StreetId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::Phase;
use crate::projects::criteria::{self, Criterion, Ranked};
use crate::routes::admin::audit_of;
use crate::routes::hall::{done, etag, if_match, text};
use crate::state::AppState;
use crate::store::{AdminArea, NewRound, PhaseDatesRow, ProjectScope, RoundRow, SourceRow};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Every pool is at most this much: 100 million yuan, in fen.
pub const MAX_FEN: i64 = 10_000_000_000;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SourceRequest {
    /// 区财政匹配, 街道自筹, a foundation…
    pub name: String,
    pub amount_fen: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PhaseDates {
    pub phase: Phase,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateRound {
    pub name: String,
    /// A street's round (inside the admin's area); none for a district round (district admins).
    pub street_id: Option<StreetId>,
    /// Where the budget pool comes from; the pool is their sum.
    pub sources: Vec<SourceRequest>,
    /// Planned dates of the phases (any of them).
    #[serde(default)]
    pub phases: Vec<PhaseDates>,
    /// Review criteria; the district's four (100 points) when left out.
    pub criteria: Option<Vec<Criterion>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundView {
    #[serde(flatten)]
    pub row: RoundRow,
    pub phase_label: &'static str,
    pub phase_label_en: &'static str,
    /// The phase after this one, if any.
    pub next_phase: Option<Phase>,
    pub pool_fen: i64,
    pub sources: Vec<SourceRow>,
    pub phases: Vec<PhaseDatesRow>,
    pub criteria: Vec<Criterion>,
    pub reviewers: Vec<AccountId>,
    /// The reviewers' names, in the order of `reviewers`.
    pub reviewer_names: Vec<super::access::StaffName>,
    /// Whether the caller funds this round (moves phases, awards, assigns reviewers).
    pub funds: bool,
}

async fn round_view(
    state: &AppState,
    caller: &crate::auth::caller::Caller,
    row: RoundRow,
) -> ApiResult<RoundView> {
    let sources = state.store.round_sources(row.round_id).await?;
    let assigned = state.store.round_reviewers(row.round_id).await?;
    Ok(RoundView {
        reviewer_names: super::access::staff_names(state, &assigned).await?,
        reviewers: assigned,
        phase_label: row.phase.label(),
        phase_label_en: row.phase.label_en(),
        next_phase: row.phase.next(),
        pool_fen: sources.iter().map(|s| s.amount_fen).sum(),
        sources,
        phases: state.store.round_phases(row.round_id).await?,
        criteria: criteria::parse(&row.criteria),
        funds: funds(caller, &row),
        row,
    })
}

fn respond(status: actix_web::http::StatusCode, v: RoundView) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((actix_web::http::header::ETAG, etag(v.row.version)))
        .json(v)
}

/// The rounds the caller may see, newest first.
#[utoipa::path(responses((status = 200, body = crate::routes::Items<RoundView>)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds")]
pub async fn list(state: web::Data<AppState>, caller: ProjectStaff) -> ApiResult<HttpResponse> {
    let mut items = Vec::new();
    for r in visible_rounds(&state, &caller).await? {
        items.push(round_view(&state, &caller, r).await?);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

fn field(name: &str, code: &str, msg: &str) -> ApiError {
    ApiError::field(name, code, msg)
}

/// Open a round. A district admin opens district rounds and rounds of its streets; a street
/// admin rounds of their street.
#[utoipa::path(request_body = CreateRound, responses((status = 201, body = RoundView), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/rounds")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Admin,
    req: HttpRequest,
    body: web::Json<CreateRound>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let (district, street) = match (caller.admin_area, b.street_id) {
        (Some(AdminArea::District(d)), None) => (d, None),
        (Some(AdminArea::District(d)), Some(s)) => {
            let st = state
                .store
                .street(s)
                .await?
                .filter(|st| st.district_id == d);
            (d, Some(st.ok_or_else(ApiError::not_found)?.street_id))
        }
        (Some(AdminArea::Street(s)), None | Some(_)) if b.street_id.is_none_or(|x| x == s) => {
            let st = state
                .store
                .street(s)
                .await?
                .ok_or_else(ApiError::not_found)?;
            (st.district_id, Some(s))
        }
        _ => return Err(ApiError::not_found()),
    };
    let name = text("name", &b.name, 2, 60)?;
    if b.sources.is_empty() || b.sources.len() > 10 {
        return Err(field(
            "sources",
            "invalid",
            "资金来源应为 1 至 10 项 / between 1 and 10 sources",
        ));
    }
    let mut sources = Vec::new();
    let mut pool = 0i64;
    for s in &b.sources {
        if !(0..=MAX_FEN).contains(&s.amount_fen) {
            return Err(field(
                "sources",
                "out_of_range",
                "每项资金应在 0 至 1 亿元之间（以分计）/ each source is 0–100,000,000 yuan, in fen",
            ));
        }
        pool += s.amount_fen;
        sources.push(SourceRow {
            name: text("sources", &s.name, 2, 40)?,
            amount_fen: s.amount_fen,
        });
    }
    if pool > MAX_FEN {
        return Err(field(
            "sources",
            "out_of_range",
            "资金池不能超过 1 亿元 / the pool is at most 100,000,000 yuan",
        ));
    }
    let mut phases: Vec<PhaseDatesRow> = Vec::new();
    for p in &b.phases {
        if p.ends_on < p.starts_on || phases.iter().any(|x| x.phase == p.phase) {
            return Err(field("phases", "invalid", "每个阶段只写一次，结束日期不早于开始日期 / each phase once, ending on or after it starts"));
        }
        use chrono::Datelike;
        if !(2000..2100).contains(&p.starts_on.year()) || !(2000..2100).contains(&p.ends_on.year())
        {
            return Err(field(
                "phases",
                "out_of_range",
                "日期的年份应在 2000 至 2099 之间 / years within 2000–2099",
            ));
        }
        phases.push(PhaseDatesRow {
            phase: p.phase,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        });
    }
    let criteria = b.criteria.unwrap_or_else(criteria::default_criteria);
    criteria::check(&criteria).map_err(|e| ApiError::validation(vec![e]))?;
    let r = NewRound {
        district,
        street,
        name,
        criteria: serde_json::to_string(&criteria).map_err(anyhow::Error::from)?,
        sources,
        phases,
    };
    let id = state
        .store
        .create_round(&r, &audit_of(&caller, &req, None))
        .await?;
    let row = state
        .store
        .round(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(respond(
        actix_web::http::StatusCode::CREATED,
        round_view(&state, &caller, row).await?,
    ))
}

/// One round, with its pool, sources, phase dates, criteria and reviewers.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = RoundView), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<RoundId>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    Ok(respond(
        actix_web::http::StatusCode::OK,
        round_view(&state, &caller, r).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PhaseRequest {
    /// The next phase (phases move forward one at a time).
    pub phase: Phase,
    pub reason: Option<String>,
}

/// Move a round to its next phase (needs `If-Match`). Entering 评审 needs reviewers, 立项公示
/// every application decided (residents of the linked topics are told of each funded
/// project), 公示结果 every funded project evaluated (residents are told the result).
#[utoipa::path(params(("id" = i64, Path)), request_body = PhaseRequest, responses((status = 200, body = RoundView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/rounds/{id}/phase")]
pub async fn advance(
    state: web::Data<AppState>,
    caller: Admin,
    req: HttpRequest,
    path: web::Path<RoundId>,
    body: web::Json<PhaseRequest>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    require(funds(&caller, &r))?;
    let version = if_match(&req)?;
    if version != r.version {
        // Someone moved the round meanwhile: reload before anything else is judged.
        return Err(crate::routes::hall::stale());
    }
    if r.phase.next() != Some(body.phase) {
        return Err(ApiError::conflict(
            "not_next_phase",
            format!("只能进入下一阶段（当前：{}）", r.phase.label()),
            format!(
                "Only the next phase can follow (now: {})",
                r.phase.label_en()
            ),
        ));
    }
    let reason = crate::routes::hall::opt_text("reason", &body.reason, 500)?;
    let template = state.settings.hall.template();
    done(
        state
            .store
            .set_round_phase(
                r.round_id,
                version,
                r.phase,
                body.phase,
                template.as_deref(),
                &audit_of(&caller, &req, reason),
            )
            .await?,
    )?;
    let row = state
        .store
        .round(r.round_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(respond(
        actix_web::http::StatusCode::OK,
        round_view(&state, &caller, row).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewersRequest {
    /// Accounts with the `reviewer` role.
    pub account_ids: Vec<AccountId>,
}

/// Assign a round's reviewers (评审专家), before or during review.
#[utoipa::path(params(("id" = i64, Path)), request_body = ReviewersRequest, responses((status = 200, body = RoundView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/rounds/{id}/reviewers")]
pub async fn reviewers(
    state: web::Data<AppState>,
    caller: Admin,
    req: HttpRequest,
    path: web::Path<RoundId>,
    body: web::Json<ReviewersRequest>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    require(funds(&caller, &r))?;
    if !matches!(r.phase, Phase::Apply | Phase::Review) {
        return Err(super::access::wrong_phase());
    }
    let ids = accounts_of_role(&state, &body.account_ids, Role::Reviewer, "account_ids").await?;
    state
        .store
        .set_round_reviewers(r.round_id, &ids, &audit_of(&caller, &req, None))
        .await?;
    let row = state
        .store
        .round(r.round_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(respond(
        actix_web::http::StatusCode::OK,
        round_view(&state, &caller, row).await?,
    ))
}

/// Distinct ids of live accounts of `role` (at most 50), or a 422 naming `field`.
pub async fn accounts_of_role(
    state: &AppState,
    ids: &[AccountId],
    role: Role,
    field: &str,
) -> ApiResult<Vec<AccountId>> {
    let mut out: Vec<AccountId> = Vec::new();
    for id in ids {
        if out.contains(id) {
            continue;
        }
        let ok = state
            .store
            .account(*id)
            .await?
            .is_some_and(|a| a.role == role.as_str() && a.disabled_at.is_none());
        if !ok || out.len() >= 50 {
            return Err(ApiError::field(
                field,
                "wrong_role",
                format!(
                    "账号不存在或不是{}（最多 50 人）/ not an account of that role (at most 50)",
                    role_label(role)
                ),
            ));
        }
        out.push(*id);
    }
    Ok(out)
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "评审专家",
        Role::Supervisor => "督导",
        _ => "该角色",
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RankingItem {
    #[serde(flatten)]
    pub ranked: Ranked,
    pub title: String,
    pub organisation_name: String,
    pub status: crate::projects::codes::ProjectStatus,
    pub requested_fen: i64,
    pub awarded_fen: Option<i64>,
}

/// The applications ranked by their reviewers' mean total (declared conflicts not counted):
/// for the round's admins and reviewers.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<RankingItem>), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds/{id}/ranking")]
pub async fn ranking(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<RoundId>,
) -> ApiResult<HttpResponse> {
    let r = visible_round(&state, &caller, path.into_inner()).await?;
    require(funds(&caller, &r) || caller.role == Role::Reviewer)?;
    let projects: Vec<_> = state
        .store
        .projects(ProjectScope::Round(r.round_id))
        .await?
        .into_iter()
        .filter(|p| p.status != crate::projects::codes::ProjectStatus::Withdrawn)
        .collect();
    let reviews: Vec<_> = state
        .store
        .reviews(ProjectScope::Round(r.round_id))
        .await?
        .into_iter()
        .map(|x| (x.project_id, x.total, x.conflict))
        .collect();
    let ids: Vec<_> = projects.iter().map(|p| p.project_id).collect();
    let items: Vec<RankingItem> = criteria::rank(&ids, &reviews)
        .into_iter()
        .filter_map(|ranked| {
            let p = projects
                .iter()
                .find(|p| p.project_id == ranked.project_id)?;
            Some(RankingItem {
                title: p.title.clone(),
                organisation_name: p.organisation_name.clone(),
                status: p.status,
                requested_fen: p.requested_fen,
                awarded_fen: p.awarded_fen,
                ranked,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}
