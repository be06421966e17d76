//! Labels of a topic: a short title, keywords, and a representative member.

use serde::Serialize;

use super::engine::{DocKey, Engine, TopicId};
use super::features::Kind;
use super::vector::dot_scaled;

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 20;
const KEYWORDS: usize = 5;
/// Members examined when choosing the representative (the earliest ones).
const REPRESENTATIVE_SCAN: usize = 256;

/// What a worker sees of a topic before opening it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicLabel {
    /// At most 20 characters.
    pub title: String,
    pub keywords: Vec<String>,
    /// The member closest to the topic's centroid.
    pub representative: DocKey,
    /// Members, copies included.
    pub members: usize,
    /// Members that copy another suggestion (extra voices).
    pub copies: usize,
}

impl Engine {
    /// The label of a topic with at least one member.
    pub fn label(&self, topic: TopicId) -> Option<TopicLabel> {
        let slot = self.slot(topic)?;
        let t = &self.topics[slot as usize];
        if t.members.is_empty() {
            return None;
        }
        let mut scored: Vec<(f32, u32)> = t
            .centroid
            .iter()
            .filter(|&&(term, _)| self.terms[term as usize].kind != Kind::Bigram)
            .map(|&(term, w)| (w * self.idf_of(term), term))
            .collect();
        scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let keywords: Vec<String> = scored
            .iter()
            .filter_map(|&(_, term)| {
                self.terms[term as usize]
                    .text
                    .as_deref()
                    .map(str::to_string)
            })
            .take(KEYWORDS)
            .collect();

        let mut representative = t.members[0];
        let mut best = f32::MIN;
        for &key in t.members.iter().take(REPRESENTATIVE_SCAN) {
            let Some(d) = self.docs.get(&key) else {
                continue;
            };
            if d.copy_of.is_some() {
                continue;
            }
            let norm = d
                .vec
                .iter()
                .map(|&(term, w)| (w * self.idf_of(term)).powi(2))
                .sum::<f32>()
                .sqrt()
                .max(1e-9);
            let idf2 = |term: u32| self.idf_of(term).powi(2);
            let sim = dot_scaled(&d.vec, &t.centroid, idf2) / norm;
            if sim > best {
                best = sim;
                representative = key;
            }
        }
        let snippet = self
            .docs
            .get(&representative)
            .map(|d| d.snippet.as_ref())
            .unwrap_or("");
        let title = if snippet.trim().is_empty() {
            keywords.join(" ")
        } else {
            snippet.to_string()
        };
        Some(TopicLabel {
            title: title
                .chars()
                .take(TITLE_MAX_CHARS)
                .collect::<String>()
                .trim()
                .to_string(),
            keywords,
            representative,
            members: t.members.len(),
            copies: t.copies as usize,
        })
    }
}
