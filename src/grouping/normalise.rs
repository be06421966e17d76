//! Text normalisation: what residents paste is messy (HTML remnants, full-width forms,
//! traditional characters with pinyin glosses, runs of spaces and punctuation).

use unicode_normalization::UnicodeNormalization;

/// Normalises one text: HTML entities and tags, NFKC (which also folds full-width ASCII
/// forms to half-width), traditional → simplified, pinyin glosses after characters,
/// lower-case ASCII, and runs of whitespace and punctuation collapsed to one.
pub fn normalise(raw: &str) -> String {
    let mut s = normalise_display(raw);
    s.make_ascii_lowercase();
    s
}

/// `normalise` without lower-casing: for titles that people read.
pub fn normalise_display(raw: &str) -> String {
    let no_html = strip_html(raw);
    let nfkc = nfkc(&no_html);
    let no_pinyin = strip_pinyin_glosses(&nfkc);
    let simplified = fast2s::convert(&no_pinyin);
    collapse(&simplified)
}

/// Whether NFKC leaves `c` alone whatever surrounds it: ASCII and the CJK unified
/// ideographs have no decomposition, canonical combining class 0 and never combine with
/// the character before them, so a text may be cut before any of them and normalised in
/// pieces (UAX #15, "Stable Code Points").
fn nfkc_inert(c: char) -> bool {
    c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// NFKC of `s`. Residents' texts are mostly ASCII and CJK ideographs, which NFKC keeps;
/// only each run of other characters, with the inert character before it (which a
/// combining mark may compose with), goes through the normaliser: the same result as
/// normalising the whole text, at a fraction of the cost.
fn nfkc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    let mut prev = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if nfkc_inert(c) {
            prev = i;
            continue;
        }
        let start = if i == 0 { 0 } else { prev };
        let mut end = s.len();
        while let Some(&(j, d)) = chars.peek() {
            if nfkc_inert(d) {
                end = j;
                break;
            }
            chars.next();
        }
        out.push_str(&s[done..start]);
        out.extend(s[start..end].nfkc());
        done = end;
    }
    out.push_str(&s[done..]);
    out
}

/// `char::is_alphanumeric` with the two common cases first: for a CJK ideograph the
/// standard library searches the Unicode tables, and preparation asks for every character.
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        ('\u{4E00}'..='\u{9FFF}').contains(&c) || c.is_alphanumeric()
    }
}

/// Decodes the common HTML entities and removes tags (`<...>` up to 200 characters).
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix('<') {
            match tag_len(tail) {
                Some(n) => {
                    out.push(' ');
                    rest = &tail[n..];
                }
                None => {
                    out.push('<');
                    rest = after;
                }
            }
        } else {
            match decode_entity(tail) {
                Some((c, n)) => {
                    out.push(c);
                    rest = &tail[n..];
                }
                None => {
                    out.push('&');
                    rest = &tail[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Length in bytes of a tag at the start of `s` (`<p>`, `</div>`, `<br/>`, `<!-- -->`).
fn tag_len(s: &str) -> Option<usize> {
    let second = s[1..].chars().next()?;
    if !(second.is_ascii_alphabetic() || second == '/' || second == '!') {
        return None;
    }
    for (count, (i, c)) in s.char_indices().enumerate() {
        if count > 200 || (c == '<' && i > 0) {
            return None;
        }
        if c == '>' {
            return Some(i + 1);
        }
    }
    None
}

/// Decodes an entity at the start of `s`; returns the character and the bytes consumed.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        char::from_u32(code)?
    } else {
        match body {
            "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "ldquo" => '“',
            "rdquo" => '”',
            "lsquo" => '‘',
            "rsquo" => '’',
            "middot" => '·',
            "hellip" => '…',
            "mdash" => '—',
            "ndash" => '–',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ".contains(c)
}

fn is_vowel(c: char) -> bool {
    "aeiouvüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ".contains(c)
}

/// Removes `(pinyin)` glosses that directly follow a CJK character:
/// `創(chuàng)新` → `創新`. A gloss is 1–7 lower-case pinyin letters with a vowel (or the
/// syllabic `ng`/`m`/`n`), optionally with a tone digit; `(助理)` or `(A区)` stay.
fn strip_pinyin_glosses(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        if is_cjk(c) && i < chars.len() && chars[i] == '(' {
            if let Some(len) = gloss_len(&chars[i + 1..]) {
                i += len + 2;
            }
        }
    }
    out
}

/// Length of a pinyin syllable followed by `)`, or None.
fn gloss_len(rest: &[char]) -> Option<usize> {
    let mut n = 0;
    while n < rest.len() && n < 8 && is_pinyin_letter(rest[n]) {
        n += 1;
    }
    let mut m = n;
    if m < rest.len() && rest[m].is_ascii_digit() {
        m += 1;
    }
    if n == 0 || n > 7 || rest.get(m) != Some(&')') {
        return None;
    }
    let syllable = &rest[..n];
    let has_vowel = syllable.iter().any(|&c| is_vowel(c));
    let syllabic = matches!(
        syllable,
        ['n', 'g'] | ['m'] | ['n'] | ['ń'] | ['ň'] | ['ǹ'] | ['ḿ']
    );
    (has_vowel || syllabic).then_some(m)
}

fn is_punct(c: char) -> bool {
    !is_alphanumeric(c) && !c.is_whitespace()
}

/// Turns every whitespace run into one space and every punctuation run
/// into its first character, and trims.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    let mut last_punct = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        if is_punct(c) {
            if last_punct {
                continue;
            }
            out.push(c);
            last_punct = true;
            last_space = false;
            continue;
        }
        out.push(c);
        last_space = false;
        last_punct = false;
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_glosses_and_traditional_characters_are_removed() {
        assert_eq!(
            normalise("創(chuàng)新“三社聯(lián)動”機制"),
            "创新“三社联动”机制"
        );
    }

    #[test]
    fn chinese_parentheses_stay() {
        assert_eq!(normalise("国家(助理)社工师"), "国家(助理)社工师");
        assert_eq!(normalise("丽发新城(A区)"), "丽发新城(a区)");
    }

    #[test]
    fn full_width_forms_become_half_width() {
        assert_eq!(normalise("３号楼　５单元ＡＢ"), "3号楼 5单元ab");
    }

    #[test]
    fn html_entities_and_tags_are_removed() {
        assert_eq!(
            normalise("电梯&nbsp;&nbsp;坏了<br/>请修&amp;理"),
            "电梯 坏了 请修&理"
        );
        assert_eq!(normalise("a &lt; b"), "a < b");
        assert_eq!(normalise("<p>楼道</p>灯"), "楼道 灯");
    }

    #[test]
    fn runs_of_whitespace_and_punctuation_collapse() {
        assert_eq!(
            normalise("  太吵了！！！！  真的   \n\n 很吵。。。"),
            "太吵了! 真的 很吵。"
        );
    }

    #[test]
    fn nfkc_in_pieces_is_nfkc() {
        for text in [
            "",
            "电梯坏了",
            "ｅ\u{301}电梯，ＡＢ\u{301}！",
            "e\u{301}\u{323}x\u{0308}\u{0301}",
            "\u{301}开头的组合符",
            "㈠㍻ﬁ①電梯⑩号楼",
            "한국어 가\u{1161}\u{11a8}",
            "末尾的组合符a\u{300}",
        ] {
            let whole: String = text.nfkc().collect();
            assert_eq!(nfkc(text), whole, "{text}");
        }
    }

    #[test]
    fn the_fast_alphanumeric_test_agrees_with_the_standard_library() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| nfkc_inert(c))
        {
            assert_eq!(
                c.to_string().nfkc().collect::<String>(),
                c.to_string(),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_lone_ampersand_or_angle_bracket_is_kept() {
        assert_eq!(normalise("a & b <3"), "a & b <3");
        assert_eq!(
            normalise("&开心泡菜不惧政策法规;"),
            "&开心泡菜不惧政策法规;"
        );
    }
}
