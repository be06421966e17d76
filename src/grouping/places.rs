//! Places inside a residential community, normalised: buildings (`3号楼`, `三号楼`, `3栋`,
//! `三栋`, `3#楼`, `3幢` → `3号楼`), units (`二单元` → `2单元`), gates (`东大门`, `东侧门`
//! → `东门`; `大门`, `正门` → `正门`) and school aliases (`第一中学` → `一中`). A floor is
//! not a place (`住18楼`, `18层`): it is recognised so that it cannot pass for a building.

/// What kind of place a hit names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceKind {
    Building,
    Unit,
    Gate,
    /// A school or hospital alias (`一中`, `二小`).
    Alias,
    /// A floor: not a place, only kept out of the building numbers.
    Floor,
}

/// One place found in a text: its byte span and canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlaceHit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: PlaceKind,
    pub(crate) canonical: String,
}

/// Characters of a Chinese numeral. The character sets here are `matches!` tables rather
/// than `"…".contains(c)`: the scan asks them at every character of every text, and a
/// substring search per question was a sixth of all preparation.
fn is_cn_digit(c: char) -> bool {
    matches!(
        c,
        '零' | '〇'
            | '一'
            | '二'
            | '两'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
    )
}

fn is_direction(c: char) -> bool {
    matches!(c, '东' | '南' | '西' | '北')
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Value of a Chinese numeral (`十二`, `二十三`, `一百零五`, `三`); None if malformed.
pub(crate) fn chinese_number(s: &[char]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut total = 0u32;
    let mut current = 0u32;
    let mut seen_digit = false;
    for &c in s {
        match c {
            '十' => {
                total += if seen_digit { current } else { 1 } * 10;
                current = 0;
                seen_digit = false;
            }
            '百' => {
                total += if seen_digit { current } else { 1 } * 100;
                current = 0;
                seen_digit = false;
            }
            _ => {
                let d = cn_digit(c)?;
                // `一零五` style: digits in sequence.
                current = if seen_digit { current * 10 + d } else { d };
                seen_digit = true;
            }
        }
    }
    Some(total + current)
}

/// Characters before a number that make `N楼` a floor, not a building (`住18楼`, `在6楼`).
fn is_floor_context(c: char) -> bool {
    matches!(
        c,
        '住' | '在' | '到' | '上' | '下' | '爬' | '是' | '家' | '第' | '楼' | '搬'
    )
}

/// Suffixes after a number that make a building, longest first.
const BUILDING_SUFFIXES: &[&str] = &[
    "号楼",
    "号栋",
    "栋楼",
    "幢楼",
    "#楼",
    "号院楼",
    "栋",
    "幢",
    "#",
];

/// Gate words after a direction, longest first, all read as that direction's gate.
const GATE_SUFFIXES: &[&str] = &["大门", "侧门", "小门", "门口", "门"];

/// Words between a direction and its gate (`东边大门`, `北边的大门`).
const DIRECTION_FILLERS: &[&str] = &["边的", "侧的", "面的", "边", "面"];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

fn starts_with_at(chars: &[char], i: usize, s: &str) -> bool {
    (i..).zip(s.chars()).all(|(k, c)| chars.get(k) == Some(&c))
}

/// Finds the community places of a normalised (lower-cased) text, left to right,
/// without overlaps.
pub(crate) fn scan(text: &str) -> Vec<PlaceHit> {
    let chars: Vec<char> = text.chars().collect();
    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    offsets.push(text.len());
    let mut hits = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((len, kind, canonical)) = match_at(&chars, i) {
            hits.push(PlaceHit {
                start: offsets[i],
                end: offsets[i + len],
                kind,
                canonical,
            });
            i += len;
        } else {
            i += 1;
        }
    }
    hits
}

/// A place starting at `i`: its length in characters, kind and canonical form.
fn match_at(chars: &[char], i: usize) -> Option<(usize, PlaceKind, String)> {
    let c = chars[i];
    // Gates: 东门, 东大门, 东南门, 大门, 正门, 后门.
    if is_direction(c) {
        let prev_cjk_dir = i > 0 && is_direction(chars[i - 1]);
        if !prev_cjk_dir {
            let mut dir = String::from(c);
            let mut k = i + 1;
            if chars.get(k).is_some_and(|&d| is_direction(d) && d != c) {
                dir.push(chars[k]);
                k += 1;
            }
            // 东边大门, 北边的大门, 南面门: the side's gate.
            let side = DIRECTION_FILLERS
                .iter()
                .find(|f| starts_with_at(chars, k, f))
                .map_or(0, |f| f.chars().count());
            if side > 0
                && ["大门", "门"]
                    .iter()
                    .any(|s| starts_with_at(chars, k + side, s))
            {
                k += side;
            }
            for s in GATE_SUFFIXES {
                if starts_with_at(chars, k, s) {
                    // `西门子` is a brand, `南门外` is still the gate.
                    let after = k + s.chars().count();
                    if *s == "门" && chars.get(after) == Some(&'子') {
                        return None;
                    }
                    return Some((after - i, PlaceKind::Gate, format!("{dir}门")));
                }
            }
        }
    }
    for (word, canonical) in [("正门", "正门"), ("大门口", "正门"), ("后门", "后门")] {
        if matches!(c, '正' | '大' | '后') && starts_with_at(chars, i, word) {
            return Some((word.chars().count(), PlaceKind::Gate, canonical.to_string()));
        }
    }
    // Alias: 第一中学 / 一中, 第二小学 / 二小 (after a 县/市/区 name or 第).
    if c == '第' || (i > 0 && matches!(chars[i - 1], '县' | '市' | '区' | '镇')) {
        let s = usize::from(c == '第');
        let mut k = i + s;
        while k < chars.len() && is_cn_digit(chars[k]) && k - i < 5 {
            k += 1;
        }
        if k > i + s {
            let num = &chars[i + s..k];
            for (suffix, short) in [("中学", "中"), ("小学", "小"), ("中", "中"), ("小", "小")]
            {
                if starts_with_at(chars, k, suffix) {
                    let after = k + suffix.chars().count();
                    // 一中午, 三小时: not schools.
                    if suffix.chars().count() == 1
                        && chars.get(after).is_some_and(|&n| {
                            matches!(
                                n,
                                '午' | '间'
                                    | '心'
                                    | '年'
                                    | '时'
                                    | '国'
                                    | '型'
                                    | '区'
                                    | '学'
                                    | '队'
                                    | '组'
                            )
                        })
                    {
                        break;
                    }
                    let n = chinese_number(num)?;
                    return Some((after - i, PlaceKind::Alias, format!("{}{short}", cn(n))));
                }
            }
        }
    }
    // Numbers: buildings, units, floors, numbered gates.
    let digit = |ch: char| ch.is_ascii_digit() || is_cn_digit(ch);
    if !digit(c) {
        return None;
    }
    // The number must start here: not inside a longer number or a word like 一直.
    if i > 0 && (digit(chars[i - 1]) || chars[i - 1] == '.') {
        return None;
    }
    let ascii = c.is_ascii_digit();
    let mut k = i;
    while k < chars.len()
        && k - i < 4
        && (if ascii {
            chars[k].is_ascii_digit()
        } else {
            is_cn_digit(chars[k])
        })
    {
        k += 1;
    }
    let num_chars = &chars[i..k];
    let n = if ascii {
        num_chars.iter().collect::<String>().parse::<u32>().ok()?
    } else {
        chinese_number(num_chars)?
    };
    // A letter prefix (`g2栋`) is part of the building name.
    let prefix: String = if i > 0 && chars[i - 1].is_ascii_lowercase() {
        chars[i - 1].to_string()
    } else {
        String::new()
    };
    let before = if i > 0 { Some(chars[i - 1]) } else { None };
    for s in BUILDING_SUFFIXES {
        if starts_with_at(chars, k, s) {
            if n == 0 || n > 999 {
                return None;
            }
            let len = k + s.chars().count() - i;
            return Some((len, PlaceKind::Building, format!("{prefix}{n}号楼")));
        }
    }
    if starts_with_at(chars, k, "单元") {
        return Some((k + 2 - i, PlaceKind::Unit, format!("{n}单元")));
    }
    if starts_with_at(chars, k, "层") || starts_with_at(chars, k, "楼层") {
        let len = k + if chars[k] == '层' { 1 } else { 2 } - i;
        return Some((len, PlaceKind::Floor, format!("{n}层")));
    }
    if starts_with_at(chars, k, "号门") {
        return Some((k + 2 - i, PlaceKind::Gate, format!("{n}号门")));
    }
    if starts_with_at(chars, k, "楼") {
        let floor = before.is_some_and(is_floor_context)
            || chars.get(k + 1).is_some_and(|&a| a == '层' || a == '高')
            // 一楼, 二楼 … 三楼 in running text are floors more often than buildings
            || (!ascii && n <= 3 && num_chars.len() == 1 && before.is_some_and(is_cjk));
        if floor {
            return Some((k + 1 - i, PlaceKind::Floor, format!("{n}层")));
        }
        if n == 0 || n > 999 {
            return None;
        }
        return Some((k + 1 - i, PlaceKind::Building, format!("{prefix}{n}号楼")));
    }
    None
}

/// A number written as Chinese for aliases (`1` → `一`), up to 99.
fn cn(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", D[(n / 10) as usize]),
        20..=99 => format!("{}十{}", D[(n / 10) as usize], D[(n % 10) as usize]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> Vec<(PlaceKind, String)> {
        scan(text)
            .into_iter()
            .map(|h| (h.kind, h.canonical))
            .collect()
    }

    fn buildings(text: &str) -> Vec<String> {
        scan(text)
            .into_iter()
            .filter(|h| h.kind == PlaceKind::Building)
            .map(|h| h.canonical)
            .collect()
    }

    #[test]
    fn chinese_numbers_parse() {
        let n = |s: &str| chinese_number(&s.chars().collect::<Vec<_>>());
        assert_eq!(n("三"), Some(3));
        assert_eq!(n("十"), Some(10));
        assert_eq!(n("十二"), Some(12));
        assert_eq!(n("二十"), Some(20));
        assert_eq!(n("二十三"), Some(23));
        assert_eq!(n("两"), Some(2));
        assert_eq!(n("一百零五"), Some(105));
    }

    #[test]
    fn every_form_of_a_building_is_one_token() {
        for text in [
            "9号楼门口",
            "九号楼门口",
            "9栋门口",
            "九栋门口",
            "9#楼门口",
            "9#门口",
            "9幢门口",
            "9号栋门口",
        ] {
            assert_eq!(buildings(text), vec!["9号楼".to_string()], "{text}");
        }
        assert_eq!(buildings("二十一号楼的垃圾桶"), vec!["21号楼".to_string()]);
        assert_eq!(buildings("b5栋"), vec!["b5号楼".to_string()]);
    }

    #[test]
    fn units_and_gates_are_normalised() {
        assert_eq!(
            canon("6号楼二单元"),
            vec![
                (PlaceKind::Building, "6号楼".to_string()),
                (PlaceKind::Unit, "2单元".to_string())
            ]
        );
        for text in [
            "北门",
            "北大门",
            "北侧门",
            "北门口",
            "北边大门",
            "北边的大门",
            "北面门",
        ] {
            assert_eq!(
                canon(text),
                vec![(PlaceKind::Gate, "北门".to_string())],
                "{text}"
            );
        }
        // A side of a building is not a gate.
        assert!(canon("东边那个单元").iter().all(|p| p.0 != PlaceKind::Gate));
        assert_eq!(
            canon("西南门"),
            vec![(PlaceKind::Gate, "西南门".to_string())]
        );
        assert_eq!(
            canon("小区大门口"),
            vec![(PlaceKind::Gate, "正门".to_string())]
        );
        assert!(canon("西门子冰箱").is_empty());
    }

    #[test]
    fn a_floor_is_not_a_building() {
        assert!(buildings("我家住22楼").is_empty());
        assert!(buildings("在9楼").is_empty());
        assert!(buildings("27层高的楼").is_empty());
        assert!(buildings("爬到二楼").is_empty());
        assert_eq!(
            canon("住14层"),
            vec![(PlaceKind::Floor, "14层".to_string())]
        );
        // at the start of a clause, `N楼` is the building
        assert_eq!(buildings("8楼的电梯"), vec!["8号楼".to_string()]);
    }

    #[test]
    fn school_aliases_meet() {
        assert_eq!(
            canon("某县第一中学"),
            vec![(PlaceKind::Alias, "一中".to_string())]
        );
        assert_eq!(
            canon("某县一中"),
            vec![(PlaceKind::Alias, "一中".to_string())]
        );
        assert_eq!(
            canon("第二小学"),
            vec![(PlaceKind::Alias, "二小".to_string())]
        );
        assert!(canon("县一中午").is_empty());
    }

    #[test]
    fn numbers_that_are_not_places_are_left_alone() {
        assert!(canon("一直没人管").is_empty());
        assert!(canon("等了3天").is_empty());
        assert!(canon("2019年").is_empty());
    }
}
