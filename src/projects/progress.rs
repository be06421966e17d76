//! A project's progress, computed from its records (never typed): the share of milestones
//! reached and the share of the award spent.
use crate::store::{MilestoneRow, SpendingRow};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub milestones: u32,
    pub milestones_done: u32,
    /// Milestones reached, in whole percent (0 without milestones).
    pub percent: u32,
    /// Spending that counts: recorded within its line, or approved over it.
    pub spent_fen: i64,
    /// Over-budget spending waiting for an approval.
    pub pending_fen: i64,
    /// The award spent, in whole percent (0 without an award).
    pub spent_percent: u32,
}

pub fn progress(
    milestones: &[MilestoneRow],
    spending: &[SpendingRow],
    awarded_fen: Option<i64>,
) -> Progress {
    use crate::projects::codes::SpendingState::*;
    let total = milestones.len() as u32;
    let done = milestones.iter().filter(|m| m.done_at.is_some()).count() as u32;
    let sum = |f: fn(&SpendingRow) -> bool| -> i64 {
        spending.iter().filter(|s| f(s)).map(|s| s.amount_fen).sum()
    };
    let spent = sum(|s| matches!(s.state, Recorded | Approved));
    let pending = sum(|s| s.state == Pending);
    let percent = |part: i64, whole: i64| -> u32 {
        if whole <= 0 {
            0
        } else {
            ((part * 100 + whole / 2) / whole).clamp(0, u32::MAX as i64) as u32
        }
    };
    Progress {
        milestones: total,
        milestones_done: done,
        percent: percent(done as i64, total as i64),
        spent_fen: spent,
        pending_fen: pending,
        spent_percent: percent(spent, awarded_fen.unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::projects::codes::SpendingState;
    use chrono::{NaiveDate, Utc};

    fn milestone(done: bool) -> MilestoneRow {
        MilestoneRow {
            milestone_id: 1,
            title: "t".into(),
            due_on: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            done_at: done.then(Utc::now),
            done_note: None,
        }
    }

    fn spent(amount_fen: i64, state: SpendingState) -> SpendingRow {
        SpendingRow {
            spending_id: 1,
            line_id: 1,
            amount_fen,
            spent_on: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            note: "n".into(),
            receipt_upload_id: None,
            state,
            approval_reason: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn progress_counts_milestones_reached_and_only_spending_that_counts() {
        let p = progress(
            &[milestone(true), milestone(false), milestone(true)],
            &[
                spent(30_000, SpendingState::Recorded),
                spent(10_000, SpendingState::Approved),
                spent(5_000, SpendingState::Pending),
                spent(7_000, SpendingState::Refused),
            ],
            Some(80_000),
        );
        assert_eq!((p.milestones, p.milestones_done, p.percent), (3, 2, 67));
        assert_eq!(
            (p.spent_fen, p.pending_fen, p.spent_percent),
            (40_000, 5_000, 50)
        );
        let none = progress(&[], &[], None);
        assert_eq!((none.percent, none.spent_percent), (0, 0));
    }
}
