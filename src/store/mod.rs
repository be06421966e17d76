//! The store: one async trait per area, gathered in `Store`, and one SQL implementation shared
//! by SQLite and PostgreSQL (see `sql/mod.rs`), chosen by the URL scheme. Every
//! community-bound query takes the caller's scope.
mod access;
mod batch;
mod concat;
mod first_use;
mod hall;
mod intake;
mod models;
mod postgres;
mod privacy;
mod projects;
mod sms;
mod splice;
mod sqlite;
mod topics;
pub mod unique;

pub use access::*;
pub use first_use::*;
pub use hall::*;
pub use intake::*;
pub use models::*;
pub use postgres::PgStore;
pub use privacy::*;
pub use projects::*;
pub use sms::SmsStore;
pub use sqlite::SqliteStore;
pub use topics::*;
pub use unique::UniqueViolation;

use crate::domain::ids::*;
use crate::domain::role::Role;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub type DynStore = Arc<dyn Store>;

/// Open the store named by `url` (command-line tools: a patient pool).
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DynStore> {
    connect_with(url, max_connections, std::time::Duration::from_secs(10)).await
}

/// Open the store; a request waits at most `acquire_timeout` for a PostgreSQL connection
/// (`database.acquire_timeout_ms`), so a database that is down is answered fast.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire_timeout: std::time::Duration,
) -> anyhow::Result<DynStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(
            PgStore::connect(url, max_connections, acquire_timeout).await?,
        ))
    } else {
        anyhow::bail!(
            "database.url must start with sqlite:// or postgres:// (got `{}`)",
            crate::telemetry::redact_url(url)
        )
    }
}

/// Everything the service keeps, one trait per area (each implemented in its own file of
/// `sql/`).
#[async_trait]
pub trait Store:
    AreaStore
    + AccountStore
    + LoginStore
    + AuditStore
    + IntakeStore
    + OutboxStore
    + PaperStore
    + UploadStore
    + TopicStore
    + InboxStore
    + CorrectionStore
    + ParticipationStore
    + MeetingStore
    + NotificationStore
    + EventStore
    + StatsStore
    + SmsStore
    + AccessStore
    + FirstUseStore
    + PrivacyStore
    + OrganisationStore
    + FundingStore
    + DeliveryStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> anyhow::Result<()>;
    async fn ping(&self) -> anyhow::Result<()>;
}

/// The area tree: districts, streets, communities and their buildings.
#[async_trait]
pub trait AreaStore: Send + Sync {
    /// Create (or find) district, street and community and the first admin, in one transaction.
    async fn bootstrap(&self, b: &Bootstrap) -> anyhow::Result<BootstrapIds>;
    async fn account_count(&self) -> anyhow::Result<i64>;
    async fn create_community(
        &self,
        street: StreetId,
        name: &str,
        audit: &Audit,
    ) -> anyhow::Result<CommunityId>;
    async fn create_street(
        &self,
        district: DistrictId,
        name: &str,
        audit: &Audit,
    ) -> anyhow::Result<StreetId>;
    async fn create_building(
        &self,
        community: CommunityId,
        name: &str,
        audit: &Audit,
    ) -> anyhow::Result<BuildingId>;
    async fn community(&self, id: CommunityId) -> anyhow::Result<Option<CommunityRow>>;
    async fn street(&self, id: StreetId) -> anyhow::Result<Option<StreetRow>>;
    /// Communities inside an admin's district or street.
    async fn communities_in(&self, area: AdminArea) -> anyhow::Result<Vec<CommunityRow>>;
    async fn buildings(&self, community: CommunityId) -> anyhow::Result<Vec<BuildingRow>>;
    /// Per-community switch: hold every suggestion for review before grouping.
    async fn set_premoderate(
        &self,
        community: CommunityId,
        on: bool,
        audit: &Audit,
    ) -> anyhow::Result<()>;
}

/// Staff and resident accounts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_staff(&self, s: &NewStaff, audit: &Audit) -> anyhow::Result<AccountId>;
    async fn account(&self, id: AccountId) -> anyhow::Result<Option<AccountRow>>;
    async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<AccountRow>>;
    async fn account_communities(&self, id: AccountId) -> anyhow::Result<Vec<CommunityId>>;
    async fn set_disabled(
        &self,
        id: AccountId,
        disabled: bool,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    async fn set_password(&self, id: AccountId, hash: &str, audit: &Audit) -> anyhow::Result<()>;
    async fn assign_community(
        &self,
        id: AccountId,
        community: CommunityId,
        assign: bool,
        audit: &Audit,
    ) -> anyhow::Result<()>;
    /// Find the resident with this WeChat openid, or create one; `(account, created)`.
    async fn upsert_wechat_resident(
        &self,
        openid: &str,
        unionid: Option<&str>,
    ) -> anyhow::Result<(AccountRow, bool)>;
    /// Development login: the resident named `name` in `community`, created on first use.
    async fn upsert_dev_resident(
        &self,
        name: &str,
        community: CommunityId,
    ) -> anyhow::Result<AccountRow>;
    async fn set_resident_community(
        &self,
        id: AccountId,
        community: CommunityId,
    ) -> anyhow::Result<()>;
}

/// Logins: sessions with their refresh tokens (reserving attempts: `AccessStore::reserve_login`).
#[async_trait]
pub trait LoginStore: Send + Sync {
    async fn clear_login_failures(&self, key: &str) -> anyhow::Result<()>;

    async fn create_session(
        &self,
        account: AccountId,
        session_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    /// Rotate a refresh token: mark it used and issue `new_hash`. A token used twice revokes
    /// the whole session.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> anyhow::Result<RefreshOutcome>;
    async fn revoke_session(
        &self,
        session_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()>;
    /// The live session's account, or `None` when the session is revoked or the account disabled.
    async fn session_account(&self, session_id: &str) -> anyhow::Result<Option<AccountRow>>;
}

/// The audit log, read back.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn audit_entries(
        &self,
        entity_type: &str,
        entity_id: &str,
    ) -> anyhow::Result<Vec<AuditRow>>;
    /// The audit records of several suggestions at once, in order.
    async fn suggestions_audit(&self, ids: &[SuggestionId]) -> anyhow::Result<Vec<AuditRow>>;
}

/// A staff member's role as stored.
pub fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow::anyhow!("unknown role `{s}` in the store"))
}
