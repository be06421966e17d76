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

/// Replace phone-like runs (7 or more digits, spaces and dashes allowed between them) with
/// `***`, for text shown beyond the author and staff: topic titles and keywords.
pub fn scrub_contacts(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            let mut digits = 0;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || ((chars[j] == ' ' || chars[j] == '-')
                        && j + 1 < chars.len()
                        && chars[j + 1].is_ascii_digit()))
            {
                digits += usize::from(chars[j].is_ascii_digit());
                j += 1;
            }
            if digits >= 7 {
                out.push_str("***");
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_scrubbed_but_building_numbers_stay() {
        assert_eq!(
            scrub_contacts("我家电话13811112222，2号楼楼道的灯坏了"),
            "我家电话***，2号楼楼道的灯坏了"
        );
        assert_eq!(scrub_contacts("call 138-1111-2222 now"), "call *** now");
        assert_eq!(scrub_contacts("3号楼2单元502室"), "3号楼2单元502室");
    }

    #[test]
    fn phones_and_names_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("022-2888"), "022****2888");
        assert_eq!(mask_phone("123"), "*23");
        assert_eq!(mask_name("王秀英"), "王**");
        assert_eq!(mask_name("李"), "李*");
    }
}
