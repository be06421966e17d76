//! In-process guards of the access rules: who the client is behind a proxy, open live streams
//! per session, and the upload burst limit per account.
use crate::auth::stream_slots::StreamSlots;
use crate::config::Settings;
use crate::intake::rate_limit::RateLimiter;
use std::net::IpAddr;
use std::time::Duration;

pub struct Guards {
    pub trusted_proxies: Vec<IpAddr>,
    pub streams: StreamSlots,
    /// `intake.uploads_per_account_per_minute`.
    pub uploads: RateLimiter,
}

impl Guards {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            trusted_proxies: crate::auth::client_ip::parse_trusted(&settings.http.trusted_proxies)?,
            streams: StreamSlots::default(),
            uploads: RateLimiter::new(
                settings.intake.uploads_per_account_per_minute,
                Duration::from_secs(60),
            ),
        })
    }
}
