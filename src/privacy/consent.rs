//! Consent to the privacy notice: which version a resident accepted and when; a new version
//! asks again. Assist-mode consents are not here: they belong to their suggestion and stay
//! valid whatever version is current later.
use crate::store::ConsentRow;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The privacy notice shown to residents (Chinese first, English available), with the
/// retention periods in `{…}` filled in from the settings so it always says what the server does.
pub const NOTICE_ZH: &str = include_str!("notice_zh.md");
pub const NOTICE_EN: &str = include_str!("notice_en.md");

/// The notice as served: the configured periods in place of the placeholders.
pub fn notice(template: &str, s: &crate::privacy::PrivacySettings) -> String {
    template
        .replace("{paper_contact_days}", &s.paper_contact_days.to_string())
        .replace(
            "{inactive_account_days}",
            &s.inactive_account_days.to_string(),
        )
        .replace("{sms_code_days}", &s.sms_code_days.to_string())
        .replace(
            "{unpublished_photo_days}",
            &s.unpublished_photo_days.to_string(),
        )
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ConsentState {
    pub current_version: String,
    /// The newest version this resident accepted, if any.
    pub accepted_version: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// True when the resident has not accepted the current version: the app asks.
    pub needs_consent: bool,
}

/// Where a resident stands, from their acceptances (in any order).
pub fn state(current: &str, history: &[ConsentRow]) -> ConsentState {
    let last = history
        .iter()
        .filter(|c| c.kind == "account")
        .max_by_key(|c| c.accepted_at);
    let accepted_current = history
        .iter()
        .any(|c| c.kind == "account" && c.notice_version == current);
    ConsentState {
        current_version: current.to_string(),
        accepted_version: last.map(|c| c.notice_version.clone()),
        accepted_at: last.map(|c| c.accepted_at),
        needs_consent: !accepted_current,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn accepted(version: &str, day: u32) -> ConsentRow {
        ConsentRow {
            kind: "account".into(),
            notice_version: version.into(),
            accepted_at: Utc.with_ymd_and_hms(2025, 1, day, 0, 0, 0).unwrap(),
            suggestion_id: None,
            recorded_by_name: None,
        }
    }

    #[test]
    fn a_new_version_asks_again_and_the_last_acceptance_is_remembered() {
        let s = state("2025-06", &[]);
        assert!(s.needs_consent);
        assert_eq!(s.accepted_version, None);

        let history = [accepted("2025-01", 2)];
        let s = state("2025-01", &history);
        assert!(!s.needs_consent);

        let s = state("2025-06", &history);
        assert!(s.needs_consent, "a new version asks again");
        assert_eq!(s.accepted_version.as_deref(), Some("2025-01"));

        let history = [accepted("2025-01", 2), accepted("2025-06", 9)];
        let s = state("2025-06", &history);
        assert!(!s.needs_consent);
        assert_eq!(s.accepted_version.as_deref(), Some("2025-06"));
    }

    #[test]
    fn an_assist_consent_is_not_the_residents_own_acceptance() {
        let mut c = accepted("2025-06", 3);
        c.kind = "assist".into();
        assert!(state("2025-06", &[c]).needs_consent);
    }

    #[test]
    fn the_notice_states_the_configured_periods_in_both_languages() {
        let s = crate::privacy::PrivacySettings {
            paper_contact_days: 91,
            sms_code_days: 3,
            ..Default::default()
        };
        for template in [NOTICE_ZH, NOTICE_EN] {
            let text = notice(template, &s);
            assert!(!text.contains('{'), "a placeholder is left: {text}");
            assert!(
                text.contains("91") && (text.contains("3 天") || text.contains("3 days")),
                "{text}"
            );
        }
        assert!(NOTICE_ZH.contains("个人信息"));
        assert!(NOTICE_EN.contains("personal information"));
    }
}
