//! Retention: after how long each kind of personal data is erased, decided without I/O. The
//! job (`job.rs`) asks the store for what is older than these cutoffs; each step only finds
//! rows that still hold data, so running it twice erases nothing more (idempotent).
use crate::privacy::PrivacySettings;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The moments before which data is due, at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Paper-form contacts whose last suggestion or call-back is older than this.
    pub paper_contacts: DateTime<Utc>,
    /// Resident accounts inactive since before this lose their phone number.
    pub account_phones: DateTime<Utc>,
    pub sms_codes: DateTime<Utc>,
    pub unpublished_photos: DateTime<Utc>,
}

impl Cutoffs {
    pub fn at(s: &PrivacySettings, now: DateTime<Utc>) -> Self {
        let days = |d: i64| now - Duration::days(d.max(1));
        Self {
            paper_contacts: days(s.paper_contact_days),
            account_phones: days(s.inactive_account_days),
            sms_codes: days(s.sms_code_days),
            unpublished_photos: days(s.unpublished_photo_days),
        }
    }
}

/// What one run erased, by kind (the metric's labels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub paper_contacts: u64,
    pub account_phones: u64,
    pub sms_codes: u64,
    pub unpublished_photos: u64,
    pub photo_files: u64,
    pub expired_exports: u64,
    pub erased_account_leftovers: u64,
}

impl RetentionReport {
    pub fn total(&self) -> u64 {
        self.paper_contacts
            + self.account_phones
            + self.sms_codes
            + self.unpublished_photos
            + self.photo_files
            + self.expired_exports
            + self.erased_account_leftovers
    }

    /// `(kind, count)` pairs, for metrics.
    pub fn kinds(&self) -> [(&'static str, u64); 7] {
        [
            ("paper_contacts", self.paper_contacts),
            ("account_phones", self.account_phones),
            ("sms_codes", self.sms_codes),
            ("unpublished_photos", self.unpublished_photos),
            ("photo_files", self.photo_files),
            ("expired_exports", self.expired_exports),
            ("erased_account_leftovers", self.erased_account_leftovers),
        ]
    }
}

/// Rows handled per step and run, so one run never holds the store for long; the next run
/// continues.
pub const BATCH: i64 = 500;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cutoffs_are_the_configured_days_before_now() {
        let now = Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).unwrap();
        let c = Cutoffs::at(&PrivacySettings::default(), now);
        assert_eq!(c.paper_contacts, now - Duration::days(180));
        assert_eq!(c.account_phones, now - Duration::days(730));
        assert_eq!(c.sms_codes, now - Duration::days(7));
        assert_eq!(c.unpublished_photos, now - Duration::days(30));
    }

    #[test]
    fn a_zero_period_never_means_erase_everything_now() {
        let s = PrivacySettings {
            sms_code_days: 0,
            ..Default::default()
        };
        let now = Utc::now();
        assert!(Cutoffs::at(&s, now).sms_codes <= now - Duration::days(1));
    }

    #[test]
    fn the_report_totals_its_kinds() {
        let r = RetentionReport {
            sms_codes: 3,
            photo_files: 2,
            ..Default::default()
        };
        assert_eq!(r.total(), 5);
        assert_eq!(r.kinds().iter().map(|(_, n)| n).sum::<u64>(), 5);
    }
}
