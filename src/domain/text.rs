//! Newtypes that parse at the edge ("parse, don't validate"). Lengths count characters.
use crate::error::{ApiError, FieldError};

fn field_err(field: &str, code: &str, msg: String) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: msg,
    }
}

/// Trim and check a free-text field's length in characters.
pub fn bounded(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(field_err(
            field,
            "too_short",
            format!("至少 {min} 个字 / at least {min} characters"),
        ));
    }
    if n > max {
        return Err(field_err(
            field,
            "too_long",
            format!("最多 {max} 个字 / at most {max} characters"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(field_err(
            field,
            "invalid_characters",
            "包含不可见控制字符 / contains control characters".into(),
        ));
    }
    Ok(v.to_string())
}

/// A suggestion's text, parsed at the edge: trimmed, 5–2,000 characters (not bytes), no control
/// characters. The one limit for residents' posts, assisted posts, paper entries and the
/// paper-form importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionText(String);

impl SuggestionText {
    pub const MIN_CHARS: usize = 5;
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        bounded("text", s, Self::MIN_CHARS, Self::MAX_CHARS).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A suggestion's optional title: at most 60 characters; blank is no title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestionTitle(String);

impl SuggestionTitle {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(s: Option<&str>) -> Result<Option<Self>, FieldError> {
        match s.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => bounded("title", v, 1, Self::MAX_CHARS).map(|t| Some(Self(t))),
        }
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A staff login name: 3–32 of ASCII letters, digits, `_ . -`; compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let v = s.trim().to_ascii_lowercase();
        let ok_chars = v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !(3..=32).contains(&v.len()) || !ok_chars {
            return Err(field_err(
                "username",
                "invalid_username",
                "用户名须为 3–32 位字母、数字或 _ . - / 3–32 letters, digits, _ . -".into(),
            ));
        }
        Ok(Self(v))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters.
pub struct NewPassword(secrecy::SecretString);

impl NewPassword {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let n = s.chars().count();
        if !(10..=128).contains(&n) {
            return Err(field_err(
                "password",
                "weak_password",
                "密码须为 10–128 位 / 10–128 characters".into(),
            ));
        }
        Ok(Self(secrecy::SecretString::from(s.to_string())))
    }
    pub fn secret(&self) -> &secrecy::SecretString {
        &self.0
    }
}

/// A place or person name (community, building, display name): 1–64 characters.
pub fn name(field: &str, s: &str) -> Result<String, FieldError> {
    bounded(field, s, 1, 64)
}

/// Collect field errors; `Ok(())` when none.
pub fn check(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        // 5 Chinese characters are 15 bytes.
        assert!(bounded("text", "电梯坏了啊", 5, 10).is_ok());
        assert_eq!(
            bounded("text", "  电梯坏了  ", 5, 10).unwrap_err().code,
            "too_short"
        );
        assert_eq!(
            bounded("text", &"楼".repeat(11), 5, 10).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn a_suggestion_text_is_five_to_two_thousand_characters() {
        assert_eq!(
            SuggestionText::parse(" 电梯坏了啊 ").unwrap().as_str(),
            "电梯坏了啊"
        );
        let max = "楼".repeat(SuggestionText::MAX_CHARS);
        assert_eq!(SuggestionText::parse(&max).unwrap().into_string(), max);
        let long = SuggestionText::parse(&"楼".repeat(SuggestionText::MAX_CHARS + 1));
        assert_eq!(long.unwrap_err().code, "too_long");
        let short = SuggestionText::parse("电梯坏了");
        assert_eq!(short.unwrap_err().code, "too_short");
        assert_eq!(
            SuggestionText::parse("电梯\u{7}坏了啊").unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn a_blank_title_is_no_title_and_a_long_one_is_refused() {
        assert_eq!(SuggestionTitle::parse(None).unwrap(), None);
        assert_eq!(SuggestionTitle::parse(Some("  ")).unwrap(), None);
        let title = SuggestionTitle::parse(Some(" 东门路灯 ")).unwrap().unwrap();
        assert_eq!(title.into_string(), "东门路灯");
        let long = "灯".repeat(SuggestionTitle::MAX_CHARS + 1);
        assert_eq!(
            SuggestionTitle::parse(Some(&long)).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            SuggestionTitle::parse(Some(&long)).unwrap_err().field,
            "title"
        );
    }

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(Username::parse(" Wang.Li ").unwrap().as_str(), "wang.li");
        assert!(Username::parse("王丽").is_err());
        assert!(Username::parse("ab").is_err());
    }
}
