//! Workers' corrections and the status workflow. Every one names the version it saw
//! (`If-Match`); a stale version is refused with 412, never silently overwritten.
use super::{done, if_match, invalid, opt_text, text, topic_response, visible_topic};
use crate::auth::caller::Worker;
use crate::domain::ids::{SuggestionId, TopicId};
use crate::error::{ApiError, ApiResult};
use crate::hall::status::{TimelineKind, TopicStatus};
use crate::hall::workflow;
use crate::routes::admin::audit_of;
use crate::state::AppState;
use crate::store::{PublicNote, StatusChange, TopicEdit};
use actix_web::{patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EditTopic {
    /// A worker's title (≤ 40 characters) is never replaced by the algorithm's label.
    pub title: Option<String>,
    pub summary: Option<String>,
    pub category: Option<String>,
    pub reason: Option<String>,
}

/// Rename, summarise or categorise a topic.
#[utoipa::path(params(("id" = i64, Path)), request_body = EditTopic, responses((status = 200, body = crate::routes::topics::TopicView), (status = 412, body = crate::error::Problem), (status = 428, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[patch("/topics/{id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: web::Json<EditTopic>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let edit = TopicEdit {
        title: opt_text("title", &body.title, 40)?.map(|t| crate::intake::mask::scrub_contacts(&t)),
        summary: opt_text("summary", &body.summary, 2000)?,
        category: opt_text("category", &body.category, 30)?,
    };
    let audit = audit_of(&caller, &req, opt_text("reason", &body.reason, 500)?);
    done(
        state
            .store
            .edit_topic(t.topic_id, version, &edit, &audit)
            .await?,
    )?;
    topic_response(&state, t.topic_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangeStatus {
    /// The status code to move to (parsed here, so an unknown one is `unknown_status`).
    #[schema(value_type = TopicStatus)]
    pub status: String,
    /// Public reason; required to reject.
    pub reason: Option<String>,
}

/// Move a topic along its workflow. Invalid transitions are refused with `invalid_transition`;
/// public ones add a timeline entry that notifies the topic's authors and supporters.
#[utoipa::path(params(("id" = i64, Path)), request_body = ChangeStatus, responses((status = 200, body = crate::routes::topics::TopicView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/topics/{id}/status")]
pub async fn status(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: web::Json<ChangeStatus>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    if t.version != version {
        return Err(super::stale());
    }
    let to = TopicStatus::parse(body.status.trim()).ok_or_else(|| {
        ApiError::field("status", "unknown_status", "没有这个状态 / unknown status")
    })?;
    if !workflow::allowed(t.status, to) {
        return Err(ApiError::conflict(
            "invalid_transition",
            format!("议题不能从“{}”变为“{}”", t.status.label(), to.label()),
            format!(
                "A topic cannot go from {} to {}",
                t.status.label_en(),
                to.label_en()
            ),
        ));
    }
    let reason = opt_text("reason", &body.reason, 500)?;
    if to == TopicStatus::Rejected && reason.is_none() {
        return Err(ApiError::field(
            "reason",
            "reason_required",
            "不予采纳须说明理由 / a rejection needs a public reason",
        ));
    }
    let now = chrono::Utc::now();
    let reopen = workflow::reopens(t.status, to);
    let (kind, body_text) = if reopen {
        let text = match &reason {
            Some(r) => format!("议题重新办理：{r}"),
            None => "议题重新办理".into(),
        };
        (Some(TimelineKind::Reopened), Some(text))
    } else {
        (
            TimelineKind::of_status(to),
            workflow::public_text(to, reason.as_deref()),
        )
    };
    let change = StatusChange {
        status: to,
        reason: reason.clone(),
        due_at: state.settings.hall.due(to, now),
        note: kind.zip(body_text).map(|(kind, b)| PublicNote {
            kind,
            body: b,
            meeting: None,
            template: state.settings.hall.template(),
        }),
        reopen,
    };
    let audit = audit_of(&caller, &req, reason);
    done(
        state
            .store
            .change_status(t.topic_id, version, &change, &audit)
            .await?,
    )?;
    topic_response(&state, t.topic_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Merge {
    pub into_topic_id: TopicId,
    /// Public reason shown to residents.
    pub reason: Option<String>,
}

/// Merge this topic into another: its members move, supporters are added once per person.
/// `If-Match` is this topic's version; the answer is the topic merged into.
#[utoipa::path(params(("id" = i64, Path)), request_body = Merge, responses((status = 200, body = crate::routes::topics::TopicView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/topics/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: web::Json<Merge>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let target = state
        .store
        .topic(body.into_topic_id)
        .await?
        .filter(|x| caller.in_scope(x.community_id) && x.community_id == t.community_id)
        .ok_or_else(|| invalid("unknown_topic"))?;
    let reason = opt_text("reason", &body.reason, 500)?;
    let note = PublicNote {
        kind: TimelineKind::Merged,
        body: match &reason {
            Some(r) => format!("已与议题《{}》合并办理：{r}", target.title),
            None => format!("已与议题《{}》合并办理", target.title),
        },
        meeting: None,
        template: state.settings.hall.template(),
    };
    let audit = audit_of(&caller, &req, reason);
    done(
        state
            .store
            .merge_topics(t.topic_id, version, target.topic_id, &note, &audit)
            .await?,
    )?;
    topic_response(&state, target.topic_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reason {
    pub reason: Option<String>,
}

/// Undo a merge: the members and supporters come back as they were. `If-Match` is the merged
/// topic's version; the answer is the restored topic.
#[utoipa::path(params(("id" = i64, Path)), request_body = Reason, responses((status = 200, body = crate::routes::topics::TopicView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/topics/{id}/unmerge")]
pub async fn unmerge(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: Option<web::Json<Reason>>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let reason = match &body {
        Some(b) => opt_text("reason", &b.reason, 500)?,
        None => None,
    };
    let merged_into = match t.merged_into_topic_id {
        Some(m) => state.store.topic(m).await?.map(|x| x.title),
        None => None,
    };
    let note = PublicNote {
        kind: crate::hall::status::TimelineKind::Reply,
        body: match merged_into {
            Some(title) => format!("此前与议题《{title}》的合并已撤销，本议题恢复单独办理"),
            None => "此前的合并已撤销，本议题恢复单独办理".into(),
        },
        meeting: None,
        template: state.settings.hall.template(),
    };
    let audit = audit_of(&caller, &req, reason);
    done(
        state
            .store
            .unmerge_topic(t.topic_id, version, &note, &audit)
            .await?,
    )?;
    topic_response(&state, t.topic_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Split {
    pub suggestion_ids: Vec<SuggestionId>,
    pub title: Option<String>,
    pub reason: Option<String>,
}

/// Split chosen members into a new topic (they are pinned there). Answers 201 with it.
#[utoipa::path(params(("id" = i64, Path)), request_body = Split, responses((status = 201, body = crate::routes::topics::TopicView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/topics/{id}/split")]
pub async fn split(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: web::Json<Split>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let mut ids = body.suggestion_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 500 {
        return Err(ApiError::field(
            "suggestion_ids",
            "invalid_count",
            "请选择 1–500 条建议 / choose 1–500 suggestions",
        ));
    }
    let title = match opt_text("title", &body.title, 40)? {
        Some(t) => crate::intake::mask::scrub_contacts(&t),
        None => {
            let first = state.store.suggestions_by_ids(&ids[..1]).await?;
            let s = first.first().ok_or_else(|| invalid("not_a_member"))?;
            let src = s
                .title
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| s.body.clone());
            crate::intake::mask::scrub_contacts(src.trim())
                .chars()
                .take(20)
                .collect()
        }
    };
    let due = state
        .settings
        .hall
        .due(TopicStatus::New, chrono::Utc::now());
    let audit = audit_of(&caller, &req, opt_text("reason", &body.reason, 500)?);
    let new_id = done(
        state
            .store
            .split_topic(t.topic_id, version, &ids, &title, due, &audit)
            .await?,
    )?;
    let mut res = topic_response(&state, new_id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Move {
    pub topic_id: TopicId,
    pub reason: Option<String>,
}

/// Move a suggestion into another topic of its community; it is pinned there (the algorithm
/// never moves it again). `If-Match` is the target topic's version.
#[utoipa::path(params(("id" = i64, Path)), request_body = Move, responses((status = 200, body = crate::routes::topics::TopicView), (status = 409, body = crate::error::Problem), (status = 412, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/suggestions/{id}/move")]
pub async fn move_suggestion(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<SuggestionId>,
    body: web::Json<Move>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&req)?;
    let target = visible_topic(&state, &caller, body.topic_id).await?;
    let audit = audit_of(&caller, &req, opt_text("reason", &body.reason, 500)?);
    done(
        state
            .store
            .move_suggestion(path.into_inner(), target.topic_id, version, &audit)
            .await?,
    )?;
    topic_response(&state, target.topic_id).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Pin {
    pub pinned: bool,
}

/// Pin a suggestion to its topic (or release it).
#[utoipa::path(params(("id" = i64, Path)), request_body = Pin, responses((status = 204), (status = 409, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/suggestions/{id}/pin")]
pub async fn pin(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<SuggestionId>,
    body: web::Json<Pin>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let s = state
        .store
        .suggestions_by_ids(&[id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    caller.community(s.community_id)?;
    let audit = audit_of(&caller, &req, None);
    done(state.store.pin_suggestion(id, body.pinned, &audit).await?)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reply {
    pub body: String,
}

/// A public reply on the topic's timeline; its authors and supporters are notified.
#[utoipa::path(params(("id" = i64, Path)), request_body = Reply, responses((status = 201), (status = 422, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/topics/{id}/replies")]
pub async fn reply(
    state: web::Data<AppState>,
    caller: Worker,
    req: HttpRequest,
    path: web::Path<TopicId>,
    body: web::Json<Reply>,
) -> ApiResult<HttpResponse> {
    let t = visible_topic(&state, &caller, path.into_inner()).await?;
    let note = PublicNote {
        kind: TimelineKind::Reply,
        body: text("body", &body.body, 2, 1000)?,
        meeting: None,
        template: state.settings.hall.template(),
    };
    let audit = audit_of(&caller, &req, None);
    done(state.store.add_note(t.topic_id, &note, &audit).await?)?;
    Ok(HttpResponse::Created().json(serde_json::json!({"topic_id": t.topic_id})))
}
