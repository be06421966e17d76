//! The figures of 公益创投 (one definition: `projects::figures`) for a round or for the caller's
//! area, as JSON for the dashboard and as an XLSX for the civil-affairs bureau; and a project's
//! printable report.
use super::access::{communities_of, funds, visible_project, visible_round};
use crate::auth::caller::{Caller, ProjectStaff, Staff};
use crate::domain::ids::{ProjectId, RoundId, StreetId};
use crate::error::{ApiError, ApiResult};
use crate::projects::codes::ProjectStatus;
use crate::projects::figures::{figures, Figures};
use crate::projects::xlsx::{workbook, ProjectLine};
use crate::state::AppState;
use crate::store::{ProjectRow, ProjectScope, StageCount};
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

/// Organisations by stage among those that applied in `projects`.
async fn stages_of(state: &AppState, projects: &[ProjectRow]) -> ApiResult<Vec<StageCount>> {
    let mut seen = Vec::new();
    let mut out: Vec<StageCount> = Vec::new();
    for p in projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Withdrawn)
    {
        if seen.contains(&p.organisation_id) {
            continue;
        }
        seen.push(p.organisation_id);
        if let Some(o) = state.store.organisation(p.organisation_id).await? {
            match out.iter_mut().find(|c| c.stage == o.stage) {
                Some(c) => c.count += 1,
                None => out.push(StageCount {
                    stage: o.stage,
                    count: 1,
                }),
            }
        }
    }
    Ok(out)
}

async fn round_figures(
    state: &AppState,
    caller: &Caller,
    id: RoundId,
) -> ApiResult<(String, Figures, Vec<ProjectRow>)> {
    let r = visible_round(state, caller, id).await?;
    let projects = state
        .store
        .projects(ProjectScope::Round(r.round_id))
        .await?;
    let projects = if funds(caller, &r) {
        projects
    } else {
        // Outside the funders, figures cover the caller's own communities' projects.
        let mine = communities_of(state, caller).await?;
        projects
            .into_iter()
            .filter(|p| mine.contains(&p.community_id))
            .collect()
    };
    let mut sums = crate::store::ProjectSums::default();
    for p in &projects {
        add(
            &mut sums,
            &state
                .store
                .project_sums(ProjectScope::One(p.project_id))
                .await?,
        );
    }
    let stages = stages_of(state, &projects).await?;
    Ok((r.name, figures(&sums, &stages), projects))
}

fn add(to: &mut crate::store::ProjectSums, s: &crate::store::ProjectSums) {
    to.applications += s.applications;
    to.funded += s.funded;
    to.requested_fen += s.requested_fen;
    to.awarded_fen += s.awarded_fen;
    to.spent_fen += s.spent_fen;
    to.activities += s.activities;
    to.beneficiaries += s.beneficiaries;
    to.volunteer_tenths += s.volunteer_tenths;
    to.evaluated += s.evaluated;
}

/// A round's figures: for its funders every project, for others their communities' projects.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, body = Figures), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds/{id}/figures")]
pub async fn round(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<RoundId>,
) -> ApiResult<HttpResponse> {
    let (_, f, _) = round_figures(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(f))
}

async fn lines(state: &AppState, projects: Vec<ProjectRow>) -> ApiResult<Vec<ProjectLine>> {
    let mut out = Vec::new();
    for p in projects
        .into_iter()
        .filter(|p| p.status != ProjectStatus::Withdrawn)
    {
        let community = state
            .store
            .community(p.community_id)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        out.push(ProjectLine {
            community,
            sums: state
                .store
                .project_sums(ProjectScope::One(p.project_id))
                .await?,
            evaluation: state.store.evaluation(p.project_id).await?,
            project: p,
        });
    }
    Ok(out)
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{name}.xlsx\""),
        ))
        .body(bytes)
}

/// A round's report as XLSX: the figures, organisations by stage and one row per project.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/rounds/{id}/figures.xlsx")]
pub async fn round_export(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<RoundId>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let (name, f, projects) = round_figures(&state, &caller, id).await?;
    let lines = lines(&state, projects).await?;
    let bytes = workbook(&format!("公益创投统计：{name}"), &f, &lines)
        .map_err(|e| anyhow::anyhow!("building the workbook: {e}"))?;
    Ok(xlsx_response(bytes, &format!("round-{id}")))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AreaQuery {
    /// One street of the caller's area; the whole area when left out.
    pub street_id: Option<StreetId>,
}

async fn area_figures(
    state: &AppState,
    caller: &Caller,
    q: &AreaQuery,
) -> ApiResult<(Figures, Vec<ProjectRow>)> {
    let mut communities = caller.communities.clone();
    if let Some(s) = q.street_id {
        let mut keep = Vec::new();
        for c in communities {
            if state
                .store
                .community(c)
                .await?
                .is_some_and(|row| row.street_id == s)
            {
                keep.push(c);
            }
        }
        if keep.is_empty() {
            return Err(ApiError::not_found());
        }
        communities = keep;
    }
    let sums = state
        .store
        .project_sums(ProjectScope::Communities(&communities))
        .await?;
    let stages = state.store.organisations_by_stage(&communities).await?;
    let projects = state
        .store
        .projects(ProjectScope::Communities(&communities))
        .await?;
    Ok((figures(&sums, &stages), projects))
}

/// The figures of every round's projects in the caller's communities (an admin's district or
/// street, or one street of it), with the area's organisations by stage.
#[utoipa::path(params(AreaQuery), responses((status = 200, body = Figures)), tag = "projects", security(("bearer" = [])))]
#[get("/project-figures")]
pub async fn area(
    state: web::Data<AppState>,
    caller: Staff,
    q: web::Query<AreaQuery>,
) -> ApiResult<HttpResponse> {
    let (f, _) = area_figures(&state, &caller, &q).await?;
    Ok(HttpResponse::Ok().json(f))
}

/// The area's report as XLSX.
#[utoipa::path(params(AreaQuery), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), tag = "projects", security(("bearer" = [])))]
#[get("/project-figures.xlsx")]
pub async fn area_export(
    state: web::Data<AppState>,
    caller: Staff,
    q: web::Query<AreaQuery>,
) -> ApiResult<HttpResponse> {
    let (f, projects) = area_figures(&state, &caller, &q).await?;
    let lines = lines(&state, projects).await?;
    let bytes = workbook("社区公益项目统计", &f, &lines)
        .map_err(|e| anyhow::anyhow!("building the workbook: {e}"))?;
    Ok(xlsx_response(bytes, "project-figures"))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A project's printable report: application, award, delivery, supervision and evaluation.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "text/html"), (status = 404, body = crate::error::Problem)), tag = "projects", security(("bearer" = [])))]
#[get("/projects/{id}/report")]
pub async fn report(
    state: web::Data<AppState>,
    caller: ProjectStaff,
    path: web::Path<ProjectId>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    visible_project(&state, &caller, id).await?;
    let v = super::view::project_view(&state, &caller, id).await?;
    let p = &v.summary.row;
    let mut h = String::from("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>公益项目报告</title><style>body{font:16px/1.6 serif;margin:2em}table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #333;padding:4px 8px;text-align:left;vertical-align:top}h1{font-size:22px}h2{font-size:18px}</style></head><body>");
    h.push_str(&format!(
        "<h1>{}</h1><p>{} · {} · {}（{}）</p>",
        esc(&p.title),
        esc(&v.round.name),
        esc(&v.community_name),
        esc(&p.organisation_name),
        v.summary.status_label,
    ));
    h.push_str(&format!(
        "<table><tr><th>项目周期</th><td>{} 至 {}</td></tr><tr><th>申请金额</th><td>{} 元</td></tr><tr><th>资助金额</th><td>{} 元</td></tr><tr><th>已支出</th><td>{} 元（{}%）</td></tr><tr><th>里程碑</th><td>{}/{}（{}%）</td></tr><tr><th>目标受益人数</th><td>{}</td></tr></table>",
        p.starts_on, p.ends_on, yuan(p.requested_fen), yuan(p.awarded_fen.unwrap_or(0)),
        yuan(v.progress.spent_fen), v.progress.spent_percent,
        v.progress.milestones_done, v.progress.milestones, v.progress.percent, p.beneficiaries_target,
    ));
    h.push_str(&format!(
        "<h2>社区需求</h2><p>{}</p><h2>项目目标</h2><p>{}</p><h2>实施计划</h2><p>{}</p>",
        esc(&p.need),
        esc(&p.goals),
        esc(&p.plan)
    ));
    h.push_str("<h2>关联议题</h2><ul>");
    for t in &v.topics {
        h.push_str(&format!(
            "<li>{}（{} 条建议）</li>",
            esc(&t.title),
            t.member_count
        ));
    }
    h.push_str("</ul><h2>预算执行</h2><table><tr><th>科目</th><th>说明</th><th>预算（元）</th><th>已支出（元）</th></tr>");
    for l in &v.budget_lines {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.category_label,
            esc(&l.row.description),
            yuan(l.row.amount_fen),
            yuan(l.spent_fen)
        ));
    }
    h.push_str("</table><h2>活动记录</h2><table><tr><th>日期</th><th>地点</th><th>内容</th><th>参与</th><th>受益</th><th>志愿时长</th></tr>");
    for a in &v.activities {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td></tr>",
            a.row.held_on,
            esc(&a.row.place),
            esc(&a.row.summary),
            a.row.participants,
            a.row.beneficiaries,
            a.volunteer_hours
        ));
    }
    h.push_str("</table><h2>督导记录</h2><table><tr><th>日期</th><th>阶段</th><th>发现</th><th>建议</th><th>跟进与回复</th></tr>");
    for x in &v.visits {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            x.row.visited_on,
            x.stage_label,
            esc(&x.row.findings),
            esc(&x.row.recommendations),
            esc(x.row.follow_up.as_deref().unwrap_or("")),
            x.row
                .response
                .as_deref()
                .map(|r| format!("<br>回复：{}", esc(r)))
                .unwrap_or_default(),
        ));
    }
    h.push_str("</table><h2>结项评估</h2>");
    match &v.evaluation {
        Some(e) => h.push_str(&format!(
            "<table><tr><th>财务</th><td>{} 分</td><td>{}</td></tr><tr><th>项目运行</th><td>{} 分</td><td>{}</td></tr><tr><th>绩效</th><td>{} 分</td><td>{}</td></tr><tr><th>评估等级</th><td colspan=\"2\">{}（综合 {} 分）</td></tr></table>",
            e.row.finance_score, esc(&e.row.finance_notes), e.row.operation_score, esc(&e.row.operation_notes),
            e.row.results_score, esc(&e.row.results_notes), e.grade_label, e.overall,
        )),
        None => h.push_str("<p>（尚未评估）</p>"),
    }
    h.push_str("</body></html>");
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(h))
}
