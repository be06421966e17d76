//! Scores a grouping against labels: pairwise and B-cubed precision/recall/F1 over the
//! labelled items (the same definitions as `shared/eval/score.py`).

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    pub n: usize,
    pub groups: usize,
    pub pair_p: f64,
    pub pair_r: f64,
    pub pair_f1: f64,
    pub b3_p: f64,
    pub b3_r: f64,
    pub b3_f1: f64,
}

fn c2(n: usize) -> f64 {
    (n * n.saturating_sub(1) / 2) as f64
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// Scores `(predicted cluster, gold label)` pairs; unlabelled items are left out by the
/// caller.
pub fn score<C: Eq + Hash + Clone, L: Eq + Hash + Clone>(items: &[(C, L)]) -> Scores {
    let mut joint: HashMap<(C, L), usize> = HashMap::new();
    let mut csize: HashMap<C, usize> = HashMap::new();
    let mut lsize: HashMap<L, usize> = HashMap::new();
    for (c, l) in items {
        *joint.entry((c.clone(), l.clone())).or_default() += 1;
        *csize.entry(c.clone()).or_default() += 1;
        *lsize.entry(l.clone()).or_default() += 1;
    }
    let tp: f64 = joint.values().map(|&v| c2(v)).sum();
    let pp: f64 = csize.values().map(|&v| c2(v)).sum();
    let gp: f64 = lsize.values().map(|&v| c2(v)).sum();
    let pair_p = if pp > 0.0 { tp / pp } else { 1.0 };
    let pair_r = if gp > 0.0 { tp / gp } else { 1.0 };
    let n = items.len();
    let (mut bp, mut br) = (0.0, 0.0);
    for (c, l) in items {
        let j = joint[&(c.clone(), l.clone())] as f64;
        bp += j / csize[c] as f64;
        br += j / lsize[l] as f64;
    }
    let (b3_p, b3_r) = if n > 0 {
        (bp / n as f64, br / n as f64)
    } else {
        (1.0, 1.0)
    };
    Scores {
        n,
        groups: lsize.len(),
        pair_p,
        pair_r,
        pair_f1: f1(pair_p, pair_r),
        b3_p,
        b3_r,
        b3_f1: f1(b3_p, b3_r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_grouping_scores_one() {
        let s = score(&[(1, "a"), (1, "a"), (2, "b")]);
        assert_eq!((s.b3_f1, s.pair_f1), (1.0, 1.0));
    }

    #[test]
    fn everything_in_one_cluster_loses_precision_only() {
        let s = score(&[(1, "a"), (1, "a"), (1, "b"), (1, "b")]);
        assert_eq!(s.b3_r, 1.0);
        assert!((s.b3_p - 0.5).abs() < 1e-9);
        assert!((s.pair_p - 2.0 / 6.0).abs() < 1e-9);
    }
}
