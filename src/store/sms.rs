//! SMS login codes and residents who log in by phone (the mobile web version).
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use crate::store::AccountRow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait SmsStore: Send + Sync {
    /// Codes sent to this phone (by its key) in the last minute and the last day.
    async fn sms_recent(
        &self,
        phone_key: &str,
        minute_ago: DateTime<Utc>,
        day_ago: DateTime<Utc>,
    ) -> anyhow::Result<(i64, i64)>;
    async fn sms_insert(
        &self,
        phone_key: &str,
        code_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    /// The newest live code: `(id, hash, attempts)`.
    async fn sms_live_code(
        &self,
        phone_key: &str,
        now: DateTime<Utc>,
        max_attempts: i64,
    ) -> anyhow::Result<Option<(i64, String, i64)>>;
    async fn sms_wrong_attempt(&self, id: i64) -> anyhow::Result<()>;
    /// Use a code once; false when another login used it first.
    async fn sms_use(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<bool>;
    /// The resident with this phone, created on first login.
    async fn upsert_phone_resident(
        &self,
        phone: &str,
        display_name: &str,
        community: Option<CommunityId>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<AccountRow>;
    /// A suggestion a volunteer already entered for someone with this client id.
    async fn assisted_suggestion(
        &self,
        entered_by: AccountId,
        client_id: &str,
    ) -> anyhow::Result<Option<SuggestionId>>;
}
