//! How a voice's author is named (issue 16.3): the resident's chosen name or nickname, in full
//! where they ticked 愿意公开我的姓名; otherwise other residents see no name and staff a masked one.
use crate::intake::mask::mask_name;

/// The author shown to someone viewing a topic.
pub fn author(name: Option<&str>, allowed: bool, viewer_is_staff: bool) -> Option<String> {
    let name = name.map(str::trim).filter(|n| !n.is_empty())?;
    match (allowed, viewer_is_staff) {
        (true, _) => Some(name.to_string()),
        (false, true) => Some(mask_name(name)),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_name_is_shown_where_allowed_and_masked_or_hidden_otherwise() {
        assert_eq!(
            author(Some("王阿姨"), true, false).as_deref(),
            Some("王阿姨")
        );
        assert_eq!(
            author(Some("王阿姨"), true, true).as_deref(),
            Some("王阿姨")
        );
        assert_eq!(author(Some("王阿姨"), false, true).as_deref(), Some("王**"));
        assert_eq!(author(Some("王阿姨"), false, false), None);
        assert_eq!(author(None, true, false), None);
        assert_eq!(author(Some("  "), true, true), None);
    }
}
