//! `concat!` for string constants. The standard macro takes only literals; statements that
//! share a column list (`sql::suggestions::SUGGESTION_COLUMNS`, …) are joined from constants
//! with this one, so each statement is still one constant that grep finds by its name, and
//! nothing is assembled at run time.

/// Join `&str` constants into one `&'static str` at compile time.
macro_rules! const_concat {
    ($($part:expr),+ $(,)?) => {{
        const PARTS: &[&str] = &[$($part),+];
        const BYTES: [u8; $crate::store::concat::total_len(PARTS)] =
            $crate::store::concat::join(PARTS);
        $crate::store::concat::as_str(&BYTES)
    }};
}
pub(crate) use const_concat;

pub(crate) const fn total_len(parts: &[&str]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

pub(crate) const fn join<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let bytes = parts[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

pub(crate) const fn as_str(bytes: &'static [u8]) -> &'static str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        // Unreachable: whole `&str`s joined end to end are UTF-8.
        Err(_) => panic!("const_concat! joined invalid UTF-8"),
    }
}

#[cfg(test)]
mod tests {
    const COLUMNS: &str = "a, b";
    const KIND: &str = "议题.accepted";
    const JOINED: &str = const_concat!("select ", COLUMNS, " from t where kind = '", KIND, "'");

    #[test]
    fn constants_join_end_to_end() {
        assert_eq!(
            JOINED,
            format!("select {COLUMNS} from t where kind = '{KIND}'")
        );
        assert_eq!(const_concat!(COLUMNS), COLUMNS);
    }
}
