//! A worker at the dashboard, simulated on labelled suggestions: each suggestion arrives in
//! order, the engine decides as the service would (online, no consolidation), and whenever
//! the decision is wrong the worker moves the suggestion where it belongs — as the service's
//! `move` does, pinned — and, when the engine learns from corrections, the move becomes a
//! lesson. The number of corrections the worker had to make measures how often a mistake
//! is repeated.

use std::collections::HashMap;

use super::config::EngineConfig;
use super::engine::{Decision, DocKey, Engine, TopicId};
use super::features::Prepared;
use super::lessons::Lesson;

/// What the simulated worker had to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Corrections {
    /// Suggestions the engine put in another issue's topic.
    pub wrong_joins: usize,
    /// Suggestions the engine opened a topic for although their issue had one.
    pub missed_joins: usize,
}

impl Corrections {
    pub fn total(&self) -> usize {
        self.wrong_joins + self.missed_joins
    }
}

/// Replays `items` (prepared suggestion, label) in order; `learn` says whether corrections
/// become lessons.
pub fn replay_with_worker(
    cfg: &EngineConfig,
    items: impl IntoIterator<Item = (Prepared, String)>,
    learn: bool,
) -> Corrections {
    replay(cfg, items, learn, &mut |_, _| {})
}

/// The synonyms the simulated worker's corrections propose (`synonyms::propose`): each
/// suggestion moved into its issue's topic, against the topic's first member.
pub fn synonyms_from_worker(
    cfg: &EngineConfig,
    items: impl IntoIterator<Item = (Prepared, String)>,
) -> Vec<super::synonyms::Proposal> {
    let items: Vec<(Prepared, String)> = items.into_iter().collect();
    let docs: Vec<Prepared> = items.iter().map(|(d, _)| d.clone()).collect();
    let mut pairs: Vec<(DocKey, DocKey)> = Vec::new();
    replay(cfg, items, true, &mut |moved, anchor| {
        pairs.push((moved, anchor))
    });
    super::synonyms::propose(
        pairs
            .iter()
            .map(|&(m, a)| (m, &docs[m as usize], &docs[a as usize])),
    )
}

/// The replay; `together` hears of each suggestion the worker moved into a topic, with the
/// topic's first member.
fn replay(
    cfg: &EngineConfig,
    items: impl IntoIterator<Item = (Prepared, String)>,
    learn: bool,
    together_with: &mut dyn FnMut(DocKey, DocKey),
) -> Corrections {
    let mut engine = Engine::new(cfg.clone());
    let mut out = Corrections::default();
    // The issue each topic stands for: the label of the suggestion that opened it (or that
    // the worker moved into it when the worker opened it).
    let mut issue_of: HashMap<TopicId, String> = HashMap::new();
    // The topic of each issue, once it has one.
    let mut topic_of: HashMap<String, TopicId> = HashMap::new();
    let mut next: TopicId = 0;
    for (n, (doc, label)) in items.into_iter().enumerate() {
        let key = n as DocKey;
        let decided = match engine.decide(&doc) {
            Decision::Join { topic, .. } => Some(topic),
            Decision::Open => None,
        };
        let right = topic_of.get(&label).copied();
        let topic = match (decided, right) {
            (Some(t), _) if issue_of.get(&t) == Some(&label) => t,
            (None, None) => {
                next += 1;
                next
            }
            (wrong, right) => {
                // The worker's correction: the suggestion goes to its issue's topic, or to
                // a topic of its own; it is pinned there.
                match wrong {
                    Some(_) => out.wrong_joins += 1,
                    None => out.missed_joins += 1,
                }
                let to = right.unwrap_or_else(|| {
                    next += 1;
                    next
                });
                let anchor = |t: TopicId, e: &Engine| e.members(t).first().copied();
                let apart = wrong.and_then(|w| anchor(w, &engine));
                let together = right.and_then(|r| anchor(r, &engine));
                engine.apply(key, doc, to);
                engine.pin(key, true);
                if learn {
                    if let Some(other) = apart {
                        engine.learn_lesson(Lesson {
                            key,
                            other,
                            together: false,
                        });
                    }
                    if let Some(other) = together {
                        together_with(key, other);
                        engine.learn_lesson(Lesson {
                            key,
                            other,
                            together: true,
                        });
                    }
                }
                issue_of.entry(to).or_insert_with(|| label.clone());
                topic_of.entry(label).or_insert(to);
                continue;
            }
        };
        engine.apply(key, doc, topic);
        issue_of.entry(topic).or_insert_with(|| label.clone());
        topic_of.entry(label).or_insert(topic);
    }
    out
}

/// How well "similar topics" finds the topics the engine split from one issue, over a
/// labelled stream grouped as the service groups it (online, no consolidation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct NearMisses {
    /// Topics that share their issue (their members' most common label) with another topic.
    pub split_topics: usize,
    /// … of which "similar topics" lists such a topic first, in its first 3, in its 5.
    pub found_first: usize,
    pub found_in_3: usize,
    pub found_in_5: usize,
    /// Topics listed in all, and those that share the issue.
    pub listed: usize,
    pub listed_same_issue: usize,
}

/// Groups `items` as the service does and asks "similar topics" of every topic.
pub fn near_misses(
    cfg: &EngineConfig,
    items: impl IntoIterator<Item = (Prepared, String)>,
) -> NearMisses {
    let service = EngineConfig {
        consolidate_every: 0,
        ..cfg.clone()
    };
    let (docs, labels): (Vec<Prepared>, Vec<String>) = items.into_iter().unzip();
    let g = super::batch::group_all(&service, docs);
    let mut votes: HashMap<TopicId, HashMap<&str, usize>> = HashMap::new();
    for (t, l) in g.topics.iter().zip(&labels) {
        *votes.entry(*t).or_default().entry(l).or_default() += 1;
    }
    let issue: HashMap<TopicId, &str> = votes
        .iter()
        .map(|(t, v)| {
            let best = v.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            (*t, best.map_or("", |b| *b.0))
        })
        .collect();
    let mut out = NearMisses::default();
    for (&t, &label) in &issue {
        let listed = g.engine.similar_topics(t, 5);
        let same = |o: &TopicId| issue.get(o) == Some(&label);
        out.listed += listed.len();
        out.listed_same_issue += listed.iter().filter(|(o, _)| same(o)).count();
        if !issue.keys().any(|o| *o != t && same(o)) {
            continue;
        }
        out.split_topics += 1;
        let Some(pos) = listed.iter().position(|(o, _)| same(o)) else {
            continue;
        };
        out.found_first += usize::from(pos == 0);
        out.found_in_3 += usize::from(pos < 3);
        out.found_in_5 += 1;
    }
    out
}
