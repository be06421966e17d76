//! The lessons of one community as the engine keeps them (what they mean and how they are
//! used: `lessons.rs`). Apart from the engine so that the engine can hold them.

use rustc_hash::FxHashMap;

/// A suggestion key, owned by the caller (as `engine::DocKey`).
type DocKey = u64;

/// Two suggestions a worker put together or apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub key: DocKey,
    pub other: DocKey,
    pub together: bool,
}

/// The lessons of a community, by suggestion (each lesson is filed under both of its
/// suggestions; a later lesson about the same pair replaces the earlier one).
#[derive(Default)]
pub(crate) struct Lessons {
    by_key: FxHashMap<DocKey, Vec<(DocKey, bool)>>,
    /// Suggestions with lessons, oldest first (the ones compared with a new suggestion).
    keys: Vec<DocKey>,
}

impl Lessons {
    pub(crate) fn file(&mut self, key: DocKey, other: DocKey, together: bool) {
        let list = self.by_key.entry(key).or_insert_with(|| {
            self.keys.push(key);
            Vec::new()
        });
        match list.iter_mut().find(|(o, _)| *o == other) {
            Some(entry) => entry.1 = together,
            None => list.push((other, together)),
        }
    }

    /// Suggestions with lessons, oldest first.
    pub(crate) fn keys(&self) -> &[DocKey] {
        &self.keys
    }

    /// The lessons about one suggestion: (the other suggestion, together).
    pub(crate) fn of(&self, key: &DocKey) -> Option<&Vec<(DocKey, bool)>> {
        self.by_key.get(key)
    }
}
