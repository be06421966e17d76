//! Logins: clearing failed-attempt counters, sessions and their refresh tokens.
use super::shared::ACCOUNT_COLUMNS;
use super::SqlStore;
use crate::domain::ids::AccountId;
use crate::store::concat::const_concat;
use crate::store::{AccountRow, LoginStore, RefreshOutcome};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const CLEAR_LOGIN_FAILURES: &str = "delete from login_throttle where login_key = $1";

const INSERT_SESSION: &str =
    "insert into session (session_id, account_id, created_at) values ($1, $2, $3)";
const INSERT_REFRESH_TOKEN: &str = "insert into refresh_token (token_hash, session_id,
        issued_at, expires_at)
    values ($1, $2, $3, $4)";
/// Mark a refresh token used, atomically: of two racing refreshes only one gets a row back.
const CLAIM_REFRESH_TOKEN: &str = "update refresh_token set used_at = $1
    where token_hash = $2 and used_at is null
    returning session_id, expires_at";
const SESSION_OF_TOKEN: &str = "select session_id from refresh_token where token_hash = $1";
const LIVE_SESSION: &str = "select s.account_id, a.disabled_at
    from session s join account a on a.account_id = s.account_id
    where s.session_id = $1 and s.revoked_at is null";
const REVOKE_SESSION: &str = "update session set revoked_at = $1, revoked_reason = $2
    where session_id = $3 and revoked_at is null";
/// The account of a live session, unless it is disabled.
const ACCOUNT_OF_LIVE_SESSION: &str = const_concat!(
    "select ",
    ACCOUNT_COLUMNS,
    " from account
    where disabled_at is null
        and account_id = (select account_id from session
            where session_id = $1 and revoked_at is null)"
);

#[async_trait]
impl LoginStore for SqlStore {
    async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query(CLEAR_LOGIN_FAILURES)
            .bind(key)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(
        &self,
        account: AccountId,
        session_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(INSERT_SESSION)
            .bind(session_id)
            .bind(account)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_REFRESH_TOKEN)
            .bind(token_hash)
            .bind(session_id)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<RefreshOutcome> {
        let mut tx = self.write.begin().await?;
        let claimed: Option<(String, DateTime<Utc>)> = sqlx::query_as(CLAIM_REFRESH_TOKEN)
            .bind(now)
            .bind(old_hash)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((session_id, token_expires)) = claimed else {
            let known: Option<String> = sqlx::query_scalar(SESSION_OF_TOKEN)
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await?;
            return match known {
                Some(session_id) => {
                    sqlx::query(REVOKE_SESSION)
                        .bind(now)
                        .bind("refresh_token_reuse")
                        .bind(&session_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    tracing::warn!("a used refresh token was presented again; session revoked");
                    Ok(RefreshOutcome::Reused)
                }
                None => Ok(RefreshOutcome::Unknown),
            };
        };
        let live: Option<(AccountId, Option<DateTime<Utc>>)> = sqlx::query_as(LIVE_SESSION)
            .bind(&session_id)
            .fetch_optional(&mut *tx)
            .await?;
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
        sqlx::query(INSERT_REFRESH_TOKEN)
            .bind(new_hash)
            .bind(&session_id)
            .bind(now)
            .bind(expires)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RefreshOutcome::Rotated {
            session_id,
            account_id,
        })
    }

    async fn revoke_session(
        &self,
        session_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(REVOKE_SESSION)
            .bind(now)
            .bind(reason)
            .bind(session_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn session_account(&self, session_id: &str) -> Result<Option<AccountRow>> {
        let query = sqlx::query_as(ACCOUNT_OF_LIVE_SESSION).bind(session_id);
        Ok(query.fetch_optional(&self.read).await?)
    }
}
