//! The periodic consolidation pass: split members that drifted away from their topic,
//! then merge topics that converged. Pinned suggestions never move, and every change is
//! returned so the caller can write it to the audit log.

use serde::Serialize;

use super::engine::{DocKey, Engine, Query, TopicId};
use super::vector::{dot_scaled, weight_of};

/// Members examined per topic when looking for drifted ones.
const SPLIT_SCAN: usize = 512;

/// One change of membership made by `consolidate`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Every member of `from` moved to `into`; `from` is now empty.
    Merged {
        from: TopicId,
        into: TopicId,
        members: Vec<DocKey>,
    },
    /// Members of `from` that drifted away opened the new topic `to`.
    Split {
        from: TopicId,
        to: TopicId,
        members: Vec<DocKey>,
    },
    /// A drifted member joined another existing topic.
    Moved {
        key: DocKey,
        from: TopicId,
        to: TopicId,
        similarity: f32,
    },
}

impl Engine {
    /// Runs one consolidation pass over the topics changed since the last pass.
    /// `new_topic_id` is called once per topic opened by a split.
    pub fn consolidate(&mut self, new_topic_id: &mut dyn FnMut() -> TopicId) -> Vec<Change> {
        let dirty: Vec<u32> = (0..self.topics.len() as u32)
            .filter(|&s| {
                self.topics[s as usize].dirty && !self.topics[s as usize].members.is_empty()
            })
            .collect();
        for &s in &dirty {
            self.refresh_norm(s);
        }
        let mut changes = Vec::new();
        for &slot in &dirty {
            self.split(slot, new_topic_id, &mut changes);
        }
        for &slot in &dirty {
            self.merge_into_neighbour(slot, &mut changes);
        }
        for t in &mut self.topics {
            t.dirty = false;
        }
        changes
    }

    /// Cosine of a member to its topic without itself, in idf space:
    /// `v·(R−v) / (|v| |R−v|)`, with `|R−v|² = |R|² − 2 v·R + |v|²`, so no copy is made.
    fn leave_one_out(&self, key: DocKey) -> f32 {
        let Some(d) = self.docs.get(&key) else {
            return 0.0;
        };
        let t = &self.topics[d.topic as usize];
        let idf2 = |term: u32| self.idf_of(term).powi(2);
        let vr = dot_scaled(&d.vec, &t.centroid, idf2);
        let vv: f32 = d
            .vec
            .iter()
            .map(|&(term, w)| (w * self.idf_of(term)).powi(2))
            .sum();
        let rest2 = t.norm * t.norm - 2.0 * vr + vv;
        if vv <= 0.0 || rest2 <= 1e-9 {
            return 0.0;
        }
        (vr - vv) / (vv.sqrt() * rest2.sqrt())
    }

    /// The stored vector of a member as a unit query in idf space.
    pub(crate) fn member_query(&self, key: DocKey) -> Option<Query> {
        let d = self.docs.get(&key)?;
        let mut terms: Vec<(u32, f32)> = d
            .vec
            .iter()
            .map(|&(term, w)| (term, w * self.idf_of(term)))
            .collect();
        let norm = terms
            .iter()
            .map(|t| t.1 * t.1)
            .sum::<f32>()
            .sqrt()
            .max(1e-9);
        for t in &mut terms {
            t.1 /= norm;
        }
        let places: Vec<u32> = d
            .places
            .iter()
            .copied()
            .filter(|&p| self.place_is_specific(self.terms[p as usize].df))
            .collect();
        let concept = self.main_concept(&terms);
        Some(Query {
            has_specific_place: !places.is_empty(),
            terms,
            places,
            concept,
            new_concept: false,
        })
    }

    /// Whether a member tells its topic's case: the same main problem at the topic's
    /// place. Such a member shares few words with the rest (a short paper form, a
    /// paraphrase) and must not be split off for that.
    fn member_same_case(&self, key: DocKey, slot: u32) -> bool {
        self.member_query(key)
            .is_some_and(|q| self.same_case(&q, slot))
    }

    fn split(
        &mut self,
        slot: u32,
        new_topic_id: &mut dyn FnMut() -> TopicId,
        out: &mut Vec<Change>,
    ) {
        let t = &self.topics[slot as usize];
        if t.members.len() < self.cfg.min_split_size {
            return;
        }
        let from = t.id;
        // Members that arrived since the last pass (older ones were checked then).
        let start = t.checked.min(t.members.len());
        let drifted: Vec<DocKey> = t.members[start..]
            .iter()
            .take(SPLIT_SCAN)
            .copied()
            .filter(|&k| {
                !self.is_pinned(k)
                    && self.leave_one_out(k) < self.cfg.split_threshold
                    && !self.member_same_case(k, slot)
            })
            .collect();
        let len = t.members.len();
        self.topics[slot as usize].checked = len;
        if drifted.is_empty() || drifted.len() * 2 >= len {
            return;
        }
        let mut opened: Vec<(TopicId, Vec<DocKey>)> = Vec::new();
        for key in drifted {
            let Some(q) = self.member_query(key) else {
                continue;
            };
            let Some(entry) = self.detach(key) else {
                continue;
            };
            let best = self.best_topic(&q, Some(slot));
            match best {
                Some((to, sim)) if sim >= self.cfg.join_threshold => {
                    let to_id = self.topics[to as usize].id;
                    self.attach(key, entry, to);
                    match opened.iter_mut().find(|(id, _)| *id == to_id) {
                        Some((_, members)) => members.push(key),
                        None => out.push(Change::Moved {
                            key,
                            from,
                            to: to_id,
                            similarity: sim,
                        }),
                    }
                }
                _ => {
                    let to_id = new_topic_id();
                    let to = self.slot_for(to_id);
                    self.attach(key, entry, to);
                    opened.push((to_id, vec![key]));
                }
            }
        }
        for (to, members) in opened {
            out.push(Change::Split { from, to, members });
        }
    }

    /// Two topics whose main problems differ (each gives the other's main concept less
    /// than half its own).
    pub(crate) fn topics_concept_conflict(&self, a: u32, b: u32) -> bool {
        let ca = &self.topics[a as usize].centroid;
        let cb = &self.topics[b as usize].centroid;
        let (Some(x), Some(y)) = (self.main_concept(ca), self.main_concept(cb)) else {
            return false;
        };
        if x == y {
            return false;
        }
        weight_of(cb, x) < 0.5 * weight_of(ca, x) && weight_of(ca, y) < 0.5 * weight_of(cb, y)
    }

    /// Two topics tell one case: the same main problem at the same building, unit or
    /// gate of the community (`3号楼楼道灯不亮` and `三号楼声控灯坏了`).
    fn topics_same_case(&self, a: u32, b: u32) -> bool {
        let ca = self.main_concept(&self.topics[a as usize].centroid);
        if ca.is_none() || ca != self.main_concept(&self.topics[b as usize].centroid) {
            return false;
        }
        self.dominant_places(a).into_iter().any(|p| {
            self.is_community_place(p)
                && self
                    .dominant_place_iter(b)
                    .any(|x| self.is_community_place(x) && self.same_place(p, x))
        })
    }

    fn merge_into_neighbour(&mut self, slot: u32, out: &mut Vec<Change>) {
        if self.topics[slot as usize].members.is_empty() {
            return;
        }
        let q = self.topic_query(slot);
        // (slot, similarity minus the threshold that applies to the pair)
        let mut best: Option<(u32, f32)> = None;
        let places = self.dominant_places(slot);
        for other in self.candidates(&q, &places, Some(slot)) {
            let mut sim = self.cosine_to_topic(&q, other);
            if self.topics_concept_conflict(slot, other) {
                sim *= self.cfg.concept_conflict_factor;
            }
            let threshold = if self.topics_same_case(slot, other) {
                self.cfg.concept_join_threshold
            } else if self.topics_place_conflict(slot, other) {
                sim *= self.cfg.place_conflict_factor;
                self.cfg.merge_threshold
            } else if self.topics_share_place(slot, other) {
                self.cfg.same_place_merge_threshold
            } else {
                self.cfg.merge_threshold
            };
            let margin = sim - threshold;
            if best.is_none_or(|(_, b)| margin > b) {
                best = Some((other, margin));
            }
        }
        let Some((other, margin)) = best else { return };
        if margin < 0.0 {
            return;
        }
        // The smaller topic moves into the larger, unless that would move pinned members.
        let (a, b) = (&self.topics[slot as usize], &self.topics[other as usize]);
        let (from, into) = match (a.pinned, b.pinned) {
            (0, 0) if a.members.len() <= b.members.len() => (slot, other),
            (0, 0) => (other, slot),
            (0, _) => (slot, other),
            (_, 0) => (other, slot),
            _ => return,
        };
        let members = self.topics[from as usize].members.clone();
        let into_id = self.topics[into as usize].id;
        for &key in &members {
            if let Some(entry) = self.detach(key) {
                self.attach(key, entry, into);
            }
        }
        out.push(Change::Merged {
            from: self.topics[from as usize].id,
            into: into_id,
            members,
        });
    }
}
