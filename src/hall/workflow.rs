//! The topic workflow: new 待分拣 → accepted 已受理 → scheduled 议事中 → decided 已决议 →
//! in_progress 落实中 → resolved 已办结, or rejected 未采纳 / merged 已合并 with a public reason.

/// Every status a topic can be in.
pub const STATUSES: [&str; 8] = [
    "new",
    "accepted",
    "scheduled",
    "decided",
    "in_progress",
    "resolved",
    "rejected",
    "merged",
];

/// Whether a worker may move a topic from `from` to `to`. Merging has its own action.
pub fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("new", "accepted" | "rejected")
            | ("accepted", "scheduled" | "rejected")
            | ("scheduled", "decided" | "accepted")
            | ("decided", "in_progress" | "resolved")
            | ("in_progress", "resolved")
            | ("resolved", "in_progress")
            | ("rejected", "accepted")
    )
}

/// The statuses a worker can go to from `from`.
pub fn next(from: &str) -> Vec<&'static str> {
    STATUSES
        .iter()
        .copied()
        .filter(|to| allowed(from, to))
        .collect()
}

/// The public timeline text of a transition, in Chinese (residents read it).
pub fn public_text(to: &str, reason: Option<&str>) -> Option<String> {
    let base = match to {
        "accepted" => "社区已受理该议题",
        "scheduled" => "议题已列入议事会",
        "decided" => "议事会已作出决议",
        "in_progress" => "决议正在落实",
        "resolved" => "议题已办结，欢迎评价办理结果",
        "rejected" => "议题未被采纳",
        _ => return None,
    };
    Some(match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => format!("{base}：{r}"),
        None => base.to_string(),
    })
}

/// Statuses that wait on the community (and so can be overdue).
pub fn waits(status: &str) -> bool {
    matches!(
        status,
        "new" | "accepted" | "scheduled" | "decided" | "in_progress"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_path_is_allowed_and_shortcuts_are_not() {
        let path = [
            "new",
            "accepted",
            "scheduled",
            "decided",
            "in_progress",
            "resolved",
        ];
        for w in path.windows(2) {
            assert!(allowed(w[0], w[1]), "{} → {}", w[0], w[1]);
        }
        assert!(!allowed("new", "resolved"));
        assert!(!allowed("new", "decided"));
        assert!(!allowed("resolved", "new"));
        assert!(!allowed("merged", "accepted"));
        assert!(!allowed("new", "merged"), "merging is its own action");
        assert_eq!(next("decided"), vec!["in_progress", "resolved"]);
    }

    #[test]
    fn rejection_carries_its_public_reason() {
        assert_eq!(
            public_text("rejected", Some("不属于社区职责")).as_deref(),
            Some("议题未被采纳：不属于社区职责")
        );
        assert_eq!(public_text("new", None), None);
    }
}
