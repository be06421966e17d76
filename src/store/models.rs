//! Rows and inputs of the store, shared by both backends.
use crate::domain::ids::*;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub district: String,
    pub street: String,
    pub community: String,
    pub username: String,
    pub password_hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BootstrapIds {
    pub district_id: DistrictId,
    pub street_id: StreetId,
    pub community_id: CommunityId,
    pub account_id: AccountId,
}

/// Who did what, and why; written in the same transaction as the change.
#[derive(Debug, Clone)]
pub struct Audit {
    pub actor: Option<AccountId>,
    /// `staff`, `resident`, `system`, `algorithm` or `cli`.
    pub actor_kind: &'static str,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

impl Audit {
    pub fn system(kind: &'static str) -> Self {
        Self {
            actor: None,
            actor_kind: kind,
            reason: None,
            request_id: None,
            at: Utc::now(),
        }
    }
}

/// An admin's area of responsibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminArea {
    District(DistrictId),
    Street(StreetId),
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CommunityRow {
    pub community_id: CommunityId,
    pub street_id: StreetId,
    pub district_id: DistrictId,
    pub name: String,
    pub street_name: String,
    pub premoderate: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StreetRow {
    pub street_id: StreetId,
    pub district_id: DistrictId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BuildingRow {
    pub building_id: BuildingId,
    pub community_id: CommunityId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub role: crate::domain::role::Role,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub admin_area: Option<AdminArea>,
    pub communities: Vec<CommunityId>,
    /// The area whose admins manage an account that serves no community (a reviewer, a
    /// supervisor, an organisation's lead): the creating admin's.
    pub home: Option<AdminArea>,
}

#[derive(Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub account_id: AccountId,
    pub role: String,
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub phone: Option<String>,
    pub wechat_openid: Option<String>,
    pub community_id: Option<CommunityId>,
    pub admin_district_id: Option<DistrictId>,
    pub admin_street_id: Option<StreetId>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Personal data stays out of `Debug` (and so out of logs).
impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("account_id", &self.account_id)
            .field("role", &self.role)
            .field("disabled", &self.disabled_at.is_some())
            .finish_non_exhaustive()
    }
}

impl AccountRow {
    pub fn admin_area(&self) -> Option<AdminArea> {
        match (self.admin_street_id, self.admin_district_id) {
            (Some(s), _) => Some(AdminArea::Street(s)),
            (None, Some(d)) => Some(AdminArea::District(d)),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub enum RefreshOutcome {
    Rotated {
        session_id: String,
        account_id: AccountId,
    },
    /// The token had been used before: the session is now revoked.
    Reused,
    Expired,
    Unknown,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRow {
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<AccountId>,
    pub actor_kind: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub community_id: Option<CommunityId>,
    pub reason: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}
