//! One data row: validation rules and the accepted / rejected row types.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::column::Column;
use super::header::HeaderMap;
use crate::domain::text::{SuggestionText, SuggestionTitle};

/// Minimum length of the suggestion text, in characters (not bytes): `SuggestionText`'s, the
/// same for every way a suggestion comes in.
pub const TEXT_MIN_CHARS: usize = SuggestionText::MIN_CHARS;
/// Maximum length of the suggestion text, in characters (not bytes).
pub const TEXT_MAX_CHARS: usize = SuggestionText::MAX_CHARS;
/// Maximum length of the optional title, in characters.
pub const TITLE_MAX_CHARS: usize = SuggestionTitle::MAX_CHARS;
/// Maximum length of the form serial, in characters.
pub const SERIAL_MAX_CHARS: usize = 32;

/// An accepted paper form. All strings are trimmed; blank optional cells are
/// `None`. `phone` is normalised to digits only (no `+86`, spaces or dashes).
///
/// `Debug` masks `name` and `phone`: personal data must never reach logs.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PaperRow {
    /// Row number as a person sees it in a spreadsheet (header = row 1).
    pub row: usize,
    pub serial: String,
    pub text: String,
    pub title: Option<String>,
    pub building: Option<String>,
    pub place: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub category: Option<String>,
}

impl fmt::Debug for PaperRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MASK: &str = "***";
        f.debug_struct("PaperRow")
            .field("row", &self.row)
            .field("serial", &self.serial)
            .field("text", &self.text)
            .field("title", &self.title)
            .field("building", &self.building)
            .field("place", &self.place)
            .field("name", &self.name.as_ref().map(|_| MASK))
            .field("phone", &self.phone.as_ref().map(|_| MASK))
            .field("category", &self.category)
            .finish()
    }
}

/// A rejected data row. `code` is stable (match on it); `reason` is for
/// people, in Simplified Chinese then English, and never echoes personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Row number as a person sees it in a spreadsheet (header = row 1).
    pub row: usize,
    /// The row's serial, when it had one.
    pub serial: Option<String>,
    pub code: &'static str,
    pub reason: String,
}

impl RowError {
    pub const MISSING_SERIAL: &'static str = "missing_serial";
    pub const SERIAL_TOO_LONG: &'static str = "serial_too_long";
    pub const DUPLICATE_SERIAL_IN_FILE: &'static str = "duplicate_serial_in_file";
    pub const MISSING_TEXT: &'static str = "missing_text";
    pub const TEXT_TOO_SHORT: &'static str = "text_too_short";
    pub const TEXT_TOO_LONG: &'static str = "text_too_long";
    pub const TITLE_TOO_LONG: &'static str = "title_too_long";
    pub const INVALID_PHONE: &'static str = "invalid_phone";

    /// Every code this module can produce.
    pub const CODES: [&'static str; 8] = [
        Self::MISSING_SERIAL,
        Self::SERIAL_TOO_LONG,
        Self::DUPLICATE_SERIAL_IN_FILE,
        Self::MISSING_TEXT,
        Self::TEXT_TOO_SHORT,
        Self::TEXT_TOO_LONG,
        Self::TITLE_TOO_LONG,
        Self::INVALID_PHONE,
    ];
}

/// Checks one non-blank data row. `seen` maps serials to the row of their
/// first occurrence in the file; a later row with the same serial is rejected
/// as a duplicate whether or not the first one was valid.
///
/// Checks run in a fixed order and the first failure is reported, so each row
/// yields exactly one outcome.
pub(crate) fn check_row(
    row: usize,
    cells: &[String],
    header: &HeaderMap,
    seen: &mut HashMap<String, usize>,
) -> Result<PaperRow, RowError> {
    let get = |column| header.get(cells, column).map(normalise_newlines);

    let serial = get(Column::Serial);
    let fail = |code, reason: String| RowError {
        row,
        serial: serial.clone(),
        code,
        reason,
    };

    let Some(serial_value) = serial.clone() else {
        return Err(fail(
            RowError::MISSING_SERIAL,
            "缺少编号 / serial is missing".to_owned(),
        ));
    };
    if serial_value.chars().count() > SERIAL_MAX_CHARS {
        return Err(fail(
            RowError::SERIAL_TOO_LONG,
            format!(
                "编号超过 {SERIAL_MAX_CHARS} 个字符 / serial is longer than {SERIAL_MAX_CHARS} characters"
            ),
        ));
    }
    if let Some(first) = seen.get(&serial_value) {
        return Err(fail(
            RowError::DUPLICATE_SERIAL_IN_FILE,
            format!(
                "编号“{serial_value}”与第 {first} 行重复（同一文件中编号只能出现一次）/ serial \"{serial_value}\" already used in row {first} (each serial may appear only once per file)"
            ),
        ));
    }
    seen.insert(serial_value.clone(), row);

    let Some(text) = get(Column::Text) else {
        return Err(fail(
            RowError::MISSING_TEXT,
            "缺少建议内容 / text is missing".to_owned(),
        ));
    };
    let text_chars = text.chars().count();
    if text_chars < TEXT_MIN_CHARS {
        return Err(fail(
            RowError::TEXT_TOO_SHORT,
            format!(
                "建议内容太短（{text_chars} 个字，至少 {TEXT_MIN_CHARS} 个字）/ text is too short ({text_chars} characters, minimum {TEXT_MIN_CHARS})"
            ),
        ));
    }
    if text_chars > TEXT_MAX_CHARS {
        return Err(fail(
            RowError::TEXT_TOO_LONG,
            format!(
                "建议内容太长（{text_chars} 个字，最多 {TEXT_MAX_CHARS} 个字）/ text is too long ({text_chars} characters, maximum {TEXT_MAX_CHARS})"
            ),
        ));
    }

    let title = get(Column::Title);
    if let Some(title) = &title {
        let title_chars = title.chars().count();
        if title_chars > TITLE_MAX_CHARS {
            return Err(fail(
                RowError::TITLE_TOO_LONG,
                format!(
                    "标题太长（{title_chars} 个字，最多 {TITLE_MAX_CHARS} 个字）/ title is too long ({title_chars} characters, maximum {TITLE_MAX_CHARS})"
                ),
            ));
        }
    }

    let phone = match get(Column::Phone) {
        None => None,
        Some(raw) => match normalise_phone(&raw) {
            Some(phone) => Some(phone),
            None => {
                return Err(fail(
                    RowError::INVALID_PHONE,
                    "电话号码无效（应为 11 位手机号或座机号，可带区号）/ phone number is invalid (expected an 11-digit mobile number or a landline number, optionally with area code)".to_owned(),
                ))
            }
        },
    };

    Ok(PaperRow {
        row,
        serial: serial_value,
        text,
        title,
        building: get(Column::Building),
        place: get(Column::Place),
        name: get(Column::Name),
        phone,
        category: get(Column::Category),
    })
}

/// `\r\n` and lone `\r` inside a cell become `\n`.
fn normalise_newlines(value: &str) -> String {
    if value.contains('\r') {
        value.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        value.to_owned()
    }
}

/// Normalises a Chinese phone number to digits, or `None` when it is not one.
///
/// Spaces, dashes and brackets are removed (full-width forms too), full-width
/// digits become ASCII, and a leading `+86` / `0086` is dropped (an area code
/// written after `+86` gets its trunk `0` back). A bare leading `86` is only
/// dropped when what follows is a mobile number, because local landline
/// numbers may start with 86. The result must be a mainland mobile number
/// (`1[3-9]` + 9 digits) or a landline: 7–8 digits not starting with 0/1, or
/// 10–12 digits starting with the area code's `0`.
pub(crate) fn normalise_phone(raw: &str) -> Option<String> {
    let mut compact = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0'))?,
            '＋' => '+',
            other => other,
        };
        match c {
            '0'..='9' | '+' => compact.push(c),
            ' ' | '\u{3000}' | '\t' | '-' | '－' | '‐' | '–' | '—' | '(' | ')' | '（' | '）' =>
                {}
            _ => return None,
        }
    }

    let international = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"));
    match international {
        Some(rest) => {
            if rest.contains('+') {
                return None;
            }
            if is_mobile(rest) {
                return Some(rest.to_owned());
            }
            let with_trunk = if rest.starts_with('0') {
                rest.to_owned()
            } else {
                format!("0{rest}")
            };
            is_landline(&with_trunk).then_some(with_trunk)
        }
        None => {
            if is_mobile(&compact) || is_landline(&compact) {
                return Some(compact);
            }
            compact
                .strip_prefix("86")
                .filter(|rest| is_mobile(rest))
                .map(str::to_owned)
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && all_digits(s) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn is_landline(s: &str) -> bool {
    if !all_digits(s) {
        return false;
    }
    let len = s.len();
    if s.starts_with('0') {
        (10..=12).contains(&len)
    } else {
        (7..=8).contains(&len) && !s.starts_with('1')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_normalisation() {
        let ok = [
            ("13812345678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("010-62345678", "01062345678"),
            ("(0571)8888-6666", "057188886666"),
            ("（021）5432 1098", "02154321098"),
            ("+86 10 6234 5678", "01062345678"),
            ("86123456", "86123456"),
            ("6234567", "6234567"),
        ];
        for (raw, want) in ok {
            assert_eq!(normalise_phone(raw).as_deref(), Some(want), "{raw}");
        }
        let bad = [
            "12345678901",
            "1381234567",
            "138123456789",
            "23812345678",
            "123456",
            "12345678",
            "0123456",
            "0571888866661",
            "13812345678 转 801",
            "abc",
            "+1 415 555 0100",
            "138+12345678",
            "+",
        ];
        for raw in bad {
            assert_eq!(normalise_phone(raw), None, "{raw}");
        }
    }
}
