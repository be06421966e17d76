//! The community-affairs lexicon (`data/lexicon.txt`): kinds of community problems with
//! the words residents use for them, scanned longest-match in a normalised text. Each kind
//! is one concept token (`升降梯`, `停运`, `被困` → `电梯`), a strong feature of its own.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

const LEXICON: &str = include_str!("data/lexicon.txt");

pub(crate) struct Lexicon {
    /// Surface → concept.
    surfaces: FxHashMap<&'static str, &'static str>,
    /// First two characters of a surface → the longest surface that starts with them, in
    /// characters: the scan looks up only the lengths that can match at a position, and
    /// nothing at the positions where no surface starts (most of them).
    prefixes: FxHashMap<u64, usize>,
    /// Number of problem kinds.
    #[cfg_attr(not(test), allow(dead_code))]
    kinds: usize,
}

/// Two characters as one hash key.
fn pair(a: char, b: char) -> u64 {
    u64::from(a) << 32 | u64::from(b)
}

static LEX: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::parse(LEXICON));

pub(crate) fn lexicon() -> &'static Lexicon {
    &LEX
}

impl Lexicon {
    /// Parses lexicon lines: `concept surface surface …`; `#` starts a comment line. A
    /// surface listed twice keeps its first concept.
    pub(crate) fn parse(text: &'static str) -> Self {
        let mut surfaces = FxHashMap::default();
        let mut prefixes = FxHashMap::default();
        let mut kinds = 0;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(concept) = words.next() else {
                continue;
            };
            kinds += 1;
            for w in std::iter::once(concept).chain(words) {
                let chars: Vec<char> = w.chars().collect();
                let [first, second, ..] = chars[..] else {
                    continue;
                };
                let longest = prefixes.entry(pair(first, second)).or_insert(0);
                *longest = chars.len().max(*longest);
                surfaces.entry(w).or_insert(concept);
            }
        }
        Lexicon {
            surfaces,
            prefixes,
            kinds,
        }
    }

    /// Number of problem kinds.
    #[cfg(test)]
    pub(crate) fn kinds(&self) -> usize {
        self.kinds
    }

    /// Concept of one surface form.
    #[cfg(test)]
    pub(crate) fn concept_of(&self, surface: &str) -> Option<&'static str> {
        self.surfaces.get(surface).copied()
    }

    /// Concepts mentioned in `text`, in order of mention (longest match first at each
    /// position; a matched surface is skipped as a whole).
    pub(crate) fn scan(&self, text: &str) -> Vec<&'static str> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let n = chars.len();
        let bound = |k: usize| chars.get(k).map_or(text.len(), |&(b, _)| b);
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < n {
            let mut matched = 0;
            if let Some(&longest) = self.prefixes.get(&pair(chars[i].1, chars[i + 1].1)) {
                for len in (2..=longest.min(n - i)).rev() {
                    if let Some(c) = self.surfaces.get(&text[chars[i].0..bound(i + len)]) {
                        out.push(*c);
                        matched = len;
                        break;
                    }
                }
            }
            i += matched.max(1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lexicon_is_broad() {
        assert!(lexicon().kinds() >= 80, "{}", lexicon().kinds());
    }

    #[test]
    fn colloquial_forms_meet_their_concept() {
        let l = lexicon();
        for (surface, concept) in [
            ("升降梯", "电梯"),
            ("被困", "电梯"),
            ("爬楼梯", "电梯"),
            ("温乎", "暖气"),
            ("供暖", "暖气"),
            ("生命通道", "消防通道"),
            ("楼道充电", "飞线充电"),
            ("声控灯", "楼道灯"),
            ("狗屎", "狗"),
            ("杂物", "堆物"),
            ("渗水", "漏水"),
            ("快递柜", "快递"),
            ("井盖", "井盖"),
        ] {
            assert_eq!(l.concept_of(surface), Some(concept), "{surface}");
        }
    }

    #[test]
    fn scanning_takes_the_longest_form() {
        let l = lexicon();
        assert_eq!(l.scan("楼道灯坏了半个月"), vec!["楼道灯"]);
        assert_eq!(l.scan("晚上跳广场舞音箱太响"), vec!["广场舞", "广场舞"]);
        assert_eq!(l.scan("加装电梯的事"), vec!["加装电梯"]);
        assert!(l.scan("今天天气不错").is_empty());
    }
}
