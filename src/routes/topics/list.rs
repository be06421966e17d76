use super::TopicView;
use crate::auth::caller::Caller;
use crate::domain::ids::{BuildingId, CommunityId};
use crate::error::{ApiError, ApiResult};
use crate::hall::status::TopicStatus;
use crate::state::AppState;
use crate::store::{InboxFilter, TopicSort};
use actix_web::{get, web, HttpResponse};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct TopicQuery {
    /// `new`, `accepted`, `scheduled`, `decided`, `in_progress`, `resolved`, `rejected`, `merged`.
    pub status: Option<String>,
    pub category: Option<String>,
    /// `online` or `paper`: topics with at least one suggestion from that channel.
    pub channel: Option<String>,
    pub building_id: Option<i64>,
    /// First day (Asia/Shanghai) a topic was opened, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day (Asia/Shanghai, inclusive), `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Text search (Chinese) in titles, summaries and suggestions.
    pub q: Option<String>,
    /// Only topics past their response deadline.
    pub overdue: Option<bool>,
    /// `heat` (default), `newest` or `waiting` (longest in its status first).
    pub sort: Option<TopicSort>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// A page of a community's topics, with the number of topics in each status.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TopicPage {
    pub items: Vec<TopicView>,
    /// Topics of the community per status code.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// Topics past their response deadline.
    pub overdue_count: i64,
    /// The `cursor` of the next page (absent on the last page).
    pub next_cursor: Option<String>,
}

fn bad(code: &'static str, zh: &str, en: String) -> ApiError {
    ApiError::bad_request(code, zh, en)
}

/// The start of a Shanghai day, in UTC.
pub fn day_start(field: &str, s: &str) -> ApiResult<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "invalid_query",
            "日期格式应为 YYYY-MM-DD",
            format!("`{field}` must be a date YYYY-MM-DD"),
        )
    })?;
    crate::hall::shanghai()
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            bad(
                "invalid_query",
                "日期有误",
                format!("`{field}` is not a valid day"),
            )
        })
}

/// A community's topics: the workers' inbox, and the residents' board of their community (the
/// same topics, without personal data). Counts per status and of overdue topics come along.
#[utoipa::path(params(("id" = i64, Path), TopicQuery), responses((status = 200, body = TopicPage), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), tag = "topics", security(("bearer" = [])))]
#[get("/communities/{id}/topics")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<CommunityId>,
    q: web::Query<TopicQuery>,
) -> ApiResult<HttpResponse> {
    let community = caller.community(path.into_inner())?;
    let q = q.into_inner();
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(TopicStatus::parse(s).ok_or_else(|| {
            bad(
                "invalid_query",
                "状态参数有误",
                format!("Unknown status `{s}`"),
            )
        })?),
    };
    if let Some(c) = q.channel.as_deref() {
        if c != "online" && c != "paper" {
            return Err(bad(
                "invalid_query",
                "渠道参数应为 online 或 paper",
                format!("`channel` must be online or paper (got `{c}`)"),
            ));
        }
    }
    let now = Utc::now();
    let from = q
        .from
        .as_deref()
        .map(|s| day_start("from", s))
        .transpose()?;
    let to =
        q.to.as_deref()
            .map(|s| day_start("to", s).map(|t| t + chrono::Duration::days(1)))
            .transpose()?;
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if text.is_some_and(|t| t.chars().count() > 50) {
        return Err(bad(
            "invalid_query",
            "搜索词不能超过 50 个字",
            "The search text is longer than 50 characters".into(),
        ));
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
    let filter = InboxFilter {
        status,
        category: q.category.filter(|c| !c.trim().is_empty()),
        channel: q.channel,
        building: q.building_id.map(BuildingId),
        from,
        to,
        q: text.map(str::to_string),
        overdue: q.overdue.unwrap_or(false),
        now,
    };
    let sort = q.sort.unwrap_or(TopicSort::Heat);
    let rows = state
        .store
        .inbox(community, &filter, sort, limit, offset)
        .await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| format!("o{}", offset + limit));
    let counts: std::collections::BTreeMap<String, i64> = state
        .store
        .topic_counts(community)
        .await?
        .into_iter()
        .collect();
    let overdue_count = state.store.overdue_count(community, now).await?;
    let mut items: Vec<TopicView> = rows.into_iter().map(|t| TopicView::new(t, now)).collect();
    if !caller.role.is_staff() {
        let ids: Vec<_> = items.iter().map(|t| t.id).collect();
        let mine = state.store.supported_among(caller.account_id, &ids).await?;
        for t in &mut items {
            t.supported = Some(mine.contains(&t.id));
        }
    }
    Ok(HttpResponse::Ok().json(TopicPage {
        items,
        counts,
        overdue_count,
        next_cursor,
    }))
}
