//! 公益创投: rounds and their phases, applications (项目书) linked to the hall's topics, reviews,
//! awards, and the sums the figures are computed from. Entering 立项公示 and 公示结果 tells the
//! residents of every linked topic, on the topic's public timeline.
use super::{audit, notifications, SqlStore, Tx};
use crate::domain::ids::*;
use crate::hall::status::TimelineKind;
use crate::projects::codes::{Phase, ProjectStatus};
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::{
    ApplicationInput, Audit, BudgetLineRow, Edit, FundingStore, LinkedTopicRow, NewReview,
    NewRound, PhaseDatesRow, ProjectRow, ProjectScope, ProjectSums, PublicNote, ReviewRow,
    RoundRow, SourceRow,
};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const INSERT_ROUND: &str = "insert into funding_round (district_id, street_id, name, criteria,
        created_by_account_id, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $6)
    returning round_id";
const INSERT_SOURCE: &str =
    "insert into round_source (round_id, position, name, amount_fen) values ($1, $2, $3, $4)";
const INSERT_PHASE: &str =
    "insert into round_phase (round_id, phase, starts_on, ends_on) values ($1, $2, $3, $4)";
const SELECT_ROUND: &str = "select round_id, district_id, street_id, name, phase, criteria,
        created_at, version
    from funding_round";
const ROUND_BY_ID: &str = const_concat!(SELECT_ROUND, " where round_id = $1");
const ROUNDS_OF_DISTRICT: &str = const_concat!(
    SELECT_ROUND,
    " where district_id = $1 order by round_id desc"
);
const SOURCES: &str =
    "select name, amount_fen from round_source where round_id = $1 order by position";
const PHASES: &str = "select phase, starts_on, ends_on from round_phase where round_id = $1";
const SET_PHASE: &str = "update funding_round set phase = $1, updated_at = $2,
        version = version + 1
    where round_id = $3 and version = $4 and phase = $5";
const REVIEWERS: &str =
    "select account_id from round_reviewer where round_id = $1 order by account_id";
const CLEAR_REVIEWERS: &str = "delete from round_reviewer where round_id = $1";
const ADD_REVIEWER: &str = "insert into round_reviewer (round_id, account_id) values ($1, $2)";
const ROUNDS_OF_REVIEWER: &str =
    "select round_id from round_reviewer where account_id = $1 order by round_id";
const PHASE_OF_ROUND: &str = "select phase from funding_round where round_id = $1";
const POOL_OF_ROUND: &str = "select cast(coalesce(sum(amount_fen), 0) as bigint)
    from round_source where round_id = $1";

const UNDECIDED: &str = "select count(*) from project
    where round_id = $1 and status = 'submitted'";
const UNEVALUATED: &str = "select count(*) from project p
    where p.round_id = $1 and p.status = 'approved'
        and not exists (select 1 from project_evaluation e where e.project_id = p.project_id)";
/// The linked topics of the approved projects of a round, to tell their residents.
const APPROVED_TOPICS: &str = "select p.project_id, p.title, t.topic_id, t.community_id,
        p.awarded_fen, e.grade
    from project p
        join project_topic pt on pt.project_id = p.project_id
        join topic t on t.topic_id = pt.topic_id
        left join project_evaluation e on e.project_id = p.project_id
    where p.round_id = $1 and p.status = 'approved'
    order by p.project_id, t.topic_id";

const SELECT_PROJECT: &str = "select p.project_id, p.round_id, p.community_id, p.organisation_id,
        o.name as organisation_name, p.title, p.need, p.goals, p.plan, p.beneficiaries_target,
        p.volunteers_planned, p.starts_on, p.ends_on, p.lead_worker_account_id, p.status,
        cast(coalesce((select sum(b.amount_fen) from budget_line b
            where b.project_id = p.project_id), 0) as bigint) as requested_fen,
        p.awarded_fen, p.decision_reason, p.decided_at, p.created_by_account_id, p.created_at,
        p.version
    from project p join organisation o on o.organisation_id = p.organisation_id";
const PROJECT_BY_ID: &str = const_concat!(SELECT_PROJECT, " where p.project_id = $1");
const PROJECTS_OF_ROUND: &str = const_concat!(
    SELECT_PROJECT,
    " where p.round_id = $1 order by p.project_id"
);
const PROJECTS_OF_COMMUNITIES: &str = const_concat!(
    SELECT_PROJECT,
    " where p.community_id in ({ids}) order by p.project_id desc"
);
const PROJECTS_OF_TOPIC: &str = const_concat!(
    SELECT_PROJECT,
    " where p.project_id in (select project_id from project_topic where topic_id = $1)
    order by p.project_id"
);
const INSERT_PROJECT: &str = "insert into project (round_id, community_id, organisation_id,
        title, need, goals, plan, beneficiaries_target, volunteers_planned, starts_on, ends_on,
        lead_worker_account_id, created_by_account_id, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
    returning project_id";
const UPDATE_PROJECT: &str = "update project set organisation_id = $1, title = $2, need = $3,
        goals = $4, plan = $5, beneficiaries_target = $6, volunteers_planned = $7,
        starts_on = $8, ends_on = $9, lead_worker_account_id = $10, updated_at = $11,
        version = version + 1
    where project_id = $12 and version = $13 and status = 'submitted'";
const WITHDRAW_PROJECT: &str = "update project set status = 'withdrawn', updated_at = $1,
        version = version + 1
    where project_id = $2 and version = $3 and status = 'submitted'";
const ORGANISATION_IN_COMMUNITY: &str =
    "select count(*) from organisation where organisation_id = $1 and community_id = $2";
const TOPICS_IN_COMMUNITY: &str = "select count(*) from topic
    where topic_id in ({ids}) and community_id = $1 and status not in ('merged', 'rejected')";
const INSERT_PROJECT_TOPIC: &str =
    "insert into project_topic (project_id, topic_id) values ($1, $2)";
const CLEAR_PROJECT_TOPICS: &str = "delete from project_topic where project_id = $1";
const INSERT_LINE: &str = "insert into budget_line (project_id, position, category, description,
        amount_fen)
    values ($1, $2, $3, $4, $5)";
const CLEAR_LINES: &str = "delete from budget_line where project_id = $1";
const LINES: &str = "select line_id, category, description, amount_fen from budget_line
    where project_id = $1 order by position";
const LINKED_TOPICS: &str = "select t.topic_id, t.title, t.status, t.member_count
    from project_topic pt join topic t on t.topic_id = pt.topic_id
    where pt.project_id = $1 order by t.topic_id";
const PROJECTS_OF_SUPERVISOR: &str =
    "select project_id from project_supervisor where account_id = $1 order by project_id";

const UPSERT_REVIEW: &str = "insert into project_review (project_id, reviewer_account_id, scores,
        total, comment, conflict, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7)
    on conflict (project_id, reviewer_account_id) do update set scores = excluded.scores,
        total = excluded.total, comment = excluded.comment, conflict = excluded.conflict,
        updated_at = excluded.updated_at";
const SELECT_REVIEW: &str = "select r.project_id, r.reviewer_account_id,
        a.display_name as reviewer_name, r.scores, r.total, r.comment, r.conflict, r.updated_at
    from project_review r join project p on p.project_id = r.project_id
        join account a on a.account_id = r.reviewer_account_id";
const REVIEWS_OF_ROUND: &str = const_concat!(
    SELECT_REVIEW,
    " where p.round_id = $1 order by r.project_id, r.reviewer_account_id"
);
const REVIEWS_OF_COMMUNITIES: &str = const_concat!(
    SELECT_REVIEW,
    " where p.community_id in ({ids}) order by r.project_id, r.reviewer_account_id"
);
const REVIEWS_OF_PROJECT: &str = const_concat!(
    SELECT_REVIEW,
    " where r.project_id = $1 order by r.reviewer_account_id"
);
const DECIDE_PROJECT: &str = "update project set status = $1, awarded_fen = $2,
        decision_reason = $3, decided_by_account_id = $4, decided_at = $5, updated_at = $5,
        version = version + 1
    where project_id = $6 and version = $7 and status in ('submitted', 'approved', 'rejected')";
const AWARDED_ELSEWHERE: &str = "select cast(coalesce(sum(awarded_fen), 0) as bigint)
    from project where round_id = $1 and status = 'approved' and project_id <> $2";

/// The sums of the figures over the projects `{scope}` names (`p.` is the project).
const SUMS: &str = "select
    (select count(*) from project p where {scope} and p.status <> 'withdrawn') as applications,
    (select count(*) from project p where {scope} and p.status = 'approved') as funded,
    (select cast(coalesce(sum(b.amount_fen), 0) as bigint) from budget_line b
        join project p on p.project_id = b.project_id
        where {scope} and p.status <> 'withdrawn') as requested_fen,
    (select cast(coalesce(sum(p.awarded_fen), 0) as bigint) from project p
        where {scope} and p.status = 'approved') as awarded_fen,
    (select cast(coalesce(sum(s.amount_fen), 0) as bigint) from project_spending s
        join project p on p.project_id = s.project_id
        where {scope} and p.status = 'approved' and s.state in ('recorded', 'approved'))
        as spent_fen,
    (select count(*) from project_activity a join project p on p.project_id = a.project_id
        where {scope} and p.status = 'approved') as activities,
    (select cast(coalesce(sum(a.beneficiaries), 0) as bigint) from project_activity a
        join project p on p.project_id = a.project_id
        where {scope} and p.status = 'approved') as beneficiaries,
    (select cast(coalesce(sum(a.volunteer_tenths), 0) as bigint) from project_activity a
        join project p on p.project_id = a.project_id
        where {scope} and p.status = 'approved') as volunteer_tenths,
    (select count(*) from project_evaluation e join project p on p.project_id = e.project_id
        where {scope} and p.status = 'approved') as evaluated";

fn scope_sql(sql: &str, scope: ProjectScope<'_>) -> String {
    let filter = match scope {
        ProjectScope::Round(r) => format!("p.round_id = {}", r.0),
        ProjectScope::Communities(c) => with_ids("p.community_id in ({ids})", c),
        ProjectScope::One(p) => format!("p.project_id = {}", p.0),
    };
    sql.replace("{scope}", &filter)
}

fn money(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

async fn phase_tx(tx: &mut Tx<'_>, round: RoundId) -> Result<Option<Phase>> {
    let query = sqlx::query_scalar(PHASE_OF_ROUND).bind(round);
    Ok(query.fetch_optional(&mut **tx).await?)
}

/// Check an application's organisation and topics against its community; `Some(code)` names
/// what is wrong.
async fn check_links(
    tx: &mut Tx<'_>,
    community: CommunityId,
    a: &ApplicationInput,
) -> Result<Option<&'static str>> {
    let orgs: i64 = sqlx::query_scalar(ORGANISATION_IN_COMMUNITY)
        .bind(a.organisation)
        .bind(community)
        .fetch_one(&mut **tx)
        .await?;
    if orgs == 0 {
        return Ok(Some("unknown_organisation"));
    }
    let sql = with_ids(TOPICS_IN_COMMUNITY, &a.topics);
    let topics: i64 = sqlx::query_scalar(&sql)
        .bind(community)
        .fetch_one(&mut **tx)
        .await?;
    if topics != a.topics.len() as i64 {
        return Ok(Some("unknown_topic"));
    }
    Ok(None)
}

async fn write_links(tx: &mut Tx<'_>, id: ProjectId, a: &ApplicationInput) -> Result<()> {
    for t in &a.topics {
        sqlx::query(INSERT_PROJECT_TOPIC)
            .bind(id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    for (i, l) in a.lines.iter().enumerate() {
        sqlx::query(INSERT_LINE)
            .bind(id)
            .bind(i as i32)
            .bind(l.category)
            .bind(&l.description)
            .bind(l.amount_fen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn application_snapshot(a: &ApplicationInput) -> serde_json::Value {
    json!({
        "organisation_id": a.organisation,
        "title": a.title,
        "beneficiaries_target": a.beneficiaries_target,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "topics": a.topics,
        "budget_lines": a.lines.iter()
            .map(|l| json!({"category": l.category, "description": l.description, "amount_fen": l.amount_fen}))
            .collect::<Vec<_>>(),
    })
}

/// Tell the residents of every linked topic of the round's approved projects, on the topic's
/// timeline: at 立项公示 that it is funded, at 公示结果 how it was evaluated.
async fn tell_residents(
    tx: &mut Tx<'_>,
    round: RoundId,
    to: Phase,
    template: Option<&str>,
    audit: &Audit,
) -> Result<()> {
    type Linked = (
        ProjectId,
        String,
        TopicId,
        CommunityId,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<Linked> = sqlx::query_as(APPROVED_TOPICS)
        .bind(round)
        .fetch_all(&mut **tx)
        .await?;
    for (_, title, topic, community, awarded, grade) in rows {
        let body = match to {
            Phase::Announce => format!(
                "您关注的议题已立项为社区公益项目《{title}》，资助 {} 元，现予公示。",
                money(awarded.unwrap_or(0))
            ),
            _ => {
                let grade = grade
                    .as_deref()
                    .and_then(crate::projects::codes::Grade::parse)
                    .map(|g| g.label())
                    .unwrap_or("");
                format!("社区公益项目《{title}》已结项，评估结果：{grade}。欢迎评价。")
            }
        };
        let note = PublicNote {
            kind: TimelineKind::Project,
            body,
            meeting: None,
            template: template.map(str::to_string),
        };
        notifications::publish(tx, topic, community, &note, audit.actor, audit.at).await?;
    }
    Ok(())
}

#[async_trait]
impl FundingStore for SqlStore {
    async fn create_round(&self, r: &NewRound, audit: &Audit) -> Result<RoundId> {
        let mut tx = self.write.begin().await?;
        let id: RoundId = sqlx::query_scalar(INSERT_ROUND)
            .bind(r.district)
            .bind(r.street)
            .bind(&r.name)
            .bind(&r.criteria)
            .bind(audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        for (i, s) in r.sources.iter().enumerate() {
            sqlx::query(INSERT_SOURCE)
                .bind(id)
                .bind(i as i32)
                .bind(&s.name)
                .bind(s.amount_fen)
                .execute(&mut *tx)
                .await?;
        }
        for p in &r.phases {
            sqlx::query(INSERT_PHASE)
                .bind(id)
                .bind(p.phase)
                .bind(p.starts_on)
                .bind(p.ends_on)
                .execute(&mut *tx)
                .await?;
        }
        audit::entry("round.create", "funding_round", id)
            .after(json!({
                "name": r.name,
                "district_id": r.district,
                "street_id": r.street,
                "sources": r.sources,
                "phases": r.phases,
                "criteria": r.criteria,
            }))
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn round(&self, id: RoundId) -> Result<Option<RoundRow>> {
        let query = sqlx::query_as(ROUND_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn rounds_of_district(&self, district: DistrictId) -> Result<Vec<RoundRow>> {
        let query = sqlx::query_as(ROUNDS_OF_DISTRICT).bind(district);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn round_sources(&self, id: RoundId) -> Result<Vec<SourceRow>> {
        let query = sqlx::query_as(SOURCES).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn round_phases(&self, id: RoundId) -> Result<Vec<PhaseDatesRow>> {
        let query = sqlx::query_as(PHASES).bind(id);
        let mut rows: Vec<PhaseDatesRow> = query.fetch_all(&self.read).await?;
        rows.sort_by_key(|p| Phase::ALL.iter().position(|x| *x == p.phase));
        Ok(rows)
    }

    async fn set_round_phase(
        &self,
        id: RoundId,
        version: i32,
        from: Phase,
        to: Phase,
        template: Option<&str>,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let blocked = match to {
            Phase::Review => {
                let n: Vec<AccountId> = sqlx::query_scalar(REVIEWERS)
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                n.is_empty().then_some("no_reviewers")
            }
            Phase::Announce => {
                let n: i64 = sqlx::query_scalar(UNDECIDED)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                (n > 0).then_some("undecided_applications")
            }
            Phase::Published => {
                let n: i64 = sqlx::query_scalar(UNEVALUATED)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                (n > 0).then_some("unevaluated_projects")
            }
            _ => None,
        };
        if let Some(code) = blocked {
            return Ok(Edit::Invalid(code));
        }
        let done = sqlx::query(SET_PHASE)
            .bind(to)
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Edit::Stale);
        }
        if matches!(to, Phase::Announce | Phase::Published) {
            tell_residents(&mut tx, id, to, template, audit).await?;
        }
        audit::entry("round.phase", "funding_round", id)
            .before(json!({"phase": from}))
            .after(json!({"phase": to}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn round_reviewers(&self, id: RoundId) -> Result<Vec<AccountId>> {
        let query = sqlx::query_scalar(REVIEWERS).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn set_round_reviewers(
        &self,
        id: RoundId,
        reviewers: &[AccountId],
        audit: &Audit,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let before: Vec<AccountId> = sqlx::query_scalar(REVIEWERS)
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query(CLEAR_REVIEWERS)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for r in reviewers {
            sqlx::query(ADD_REVIEWER)
                .bind(id)
                .bind(r)
                .execute(&mut *tx)
                .await?;
        }
        audit::entry("round.reviewers", "funding_round", id)
            .before(json!({"reviewers": before}))
            .after(json!({"reviewers": reviewers}))
            .record_and_commit(tx, audit)
            .await
    }

    async fn rounds_reviewed_by(&self, account: AccountId) -> Result<Vec<RoundId>> {
        let query = sqlx::query_scalar(ROUNDS_OF_REVIEWER).bind(account);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn create_application(
        &self,
        round: RoundId,
        community: CommunityId,
        a: &ApplicationInput,
        audit: &Audit,
    ) -> Result<Edit<ProjectId>> {
        let mut tx = self.write.begin().await?;
        match phase_tx(&mut tx, round).await? {
            None => return Ok(Edit::NotFound),
            Some(Phase::Apply) => {}
            Some(_) => return Ok(Edit::Invalid("phase_closed")),
        }
        if let Some(code) = check_links(&mut tx, community, a).await? {
            return Ok(Edit::Invalid(code));
        }
        let id: ProjectId = sqlx::query_scalar(INSERT_PROJECT)
            .bind(round)
            .bind(community)
            .bind(a.organisation)
            .bind(&a.title)
            .bind(&a.need)
            .bind(&a.goals)
            .bind(&a.plan)
            .bind(a.beneficiaries_target)
            .bind(a.volunteers_planned)
            .bind(a.starts_on)
            .bind(a.ends_on)
            .bind(a.lead_worker)
            .bind(audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        write_links(&mut tx, id, a).await?;
        audit::entry("project.apply", "project", id)
            .community(community)
            .after(application_snapshot(a))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(id))
    }

    async fn update_application(
        &self,
        id: ProjectId,
        version: i32,
        a: &ApplicationInput,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let before: Option<ProjectRow> = sqlx::query_as(PROJECT_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Ok(Edit::NotFound);
        };
        if phase_tx(&mut tx, before.round_id).await? != Some(Phase::Apply) {
            return Ok(Edit::Invalid("phase_closed"));
        }
        if before.status != ProjectStatus::Submitted {
            return Ok(Edit::Invalid("not_editable"));
        }
        if let Some(code) = check_links(&mut tx, before.community_id, a).await? {
            return Ok(Edit::Invalid(code));
        }
        let done = sqlx::query(UPDATE_PROJECT)
            .bind(a.organisation)
            .bind(&a.title)
            .bind(&a.need)
            .bind(&a.goals)
            .bind(&a.plan)
            .bind(a.beneficiaries_target)
            .bind(a.volunteers_planned)
            .bind(a.starts_on)
            .bind(a.ends_on)
            .bind(a.lead_worker)
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Edit::Stale);
        }
        for sql in [CLEAR_PROJECT_TOPICS, CLEAR_LINES] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        write_links(&mut tx, id, a).await?;
        audit::entry("project.update", "project", id)
            .community(before.community_id)
            .before(json!({"title": before.title, "requested_fen": before.requested_fen}))
            .after(application_snapshot(a))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn withdraw_application(
        &self,
        id: ProjectId,
        version: i32,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let before: Option<ProjectRow> = sqlx::query_as(PROJECT_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Ok(Edit::NotFound);
        };
        if !matches!(
            phase_tx(&mut tx, before.round_id).await?,
            Some(Phase::Apply | Phase::Review)
        ) {
            return Ok(Edit::Invalid("phase_closed"));
        }
        if before.status != ProjectStatus::Submitted {
            return Ok(Edit::Invalid("not_editable"));
        }
        let done = sqlx::query(WITHDRAW_PROJECT)
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Edit::Stale);
        }
        audit::entry("project.withdraw", "project", id)
            .community(before.community_id)
            .before(json!({"status": before.status}))
            .after(json!({"status": ProjectStatus::Withdrawn}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn project(&self, id: ProjectId) -> Result<Option<ProjectRow>> {
        let query = sqlx::query_as(PROJECT_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn projects(&self, scope: ProjectScope<'_>) -> Result<Vec<ProjectRow>> {
        match scope {
            ProjectScope::Round(r) => {
                let query = sqlx::query_as(PROJECTS_OF_ROUND).bind(r);
                Ok(query.fetch_all(&self.read).await?)
            }
            ProjectScope::Communities(c) => {
                let sql = with_ids(PROJECTS_OF_COMMUNITIES, c);
                Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
            }
            ProjectScope::One(p) => Ok(self.project(p).await?.into_iter().collect()),
        }
    }

    async fn projects_of_topic(&self, topic: TopicId) -> Result<Vec<ProjectRow>> {
        let query = sqlx::query_as(PROJECTS_OF_TOPIC).bind(topic);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn projects_supervised_by(&self, account: AccountId) -> Result<Vec<ProjectId>> {
        let query = sqlx::query_scalar(PROJECTS_OF_SUPERVISOR).bind(account);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn budget_lines(&self, id: ProjectId) -> Result<Vec<BudgetLineRow>> {
        let query = sqlx::query_as(LINES).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn linked_topics(&self, id: ProjectId) -> Result<Vec<LinkedTopicRow>> {
        let query = sqlx::query_as(LINKED_TOPICS).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn save_review(&self, id: ProjectId, review: &NewReview, audit: &Audit) -> Result<()> {
        let NewReview {
            reviewer,
            scores,
            total,
            comment,
            conflict,
        } = review;
        let mut tx = self.write.begin().await?;
        sqlx::query(UPSERT_REVIEW)
            .bind(id)
            .bind(reviewer)
            .bind(scores)
            .bind(total)
            .bind(comment)
            .bind(conflict)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
        audit::entry("project.review", "project", id)
            .after(json!({
                "reviewer": reviewer,
                "scores": scores,
                "total": total,
                "conflict": conflict,
            }))
            .record_and_commit(tx, audit)
            .await
    }

    async fn reviews(&self, scope: ProjectScope<'_>) -> Result<Vec<ReviewRow>> {
        match scope {
            ProjectScope::Round(r) => {
                let query = sqlx::query_as(REVIEWS_OF_ROUND).bind(r);
                Ok(query.fetch_all(&self.read).await?)
            }
            ProjectScope::Communities(c) => {
                let sql = with_ids(REVIEWS_OF_COMMUNITIES, c);
                Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
            }
            ProjectScope::One(p) => {
                let query = sqlx::query_as(REVIEWS_OF_PROJECT).bind(p);
                Ok(query.fetch_all(&self.read).await?)
            }
        }
    }

    async fn decide_application(
        &self,
        id: ProjectId,
        version: i32,
        awarded_fen: Option<i64>,
        reason: &str,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let before: Option<ProjectRow> = sqlx::query_as(PROJECT_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Ok(Edit::NotFound);
        };
        if phase_tx(&mut tx, before.round_id).await? != Some(Phase::Review) {
            return Ok(Edit::Invalid("phase_closed"));
        }
        if before.status == ProjectStatus::Withdrawn {
            return Ok(Edit::Invalid("not_editable"));
        }
        if let Some(award) = awarded_fen {
            if award > before.requested_fen {
                return Ok(Edit::Invalid("over_request"));
            }
            let elsewhere: i64 = sqlx::query_scalar(AWARDED_ELSEWHERE)
                .bind(before.round_id)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let pool: i64 = sqlx::query_scalar(POOL_OF_ROUND)
                .bind(before.round_id)
                .fetch_one(&mut *tx)
                .await?;
            if elsewhere + award > pool {
                return Ok(Edit::Invalid("over_pool"));
            }
        }
        let status = if awarded_fen.is_some() {
            ProjectStatus::Approved
        } else {
            ProjectStatus::Rejected
        };
        let done = sqlx::query(DECIDE_PROJECT)
            .bind(status)
            .bind(awarded_fen)
            .bind(reason)
            .bind(audit.actor)
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(Edit::Stale);
        }
        audit::entry("project.decide", "project", id)
            .community(before.community_id)
            .before(json!({"status": before.status, "awarded_fen": before.awarded_fen}))
            .after(json!({"status": status, "awarded_fen": awarded_fen, "reason": reason}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn project_sums(&self, scope: ProjectScope<'_>) -> Result<ProjectSums> {
        let sql = scope_sql(SUMS, scope);
        Ok(sqlx::query_as(&sql).fetch_one(&self.read).await?)
    }
}
