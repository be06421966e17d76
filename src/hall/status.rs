//! The hall's statuses as types: a topic's status, a suggestion's state and the kinds of public
//! timeline entries, each with its Chinese and English label (the only copy of these labels).

crate::coded_enum! {
    /// Where a topic stands in the workflow (see `workflow.rs`).
    pub enum TopicStatus {
        New = ("new", "待分拣", "New"),
        Accepted = ("accepted", "已受理", "Accepted"),
        Scheduled = ("scheduled", "议事中", "Scheduled"),
        Decided = ("decided", "已决议", "Decided"),
        InProgress = ("in_progress", "落实中", "In progress"),
        Resolved = ("resolved", "已办结", "Resolved"),
        Rejected = ("rejected", "未采纳", "Rejected"),
        Merged = ("merged", "已合并", "Merged"),
    }
}

crate::coded_enum! {
    /// Where a suggestion stands, from posting to its topic.
    pub enum SuggestionState {
        /// Held for a worker's review (pre-moderation, sensitive words, WeChat's check).
        PendingReview = ("pending_review", "待审核", "Awaiting review"),
        Queued = ("queued", "已受理，正在归类", "Received, being grouped"),
        Grouped = ("grouped", "已归入议题", "Grouped into a topic"),
        Failed = ("failed", "处理失败，等待重试", "Processing failed, will be retried"),
        Withdrawn = ("withdrawn", "已撤回", "Withdrawn"),
        Rejected = ("rejected", "未通过审核", "Not approved"),
    }
}

crate::coded_enum! {
    /// What a public timeline entry (and the notification it sends) is about. Labels are short:
    /// WeChat's subscribe-message `phrase` field holds at most 5 characters.
    pub enum TimelineKind {
        Accepted = ("accepted", "已受理", "Accepted"),
        Scheduled = ("scheduled", "列入议事会", "On a meeting's agenda"),
        Decided = ("decided", "议事会决议", "Meeting decision"),
        InProgress = ("in_progress", "开始落实", "Being carried out"),
        Resolved = ("resolved", "已办结", "Resolved"),
        Rejected = ("rejected", "未采纳", "Rejected"),
        Merged = ("merged", "已合并", "Merged"),
        Reply = ("reply", "社区回复", "Community reply"),
        /// Residents were not satisfied with a resolved topic (发回重办).
        Reopened = ("reopened", "发回重办", "Reopened"),
        /// A community project that answers the topic: funded, a milestone, its result.
        Project = ("project", "公益项目", "Project"),
    }
}

impl TimelineKind {
    /// The timeline entry that entering `status` writes, if it writes one.
    pub fn of_status(status: TopicStatus) -> Option<Self> {
        Some(match status {
            TopicStatus::New => return None,
            TopicStatus::Accepted => Self::Accepted,
            TopicStatus::Scheduled => Self::Scheduled,
            TopicStatus::Decided => Self::Decided,
            TopicStatus::InProgress => Self::InProgress,
            TopicStatus::Resolved => Self::Resolved,
            TopicStatus::Rejected => Self::Rejected,
            TopicStatus::Merged => Self::Merged,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn check<T>(all: &[T], code: fn(&T) -> &'static str, labels: fn(&T) -> (&str, &str))
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let mut seen = std::collections::HashSet::new();
        for v in all {
            let c = code(v);
            assert!(seen.insert(c), "code {c} twice");
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(c));
            let back: T = serde_json::from_value(serde_json::json!(c)).unwrap();
            assert_eq!(&back, v);
            let (zh, en) = labels(v);
            assert!(!zh.is_empty() && !en.is_empty(), "{c} has no label");
            assert!(!zh.is_ascii(), "{c}: the first label is Chinese");
        }
    }

    #[test]
    fn codes_are_the_serde_names_and_every_value_has_both_labels() {
        check(
            TopicStatus::ALL,
            |v| v.as_str(),
            |v| (v.label(), v.label_en()),
        );
        check(
            SuggestionState::ALL,
            |v| v.as_str(),
            |v| (v.label(), v.label_en()),
        );
        check(
            TimelineKind::ALL,
            |v| v.as_str(),
            |v| (v.label(), v.label_en()),
        );
        for v in TopicStatus::ALL {
            assert_eq!(v.as_str().parse::<TopicStatus>(), Ok(*v));
        }
        let err = "done".parse::<TopicStatus>().unwrap_err();
        assert_eq!(err.to_string(), "unknown TopicStatus `done`");
    }

    #[test]
    fn timeline_labels_fit_a_subscribe_message_phrase() {
        for k in TimelineKind::ALL {
            assert!(k.label().chars().count() <= 5, "{k}: {}", k.label());
        }
        assert_eq!(TimelineKind::Reply.label(), "社区回复");
    }

    #[test]
    fn entering_a_status_writes_the_matching_timeline_kind() {
        assert_eq!(TimelineKind::of_status(TopicStatus::New), None);
        for s in &TopicStatus::ALL[1..] {
            assert_eq!(
                TimelineKind::of_status(*s).map(|k| k.as_str()),
                Some(s.as_str())
            );
        }
    }
}
