//! Grouping a whole sequence at once, as the service would receive it: the CLI, the
//! benchmarks and the tests use it.

use super::config::EngineConfig;
use super::engine::{Decision, Engine, TopicId};
use super::features::Prepared;

/// The result of `group_all`: the topic of every item (in input order) and the engine.
pub struct Grouping {
    pub topics: Vec<TopicId>,
    pub engine: Engine,
}

/// Groups prepared suggestions one at a time, in the given order. Item `i` has key `i`;
/// topic ids are 1, 2, 3 … in order of opening. Consolidates every
/// `cfg.consolidate_every` items and once at the end when that is set.
pub fn group_all(cfg: &EngineConfig, items: impl IntoIterator<Item = Prepared>) -> Grouping {
    let mut engine = Engine::new(cfg.clone());
    let mut next: TopicId = 0;
    let mut new_id = || {
        next += 1;
        next
    };
    let mut n: u64 = 0;
    for doc in items {
        let topic = match engine.decide(&doc) {
            Decision::Join { topic, .. } => topic,
            Decision::Open => new_id(),
        };
        engine.apply(n, doc, topic);
        n += 1;
        if cfg.consolidate_every > 0 && n.is_multiple_of(cfg.consolidate_every as u64) {
            engine.consolidate(&mut new_id);
        }
    }
    if cfg.consolidate_every > 0 {
        engine.consolidate(&mut new_id);
    }
    let topics = (0..n).map(|k| engine.topic_of(k).unwrap_or(0)).collect();
    Grouping { topics, engine }
}
