//! Residents' data rights under China's Personal Information Protection Law (PIPL, Arts.
//! 44–47): see and take away (export), correct (profile), erase, retention limits, consent
//! records and the log of staff access to unmasked personal data.
//!
//! The rules are pure and tested alone: where personal data lives (`catalogue`), how an export
//! is assembled (`export`), what an erasure changes (`erasure`), when retention is due
//! (`retention`), which notice version needs accepting (`consent`). `job` is the thin shell
//! that runs them against the store and the blob storage.
pub mod access;
pub mod catalogue;
pub mod consent;
pub mod erasure;
pub mod export;
pub mod job;
pub mod metrics;
pub mod names;
pub mod retention;
pub mod settings;

pub use settings::PrivacySettings;
