//! Statistics for communities, streets and districts: JSON and XLSX, from one computation
//! (`hall::stats`), so both show the same numbers.
use crate::auth::caller::{Caller, Staff};
use crate::domain::ids::{CommunityId, DistrictId, StreetId};
use crate::error::{ApiError, ApiResult};
use crate::hall::stats::{report, Report};
use crate::state::AppState;
use crate::store::AdminArea;
use actix_web::{get, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// One community; or a street or district (admins of it).
    pub community_id: Option<i64>,
    pub street_id: Option<i64>,
    pub district_id: Option<i64>,
    /// First day (Asia/Shanghai), `YYYY-MM-DD`; default 30 days ago.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
}

/// The communities a query covers, within the caller's scope (404 outside it).
async fn scope(
    state: &AppState,
    caller: &Caller,
    q: &StatsQuery,
) -> ApiResult<(String, Vec<CommunityId>)> {
    match (q.community_id, q.street_id, q.district_id) {
        (Some(c), None, None) => Ok((
            format!("community:{c}"),
            vec![caller.community(CommunityId(c))?],
        )),
        (None, Some(s), None) => {
            let ok = match caller.admin_area {
                Some(AdminArea::Street(x)) => x.0 == s,
                Some(AdminArea::District(d)) => state
                    .store
                    .street(StreetId(s))
                    .await?
                    .is_some_and(|st| st.district_id == d),
                None => false,
            };
            if !ok {
                return Err(ApiError::not_found());
            }
            let list = state
                .store
                .communities_in(AdminArea::Street(StreetId(s)))
                .await?;
            Ok((
                format!("street:{s}"),
                list.into_iter().map(|c| c.community_id).collect(),
            ))
        }
        (None, None, Some(d)) => {
            if caller.admin_area != Some(AdminArea::District(DistrictId(d))) {
                return Err(ApiError::not_found());
            }
            let list = state
                .store
                .communities_in(AdminArea::District(DistrictId(d)))
                .await?;
            Ok((
                format!("district:{d}"),
                list.into_iter().map(|c| c.community_id).collect(),
            ))
        }
        _ => Err(ApiError::bad_request(
            "invalid_query",
            "请指定且只指定一个范围：community_id、street_id 或 district_id",
            "Give exactly one of community_id, street_id or district_id",
        )),
    }
}

async fn compute(state: &AppState, caller: &Caller, q: &StatsQuery) -> ApiResult<(String, Report)> {
    let (name, communities) = scope(state, caller, q).await?;
    let now = Utc::now();
    let today = now
        .with_timezone(&crate::hall::shanghai())
        .date_naive()
        .to_string();
    let to = crate::routes::topics::list::day_start("to", q.to.as_deref().unwrap_or(&today))?
        + chrono::Duration::days(1);
    let from = match q.from.as_deref() {
        Some(f) => crate::routes::topics::list::day_start("from", f)?,
        None => to - chrono::Duration::days(30),
    };
    if from >= to || to - from > chrono::Duration::days(366) {
        return Err(ApiError::bad_request(
            "invalid_range",
            "时间范围应在 1–366 天之间",
            "The range must be 1–366 days",
        ));
    }
    let data = state.store.stats_data(&communities, from, to, now).await?;
    Ok((name, report(data, from, to)))
}

/// Statistics of a community, street or district over a range of days.
#[utoipa::path(params(StatsQuery), responses((status = 200, body = Report), (status = 404, body = crate::error::Problem)), tag = "statistics", security(("bearer" = [])))]
#[get("/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    caller: Staff,
    q: web::Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, r) = compute(&state, &caller, &q).await?;
    let mut v = serde_json::to_value(r).map_err(anyhow::Error::from)?;
    v["scope"] = scope.into();
    Ok(HttpResponse::Ok().json(v))
}

/// The same statistics as an XLSX workbook, for street and district reports.
#[utoipa::path(params(StatsQuery), responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), tag = "statistics", security(("bearer" = [])))]
#[get("/stats/export.xlsx")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Staff,
    q: web::Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let (scope, r) = compute(&state, &caller, &q).await?;
    let bytes = workbook(&scope, &r).map_err(|e| anyhow::anyhow!("building the workbook: {e}"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"minyi-stats.xlsx\"",
        ))
        .body(bytes))
}

fn workbook(scope: &str, r: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("概览")?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
    let rows: Vec<(&str, String)> = vec![
        ("范围 scope", scope.to_string()),
        ("开始 from (UTC)", r.from.to_rfc3339()),
        ("结束 to (UTC)", r.to.to_rfc3339()),
        ("收到建议 suggestions", r.suggestions_total.to_string()),
        (
            "决议中位时长（小时） median hours to decision",
            opt(r.median_hours_to_decision),
        ),
        (
            "办结中位时长（小时） median hours to resolution",
            opt(r.median_hours_to_resolution),
        ),
        ("按时率 on-time rate", opt(r.on_time_rate)),
        ("满意 satisfied", r.satisfaction.satisfied.to_string()),
        (
            "基本满意 basically satisfied",
            r.satisfaction.basically_satisfied.to_string(),
        ),
        ("不满意 unsatisfied", r.satisfaction.unsatisfied.to_string()),
        ("满意率 satisfaction rate", opt(r.satisfaction.rate)),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        s.write_string(i as u32, 0, *k)?;
        s.write_string(i as u32, 1, v)?;
    }
    let s = wb.add_worksheet();
    s.set_name("每日建议")?;
    for (c, h) in ["日期", "线上", "纸质"].iter().enumerate() {
        s.write_string(0, c as u16, *h)?;
    }
    for (i, d) in r.suggestions_per_day.iter().enumerate() {
        let row = 1 + i as u32;
        s.write_string(row, 0, d.day.to_string())?;
        s.write_number(row, 1, d.online as f64)?;
        s.write_number(row, 2, d.paper as f64)?;
    }
    let s = wb.add_worksheet();
    s.set_name("议题状态")?;
    for (i, (k, v)) in r.topics_by_status.iter().enumerate() {
        let label = crate::hall::status::TopicStatus::parse(k).map_or(k.as_str(), |s| s.label());
        s.write_string(i as u32, 0, label)?;
        s.write_number(i as u32, 1, *v as f64)?;
    }
    let s = wb.add_worksheet();
    s.set_name("楼栋与类别")?;
    s.write_string(0, 0, "楼栋")?;
    s.write_string(0, 1, "建议数")?;
    for (i, b) in r.top_buildings.iter().enumerate() {
        s.write_string(1 + i as u32, 0, &b.name)?;
        s.write_number(1 + i as u32, 1, b.count as f64)?;
    }
    s.write_string(0, 3, "类别")?;
    s.write_string(0, 4, "建议数")?;
    for (i, c) in r.top_categories.iter().enumerate() {
        s.write_string(1 + i as u32, 3, &c.category)?;
        s.write_number(1 + i as u32, 4, c.count as f64)?;
    }
    wb.save_to_buffer()
}
