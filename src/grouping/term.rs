//! What a feature is and how it is named: its kind and its hash (shared by the features of a
//! suggestion and by the shipped tables keyed like them, such as the background prior).

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

/// What a feature is; each kind has its own weight in the engine configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A segmented word (not a stop word).
    Word,
    /// A place: building/unit numbers (`3栋`, `5单元`) or names (`丽发新城`, `东六路`).
    Place,
    /// A character bigram outside place names, robust to segmentation errors.
    Bigram,
    /// A kind of community problem from the lexicon (`电梯` for 升降梯, 停运, 被困 …).
    Concept,
}

pub(crate) fn feature_hash(kind: Kind, text: &str) -> u64 {
    let mut h = FxHasher::default();
    kind.hash(&mut h);
    text.hash(&mut h);
    mix(h.finish())
}

/// splitmix64 finaliser: FxHash has weak low bits, simhash needs every bit.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
