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

/// Replace contact details with `***` in text shown beyond the author and staff (residents'
/// voices, topic titles and keywords): phone-like runs (7 or more digits, spaces and dashes
/// allowed between them), which also covers QQ numbers and ID-card numbers (with their final
/// `X`); WeChat ids (`wxid_…`, or any id written after 微信/微信号/vx/wx/WeChat); QQ numbers
/// of 5 or more digits after QQ/扣扣; and licence plates (津A12345, 京AD12345, 沪A·B1234).
/// Full-width letters and digits count as their ASCII forms.
pub fn scrub_contacts(text: &str) -> String {
    let orig: Vec<char> = text.chars().collect();
    let norm: Vec<char> = orig.iter().map(|&c| half_width(c)).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < orig.len() {
        if let Some(end) = wechat_id_at(&norm, i) {
            out.push_str("***");
            i = end;
        } else if let Some((kept, end)) = marked_id_at(&norm, i) {
            out.extend(&orig[i..kept]);
            out.push_str("***");
            i = end;
        } else if let Some(end) = plate_at(&norm, i) {
            out.push_str("***");
            i = end;
        } else if norm[i].is_ascii_digit() {
            let end = digit_run_end(&norm, i);
            let digits = norm[i..end].iter().filter(|c| c.is_ascii_digit()).count();
            if digits >= 7 {
                out.push_str("***");
            } else {
                out.extend(&orig[i..end]);
            }
            i = end;
        } else {
            out.push(orig[i]);
            i += 1;
        }
    }
    out
}

/// A topic title, cut to a few characters by the grouping engine, may end in the first digits
/// of a number or id: scrub it, then also a trailing run of 5 or more id characters with a digit.
pub fn scrub_title(title: &str) -> String {
    let scrubbed = scrub_contacts(title);
    let chars: Vec<char> = scrubbed.chars().collect();
    let norm: Vec<char> = chars.iter().map(|&c| half_width(c)).collect();
    let mut start = norm.len();
    while start > 0 && (is_id_char(&norm, start - 1) || norm[start - 1] == ' ') {
        start -= 1;
    }
    let tail = &norm[start..];
    let tail_chars = tail.iter().filter(|c| **c != ' ').count();
    if tail_chars >= 5 && tail.iter().any(char::is_ascii_digit) {
        let mut out: String = chars[..start].iter().collect();
        out.push_str("***");
        out
    } else {
        scrubbed
    }
}

/// Whether a topic keyword is (a piece of) contact data rather than a word: anything
/// `scrub_contacts` would mask, or an id-like token of ASCII letters, digits, `_` and `-`
/// (the grouping engine splits 津A12345 into 津 and a12345, and keeps zhang_san88 whole).
pub fn is_contact_keyword(keyword: &str) -> bool {
    if scrub_contacts(keyword) != keyword {
        return true;
    }
    let norm: Vec<char> = keyword.chars().map(half_width).collect();
    let id_like = !norm.is_empty()
        && norm
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-');
    id_like
        && ((norm.len() >= 5 && norm.iter().any(char::is_ascii_digit))
            || norm.contains(&'_')
            || keyword.to_ascii_lowercase().starts_with("wxid"))
}

/// Full-width ASCII (Ａ１２) as ASCII, the ideographic space as a space.
fn half_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

fn is_id_char(norm: &[char], at: usize) -> bool {
    norm.get(at)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
}

/// End of a run of digits with single spaces or dashes between them; an ID-card number's
/// final `X` belongs to it.
fn digit_run_end(norm: &[char], start: usize) -> usize {
    let mut j = start;
    let mut digits = 0;
    while j < norm.len()
        && (norm[j].is_ascii_digit()
            || ((norm[j] == ' ' || norm[j] == '-')
                && norm.get(j + 1).is_some_and(char::is_ascii_digit)))
    {
        digits += usize::from(norm[j].is_ascii_digit());
        j += 1;
    }
    if digits == 17 && norm.get(j).is_some_and(|c| *c == 'X' || *c == 'x') {
        j += 1;
    }
    j
}

fn starts_with_ci(norm: &[char], at: usize, word: &str) -> bool {
    let mut k = at;
    for w in word.chars() {
        match norm.get(k) {
            Some(c) if c.to_ascii_lowercase() == w => k += 1,
            _ => return false,
        }
    }
    true
}

/// `wxid_` and the id after it.
fn wechat_id_at(norm: &[char], at: usize) -> Option<usize> {
    if is_id_char(norm, at.wrapping_sub(1)) || !starts_with_ci(norm, at, "wxid_") {
        return None;
    }
    let mut end = at + 5;
    while is_id_char(norm, end) {
        end += 1;
    }
    (end > at + 5).then_some(end)
}

/// Markers after which an id or number is a contact. `true`: a WeChat id (letters allowed).
const MARKERS: [(&str, bool); 11] = [
    ("微信号", true),
    ("微信", true),
    ("wechat", true),
    ("weixin", true),
    ("v信", true),
    ("vx", true),
    ("wx", true),
    ("qq号", false),
    ("qq", false),
    ("扣扣", false),
    ("企鹅号", false),
];

/// A marker (kept) and the id after it (masked): `(end of the kept part, end of the id)`.
fn marked_id_at(norm: &[char], at: usize) -> Option<(usize, usize)> {
    if norm
        .get(at.wrapping_sub(1))
        .is_some_and(char::is_ascii_alphabetic)
    {
        return None;
    }
    let (marker, letters) = MARKERS.iter().find(|(m, _)| starts_with_ci(norm, at, m))?;
    let mut kept = at + marker.chars().count();
    while norm.get(kept).is_some_and(|c| " :：号是为=".contains(*c)) {
        kept += 1;
    }
    let mut end = kept;
    while is_id_char(norm, end) {
        end += 1;
    }
    let id = &norm[kept..end];
    let digits = id.iter().filter(|c| c.is_ascii_digit()).count();
    let ok = if *letters {
        // WeChat ids: 6–20 characters starting with a letter, or a phone or QQ number.
        (id.len() >= 6 && id.first().is_some_and(char::is_ascii_alphabetic))
            || (digits == id.len() && digits >= 5)
    } else {
        digits == id.len() && digits >= 5
    };
    (ok && !id.is_empty()).then_some((kept, end))
}

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// A licence plate: province, letter, optional separator, 5 or 6 letters and digits (at least
/// two digits; plates use no I or O).
fn plate_at(norm: &[char], at: usize) -> Option<usize> {
    if !PROVINCES.contains(norm[at]) || !norm.get(at + 1)?.is_ascii_alphabetic() {
        return None;
    }
    let mut k = at + 2;
    if norm.get(k).is_some_and(|c| "·•.- ".contains(*c)) {
        k += 1;
    }
    let start = k;
    while norm
        .get(k)
        .is_some_and(|c| c.is_ascii_alphanumeric() && !matches!(c, 'I' | 'O' | 'i' | 'o'))
    {
        k += 1;
    }
    let tail = &norm[start..k];
    let digits = tail.iter().filter(|c| c.is_ascii_digit()).count();
    ((5..=6).contains(&tail.len()) && digits >= 2 && !is_id_char(norm, k)).then_some(k)
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
    fn wechat_ids_qq_numbers_id_cards_and_plates_are_scrubbed_like_phones() {
        let cases = [
            ("加我微信wxid_k3j9x2m8q1联系", "加我微信***联系"),
            ("WXID_abc-12 说", "*** 说"),
            ("微信号：zhang_san88，电梯坏了", "微信号：***，电梯坏了"),
            ("加vx abc12345 详谈", "加vx *** 详谈"),
            ("QQ 12345 或者 qq:987654321", "QQ *** 或者 qq:***"),
            ("扣扣号是 123456", "扣扣号是 ***"),
            ("身份证12010119900101123X", "身份证***"),
            ("身份证 12010119900101123x。", "身份证 ***。"),
            ("车牌津A12345挡路", "车牌***挡路"),
            ("京AD12345的车", "***的车"),
            ("沪A·B1234 停在消防通道", "*** 停在消防通道"),
            ("津Ａ１２３４５", "***"),
            ("电话１３８１１１１２２２２", "电话***"),
        ];
        for (input, want) in cases {
            assert_eq!(scrub_contacts(input), want, "{input}");
        }
    }

    #[test]
    fn ordinary_words_numbers_and_addresses_survive() {
        for keep in [
            "3号楼2单元502室",
            "2023年12月",
            "津南区双新街道",
            "新A栋门口",
            "wifi信号差",
            "微信群里说过",
            "京东快递柜",
            "川A1",
            "qq群 123",
            "switch游戏机",
        ] {
            assert_eq!(scrub_contacts(keep), keep);
        }
    }

    #[test]
    fn keywords_that_are_pieces_of_contact_data_are_recognised() {
        for k in [
            "wxid_k3j9x2m8q1",
            "zhang_san88",
            "a12345",
            "ad12345",
            "d1234",
            "12010119900101123x",
            "13811112222",
            "987654",
        ] {
            assert!(is_contact_keyword(k), "{k}");
        }
        for k in ["电梯", "一周", "3号楼", "qq", "微信", "wifi", "5g", "2023"] {
            assert!(!is_contact_keyword(k), "{k}");
        }
    }

    #[test]
    fn a_title_cut_inside_a_number_loses_the_digits_it_kept() {
        assert_eq!(scrub_title("我家电话13811"), "我家电话***");
        assert_eq!(scrub_title("加微信 zhang_s"), "加微信 ***");
        assert_eq!(scrub_title("3号楼电梯坏了2023"), "3号楼电梯坏了2023");
        assert_eq!(scrub_title("东门垃圾桶满了"), "东门垃圾桶满了");
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
