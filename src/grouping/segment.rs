//! Word segmentation: one shared jieba instance with the community-affairs dictionary,
//! loaded once per process, and the Chinese stop-word list.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use rustc_hash::{FxHashMap, FxHashSet};

const USER_DICT: &str = include_str!("data/userdict.txt");
const STOP_WORDS: &str = include_str!("data/stopwords.txt");
const SYNONYMS: &str = include_str!("data/synonyms.txt");

pub(crate) struct Segmenter {
    jieba: Jieba,
    stop: FxHashSet<&'static str>,
    /// Word → the canonical word of its concept (`音箱` → `音响`).
    canonical: FxHashMap<&'static str, &'static str>,
}

static SEGMENTER: LazyLock<Segmenter> = LazyLock::new(Segmenter::load);

/// The process-wide segmenter; the first call loads the dictionaries.
pub(crate) fn segmenter() -> &'static Segmenter {
    &SEGMENTER
}

/// Loads the dictionaries now (the service calls it at start-up so the first
/// suggestion does not pay for it).
pub fn warm_up() {
    let _ = segmenter();
}

impl Segmenter {
    fn load() -> Self {
        let mut jieba = Jieba::new();
        for line in USER_DICT.lines() {
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq = parts.next().and_then(|f| f.parse::<usize>().ok());
            jieba.add_word(word, freq, parts.next());
        }
        let stop = STOP_WORDS.split_whitespace().collect();
        let mut canonical = FxHashMap::default();
        for line in SYNONYMS.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            let Some(head) = words.next() else { continue };
            for w in words {
                if !jieba.has_word(w) {
                    jieba.add_word(w, Some(500), None);
                }
                canonical.entry(w).or_insert(head);
            }
        }
        Segmenter {
            jieba,
            stop,
            canonical,
        }
    }

    /// Words of a normalised text, in order (whitespace and punctuation included).
    pub(crate) fn cut<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// The canonical word of `word`'s concept, or `word` itself.
    pub(crate) fn canonical<'a>(&self, word: &'a str) -> &'a str {
        self.canonical.get(word).copied().unwrap_or(word)
    }

    /// Whether `word` is in the dictionary (not a piece the segmenter guessed).
    pub(crate) fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    pub(crate) fn is_stop(&self, word: &str) -> bool {
        self.stop.contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_words_stay_whole() {
        let words = segmenter().cut("希望小区加装电梯,整治噪音扰民和乱停车");
        assert!(words.contains(&"加装电梯"), "{words:?}");
        assert!(words.contains(&"噪音扰民"), "{words:?}");
    }

    #[test]
    fn synonyms_map_to_one_concept() {
        assert_eq!(segmenter().canonical("音箱"), "音响");
        assert_eq!(segmenter().canonical("排污管道"), "下水道");
        assert_eq!(segmenter().canonical("电梯"), "电梯");
    }

    #[test]
    fn chinese_stop_words_are_known() {
        assert!(segmenter().is_stop("的"));
        assert!(segmenter().is_stop("我们"));
        assert!(!segmenter().is_stop("电梯"));
    }
}
