//! What residents see: a topic that became a funded project shows it — its progress, timeline
//! and photos — once the awards are announced; residents sign up to take part or volunteer,
//! and rate the result once it is published.
use crate::auth::caller::{Caller, Resident};
use crate::domain::ids::{ProjectId, TopicId};
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::{Phase, ProjectStatus, SignupKind};
use crate::projects::progress::{progress, Progress};
use crate::routes::hall::{opt_text, visible_topic};
use crate::state::AppState;
use crate::store::{MilestoneRow, ProjectRow, ResidentCounts, RoundRow};
use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicActivity {
    pub held_on: NaiveDate,
    pub place: String,
    pub summary: String,
    pub participants: i32,
    pub beneficiaries: i32,
    pub volunteer_hours: f64,
    /// Upload ids (`GET /api/v1/uploads/{id}`).
    pub photos: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicEvaluation {
    pub grade: crate::projects::codes::Grade,
    pub grade_label: &'static str,
    pub grade_label_en: &'static str,
    pub overall: i32,
}

/// A funded project as residents see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicProject {
    pub project_id: ProjectId,
    pub title: String,
    pub organisation_name: String,
    pub need: String,
    pub goals: String,
    pub awarded_fen: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub phase: Phase,
    pub phase_label: &'static str,
    pub phase_label_en: &'static str,
    pub progress: Progress,
    pub milestones: Vec<MilestoneRow>,
    pub activities: Vec<PublicActivity>,
    /// Once the results are published.
    pub evaluation: Option<PublicEvaluation>,
    pub residents: ResidentCounts,
    /// How the caller signed up, and the stars they gave.
    pub my_signups: Vec<SignupKind>,
    pub my_rating: Option<i32>,
    pub can_sign_up: bool,
    pub can_rate: bool,
}

fn public(r: &RoundRow, p: &ProjectRow) -> bool {
    p.status == ProjectStatus::Approved && r.phase.announced()
}

async fn public_view(
    state: &AppState,
    caller: &Caller,
    p: ProjectRow,
    r: RoundRow,
) -> ApiResult<PublicProject> {
    let id = p.project_id;
    let milestones = state.store.milestones(id).await?;
    let spending = state.store.spending(id).await?;
    let (my_signups, my_rating) = state.store.my_project_ties(id, caller.account_id).await?;
    let evaluation = if r.phase.finished() {
        state.store.evaluation(id).await?.map(|e| {
            let v = super::view::evaluation_view(e);
            PublicEvaluation {
                grade: v.row.grade,
                grade_label: v.grade_label,
                grade_label_en: v.grade_label_en,
                overall: v.overall,
            }
        })
    } else {
        None
    };
    Ok(PublicProject {
        progress: progress(&milestones, &spending, p.awarded_fen),
        project_id: id,
        title: p.title,
        organisation_name: p.organisation_name,
        need: p.need,
        goals: p.goals,
        awarded_fen: p.awarded_fen.unwrap_or(0),
        starts_on: p.starts_on,
        ends_on: p.ends_on,
        phase: r.phase,
        phase_label: r.phase.label(),
        phase_label_en: r.phase.label_en(),
        milestones,
        activities: state
            .store
            .activities(id)
            .await?
            .into_iter()
            .map(super::view::activity_view)
            .map(|a| PublicActivity {
                held_on: a.row.held_on,
                place: a.row.place,
                summary: a.row.summary,
                participants: a.row.participants,
                beneficiaries: a.row.beneficiaries,
                volunteer_hours: a.volunteer_hours,
                photos: a.photos,
            })
            .collect(),
        evaluation,
        residents: state.store.resident_counts(id).await?,
        can_sign_up: caller.role == crate::domain::role::Role::Resident && !r.phase.finished(),
        can_rate: caller.role == crate::domain::role::Role::Resident && r.phase.finished(),
        my_signups,
        my_rating,
    })
}

/// A public project of the caller's community, with its round (404 otherwise).
async fn public_project(
    state: &AppState,
    caller: &Caller,
    id: ProjectId,
) -> ApiResult<(ProjectRow, RoundRow)> {
    let p = state
        .store
        .project(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(p.community_id)?;
    let r = state
        .store
        .round(p.round_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !public(&r, &p) {
        return Err(ApiError::not_found());
    }
    Ok((p, r))
}

/// The funded projects that answer a topic, once announced: residents of its community and its
/// staff.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = crate::routes::Items<PublicProject>), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/topics/{id}/projects")]
pub async fn of_topic(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<TopicId>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let mut items = Vec::new();
    for p in state.store.projects_of_topic(t.topic_id).await? {
        let Some(r) = state.store.round(p.round_id).await? else {
            continue;
        };
        if public(&r, &p) {
            items.push(public_view(&state, &caller, p, r).await?);
        }
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// A funded project of the caller's community, as residents see it.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = PublicProject), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/projects/{id}/public")]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    let (p, r) = public_project(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(public_view(&state, &caller, p, r).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignupRequest {
    pub kind: SignupKind,
}

/// A resident signs up to take part in, or volunteer for, a funded project (once each).
#[utoipa::path(params(("id" = i64, Path)), request_body = SignupRequest, responses((status = 200, body = PublicProject), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[post("/projects/{id}/signups")]
pub async fn sign_up(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<ProjectId>,
    body: web::Json<SignupRequest>,
) -> ApiResult<HttpResponse> {
    let (p, r) = public_project(&state, &caller, path.into_inner()).await?;
    if r.phase.finished() {
        return Err(super::access::wrong_phase());
    }
    state
        .store
        .sign_up(
            p.project_id,
            caller.account_id,
            body.kind,
            chrono::Utc::now(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(public_view(&state, &caller, p, r).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RatingRequest {
    /// 1–5.
    pub stars: i32,
    pub comment: Option<String>,
}

/// A resident rates a project's result once it is published (again to change it).
#[utoipa::path(params(("id" = i64, Path)), request_body = RatingRequest, responses((status = 200, body = PublicProject), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[put("/projects/{id}/rating")]
pub async fn rate(
    state: web::Data<AppState>,
    caller: Resident,
    path: web::Path<ProjectId>,
    body: web::Json<RatingRequest>,
) -> ApiResult<HttpResponse> {
    let (p, r) = public_project(&state, &caller, path.into_inner()).await?;
    if !r.phase.finished() {
        return Err(super::access::wrong_phase());
    }
    if !(1..=5).contains(&body.stars) {
        return Err(ApiError::field(
            "stars",
            "out_of_range",
            "请打 1 至 5 星 / 1–5 stars",
        ));
    }
    let comment = opt_text("comment", &body.comment, 500)?;
    state
        .store
        .rate_project(
            p.project_id,
            caller.account_id,
            body.stars,
            comment.as_deref(),
            chrono::Utc::now(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(public_view(&state, &caller, p, r).await?))
}
