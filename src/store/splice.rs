//! Values written into SQL text rather than bound: lists of integer ids for `in (…)` (binding a
//! list would take different SQL on each backend), and `like` patterns.
use std::fmt::Display;

/// `sql` with every `{ids}` replaced by the comma-separated `ids`, or by `null` when there are
/// none (`x in (null)` matches nothing). Only integer ids go in here (or, quoted by the caller,
/// integer ids compared with a text column), so the text cannot break out of the list.
pub(crate) fn with_ids<T: Display>(sql: &str, ids: &[T]) -> String {
    let list = if ids.is_empty() {
        "null".to_string()
    } else {
        ids.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    sql.replace("{ids}", &list)
}

/// Escape `%`, `_` and `\` for a `like … escape '\'` pattern that finds `q` anywhere.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TopicId;

    #[test]
    fn id_lists_fill_every_marker_and_an_empty_list_matches_nothing() {
        let sql = "select 1 where a in ({ids}) or b in ({ids})";
        assert_eq!(
            with_ids(sql, &[TopicId(3), TopicId(12)]),
            "select 1 where a in (3,12) or b in (3,12)"
        );
        assert_eq!(
            with_ids(sql, &[] as &[i64]),
            "select 1 where a in (null) or b in (null)"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(r"5%_\"), r"%5\%\_\\%");
    }
}
