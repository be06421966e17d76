//! Community projects and 公益创投 (issue 17): organisations, funding rounds, applications,
//! reviews, delivery (milestones, activities, spending), supervision and evaluation.
use super::{Audit, Edit};
use crate::domain::ids::*;
use crate::projects::codes::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// 社区社会组织 as kept. `lead_phone` is personal data: routes mask it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrganisationRow {
    pub organisation_id: OrganisationId,
    pub community_id: CommunityId,
    pub name: String,
    pub kind: OrgKind,
    pub stage: OrgStage,
    pub lead_name: String,
    pub lead_phone: Option<String>,
    pub lead_account_id: Option<AccountId>,
    pub members_count: i32,
    pub volunteers_count: i32,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct OrganisationInput {
    pub name: String,
    pub kind: OrgKind,
    pub stage: OrgStage,
    pub lead_name: String,
    pub lead_phone: Option<String>,
    pub lead_account_id: Option<AccountId>,
    pub members_count: i32,
    pub volunteers_count: i32,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RoundRow {
    pub round_id: RoundId,
    pub district_id: DistrictId,
    pub street_id: Option<StreetId>,
    pub name: String,
    pub phase: Phase,
    /// JSON: `[{key, label_zh, label_en, max}]`.
    #[serde(skip)]
    pub criteria: String,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SourceRow {
    pub name: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PhaseDatesRow {
    pub phase: Phase,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct NewRound {
    pub district: DistrictId,
    pub street: Option<StreetId>,
    pub name: String,
    pub criteria: String,
    pub sources: Vec<SourceRow>,
    pub phases: Vec<PhaseDatesRow>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProjectRow {
    pub project_id: ProjectId,
    pub round_id: RoundId,
    pub community_id: CommunityId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub title: String,
    pub need: String,
    pub goals: String,
    pub plan: String,
    pub beneficiaries_target: i32,
    pub volunteers_planned: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lead_worker_account_id: Option<AccountId>,
    pub status: ProjectStatus,
    /// The sum of the budget lines.
    pub requested_fen: i64,
    pub awarded_fen: Option<i64>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_by_account_id: AccountId,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BudgetLineRow {
    pub line_id: i64,
    pub category: BudgetCategory,
    pub description: String,
    pub amount_fen: i64,
}

#[derive(Debug, Clone)]
pub struct NewBudgetLine {
    pub category: BudgetCategory,
    pub description: String,
    pub amount_fen: i64,
}

/// An application as entered (项目书).
#[derive(Debug, Clone)]
pub struct ApplicationInput {
    pub organisation: OrganisationId,
    pub title: String,
    pub need: String,
    pub goals: String,
    pub plan: String,
    pub beneficiaries_target: i32,
    pub volunteers_planned: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub lead_worker: Option<AccountId>,
    pub topics: Vec<TopicId>,
    pub lines: Vec<NewBudgetLine>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LinkedTopicRow {
    pub topic_id: TopicId,
    pub title: String,
    pub status: crate::hall::status::TopicStatus,
    pub member_count: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReviewRow {
    pub project_id: ProjectId,
    pub reviewer_account_id: AccountId,
    pub reviewer_name: String,
    /// JSON `{criterion: points}`.
    pub scores: String,
    pub total: i32,
    pub comment: Option<String>,
    pub conflict: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MilestoneRow {
    pub milestone_id: i64,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ActivityRow {
    pub activity_id: i64,
    pub held_on: NaiveDate,
    pub place: String,
    pub summary: String,
    pub participants: i32,
    pub beneficiaries: i32,
    /// Tenths of an hour.
    #[serde(skip)]
    pub volunteer_tenths: i32,
    /// JSON list of upload ids.
    #[serde(skip)]
    pub photos: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub held_on: NaiveDate,
    pub place: String,
    pub summary: String,
    pub participants: i32,
    pub beneficiaries: i32,
    pub volunteer_tenths: i32,
    pub photos: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SpendingRow {
    pub spending_id: i64,
    pub line_id: i64,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub note: String,
    pub receipt_upload_id: Option<String>,
    /// `recorded`, `pending` (over its line: waits for approval), `approved` or `refused`.
    pub state: SpendingState,
    pub approval_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSpending {
    pub line: i64,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub note: String,
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct VisitRow {
    pub visit_id: i64,
    pub project_id: ProjectId,
    pub supervisor_account_id: AccountId,
    pub supervisor_name: String,
    pub visited_on: NaiveDate,
    pub stage: VisitStage,
    pub findings: String,
    pub recommendations: String,
    pub follow_up: Option<String>,
    pub response: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One reviewer's scores of one application (saving again replaces them).
#[derive(Debug, Clone)]
pub struct NewReview {
    pub reviewer: AccountId,
    /// The scores per criterion, as JSON.
    pub scores: String,
    pub total: i32,
    pub comment: Option<String>,
    /// The reviewer declares a conflict of interest and abstains.
    pub conflict: bool,
}

#[derive(Debug, Clone)]
pub struct NewVisit {
    pub visited_on: NaiveDate,
    pub stage: VisitStage,
    pub findings: String,
    pub recommendations: String,
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EvaluationRow {
    pub finance_score: i32,
    pub finance_notes: String,
    pub operation_score: i32,
    pub operation_notes: String,
    pub results_score: i32,
    pub results_notes: String,
    pub grade: Grade,
    pub evaluated_by_account_id: AccountId,
    pub evaluated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewEvaluation {
    pub finance_score: i32,
    pub finance_notes: String,
    pub operation_score: i32,
    pub operation_notes: String,
    pub results_score: i32,
    pub results_notes: String,
    pub grade: Grade,
}

/// What residents did around a project: sign-ups and ratings, counted.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ResidentCounts {
    pub participants: i64,
    pub volunteers: i64,
    pub ratings: i64,
    /// Mean stars × 10 (integer), or 0 without ratings.
    pub rating_x10: i64,
}

/// The raw sums figures are computed from, for a set of projects.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProjectSums {
    pub applications: i64,
    pub funded: i64,
    pub requested_fen: i64,
    pub awarded_fen: i64,
    pub spent_fen: i64,
    pub activities: i64,
    pub beneficiaries: i64,
    pub volunteer_tenths: i64,
    pub evaluated: i64,
}

/// Organisations of an area by stage.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StageCount {
    pub stage: OrgStage,
    pub count: i64,
}

/// Which projects a query is about.
#[derive(Debug, Clone, Copy)]
pub enum ProjectScope<'a> {
    Round(RoundId),
    Communities(&'a [CommunityId]),
    One(ProjectId),
}

/// 社区社会组织: the registry.
#[async_trait]
pub trait OrganisationStore: Send + Sync {
    async fn create_organisation(
        &self,
        community: CommunityId,
        o: &OrganisationInput,
        audit: &Audit,
    ) -> anyhow::Result<OrganisationId>;
    async fn update_organisation(
        &self,
        id: OrganisationId,
        version: i32,
        o: &OrganisationInput,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn organisation(&self, id: OrganisationId) -> anyhow::Result<Option<OrganisationRow>>;
    async fn organisations(
        &self,
        communities: &[CommunityId],
    ) -> anyhow::Result<Vec<OrganisationRow>>;
    async fn organisations_led_by(
        &self,
        account: AccountId,
    ) -> anyhow::Result<Vec<OrganisationRow>>;
    async fn organisations_by_stage(
        &self,
        communities: &[CommunityId],
    ) -> anyhow::Result<Vec<StageCount>>;
}

/// 公益创投: rounds, applications, reviews and awards, and the figures.
#[async_trait]
pub trait FundingStore: Send + Sync {
    async fn create_round(&self, r: &NewRound, audit: &Audit) -> anyhow::Result<RoundId>;
    async fn round(&self, id: RoundId) -> anyhow::Result<Option<RoundRow>>;
    async fn rounds_of_district(&self, district: DistrictId) -> anyhow::Result<Vec<RoundRow>>;
    async fn round_sources(&self, id: RoundId) -> anyhow::Result<Vec<SourceRow>>;
    async fn round_phases(&self, id: RoundId) -> anyhow::Result<Vec<PhaseDatesRow>>;
    /// Move a round to `phase`; `Invalid` names the rule that refused it.
    async fn set_round_phase(
        &self,
        id: RoundId,
        version: i32,
        from: Phase,
        to: Phase,
        template: Option<&str>,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn round_reviewers(&self, id: RoundId) -> anyhow::Result<Vec<AccountId>>;
    async fn set_round_reviewers(
        &self,
        id: RoundId,
        reviewers: &[AccountId],
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn rounds_reviewed_by(&self, account: AccountId) -> anyhow::Result<Vec<RoundId>>;

    async fn create_application(
        &self,
        round: RoundId,
        community: CommunityId,
        a: &ApplicationInput,
        audit: &Audit,
    ) -> anyhow::Result<Edit<ProjectId>>;
    async fn update_application(
        &self,
        id: ProjectId,
        version: i32,
        a: &ApplicationInput,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn withdraw_application(
        &self,
        id: ProjectId,
        version: i32,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn project(&self, id: ProjectId) -> anyhow::Result<Option<ProjectRow>>;
    async fn projects(&self, scope: ProjectScope<'_>) -> anyhow::Result<Vec<ProjectRow>>;
    async fn projects_of_topic(&self, topic: TopicId) -> anyhow::Result<Vec<ProjectRow>>;
    async fn projects_supervised_by(&self, account: AccountId) -> anyhow::Result<Vec<ProjectId>>;
    async fn budget_lines(&self, id: ProjectId) -> anyhow::Result<Vec<BudgetLineRow>>;
    async fn linked_topics(&self, id: ProjectId) -> anyhow::Result<Vec<LinkedTopicRow>>;

    async fn save_review(
        &self,
        id: ProjectId,
        review: &NewReview,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn reviews(&self, scope: ProjectScope<'_>) -> anyhow::Result<Vec<ReviewRow>>;
    /// Approve (with the amount) or reject an application, with the reason.
    async fn decide_application(
        &self,
        id: ProjectId,
        version: i32,
        awarded_fen: Option<i64>,
        reason: &str,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn project_sums(&self, scope: ProjectScope<'_>) -> anyhow::Result<ProjectSums>;
}

/// Carrying a project out: milestones, activities, spending, supervision, evaluation, and what
/// residents do around it.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    async fn set_supervisors(
        &self,
        id: ProjectId,
        supervisors: &[AccountId],
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn supervisors(&self, id: ProjectId) -> anyhow::Result<Vec<AccountId>>;
    async fn add_milestone(
        &self,
        id: ProjectId,
        title: &str,
        due_on: NaiveDate,
        audit: &Audit,
    ) -> anyhow::Result<i64>;
    /// Mark a milestone reached; `None` when it is not the project's or already done.
    async fn complete_milestone(
        &self,
        id: ProjectId,
        milestone: i64,
        note: Option<&str>,
        template: Option<&str>,
        audit: &Audit,
    ) -> anyhow::Result<Option<MilestoneRow>>;
    async fn milestones(&self, id: ProjectId) -> anyhow::Result<Vec<MilestoneRow>>;
    async fn add_activity(
        &self,
        id: ProjectId,
        a: &NewActivity,
        audit: &Audit,
    ) -> anyhow::Result<Edit<i64>>;
    async fn activities(&self, id: ProjectId) -> anyhow::Result<Vec<ActivityRow>>;
    /// Record spending; over its line's amount it waits for approval (`pending`).
    async fn add_spending(
        &self,
        id: ProjectId,
        s: &NewSpending,
        audit: &Audit,
    ) -> anyhow::Result<Edit<SpendingRow>>;
    async fn decide_spending(
        &self,
        id: ProjectId,
        spending: i64,
        approve: bool,
        reason: &str,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn spending(&self, id: ProjectId) -> anyhow::Result<Vec<SpendingRow>>;

    async fn add_visit(&self, id: ProjectId, v: &NewVisit, audit: &Audit) -> anyhow::Result<i64>;
    async fn respond_to_visit(
        &self,
        id: ProjectId,
        visit: i64,
        response: &str,
        audit: &Audit,
    ) -> anyhow::Result<Edit<()>>;
    async fn visits(&self, id: ProjectId) -> anyhow::Result<Vec<VisitRow>>;
    async fn save_evaluation(
        &self,
        id: ProjectId,
        e: &NewEvaluation,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn evaluation(&self, id: ProjectId) -> anyhow::Result<Option<EvaluationRow>>;

    async fn sign_up(
        &self,
        id: ProjectId,
        account: AccountId,
        kind: SignupKind,
        at: DateTime<Utc>,
    ) -> anyhow::Result<bool>;
    async fn rate_project(
        &self,
        id: ProjectId,
        account: AccountId,
        stars: i32,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    /// The funded projects that show this upload, with their communities: `(community,
    /// project, true)` as an activity photo (residents see it), `(community, project, false)`
    /// as a receipt (staff only).
    async fn project_upload_communities(
        &self,
        upload: &str,
    ) -> anyhow::Result<Vec<(CommunityId, ProjectId, bool)>>;
    async fn resident_counts(&self, id: ProjectId) -> anyhow::Result<ResidentCounts>;
    async fn my_project_ties(
        &self,
        id: ProjectId,
        account: AccountId,
    ) -> anyhow::Result<(Vec<SignupKind>, Option<i32>)>;
}
