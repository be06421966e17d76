//! Login by phone and a one-time SMS code, for the residents' mobile web version.
//!
//! Codes are 6 digits, stored only as a peppered SHA-256 (with the phone's own hash, never the
//! phone itself), expire after `sms.code_ttl_seconds`, are single-use and die after
//! `sms.max_attempts` wrong guesses. Sending is limited per phone (counted in the store, so
//! exact across API processes) and per IP (per process, like the posting limits).
//!
//! The SQL is in the store (`store::SmsStore`), like every other query.
use crate::config::Settings;
pub use crate::config::SmsSettings;
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use crate::error::ApiError;
use crate::intake::mask::mask_phone;
use crate::intake::rate_limit::RateLimiter;
use crate::store::AccountRow;
use actix_web::http::StatusCode;
use async_trait::async_trait;
use chrono::Utc;
use rand::Rng;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// Sends a login code to a phone.
#[async_trait]
pub trait SmsProvider: Send + Sync {
    fn name(&self) -> &'static str;
    async fn send(&self, phone: &str, code: &str) -> anyhow::Result<()>;
}

/// Development provider: writes the code to the log (phone masked).
#[derive(Default)]
pub struct DevSmsProvider;

#[async_trait]
impl SmsProvider for DevSmsProvider {
    fn name(&self) -> &'static str {
        "dev"
    }
    async fn send(&self, phone: &str, code: &str) -> anyhow::Result<()> {
        // The code is in the log on purpose: this provider exists so people can log in locally.
        tracing::info!(phone = %mask_phone(phone), %code, "development SMS provider: login code");
        Ok(())
    }
}

/// A mainland China mobile number: 11 digits starting 13–19. `+86`/`86`, spaces and dashes
/// are accepted and removed.
pub fn parse_mobile(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let digits = if digits.len() == 13 && digits.starts_with("86") {
        &digits[2..]
    } else {
        digits
    };
    let b = digits.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    ok.then(|| digits.to_string())
}

/// Why a login code was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Ok,
    /// No live code for this phone (never sent, expired, used, or out of attempts).
    NoCode,
    Wrong {
        attempts_left: i64,
    },
}

pub struct SmsService {
    pub settings: SmsSettings,
    provider: Option<Arc<dyn SmsProvider>>,
    pepper: String,
    per_ip: RateLimiter,
    store: crate::store::DynStore,
}

impl SmsService {
    pub fn new(settings: &Settings, store: crate::store::DynStore) -> anyhow::Result<Self> {
        let sms = settings.sms.clone();
        let provider: Option<Arc<dyn SmsProvider>> = match sms.provider_for(settings.environment) {
            "dev" => Some(Arc::new(DevSmsProvider)),
            "none" => None,
            other => anyhow::bail!("unknown sms.provider `{other}` (use `dev` or `none`)"),
        };
        Ok(Self {
            per_ip: RateLimiter::new(sms.per_ip_per_hour, Duration::from_secs(3600)),
            settings: sms,
            provider,
            pepper: settings.auth.jwt_secret.expose_secret().to_string(),
            store,
        })
    }

    /// Send codes with `provider` instead of the one the settings name (tests record codes
    /// with one of their own).
    pub fn with_provider(mut self, provider: Arc<dyn SmsProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    fn phone_key(&self, phone: &str) -> String {
        hex::encode(Sha256::digest(format!("sms-phone:{}:{phone}", self.pepper)))
    }

    fn code_hash(&self, phone: &str, code: &str) -> String {
        hex::encode(Sha256::digest(format!(
            "sms-code:{}:{phone}:{code}",
            self.pepper
        )))
    }

    /// Make, store and send a new code for `phone` (already parsed).
    pub async fn send_code(&self, phone: &str, ip: &str) -> Result<(), ApiError> {
        let provider = self.provider.as_ref().ok_or_else(not_configured)?;
        self.per_ip
            .check(&format!("sms-ip:{ip}"))
            .map_err(ApiError::too_many)?;
        let key = self.phone_key(phone);
        let now = Utc::now();
        let minute_ago = now - chrono::Duration::seconds(60);
        let day_ago = now - chrono::Duration::days(1);
        let (last_minute, last_day) = self.store.sms_recent(&key, minute_ago, day_ago).await?;
        if last_minute >= self.settings.per_phone_per_minute {
            return Err(ApiError::too_many(60));
        }
        if last_day >= self.settings.per_phone_per_day {
            return Err(ApiError::too_many(3600));
        }
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let expires = now + chrono::Duration::seconds(self.settings.code_ttl_seconds.max(1));
        self.store
            .sms_insert(&key, &self.code_hash(phone, &code), now, expires)
            .await?;
        provider.send(phone, &code).await.map_err(|e| {
            tracing::warn!(error = %format!("{e:#}"), "the SMS provider failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "sms_unavailable",
                "短信暂时发送失败，请稍后再试",
                "The SMS could not be sent; try again shortly",
            )
            .with_retry_after(30)
        })?;
        Ok(())
    }

    /// Check `code` against the newest live code of `phone`, consuming it on success.
    pub async fn check_code(&self, phone: &str, code: &str) -> anyhow::Result<CodeCheck> {
        let key = self.phone_key(phone);
        let now = Utc::now();
        let row = self
            .store
            .sms_live_code(&key, now, self.settings.max_attempts)
            .await?;
        let Some((id, hash, attempts)) = row else {
            return Ok(CodeCheck::NoCode);
        };
        let given = self.code_hash(phone, code);
        if !constant_time_eq(given.as_bytes(), hash.as_bytes()) {
            self.store.sms_wrong_attempt(id).await?;
            return Ok(CodeCheck::Wrong {
                attempts_left: (self.settings.max_attempts - attempts - 1).max(0),
            });
        }
        // Single use, also when two logins race with the same code.
        Ok(if self.store.sms_use(id, now).await? {
            CodeCheck::Ok
        } else {
            CodeCheck::NoCode
        })
    }

    /// The resident with this phone, created on first login (home community set if given).
    pub async fn resident_by_phone(
        &self,
        phone: &str,
        community: Option<CommunityId>,
    ) -> anyhow::Result<AccountRow> {
        let now = Utc::now();
        let display = format!("居民{}", &phone[phone.len().saturating_sub(4)..]);
        self.store
            .upsert_phone_resident(phone, &display, community, now)
            .await
    }

    /// A suggestion a volunteer already entered for someone with this client id (a retry).
    pub async fn assisted_suggestion(
        &self,
        entered_by: AccountId,
        client_id: &str,
    ) -> anyhow::Result<Option<SuggestionId>> {
        self.store.assisted_suggestion(entered_by, client_id).await
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "sms_not_configured",
        "短信登录暂未开通，请使用微信登录",
        "SMS login is not configured on this server",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_mobiles_parse_and_others_do_not() {
        assert_eq!(parse_mobile("13812345678").as_deref(), Some("13812345678"));
        assert_eq!(
            parse_mobile("+86 138-1234-5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            parse_mobile("8613812345678").as_deref(),
            Some("13812345678")
        );
        for bad in [
            "1381234567",
            "12812345678",
            "23812345678",
            "022-28881234",
            "1381234567x",
            "",
        ] {
            assert_eq!(parse_mobile(bad), None, "{bad}");
        }
    }
}
