//! Access control's own store calls: login attempt counters that are reserved before a
//! password is checked, the accounts an admin may manage, and upload quotas.
use crate::domain::ids::{AccountId, DistrictId, StreetId};
use crate::store::{AccountRow, AdminArea};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Which failed-login counter: per login name, or per client address across names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginCounter {
    Name,
    ClientIp,
}

/// The answer to a reservation of one login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may check a password. `attempts` counts it (and the failures before it in
    /// the window); `locks_at` is set when this attempt is the last one before the lock.
    Granted {
        attempts: i64,
        locks_at: Option<DateTime<Utc>>,
    },
    /// Locked until then: no password may be checked.
    Locked { until: DateTime<Utc> },
}

/// Where a worker or volunteer belongs when they serve no community (see migration 0009).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffHome {
    pub home_street_id: Option<StreetId>,
    pub home_district_id: Option<DistrictId>,
}

#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Reserve one login attempt on `key`'s counter in one statement, before any password is
    /// checked, so parallel guesses cannot read the same count: at most `max` attempts are
    /// granted per `window`; the one that reaches `max` locks the counter for `lock_for`.
    async fn reserve_login(
        &self,
        counter: LoginCounter,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: i64,
        lock_for: chrono::Duration,
    ) -> anyhow::Result<Reservation>;
    /// Give one reserved attempt back (it checked no password, or the password was right),
    /// lifting a lock that attempt set.
    async fn release_login(&self, counter: LoginCounter, key: &str, max: i64)
        -> anyhow::Result<()>;
    /// Staff accounts an admin of `area` might manage: those serving a community in the area,
    /// those whose home is in it, and (for a district) the admins of its streets. The exact rule
    /// is `auth::authority`.
    async fn staff_candidates(&self, area: AdminArea) -> anyhow::Result<Vec<AccountRow>>;
    async fn staff_home(&self, id: AccountId) -> anyhow::Result<StaffHome>;
    /// Uploads of an account since `since`: `(count, bytes)`.
    async fn uploads_since(
        &self,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> anyhow::Result<(i64, i64)>;
}
