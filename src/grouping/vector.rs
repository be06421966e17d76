//! Sparse vectors: `(term id, weight)` pairs sorted by term id.

pub(crate) type Sparse = Vec<(u32, f32)>;

/// Smoothed inverse document frequency, as scikit-learn's `smooth_idf`.
pub(crate) fn idf(n_docs: u64, df: u32) -> f32 {
    (((n_docs + 1) as f32) / ((df as f32) + 1.0)).ln() + 1.0
}

/// Dot product of two sorted sparse vectors, each entry of `b` scaled by `scale(term)`.
pub(crate) fn dot_scaled(a: &[(u32, f32)], b: &[(u32, f32)], scale: impl Fn(u32) -> f32) -> f32 {
    // A short vector against a long one (a suggestion against a big topic's centroid): look
    // each of its terms up instead of walking the long one. Same terms, same order, same sum.
    if b.len() > SKEWED * a.len() {
        return dot_looked_up(a, b, scale);
    }
    if a.len() > SKEWED * b.len() {
        return dot_looked_up(b, a, scale);
    }
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    // Advances without a three-way branch: the steps of a merge are unpredictable, and
    // this loop is the hottest of the assignment (query × each candidate centroid).
    // Shared terms are added in the same order as before, so the sum is the same.
    while let (Some(&(x, wa)), Some(&(y, wb))) = (a.get(i), b.get(j)) {
        if x == y {
            s += wa * wb * scale(x);
        }
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    s
}

/// Length ratio from which `dot_scaled` looks terms up rather than merging.
const SKEWED: usize = 16;

/// `dot_scaled` by binary search of each term of the short vector in the rest of the long one.
fn dot_looked_up(short: &[(u32, f32)], long: &[(u32, f32)], scale: impl Fn(u32) -> f32) -> f32 {
    let (mut rest, mut s) = (long, 0.0);
    for &(x, wa) in short {
        match rest.binary_search_by_key(&x, |e| e.0) {
            Ok(k) => {
                s += wa * rest[k].1 * scale(x);
                rest = &rest[k + 1..];
            }
            Err(k) => rest = &rest[k..],
        }
        if rest.is_empty() {
            break;
        }
    }
    s
}

/// The weight of `term` in a sorted sparse vector (0 when absent).
pub(crate) fn weight_of(v: &[(u32, f32)], term: u32) -> f32 {
    v.binary_search_by_key(&term, |e| e.0)
        .map_or(0.0, |i| v[i].1)
}

/// The largest single term of `dot_scaled(a, b, scale)` (0 when nothing is shared).
pub(crate) fn max_term_scaled(
    a: &[(u32, f32)],
    b: &[(u32, f32)],
    scale: impl Fn(u32) -> f32,
) -> f32 {
    let (mut i, mut j, mut m) = (0, 0, 0.0f32);
    while let (Some(&(x, wa)), Some(&(y, wb))) = (a.get(i), b.get(j)) {
        if x == y {
            m = m.max(wa * wb * scale(x));
        }
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    m
}

/// `acc += sign * v`, both sorted; entries that fall to (about) zero are dropped.
/// Sets `new_terms` to the terms that were not in `acc` before (when adding).
/// `out` is scratch space: the result is merged into it, then copied back into `acc`'s
/// own buffer (a swap would hand every topic the largest buffer ever used), so neither
/// allocates once warm.
pub(crate) fn add_into(
    acc: &mut Sparse,
    v: &[(u32, f32)],
    sign: f32,
    out: &mut Sparse,
    new_terms: &mut Vec<u32>,
) {
    out.clear();
    out.reserve(acc.len() + v.len());
    new_terms.clear();
    let (mut i, mut j) = (0, 0);
    while i < acc.len() || j < v.len() {
        let take_acc = j >= v.len() || (i < acc.len() && acc[i].0 < v[j].0);
        let take_v = i >= acc.len() || (j < v.len() && v[j].0 < acc[i].0);
        if take_acc {
            out.push(acc[i]);
            i += 1;
        } else if take_v {
            if sign > 0.0 {
                out.push((v[j].0, v[j].1));
                new_terms.push(v[j].0);
            }
            j += 1;
        } else {
            let w = acc[i].1 + sign * v[j].1;
            if w > 1e-6 {
                out.push((acc[i].0, w));
            }
            i += 1;
            j += 1;
        }
    }
    acc.clear();
    acc.extend_from_slice(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_then_subtracting_restores_the_vector() {
        let mut acc = vec![(1, 1.0), (5, 2.0)];
        let (mut out, mut new) = (Vec::new(), Vec::new());
        add_into(&mut acc, &[(3, 1.0), (5, 1.0)], 1.0, &mut out, &mut new);
        assert_eq!(new, vec![3]);
        assert_eq!(acc, vec![(1, 1.0), (3, 1.0), (5, 3.0)]);
        add_into(&mut acc, &[(3, 1.0), (5, 1.0)], -1.0, &mut out, &mut new);
        assert_eq!(acc, vec![(1, 1.0), (5, 2.0)]);
    }

    #[test]
    fn dot_counts_only_shared_terms() {
        let d = dot_scaled(&[(1, 1.0), (2, 2.0)], &[(2, 3.0), (4, 1.0)], |_| 2.0);
        assert!((d - 12.0).abs() < 1e-6);
    }

    #[test]
    fn a_short_vector_against_a_long_one_gives_the_merges_sum() {
        // The long vector: every third term; the short ones: a few terms, some shared.
        let long: Vec<(u32, f32)> = (0..3000).map(|i| (3 * i, 1.0 + (i % 7) as f32)).collect();
        for short in [
            vec![(0, 0.5), (9, 0.25), (10, 1.0), (8997, 2.0)],
            vec![(1, 1.0), (2, 1.0)],
            vec![(9000, 1.0)],
            vec![],
        ] {
            let scale = |t: u32| 1.0 + (t % 5) as f32;
            let merged = {
                let (mut i, mut j, mut s) = (0, 0, 0.0f32);
                while let (Some(&(x, wa)), Some(&(y, wb))) = (short.get(i), long.get(j)) {
                    if x == y {
                        s += wa * wb * scale(x);
                    }
                    i += usize::from(x <= y);
                    j += usize::from(y <= x);
                }
                s
            };
            assert_eq!(dot_scaled(&short, &long, scale).to_bits(), merged.to_bits());
            assert_eq!(dot_scaled(&long, &short, scale).to_bits(), merged.to_bits());
        }
    }

    #[test]
    fn rarer_terms_weigh_more() {
        assert!(idf(100, 1) > idf(100, 50));
    }
}
