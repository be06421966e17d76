//! A project as one page, and carrying it out: supervisors, milestones, activities, spending
//! (over-budget spending waits for the funder's approval), supervision visits and the lead's
//! answers, and the three-part evaluation.
use super::access::{require, visible_project, wrong_phase, Rights};
use super::view::{project_response, ProjectView};
use crate::auth::caller::{Caller, ProjectStaff};
use crate::domain::ids::{AccountId, ProjectId};
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::{Grade, ProjectStatus, VisitStage};
use crate::routes::admin::audit_of;
use crate::routes::hall::{done, opt_text, text};
use crate::state::AppState;
use crate::store::{NewActivity, NewEvaluation, NewSpending, NewVisit};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;

/// One project with its budget, topics, milestones, activities, spending, progress,
/// supervision, evaluation and (for its funders and reviewers) reviews.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = ProjectView), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/projects/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    project_response(&state, &caller, path.into_inner()).await
}

/// A funded project in a phase that records delivery, or 409.
async fn delivering(
    state: &AppState,
    caller: &Caller,
    id: ProjectId,
    need: fn(&Rights) -> bool,
) -> ApiResult<ProjectId> {
    let (p, r, rights) = visible_project(state, caller, id).await?;
    require(need(&rights))?;
    if p.status != ProjectStatus::Approved {
        return Err(crate::routes::hall::invalid("not_funded"));
    }
    if !r.phase.delivering() {
        return Err(wrong_phase());
    }
    Ok(p.project_id)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SupervisorsRequest {
    /// Accounts with the `supervisor` role.
    pub account_ids: Vec<AccountId>,
}

/// The funder assigns a funded project's supervisors (督导).
#[utoipa::path(params(("id" = i64, Path)), request_body = SupervisorsRequest, responses((status = 200, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/projects/{id}/supervisors")]
pub async fn supervisors(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<SupervisorsRequest>,
) -> ApiResult<HttpResponse> {
    let (p, _, rights) = visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.fund)?;
    if p.status != ProjectStatus::Approved {
        return Err(crate::routes::hall::invalid("not_funded"));
    }
    let ids =
        super::rounds::accounts_of_role(&state, &body.account_ids, Role::Supervisor, "account_ids")
            .await?;
    state
        .store
        .set_supervisors(p.project_id, &ids, &audit_of(&caller, &req, None))
        .await?;
    project_response(&state, &caller, p.project_id).await
}

fn day(field: &str, d: NaiveDate) -> ApiResult<NaiveDate> {
    use chrono::Datelike;
    if (2000..2100).contains(&d.year()) {
        Ok(d)
    } else {
        Err(ApiError::field(
            field,
            "out_of_range",
            "日期的年份应在 2000 至 2099 之间 / years within 2000–2099",
        ))
    }
}

fn not_in_future(field: &str, d: NaiveDate) -> ApiResult<NaiveDate> {
    let today = chrono::Utc::now()
        .with_timezone(&crate::hall::shanghai())
        .date_naive();
    if d > today {
        return Err(ApiError::field(
            field,
            "in_future",
            "不能记录未来的日期 / a date in the future",
        ));
    }
    day(field, d)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MilestoneRequest {
    pub title: String,
    pub due_on: NaiveDate,
}

/// Plan a milestone of a funded project.
#[utoipa::path(params(("id" = i64, Path)), request_body = MilestoneRequest, responses((status = 201, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/milestones")]
pub async fn add_milestone(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<MilestoneRequest>,
) -> ApiResult<HttpResponse> {
    let id = delivering(&state, &caller, path.into_inner(), |r| r.run).await?;
    let title = text("title", &body.title, 2, 60)?;
    let due = day("due_on", body.due_on)?;
    state
        .store
        .add_milestone(id, &title, due, &audit_of(&caller, &req, None))
        .await?;
    let mut res = project_response(&state, &caller, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MilestoneDone {
    pub note: Option<String>,
}

/// A milestone is reached: residents of the linked topics are told.
#[utoipa::path(params(("id" = i64, Path), ("milestone" = i64, Path)), request_body = MilestoneDone, responses((status = 200, body = ProjectView), (status = 409, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/milestones/{milestone}/done")]
pub async fn milestone_done(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<(ProjectId, i64)>,
    body: web::Json<MilestoneDone>,
) -> ApiResult<HttpResponse> {
    let (project, milestone) = path.into_inner();
    let id = delivering(&state, &caller, project, |r| r.run).await?;
    let note = opt_text("note", &body.note, 500)?;
    let template = state.settings.hall.template();
    state
        .store
        .complete_milestone(
            id,
            milestone,
            note.as_deref(),
            template.as_deref(),
            &audit_of(&caller, &req, None),
        )
        .await?
        .ok_or_else(|| crate::routes::hall::invalid("milestone_done"))?;
    project_response(&state, &caller, id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActivityRequest {
    pub held_on: NaiveDate,
    pub place: String,
    pub summary: String,
    pub participants: i32,
    /// Direct beneficiaries (受益人次).
    pub beneficiaries: i32,
    /// Volunteer hours in all, to a tenth (2.5).
    #[serde(default)]
    pub volunteer_hours: f64,
    /// Upload ids of photos (`POST /api/v1/uploads`), at most 9.
    #[serde(default)]
    pub photo_ids: Vec<String>,
}

/// Record an activity of a funded project.
#[utoipa::path(params(("id" = i64, Path)), request_body = ActivityRequest, responses((status = 201, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/activities")]
pub async fn add_activity(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<ActivityRequest>,
) -> ApiResult<HttpResponse> {
    let id = delivering(&state, &caller, path.into_inner(), |r| r.run).await?;
    let people = |field: &str, v: i32| -> ApiResult<i32> {
        if (0..=100_000).contains(&v) {
            Ok(v)
        } else {
            Err(ApiError::field(
                field,
                "out_of_range",
                "人数应在 0 至 100000 之间 / 0–100000",
            ))
        }
    };
    let hours = body.volunteer_hours;
    if !hours.is_finite() || !(0.0..=100_000.0).contains(&hours) {
        return Err(ApiError::field(
            "volunteer_hours",
            "out_of_range",
            "志愿服务时长应在 0 至 100000 小时之间 / 0–100000 hours",
        ));
    }
    if body.photo_ids.len() > 9 {
        return Err(ApiError::field(
            "photo_ids",
            "too_many",
            "每次活动最多 9 张照片 / at most 9 photos",
        ));
    }
    let a = NewActivity {
        held_on: not_in_future("held_on", body.held_on)?,
        place: text("place", &body.place, 1, 100)?,
        summary: text("summary", &body.summary, 2, 2000)?,
        participants: people("participants", body.participants)?,
        beneficiaries: people("beneficiaries", body.beneficiaries)?,
        volunteer_tenths: (hours * 10.0).round() as i32,
        photos: body.photo_ids.clone(),
    };
    done(
        state
            .store
            .add_activity(id, &a, &audit_of(&caller, &req, None))
            .await?,
    )?;
    let mut res = project_response(&state, &caller, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SpendingRequest {
    pub line_id: i64,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub note: String,
    /// The receipt's upload id (`POST /api/v1/uploads`).
    pub receipt_upload_id: Option<String>,
}

/// Record spending against a budget line; over the line's amount it waits for the funder's
/// approval (`state` `pending`) and does not count until approved.
#[utoipa::path(params(("id" = i64, Path)), request_body = SpendingRequest, responses((status = 201, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/spending")]
pub async fn add_spending(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<SpendingRequest>,
) -> ApiResult<HttpResponse> {
    let id = delivering(&state, &caller, path.into_inner(), |r| r.run).await?;
    if !(1..=super::rounds::MAX_FEN).contains(&body.amount_fen) {
        return Err(ApiError::field(
            "amount_fen",
            "out_of_range",
            "金额应大于 0（以分计）/ an amount above 0, in fen",
        ));
    }
    let s = NewSpending {
        line: body.line_id,
        amount_fen: body.amount_fen,
        spent_on: not_in_future("spent_on", body.spent_on)?,
        note: text("note", &body.note, 2, 200)?,
        receipt: body
            .receipt_upload_id
            .clone()
            .filter(|r| !r.trim().is_empty()),
    };
    done(
        state
            .store
            .add_spending(id, &s, &audit_of(&caller, &req, None))
            .await?,
    )?;
    let mut res = project_response(&state, &caller, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SpendingDecision {
    pub approved: bool,
    pub reason: String,
}

/// The funder approves or refuses spending over its line, with the reason.
#[utoipa::path(params(("id" = i64, Path), ("spending" = i64, Path)), request_body = SpendingDecision, responses((status = 200, body = ProjectView), (status = 409, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/spending/{spending}/decision")]
pub async fn decide_spending(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<(ProjectId, i64)>,
    body: web::Json<SpendingDecision>,
) -> ApiResult<HttpResponse> {
    let (project, spending) = path.into_inner();
    let (p, _, rights) = visible_project(&state, &caller, project).await?;
    require(rights.fund)?;
    let reason = text("reason", &body.reason, 2, 500)?;
    done(
        state
            .store
            .decide_spending(
                p.project_id,
                spending,
                body.approved,
                &reason,
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    project_response(&state, &caller, p.project_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VisitRequest {
    pub visited_on: NaiveDate,
    pub stage: VisitStage,
    pub findings: String,
    pub recommendations: String,
    /// What the project's lead must answer, if anything.
    pub follow_up: Option<String>,
}

/// An assigned supervisor records a one-to-one visit (督导).
#[utoipa::path(params(("id" = i64, Path)), request_body = VisitRequest, responses((status = 201, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/visits")]
pub async fn add_visit(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<VisitRequest>,
) -> ApiResult<HttpResponse> {
    let id = delivering(&state, &caller, path.into_inner(), |r| r.supervise).await?;
    let v = NewVisit {
        visited_on: not_in_future("visited_on", body.visited_on)?,
        stage: body.stage,
        findings: text("findings", &body.findings, 2, 4000)?,
        recommendations: text("recommendations", &body.recommendations, 2, 4000)?,
        follow_up: opt_text("follow_up", &body.follow_up, 2000)?,
    };
    state
        .store
        .add_visit(id, &v, &audit_of(&caller, &req, None))
        .await?;
    let mut res = project_response(&state, &caller, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VisitResponse {
    pub response: String,
}

/// The project's lead answers a visit's follow-up.
#[utoipa::path(params(("id" = i64, Path), ("visit" = i64, Path)), request_body = VisitResponse, responses((status = 200, body = ProjectView), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/visits/{visit}/response")]
pub async fn respond_to_visit(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<(ProjectId, i64)>,
    body: web::Json<VisitResponse>,
) -> ApiResult<HttpResponse> {
    let (project, visit) = path.into_inner();
    let (p, _, rights) = visible_project(&state, &caller, project).await?;
    require(rights.run)?;
    let response = text("response", &body.response, 2, 4000)?;
    done(
        state
            .store
            .respond_to_visit(
                p.project_id,
                visit,
                &response,
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    project_response(&state, &caller, p.project_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EvaluationRequest {
    /// 财务: 0–100.
    pub finance_score: i32,
    pub finance_notes: String,
    /// 项目运行: 0–100.
    pub operation_score: i32,
    pub operation_notes: String,
    /// 绩效: 0–100.
    pub results_score: i32,
    pub results_notes: String,
    pub grade: Grade,
}

/// The funder (or an assigned supervisor) evaluates a funded project at 结项评估.
#[utoipa::path(params(("id" = i64, Path)), request_body = EvaluationRequest, responses((status = 200, body = ProjectView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/projects/{id}/evaluation")]
pub async fn evaluate(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    req: HttpRequest,
    path: web::Path<ProjectId>,
    body: web::Json<EvaluationRequest>,
) -> ApiResult<HttpResponse> {
    let (p, r, rights) = visible_project(&state, &caller, path.into_inner()).await?;
    require(rights.fund || rights.supervise)?;
    if p.status != ProjectStatus::Approved {
        return Err(crate::routes::hall::invalid("not_funded"));
    }
    if !r.phase.evaluating() {
        return Err(wrong_phase());
    }
    let score = |field: &str, v: i32| -> ApiResult<i32> {
        if (0..=100).contains(&v) {
            Ok(v)
        } else {
            Err(ApiError::field(
                field,
                "out_of_range",
                "分数应在 0 至 100 之间 / a score of 0–100",
            ))
        }
    };
    let e = NewEvaluation {
        finance_score: score("finance_score", body.finance_score)?,
        finance_notes: text("finance_notes", &body.finance_notes, 2, 4000)?,
        operation_score: score("operation_score", body.operation_score)?,
        operation_notes: text("operation_notes", &body.operation_notes, 2, 4000)?,
        results_score: score("results_score", body.results_score)?,
        results_notes: text("results_notes", &body.results_notes, 2, 4000)?,
        grade: body.grade,
    };
    state
        .store
        .save_evaluation(p.project_id, &e, &audit_of(&caller, &req, None))
        .await?;
    project_response(&state, &caller, p.project_id).await
}
