//! Sensitive-word screening at intake: one Aho-Corasick automaton over the configured list, so
//! the cost does not grow with the number of words.
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

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

/// Whether intake holds a text for review, and why (the reason is shown to the author): a listed
/// word, or a community that reviews every suggestion first.
pub fn hold_reason(
    words: &WordFilter,
    premoderate: bool,
    text: &str,
    title: Option<&str>,
) -> Option<String> {
    let joined = format!("{} {}", title.unwrap_or_default(), text);
    if let Some(word) = words.first_match(&joined) {
        return Some(format!("内容包含需审核的词语「{word}」，工作人员审核后处理 / held for review: contains a listed word"));
    }
    premoderate.then(|| {
        "本社区的建议经工作人员审核后处理 / this community reviews every suggestion first"
            .to_string()
    })
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
}
