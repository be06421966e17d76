//! What workers' corrections teach the engine about one community.
//!
//! A merge, an un-merge, a split or a move made on the dashboard says that two suggestions
//! belong together or apart. The store keeps these lessons; the engine holds them as labelled
//! examples (a worker placed this suggestion here, away from there) and uses them for every
//! later suggestion that reads like one of them:
//!
//! - one close enough to a corrected suggestion goes where the worker put it (the worker's
//!   placement beats the centroids that made the mistake);
//! - one near a corrected suggestion never joins a topic the worker separated it from;
//! - two topics a worker kept apart are never offered to each other as "similar topics".
//!
//! So the same mistake is not made twice, and since the lessons live in the store they
//! survive restarts (the engine reloads them whenever it is rebuilt).

use super::engine::{DocKey, Engine, Query, TopicId};
pub use super::lesson_book::Lesson;

/// A topic's heaviest terms that look up its similar topics: more than a suggestion's, since
/// a near miss often shares only what a few of the members say.
const SIMILAR_QUERY_TERMS: usize = 32;

/// Corrected suggestions compared with each new one (the latest first).
const LESSON_SCAN: usize = 512;

/// The corrected suggestion a new one reads like, and how closely.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Precedent {
    pub(crate) key: DocKey,
    pub(crate) similarity: f32,
}

impl Engine {
    /// Learns one lesson (from the store, oldest first).
    pub fn learn_lesson(&mut self, lesson: Lesson) {
        if lesson.key == lesson.other {
            return;
        }
        self.lessons.file(lesson.key, lesson.other, lesson.together);
        self.lessons.file(lesson.other, lesson.key, lesson.together);
    }

    /// The corrected suggestion most like `q`, if any reaches `lesson_apart_similarity`
    /// and tells the same problem (a corrected suggestion about another problem teaches
    /// nothing about this one).
    pub(crate) fn precedent(&self, q: &Query) -> Option<Precedent> {
        if self.lessons.keys().is_empty() {
            return None;
        }
        let mut best: Option<Precedent> = None;
        for &key in self.lessons.keys().iter().rev().take(LESSON_SCAN) {
            let Some(sim) = self.doc_cosine(&q.terms, key) else {
                continue;
            };
            if sim >= self.cfg.lesson_apart_similarity
                && best.is_none_or(|b| sim > b.similarity)
                && !self.other_problem(q, key)
            {
                best = Some(Precedent {
                    key,
                    similarity: sim,
                });
            }
        }
        best
    }

    /// Whether `q`'s main problem and the suggestion's are known and differ.
    fn other_problem(&self, q: &Query, key: DocKey) -> bool {
        let Some(m) = self.member_query(key) else {
            return true;
        };
        matches!((q.concept, m.concept), (Some(a), Some(b)) if a != b) || q.new_concept
    }

    /// The topic a worker placed the precedent in, when `q` is close enough to follow it.
    pub(crate) fn follow(&self, p: Option<Precedent>) -> Option<(u32, f32)> {
        let p = p.filter(|p| p.similarity >= self.cfg.lesson_follow_similarity)?;
        let slot = self.docs.get(&p.key)?.topic;
        Some((slot, p.similarity))
    }

    /// Whether a worker separated the precedent from the topic in `slot`.
    pub(crate) fn kept_apart(&self, p: Option<Precedent>, slot: u32) -> bool {
        let Some(p) = p else { return false };
        if self.docs.get(&p.key).is_some_and(|d| d.topic == slot) {
            return false;
        }
        self.lessons.of(&p.key).is_some_and(|list| {
            list.iter().any(|&(o, together)| {
                !together && self.docs.get(&o).is_some_and(|d| d.topic == slot)
            })
        })
    }

    /// Whether a worker separated a member of one topic from a member of the other.
    pub(crate) fn topics_kept_apart(&self, a: u32, b: u32) -> bool {
        let members = &self.topics[a as usize].members;
        members.iter().any(|k| {
            self.lessons.of(k).is_some_and(|list| {
                list.iter().any(|&(o, together)| {
                    !together && self.docs.get(&o).is_some_and(|d| d.topic == b)
                })
            })
        })
    }

    /// How likely `other` tells the same issue as `slot` (`q`: `slot`'s centroid as a unit
    /// query): the cosine, raised when both have the same main problem, lowered when their
    /// problems or places differ.
    fn near_miss_score(&self, q: &[(u32, f32)], slot: u32, other: u32) -> f32 {
        let mut sim = self.cosine_to_topic(q, other);
        let main = |s: u32| self.main_concept(&self.topics[s as usize].centroid);
        if self.topics_concept_conflict(slot, other) {
            sim *= 0.25;
        } else if main(slot).is_some() && main(slot) == main(other) {
            sim += 0.1;
        }
        if self.topics_place_conflict(slot, other) {
            sim *= 0.25;
        }
        sim.min(1.0)
    }

    /// Topics like `topic` that the engine did not join with it ("similar topics", near
    /// misses a worker may merge): the best first, at most `limit`, each with its score
    /// (`near_miss_score`, 0–1).
    /// Topics a worker kept apart from it are left out.
    pub fn similar_topics(&self, topic: TopicId, limit: usize) -> Vec<(TopicId, f32)> {
        let Some(slot) = self.slot(topic) else {
            return Vec::new();
        };
        if self.topics[slot as usize].members.is_empty() {
            return Vec::new();
        }
        let q = self.topic_query(slot);
        let places = self.dominant_places(slot);
        let mut out: Vec<(TopicId, f32)> = self
            .candidates_by(&q, &places, Some(slot), SIMILAR_QUERY_TERMS)
            .into_iter()
            .filter(|&other| !self.topics_kept_apart(slot, other))
            .filter(|&other| !self.topics_kept_apart(other, slot))
            .map(|other| (other, self.near_miss_score(&q, slot, other)))
            .filter(|&(_, sim)| sim >= self.cfg.similar_topic_floor)
            .map(|(other, sim)| (self.topics[other as usize].id, sim))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(limit);
        out
    }
}
