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
