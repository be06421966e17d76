//! Meetings (议事会): agenda, attendance, decisions and tallies, action items, minutes; a
//! printable page and an XLSX export.
use super::{done, etag, if_match, opt_text, text};
use crate::auth::caller::{Staff, Worker};
use crate::domain::ids::{CommunityId, MeetingId, TopicId};
use crate::error::{ApiError, ApiResult};
use crate::hall::status::{TimelineKind, TopicStatus};
use crate::routes::admin::audit_of;
use crate::state::AppState;
use crate::store::{
    Decision, MeetingPatch, MeetingRow, NewAction, NewMeeting, PublicNote, Scheduling, StatusChange,
};
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

fn scheduling(state: &AppState) -> Scheduling {
    Scheduling {
        due_at: state.settings.hall.due(TopicStatus::Scheduled, Utc::now()),
        template: state.settings.hall.template(),
    }
}

fn topic_list(ids: &[TopicId]) -> ApiResult<Vec<TopicId>> {
    let mut out: Vec<TopicId> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > 50 {
        return Err(ApiError::field(
            "topic_ids",
            "too_many",
            "一次议事会最多 50 个议题 / at most 50 topics",
        ));
    }
    Ok(out)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateMeeting {
    pub title: String,
    pub held_at: DateTime<Utc>,
    pub place: String,
    #[serde(default)]
    pub topic_ids: Vec<TopicId>,
}

/// A meeting's time within years 2000–2099: a typo such as year 281 would otherwise reach the
/// printed agenda and the XLSX export (which cannot hold it).
fn meeting_time(at: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    use chrono::Datelike;
    if (2000..2100).contains(&at.year()) {
        Ok(at)
    } else {
        Err(ApiError::field(
            "held_at",
            "out_of_range",
            format!("会议时间的年份应在 2000 至 2099 之间 / the meeting's year must be within 2000–2099 (got {})", at.year()),
        ))
    }
}

/// Plan a meeting. Agenda topics still new or accepted become 议事中 (residents are told).
#[utoipa::path(params(("id" = i64, Path)), request_body = CreateMeeting, responses((status = 201), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[post("/communities/{id}/meetings")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    body: web::Json<CreateMeeting>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let m = NewMeeting {
        community,
        title: text("title", &body.title, 2, 60)?,
        held_at: meeting_time(body.held_at)?,
        place: text("place", &body.place, 1, 100)?,
        topics: topic_list(&body.topic_ids)?,
    };
    let audit = audit_of(&caller, &req, None);
    let id = done(
        state
            .store
            .create_meeting(&m, &scheduling(&state), &audit)
            .await?,
    )?;
    let mut res = meeting_response(&state, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

/// A community's meetings, latest first.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200)), tag = "meetings", security(("bearer" = [])))]
#[get("/communities/{id}/meetings")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Staff,
    path: web::Path<CommunityId>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let items = state.store.meetings(community).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn visible_meeting(
    state: &AppState,
    caller: &crate::auth::caller::Caller,
    id: MeetingId,
) -> ApiResult<MeetingRow> {
    let m = state
        .store
        .meeting(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(m.community_id)?;
    Ok(m)
}

/// A meeting's status as people read it (Chinese, English).
pub fn meeting_status_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "planned" => ("计划中", "Planned"),
        "held" => ("已召开", "Held"),
        "cancelled" => ("已取消", "Cancelled"),
        _ => ("未知", "Unknown"),
    }
}

/// How a decision was taken (Chinese, English).
pub fn decision_mode_label(mode: &str) -> (&'static str, &'static str) {
    match mode {
        "consensus" => ("协商一致", "Consensus"),
        "vote" => ("投票表决", "Vote"),
        _ => ("", ""),
    }
}

async fn meeting_json(state: &AppState, m: MeetingRow) -> ApiResult<serde_json::Value> {
    let agenda = state.store.agenda(m.meeting_id).await?;
    let actions = state.store.actions(m.meeting_id).await?;
    let mut v = serde_json::to_value(&m).map_err(anyhow::Error::from)?;
    let (zh, en) = meeting_status_label(&m.status);
    v["status_label"] = zh.into();
    v["status_label_en"] = en.into();
    let mut items = Vec::with_capacity(agenda.len());
    for a in agenda {
        let (zh, en) = decision_mode_label(a.decision_mode.as_deref().unwrap_or(""));
        let mut item = serde_json::to_value(&a).map_err(anyhow::Error::from)?;
        item["decision_mode_label"] = zh.into();
        item["decision_mode_label_en"] = en.into();
        items.push(item);
    }
    v["agenda"] = items.into();
    v["actions"] = serde_json::to_value(actions).map_err(anyhow::Error::from)?;
    Ok(v)
}

async fn meeting_response(state: &AppState, id: MeetingId) -> ApiResult<HttpResponse> {
    let m = state
        .store
        .meeting(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let version = m.version;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(meeting_json(state, m).await?))
}

/// One meeting with its agenda, decisions and action items (`ETag` = its version).
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200), (status = 404, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[get("/meetings/{id}")]
pub async fn detail(
    state: web::Data<AppState>,
    caller: Staff,
    path: web::Path<MeetingId>,
) -> ApiResult<HttpResponse> {
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    meeting_response(&state, m.meeting_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PatchMeeting {
    pub title: Option<String>,
    pub held_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    /// `planned`, `held` or `cancelled`.
    pub status: Option<String>,
    /// Everyone present, including residents without the app.
    pub attendance_count: Option<i32>,
    /// Optional names of those present.
    pub attendance_names: Option<String>,
    pub minutes: Option<String>,
}

/// Change a meeting: attendance, minutes, time, place, status (`If-Match`).
#[utoipa::path(params(("id" = i64, Path)), request_body = PatchMeeting, responses((status = 200), (status = 412, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[patch("/meetings/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<MeetingId>,
    body: web::Json<PatchMeeting>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    if let Some(s) = body.status.as_deref() {
        if !matches!(s, "planned" | "held" | "cancelled") {
            return Err(ApiError::field(
                "status",
                "invalid_status",
                "会议状态应为计划中、已召开或已取消 / planned, held or cancelled",
            ));
        }
    }
    if body
        .attendance_count
        .is_some_and(|n| !(0..=100_000).contains(&n))
    {
        return Err(ApiError::field(
            "attendance_count",
            "out_of_range",
            "出席人数应在 0–100000 之间 / 0–100000",
        ));
    }
    if let Some(n) = body.attendance_count {
        let most = state
            .store
            .agenda(m.meeting_id)
            .await?
            .iter()
            .map(tally_total)
            .max()
            .unwrap_or(0);
        if i64::from(n) < most {
            return Err(ApiError::field(
                "attendance_count",
                "below_recorded_votes",
                format!("已记录的表决共有 {most} 票，出席人数不能少于此数 / a recorded vote has {most} votes; attendance cannot be lower"),
            ));
        }
    }
    let patch = MeetingPatch {
        title: opt_text("title", &body.title, 60)?,
        held_at: body.held_at.map(meeting_time).transpose()?,
        place: opt_text("place", &body.place, 100)?,
        status: body.status.clone(),
        attendance_count: body.attendance_count,
        attendance_names: opt_text("attendance_names", &body.attendance_names, 2000)?,
        minutes: opt_text("minutes", &body.minutes, 20_000)?,
    };
    done(
        state
            .store
            .update_meeting(
                m.meeting_id,
                version,
                &patch,
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    meeting_response(&state, m.meeting_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Agenda {
    pub topic_ids: Vec<TopicId>,
}

/// Set the agenda (in order). New topics on it become 议事中; decided ones stay.
#[utoipa::path(params(("id" = i64, Path)), request_body = Agenda, responses((status = 200), (status = 409, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[put("/meetings/{id}/agenda")]
pub async fn set_agenda(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<MeetingId>,
    body: web::Json<Agenda>,
) -> ApiResult<HttpResponse> {
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    let topics = topic_list(&body.topic_ids)?;
    done(
        state
            .store
            .set_agenda(
                m.meeting_id,
                &topics,
                &scheduling(&state),
                &audit_of(&caller, &req, None),
            )
            .await?,
    )?;
    meeting_response(&state, m.meeting_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RecordDecision {
    pub topic_id: TopicId,
    pub decision: String,
    /// `consensus` (协商一致) or `vote` (表决).
    pub decision_mode: String,
    pub votes_for: Option<i32>,
    pub votes_against: Option<i32>,
    pub votes_abstain: Option<i32>,
}

/// Record the meeting's decision on an agenda topic: the topic becomes 已决议 and its authors
/// and supporters are told the decision.
#[utoipa::path(params(("id" = i64, Path)), request_body = RecordDecision, responses((status = 200), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[post("/meetings/{id}/decisions")]
pub async fn decide(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<MeetingId>,
    body: web::Json<RecordDecision>,
) -> ApiResult<HttpResponse> {
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    let decision = text("decision", &body.decision, 2, 2000)?;
    let mode = body.decision_mode.trim();
    let tally = [body.votes_for, body.votes_against, body.votes_abstain];
    match mode {
        "consensus" => {}
        "vote" => {
            if tally
                .iter()
                .any(|v| v.is_none_or(|n| !(0..=100_000).contains(&n)))
            {
                return Err(ApiError::field(
                    "votes_for",
                    "tally_required",
                    "表决须填写赞成、反对、弃权票数 / a vote needs for, against and abstain counts",
                ));
            }
        }
        _ => {
            return Err(ApiError::field(
                "decision_mode",
                "invalid_mode",
                "决议方式应为协商一致或投票表决 / consensus or vote",
            ))
        }
    }
    if mode == "vote" {
        // Everyone who votes was there: a tally cannot exceed the meeting's attendance.
        let votes: i64 = tally.iter().map(|v| i64::from(v.unwrap_or(0))).sum();
        if m.attendance_count <= 0 {
            return Err(ApiError::field(
                "votes_for",
                "attendance_required",
                "请先填写本次议事会的出席人数，再记录表决 / record the meeting's attendance before a vote",
            ));
        }
        if votes > i64::from(m.attendance_count) {
            return Err(ApiError::field(
                "votes_for",
                "tally_exceeds_attendance",
                format!(
                    "赞成、反对、弃权共 {votes} 票，超过出席人数 {} 人 / {votes} votes but {} attended",
                    m.attendance_count, m.attendance_count
                ),
            ));
        }
    }
    let tally_text = match mode {
        "vote" => format!(
            "（表决：赞成 {}，反对 {}，弃权 {}）",
            body.votes_for.unwrap_or(0),
            body.votes_against.unwrap_or(0),
            body.votes_abstain.unwrap_or(0)
        ),
        _ => "（协商一致）".into(),
    };
    let d = Decision {
        topic: body.topic_id,
        decision: decision.clone(),
        mode: mode.into(),
        votes_for: if mode == "vote" { body.votes_for } else { None },
        votes_against: if mode == "vote" {
            body.votes_against
        } else {
            None
        },
        votes_abstain: if mode == "vote" {
            body.votes_abstain
        } else {
            None
        },
    };
    let change = StatusChange {
        status: TopicStatus::Decided,
        reason: None,
        due_at: state.settings.hall.due(TopicStatus::Decided, Utc::now()),
        note: Some(PublicNote {
            kind: TimelineKind::Decided,
            body: format!("议事会《{}》决议：{decision}{tally_text}", m.title),
            meeting: Some(m.meeting_id),
            template: state.settings.hall.template(),
        }),
        reopen: false,
    };
    done(
        state
            .store
            .record_decision(m.meeting_id, &d, &change, &audit_of(&caller, &req, None))
            .await?,
    )?;
    meeting_response(&state, m.meeting_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateAction {
    pub topic_id: Option<TopicId>,
    pub description: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
}

/// An action item: who does what by when.
#[utoipa::path(params(("id" = i64, Path)), request_body = CreateAction, responses((status = 201), (status = 409, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[post("/meetings/{id}/actions")]
pub async fn add_action(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<MeetingId>,
    body: web::Json<CreateAction>,
) -> ApiResult<HttpResponse> {
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    let a = NewAction {
        topic: body.topic_id,
        description: text("description", &body.description, 2, 500)?,
        owner: text("owner", &body.owner, 1, 50)?,
        due_on: body.due_on,
    };
    done(
        state
            .store
            .add_action(m.meeting_id, &a, &audit_of(&caller, &req, None))
            .await?,
    )?;
    let mut res = meeting_response(&state, m.meeting_id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActionDone {
    pub done: bool,
}

#[utoipa::path(params(("id" = i64, Path)), request_body = ActionDone, responses((status = 200), (status = 404, body = crate::error::Problem)), tag = "meetings", security(("bearer" = [])))]
#[patch("/meeting-actions/{id}")]
pub async fn action_done(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Json<ActionDone>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let meeting = state
        .store
        .action_meeting(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    visible_meeting(&state, &caller, meeting).await?;
    done(
        state
            .store
            .set_action_done(id, body.done, &audit_of(&caller, &req, None))
            .await?,
    )?;
    meeting_response(&state, meeting).await
}

/// Votes recorded on an agenda item.
fn tally_total(a: &crate::store::AgendaRow) -> i64 {
    [a.votes_for, a.votes_against, a.votes_abstain]
        .iter()
        .map(|v| i64::from(v.unwrap_or(0)))
        .sum()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::hall::shanghai())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A printable page of the meeting: agenda, decisions, action items and minutes.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "text/html")), tag = "meetings", security(("bearer" = [])))]
#[get("/meetings/{id}/print")]
pub async fn print(
    state: web::Data<AppState>,
    caller: Staff,
    path: web::Path<MeetingId>,
) -> ApiResult<HttpResponse> {
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    let agenda = state.store.agenda(m.meeting_id).await?;
    let actions = state.store.actions(m.meeting_id).await?;
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>议事会纪要</title><style>body{font:16px/1.6 serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:4px 8px;text-align:left;vertical-align:top}h1{font-size:22px}@media print{a{display:none}}</style></head><body>");
    h.push_str(&format!(
        "<h1>{}</h1><p>时间：{}　地点：{}　出席：{} 人{}</p>",
        esc(&m.title),
        local(m.held_at),
        esc(&m.place),
        m.attendance_count,
        m.attendance_names
            .as_deref()
            .map(|n| format!("（{}）", esc(n)))
            .unwrap_or_default()
    ));
    h.push_str("<h2>议程与决议</h2><table><tr><th>#</th><th>议题</th><th>决议</th><th>方式</th><th>赞成/反对/弃权</th></tr>");
    for a in &agenda {
        let tally = match (a.votes_for, a.votes_against, a.votes_abstain) {
            (Some(f), Some(x), Some(b)) => format!("{f}/{x}/{b}"),
            _ => String::new(),
        };
        let mode = match a.decision_mode.as_deref() {
            Some("vote") => "表决",
            Some("consensus") => "协商一致",
            _ => "",
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{mode}</td><td>{tally}</td></tr>",
            a.position,
            esc(&a.title),
            esc(a.decision.as_deref().unwrap_or("")),
        ));
    }
    h.push_str("</table><h2>落实事项</h2><table><tr><th>事项</th><th>负责人</th><th>期限</th><th>完成</th></tr>");
    for a in &actions {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.description),
            esc(&a.owner),
            a.due_on.map(|d| d.to_string()).unwrap_or_default(),
            if a.done { "是" } else { "否" }
        ));
    }
    h.push_str(&format!(
        "</table><h2>会议纪要</h2><div style=\"white-space:pre-wrap\">{}</div></body></html>",
        esc(m.minutes.as_deref().unwrap_or(""))
    ));
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(h))
}

/// The meeting as an XLSX workbook: agenda and decisions, action items, minutes.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), tag = "meetings", security(("bearer" = [])))]
#[get("/meetings/{id}/export.xlsx")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Staff,
    path: web::Path<MeetingId>,
) -> ApiResult<HttpResponse> {
    use rust_xlsxwriter::Workbook;
    let m = visible_meeting(&state, &caller, path.into_inner()).await?;
    let agenda = state.store.agenda(m.meeting_id).await?;
    let actions = state.store.actions(m.meeting_id).await?;
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use crate::hall::xlsx;
        let mut wb = Workbook::new();
        let bold = xlsx::header();
        let when = xlsx::datetime_format();
        let day = xlsx::date_format();
        let wrap = xlsx::wrap();
        let s = wb.add_worksheet();
        s.set_name("会议信息")?;
        s.set_column_width(0, 12)?;
        s.set_column_width(1, 60)?;
        let (status_zh, _) = meeting_status_label(&m.status);
        s.write_string_with_format(0, 0, "会议", &bold)?;
        s.write_string(0, 1, &m.title)?;
        s.write_string_with_format(1, 0, "时间", &bold)?;
        xlsx::write_time(s, 1, 1, m.held_at, &when)?;
        s.write_string_with_format(2, 0, "地点", &bold)?;
        s.write_string(2, 1, &m.place)?;
        s.write_string_with_format(3, 0, "状态", &bold)?;
        s.write_string(3, 1, status_zh)?;
        s.write_string_with_format(4, 0, "出席人数", &bold)?;
        s.write_number(4, 1, m.attendance_count)?;
        s.write_string_with_format(5, 0, "出席人员", &bold)?;
        s.write_string_with_format(
            5,
            1,
            m.attendance_names.as_deref().unwrap_or("未记录"),
            &wrap,
        )?;
        let s = wb.add_worksheet();
        s.set_name("议程与决议")?;
        xlsx::headers(
            s,
            0,
            &[
                ("序号", 6.0),
                ("议题编号", 10.0),
                ("议题", 30.0),
                ("议题状态", 10.0),
                ("决议", 50.0),
                ("表决方式", 10.0),
                ("赞成", 8.0),
                ("反对", 8.0),
                ("弃权", 8.0),
            ],
        )?;
        for (i, a) in agenda.iter().enumerate() {
            let r = 1 + i as u32;
            s.write_number(r, 0, a.position)?;
            s.write_number(r, 1, a.topic_id.0 as f64)?;
            s.write_string(r, 2, &a.title)?;
            s.write_string(r, 3, a.status.label())?;
            s.write_string_with_format(
                r,
                4,
                a.decision.as_deref().unwrap_or("（尚无决议）"),
                &wrap,
            )?;
            s.write_string(
                r,
                5,
                decision_mode_label(a.decision_mode.as_deref().unwrap_or("")).0,
            )?;
            for (c, v) in [a.votes_for, a.votes_against, a.votes_abstain]
                .iter()
                .enumerate()
            {
                if let Some(v) = v {
                    s.write_number(r, 6 + c as u16, *v)?;
                }
            }
        }
        let s = wb.add_worksheet();
        s.set_name("落实事项")?;
        xlsx::headers(
            s,
            0,
            &[
                ("事项", 40.0),
                ("议题编号", 10.0),
                ("负责人", 12.0),
                ("完成期限", 12.0),
                ("是否完成", 10.0),
            ],
        )?;
        for (i, a) in actions.iter().enumerate() {
            let r = 1 + i as u32;
            s.write_string_with_format(r, 0, &a.description, &wrap)?;
            if let Some(t) = a.topic_id {
                s.write_number(r, 1, t.0 as f64)?;
            }
            s.write_string(r, 2, &a.owner)?;
            if let Some(d) = a.due_on {
                xlsx::write_day(s, r, 3, d, &day)?;
            }
            s.write_string(r, 4, if a.done { "已完成" } else { "未完成" })?;
        }
        let s = wb.add_worksheet();
        s.set_name("会议纪要")?;
        s.set_column_width(0, 100)?;
        s.write_string_with_format(0, 0, m.minutes.as_deref().unwrap_or("（未填写）"), &wrap)?;
        wb.save_to_buffer()
    };
    let bytes = build().map_err(|e| anyhow::anyhow!("building the workbook: {e}"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"meeting-{}.xlsx\"", m.meeting_id),
        ))
        .body(bytes))
}
