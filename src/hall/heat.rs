//! Heat: how much a topic matters now.
//!
//! `heat(t) = (1 + members + supporters / 2) × 2^(−days since last activity / 14) − 1`
//!
//! — every suggestion counts one, every distinct supporter half, and the weight decays by half
//! every 14 days without activity (a fresh topic's heat is its weight). The store keeps `score = log2(1 + members + supporters / 2) +
//! day(last activity) / 14`, which orders topics exactly as `heat` does at any moment (the decay
//! factor is the same for all of them) and so can be indexed; `now` turns it back into heat.
use chrono::{DateTime, Utc};

pub const HALF_LIFE_DAYS: f64 = 14.0;

fn days(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64 / 86_400.0
}

/// The stored, time-independent ordering key.
pub fn score(members: i32, supporters: i32, last_activity: DateTime<Utc>) -> f64 {
    let weight = f64::from(members.max(0)) + f64::from(supporters.max(0)) / 2.0;
    (1.0 + weight).log2() + days(last_activity) / HALF_LIFE_DAYS
}

/// Heat at `now` from the stored score.
pub fn at(score: f64, now: DateTime<Utc>) -> f64 {
    let v = (score - days(now) / HALF_LIFE_DAYS).exp2() - 1.0;
    (v.max(0.0) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn heat_is_the_weight_when_fresh_and_halves_every_fourteen_days() {
        let now = Utc::now();
        assert!((at(score(3, 2, now), now) - 4.0).abs() < 0.01);
        let old = now - Duration::days(14);
        // 1 + w halves: (1 + 4) / 2 − 1 = 1.5.
        assert!((at(score(3, 2, old), now) - 1.5).abs() < 0.01);
    }

    #[test]
    fn ordering_by_score_is_ordering_by_heat() {
        let now = Utc::now();
        let a = score(10, 0, now - Duration::days(30));
        let b = score(2, 0, now);
        assert_eq!(a > b, at(a, now) > at(b, now));
        assert!(
            b > a,
            "a fresh small topic outranks a stale big one after a month"
        );
    }
}
