//! A project as one page: the view every project endpoint answers with, and its parts.
use super::access::{staff_names, visible_project, Rights, StaffName};
use crate::auth::caller::Caller;
use crate::domain::ids::{AccountId, ProjectId, RoundId};
use crate::error::ApiResult;
use crate::projects::codes::{Phase, SpendingState};
use crate::projects::progress::{progress, Progress};
use crate::routes::hall::etag;
use crate::state::AppState;
use crate::store::{
    ActivityRow, BudgetLineRow, EvaluationRow, LinkedTopicRow, MilestoneRow, ProjectRow,
    ResidentCounts, ReviewRow, SpendingRow, VisitRow,
};
use actix_web::HttpResponse;
use serde::Serialize;

/// A project (or application) in a list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    #[serde(flatten)]
    pub row: ProjectRow,
    pub status_label: &'static str,
    pub status_label_en: &'static str,
}

pub fn summary(row: ProjectRow) -> ProjectSummary {
    ProjectSummary {
        status_label: row.status.label(),
        status_label_en: row.status.label_en(),
        row,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoundBrief {
    pub round_id: RoundId,
    pub name: String,
    pub phase: Phase,
    pub phase_label: &'static str,
    pub phase_label_en: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LineView {
    #[serde(flatten)]
    pub row: BudgetLineRow,
    pub category_label: &'static str,
    pub category_label_en: &'static str,
    /// Spending that counts against this line.
    pub spent_fen: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    #[serde(flatten)]
    pub row: ActivityRow,
    pub volunteer_hours: f64,
    /// Upload ids of the photos (`GET /api/v1/uploads/{id}`).
    pub photos: Vec<String>,
}

pub fn activity_view(row: ActivityRow) -> ActivityView {
    ActivityView {
        volunteer_hours: row.volunteer_tenths as f64 / 10.0,
        photos: serde_json::from_str(&row.photos).unwrap_or_default(),
        row,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpendingView {
    #[serde(flatten)]
    pub row: SpendingRow,
    pub state_label: &'static str,
    pub state_label_en: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VisitView {
    #[serde(flatten)]
    pub row: VisitRow,
    pub stage_label: &'static str,
    pub stage_label_en: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    #[serde(flatten)]
    pub row: EvaluationRow,
    pub grade_label: &'static str,
    pub grade_label_en: &'static str,
    /// The mean of the three parts, rounded.
    pub overall: i32,
}

pub fn evaluation_view(row: EvaluationRow) -> EvaluationView {
    EvaluationView {
        grade_label: row.grade.label(),
        grade_label_en: row.grade.label_en(),
        overall: (row.finance_score + row.operation_score + row.results_score + 1) / 3,
        row,
    }
}

/// A project (or application) with everything about it the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    #[serde(flatten)]
    pub summary: ProjectSummary,
    pub round: RoundBrief,
    pub community_name: String,
    pub budget_lines: Vec<LineView>,
    pub topics: Vec<LinkedTopicRow>,
    pub milestones: Vec<MilestoneRow>,
    pub activities: Vec<ActivityView>,
    pub spending: Vec<SpendingView>,
    /// Computed from the records, never typed.
    pub progress: Progress,
    pub supervisors: Vec<AccountId>,
    /// The supervisors' names, in the order of `supervisors`.
    pub supervisor_names: Vec<StaffName>,
    /// The social worker who leads it (牵头社工), if named.
    pub lead_worker: Option<StaffName>,
    pub visits: Vec<VisitView>,
    pub evaluation: Option<EvaluationView>,
    /// The round's admins see every review; a reviewer their own.
    pub reviews: Vec<ReviewRow>,
    pub residents: ResidentCounts,
    /// What the caller may do.
    pub rights: Rights,
}

pub async fn project_view(
    state: &AppState,
    caller: &Caller,
    id: ProjectId,
) -> ApiResult<ProjectView> {
    let (p, r, rights) = visible_project(state, caller, id).await?;
    let lines = state.store.budget_lines(id).await?;
    let spending = state.store.spending(id).await?;
    let milestones = state.store.milestones(id).await?;
    let supervisors = state.store.supervisors(id).await?;
    let counts = |line: i64| -> i64 {
        spending
            .iter()
            .filter(|s| {
                s.line_id == line
                    && matches!(s.state, SpendingState::Recorded | SpendingState::Approved)
            })
            .map(|s| s.amount_fen)
            .sum()
    };
    let budget_lines = lines
        .into_iter()
        .map(|row| LineView {
            category_label: row.category.label(),
            category_label_en: row.category.label_en(),
            spent_fen: counts(row.line_id),
            row,
        })
        .collect();
    let reviews = state
        .store
        .reviews(crate::store::ProjectScope::One(id))
        .await?
        .into_iter()
        .filter(|x| rights.fund || x.reviewer_account_id == caller.account_id)
        .collect();
    let inside = rights.run || rights.fund || rights.supervise || caller.in_scope(p.community_id);
    let visits = if inside {
        state
            .store
            .visits(id)
            .await?
            .into_iter()
            .map(|row| VisitView {
                stage_label: row.stage.label(),
                stage_label_en: row.stage.label_en(),
                row,
            })
            .collect()
    } else {
        Vec::new()
    };
    let community_name = state
        .store
        .community(p.community_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(ProjectView {
        progress: progress(&milestones, &spending, p.awarded_fen),
        round: RoundBrief {
            round_id: r.round_id,
            name: r.name,
            phase: r.phase,
            phase_label: r.phase.label(),
            phase_label_en: r.phase.label_en(),
        },
        community_name,
        budget_lines,
        topics: state.store.linked_topics(id).await?,
        milestones,
        activities: state
            .store
            .activities(id)
            .await?
            .into_iter()
            .map(activity_view)
            .collect(),
        spending: spending
            .into_iter()
            .map(|row| SpendingView {
                state_label: row.state.label(),
                state_label_en: row.state.label_en(),
                row,
            })
            .collect(),
        supervisor_names: staff_names(state, &supervisors).await?,
        lead_worker: staff_names(state, p.lead_worker_account_id.as_slice())
            .await?
            .pop(),
        supervisors,
        visits,
        evaluation: state.store.evaluation(id).await?.map(evaluation_view),
        reviews,
        residents: state.store.resident_counts(id).await?,
        rights,
        summary: summary(p),
    })
}

pub async fn project_response(
    state: &AppState,
    caller: &Caller,
    id: ProjectId,
) -> ApiResult<HttpResponse> {
    let v = project_view(state, caller, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(v.summary.row.version)))
        .json(v))
}
