//! A community's own synonyms, and the ones its workers' corrections propose.
//!
//! The shipped lexicon (`data/lexicon.txt`) knows the words residents usually write for each
//! kind of problem; a community has its own (`升降机` in one estate, `大铁门` for a gate in
//! another). When a worker moves a suggestion into a topic, or merges two topics, the
//! suggestion said the topic's problem in words the engine did not know: its most specific
//! word that the topic's suggestions do not use is a candidate synonym of the topic's problem.
//! Candidates are counted over all of a community's corrections; a worker accepts or rejects
//! them (`/communities/{id}/synonyms`), and the accepted ones rewrite that community's texts
//! before grouping, so the engine meets the problem's own word.

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};

use super::features::{Kind, Prepared};
use super::lexicon::lexicon;
use super::prior;

/// A word held by more than this share of the background corpus says nothing specific
/// (`小区`, `问题`, `现在`): never proposed.
const GENERIC_SHARE: f32 = 0.01;

/// Characters of a proposed word.
const MIN_CHARS: usize = 2;
const MAX_CHARS: usize = 8;

/// Accepted synonyms of one community: each surface is rewritten to its canonical word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synonyms {
    /// (surface, canonical), longest surface first.
    pairs: Vec<(String, String)>,
}

impl Synonyms {
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut pairs: Vec<(String, String)> = pairs
            .into_iter()
            .filter(|(s, c)| !s.is_empty() && s != c)
            .collect();
        pairs.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(a.0.cmp(&b.0))
        });
        pairs.dedup_by(|a, b| a.0 == b.0);
        Synonyms { pairs }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `text` with every surface replaced by its canonical word, scanning left to right and
    /// taking the longest surface at each position (a rewritten word is not rewritten again).
    pub fn apply<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.pairs.is_empty() || !self.pairs.iter().any(|(s, _)| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut rest = text;
        'scan: while let Some(c) = rest.chars().next() {
            for (s, canonical) in &self.pairs {
                if rest.starts_with(s.as_str()) {
                    out.push_str(canonical);
                    rest = &rest[s.len()..];
                    continue 'scan;
                }
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        Cow::Owned(out)
    }

    /// Prepares a suggestion after rewriting its title and text.
    pub fn prepare(&self, title: Option<&str>, text: &str) -> Prepared {
        if self.pairs.is_empty() {
            return super::features::prepare(title, text);
        }
        let title = title.map(|t| self.apply(t));
        super::features::prepare(title.as_deref(), &self.apply(text))
    }
}

/// A candidate synonym: residents of this community wrote `surface` for `canonical`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub surface: String,
    pub canonical: String,
    /// Corrected suggestions that point to it (each counted once).
    pub evidence: u32,
    /// The first few of them (ids), for a worker to read before deciding.
    pub examples: Vec<u64>,
}

/// Examples kept per proposal.
const EXAMPLES: usize = 3;

/// The main problem of a prepared suggestion: its heaviest concept.
fn main_concept(p: &Prepared) -> Option<&str> {
    p.features
        .iter()
        .filter(|f| f.kind == Kind::Concept)
        .max_by(|a, b| a.tf_weight.total_cmp(&b.tf_weight))
        .and_then(|f| f.text.as_deref())
}

/// Whether `w` may be proposed: a word of the dictionary (not a piece the segmenter guessed,
/// such as `锈得`) of a sensible length, not a number, not already a surface of the lexicon
/// nor a stop word, and specific (rare in the background corpus).
fn proposable(w: &str) -> bool {
    let n = w.chars().count();
    let seg = super::segment::segmenter();
    (MIN_CHARS..=MAX_CHARS).contains(&n)
        && w.chars().all(|c| c.is_alphabetic())
        && !w.chars().any(|c| c.is_ascii())
        && seg.knows(w)
        && !seg.is_stop(w)
        && lexicon().scan(w).is_empty()
        && prior::share(super::features::feature_hash(Kind::Word, w)) <= GENERIC_SHARE
}

/// What one correction suggests: the moved suggestion's most specific word that the anchor
/// does not use, as a synonym of the anchor's problem, when the moved suggestion names no
/// problem of the lexicon (a suggestion about another known problem is joined for another
/// reason, and its words are not synonyms).
pub fn candidate(moved: &Prepared, anchor: &Prepared) -> Option<(String, String)> {
    let canonical = main_concept(anchor)?;
    if main_concept(moved).is_some() {
        return None;
    }
    let anchor_words: FxHashSet<&str> = anchor
        .features
        .iter()
        .filter(|f| f.kind == Kind::Word)
        .filter_map(|f| f.text.as_deref())
        .collect();
    moved
        .features
        .iter()
        .filter(|f| f.kind == Kind::Word)
        .filter_map(|f| Some((f.text.as_deref()?, f.prior, f.tf_weight)))
        .filter(|(w, _, _)| !anchor_words.contains(w) && proposable(w))
        // Rarest first, then the more often said, then the first in the text.
        .min_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(w, _, _)| (w.to_string(), canonical.to_string()))
}

/// Candidates over many corrections: `pairs` are (moved suggestion id, its prepared text,
/// the anchor's prepared text). Each candidate counts the distinct moved suggestions behind
/// it; most evidence first, then by surface.
pub fn propose<'a>(
    pairs: impl IntoIterator<Item = (u64, &'a Prepared, &'a Prepared)>,
) -> Vec<Proposal> {
    let mut seen: FxHashMap<(String, String), FxHashSet<u64>> = FxHashMap::default();
    for (id, moved, anchor) in pairs {
        if let Some(c) = candidate(moved, anchor) {
            seen.entry(c).or_default().insert(id);
        }
    }
    let mut out: Vec<Proposal> = seen
        .into_iter()
        .map(|((surface, canonical), ids)| {
            let mut examples: Vec<u64> = ids.iter().copied().collect();
            examples.sort_unstable();
            examples.truncate(EXAMPLES);
            Proposal {
                surface,
                canonical,
                evidence: ids.len() as u32,
                examples,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.evidence
            .cmp(&a.evidence)
            .then_with(|| a.surface.cmp(&b.surface))
            .then_with(|| a.canonical.cmp(&b.canonical))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grouping::prepare;

    #[test]
    fn accepted_synonyms_rewrite_the_longest_surface_once() {
        let s = Synonyms::new([
            ("升降机".to_string(), "电梯".to_string()),
            ("升降".to_string(), "上下".to_string()),
            ("大铁门".to_string(), "东门".to_string()),
        ]);
        assert_eq!(s.apply("3号楼升降机又坏了"), "3号楼电梯又坏了");
        assert_eq!(
            s.apply("大铁门没人管，升降杆坏了"),
            "东门没人管，上下杆坏了"
        );
        assert!(matches!(s.apply("今天天气不错"), Cow::Borrowed(_)));
        assert_eq!(Synonyms::default().apply("升降机"), "升降机");
    }

    #[test]
    fn a_rewritten_suggestion_meets_the_lexicon() {
        let s = Synonyms::new([("升降机".to_string(), "电梯".to_string())]);
        let before = prepare(None, "咱们楼的升降机三天两头趴窝");
        let after = prepare(None, &s.apply("咱们楼的升降机三天两头趴窝"));
        assert_eq!(main_concept(&after), Some("电梯"));
        assert_ne!(main_concept(&before), Some("电梯"));
    }

    #[test]
    fn a_move_proposes_the_moved_words_for_the_topics_problem() {
        let anchor = prepare(None, "3号楼电梯经常坏，老人上下楼很困难");
        let moved = prepare(None, "3号楼的升降机老趴窝，修了又坏");
        let Some(c) = candidate(&moved, &anchor) else {
            panic!("no candidate");
        };
        assert_eq!(c.1, "电梯");
        assert_ne!(c.0, "3号楼");
        assert!(proposable(&c.0), "{c:?}");
    }

    #[test]
    fn nothing_is_proposed_between_two_known_problems_or_from_a_topic_without_one() {
        let lift = prepare(None, "电梯经常坏");
        let dogs = prepare(None, "小区里遛狗不拴绳");
        assert_eq!(candidate(&dogs, &lift), None);
        let unknown = prepare(None, "希望多组织些读书会活动");
        let other = prepare(None, "组织书法兴趣班吧");
        assert_eq!(candidate(&other, &unknown), None);
    }

    #[test]
    fn generic_words_are_never_proposed() {
        for w in ["小区", "问题", "现在", "希望", "12", "ab", "锈得"] {
            assert!(!proposable(w), "{w}");
        }
    }

    #[test]
    fn evidence_counts_distinct_moved_suggestions() {
        let anchor = prepare(None, "电梯经常坏");
        let a = prepare(None, "升降机老趴窝");
        let b = prepare(None, "这个升降机太旧了");
        let out = propose([(1, &a, &anchor), (1, &a, &anchor), (2, &b, &anchor)]);
        let top = &out[0];
        assert_eq!(
            (top.canonical.as_str(), top.evidence),
            ("电梯", 2),
            "{out:?}"
        );
    }
}
