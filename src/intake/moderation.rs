//! Sensitive-word screening at intake: one Aho-Corasick automaton over the words, so the cost
//! does not grow with the number of words. A community's words are the configured list
//! (`intake.sensitive_words`) plus the lists its admins keep for the district and for the
//! community (`moderation_word_list`), cached for a few seconds per community.
use crate::domain::ids::CommunityId;
use crate::store::DynStore;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct WordFilter {
    matcher: Option<AhoCorasick>,
    words: Vec<String>,
}

impl WordFilter {
    pub fn new(words: &[String]) -> anyhow::Result<Self> {
        let words: Vec<String> = words
            .iter()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let matcher = if words.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&words)?,
            )
        };
        Ok(Self { matcher, words })
    }

    /// The words, trimmed, without empty ones.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// This filter's words and `extra` (duplicates once).
    pub fn with(&self, extra: &[String]) -> anyhow::Result<Self> {
        let mut words = self.words.clone();
        for w in extra {
            let w = w.trim();
            if !w.is_empty() && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        }
        Self::new(&words)
    }

    /// The first listed word found in `text`, ignoring spaces put between its characters.
    pub fn first_match(&self, text: &str) -> Option<&str> {
        let matcher = self.matcher.as_ref()?;
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !"*·.-_".contains(*c))
            .collect();
        matcher
            .find(&compact)
            .map(|m| self.words[m.pattern().as_usize()].as_str())
    }
}

/// A community's words: the configured ones and those of its district's and its own list.
pub async fn community_filter(
    store: &DynStore,
    configured: &WordFilter,
    community: CommunityId,
) -> anyhow::Result<WordFilter> {
    let mut extra = Vec::new();
    for list in store.word_lists_for(community).await? {
        extra.extend(list.word_vec());
    }
    configured.with(&extra)
}

/// Each community's filter, rebuilt when older than `FRESH` (admins' changes reach every
/// process within that time; the process that made a change forgets its copy at once).
#[derive(Default)]
pub struct CommunityWords {
    cache: Mutex<HashMap<CommunityId, (Instant, Arc<WordFilter>)>>,
}

const FRESH: Duration = Duration::from_secs(2);

impl CommunityWords {
    pub async fn get(
        &self,
        store: &DynStore,
        configured: &WordFilter,
        community: CommunityId,
    ) -> anyhow::Result<Arc<WordFilter>> {
        if let Some((at, f)) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&community)
        {
            if at.elapsed() < FRESH {
                return Ok(f.clone());
            }
        }
        let f = Arc::new(community_filter(store, configured, community).await?);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(community, (Instant::now(), f.clone()));
        Ok(f)
    }

    pub fn forget_all(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Why a suggestion was held, as its author reads it (Chinese; `reason_en` gives the English).
const HELD_FOR_WORD: (&str, &str) = ("内容包含需审核的词语「", "」，工作人员审核后处理");
const HELD_BY_COMMUNITY: &str = "本社区的建议经工作人员审核后处理";
const HELD_BY_WECHAT: &str = "微信内容安全检测建议人工审核";
const HELD_CHECK_DOWN: &str = "自动审核暂不可用，工作人员审核后处理";

/// Whether intake holds a text for review, and why (the reason is shown to the author, in
/// Chinese): a listed word, or a community that reviews every suggestion first.
pub fn hold_reason(
    words: &WordFilter,
    premoderate: bool,
    text: &str,
    title: Option<&str>,
) -> Option<String> {
    let joined = format!("{} {}", title.unwrap_or_default(), text);
    if let Some(word) = words.first_match(&joined) {
        return Some(format!("{}{word}{}", HELD_FOR_WORD.0, HELD_FOR_WORD.1));
    }
    premoderate.then(|| HELD_BY_COMMUNITY.to_string())
}

/// WeChat's content check asked for a person to look (`label`: its category).
pub fn held_by_wechat(label: impl std::fmt::Display) -> String {
    format!("{HELD_BY_WECHAT}（{label}），工作人员审核后处理")
}

/// WeChat's content check could not answer.
pub fn held_check_down() -> String {
    HELD_CHECK_DOWN.to_string()
}

/// A moderation reason in Chinese and, where it is one of intake's own reasons, in English.
/// Reasons written by staff stay as written; older rows stored "中文 / English" and are split.
pub fn reason_labels(stored: &str) -> (String, String) {
    let (zh, en) = crate::error::split_bilingual(stored);
    if let Some(en) = en {
        return (zh, en);
    }
    let en = if let Some(word) = zh
        .strip_prefix(HELD_FOR_WORD.0)
        .and_then(|r| r.strip_suffix(HELD_FOR_WORD.1))
    {
        format!("Held for review: it contains the listed word “{word}”; a worker will look at it")
    } else if zh == HELD_BY_COMMUNITY {
        "This community reviews every suggestion before it goes further".to_string()
    } else if zh.starts_with(HELD_BY_WECHAT) {
        "WeChat's content check asked for a review; a worker will look at it".to_string()
    } else if zh == HELD_CHECK_DOWN {
        "The automatic check is unavailable; a worker will look at it".to_string()
    } else {
        zh.clone()
    };
    (zh, en)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn listed_words_are_found_even_when_split_by_spaces() {
        let f = WordFilter::new(&["赌博".into(), "代开发票".into(), " ".into()]).unwrap();
        assert_eq!(f.first_match("小区里有人聚众 赌 博"), Some("赌博"));
        assert_eq!(f.first_match("代·开·发·票联系我"), Some("代开发票"));
        assert_eq!(f.first_match("3号楼电梯经常坏"), None);
        assert_eq!(WordFilter::new(&[]).unwrap().first_match("任何内容"), None);
    }

    #[test]
    fn reasons_reach_residents_in_chinese_with_an_english_counterpart() {
        let f = WordFilter::new(&["赌博".into()]).unwrap();
        let held = hold_reason(&f, false, "有人赌博", None).unwrap();
        assert!(!held.contains(" / ") && !held.is_ascii(), "{held}");
        let (zh, en) = reason_labels(&held);
        assert_eq!(zh, held);
        assert!(
            en.contains("赌博") && en.starts_with("Held for review"),
            "{en}"
        );
        let pre = hold_reason(&f, true, "楼道灯坏了", None).unwrap();
        assert_eq!(
            reason_labels(&pre).1,
            "This community reviews every suggestion before it goes further"
        );
        // Rows stored before: "中文 / English".
        let (zh, en) = reason_labels(
            "本社区的建议经工作人员审核后处理 / this community reviews every suggestion first",
        );
        assert_eq!(zh, "本社区的建议经工作人员审核后处理");
        assert_eq!(en, "this community reviews every suggestion first");
        // A worker's own words are shown as written.
        assert_eq!(reason_labels("内容涉及他人隐私").0, "内容涉及他人隐私");
    }

    #[test]
    fn a_community_filter_adds_its_lists_to_the_configured_words() {
        let base = WordFilter::new(&["赌博".into()]).unwrap();
        let f = base
            .with(&["传销".into(), " 赌博 ".into(), "".into()])
            .unwrap();
        assert_eq!(f.words(), ["赌博", "传销"]);
        assert_eq!(f.first_match("有人搞传销"), Some("传销"));
        assert_eq!(base.first_match("有人搞传销"), None);
    }
}
