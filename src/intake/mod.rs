//! Intake rules that do not touch the store: masking, moderation, rate limits, request hashing.
pub mod batcher;
pub mod mask;
pub mod moderation;
pub mod paper;
pub mod rate_limit;

use sha2::{Digest, Sha256};

/// A stable hash of a request's meaningful content, to tell a retry from a reused key.
pub fn request_hash(value: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

/// Per-process posting limits (see `rate_limit.rs`).
pub struct Limits {
    pub per_account: rate_limit::RateLimiter,
    pub per_ip: rate_limit::RateLimiter,
}

impl Limits {
    pub fn new(settings: &crate::config::IntakeSettings) -> Self {
        let hour = std::time::Duration::from_secs(3600);
        Self {
            per_account: rate_limit::RateLimiter::new(settings.posts_per_account_per_hour, hour),
            per_ip: rate_limit::RateLimiter::new(settings.posts_per_ip_per_hour, hour),
        }
    }
}

/// The configured sensitive words: the inline list plus the file's lines.
pub fn sensitive_words(
    settings: &crate::config::IntakeSettings,
) -> anyhow::Result<moderation::WordFilter> {
    use anyhow::Context;
    let mut words = settings.sensitive_words.clone();
    if !settings.sensitive_words_file.is_empty() {
        let text = std::fs::read_to_string(&settings.sensitive_words_file).with_context(|| {
            format!(
                "reading intake.sensitive_words_file {}",
                settings.sensitive_words_file
            )
        })?;
        words.extend(
            text.lines()
                .map(str::to_string)
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#')),
        );
    }
    moderation::WordFilter::new(&words)
}
