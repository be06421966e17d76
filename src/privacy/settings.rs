//! `privacy.*` settings. The defaults, and why they were chosen, are in the README.
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PrivacySettings {
    /// The privacy notice's version. Change it with the notice: every resident is asked again.
    pub notice_version: String,
    /// Paper-form contact data (name, phone) is erased this many days after the person's last
    /// suggestion or call-back.
    pub paper_contact_days: i64,
    /// A resident account's phone number is erased after this many days without a login, a
    /// token refresh or a suggestion.
    pub inactive_account_days: i64,
    /// SMS login-code records are deleted after this many days.
    pub sms_code_days: i64,
    /// Residents' photos that no live suggestion shows (never attached, or attached only to
    /// withdrawn or rejected ones) are deleted this many days after upload.
    pub unpublished_photo_days: i64,
    /// How often the retention job runs (worker role).
    pub retention_interval_minutes: u64,
    /// Exports whose photos stay under this size are answered at once; larger ones are
    /// prepared in the background (0: always in the background).
    pub export_inline_max_bytes: i64,
    /// A prepared export can be fetched for this long, then its file is deleted.
    pub export_ttl_hours: i64,
    /// How long the confirmation of an account erasure stays valid.
    pub erasure_confirm_minutes: i64,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            notice_version: "2025-06".into(),
            paper_contact_days: 180,
            inactive_account_days: 730,
            sms_code_days: 7,
            unpublished_photo_days: 30,
            retention_interval_minutes: 60,
            export_inline_max_bytes: 4 * 1024 * 1024,
            export_ttl_hours: 24,
            erasure_confirm_minutes: 10,
        }
    }
}

impl PrivacySettings {
    /// What is wrong with these settings, if anything (checked at start).
    pub fn problem(&self) -> Option<String> {
        let v = self.notice_version.trim();
        if v.is_empty() || v.chars().count() > 32 {
            return Some("privacy.notice_version must be 1–32 characters".into());
        }
        for (key, days) in [
            ("privacy.paper_contact_days", self.paper_contact_days),
            ("privacy.inactive_account_days", self.inactive_account_days),
            ("privacy.sms_code_days", self.sms_code_days),
            (
                "privacy.unpublished_photo_days",
                self.unpublished_photo_days,
            ),
        ] {
            if days < 1 {
                return Some(format!("{key} must be at least 1 (got {days})"));
            }
        }
        if self.retention_interval_minutes < 1 {
            return Some("privacy.retention_interval_minutes must be at least 1".into());
        }
        if self.export_ttl_hours < 1 || self.erasure_confirm_minutes < 1 {
            return Some(
                "privacy.export_ttl_hours and privacy.erasure_confirm_minutes must be at least 1"
                    .into(),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_nonsense_is_named() {
        assert_eq!(PrivacySettings::default().problem(), None);
        let s = PrivacySettings {
            sms_code_days: 0,
            ..Default::default()
        };
        assert!(s.problem().unwrap().contains("privacy.sms_code_days"));
        let s = PrivacySettings {
            notice_version: " ".into(),
            ..Default::default()
        };
        assert!(s.problem().unwrap().contains("notice_version"));
    }
}
