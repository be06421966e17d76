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

/// What a report covers: a code for programs, a name for people, and its communities.
struct Scope {
    code: String,
    label: String,
    communities: Vec<CommunityId>,
}

/// The communities a query covers, within the caller's scope (404 outside it), and its name.
async fn scope(state: &AppState, caller: &Caller, q: &StatsQuery) -> ApiResult<Scope> {
    let (code, communities) = scope_ids(state, caller, q).await?;
    let label = match (q.community_id, q.street_id, q.district_id) {
        (Some(c), _, _) => state.store.community(CommunityId(c)).await?.map(|c| c.name),
        (_, Some(s), _) => state.store.street(StreetId(s)).await?.map(|s| s.name),
        (_, _, Some(d)) => state.store.district_name(DistrictId(d)).await?,
        _ => None,
    }
    .unwrap_or_default();
    Ok(Scope {
        code,
        label,
        communities,
    })
}

async fn scope_ids(
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

async fn compute(state: &AppState, caller: &Caller, q: &StatsQuery) -> ApiResult<(Scope, Report)> {
    let scope = scope(state, caller, q).await?;
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
    let data = state
        .store
        .stats_data(&scope.communities, from, to, now)
        .await?;
    Ok((scope, report(data, from, to)))
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
    v["scope"] = scope.code.into();
    // The community's, street's or district's name, for people (`scope` is for programs).
    v["scope_label"] = scope.label.into();
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
    let bytes =
        workbook(&scope.label, &r).map_err(|e| anyhow::anyhow!("building the workbook: {e}"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"minyi-stats.xlsx\"",
        ))
        .body(bytes))
}

/// The statistics as a workbook for people: every figure a number (or "—" where it has no
/// denominator), what it counts beside it, dates in Asia/Shanghai, Chinese labels.
fn workbook(scope: &str, r: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::hall::xlsx;
    use rust_xlsxwriter::Workbook;
    let mut wb = Workbook::new();
    let day = xlsx::date_format();
    let percent = xlsx::percent_format();
    let tz = crate::hall::shanghai();
    let first = r.from.with_timezone(&tz).date_naive();
    let last = (r.to - chrono::Duration::seconds(1))
        .with_timezone(&tz)
        .date_naive();
    let answers =
        r.satisfaction.satisfied + r.satisfaction.basically_satisfied + r.satisfaction.unsatisfied;
    let due = r.deadlines_met + r.deadlines_missed + r.overdue_now;

    let s = wb.add_worksheet();
    s.set_name("概览")?;
    xlsx::headers(s, 0, &[("指标", 28.0), ("数值", 14.0), ("说明", 60.0)])?;
    s.write_string(1, 0, "统计范围")?;
    s.write_string(1, 1, scope)?;
    s.write_string(2, 0, "开始日期")?;
    xlsx::write_day(s, 2, 1, first, &day)?;
    s.write_string(3, 0, "结束日期（含）")?;
    xlsx::write_day(s, 3, 1, last, &day)?;
    s.write_string(3, 2, "按北京时间（Asia/Shanghai）计日")?;
    let mut row = 4;
    let mut figure = |s: &mut rust_xlsxwriter::Worksheet,
                      label: &str,
                      value: Option<f64>,
                      pct: bool,
                      note: String|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        s.write_string(row, 0, label)?;
        match value {
            Some(v) if pct => {
                s.write_number_with_format(row, 1, v, &percent)?;
            }
            Some(v) => {
                s.write_number(row, 1, v)?;
            }
            None => {
                s.write_string(row, 1, "—")?;
            }
        }
        s.write_string(row, 2, note)?;
        row += 1;
        Ok(())
    };
    figure(
        s,
        "收到的建议（条）",
        Some(r.suggestions_total as f64),
        false,
        "本期收到的建议，线上与纸质，不含撤回的".into(),
    )?;
    figure(
        s,
        "收到建议到形成决议（中位，小时）",
        r.median_hours_to_decision,
        false,
        format!(
            "本期形成决议的 {} 个议题，从第一条建议到决议",
            r.topics_decided
        ),
    )?;
    figure(
        s,
        "收到建议到办结（中位，小时）",
        r.median_hours_to_resolution,
        false,
        format!(
            "本期办结的 {} 个议题，从第一条建议到办结",
            r.topics_resolved
        ),
    )?;
    figure(
        s,
        "按期处理率",
        r.on_time_rate,
        true,
        format!(
            "各环节在期限内完成 {} 个 / 应完成 {} 个（含当前超期 {} 个）；无应完成环节时为“—”",
            r.deadlines_met, due, r.overdue_now
        ),
    )?;
    figure(
        s,
        "当前超期议题（个）",
        Some(r.overdue_now as f64),
        false,
        "已过办理期限、仍未进入下一环节的议题".into(),
    )?;
    figure(
        s,
        "满意（人）",
        Some(r.satisfaction.satisfied as f64),
        false,
        "本期的满意度评价".into(),
    )?;
    figure(
        s,
        "基本满意（人）",
        Some(r.satisfaction.basically_satisfied as f64),
        false,
        "本期的满意度评价".into(),
    )?;
    figure(
        s,
        "不满意（人）",
        Some(r.satisfaction.unsatisfied as f64),
        false,
        "本期的满意度评价".into(),
    )?;
    figure(
        s,
        "满意率",
        r.satisfaction.rate,
        true,
        format!("（满意 + 基本满意）/ 评价 {answers} 条；无评价时为“—”"),
    )?;

    let s = wb.add_worksheet();
    s.set_name("每日建议")?;
    xlsx::headers(
        s,
        0,
        &[
            ("日期", 12.0),
            ("线上（条）", 10.0),
            ("纸质（条）", 10.0),
            ("合计（条）", 10.0),
        ],
    )?;
    for (i, d) in r.suggestions_per_day.iter().enumerate() {
        let row = 1 + i as u32;
        xlsx::write_day(s, row, 0, d.day, &day)?;
        s.write_number(row, 1, d.online as f64)?;
        s.write_number(row, 2, d.paper as f64)?;
        s.write_number(row, 3, (d.online + d.paper) as f64)?;
    }
    let s = wb.add_worksheet();
    s.set_name("议题状态")?;
    xlsx::headers(s, 0, &[("状态", 12.0), ("议题（个）", 10.0)])?;
    for (i, (k, v)) in r.topics_by_status.iter().enumerate() {
        let label = crate::hall::status::TopicStatus::parse(k).map_or(k.as_str(), |s| s.label());
        s.write_string(1 + i as u32, 0, label)?;
        s.write_number(1 + i as u32, 1, *v as f64)?;
    }
    let s = wb.add_worksheet();
    s.set_name("楼栋与类别")?;
    xlsx::headers(
        s,
        0,
        &[
            ("楼栋", 14.0),
            ("建议（条）", 10.0),
            ("", 4.0),
            ("类别", 14.0),
            ("建议（条）", 10.0),
        ],
    )?;
    for (i, b) in r.top_buildings.iter().enumerate() {
        s.write_string(1 + i as u32, 0, &b.name)?;
        s.write_number(1 + i as u32, 1, b.count as f64)?;
    }
    for (i, c) in r.top_categories.iter().enumerate() {
        s.write_string(1 + i as u32, 3, &c.category)?;
        s.write_number(1 + i as u32, 4, c.count as f64)?;
    }
    wb.save_to_buffer()
}
