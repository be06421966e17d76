//! The SQL of the store, written once. Both sqlx drivers accept `$1`-style parameters, and the
//! schema differs only in column types (see the two migration folders), so one body serves
//! both backends: `impl_store!` expands it for a type with `write` and `read` pools.
//! (Atuin writes one impl per backend; a single copy is simpler to keep correct here.)

pub(crate) const COMMUNITY_SELECT: &str = "select c.community_id, c.street_id, s.district_id, c.name, \
     s.name as street_name, c.premoderate from community c join street s on s.street_id = c.street_id";

pub(crate) const ACCOUNT_COLUMNS: &str =
    "account_id, role, username, password_hash, display_name, phone, wechat_openid, \
     community_id, admin_district_id, admin_street_id, disabled_at, created_at";

macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        impl $store {
            #[allow(clippy::too_many_arguments)]
            async fn audit_tx(
                tx: &mut sqlx::Transaction<'_, $db>,
                audit: &$crate::store::Audit,
                action: &str,
                entity_type: &str,
                entity_id: &str,
                community: Option<$crate::domain::ids::CommunityId>,
                before: Option<serde_json::Value>,
                after: Option<serde_json::Value>,
            ) -> anyhow::Result<()> {
                sqlx::query(
                    "insert into audit_log (at, actor_account_id, actor_kind, action, entity_type, entity_id, \
                     community_id, reason, before_json, after_json, request_id) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(audit.at)
                .bind(audit.actor)
                .bind(audit.actor_kind)
                .bind(action)
                .bind(entity_type)
                .bind(entity_id)
                .bind(community)
                .bind(audit.reason.as_deref())
                .bind(before.map(|v| v.to_string()))
                .bind(after.map(|v| v.to_string()))
                .bind(audit.request_id.as_deref())
                .execute(&mut **tx)
                .await
                .context("writing the audit log")?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            async fn migrate(&self) -> anyhow::Result<()> {
                Self::MIGRATOR.run(&self.write).await.context("applying migrations")?;
                Ok(())
            }

            async fn ping(&self) -> anyhow::Result<()> {
                sqlx::query("select 1").execute(&self.read).await.context("pinging the store")?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn bootstrap(&self, b: &$crate::store::Bootstrap) -> anyhow::Result<$crate::store::BootstrapIds> {
                use $crate::domain::ids::*;
                let now = chrono::Utc::now();
                let mut tx = self.write.begin().await?;
                sqlx::query("insert into district (name, created_at) values ($1, $2) on conflict (name) do nothing")
                    .bind(&b.district).bind(now).execute(&mut *tx).await?;
                let district_id: DistrictId = sqlx::query_scalar("select district_id from district where name = $1")
                    .bind(&b.district).fetch_one(&mut *tx).await?;
                sqlx::query("insert into street (district_id, name, created_at) values ($1, $2, $3) on conflict (district_id, name) do nothing")
                    .bind(district_id).bind(&b.street).bind(now).execute(&mut *tx).await?;
                let street_id: StreetId = sqlx::query_scalar("select street_id from street where district_id = $1 and name = $2")
                    .bind(district_id).bind(&b.street).fetch_one(&mut *tx).await?;
                sqlx::query("insert into community (street_id, name, created_at) values ($1, $2, $3) on conflict (street_id, name) do nothing")
                    .bind(street_id).bind(&b.community).bind(now).execute(&mut *tx).await?;
                let community_id: CommunityId = sqlx::query_scalar("select community_id from community where street_id = $1 and name = $2")
                    .bind(street_id).bind(&b.community).fetch_one(&mut *tx).await?;
                let account_id: AccountId = sqlx::query_scalar(
                    "insert into account (role, username, password_hash, display_name, admin_district_id, created_at, updated_at) \
                     values ('admin', $1, $2, $1, $3, $4, $4) returning account_id",
                )
                .bind(&b.username).bind(&b.password_hash).bind(district_id).bind(now)
                .fetch_one(&mut *tx).await
                .map_err($crate::store::sql::unique_violation("account_username_key", "username already exists"))?;
                // The district admin's scope is the district: no community membership, which
                // would make it look like that community's staff to a street admin.
                let audit = $crate::store::Audit::system("cli");
                Self::audit_tx(&mut tx, &audit, "bootstrap", "account", &account_id.to_string(), Some(community_id), None,
                    Some(serde_json::json!({"district_id": district_id, "street_id": street_id, "community_id": community_id, "username": b.username}))).await?;
                tx.commit().await?;
                Ok($crate::store::BootstrapIds { district_id, street_id, community_id, account_id })
            }

            async fn account_count(&self) -> anyhow::Result<i64> {
                Ok(sqlx::query_scalar("select count(*) from account").fetch_one(&self.read).await?)
            }

            #[tracing::instrument(skip_all)]
            async fn create_community(&self, street: $crate::domain::ids::StreetId, name: &str, audit: &$crate::store::Audit) -> anyhow::Result<$crate::domain::ids::CommunityId> {
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::CommunityId = sqlx::query_scalar("insert into community (street_id, name, created_at) values ($1, $2, $3) returning community_id")
                    .bind(street).bind(name).bind(audit.at).fetch_one(&mut *tx).await
                    .map_err($crate::store::sql::unique_violation("community_name_key", "community already exists"))?;
                Self::audit_tx(&mut tx, audit, "community.create", "community", &id.to_string(), Some(id), None,
                    Some(serde_json::json!({"street_id": street, "name": name}))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn create_street(&self, district: $crate::domain::ids::DistrictId, name: &str, audit: &$crate::store::Audit) -> anyhow::Result<$crate::domain::ids::StreetId> {
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::StreetId = sqlx::query_scalar("insert into street (district_id, name, created_at) values ($1, $2, $3) returning street_id")
                    .bind(district).bind(name).bind(audit.at).fetch_one(&mut *tx).await
                    .map_err($crate::store::sql::unique_violation("street_name_key", "street already exists"))?;
                Self::audit_tx(&mut tx, audit, "street.create", "street", &id.to_string(), None, None,
                    Some(serde_json::json!({"district_id": district, "name": name}))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn create_building(&self, community: $crate::domain::ids::CommunityId, name: &str, audit: &$crate::store::Audit) -> anyhow::Result<$crate::domain::ids::BuildingId> {
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::BuildingId = sqlx::query_scalar("insert into building (community_id, name, created_at) values ($1, $2, $3) returning building_id")
                    .bind(community).bind(name).bind(audit.at).fetch_one(&mut *tx).await
                    .map_err($crate::store::sql::unique_violation("building_name_key", "building already exists"))?;
                Self::audit_tx(&mut tx, audit, "building.create", "building", &id.to_string(), Some(community), None,
                    Some(serde_json::json!({"name": name}))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn community(&self, id: $crate::domain::ids::CommunityId) -> anyhow::Result<Option<$crate::store::CommunityRow>> {
                let q = format!("{} where c.community_id = $1", $crate::store::sql::COMMUNITY_SELECT);
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.read).await?)
            }

            async fn street(&self, id: $crate::domain::ids::StreetId) -> anyhow::Result<Option<$crate::store::StreetRow>> {
                Ok(sqlx::query_as("select street_id, district_id, name from street where street_id = $1")
                    .bind(id).fetch_optional(&self.read).await?)
            }

            async fn communities_in(&self, area: $crate::store::AdminArea) -> anyhow::Result<Vec<$crate::store::CommunityRow>> {
                use $crate::store::AdminArea;
                let (filter, id) = match area {
                    AdminArea::District(d) => ("s.district_id", d.0),
                    AdminArea::Street(s) => ("c.street_id", s.0),
                };
                let q = format!("{} where {filter} = $1 order by c.community_id", $crate::store::sql::COMMUNITY_SELECT);
                Ok(sqlx::query_as(&q).bind(id).fetch_all(&self.read).await?)
            }

            async fn buildings(&self, community: $crate::domain::ids::CommunityId) -> anyhow::Result<Vec<$crate::store::BuildingRow>> {
                Ok(sqlx::query_as("select building_id, community_id, name from building where community_id = $1 order by name")
                    .bind(community).fetch_all(&self.read).await?)
            }

            async fn set_premoderate(&self, community: $crate::domain::ids::CommunityId, on: bool, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                let before: bool = sqlx::query_scalar("select premoderate from community where community_id = $1")
                    .bind(community).fetch_one(&mut *tx).await?;
                sqlx::query("update community set premoderate = $1 where community_id = $2").bind(on).bind(community).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "community.premoderate", "community", &community.to_string(), Some(community),
                    Some(serde_json::json!({"premoderate": before})), Some(serde_json::json!({"premoderate": on}))).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn create_staff(&self, s: &$crate::store::NewStaff, audit: &$crate::store::Audit) -> anyhow::Result<$crate::domain::ids::AccountId> {
                use $crate::store::AdminArea;
                let (district, street) = match s.admin_area {
                    Some(AdminArea::District(d)) => (Some(d), None),
                    Some(AdminArea::Street(st)) => (None, Some(st)),
                    None => (None, None),
                };
                let mut tx = self.write.begin().await?;
                let id: $crate::domain::ids::AccountId = sqlx::query_scalar(
                    "insert into account (role, username, password_hash, display_name, admin_district_id, admin_street_id, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $7) returning account_id",
                )
                .bind(s.role.as_str()).bind(&s.username).bind(&s.password_hash).bind(&s.display_name)
                .bind(district).bind(street).bind(audit.at)
                .fetch_one(&mut *tx).await
                .map_err($crate::store::sql::unique_violation("account_username_key", "username already exists"))?;
                for c in &s.communities {
                    sqlx::query("insert into account_community (account_id, community_id, created_at) values ($1, $2, $3)")
                        .bind(id).bind(c).bind(audit.at).execute(&mut *tx).await?;
                }
                sqlx::query($crate::store::sql_access::SET_STAFF_HOME).bind(id).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "account.create", "account", &id.to_string(), s.communities.first().copied(), None,
                    Some(serde_json::json!({"role": s.role.as_str(), "username": s.username, "communities": s.communities,
                        "admin_district_id": district, "admin_street_id": street}))).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn account(&self, id: $crate::domain::ids::AccountId) -> anyhow::Result<Option<$crate::store::AccountRow>> {
                let q = format!("select {} from account where account_id = $1", $crate::store::sql::ACCOUNT_COLUMNS);
                Ok(sqlx::query_as(&q).bind(id).fetch_optional(&self.read).await?)
            }

            async fn account_by_username(&self, username: &str) -> anyhow::Result<Option<$crate::store::AccountRow>> {
                let q = format!("select {} from account where username = $1", $crate::store::sql::ACCOUNT_COLUMNS);
                Ok(sqlx::query_as(&q).bind(username).fetch_optional(&self.read).await?)
            }

            async fn account_communities(&self, id: $crate::domain::ids::AccountId) -> anyhow::Result<Vec<$crate::domain::ids::CommunityId>> {
                Ok(sqlx::query_scalar("select community_id from account_community where account_id = $1 order by community_id")
                    .bind(id).fetch_all(&self.read).await?)
            }

            #[tracing::instrument(skip_all)]
            async fn set_disabled(&self, id: $crate::domain::ids::AccountId, disabled: bool, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                let at = if disabled { Some(audit.at) } else { None };
                sqlx::query("update account set disabled_at = $1, updated_at = $2 where account_id = $3")
                    .bind(at).bind(audit.at).bind(id).execute(&mut *tx).await?;
                if disabled {
                    sqlx::query("update session set revoked_at = $1, revoked_reason = 'account_disabled' where account_id = $2 and revoked_at is null")
                        .bind(audit.at).bind(id).execute(&mut *tx).await?;
                }
                let action = if disabled { "account.disable" } else { "account.enable" };
                Self::audit_tx(&mut tx, audit, action, "account", &id.to_string(), None,
                    Some(serde_json::json!({"disabled": !disabled})), Some(serde_json::json!({"disabled": disabled}))).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn set_password(&self, id: $crate::domain::ids::AccountId, hash: &str, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                sqlx::query("update account set password_hash = $1, updated_at = $2 where account_id = $3")
                    .bind(hash).bind(audit.at).bind(id).execute(&mut *tx).await?;
                // A reset password ends every existing login of the account.
                sqlx::query("update session set revoked_at = $1, revoked_reason = 'password_reset' where account_id = $2 and revoked_at is null")
                    .bind(audit.at).bind(id).execute(&mut *tx).await?;
                Self::audit_tx(&mut tx, audit, "account.reset_password", "account", &id.to_string(), None, None, None).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn assign_community(&self, id: $crate::domain::ids::AccountId, community: $crate::domain::ids::CommunityId, assign: bool, audit: &$crate::store::Audit) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                if assign {
                    sqlx::query("insert into account_community (account_id, community_id, created_at) values ($1, $2, $3) on conflict do nothing")
                        .bind(id).bind(community).bind(audit.at).execute(&mut *tx).await?;
                } else {
                    sqlx::query("delete from account_community where account_id = $1 and community_id = $2")
                        .bind(id).bind(community).execute(&mut *tx).await?;
                }
                sqlx::query($crate::store::sql_access::SET_STAFF_HOME).bind(id).execute(&mut *tx).await?;
                let action = if assign { "account.assign_community" } else { "account.unassign_community" };
                Self::audit_tx(&mut tx, audit, action, "account", &id.to_string(), Some(community), None,
                    Some(serde_json::json!({"community_id": community}))).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn upsert_wechat_resident(&self, openid: &str, unionid: Option<&str>) -> anyhow::Result<($crate::store::AccountRow, bool)> {
                let now = chrono::Utc::now();
                let inserted = sqlx::query(
                    "insert into account (role, display_name, wechat_openid, wechat_unionid, created_at, updated_at) \
                     values ('resident', '微信居民', $1, $2, $3, $3) on conflict (wechat_openid) do nothing",
                )
                .bind(openid).bind(unionid).bind(now).execute(&self.write).await?
                .rows_affected() == 1;
                let q = format!("select {} from account where wechat_openid = $1", $crate::store::sql::ACCOUNT_COLUMNS);
                let row = sqlx::query_as(&q).bind(openid).fetch_one(&self.write).await?;
                Ok((row, inserted))
            }

            #[tracing::instrument(skip_all)]
            async fn upsert_dev_resident(&self, name: &str, community: $crate::domain::ids::CommunityId) -> anyhow::Result<$crate::store::AccountRow> {
                let now = chrono::Utc::now();
                // Development residents use a synthetic openid so the same name logs in again.
                let openid = format!("dev:{}:{}", community.0, name);
                sqlx::query(
                    "insert into account (role, display_name, wechat_openid, community_id, created_at, updated_at) \
                     values ('resident', $1, $2, $3, $4, $4) on conflict (wechat_openid) do nothing",
                )
                .bind(name).bind(&openid).bind(community).bind(now).execute(&self.write).await?;
                let q = format!("select {} from account where wechat_openid = $1", $crate::store::sql::ACCOUNT_COLUMNS);
                Ok(sqlx::query_as(&q).bind(&openid).fetch_one(&self.write).await?)
            }

            async fn set_resident_community(&self, id: $crate::domain::ids::AccountId, community: $crate::domain::ids::CommunityId) -> anyhow::Result<()> {
                sqlx::query("update account set community_id = $1, updated_at = $2 where account_id = $3 and role = 'resident'")
                    .bind(community).bind(chrono::Utc::now()).bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn clear_login_failures(&self, key: &str) -> anyhow::Result<()> {
                sqlx::query("delete from login_throttle where login_key = $1").bind(key).execute(&self.write).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn create_session(&self, account: $crate::domain::ids::AccountId, session_id: &str, token_hash: &str, now: chrono::DateTime<chrono::Utc>, expires: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                let mut tx = self.write.begin().await?;
                sqlx::query("insert into session (session_id, account_id, created_at) values ($1, $2, $3)")
                    .bind(session_id).bind(account).bind(now).execute(&mut *tx).await?;
                sqlx::query("insert into refresh_token (token_hash, session_id, issued_at, expires_at) values ($1, $2, $3, $4)")
                    .bind(token_hash).bind(session_id).bind(now).bind(expires).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn rotate_refresh(&self, old_hash: &str, new_hash: &str, now: chrono::DateTime<chrono::Utc>, expires: chrono::DateTime<chrono::Utc>) -> anyhow::Result<$crate::store::RefreshOutcome> {
                use $crate::store::RefreshOutcome;
                let mut tx = self.write.begin().await?;
                // Claim the token atomically: only one of two racing refreshes can mark it used.
                let claimed: Option<(String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "update refresh_token set used_at = $1 where token_hash = $2 and used_at is null \
                     returning session_id, expires_at",
                )
                .bind(now).bind(old_hash).fetch_optional(&mut *tx).await?;
                let Some((session_id, token_expires)) = claimed else {
                    let known: Option<String> = sqlx::query_scalar("select session_id from refresh_token where token_hash = $1")
                        .bind(old_hash).fetch_optional(&mut *tx).await?;
                    return match known {
                        Some(session_id) => {
                            sqlx::query("update session set revoked_at = $1, revoked_reason = 'refresh_token_reuse' where session_id = $2 and revoked_at is null")
                                .bind(now).bind(&session_id).execute(&mut *tx).await?;
                            tx.commit().await?;
                            tracing::warn!("a used refresh token was presented again; session revoked");
                            Ok(RefreshOutcome::Reused)
                        }
                        None => Ok(RefreshOutcome::Unknown),
                    };
                };
                let live: Option<($crate::domain::ids::AccountId, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
                    "select s.account_id, a.disabled_at from session s join account a on a.account_id = s.account_id \
                     where s.session_id = $1 and s.revoked_at is null",
                )
                .bind(&session_id).fetch_optional(&mut *tx).await?;
                let account_id = match live {
                    Some((account_id, None)) if token_expires > now => account_id,
                    Some((_, None)) => {
                        tx.commit().await?;
                        return Ok(RefreshOutcome::Expired);
                    }
                    _ => {
                        tx.commit().await?;
                        return Ok(RefreshOutcome::Unknown);
                    }
                };
                sqlx::query("insert into refresh_token (token_hash, session_id, issued_at, expires_at) values ($1, $2, $3, $4)")
                    .bind(new_hash).bind(&session_id).bind(now).bind(expires).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(RefreshOutcome::Rotated { session_id, account_id })
            }

            async fn revoke_session(&self, session_id: &str, reason: &str, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                sqlx::query("update session set revoked_at = $1, revoked_reason = $2 where session_id = $3 and revoked_at is null")
                    .bind(now).bind(reason).bind(session_id).execute(&self.write).await?;
                Ok(())
            }

            async fn session_account(&self, session_id: &str) -> anyhow::Result<Option<$crate::store::AccountRow>> {
                let cols = $crate::store::sql::ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
                let q = format!(
                    "select {cols} from session s join account a on a.account_id = s.account_id \
                     where s.session_id = $1 and s.revoked_at is null and a.disabled_at is null"
                );
                Ok(sqlx::query_as(&q).bind(session_id).fetch_optional(&self.read).await?)
            }

            async fn audit_entries(&self, entity_type: &str, entity_id: &str) -> anyhow::Result<Vec<$crate::store::AuditRow>> {
                Ok(sqlx::query_as(
                    "select audit_id, at, actor_account_id, actor_kind, action, entity_type, entity_id, community_id, \
                     reason, before_json, after_json from audit_log where entity_type = $1 and entity_id = $2 order by audit_id",
                )
                .bind(entity_type).bind(entity_id).fetch_all(&self.read).await?)
            }

            async fn suggestions_audit(&self, ids: &[$crate::domain::ids::SuggestionId]) -> anyhow::Result<Vec<$crate::store::AuditRow>> {
                // Entity ids are text; these are integers, so quoting them is safe.
                let list = if ids.is_empty() { "null".to_string() } else { ids.iter().map(|i| format!("'{}'", i.0)).collect::<Vec<_>>().join(",") };
                let q = format!(
                    "select audit_id, at, actor_account_id, actor_kind, action, entity_type, entity_id, community_id, \
                     reason, before_json, after_json from audit_log where entity_type = 'suggestion' and entity_id in ({list}) order by audit_id"
                );
                Ok(sqlx::query_as(&q).fetch_all(&self.read).await?)
            }
        }
    };
}

pub(crate) use impl_store;

/// A store error that callers can match: a unique constraint was violated.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UniqueViolation {
    pub constraint: &'static str,
    pub message: &'static str,
}

/// Map a unique violation (by constraint name on PostgreSQL, by message on SQLite) to
/// `UniqueViolation`, so the API can answer 409/422 instead of 500.
pub(crate) fn unique_violation(
    constraint: &'static str,
    message: &'static str,
) -> impl Fn(sqlx::Error) -> anyhow::Error {
    move |e: sqlx::Error| {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return anyhow::Error::new(UniqueViolation {
                    constraint,
                    message,
                });
            }
        }
        anyhow::Error::new(e)
    }
}
