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
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(Username::parse(" Wang.Li ").unwrap().as_str(), "wang.li");
        assert!(Username::parse("王丽").is_err());
        assert!(Username::parse("ab").is_err());
    }
}
