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
        held_at: body.held_at,
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

async fn meeting_json(state: &AppState, m: MeetingRow) -> ApiResult<serde_json::Value> {
    let agenda = state.store.agenda(m.meeting_id).await?;
    let actions = state.store.actions(m.meeting_id).await?;
    let mut v = serde_json::to_value(&m).map_err(anyhow::Error::from)?;
    v["agenda"] = serde_json::to_value(agenda).map_err(anyhow::Error::from)?;
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
                "状态应为 planned / held / cancelled",
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
    let patch = MeetingPatch {
        title: opt_text("title", &body.title, 60)?,
        held_at: body.held_at,
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
                "决议方式应为 consensus 或 vote",
            ))
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
        let mut wb = Workbook::new();
        let s = wb.add_worksheet();
        s.set_name("议程与决议")?;
        s.write_string(0, 0, &m.title)?;
        s.write_string(
            1,
            0,
            format!(
                "时间：{}　地点：{}　出席：{} 人",
                local(m.held_at),
                m.place,
                m.attendance_count
            ),
        )?;
        for (c, h) in [
            "序号",
            "议题编号",
            "议题",
            "决议",
            "方式",
            "赞成",
            "反对",
            "弃权",
        ]
        .iter()
        .enumerate()
        {
            s.write_string(3, c as u16, *h)?;
        }
        for (i, a) in agenda.iter().enumerate() {
            let r = 4 + i as u32;
            s.write_number(r, 0, a.position)?;
            s.write_number(r, 1, a.topic_id.0 as f64)?;
            s.write_string(r, 2, &a.title)?;
            s.write_string(r, 3, a.decision.as_deref().unwrap_or(""))?;
            s.write_string(r, 4, a.decision_mode.as_deref().unwrap_or(""))?;
            for (c, v) in [a.votes_for, a.votes_against, a.votes_abstain]
                .iter()
                .enumerate()
            {
                if let Some(v) = v {
                    s.write_number(r, 5 + c as u16, *v)?;
                }
            }
        }
        let s = wb.add_worksheet();
        s.set_name("落实事项")?;
        for (c, h) in ["事项", "议题编号", "负责人", "期限", "完成"]
            .iter()
            .enumerate()
        {
            s.write_string(0, c as u16, *h)?;
        }
        for (i, a) in actions.iter().enumerate() {
            let r = 1 + i as u32;
            s.write_string(r, 0, &a.description)?;
            if let Some(t) = a.topic_id {
                s.write_number(r, 1, t.0 as f64)?;
            }
            s.write_string(r, 2, &a.owner)?;
            s.write_string(r, 3, a.due_on.map(|d| d.to_string()).unwrap_or_default())?;
            s.write_string(r, 4, if a.done { "是" } else { "否" })?;
        }
        let s = wb.add_worksheet();
        s.set_name("会议纪要")?;
        s.write_string(0, 0, m.minutes.as_deref().unwrap_or(""))?;
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
