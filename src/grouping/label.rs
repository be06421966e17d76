//! Labels of a topic: a short title, keywords, and a representative member.

use serde::Serialize;

use super::engine::{DocKey, Engine, TopicId};
use super::features::Kind;
use super::segment::segmenter;
use super::vector::dot_scaled;

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 20;
/// Longest title composed of place + problem, in characters.
const COMPOSED_TITLE_MAX_CHARS: usize = 16;
/// Words that say nothing of the problem, never put in a composed title.
/// Words that say what is wrong, put after the place and problem in a composed title.
const STATE_WORDS: &[&str] = &[
    "故障",
    "异响",
    "停运",
    "损坏",
    "坏了",
    "失灵",
    "不热",
    "不亮",
    "被占",
    "占用",
    "扰民",
    "太吵",
    "太臭",
    "拥堵",
    "不够",
    "太少",
    "漏水",
    "渗水",
    "脱岗",
    "积水",
    "堵塞",
    "脱落",
    "乱停",
    "丢失",
    "涨价",
    "缺失",
    "频繁",
    "破损",
    "开裂",
    "老化",
    "难",
    "不足",
    "没人管",
    "不及时",
    "太大",
    "噪音",
    "油烟",
    "被困",
    "进水",
    "清运",
    "维修",
    "更换",
    "增设",
    "加装",
    "整治",
    "公开",
];
const FILLER: &[&str] = &[
    "一个多",
    "星期",
    "修一修",
    "希望",
    "建议",
    "解决",
    "问题",
    "小区",
    "社区",
    "物业",
    "居民",
    "业主",
    "大家",
    "现在",
    "每天",
    "天天",
    "经常",
    "总是",
    "一直",
    "好几",
    "好多",
    "能不能",
    "可以",
    "需要",
    "还是",
    "已经",
    "今年",
    "去年",
    "晚上",
    "早上",
    "时候",
    "老人",
    "孩子",
    "我家",
    "家里",
    "楼上",
    "楼下",
    "反映",
    "情况",
    "管管",
    "一下",
    "赶紧",
    "尽快",
    "严重",
];
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
        let scored: Vec<(f32, u32)> = t
            .centroid
            .iter()
            .filter(|&&(term, _)| self.terms[term as usize].kind != Kind::Bigram)
            .filter(|&&(term, _)| self.terms[term as usize].text.is_some())
            .map(|&(term, w)| (w * self.idf_of(term), term))
            .collect();
        let scored = heaviest(scored, KEYWORDS);
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
        let title = if let Some(t) = self.composed_title(slot) {
            t
        } else if snippet.trim().is_empty() {
            keywords.join(" ")
        } else {
            whole_words(snippet, COMPOSED_TITLE_MAX_CHARS)
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

    /// A title a person would write: the topic's place and problem (`3号楼电梯停运`,
    /// `东门消防通道被占`), from its dominant places, its main concept and its most
    /// telling word; None when the topic has no concept of the lexicon.
    fn composed_title(&self, slot: u32) -> Option<String> {
        let t = &self.topics[slot as usize];
        let term_text = |term: u32| self.terms[term as usize].text.as_deref();
        let concept = t
            .centroid
            .iter()
            .filter(|&&(term, _)| self.terms[term as usize].kind == Kind::Concept)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .and_then(|&(term, _)| term_text(term))?;
        let members = t.members.len() as u32;
        let mut places: Vec<(u32, u32)> = t
            .places
            .iter()
            .copied()
            .filter(|&(_, c)| 2 * c >= members.max(1))
            .collect();
        places.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut title = String::new();
        for &(p, _) in places.iter().take(2) {
            if let Some(text) = term_text(p) {
                if text.contains(concept) || concept.contains(text) {
                    continue;
                }
                if title.chars().count() + text.chars().count() + concept.chars().count()
                    <= COMPOSED_TITLE_MAX_CHARS
                {
                    title.push_str(text);
                }
            }
        }
        title.push_str(concept);
        // The most telling word of the topic that the title does not say yet.
        let words: Vec<(f32, u32)> = t
            .centroid
            .iter()
            .filter(|&&(term, _)| self.terms[term as usize].kind == Kind::Word)
            .map(|&(term, w)| (w * self.idf_of(term), term))
            .collect();
        let words = heaviest(words, 6);
        let extra = words.iter().take(6).find_map(|&(_, term)| {
            let w = term_text(term)?;
            let n = w.chars().count();
            let plain = (1..=4).contains(&n)
                && STATE_WORDS.contains(&w)
                && !FILLER.contains(&w)
                && !w.chars().any(|c| title.contains(c));
            plain.then_some(w)
        });
        if let Some(w) = extra {
            if title.chars().count() + w.chars().count() <= COMPOSED_TITLE_MAX_CHARS {
                title.push_str(w);
            }
        }
        Some(title)
    }
}

/// The `k` heaviest of `scored`, heaviest first (the lower term id first on a tie), without
/// sorting the rest (a big topic's centroid holds thousands of terms).
fn heaviest(mut scored: Vec<(f32, u32)>, k: usize) -> Vec<(f32, u32)> {
    let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > k {
        scored.select_nth_unstable_by(k, order);
        scored.truncate(k);
    }
    scored.sort_unstable_by(order);
    scored
}

/// The first clause of `text` cut to at most `max` characters at a word boundary (never
/// in the middle of a word), without the punctuation it would end on.
fn whole_words(text: &str, max: usize) -> String {
    let clause = text
        .split(['，', ',', '。', '！', '!', '？', '?', '；', ';', ' '])
        .find(|c| !c.trim().is_empty())
        .unwrap_or(text);
    let mut out = String::new();
    for w in segmenter().cut(clause) {
        if out.chars().count() + w.chars().count() > max {
            break;
        }
        out.push_str(w);
    }
    if out.is_empty() {
        clause.chars().take(max).collect()
    } else {
        out
    }
}
