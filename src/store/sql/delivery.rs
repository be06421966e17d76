//! Carrying a project out: milestones (residents of the linked topics are told when one is
//! reached), activities, spending against budget lines (over its line it waits for an
//! approval), supervision visits and their answers, the evaluation, and residents' sign-ups
//! and ratings.
use super::{audit, notifications, SqlStore, Tx};
use crate::domain::ids::*;
use crate::hall::status::TimelineKind;
use crate::projects::codes::{SignupKind, SpendingState};
use crate::store::splice::like_pattern;
use crate::store::{
    ActivityRow, Audit, DeliveryStore, Edit, EvaluationRow, MilestoneRow, NewActivity,
    NewEvaluation, NewSpending, NewVisit, PublicNote, ResidentCounts, SpendingRow, VisitRow,
};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

const COMMUNITY_OF_PROJECT: &str = "select community_id from project where project_id = $1";
const SUPERVISORS: &str =
    "select account_id from project_supervisor where project_id = $1 order by account_id";
const CLEAR_SUPERVISORS: &str = "delete from project_supervisor where project_id = $1";
const ADD_SUPERVISOR: &str =
    "insert into project_supervisor (project_id, account_id) values ($1, $2)";

const INSERT_MILESTONE: &str = "insert into milestone (project_id, title, due_on, created_at)
    values ($1, $2, $3, $4)
    returning milestone_id";
const COMPLETE_MILESTONE: &str = "update milestone set done_at = $1, done_note = $2
    where milestone_id = $3 and project_id = $4 and done_at is null";
const MILESTONE_BY_ID: &str = "select milestone_id, title, due_on, done_at, done_note
    from milestone where milestone_id = $1";
const MILESTONES: &str = "select milestone_id, title, due_on, done_at, done_note
    from milestone where project_id = $1 order by due_on, milestone_id";
const PROJECT_TOPICS: &str = "select p.title, t.topic_id, t.community_id
    from project p join project_topic pt on pt.project_id = p.project_id
        join topic t on t.topic_id = pt.topic_id
    where p.project_id = $1 order by t.topic_id";

const INSERT_ACTIVITY: &str = "insert into project_activity (project_id, held_on, place, summary,
        participants, beneficiaries, volunteer_tenths, photos, created_by_account_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    returning activity_id";
const ACTIVITIES: &str = "select activity_id, held_on, place, summary, participants,
        beneficiaries, volunteer_tenths, photos, created_at
    from project_activity where project_id = $1 order by held_on desc, activity_id desc";
const UPLOAD_EXISTS: &str = "select count(*) from upload where upload_id = $1";

const LINE_OF_PROJECT: &str =
    "select amount_fen from budget_line where line_id = $1 and project_id = $2";
const SPENT_ON_LINE: &str = "select cast(coalesce(sum(amount_fen), 0) as bigint)
    from project_spending where line_id = $1 and state in ('recorded', 'approved')";
const INSERT_SPENDING: &str = "insert into project_spending (project_id, line_id, amount_fen,
        spent_on, note, receipt_upload_id, state, created_by_account_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    returning spending_id";
const SPENDING_BY_ID: &str = "select spending_id, line_id, amount_fen, spent_on, note,
        receipt_upload_id, state, approval_reason, created_at
    from project_spending where spending_id = $1 and project_id = $2";
const SPENDING_OF_PROJECT: &str = "select spending_id, line_id, amount_fen, spent_on, note,
        receipt_upload_id, state, approval_reason, created_at
    from project_spending where project_id = $1 order by spent_on desc, spending_id desc";
const DECIDE_SPENDING: &str = "update project_spending set state = $1,
        approved_by_account_id = $2, approval_reason = $3
    where spending_id = $4 and project_id = $5 and state = 'pending'";

const INSERT_VISIT: &str = "insert into supervision_visit (project_id, supervisor_account_id,
        visited_on, stage, findings, recommendations, follow_up, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8)
    returning visit_id";
const VISITS: &str = "select v.visit_id, v.project_id, v.supervisor_account_id,
        a.display_name as supervisor_name, v.visited_on, v.stage, v.findings,
        v.recommendations, v.follow_up, v.response, v.responded_at, v.created_at
    from supervision_visit v join account a on a.account_id = v.supervisor_account_id
    where v.project_id = $1 order by v.visited_on, v.visit_id";
const RESPOND_TO_VISIT: &str = "update supervision_visit set response = $1,
        responded_by_account_id = $2, responded_at = $3
    where visit_id = $4 and project_id = $5 and follow_up is not null";

const UPSERT_EVALUATION: &str = "insert into project_evaluation (project_id, finance_score,
        finance_notes, operation_score, operation_notes, results_score, results_notes, grade,
        evaluated_by_account_id, evaluated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    on conflict (project_id) do update set finance_score = excluded.finance_score,
        finance_notes = excluded.finance_notes, operation_score = excluded.operation_score,
        operation_notes = excluded.operation_notes, results_score = excluded.results_score,
        results_notes = excluded.results_notes, grade = excluded.grade,
        evaluated_by_account_id = excluded.evaluated_by_account_id,
        evaluated_at = excluded.evaluated_at";
const EVALUATION: &str = "select finance_score, finance_notes, operation_score, operation_notes,
        results_score, results_notes, grade, evaluated_by_account_id, evaluated_at
    from project_evaluation where project_id = $1";

const INSERT_SIGNUP: &str = "insert into project_signup (project_id, account_id, kind, created_at)
    values ($1, $2, $3, $4)
    on conflict do nothing";
const UPSERT_RATING: &str = "insert into project_rating (project_id, account_id, stars, comment,
        created_at)
    values ($1, $2, $3, $4, $5)
    on conflict (project_id, account_id) do update set stars = excluded.stars,
        comment = excluded.comment, created_at = excluded.created_at";
const RESIDENT_COUNTS: &str = "select
    (select count(*) from project_signup where project_id = $1 and kind = 'participant')
        as participants,
    (select count(*) from project_signup where project_id = $1 and kind = 'volunteer')
        as volunteers,
    (select count(*) from project_rating where project_id = $1) as ratings,
    (select cast(coalesce(round(avg(stars) * 10), 0) as bigint) from project_rating
        where project_id = $1) as rating_x10";
/// `$1`: a `like` pattern finding the upload id in an activity's photo list.
const UPLOAD_AS_PHOTO: &str = "select distinct p.community_id, p.project_id from project_activity a
        join project p on p.project_id = a.project_id
    where p.status = 'approved' and a.photos like $1 escape '\\'";
const UPLOAD_AS_RECEIPT: &str =
    "select distinct p.community_id, p.project_id from project_spending s
        join project p on p.project_id = s.project_id
    where s.receipt_upload_id = $1";
const MY_SIGNUPS: &str =
    "select kind from project_signup where project_id = $1 and account_id = $2 order by kind";
const MY_RATING: &str =
    "select stars from project_rating where project_id = $1 and account_id = $2";

async fn community_tx(tx: &mut Tx<'_>, id: ProjectId) -> Result<Option<CommunityId>> {
    let query = sqlx::query_scalar(COMMUNITY_OF_PROJECT).bind(id);
    Ok(query.fetch_optional(&mut **tx).await?)
}

async fn upload_exists(tx: &mut Tx<'_>, upload: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(UPLOAD_EXISTS)
        .bind(upload)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

#[async_trait]
impl DeliveryStore for SqlStore {
    async fn set_supervisors(
        &self,
        id: ProjectId,
        supervisors: &[AccountId],
        audit: &Audit,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let community = community_tx(&mut tx, id).await?;
        let before: Vec<AccountId> = sqlx::query_scalar(SUPERVISORS)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query(CLEAR_SUPERVISORS)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for s in supervisors {
            sqlx::query(ADD_SUPERVISOR)
                .bind(id)
                .bind(s)
                .execute(&mut *tx)
                .await?;
        }
        audit::entry("project.supervisors", "project", id)
            .community(community)
            .before(json!({"supervisors": before}))
            .after(json!({"supervisors": supervisors}))
            .record_and_commit(tx, audit)
            .await
    }

    async fn supervisors(&self, id: ProjectId) -> Result<Vec<AccountId>> {
        let query = sqlx::query_scalar(SUPERVISORS).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn add_milestone(
        &self,
        id: ProjectId,
        title: &str,
        due_on: NaiveDate,
        audit: &Audit,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let community = community_tx(&mut tx, id).await?;
        let milestone: i64 = sqlx::query_scalar(INSERT_MILESTONE)
            .bind(id)
            .bind(title)
            .bind(due_on)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        audit::entry("project.milestone", "project", id)
            .community(community)
            .after(json!({"milestone_id": milestone, "title": title, "due_on": due_on}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(milestone)
    }

    async fn complete_milestone(
        &self,
        id: ProjectId,
        milestone: i64,
        note: Option<&str>,
        template: Option<&str>,
        audit: &Audit,
    ) -> Result<Option<MilestoneRow>> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(COMPLETE_MILESTONE)
            .bind(audit.at)
            .bind(note)
            .bind(milestone)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let row: MilestoneRow = sqlx::query_as(MILESTONE_BY_ID)
            .bind(milestone)
            .fetch_one(&mut *tx)
            .await?;
        let topics: Vec<(String, TopicId, CommunityId)> = sqlx::query_as(PROJECT_TOPICS)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        for (title, topic, community) in &topics {
            let note = PublicNote {
                kind: TimelineKind::Project,
                body: format!("社区公益项目《{title}》完成阶段目标：{}。", row.title),
                meeting: None,
                template: template.map(str::to_string),
            };
            notifications::publish(&mut tx, *topic, *community, &note, audit.actor, audit.at)
                .await?;
        }
        let community = community_tx(&mut tx, id).await?;
        audit::entry("project.milestone_done", "project", id)
            .community(community)
            .after(json!({"milestone_id": milestone, "note": note}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Some(row))
    }

    async fn milestones(&self, id: ProjectId) -> Result<Vec<MilestoneRow>> {
        let query = sqlx::query_as(MILESTONES).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn add_activity(
        &self,
        id: ProjectId,
        a: &NewActivity,
        audit: &Audit,
    ) -> Result<Edit<i64>> {
        let mut tx = self.write.begin().await?;
        for p in &a.photos {
            if !upload_exists(&mut tx, p).await? {
                return Ok(Edit::Invalid("unknown_upload"));
            }
        }
        let community = community_tx(&mut tx, id).await?;
        let photos = serde_json::to_string(&a.photos)?;
        let activity: i64 = sqlx::query_scalar(INSERT_ACTIVITY)
            .bind(id)
            .bind(a.held_on)
            .bind(&a.place)
            .bind(&a.summary)
            .bind(a.participants)
            .bind(a.beneficiaries)
            .bind(a.volunteer_tenths)
            .bind(&photos)
            .bind(audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        audit::entry("project.activity", "project", id)
            .community(community)
            .after(json!({
                "activity_id": activity,
                "held_on": a.held_on,
                "participants": a.participants,
                "beneficiaries": a.beneficiaries,
                "volunteer_tenths": a.volunteer_tenths,
                "photos": a.photos.len(),
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(activity))
    }

    async fn activities(&self, id: ProjectId) -> Result<Vec<ActivityRow>> {
        let query = sqlx::query_as(ACTIVITIES).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn add_spending(
        &self,
        id: ProjectId,
        s: &NewSpending,
        audit: &Audit,
    ) -> Result<Edit<SpendingRow>> {
        let mut tx = self.write.begin().await?;
        let line: Option<i64> = sqlx::query_scalar(LINE_OF_PROJECT)
            .bind(s.line)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(line_amount) = line else {
            return Ok(Edit::Invalid("unknown_line"));
        };
        if let Some(r) = &s.receipt {
            if !upload_exists(&mut tx, r).await? {
                return Ok(Edit::Invalid("unknown_upload"));
            }
        }
        let spent: i64 = sqlx::query_scalar(SPENT_ON_LINE)
            .bind(s.line)
            .fetch_one(&mut *tx)
            .await?;
        let state = if spent + s.amount_fen > line_amount {
            SpendingState::Pending
        } else {
            SpendingState::Recorded
        };
        let spending: i64 = sqlx::query_scalar(INSERT_SPENDING)
            .bind(id)
            .bind(s.line)
            .bind(s.amount_fen)
            .bind(s.spent_on)
            .bind(&s.note)
            .bind(s.receipt.as_deref())
            .bind(state)
            .bind(audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        let row: SpendingRow = sqlx::query_as(SPENDING_BY_ID)
            .bind(spending)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let community = community_tx(&mut tx, id).await?;
        audit::entry("project.spending", "project", id)
            .community(community)
            .after(json!({
                "spending_id": spending,
                "line_id": s.line,
                "amount_fen": s.amount_fen,
                "state": state,
                "receipt": s.receipt.is_some(),
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(row))
    }

    async fn decide_spending(
        &self,
        id: ProjectId,
        spending: i64,
        approve: bool,
        reason: &str,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let state = if approve {
            SpendingState::Approved
        } else {
            SpendingState::Refused
        };
        let done = sqlx::query(DECIDE_SPENDING)
            .bind(state)
            .bind(audit.actor)
            .bind(reason)
            .bind(spending)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            let row: Option<SpendingRow> = sqlx::query_as(SPENDING_BY_ID)
                .bind(spending)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(match row {
                None => Edit::NotFound,
                Some(_) => Edit::Invalid("not_pending"),
            });
        }
        let community = community_tx(&mut tx, id).await?;
        audit::entry("project.spending_decision", "project", id)
            .community(community)
            .before(json!({"spending_id": spending, "state": SpendingState::Pending}))
            .after(json!({"spending_id": spending, "state": state, "reason": reason}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn spending(&self, id: ProjectId) -> Result<Vec<SpendingRow>> {
        let query = sqlx::query_as(SPENDING_OF_PROJECT).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn add_visit(&self, id: ProjectId, v: &NewVisit, audit: &Audit) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let community = community_tx(&mut tx, id).await?;
        let visit: i64 = sqlx::query_scalar(INSERT_VISIT)
            .bind(id)
            .bind(audit.actor)
            .bind(v.visited_on)
            .bind(v.stage)
            .bind(&v.findings)
            .bind(&v.recommendations)
            .bind(v.follow_up.as_deref())
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        audit::entry("project.visit", "project", id)
            .community(community)
            .after(json!({
                "visit_id": visit,
                "visited_on": v.visited_on,
                "stage": v.stage,
                "follow_up": v.follow_up.is_some(),
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(visit)
    }

    async fn respond_to_visit(
        &self,
        id: ProjectId,
        visit: i64,
        response: &str,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(RESPOND_TO_VISIT)
            .bind(response)
            .bind(audit.actor)
            .bind(audit.at)
            .bind(visit)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Edit::NotFound);
        }
        let community = community_tx(&mut tx, id).await?;
        audit::entry("project.visit_response", "project", id)
            .community(community)
            .after(json!({"visit_id": visit, "response": response}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn visits(&self, id: ProjectId) -> Result<Vec<VisitRow>> {
        let query = sqlx::query_as(VISITS).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn save_evaluation(&self, id: ProjectId, e: &NewEvaluation, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let community = community_tx(&mut tx, id).await?;
        let before: Option<EvaluationRow> = sqlx::query_as(EVALUATION)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(UPSERT_EVALUATION)
            .bind(id)
            .bind(e.finance_score)
            .bind(&e.finance_notes)
            .bind(e.operation_score)
            .bind(&e.operation_notes)
            .bind(e.results_score)
            .bind(&e.results_notes)
            .bind(e.grade)
            .bind(audit.actor)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
        let mut entry = audit::entry("project.evaluate", "project", id)
            .community(community)
            .after(json!({
                "finance_score": e.finance_score,
                "operation_score": e.operation_score,
                "results_score": e.results_score,
                "grade": e.grade,
            }));
        if let Some(b) = before {
            entry = entry.before(json!({
                "finance_score": b.finance_score,
                "operation_score": b.operation_score,
                "results_score": b.results_score,
                "grade": b.grade,
            }));
        }
        entry.record_and_commit(tx, audit).await
    }

    async fn evaluation(&self, id: ProjectId) -> Result<Option<EvaluationRow>> {
        let query = sqlx::query_as(EVALUATION).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn sign_up(
        &self,
        id: ProjectId,
        account: AccountId,
        kind: SignupKind,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(INSERT_SIGNUP)
            .bind(id)
            .bind(account)
            .bind(kind)
            .bind(at)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn rate_project(
        &self,
        id: ProjectId,
        account: AccountId,
        stars: i32,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(UPSERT_RATING)
            .bind(id)
            .bind(account)
            .bind(stars)
            .bind(comment)
            .bind(at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn project_upload_communities(
        &self,
        upload: &str,
    ) -> Result<Vec<(CommunityId, ProjectId, bool)>> {
        let pattern = like_pattern(&format!("\"{upload}\""));
        let photos: Vec<(CommunityId, ProjectId)> = sqlx::query_as(UPLOAD_AS_PHOTO)
            .bind(pattern)
            .fetch_all(&self.read)
            .await?;
        let receipts: Vec<(CommunityId, ProjectId)> = sqlx::query_as(UPLOAD_AS_RECEIPT)
            .bind(upload)
            .fetch_all(&self.read)
            .await?;
        Ok(photos
            .into_iter()
            .map(|(c, p)| (c, p, true))
            .chain(receipts.into_iter().map(|(c, p)| (c, p, false)))
            .collect())
    }

    async fn resident_counts(&self, id: ProjectId) -> Result<ResidentCounts> {
        let query = sqlx::query_as(RESIDENT_COUNTS).bind(id);
        Ok(query.fetch_one(&self.read).await?)
    }

    async fn my_project_ties(
        &self,
        id: ProjectId,
        account: AccountId,
    ) -> Result<(Vec<SignupKind>, Option<i32>)> {
        let kinds: Vec<SignupKind> = sqlx::query_scalar(MY_SIGNUPS)
            .bind(id)
            .bind(account)
            .fetch_all(&self.read)
            .await?;
        let stars: Option<i32> = sqlx::query_scalar(MY_RATING)
            .bind(id)
            .bind(account)
            .fetch_optional(&self.read)
            .await?;
        Ok((kinds, stars))
    }
}
