//! The background prior of term weights (`data/background_df.txt`): the share of
//! documents of a large, general corpus of residents' messages that hold each word or
//! concept, blended into a community's own document frequencies while it is small.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use super::term::{feature_hash, Kind};

const TABLE: &str = include_str!("data/background_df.txt");

/// Feature hash → share of background documents holding it.
static PRIOR: LazyLock<FxHashMap<u64, f32>> = LazyLock::new(|| parse(TABLE));

fn parse(text: &str) -> FxHashMap<u64, f32> {
    let mut docs = 0f32;
    let mut map = FxHashMap::default();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        match (f.next(), f.next(), f.next()) {
            (Some("#docs"), Some(n), _) => docs = n.parse().unwrap_or(0.0),
            (Some(kind), Some(term), Some(df)) if docs > 0.0 => {
                let kind = match kind {
                    "w" => Kind::Word,
                    "c" => Kind::Concept,
                    _ => continue,
                };
                if let Ok(df) = df.parse::<f32>() {
                    map.insert(feature_hash(kind, term), df / docs);
                }
            }
            _ => {}
        }
    }
    map
}

/// Share of background documents that hold the feature (0 if unknown).
pub(crate) fn share(hash: u64) -> f32 {
    PRIOR.get(&hash).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_generic_words_are_common() {
        let m = parse("#docs 100\nw 小区 40\nc 电梯 5\nx bad 1\n");
        assert_eq!(m.len(), 2);
        assert!((m[&feature_hash(Kind::Word, "小区")] - 0.4).abs() < 1e-6);
        assert!(
            share(feature_hash(Kind::Word, "小区")) > share(feature_hash(Kind::Word, "升降梯"))
        );
    }
}
