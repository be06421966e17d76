//! One community's grouping state: term statistics, topics with their centroids, an
//! inverted index from terms to topics, and copy fingerprints. Pure: no I/O, no clock.

use std::sync::atomic::{AtomicU32, Ordering};

use rustc_hash::FxHashMap;

use super::config::EngineConfig;
use super::features::{Kind, Prepared};
use super::vector::{add_into, dot_scaled, idf, max_term_scaled, weight_of, Sparse};

/// A topic id, owned by the caller (a database id).
pub type TopicId = u64;
/// A suggestion key, owned by the caller.
pub type DocKey = u64;

/// What the engine suggests for a new suggestion.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Add it to an existing topic. `duplicate_of` names the suggestion it copies, if any:
    /// a copy counts as another voice for that topic.
    Join {
        topic: TopicId,
        similarity: f32,
        duplicate_of: Option<DocKey>,
    },
    /// Open a new topic (the caller chooses its id, then calls `apply`).
    Open,
}

pub(crate) struct Term {
    pub(crate) df: u32,
    pub(crate) kind: Kind,
    pub(crate) text: Option<Box<str>>,
    /// Topic slots whose centroid holds this term (may hold stale or repeated entries).
    pub(crate) postings: Vec<u32>,
}

pub(crate) struct DocEntry {
    pub(crate) topic: u32,
    pub(crate) pinned: bool,
    /// Weights without idf, normalised with the idf of the time the doc arrived.
    pub(crate) vec: Box<[(u32, f32)]>,
    pub(crate) places: Box<[u32]>,
    pub(crate) simhash: u64,
    pub(crate) signature: u64,
    pub(crate) near_copy_ok: bool,
    pub(crate) copy_of: Option<DocKey>,
    pub(crate) snippet: Box<str>,
}

pub(crate) struct Topic {
    pub(crate) id: TopicId,
    pub(crate) members: Vec<DocKey>,
    /// Sum of the members' vectors (without idf).
    pub(crate) centroid: Sparse,
    /// Place term → number of members naming it.
    pub(crate) places: Vec<(u32, u32)>,
    /// `|idf ⊙ centroid|`, refreshed when the topic changes and round-robin otherwise.
    pub(crate) norm: f32,
    pub(crate) pinned: u32,
    pub(crate) copies: u32,
    pub(crate) dirty: bool,
    /// Members before this index were examined by the last consolidation.
    pub(crate) checked: usize,
    /// The centroid's main concept and its weight, refreshed with `norm` (every change of
    /// the centroid ends with `refresh_norm`): asked for every candidate of every suggestion.
    pub(crate) concept: Option<(u32, f32)>,
}

/// A suggestion as the engine sees it: idf-weighted, unit length.
pub(crate) struct Query {
    pub(crate) terms: Sparse,
    /// Places specific enough to tell issues apart (known or not).
    pub(crate) places: Vec<u32>,
    pub(crate) has_specific_place: bool,
    /// The suggestion's main problem: its heaviest concept of the lexicon.
    pub(crate) concept: Option<u32>,
    /// The main problem is one the community has not seen yet (so no topic has it).
    pub(crate) new_concept: bool,
}

/// One community's grouping state.
pub struct Engine {
    pub(crate) cfg: EngineConfig,
    pub(crate) terms: Vec<Term>,
    pub(crate) term_ids: FxHashMap<u64, u32>,
    /// Suggestions counted in the document frequencies.
    pub(crate) n_docs: u64,
    pub(crate) docs: FxHashMap<DocKey, DocEntry>,
    pub(crate) topics: Vec<Topic>,
    pub(crate) slots: FxHashMap<TopicId, u32>,
    pub(crate) exact: FxHashMap<u64, DocKey>,
    pub(crate) bands: FxHashMap<u64, Vec<DocKey>>,
    refresh_cursor: usize,
    /// idf by document frequency for small frequencies, for words/bigrams and places,
    /// computed at `idf_table_n` documents (reset as the corpus grows by 1 %).
    /// Each cell holds the `f32` bits, or `IDF_EMPTY` until first asked for: filling the
    /// whole table (`ln` + `powf` for every frequency up to 8192) at each reset cost more
    /// than the assignment itself, and only a few hundred frequencies are ever asked for.
    /// Atomic cells let `decide` (`&self`) fill them and keep the engine `Sync`.
    idf_table: Vec<AtomicU32>,
    idf_table_place: Vec<AtomicU32>,
    idf_table_concept: Vec<AtomicU32>,
    idf_table_n: u64,
    /// Scratch buffers of `attach` and `detach`, kept to avoid allocating per suggestion.
    scratch: Scratch,
    /// What workers' corrections taught (`lessons.rs`).
    pub(crate) lessons: super::lesson_book::Lessons,
    /// This engine among all engines of the process (see `RESOLVED`).
    uid: u64,
}

#[derive(Default)]
struct Scratch {
    /// The merged centroid, before it is copied back.
    merged: Sparse,
    new_terms: Vec<u32>,
    heavy: Vec<(u32, f32)>,
}

/// Keeps the `k` first items in `order` (sorted), in linear time plus `k log k`.
fn top_k<T>(v: &mut Vec<T>, k: usize, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if v.len() > k && k > 0 {
        v.select_nth_unstable_by(k - 1, &order);
        v.truncate(k);
    }
    v.sort_unstable_by(order);
}

/// Heaviest first, ties by lower id: a total order for entries with distinct ids.
fn by_weight(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The `k` first items of `items` in `order` (sorted) into `out`, by insertion: for the
/// small `k` used here this beats copying and partially sorting the whole input.
/// Same result as `top_k` when `order` is total on the items (distinct ids).
fn top_k_of<T: Copy>(
    items: &[T],
    k: usize,
    out: &mut Vec<T>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    out.clear();
    if k == 0 {
        // `top_k` keeps everything when `k` is 0.
        out.extend_from_slice(items);
        out.sort_unstable_by(order);
        return;
    }
    for &x in items {
        if out.len() == k {
            match out.last() {
                Some(last) if order(&x, last) == std::cmp::Ordering::Less => {
                    out.pop();
                }
                _ => continue,
            }
        }
        let pos = out.partition_point(|y| order(y, &x) != std::cmp::Ordering::Greater);
        out.insert(pos, x);
    }
}

/// Per-slot scores of `candidates`, kept between calls so that scoring needs no hash map
/// per suggestion (`decide` takes `&self`, so the scratch cannot live in the engine).
/// Every entry is back to zero between calls; `touched` lists the slots in use.
#[derive(Default)]
struct CandidateScratch {
    /// slot → (score, 1 + index of the last query term that counted it; 0: untouched)
    score: Vec<(f32, u32)>,
    touched: Vec<u32>,
}

thread_local! {
    static CANDIDATE_SCRATCH: std::cell::RefCell<CandidateScratch> =
        std::cell::RefCell::new(CandidateScratch::default());
}

/// The term ids `query` found for the last suggestion it was asked about on this thread.
/// The service decides, then applies the same suggestion: `learn` takes the ids from here
/// instead of looking each feature up again (the look-ups are most of the time of both).
/// They hold while the engine is the same one (`engine`) with the same number of terms
/// (terms are only ever added, by `learn`), and each is checked against its feature's hash.
#[derive(Default)]
struct Resolved {
    engine: u64,
    n_terms: usize,
    /// `(feature hash, term id if known)` in the order of the suggestion's features.
    ids: Vec<(u64, Option<u32>)>,
}

thread_local! {
    static RESOLVED: std::cell::RefCell<Resolved> = std::cell::RefCell::new(Resolved::default());
}

static ENGINE_UIDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

const BANDS: u64 = 4;
/// A concept holding this share of a topic's main concept's weight is part of its case.
const RELATED_CONCEPT_SHARE: f32 = 0.5;
/// Place endings that name an area or a line rather than one site.
const ANCHORLESS_PLACE_ENDS: &[&str] = &["路", "街", "道", "巷", "弄"];
/// Latest members compared one by one when `min_member_similarity` is set.
const MEMBER_SCAN: usize = 32;
const IDF_TABLE_SIZE: usize = 8192;
const BAND_SCAN: usize = 32;
/// An idf table cell not computed yet (a NaN pattern `powf` of a positive idf never gives).
const IDF_EMPTY: u32 = u32::MAX;

fn band_keys(simhash: u64) -> impl Iterator<Item = u64> {
    (0..BANDS).map(move |b| b << 16 | (simhash >> (16 * b)) & 0xffff)
}

impl Engine {
    pub fn new(cfg: EngineConfig) -> Self {
        Engine {
            cfg,
            terms: Vec::new(),
            term_ids: FxHashMap::default(),
            n_docs: 0,
            docs: FxHashMap::default(),
            topics: Vec::new(),
            slots: FxHashMap::default(),
            exact: FxHashMap::default(),
            bands: FxHashMap::default(),
            refresh_cursor: 0,
            idf_table: Vec::new(),
            idf_table_place: Vec::new(),
            idf_table_concept: Vec::new(),
            idf_table_n: 0,
            scratch: Scratch::default(),
            lessons: Default::default(),
            uid: ENGINE_UIDS.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Makes room for `docs` suggestions at once (before restoring a community from the
    /// store), so the tables do not grow, and pause, one doubling at a time.
    pub fn reserve(&mut self, docs: usize) {
        self.docs.reserve(docs);
        self.exact.reserve(docs);
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Number of suggestions currently grouped.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of topics with at least one member.
    pub fn topic_count(&self) -> usize {
        self.topics.iter().filter(|t| !t.members.is_empty()).count()
    }

    pub fn topic_of(&self, key: DocKey) -> Option<TopicId> {
        self.docs
            .get(&key)
            .map(|d| self.topics[d.topic as usize].id)
    }

    /// Members of a topic, in arrival order (after corrections, in the order they came in).
    pub fn members(&self, topic: TopicId) -> Vec<DocKey> {
        self.slot(topic)
            .map(|s| self.topics[s as usize].members.clone())
            .unwrap_or_default()
    }

    pub fn is_pinned(&self, key: DocKey) -> bool {
        self.docs.get(&key).is_some_and(|d| d.pinned)
    }

    pub(crate) fn slot(&self, topic: TopicId) -> Option<u32> {
        self.slots.get(&topic).copied()
    }

    pub(crate) fn kind_weight(&self, kind: Kind) -> f32 {
        match kind {
            Kind::Word => self.cfg.word_weight,
            Kind::Place => self.cfg.place_weight,
            Kind::Bigram => self.cfg.bigram_weight,
            Kind::Concept => self.cfg.concept_weight,
        }
    }

    pub(crate) fn idf_of(&self, term: u32) -> f32 {
        let t = &self.terms[term as usize];
        self.idf_df(t.kind, t.df)
    }

    /// Term weight from document frequency; a power above 1 favours the rare, concrete
    /// words (details) over the vocabulary a whole kind of issue shares. Places have their
    /// own, lower power: a rare place name alone must not make two suggestions one issue.
    pub(crate) fn idf_df(&self, kind: Kind, df: u32) -> f32 {
        let (table, power) = match kind {
            Kind::Place => (&self.idf_table_place, self.cfg.place_idf_power),
            Kind::Concept => (&self.idf_table_concept, self.cfg.concept_idf_power),
            _ => (&self.idf_table, self.cfg.idf_power),
        };
        match table.get(df as usize) {
            Some(cell) => match cell.load(Ordering::Relaxed) {
                IDF_EMPTY => {
                    // The same value the table would have held had it been filled at once.
                    let w = idf(self.idf_table_n, df).powf(power);
                    cell.store(w.to_bits(), Ordering::Relaxed);
                    w
                }
                bits => f32::from_bits(bits),
            },
            None => idf(self.idf_table_n.max(self.idf_docs()), df).powf(power),
        }
    }

    /// Rebuilds the idf tables when the corpus has grown by 1 % since
    /// the last build (every document while it is small): `powf` per term per suggestion would dominate the assignment time.
    fn refresh_idf_tables(&mut self) {
        let n = self.idf_docs();
        if n < self.idf_table_n + self.idf_table_n / 100 + 1 && !self.idf_table.is_empty() {
            return;
        }
        let size = (n as usize + 1).min(IDF_TABLE_SIZE);
        for table in [
            &mut self.idf_table,
            &mut self.idf_table_place,
            &mut self.idf_table_concept,
        ] {
            table.clear();
            table.resize_with(size, || AtomicU32::new(IDF_EMPTY));
        }
        self.idf_table_n = n;
    }

    /// Documents behind the idf: the community's own plus the background prior's
    /// pseudo-documents (`prior_docs`), which matter while the community is small.
    pub(crate) fn idf_docs(&self) -> u64 {
        self.n_docs + self.cfg.prior_docs as u64
    }

    /// Pseudo-document frequency of a term in the background prior, from its share there.
    fn prior_df(&self, share: f32) -> u32 {
        if self.cfg.prior_docs == 0 {
            return 0;
        }
        (share * self.cfg.prior_docs as f32).round() as u32
    }

    pub(crate) fn place_is_specific(&self, df: u32) -> bool {
        // The floor keeps places specific while the corpus is still small.
        (df as f32) <= self.cfg.common_place_share * self.n_docs as f32 + 20.0
    }

    // ---- deciding -------------------------------------------------------------------

    /// Suggests a topic for `doc` without changing anything.
    pub fn decide(&self, doc: &Prepared) -> Decision {
        if let Some((copy, similarity)) = self.find_copy(doc) {
            if let Some(d) = self.docs.get(&copy) {
                return Decision::Join {
                    topic: self.topics[d.topic as usize].id,
                    similarity,
                    duplicate_of: Some(copy),
                };
            }
        }
        let q = self.query(doc);
        // A suggestion that reads like one a worker corrected goes where the worker put it,
        // and never where the worker took it from.
        let precedent = self.precedent(&q);
        if let Some((slot, similarity)) = self.follow(precedent) {
            return Decision::Join {
                topic: self.topics[slot as usize].id,
                similarity,
                duplicate_of: None,
            };
        }
        for (slot, sim) in self.ranked_topics(&q, None) {
            if self.kept_apart(precedent, slot) {
                continue;
            }
            if self.same_case(&q, slot) && sim >= self.cfg.concept_join_threshold {
                return Decision::Join {
                    topic: self.topics[slot as usize].id,
                    similarity: sim,
                    duplicate_of: None,
                };
            }
            if sim
                < self
                    .cfg
                    .join_threshold
                    .min(self.cfg.same_place_join_threshold)
            {
                // A later candidate may still be the same case at a lower similarity.
                continue;
            }
            if sim < self.cfg.join_threshold && !self.names_topic_place_any(&q, slot) {
                continue;
            }
            let checked = self.cfg.min_member_similarity > 0.0
                && doc.compact_len >= self.cfg.member_check_min_chars;
            let min_member = || {
                if self.cfg.same_place_member_similarity < self.cfg.min_member_similarity
                    && self.names_topic_place(&q, slot)
                {
                    self.cfg.same_place_member_similarity
                } else {
                    self.cfg.min_member_similarity
                }
            };
            if !checked || self.best_member_similarity(&q, slot) >= min_member() {
                return Decision::Join {
                    topic: self.topics[slot as usize].id,
                    similarity: sim,
                    duplicate_of: None,
                };
            }
        }
        Decision::Open
    }

    /// An existing suggestion that `doc` copies (identical text, or a near copy naming
    /// the same places and numbers), with its similarity.
    pub(crate) fn find_copy(&self, doc: &Prepared) -> Option<(DocKey, f32)> {
        if doc.compact_len == 0 {
            return None;
        }
        if let Some(&k) = self.exact.get(&doc.exact) {
            if self.docs.contains_key(&k) {
                return Some((k, 1.0));
            }
        }
        if doc.compact_len < self.cfg.min_chars_for_near_copy {
            return None;
        }
        let mut best: Option<(u32, DocKey)> = None;
        for band in band_keys(doc.simhash) {
            let Some(bucket) = self.bands.get(&band) else {
                continue;
            };
            for &k in bucket.iter().rev().take(BAND_SCAN) {
                let Some(d) = self.docs.get(&k) else { continue };
                if !d.near_copy_ok || d.signature != doc.signature {
                    continue;
                }
                let dist = (d.simhash ^ doc.simhash).count_ones();
                if dist <= self.cfg.simhash_max_distance && best.is_none_or(|(b, _)| dist < b) {
                    best = Some((dist, k));
                }
            }
        }
        best.map(|(dist, k)| (k, 1.0 - dist as f32 / 64.0))
    }

    /// The idf-weighted unit vector of a prepared suggestion over known terms.
    pub(crate) fn query(&self, doc: &Prepared) -> Query {
        let mut terms = Vec::with_capacity(doc.features.len());
        let mut norm2 = 0.0f32;
        let mut places = Vec::new();
        let mut has_specific_place = false;
        // The heaviest concept, known to the community or not.
        let mut heaviest: Option<(f32, Option<u32>)> = None;
        let mut resolved = RESOLVED.take();
        resolved.engine = self.uid;
        resolved.n_terms = self.terms.len();
        resolved.ids.clear();
        for f in &doc.features {
            let id = self.term_ids.get(&f.hash).copied();
            resolved.ids.push((f.hash, id));
            let df = id.map_or_else(|| self.prior_df(f.prior), |i| self.terms[i as usize].df);
            let w = self.kind_weight(f.kind) * f.tf_weight * self.idf_df(f.kind, df);
            norm2 += w * w;
            if f.kind == Kind::Concept && heaviest.is_none_or(|(hw, _)| w > hw) {
                heaviest = Some((w, id));
            }
            if f.kind == Kind::Place && self.place_is_specific(df) {
                has_specific_place = true;
                if let Some(i) = id {
                    places.push(i);
                }
            }
            if let Some(i) = id {
                terms.push((i, w));
            }
        }
        RESOLVED.set(resolved);
        let norm = norm2.sqrt().max(1e-9);
        for t in &mut terms {
            t.1 /= norm;
        }
        terms.sort_unstable_by_key(|t| t.0);
        let concept = self.main_concept(&terms);
        Query {
            terms,
            places,
            has_specific_place,
            concept,
            new_concept: matches!(heaviest, Some((_, None))),
        }
    }

    /// Candidate topics from the inverted index: the query's heaviest terms, the most
    /// recent topics of each posting list. Bounded by the configuration, not the size.
    /// Specific places always take part: they are what tells one building's issue from
    /// the same problem elsewhere, so the topics of the same place must be candidates.
    pub(crate) fn candidates(
        &self,
        q: &[(u32, f32)],
        places: &[u32],
        exclude: Option<u32>,
    ) -> Vec<u32> {
        self.candidates_by(q, places, exclude, self.cfg.query_terms)
    }

    /// `candidates` looked up by the `query_terms` heaviest terms of `q`.
    pub(crate) fn candidates_by(
        &self,
        q: &[(u32, f32)],
        places: &[u32],
        exclude: Option<u32>,
        query_terms: usize,
    ) -> Vec<u32> {
        let mut heavy: Vec<(u32, f32)> = Vec::with_capacity(query_terms + 4);
        top_k_of(q, query_terms, &mut heavy, by_weight);
        for &p in places.iter().take(4) {
            if !heavy.iter().any(|h| h.0 == p) {
                heavy.push((p, 1.0));
            }
        }
        CANDIDATE_SCRATCH.with_borrow_mut(|acc| {
            if acc.score.len() < self.topics.len() {
                acc.score.resize(self.topics.len(), (0.0, 0));
            }
            for (i, &(t, w)) in heavy.iter().enumerate() {
                let mark = i as u32 + 1;
                for &slot in self.terms[t as usize]
                    .postings
                    .iter()
                    .rev()
                    .take(self.cfg.postings_scan)
                {
                    if Some(slot) == exclude || self.topics[slot as usize].members.is_empty() {
                        continue;
                    }
                    let e = &mut acc.score[slot as usize];
                    if e.1 == 0 {
                        acc.touched.push(slot);
                    }
                    if e.1 != mark {
                        e.0 += w;
                        e.1 = mark;
                    }
                }
            }
            // Read the scores out and leave the scratch all zero for the next call.
            let mut ranked: Vec<(u32, f32)> = Vec::with_capacity(acc.touched.len());
            for &slot in &acc.touched {
                let e = std::mem::take(&mut acc.score[slot as usize]);
                ranked.push((slot, e.0));
            }
            acc.touched.clear();
            // Slots are distinct, so the order is total and the selection deterministic.
            let k = self.cfg.max_candidates;
            if k == 0 {
                ranked.clear();
            } else {
                top_k(&mut ranked, k, by_weight);
            }
            ranked.into_iter().map(|(s, _)| s).collect()
        })
    }

    /// Cosine between a unit query and a topic centroid.
    pub(crate) fn cosine_to_topic(&self, q: &[(u32, f32)], slot: u32) -> f32 {
        let t = &self.topics[slot as usize];
        if t.norm <= 0.0 {
            return 0.0;
        }
        let dot = dot_scaled(q, &t.centroid, |term| self.idf_of(term));
        dot / self.topic_denominator(slot)
    }

    /// linkage 0: cosine to the centroid; 1: average cosine to the members (a diverse
    /// topic scores lower, so generic words cannot pull everything into one topic).
    fn topic_denominator(&self, slot: u32) -> f32 {
        let t = &self.topics[slot as usize];
        let a = self.cfg.linkage;
        let n = t.members.len().max(1) as f32;
        t.norm.powf(1.0 - a) * n.powf(a)
    }

    /// The share of `cosine_to_topic` that its single strongest shared term brings.
    fn strongest_shared_term(&self, q: &[(u32, f32)], slot: u32) -> f32 {
        let t = &self.topics[slot as usize];
        if t.norm <= 0.0 {
            return 0.0;
        }
        max_term_scaled(q, &t.centroid, |term| self.idf_of(term)) / self.topic_denominator(slot)
    }

    /// Whether a suggestion naming `q`'s places belongs elsewhere than a topic where a
    /// good share of the members name other places (same problem, other building).
    fn place_conflict(&self, q: &Query, slot: u32) -> bool {
        if !q.has_specific_place {
            return false;
        }
        let t = &self.topics[slot as usize];
        let members = t.members.len() as u32;
        let placed = t
            .places
            .iter()
            .any(|&(p, c)| 4 * c >= members && self.place_is_specific(self.terms[p as usize].df));
        if !placed {
            return false;
        }
        // The same term first: it settles most cases without comparing place names.
        let same_term = q
            .places
            .iter()
            .any(|&p| t.places.iter().any(|&(tp, c)| c > 0 && tp == p));
        !same_term
            && !q.places.iter().any(|&p| {
                t.places
                    .iter()
                    .any(|&(tp, c)| c > 0 && self.same_place(tp, p))
            })
    }

    /// Two place terms name the same place: equal, or one name inside the other
    /// (`经济学院` in `涉外经济学院`, `万科魅力之城` in `万科魅力之城4.1期`).
    pub(crate) fn same_place(&self, a: u32, b: u32) -> bool {
        if a == b {
            return true;
        }
        let (Some(x), Some(y)) = (
            self.terms[a as usize].text.as_deref(),
            self.terms[b as usize].text.as_deref(),
        ) else {
            return false;
        };
        // three CJK characters or more, not a building number
        let long_enough = |s: &str| s.len() >= 9 && !s.starts_with(|c: char| c.is_ascii_digit());
        long_enough(x) && long_enough(y) && (x.contains(y) || y.contains(x))
    }

    /// Specific places named by at least half of a topic's members.
    pub(crate) fn dominant_places(&self, slot: u32) -> Vec<u32> {
        self.dominant_place_iter(slot).collect()
    }

    /// `dominant_places` without allocating.
    pub(crate) fn dominant_place_iter(&self, slot: u32) -> impl Iterator<Item = u32> + '_ {
        let t = &self.topics[slot as usize];
        let members = t.members.len() as u32;
        t.places
            .iter()
            .filter(move |&&(p, c)| {
                2 * c >= members && self.place_is_specific(self.terms[p as usize].df)
            })
            .map(|&(p, _)| p)
    }

    /// Whether two topics may not merge for their places: one is about a place and the
    /// other about none, or each is about places the other never names.
    pub(crate) fn topics_place_conflict(&self, a: u32, b: u32) -> bool {
        let (da, db) = (self.dominant_places(a), self.dominant_places(b));
        if da.is_empty() && db.is_empty() {
            return false;
        }
        let names = |slot: u32, p: u32| {
            self.topics[slot as usize]
                .places
                .iter()
                .any(|x| self.same_place(x.0, p))
        };
        !da.iter().any(|&p| names(b, p)) && !db.iter().any(|&p| names(a, p))
    }

    /// A place that anchors one case: a specific (rare) estate, school, park … — not a
    /// road, which has issues all along it, nor a building number. Districts and cities are too common to be
    /// specific.
    pub(crate) fn is_anchor_place(&self, term: u32) -> bool {
        let t = &self.terms[term as usize];
        let Some(text) = t.text.as_deref() else {
            return false;
        };
        // A building or unit number (`5号楼`, `三单元`) is shared by every issue of the
        // building: same building, different problem must stay apart.
        let numbered = text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || "零一二三四五六七八九十百两".contains(c));
        self.place_is_specific(t.df)
            && !numbered
            && !ANCHORLESS_PLACE_ENDS.iter().any(|e| text.ends_with(e))
    }

    /// Whether both topics are mostly about one anchor place, the same one.
    pub(crate) fn topics_share_place(&self, a: u32, b: u32) -> bool {
        self.dominant_place_iter(a).any(|p| {
            self.is_anchor_place(p) && self.dominant_place_iter(b).any(|q| self.same_place(p, q))
        })
    }

    /// Whether the suggestion names one of the topic's dominant anchor places.
    fn names_topic_place(&self, q: &Query, slot: u32) -> bool {
        if q.places.is_empty() {
            return false;
        }
        self.dominant_place_iter(slot)
            .any(|p| self.is_anchor_place(p) && q.places.iter().any(|&x| self.same_place(p, x)))
    }

    /// The heaviest concept of a weighted vector (a query or a centroid).
    pub(crate) fn main_concept(&self, v: &[(u32, f32)]) -> Option<u32> {
        v.iter()
            .filter(|&&(t, w)| w > 0.0 && self.terms[t as usize].kind == Kind::Concept)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|&(t, _)| t)
    }

    /// The main concept of a topic and its weight in the centroid (kept by `refresh_norm`).
    fn topic_concept(&self, slot: u32) -> Option<(u32, f32)> {
        self.topics[slot as usize].concept
    }

    /// The suggestion's main problem is not the topic's: the topic has another main
    /// concept and gives the suggestion's less than half its weight (same place, another
    /// problem).
    pub(crate) fn concept_conflict(&self, q: &Query, slot: u32) -> bool {
        if q.new_concept {
            return self.topic_concept(slot).is_some();
        }
        let (Some(qc), Some((tc, tw))) = (q.concept, self.topic_concept(slot)) else {
            return false;
        };
        if qc == tc {
            return false;
        }
        let w = weight_of(&self.topics[slot as usize].centroid, qc);
        w < 0.5 * tw
    }

    /// Same problem at the same place: the suggestion's main concept is the topic's, and
    /// it names one of the topic's dominant places (or neither names a specific place).
    pub(crate) fn same_case(&self, q: &Query, slot: u32) -> bool {
        let (Some(qc), Some((tc, tw))) = (q.concept, self.topic_concept(slot)) else {
            return false;
        };
        if qc != tc {
            // At one building or gate, a problem the topic's members also raise is part
            // of its case (parking in the east gate's fire lane: 消防通道 and 停车).
            let w = weight_of(&self.topics[slot as usize].centroid, qc);
            if q.places.is_empty() || w < RELATED_CONCEPT_SHARE * tw {
                return false;
            }
        }
        if q.places.is_empty() {
            // About the whole community: not a topic about one building or unit.
            !q.has_specific_place && !self.topic_in_building(slot)
        } else {
            // A building, unit or gate of the community: a city's estates and roads hold
            // many cases of one kind of problem.
            self.dominant_place_iter(slot).any(|p| {
                self.is_community_place(p) && q.places.iter().any(|&x| self.same_place(p, x))
            })
        }
    }

    /// A building, unit or gate (`3号楼`, `2单元`, `东门`), as `places.rs` names them.
    pub(crate) fn is_community_place(&self, term: u32) -> bool {
        self.terms[term as usize]
            .text
            .as_deref()
            .is_some_and(|t| t.ends_with("号楼") || t.ends_with("单元") || t.ends_with('门'))
    }

    /// A suggestion that names no place (about the whole community) and a topic about one
    /// building, unit or gate.
    fn unplaced_into_building(&self, q: &Query, slot: u32) -> bool {
        !q.has_specific_place && self.topic_in_building(slot)
    }

    /// Whether most of the topic's members name one building or unit.
    fn topic_in_building(&self, slot: u32) -> bool {
        self.dominant_place_iter(slot).any(|p| {
            self.terms[p as usize]
                .text
                .as_deref()
                .is_some_and(|t| t.ends_with("号楼") || t.ends_with("单元"))
        })
    }

    /// Whether the suggestion names one of the topic's dominant specific places, building
    /// numbers included.
    fn names_topic_place_any(&self, q: &Query, slot: u32) -> bool {
        !q.places.is_empty()
            && self
                .dominant_place_iter(slot)
                .any(|p| q.places.iter().any(|&x| self.same_place(p, x)))
    }

    /// Candidate topics with their similarity, best first (ties: older topic first).
    pub(crate) fn ranked_topics(&self, q: &Query, exclude: Option<u32>) -> Vec<(u32, f32)> {
        let mut ranked: Vec<(u32, f32)> = self
            .candidates(&q.terms, &q.places, exclude)
            .into_iter()
            .map(|slot| {
                let mut sim = self.cosine_to_topic(&q.terms, slot);
                if self.place_conflict(q, slot) || self.unplaced_into_building(q, slot) {
                    sim *= self.cfg.place_conflict_factor;
                }
                if self.concept_conflict(q, slot) {
                    // Another problem: one shared word (a name, a code) is not enough
                    // to make it the same issue; the rest of the text must agree too.
                    sim -= self.strongest_shared_term(&q.terms, slot);
                    sim *= self.cfg.concept_conflict_factor;
                }
                (slot, sim)
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    pub(crate) fn best_topic(&self, q: &Query, exclude: Option<u32>) -> Option<(u32, f32)> {
        self.ranked_topics(q, exclude).first().copied()
    }

    /// Highest cosine of the query to one of the topic's latest members: a suggestion
    /// that only matches a broad topic's average, and no member, is a new issue.
    fn best_member_similarity(&self, q: &Query, slot: u32) -> f32 {
        let t = &self.topics[slot as usize];
        t.members
            .iter()
            .rev()
            .take(MEMBER_SCAN)
            .filter_map(|key| self.doc_cosine(&q.terms, *key))
            .fold(0.0f32, f32::max)
    }

    /// Cosine of a unit query to a stored suggestion, in idf space (`None`: no such
    /// suggestion, or an empty one).
    pub(crate) fn doc_cosine(&self, q: &[(u32, f32)], key: DocKey) -> Option<f32> {
        let d = self.docs.get(&key)?;
        let norm = d
            .vec
            .iter()
            .map(|&(term, w)| (w * self.idf_of(term)).powi(2))
            .sum::<f32>()
            .sqrt();
        (norm > 0.0).then(|| dot_scaled(q, &d.vec, |term| self.idf_of(term)) / norm)
    }

    /// A topic's centroid as a unit query in idf space.
    pub(crate) fn topic_query(&self, slot: u32) -> Vec<(u32, f32)> {
        let t = &self.topics[slot as usize];
        let mut q: Vec<(u32, f32)> = t
            .centroid
            .iter()
            .map(|&(term, w)| (term, w * self.idf_of(term)))
            .collect();
        let norm = q.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt().max(1e-9);
        for x in &mut q {
            x.1 /= norm;
        }
        q
    }

    // ---- changing -------------------------------------------------------------------

    /// Adds `doc` to `topic` (created if new). Idempotent for a key already in that topic;
    /// a key in another topic is moved.
    pub fn apply(&mut self, key: DocKey, doc: Prepared, topic: TopicId) {
        self.insert(key, doc, topic, false);
    }

    /// Restores a suggestion from the store at start-up.
    pub fn insert_existing(&mut self, key: DocKey, doc: Prepared, topic: TopicId, pinned: bool) {
        self.insert(key, doc, topic, pinned);
    }

    fn insert(&mut self, key: DocKey, doc: Prepared, topic: TopicId, pinned: bool) {
        if let Some(d) = self.docs.get(&key) {
            let here = self.topics[d.topic as usize].id == topic;
            if !here {
                self.move_doc(key, topic, pinned || d.pinned);
            } else if pinned {
                self.pin(key, true);
            }
            return;
        }
        let copy_of = self.find_copy(&doc).map(|(k, _)| k);
        let (exact, compact_len) = (doc.exact, doc.compact_len);
        let entry = self.learn(doc, pinned, copy_of);
        if compact_len > 0 {
            match self.exact.get(&exact) {
                Some(k) if self.docs.contains_key(k) => {}
                _ => {
                    self.exact.insert(exact, key);
                }
            }
        }
        if entry.near_copy_ok {
            for band in band_keys(entry.simhash) {
                self.bands.entry(band).or_default().push(key);
            }
        }
        let slot = self.slot_for(topic);
        self.attach(key, entry, slot);
        self.refresh_some(2);
    }

    /// Counts the suggestion's terms and builds its stored vector. Takes the document so
    /// that its texts move into the engine instead of being copied.
    fn learn(&mut self, doc: Prepared, pinned: bool, copy_of: Option<DocKey>) -> DocEntry {
        self.n_docs += 1;
        self.refresh_idf_tables();
        let near_copy_ok = doc.compact_len >= self.cfg.min_chars_for_near_copy;
        let mut weighted: Vec<(u32, f32, f32)> = Vec::with_capacity(doc.features.len());
        let mut places = Vec::new();
        let resolved = RESOLVED.take();
        let known = if resolved.engine == self.uid && resolved.n_terms == self.terms.len() {
            &resolved.ids[..]
        } else {
            &[]
        };
        for (i, f) in doc.features.into_iter().enumerate() {
            let found = match known.get(i) {
                Some(&(hash, id)) if hash == f.hash => id,
                _ => self.term_ids.get(&f.hash).copied(),
            };
            let id = match found {
                Some(id) => id,
                None => {
                    let id = self.terms.len() as u32;
                    let df = self.prior_df(f.prior);
                    self.terms.push(Term {
                        df,
                        kind: f.kind,
                        text: f.text,
                        postings: Vec::new(),
                    });
                    self.term_ids.insert(f.hash, id);
                    id
                }
            };
            self.terms[id as usize].df += 1;
            let raw = self.kind_weight(f.kind) * f.tf_weight;
            weighted.push((id, raw, raw * self.idf_of(id)));
            if f.kind == Kind::Place {
                places.push(id);
            }
        }
        RESOLVED.set(resolved);
        let norm = weighted
            .iter()
            .map(|w| w.2 * w.2)
            .sum::<f32>()
            .sqrt()
            .max(1e-9);
        // Keep the `max_doc_features` heaviest (a set: term ids are distinct, the order is
        // total), then order them by term id; ordering them by weight first is not needed.
        let k = self.cfg.max_doc_features;
        if weighted.len() > k && k > 0 {
            weighted.select_nth_unstable_by(k - 1, |a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
            weighted.truncate(k);
        }
        let mut vec: Vec<(u32, f32)> = weighted.iter().map(|w| (w.0, w.1 / norm)).collect();
        vec.sort_unstable_by_key(|t| t.0);
        places.sort_unstable();
        DocEntry {
            topic: 0,
            pinned,
            vec: vec.into_boxed_slice(),
            places: places.into_boxed_slice(),
            simhash: doc.simhash,
            signature: doc.signature,
            near_copy_ok,
            copy_of,
            snippet: doc.snippet,
        }
    }

    pub(crate) fn slot_for(&mut self, topic: TopicId) -> u32 {
        if let Some(s) = self.slot(topic) {
            return s;
        }
        let s = self.topics.len() as u32;
        self.topics.push(Topic {
            id: topic,
            members: Vec::new(),
            centroid: Vec::new(),
            places: Vec::new(),
            norm: 0.0,
            pinned: 0,
            copies: 0,
            dirty: true,
            checked: 0,
            concept: None,
        });
        self.slots.insert(topic, s);
        s
    }

    /// Puts a learnt suggestion into a topic slot.
    pub(crate) fn attach(&mut self, key: DocKey, mut entry: DocEntry, slot: u32) {
        entry.topic = slot;
        let t = &mut self.topics[slot as usize];
        let sc = &mut self.scratch;
        add_into(
            &mut t.centroid,
            &entry.vec,
            1.0,
            &mut sc.merged,
            &mut sc.new_terms,
        );
        for &p in entry.places.iter() {
            match t.places.iter_mut().find(|x| x.0 == p) {
                Some(x) => x.1 += 1,
                None => t.places.push((p, 1)),
            }
        }
        t.members.push(key);
        t.pinned += u32::from(entry.pinned);
        t.copies += u32::from(entry.copy_of.is_some());
        t.dirty = true;
        for &term in &sc.new_terms {
            self.terms[term as usize].postings.push(slot);
        }
        // Keep active topics near the end of the posting lists of their heaviest terms.
        top_k_of(&entry.vec, 4, &mut sc.heavy, by_weight);
        for &(term, _) in &sc.heavy {
            let postings = &mut self.terms[term as usize].postings;
            if !postings.iter().rev().take(8).any(|&s| s == slot) {
                postings.push(slot);
            }
        }
        self.docs.insert(key, entry);
        self.prune(slot);
        self.refresh_norm(slot);
    }

    /// Takes a suggestion out of its topic; returns its entry.
    pub(crate) fn detach(&mut self, key: DocKey) -> Option<DocEntry> {
        let entry = self.docs.remove(&key)?;
        let t = &mut self.topics[entry.topic as usize];
        let sc = &mut self.scratch;
        add_into(
            &mut t.centroid,
            &entry.vec,
            -1.0,
            &mut sc.merged,
            &mut sc.new_terms,
        );
        for &p in entry.places.iter() {
            if let Some(x) = t.places.iter_mut().find(|x| x.0 == p) {
                x.1 = x.1.saturating_sub(1);
            }
        }
        t.places.retain(|x| x.1 > 0);
        if let Some(pos) = t.members.iter().position(|&k| k == key) {
            t.members.remove(pos);
            if pos < t.checked {
                t.checked -= 1;
            }
        }
        t.pinned -= u32::from(entry.pinned).min(t.pinned);
        t.copies -= u32::from(entry.copy_of.is_some()).min(t.copies);
        if t.members.is_empty() {
            t.centroid.clear();
            t.places.clear();
        }
        t.dirty = true;
        let slot = entry.topic;
        self.refresh_norm(slot);
        Some(entry)
    }

    /// Keeps a centroid within `max_topic_features` (amortised: prunes at 1.5×).
    fn prune(&mut self, slot: u32) {
        let cap = self.cfg.max_topic_features;
        if self.topics[slot as usize].centroid.len() <= cap + cap / 2 {
            return;
        }
        let mut c = std::mem::take(&mut self.topics[slot as usize].centroid);
        c.sort_unstable_by(|a, b| {
            (b.1 * self.idf_of(b.0))
                .total_cmp(&(a.1 * self.idf_of(a.0)))
                .then(a.0.cmp(&b.0))
        });
        c.truncate(cap);
        c.sort_unstable_by_key(|t| t.0);
        self.topics[slot as usize].centroid = c;
    }

    pub(crate) fn refresh_norm(&mut self, slot: u32) {
        let t = &self.topics[slot as usize];
        let n2: f32 = t
            .centroid
            .iter()
            .map(|&(term, w)| {
                let x = w * self.idf_of(term);
                x * x
            })
            .sum();
        let concept = self
            .main_concept(&t.centroid)
            .map(|c| (c, weight_of(&t.centroid, c)));
        let t = &mut self.topics[slot as usize];
        t.norm = n2.sqrt();
        t.concept = concept;
    }

    /// Term weights drift as the community's corpus grows; refresh a few norms per
    /// insertion so every topic is refreshed regularly at bounded cost.
    fn refresh_some(&mut self, n: usize) {
        for _ in 0..n.min(self.topics.len()) {
            self.refresh_cursor = (self.refresh_cursor + 1) % self.topics.len();
            self.refresh_norm(self.refresh_cursor as u32);
        }
    }

    /// Withdraws a suggestion (withdrawn, rejected). Its words stay in the statistics.
    pub fn remove(&mut self, key: DocKey) {
        self.detach(key);
    }

    /// A worker's correction: moves a suggestion to `to` (created if new), pinned or not.
    pub fn move_doc(&mut self, key: DocKey, to: TopicId, pin: bool) {
        let Some(mut entry) = self.detach(key) else {
            return;
        };
        entry.pinned = pin;
        let slot = self.slot_for(to);
        self.attach(key, entry, slot);
    }

    /// Pins (or unpins) a suggestion: consolidation never moves a pinned suggestion.
    pub fn pin(&mut self, key: DocKey, pinned: bool) {
        let Some(d) = self.docs.get_mut(&key) else {
            return;
        };
        if d.pinned == pinned {
            return;
        }
        d.pinned = pinned;
        let t = &mut self.topics[d.topic as usize];
        if pinned {
            t.pinned += 1;
        } else {
            t.pinned = t.pinned.saturating_sub(1);
        }
    }

    /// A worker's merge: every member of `from` moves to `into`, keeping its pin.
    pub fn merge_topics(&mut self, from: TopicId, into: TopicId) {
        if from == into {
            return;
        }
        for key in self.members(from) {
            let pinned = self.is_pinned(key);
            self.move_doc(key, into, pinned);
        }
    }
}
