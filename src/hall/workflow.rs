//! The topic workflow: new 待分拣 → accepted 已受理 → scheduled 议事中 → decided 已决议 →
//! in_progress 落实中 → resolved 已办结, or rejected 未采纳 / merged 已合并 with a public reason.
use super::status::TopicStatus::{self, *};

/// Whether a worker may move a topic from `from` to `to`. Merging has its own action.
pub fn allowed(from: TopicStatus, to: TopicStatus) -> bool {
    matches!(
        (from, to),
        (New, Accepted | Rejected)
            | (Accepted, Scheduled | Rejected)
            | (Scheduled, Decided | Accepted)
            | (Decided, InProgress | Resolved)
            | (InProgress, Resolved)
            | (Resolved, InProgress)
            | (Rejected, Accepted)
    )
}

/// The statuses a worker can go to from `from`.
pub fn next(from: TopicStatus) -> Vec<TopicStatus> {
    TopicStatus::ALL
        .iter()
        .copied()
        .filter(|to| allowed(from, *to))
        .collect()
}

/// Going back from resolved to in progress reopens the topic (发回重办).
pub fn reopens(from: TopicStatus, to: TopicStatus) -> bool {
    from == Resolved && to == InProgress
}

/// The public timeline text of a transition, in Chinese (residents read it).
pub fn public_text(to: TopicStatus, reason: Option<&str>) -> Option<String> {
    let base = match to {
        Accepted => "社区已受理该议题",
        Scheduled => "议题已列入议事会",
        Decided => "议事会已作出决议",
        InProgress => "决议正在落实",
        Resolved => "议题已办结，欢迎评价办理结果",
        Rejected => "议题未被采纳",
        New | Merged => return None,
    };
    Some(match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => format!("{base}：{r}"),
        None => base.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_path_is_allowed_and_shortcuts_are_not() {
        let path = [New, Accepted, Scheduled, Decided, InProgress, Resolved];
        for w in path.windows(2) {
            assert!(allowed(w[0], w[1]), "{} → {}", w[0], w[1]);
        }
        assert!(!allowed(New, Resolved));
        assert!(!allowed(New, Decided));
        assert!(!allowed(Resolved, New));
        assert!(!allowed(Merged, Accepted));
        assert!(!allowed(New, Merged), "merging is its own action");
        assert_eq!(next(Decided), vec![InProgress, Resolved]);
        assert_eq!(next(Merged), vec![]);
    }

    #[test]
    fn only_going_back_from_resolved_reopens() {
        assert!(reopens(Resolved, InProgress));
        assert!(!reopens(Decided, InProgress));
        assert!(!reopens(Resolved, Accepted));
    }

    #[test]
    fn rejection_carries_its_public_reason() {
        assert_eq!(
            public_text(Rejected, Some("不属于社区职责")).as_deref(),
            Some("议题未被采纳：不属于社区职责")
        );
        assert_eq!(
            public_text(Accepted, Some("  ")).as_deref(),
            Some("社区已受理该议题")
        );
        assert_eq!(public_text(New, None), None);
    }
}
