//! The deliberation hall's rules, apart from HTTP and SQL: the topic workflow, heat, deadlines,
//! the figures of the statistics and the senders of notifications.
pub mod callbacks;
pub mod heat;
pub mod notify;
pub mod stats;
pub mod status;
pub mod workflow;
pub mod xlsx;

use crate::store::SatisfactionCounts;

/// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991), for display and for days.
pub fn shanghai() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc))
}

/// Satisfaction counts from `(answer, count)` rows.
pub fn satisfaction_counts(rows: &[(String, i64)]) -> SatisfactionCounts {
    let mut c = SatisfactionCounts::default();
    for (answer, n) in rows {
        match answer.as_str() {
            "satisfied" => c.satisfied += n,
            "basically_satisfied" => c.basically_satisfied += n,
            "unsatisfied" => c.unsatisfied += n,
            _ => {}
        }
    }
    c
}
