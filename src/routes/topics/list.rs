use super::TopicView;
use crate::auth::caller::Caller;
use crate::domain::ids::CommunityId;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::TopicSort;
use actix_web::{get, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TopicQuery {
    /// `new`, `accepted`, `scheduled`, `decided`, `in_progress`, `resolved`, `rejected`.
    pub status: Option<String>,
    /// `heat` (default), `newest` or `waiting`.
    pub sort: Option<TopicSort>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

const STATUSES: [&str; 7] = [
    "new",
    "accepted",
    "scheduled",
    "decided",
    "in_progress",
    "resolved",
    "rejected",
];

/// A community's topics, with counts per status. Staff see their communities' inbox; residents
/// see their own community's board.
#[utoipa::path(params(("id" = i64, Path), TopicQuery), responses((status = 200, body = Vec<TopicView>), (status = 404, body = crate::error::Problem)), tag = "topics", security(("bearer" = [])))]
#[get("/communities/{id}/topics")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    q: web::Query<TopicQuery>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(CommunityId(path.into_inner()))?;
    if let Some(s) = q.status.as_deref() {
        if !STATUSES.contains(&s) {
            return Err(ApiError::bad_request(
                "invalid_query",
                "状态参数有误",
                format!("Unknown status `{s}`"),
            ));
        }
    }
    let limit = q.limit.unwrap_or(30).clamp(1, 100);
    // The cursor is the position in the ordered list, opaque to clients.
    let offset = match q.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .strip_prefix("o")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::bad_request("invalid_cursor", "分页参数有误", "Invalid cursor")
            })?,
    };
    let rows = state
        .store
        .topics(
            community,
            q.status.as_deref(),
            q.sort.unwrap_or(TopicSort::Heat),
            limit,
            offset,
        )
        .await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| format!("o{}", offset + limit));
    let counts: serde_json::Map<String, serde_json::Value> = state
        .store
        .topic_counts(community)
        .await?
        .into_iter()
        .map(|(s, n)| (s, n.into()))
        .collect();
    let items: Vec<TopicView> = rows.into_iter().map(TopicView::from).collect();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "items": items, "counts": counts, "next_cursor": next_cursor })))
}
