//! Masking of residents' personal data in responses and audit records.

/// `13812345678` → `138****5678`; short numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    match digits.len() {
        n if n >= 7 => {
            let head: String = digits[..3].iter().collect();
            let tail: String = digits[n - 4..].iter().collect();
            format!("{head}****{tail}")
        }
        n if n > 2 => format!(
            "{}{}",
            "*".repeat(n - 2),
            digits[n - 2..].iter().collect::<String>()
        ),
        _ => "**".into(),
    }
}

/// `王秀英` → `王**`; the family name stays so a volunteer can greet the caller.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_names_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("022-2888"), "022****2888");
        assert_eq!(mask_phone("123"), "*23");
        assert_eq!(mask_name("王秀英"), "王**");
        assert_eq!(mask_name("李"), "李*");
    }
}
