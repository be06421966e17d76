//! Engine parameters. `Default` holds the tuned defaults, the same for every community.

use serde::{Deserialize, Serialize};

/// Parameters of one community's engine; every field has a default, so a config file
/// only names what it changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineConfig {
    /// Join the best candidate topic when the cosine to its centroid reaches this.
    pub join_threshold: f32,
    /// A suggestion joins only if it also reaches this cosine with one of the topic's
    /// latest members (0: off).
    pub min_member_similarity: f32,
    /// Shorter suggestions (in characters) skip that check: short paraphrases share few
    /// words with any one member, long ones about the same issue share many details.
    pub member_check_min_chars: usize,
    /// How a suggestion is compared with a topic: 0 = cosine to the centroid, 1 = average
    /// cosine to the members (average link); in between, a blend.
    pub linkage: f32,
    /// Exponent of the inverse document frequency (1 = plain TF-IDF).
    pub idf_power: f32,
    /// Exponent of the inverse document frequency of place tokens.
    pub place_idf_power: f32,
    /// Weight of segmented words.
    pub word_weight: f32,
    /// Weight of character bigrams (robustness to segmentation).
    pub bigram_weight: f32,
    /// Weight of place tokens; kept low so that the same place alone does not make the
    /// same issue.
    pub place_weight: f32,
    /// Similarity factor when the suggestion names places and the topic's dominant places
    /// are all different (same problem, other building).
    pub place_conflict_factor: f32,
    /// Places in more than this share of the community's suggestions are too common to
    /// tell issues apart (the city, the district).
    pub common_place_share: f32,
    /// Features kept per suggestion in its topic's centroid (highest weights first).
    pub max_doc_features: usize,
    /// Features kept per topic centroid.
    pub max_topic_features: usize,
    /// Highest-weighted features of a suggestion used to look up candidate topics.
    pub query_terms: usize,
    /// Most recent topics read from each posting list.
    pub postings_scan: usize,
    /// Candidate topics scored exactly.
    pub max_candidates: usize,
    /// SimHash Hamming distance (of 64 bits) under which a suggestion is a copy.
    pub simhash_max_distance: u32,
    /// Shorter suggestions (in characters) are copies only when identical.
    pub min_chars_for_near_copy: usize,
    /// Consolidation merges two topics whose centroids reach this cosine.
    pub merge_threshold: f32,
    /// Join threshold (cosine to the centroid) for a suggestion that names one of the
    /// topic's dominant places: a short text about the same building and problem shares
    /// only a few words with it.
    pub same_place_join_threshold: f32,
    /// Consolidation merges two topics about the same specific place (a named estate,
    /// school or road both name in most members) from this lower cosine: one concrete
    /// case at one place is often told as several sub-aspects (cracks, fire exits, areas).
    pub same_place_merge_threshold: f32,
    /// `min_member_similarity` for a suggestion that names one of the topic's dominant
    /// specific places.
    pub same_place_member_similarity: f32,
    /// Consolidation splits off members whose cosine to the rest of their topic is below
    /// this.
    pub split_threshold: f32,
    /// Topics with fewer members are not examined for splits.
    pub min_split_size: usize,
    /// Weight of the lexicon's problem concepts (`电梯` for 升降梯, 停运, 被困 …).
    pub concept_weight: f32,
    /// Exponent of the inverse document frequency of concepts.
    pub concept_idf_power: f32,
    /// Join threshold (cosine to the centroid) for a suggestion about the same problem
    /// (main concept) at the same place as the topic.
    pub concept_join_threshold: f32,
    /// Similarity factor when the suggestion's main problem is not the topic's (1: off; a
    /// lower factor split a city's cases, which tell one case with several problems).
    pub concept_conflict_factor: f32,
    /// Pseudo-documents of the shipped background prior blended into the document
    /// frequencies (0: the community's own statistics only); its weight fades as the
    /// community's corpus grows.
    pub prior_docs: u32,
    /// `group_all` consolidates after every this many suggestions (0: never).
    pub consolidate_every: usize,
    /// A suggestion this close (cosine) to one a worker corrected joins the topic the
    /// worker put that one in (`lessons.rs`).
    pub lesson_follow_similarity: f32,
    /// From this cosine to a corrected suggestion on, a suggestion never joins a topic the
    /// worker separated that one from.
    pub lesson_apart_similarity: f32,
    /// "Similar topics" of a topic reach at least this cosine.
    pub similar_topic_floor: f32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            join_threshold: 0.12,
            min_member_similarity: 0.30,
            member_check_min_chars: 50,
            linkage: 0.0,
            idf_power: 2.0,
            place_idf_power: 0.5,
            word_weight: 1.0,
            bigram_weight: 0.5,
            place_weight: 0.6,
            place_conflict_factor: 0.0,
            common_place_share: 0.05,
            max_doc_features: 64,
            max_topic_features: 192,
            query_terms: 8,
            postings_scan: 64,
            max_candidates: 12,
            simhash_max_distance: 3,
            min_chars_for_near_copy: 12,
            merge_threshold: 0.20,
            same_place_join_threshold: 0.08,
            same_place_merge_threshold: 0.06,
            same_place_member_similarity: 0.30,
            split_threshold: 0.15,
            min_split_size: 4,
            consolidate_every: 500,
            concept_weight: 2.0,
            concept_idf_power: 1.0,
            prior_docs: 100,
            concept_join_threshold: 0.0,
            concept_conflict_factor: 1.0,
            lesson_follow_similarity: 0.5,
            lesson_apart_similarity: 0.3,
            similar_topic_floor: 0.02,
        }
    }
}
