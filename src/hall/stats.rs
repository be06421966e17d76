//! Statistics: one definition per figure, computed here from the store's rows, so the JSON
//! API and the XLSX export show the same numbers.
//!
//! - **suggestions per day**: suggestions received (all but withdrawn ones) per Asia/Shanghai
//!   day, online (every channel but paper) and paper;
//! - **topics by status**: current topics of the scope per status (empty new topics left behind
//!   by corrections are not counted);
//! - **median hours to decision / resolution**: over topics decided (resolved) in the range,
//!   from their first suggestion to the first decision (the last resolution); how many topics
//!   each median is over is `topics_decided` / `topics_resolved`;
//! - **on-time rate** (按期处理率): steps of the workflow done within their deadline / (deadlines
//!   that ended in the range + topics overdue now) — every status has a deadline, so this is not
//!   a rate of resolution; with no deadline in the range it is none (shown as "—");
//! - **satisfaction**: answers given in the range; the rate is (满意 + 基本满意) / answers;
//! - **top buildings / categories**: suggestions received in the range per building and per
//!   category (the topic's category, else the suggestion's own, else 未分类).
use crate::store::{SatisfactionCounts, StatsData};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    pub day: NaiveDate,
    pub online: i64,
    pub paper: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BuildingCount {
    pub building_id: Option<i64>,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryCount {
    pub category: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub unsatisfied: i64,
    /// (满意 + 基本满意) / answers; null without answers.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub suggestions_total: i64,
    pub suggestions_per_day: Vec<DayCount>,
    pub topics_by_status: BTreeMap<String, i64>,
    pub median_hours_to_decision: Option<f64>,
    pub median_hours_to_resolution: Option<f64>,
    /// Topics decided in the range (what the median to decision is over).
    pub topics_decided: i64,
    /// Topics resolved in the range (what the median to resolution is over).
    pub topics_resolved: i64,
    /// deadlines_met / (deadlines_met + deadlines_missed + overdue_now); none without deadlines.
    pub on_time_rate: Option<f64>,
    pub deadlines_met: i64,
    pub deadlines_missed: i64,
    pub overdue_now: i64,
    pub satisfaction: Satisfaction,
    pub top_buildings: Vec<BuildingCount>,
    pub top_categories: Vec<CategoryCount>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

fn hours(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_seconds() as f64 / 3600.0
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| ((n as f64 / d as f64) * 1000.0).round() / 1000.0)
}

pub fn satisfaction(c: SatisfactionCounts) -> Satisfaction {
    Satisfaction {
        satisfied: c.satisfied,
        basically_satisfied: c.basically_satisfied,
        unsatisfied: c.unsatisfied,
        rate: ratio(c.satisfied + c.basically_satisfied, c.total()),
    }
}

pub fn report(data: StatsData, from: DateTime<Utc>, to: DateTime<Utc>) -> Report {
    let tz = super::shanghai();
    let mut days: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    // Every day of the range appears, also days without suggestions.
    let (first, last) = (
        from.with_timezone(&tz).date_naive(),
        (to - chrono::Duration::seconds(1))
            .with_timezone(&tz)
            .date_naive(),
    );
    let mut d = first;
    while d <= last && days.len() < 400 {
        days.insert(d, (0, 0));
        d = d.succ_opt().unwrap_or(last + chrono::Duration::days(1));
    }
    let mut buildings: BTreeMap<(Option<i64>, String), i64> = BTreeMap::new();
    let mut categories: BTreeMap<String, i64> = BTreeMap::new();
    for s in &data.suggestions {
        let day = days
            .entry(s.created_at.with_timezone(&tz).date_naive())
            .or_default();
        if s.channel == "paper" {
            day.1 += 1;
        } else {
            day.0 += 1;
        }
        if let Some(b) = s.building_id {
            *buildings
                .entry((Some(b.0), s.building_name.clone().unwrap_or_default()))
                .or_default() += 1;
        }
        let c = s
            .category
            .clone()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "未分类".into());
        *categories.entry(c).or_default() += 1;
    }
    let mut top_buildings: Vec<BuildingCount> = buildings
        .into_iter()
        .map(|((building_id, name), count)| BuildingCount {
            building_id,
            name,
            count,
        })
        .collect();
    top_buildings.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    top_buildings.truncate(10);
    let mut top_categories: Vec<CategoryCount> = categories
        .into_iter()
        .map(|(category, count)| CategoryCount { category, count })
        .collect();
    top_categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.category.cmp(&b.category)));
    top_categories.truncate(10);
    let in_range = |t: &DateTime<Utc>| *t >= from && *t < to;
    let to_decision: Vec<f64> = data
        .durations
        .iter()
        .filter_map(|(start, decided, _)| decided.filter(in_range).map(|d| hours(*start, d)))
        .collect();
    let to_resolution: Vec<f64> = data
        .durations
        .iter()
        .filter_map(|(start, _, resolved)| resolved.filter(in_range).map(|r| hours(*start, r)))
        .collect();
    let (topics_decided, topics_resolved) = (to_decision.len() as i64, to_resolution.len() as i64);
    Report {
        from,
        to,
        suggestions_total: data.suggestions.len() as i64,
        suggestions_per_day: days
            .into_iter()
            .map(|(day, (online, paper))| DayCount { day, online, paper })
            .collect(),
        topics_by_status: data.topics_by_status.into_iter().collect(),
        median_hours_to_decision: median(to_decision),
        median_hours_to_resolution: median(to_resolution),
        topics_decided,
        topics_resolved,
        on_time_rate: ratio(
            data.deadlines_met,
            data.deadlines_met + data.deadlines_missed + data.overdue_now,
        ),
        deadlines_met: data.deadlines_met,
        deadlines_missed: data.deadlines_missed,
        overdue_now: data.overdue_now,
        satisfaction: satisfaction(data.satisfaction),
        top_buildings,
        top_categories,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::StatsSuggestion;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, h, 0, 0).single().unwrap()
    }

    #[test]
    fn days_are_shanghai_days_and_every_figure_has_one_definition() {
        let s = |h, channel: &str| StatsSuggestion {
            created_at: at(h),
            channel: channel.into(),
            building_id: Some(crate::domain::ids::BuildingId(1)),
            building_name: Some("1号楼".into()),
            category: None,
        };
        let data = StatsData {
            // 17:00 UTC is already 2 November in Shanghai (UTC+8).
            suggestions: vec![s(1, "mini_program"), s(2, "paper"), s(17, "paper")],
            topics_by_status: vec![("new".into(), 2)],
            durations: vec![
                (at(0), Some(at(10)), None),
                (at(0), Some(at(20)), Some(at(22))),
            ],
            deadlines_met: 3,
            deadlines_missed: 1,
            overdue_now: 0,
            satisfaction: SatisfactionCounts {
                satisfied: 1,
                basically_satisfied: 1,
                unsatisfied: 2,
            },
        };
        let from = Utc
            .with_ymd_and_hms(2026, 10, 31, 16, 0, 0)
            .single()
            .unwrap();
        let to = Utc
            .with_ymd_and_hms(2026, 11, 2, 16, 0, 0)
            .single()
            .unwrap();
        let r = report(data, from, to);
        assert_eq!(r.suggestions_per_day.len(), 2);
        assert_eq!(
            (
                r.suggestions_per_day[0].online,
                r.suggestions_per_day[0].paper
            ),
            (1, 1)
        );
        assert_eq!(
            (
                r.suggestions_per_day[1].online,
                r.suggestions_per_day[1].paper
            ),
            (0, 1)
        );
        assert_eq!(r.median_hours_to_decision, Some(15.0));
        assert_eq!(r.median_hours_to_resolution, Some(22.0));
        assert_eq!(r.on_time_rate, Some(0.75));
        assert_eq!(r.satisfaction.rate, Some(0.5));
        assert_eq!(r.top_buildings[0].count, 3);
        assert_eq!(r.top_categories[0].category, "未分类");
        assert_eq!((r.topics_decided, r.topics_resolved), (2, 1));
    }

    #[test]
    fn a_rate_without_a_denominator_is_none_not_a_hundred_percent() {
        let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
        let to = Utc.with_ymd_and_hms(2026, 11, 8, 0, 0, 0).single().unwrap();
        let r = report(StatsData::default(), from, to);
        assert_eq!(r.on_time_rate, None);
        assert_eq!(r.satisfaction.rate, None);
        assert_eq!(r.median_hours_to_resolution, None);
        assert_eq!((r.topics_decided, r.topics_resolved), (0, 0));
        // Deadlines kept while nothing was resolved: the rate is of deadlines, and says so.
        let kept = StatsData {
            deadlines_met: 2,
            ..Default::default()
        };
        let r = report(kept, from, to);
        assert_eq!(r.on_time_rate, Some(1.0));
        assert_eq!(r.topics_resolved, 0);
    }
}
