//! Staff and resident accounts.
use super::shared::{ACCOUNT_COLUMNS, SET_STAFF_HOME};
use super::{audit, SqlStore, Tx};
use crate::domain::ids::{AccountId, CommunityId};
use crate::store::concat::const_concat;
use crate::store::unique::{self, on_unique};
use crate::store::{AccountRow, AccountStore, AdminArea, Audit, NewStaff};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;

const ACCOUNT_BY_ID: &str = const_concat!(
    "select ",
    ACCOUNT_COLUMNS,
    " from account where account_id = $1"
);
const ACCOUNT_BY_USERNAME: &str = const_concat!(
    "select ",
    ACCOUNT_COLUMNS,
    " from account where username = $1"
);
const ACCOUNT_BY_OPENID: &str = const_concat!(
    "select ",
    ACCOUNT_COLUMNS,
    " from account where wechat_openid = $1"
);
const INSERT_STAFF: &str = "insert into account (role, username, password_hash, display_name,
        admin_district_id, admin_street_id, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $7)
    returning account_id";
/// The home of an account that serves no community: `$2` a street (its district follows) or
/// `$3` a district.
const SET_HOME_AREA: &str = "update account set home_street_id = $2,
        home_district_id = coalesce($3, (select district_id from street where street_id = $2))
    where account_id = $1";
const INSERT_ACCOUNT_COMMUNITY: &str =
    "insert into account_community (account_id, community_id, created_at) values ($1, $2, $3)";
const INSERT_ACCOUNT_COMMUNITY_IF_NEW: &str =
    const_concat!(INSERT_ACCOUNT_COMMUNITY, " on conflict do nothing");
const DELETE_ACCOUNT_COMMUNITY: &str =
    "delete from account_community where account_id = $1 and community_id = $2";
const COMMUNITIES_OF_ACCOUNT: &str = "select community_id from account_community
    where account_id = $1 order by community_id";

const SET_DISABLED: &str =
    "update account set disabled_at = $1, updated_at = $2 where account_id = $3";
const SET_PASSWORD: &str =
    "update account set password_hash = $1, updated_at = $2 where account_id = $3";
/// End every live session of an account (`$3` says why).
const REVOKE_SESSIONS_OF_ACCOUNT: &str = "update session set revoked_at = $1, revoked_reason = $3
    where account_id = $2 and revoked_at is null";

const INSERT_WECHAT_RESIDENT_IF_NEW: &str = "insert into account (role, display_name,
        wechat_openid, wechat_unionid, created_at, updated_at)
    values ('resident', '微信居民', $1, $2, $3, $3)
    on conflict (wechat_openid) do nothing";
const INSERT_DEV_RESIDENT_IF_NEW: &str = "insert into account (role, display_name,
        wechat_openid, community_id, created_at, updated_at)
    values ('resident', $1, $2, $3, $4, $4)
    on conflict (wechat_openid) do nothing";
const SET_RESIDENT_COMMUNITY: &str = "update account set community_id = $1, updated_at = $2
    where account_id = $3 and role = 'resident'";

/// Make `account` staff of `community`.
pub(super) async fn add_to_community(
    tx: &mut Tx<'_>,
    account: AccountId,
    community: CommunityId,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(INSERT_ACCOUNT_COMMUNITY)
        .bind(account)
        .bind(community)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// End every live session of `account`.
async fn revoke_sessions(
    tx: &mut Tx<'_>,
    account: AccountId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(REVOKE_SESSIONS_OF_ACCOUNT)
        .bind(now)
        .bind(account)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl AccountStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn create_staff(&self, s: &NewStaff, audit: &Audit) -> Result<AccountId> {
        let (district, street) = match s.admin_area {
            Some(AdminArea::District(d)) => (Some(d), None),
            Some(AdminArea::Street(st)) => (None, Some(st)),
            None => (None, None),
        };
        let mut tx = self.write.begin().await?;
        let id: AccountId = sqlx::query_scalar(INSERT_STAFF)
            .bind(s.role.as_str())
            .bind(&s.username)
            .bind(&s.password_hash)
            .bind(&s.display_name)
            .bind(district)
            .bind(street)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::ACCOUNT_USERNAME))?;
        for c in &s.communities {
            add_to_community(&mut tx, id, *c, audit.at).await?;
        }
        sqlx::query(SET_STAFF_HOME)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(home) = s.home {
            let (district, street) = match home {
                AdminArea::District(d) => (Some(d), None),
                AdminArea::Street(st) => (None, Some(st)),
            };
            sqlx::query(SET_HOME_AREA)
                .bind(id)
                .bind(street)
                .bind(district)
                .execute(&mut *tx)
                .await?;
        }
        let after = json!({
            "role": s.role.as_str(),
            "username": s.username,
            "communities": s.communities,
            "admin_district_id": district,
            "admin_street_id": street,
        });
        let community = s.communities.first().copied();
        audit::entry("account.create", "account", id)
            .community(community)
            .after(after)
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn account(&self, id: AccountId) -> Result<Option<AccountRow>> {
        let query = sqlx::query_as(ACCOUNT_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<AccountRow>> {
        let query = sqlx::query_as(ACCOUNT_BY_USERNAME).bind(username);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn account_communities(&self, id: AccountId) -> Result<Vec<CommunityId>> {
        let query = sqlx::query_scalar(COMMUNITIES_OF_ACCOUNT).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn set_disabled(&self, id: AccountId, disabled: bool, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let at = if disabled { Some(audit.at) } else { None };
        sqlx::query(SET_DISABLED)
            .bind(at)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            revoke_sessions(&mut tx, id, "account_disabled", audit.at).await?;
        }
        let action = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        audit::entry(action, "account", id)
            .before(json!({"disabled": !disabled}))
            .after(json!({"disabled": disabled}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn set_password(&self, id: AccountId, hash: &str, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(SET_PASSWORD)
            .bind(hash)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // A reset password ends every existing login of the account.
        revoke_sessions(&mut tx, id, "password_reset", audit.at).await?;
        audit::entry("account.reset_password", "account", id)
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn assign_community(
        &self,
        id: AccountId,
        community: CommunityId,
        assign: bool,
        audit: &Audit,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if assign {
            sqlx::query(INSERT_ACCOUNT_COMMUNITY_IF_NEW)
                .bind(id)
                .bind(community)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(DELETE_ACCOUNT_COMMUNITY)
                .bind(id)
                .bind(community)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(SET_STAFF_HOME)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let action = if assign {
            "account.assign_community"
        } else {
            "account.unassign_community"
        };
        audit::entry(action, "account", id)
            .community(community)
            .after(json!({"community_id": community}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn upsert_wechat_resident(
        &self,
        openid: &str,
        unionid: Option<&str>,
    ) -> Result<(AccountRow, bool)> {
        let now = chrono::Utc::now();
        let inserted = sqlx::query(INSERT_WECHAT_RESIDENT_IF_NEW)
            .bind(openid)
            .bind(unionid)
            .bind(now)
            .execute(&self.write)
            .await?
            .rows_affected()
            == 1;
        let row = sqlx::query_as(ACCOUNT_BY_OPENID)
            .bind(openid)
            .fetch_one(&self.write)
            .await?;
        Ok((row, inserted))
    }

    #[tracing::instrument(skip_all)]
    async fn upsert_dev_resident(&self, name: &str, community: CommunityId) -> Result<AccountRow> {
        let now = chrono::Utc::now();
        // Development residents use a synthetic openid so the same name logs in again.
        let openid = format!("dev:{}:{}", community.0, name);
        sqlx::query(INSERT_DEV_RESIDENT_IF_NEW)
            .bind(name)
            .bind(&openid)
            .bind(community)
            .bind(now)
            .execute(&self.write)
            .await?;
        let query = sqlx::query_as(ACCOUNT_BY_OPENID).bind(&openid);
        Ok(query.fetch_one(&self.write).await?)
    }

    async fn set_resident_community(&self, id: AccountId, community: CommunityId) -> Result<()> {
        sqlx::query(SET_RESIDENT_COMMUNITY)
            .bind(community)
            .bind(chrono::Utc::now())
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
