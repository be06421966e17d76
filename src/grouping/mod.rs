//! The grouping engine: normalise → segment → features → candidates → assign or open →
//! label → consolidate. Pure: state in, assignments out, no I/O.

mod batch;
mod config;
mod consolidate;
mod engine;
mod eval;
mod features;
mod label;
mod lesson_book;
mod lessons;
mod lexicon;
mod normalise;
mod places;
mod prior;
mod replay;
mod segment;
mod synonyms;
mod term;
mod vector;

#[cfg(test)]
mod tests;

pub use batch::{group_all, Grouping};
pub use config::EngineConfig;
pub use consolidate::Change;
pub use engine::{Decision, DocKey, Engine, TopicId};
pub use eval::{score, Scores};
pub use features::{prepare, Kind, Normalised, Prepared};
pub use label::{TopicLabel, TITLE_MAX_CHARS};
pub use lessons::Lesson;
pub use normalise::{normalise, normalise_display};
pub use replay::{near_misses, replay_with_worker, synonyms_from_worker, Corrections, NearMisses};
pub use segment::warm_up;
pub use synonyms::{propose as propose_synonyms, Proposal, Synonyms};
