//! A round's review criteria (评审标准) and a reviewer's scores against them; the ranking of
//! applications by their reviewers' mean total, declared conflicts of interest left out.
use crate::domain::ids::ProjectId;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    /// A stable key: lowercase letters, digits and `_`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// The most points a reviewer may give.
    pub max: i32,
}

fn field_error(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// The criteria a round gets unless its admin names others (the district's: need,
/// feasibility, budget, sustainability; 100 points in all).
pub fn default_criteria() -> Vec<Criterion> {
    [
        ("need", "需求迫切性", "Need", 30),
        ("feasibility", "方案可行性", "Feasibility", 25),
        ("budget", "预算合理性", "Budget", 25),
        ("sustainability", "可持续性", "Sustainability", 20),
    ]
    .into_iter()
    .map(|(key, zh, en, max)| Criterion {
        key: key.into(),
        label_zh: zh.into(),
        label_en: en.into(),
        max,
    })
    .collect()
}

/// Check criteria an admin wrote: 1–10 of them, distinct keys, labels, 1–100 points each.
pub fn check(criteria: &[Criterion]) -> Result<(), FieldError> {
    let bad = |msg: &str| Err(field_error("criteria", "invalid", msg));
    if criteria.is_empty() || criteria.len() > 10 {
        return bad("评审标准应为 1 至 10 项 / between 1 and 10 criteria");
    }
    let mut keys = std::collections::BTreeSet::new();
    for c in criteria {
        let key_ok = !c.key.is_empty()
            && c.key.len() <= 32
            && c.key
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !key_ok || !keys.insert(c.key.as_str()) {
            return bad(
                "每项标准需要唯一的英文小写标识 / each criterion needs a unique lowercase key",
            );
        }
        let label_ok = |l: &str| (1..=30).contains(&l.trim().chars().count());
        if !label_ok(&c.label_zh) || !label_ok(&c.label_en) {
            return bad("每项标准需要中英文名称（30 字以内）/ each criterion needs Chinese and English labels (≤ 30 characters)");
        }
        if !(1..=100).contains(&c.max) {
            return bad("每项标准的满分应在 1 至 100 之间 / each criterion's maximum is 1–100");
        }
    }
    Ok(())
}

/// The criteria kept with a round (JSON); the defaults if they cannot be read.
pub fn parse(json: &str) -> Vec<Criterion> {
    serde_json::from_str(json).unwrap_or_else(|_| default_criteria())
}

/// A reviewer's total: every criterion scored, within its maximum, nothing else.
pub fn total(criteria: &[Criterion], scores: &BTreeMap<String, i32>) -> Result<i32, FieldError> {
    for key in scores.keys() {
        if !criteria.iter().any(|c| &c.key == key) {
            return Err(field_error(
                "scores",
                "unknown_criterion",
                &format!("本轮没有这项评审标准 / this round has no criterion `{key}`"),
            ));
        }
    }
    let mut sum = 0;
    for c in criteria {
        match scores.get(&c.key) {
            Some(v) if (0..=c.max).contains(v) => sum += v,
            Some(_) => {
                return Err(field_error(
                    "scores",
                    "out_of_range",
                    &format!(
                        "「{}」的分数应在 0 至 {} 之间 / {} is scored 0–{}",
                        c.label_zh, c.max, c.label_en, c.max
                    ),
                ))
            }
            None => {
                return Err(field_error(
                    "scores",
                    "missing",
                    &format!("请为「{}」打分 / score {}", c.label_zh, c.label_en),
                ))
            }
        }
    }
    Ok(sum)
}

/// One application's place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub project_id: ProjectId,
    /// 1 for the best; applications without a counted review come last, unranked (0).
    pub rank: u32,
    /// The mean of the counted reviewers' totals, × 10 and rounded (integer).
    pub mean_x10: i64,
    pub counted_reviews: u32,
    pub conflicts: u32,
}

/// Rank applications by the mean total of their reviews, conflicts left out; ties share a
/// rank (1, 2, 2, 4).
pub fn rank(projects: &[ProjectId], reviews: &[(ProjectId, i32, bool)]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = projects
        .iter()
        .map(|p| {
            let mine = reviews.iter().filter(|r| r.0 == *p);
            let counted: Vec<i64> = mine.clone().filter(|r| !r.2).map(|r| r.1 as i64).collect();
            let n = counted.len() as i64;
            Ranked {
                project_id: *p,
                rank: 0,
                mean_x10: if n == 0 {
                    0
                } else {
                    (counted.iter().sum::<i64>() * 20 + n) / (2 * n)
                },
                counted_reviews: n as u32,
                conflicts: mine.filter(|r| r.2).count() as u32,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.counted_reviews > 0)
            .cmp(&(a.counted_reviews > 0))
            .then(b.mean_x10.cmp(&a.mean_x10))
            .then(a.project_id.cmp(&b.project_id))
    });
    let mut previous: Option<(i64, u32)> = None;
    for (i, r) in out.iter_mut().enumerate() {
        if r.counted_reviews == 0 {
            continue;
        }
        r.rank = match previous {
            Some((mean, rank)) if mean == r.mean_x10 => rank,
            _ => i as u32 + 1,
        };
        previous = Some((r.mean_x10, r.rank));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn scores(v: &[(&str, i32)]) -> BTreeMap<String, i32> {
        v.iter().map(|(k, s)| (k.to_string(), *s)).collect()
    }

    #[test]
    fn a_review_scores_every_criterion_within_its_maximum_and_nothing_else() {
        let c = default_criteria();
        let full = scores(&[
            ("need", 30),
            ("feasibility", 20),
            ("budget", 25),
            ("sustainability", 5),
        ]);
        assert_eq!(total(&c, &full).unwrap(), 80);
        let missing = scores(&[("need", 30)]);
        assert_eq!(total(&c, &missing).unwrap_err().code, "missing");
        let over = scores(&[
            ("need", 31),
            ("feasibility", 20),
            ("budget", 25),
            ("sustainability", 5),
        ]);
        assert_eq!(total(&c, &over).unwrap_err().code, "out_of_range");
        let mut extra = full.clone();
        extra.insert("charm".into(), 3);
        assert_eq!(total(&c, &extra).unwrap_err().code, "unknown_criterion");
    }

    #[test]
    fn criteria_need_unique_keys_labels_and_sensible_maximums() {
        assert!(check(&default_criteria()).is_ok());
        let mut twice = default_criteria();
        twice[1].key = "need".into();
        assert!(check(&twice).is_err());
        let mut zero = default_criteria();
        zero[0].max = 0;
        assert!(check(&zero).is_err());
        assert!(check(&[]).is_err());
    }

    #[test]
    fn conflicts_do_not_count_and_ties_share_a_rank() {
        let (a, b, c, d) = (ProjectId(1), ProjectId(2), ProjectId(3), ProjectId(4));
        let reviews = [
            (a, 80, false),
            (a, 88, false),
            (b, 85, false),
            (b, 20, true),
            (c, 85, false),
            (d, 99, true),
        ];
        let r = rank(&[a, b, c, d], &reviews);
        let order: Vec<(i64, u32, u32)> = r
            .iter()
            .map(|x| (x.project_id.0, x.rank, x.conflicts))
            .collect();
        assert_eq!(order, [(2, 1, 1), (3, 1, 0), (1, 3, 0), (4, 0, 1)]);
        assert_eq!(r[2].mean_x10, 840);
        assert_eq!(
            r[3].counted_reviews, 0,
            "only a conflicted review: unranked"
        );
    }
}
