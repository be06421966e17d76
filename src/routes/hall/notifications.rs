//! Notifications: residents' in-app notices and subscribe-message grants; the call-back list
//! of paper submitters for volunteers.
use crate::auth::caller::{Resident, Staff};
use crate::domain::ids::{CommunityId, TopicId};
use crate::error::{ApiError, ApiResult};
use crate::hall::status::TimelineKind;
use crate::routes::admin::audit_of;
use crate::state::AppState;
use crate::store::NotificationRow;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Page {
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

/// The resident's notices, newest first, with the unread count.
#[utoipa::path(params(Page), responses((status = 200)), tag = "residents", security(("bearer" = [])))]
#[get("/me/notifications")]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Resident,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let (items, unread) = state
        .store
        .notifications(caller.account_id, q.cursor, limit)
        .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|n| n.notification_id))
        .flatten();
    let items: Vec<NotificationView> = items.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"items": items, "unread": unread, "next_cursor": next_cursor})))
}

/// A resident's in-app notice.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub notification_id: i64,
    pub topic_id: TopicId,
    /// The topic's title.
    pub title: String,
    pub kind: TimelineKind,
    /// The kind for people, in Chinese (`kind_label_en`: in English).
    pub kind_label: &'static str,
    pub kind_label_en: &'static str,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read: bool,
}

impl From<NotificationRow> for NotificationView {
    fn from(n: NotificationRow) -> Self {
        Self {
            notification_id: n.notification_id,
            topic_id: n.topic_id,
            title: n.title,
            kind: n.kind,
            kind_label: n.kind.label(),
            kind_label_en: n.kind.label_en(),
            body: n.body,
            created_at: n.created_at,
            read: n.read,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Read {
    /// Absent: all.
    pub ids: Option<Vec<i64>>,
}

#[utoipa::path(request_body = Read, responses((status = 204)), tag = "residents", security(("bearer" = [])))]
#[post("/me/notifications/read")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Resident,
    body: Option<web::Json<Read>>,
) -> ApiResult<HttpResponse> {
    let ids = body.and_then(|b| b.into_inner().ids);
    if ids.as_ref().is_some_and(|i| i.len() > 500) {
        return Err(ApiError::field(
            "ids",
            "too_many",
            "一次最多 500 条 / at most 500",
        ));
    }
    state
        .store
        .mark_read(caller.account_id, ids.as_deref())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The subscribe-message templates the mini-program should ask residents to grant.
#[utoipa::path(responses((status = 200)), tag = "residents")]
#[get("/subscribe-templates")]
pub async fn templates(state: web::Data<AppState>) -> HttpResponse {
    let templates: Vec<serde_json::Value> = state
        .settings
        .hall
        .template()
        .into_iter()
        .map(|t| serde_json::json!({"template_id": t, "kind": "progress", "title": "议题进展通知"}))
        .collect();
    HttpResponse::Ok().json(serde_json::json!({ "templates": templates }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Grants {
    /// Template ids the resident accepted in `wx.requestSubscribeMessage`.
    pub accepted: Vec<String>,
}

/// Record the grants a resident just gave: each allows one message.
#[utoipa::path(request_body = Grants, responses((status = 204), (status = 422, body = crate::error::Problem)), tag = "residents", security(("bearer" = [])))]
#[post("/me/subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    caller: Resident,
    body: web::Json<Grants>,
) -> ApiResult<HttpResponse> {
    let known = state.settings.hall.template();
    let accepted: Vec<String> = body.accepted.iter().map(|t| t.trim().to_string()).collect();
    if accepted.len() > 10 || accepted.iter().any(|t| Some(t) != known.as_ref()) {
        return Err(ApiError::field(
            "accepted",
            "unknown_template",
            "包含未知的订阅消息模板 / unknown subscribe-message template",
        ));
    }
    state.store.add_grants(caller.account_id, &accepted).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    pub done: Option<bool>,
}

/// Paper submitters without an account to call back about their topic's progress: one row per
/// person and topic, with every notice since the last call. Their phone number is shown in full
/// here only, to staff of that community, because calling needs it.
#[utoipa::path(params(("id" = i64, Path), CallbackQuery), responses((status = 200, body = crate::hall::callbacks::CallbackList), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[get("/communities/{id}/callbacks")]
pub async fn callbacks(
    state: web::Data<AppState>,
    caller: Staff,
    req: HttpRequest,
    path: web::Path<CommunityId>,
    q: web::Query<CallbackQuery>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let items = crate::hall::callbacks::group(
        state
            .store
            .callback_notices(community, q.done.unwrap_or(false))
            .await?,
    );
    // Full names and phones are shown here: the access log records who saw whose.
    crate::routes::privacy::access_log::log_callback_reveals(
        &state, &caller, &req, community, &items,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(crate::hall::callbacks::CallbackList { items }))
}

/// Mark a call-back made: every open notice of that person about that topic.
#[utoipa::path(params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)), tag = "hall", security(("bearer" = [])))]
#[post("/callbacks/{id}/done")]
pub async fn callback_done(
    state: web::Data<AppState>,
    caller: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let community = state
        .store
        .callback_community(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.community(community)?;
    state
        .store
        .callback_group_done(id, &audit_of(&caller, &req, None))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
