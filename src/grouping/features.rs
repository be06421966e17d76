//! Features of one suggestion, computed without any engine state: words, place tokens,
//! character bigrams, and the fingerprints used to find copies.

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use super::lexicon::lexicon;
use super::normalise::normalise_display;
use super::places::{self, PlaceKind};
use super::segment::segmenter;
pub(crate) use super::term::feature_hash;
use super::term::mix;
pub use super::term::Kind;

/// Parts of the shipped knowledge switched off for an ablation, from the environment
/// variable `MINYI_GROUPING_ABLATE` (comma-separated: `lexicon`, `places`).
struct Ablate {
    lexicon: bool,
    places: bool,
}

static ABLATE: std::sync::LazyLock<Ablate> = std::sync::LazyLock::new(|| {
    let v = std::env::var("MINYI_GROUPING_ABLATE").unwrap_or_default();
    let has = |w: &str| v.split(',').any(|x| x.trim() == w);
    Ablate {
        lexicon: has("lexicon"),
        places: has("places"),
    }
});

/// Weight of a concept mentioned in passing (not the suggestion's main problem), before
/// the engine's `1 + ln(tf)`: about a third of the main problem's.
const PASSING_CONCEPT_TF: f32 = 0.5;

/// One feature with its term frequency in the suggestion.
#[derive(Clone, Debug)]
pub struct Feature {
    pub(crate) hash: u64,
    /// `1 + ln(term frequency)` (the frequency while counting).
    pub(crate) tf_weight: f32,
    /// Share of the background prior's documents that hold the feature (0 when it has
    /// none). Both are computed while preparing, outside the engine's lock.
    pub(crate) prior: f32,
    pub(crate) kind: Kind,
    /// The surface text of words and places (for keywords); bigrams carry none.
    pub(crate) text: Option<Box<str>>,
}

/// The normalised text and features of one suggestion. Computing it is the CPU-heavy,
/// state-free part of grouping, so it can run outside the per-community lock.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub(crate) features: Vec<Feature>,
    pub(crate) simhash: u64,
    pub(crate) exact: u64,
    /// Hash of the place and number tokens: near-copies must agree on it exactly.
    pub(crate) signature: u64,
    /// Characters of text (letters, digits, CJK) after normalisation.
    pub(crate) compact_len: usize,
    /// A short human-readable line: the subject, or the first clause of the text.
    pub(crate) snippet: Box<str>,
}

impl Prepared {
    /// The title-like line of this suggestion (normalised subject, else first clause).
    pub fn snippet(&self) -> &str {
        &self.snippet
    }

    /// Number of distinct features (0 for an empty or all-punctuation text).
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// Keywords of the suggestion alone: words and places by frequency.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.features.iter().filter_map(|f| f.text.as_deref())
    }
}

/// Suffixes that turn the word before them into a place name.
const PLACE_SUFFIXES: &[&str] = &[
    "小区",
    "社区",
    "花园",
    "家园",
    "新城",
    "新村",
    "公寓",
    "大厦",
    "广场",
    "大道",
    "街道",
    "路",
    "街",
    "巷",
    "弄",
    "村",
    "镇",
    "乡",
    "苑",
    "城",
    "府",
    "园",
    "湾",
    "庭",
    "学校",
    "小学",
    "中学",
    "大学",
    "学院",
    "幼儿园",
    "医院",
    "公园",
    "市场",
    "商场",
    "银行",
    "公司",
    "集团",
];

/// Units that turn a number before them into a place (building, unit, room …).
const PLACE_UNITS: &[&str] = &[
    "栋", "幢", "号楼", "楼", "单元", "号", "室", "期", "区", "县", "市", "路", "巷", "弄", "组",
    "村", "排", "门", "座",
];

/// Words that are places on their own in a residential community.
const PLACE_WORDS: &[&str] = &[
    "东门",
    "西门",
    "南门",
    "北门",
    "正门",
    "后门",
    "侧门",
    "车棚",
    "地下车库",
    "中心广场",
];

/// Words before a suffix that do not name a place (`老旧小区`, `这个小区`).
const GENERIC_PLACE_HEADS: &[&str] = &[
    "老旧",
    "这个",
    "那个",
    "整个",
    "附近",
    "周边",
    "其他",
    "各个",
    "所在",
    "我们",
    "本",
    "该",
    "新",
    "老",
    "旧",
    "大",
    "小",
    "一个",
    "高档",
    "商品房",
    "安置",
    "拆迁",
    "农村",
    "城市",
    "马",
    "公",
    "道",
    "网",
    "一",
    "两",
    "几",
    "多",
    "同",
    "全",
    "省",
    "市",
    "县",
    "区",
];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_text_char(c: char) -> bool {
    super::normalise::is_alphanumeric(c)
}

/// A Chinese numeral character (a `matches!` table: asked for every word of every text).
fn is_cn_numeral(c: char) -> bool {
    matches!(
        c,
        '零' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '百' | '两'
    )
}

fn is_numberish(w: &str) -> bool {
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || is_cn_numeral(c))
        && w.chars().any(|c| c.is_ascii_digit() || is_cn_numeral(c))
}

fn is_word(w: &str) -> bool {
    w.chars().any(is_text_char)
}

/// A token after place detection.
enum Tok<'a> {
    Place(String),
    Word(&'a str),
    Stop,
    Break,
}

/// The place word lists as hash sets: every word of every text is looked up in them,
/// and comparing it with each entry in turn was a tenth of all preparation.
struct PlaceSets {
    suffixes: FxHashSet<&'static str>,
    units: FxHashSet<&'static str>,
    words: FxHashSet<&'static str>,
    /// Longest suffix, in characters.
    max_suffix_chars: usize,
}

static PLACE_SETS: LazyLock<PlaceSets> = LazyLock::new(|| PlaceSets {
    suffixes: PLACE_SUFFIXES.iter().copied().collect(),
    units: PLACE_UNITS.iter().copied().collect(),
    words: PLACE_WORDS.iter().copied().collect(),
    max_suffix_chars: PLACE_SUFFIXES
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0),
});

impl PlaceSets {
    /// Whether `w` (of `n` characters) ends with a place suffix shorter than itself.
    fn ends_with_suffix(&self, w: &str, n: usize) -> bool {
        w.char_indices()
            .rev()
            .take(self.max_suffix_chars.min(n.saturating_sub(1)))
            .any(|(i, _)| self.suffixes.contains(&w[i..]))
    }
}

/// Groups jieba tokens into places, words, stop words and breaks (punctuation, spaces).
fn tokens(text: &str) -> Vec<Tok<'_>> {
    let seg = segmenter();
    let sets = &*PLACE_SETS;
    let words = seg.cut(text);
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if !is_word(w) {
            out.push(Tok::Break);
            i += 1;
            continue;
        }
        // number + unit: 3栋, a2区, 5单元, 三号楼
        if is_numberish(w) {
            if let Some(u) = words.get(i + 1).filter(|u| sets.units.contains(*u)) {
                let mut place = format!("{w}{u}");
                i += 2;
                if let Some(u2) = words.get(i).filter(|u| sets.units.contains(*u)) {
                    place.push_str(u2);
                    i += 1;
                }
                out.push(Tok::Place(place));
                continue;
            }
        }
        // name + suffix: 丽发 + 新城, 东六 + 路
        if let Some(s) = words.get(i + 1).filter(|s| sets.suffixes.contains(*s)) {
            if w.chars().all(is_cjk)
                && w.chars().count() >= 2
                && !seg.is_stop(w)
                && !GENERIC_PLACE_HEADS.contains(&w)
            {
                out.push(Tok::Place(format!("{w}{s}")));
                i += 2;
                continue;
            }
        }
        let n = w.chars().count();
        if n >= 3
            && w.chars().all(is_cjk)
            && sets.ends_with_suffix(w, n)
            && !GENERIC_PLACE_HEADS.iter().any(|h| w.starts_with(h))
        {
            out.push(Tok::Place(w.to_string()));
            i += 1;
            continue;
        }
        if sets.words.contains(w) {
            out.push(Tok::Place(w.to_string()));
        } else if seg.is_stop(w) {
            out.push(Tok::Stop);
        } else {
            out.push(Tok::Word(w));
        }
        i += 1;
    }
    out
}

#[derive(Default)]
struct Counter {
    map: FxHashMap<u64, usize>,
    features: Vec<Feature>,
}

impl Counter {
    fn add(&mut self, kind: Kind, text: &str, weight: f32) {
        let h = feature_hash(kind, text);
        match self.map.entry(h) {
            Entry::Occupied(i) => {
                self.features[*i.get()].tf_weight += weight;
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(self.features.len());
            }
        }
        let text = (kind != Kind::Bigram).then(|| text.into());
        // The prior holds words and concepts only.
        let prior = if matches!(kind, Kind::Word | Kind::Concept) {
            super::prior::share(h)
        } else {
            0.0
        };
        self.features.push(Feature {
            hash: h,
            tf_weight: weight,
            prior,
            kind,
            text,
        });
    }
}

/// Adds the features of one normalised text; `weight` counts each occurrence. Community
/// places (buildings, units, gates) are taken out first in their canonical form, then the
/// rest is segmented; the concepts of the lexicon found in it are appended to `concepts`.
fn add_text(
    c: &mut Counter,
    text: &str,
    weight: f32,
    sig: &mut Vec<String>,
    concepts: &mut Vec<&'static str>,
) {
    let hits = if ABLATE.places {
        Vec::new()
    } else {
        places::scan(text)
    };
    let residual: std::borrow::Cow<'_, str> = if hits.is_empty() {
        text.into()
    } else {
        let mut r = String::with_capacity(text.len());
        let mut last = 0;
        for h in &hits {
            r.push_str(&text[last..h.start]);
            r.push(' ');
            last = h.end;
            if h.kind != PlaceKind::Floor {
                c.add(Kind::Place, &h.canonical, weight);
                sig.push(h.canonical.clone());
            }
        }
        r.push_str(&text[last..]);
        r.into()
    };
    let text: &str = &residual;
    if !ABLATE.lexicon {
        concepts.extend(lexicon().scan(text));
    }
    let mut run: Vec<char> = Vec::new();
    let flush = |c: &mut Counter, run: &mut Vec<char>| {
        if run.len() < 2 {
            run.clear();
            return;
        }
        let mut buf = String::with_capacity(8);
        for pair in run.windows(2) {
            buf.clear();
            buf.push(pair[0]);
            buf.push(pair[1]);
            c.add(Kind::Bigram, &buf, weight);
        }
        run.clear();
    };
    for tok in tokens(text) {
        match tok {
            Tok::Place(p) => {
                flush(c, &mut run);
                c.add(Kind::Place, &p, weight);
                sig.push(p);
            }
            Tok::Word(w) => {
                let n = w.chars().count();
                let digits = w.chars().all(|ch| ch.is_ascii_digit());
                if digits {
                    sig.push(w.to_string());
                } else if n >= 2 || w.chars().all(is_cjk) {
                    c.add(Kind::Word, segmenter().canonical(w), weight);
                }
                // Bigrams make Chinese text robust to segmentation; a Latin or digit
                // token (a code, a plate, a run id) is one word already, and its letter
                // pairs would count one shared token many times over.
                if w.chars().all(is_cjk) {
                    run.extend(w.chars());
                } else {
                    flush(c, &mut run);
                }
            }
            Tok::Stop | Tok::Break => flush(c, &mut run),
        }
    }
    flush(c, &mut run);
}

/// Adds the concepts of a suggestion: the main problem (the most mentioned, the first
/// mentioned on a tie) at full weight, the others as mentioned in passing.
fn add_concepts(c: &mut Counter, concepts: &[&'static str]) {
    let mut counts: Vec<(&'static str, f32)> = Vec::new();
    for (i, &k) in concepts.iter().enumerate() {
        let first_bonus = if i == 0 { 0.5 } else { 0.0 };
        match counts.iter_mut().find(|x| x.0 == k) {
            Some(x) => x.1 += 1.0,
            None => counts.push((k, 1.0 + first_bonus)),
        }
    }
    let Some(best) = counts.iter().map(|x| x.1).reduce(f32::max) else {
        return;
    };
    let mut main_done = false;
    for &(k, n) in &counts {
        if !main_done && n == best {
            main_done = true;
            c.add(Kind::Concept, k, 1.0);
        } else {
            c.add(Kind::Concept, k, PASSING_CONCEPT_TF);
        }
    }
}

/// Shortest readable line: the text up to the first sentence end, at most 40 characters.
fn first_clause(text: &str) -> String {
    let end = text.find(['。', '!', '?', ';', '\n']).unwrap_or(text.len());
    text[..end].chars().take(40).collect()
}

fn simhash(compact: &[char]) -> u64 {
    if compact.len() < 3 {
        let mut h = FxHasher::default();
        compact.hash(&mut h);
        return mix(h.finish());
    }
    // A bit is set when more shingles have it set than not (ones > n − ones). The 64
    // counts of ones are kept bit-sliced: `planes[k]` holds bit k of every count, and
    // adding a hash is a ripple-carry add of all 64 counts at once (a few word operations
    // per plane until nothing carries, instead of 64 additions).
    let mut planes = [0u64; 64];
    let mut n = 0u64;
    for w in compact.windows(3) {
        let mut h = FxHasher::default();
        w.hash(&mut h);
        let mut carry = mix(h.finish());
        for plane in planes.iter_mut() {
            if carry == 0 {
                break;
            }
            let sum = *plane ^ carry;
            carry &= *plane;
            *plane = sum;
        }
        n += 1;
    }
    (0..64).fold(0u64, |s, bit| {
        let ones = planes
            .iter()
            .enumerate()
            .fold(0u64, |o, (k, plane)| o | (plane >> bit & 1) << k);
        if 2 * ones > n {
            s | 1 << bit
        } else {
            s
        }
    })
}

/// Normalises and featurises one suggestion. Text is subject + text; subject words count
/// twice, since a subject states the issue in few words.
pub fn prepare(subject: Option<&str>, text: &str) -> Prepared {
    Normalised::new(subject, text).prepare()
}

/// A suggestion normalised, with what follows from its characters alone: the part of
/// preparing that needs no dictionary, so that a batch can start on it while the
/// segmentation dictionaries load.
pub struct Normalised {
    subject: String,
    body: String,
    simhash: u64,
    exact: u64,
    compact_len: usize,
    snippet: Box<str>,
}

impl Normalised {
    pub fn new(subject: Option<&str>, text: &str) -> Self {
        let subject_display = subject.map(normalise_display).unwrap_or_default();
        let body_display = normalise_display(text);
        let subject = subject_display.to_ascii_lowercase();
        let body = body_display.to_ascii_lowercase();
        let compact: Vec<char> = subject
            .chars()
            .chain(body.chars())
            .filter(|&c| is_text_char(c))
            .collect();
        let mut h = FxHasher::default();
        compact.hash(&mut h);
        let exact = mix(h.finish());
        let snippet = if subject.is_empty() {
            first_clause(&body_display)
        } else {
            first_clause(&subject_display)
        };
        Normalised {
            subject,
            body,
            simhash: simhash(&compact),
            exact,
            compact_len: compact.len(),
            snippet: snippet.into(),
        }
    }

    /// The features: places, words, bigrams and concepts.
    pub fn prepare(&self) -> Prepared {
        let mut counter = Counter::default();
        let mut sig = Vec::new();
        let mut concepts = Vec::new();
        if !self.subject.is_empty() {
            add_text(&mut counter, &self.subject, 1.0, &mut sig, &mut concepts);
        }
        add_text(&mut counter, &self.body, 1.0, &mut sig, &mut concepts);
        add_concepts(&mut counter, &concepts);
        sig.sort_unstable();
        sig.dedup();
        let mut h = FxHasher::default();
        sig.hash(&mut h);
        let mut features = counter.features;
        for f in &mut features {
            f.tf_weight = 1.0 + f.tf_weight.ln();
        }
        Prepared {
            features,
            simhash: self.simhash,
            exact: self.exact,
            signature: mix(h.finish()),
            compact_len: self.compact_len,
            snippet: self.snippet.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(p: &Prepared) -> Vec<String> {
        p.features
            .iter()
            .filter(|f| f.kind == Kind::Place)
            .filter_map(|f| f.text.as_deref().map(str::to_string))
            .collect()
    }

    #[test]
    fn building_and_unit_numbers_are_places() {
        let p = prepare(None, "3号楼2单元的电梯又坏了");
        let pl = places(&p);
        assert!(pl.iter().any(|x| x.starts_with('3')), "{pl:?}");
        assert!(pl.iter().any(|x| x.contains("单元")), "{pl:?}");
    }

    #[test]
    fn named_places_are_places_and_not_bigrams() {
        let p = prepare(None, "丽发新城附近的搅拌站噪音很大");
        assert!(
            places(&p).contains(&"丽发新城".to_string()),
            "{:?}",
            places(&p)
        );
        let bigram = feature_hash(Kind::Bigram, "丽发");
        assert!(p.features.iter().all(|f| f.hash != bigram));
    }

    #[test]
    fn copies_share_fingerprints_and_other_texts_do_not() {
        let a = prepare(Some("电梯坏了"), "5栋的电梯坏了一个星期,没人来修");
        let b = prepare(Some("电梯坏了"), "5栋的电梯坏了一个星期，没人来修！");
        let c = prepare(Some("电梯坏了"), "6栋的电梯坏了一个星期，没人来修！");
        assert_eq!(a.exact, b.exact);
        assert_eq!(a.signature, b.signature);
        assert_ne!(a.signature, c.signature);
    }

    #[test]
    fn stop_words_are_not_features() {
        let p = prepare(None, "我们的电梯");
        assert!(p.words().all(|w| w != "我们" && w != "的"));
        assert!(p.words().any(|w| w == "电梯"));
    }

    #[test]
    fn empty_text_has_no_features() {
        let p = prepare(None, " 。。!! ");
        assert_eq!(p.feature_count(), 0);
    }
}
