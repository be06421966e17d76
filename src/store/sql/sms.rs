//! SMS login codes and the residents who log in by phone (the mobile web version).
use super::shared::ACCOUNT_COLUMNS;
use super::SqlStore;
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use crate::store::concat::const_concat;
use crate::store::{AccountRow, SmsStore};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Codes sent to a phone since `$2` (a minute ago) and since `$3` (a day ago).
const CODES_SENT_RECENTLY: &str =
    "select coalesce(sum(case when created_at > $2 then 1 else 0 end), 0),
        count(*)
    from sms_code
    where phone_key = $1 and created_at > $3";
const INSERT_CODE: &str = "insert into sms_code (phone_key, code_hash, attempts, created_at,
        expires_at)
    values ($1, $2, 0, $3, $4)";
const NEWEST_LIVE_CODE: &str = "select sms_code_id, code_hash, attempts from sms_code
    where phone_key = $1 and used_at is null and expires_at > $2 and attempts < $3
    order by sms_code_id desc
    limit 1";
const COUNT_WRONG_ATTEMPT: &str =
    "update sms_code set attempts = attempts + 1 where sms_code_id = $1";
const USE_CODE: &str =
    "update sms_code set used_at = $1 where sms_code_id = $2 and used_at is null";
const INSERT_PHONE_RESIDENT_IF_NEW: &str = "insert into account (role, display_name, phone,
        community_id, created_at, updated_at)
    values ('resident', $1, $2, $3, $4, $4)
    on conflict (phone) do nothing";
const ACCOUNT_BY_PHONE: &str =
    const_concat!("select ", ACCOUNT_COLUMNS, " from account where phone = $1");
const ASSISTED_SUGGESTION: &str = "select suggestion_id from suggestion
    where entered_by_account_id = $1 and client_id = $2
        and author_account_id is null and paper_batch_id is null";

#[async_trait]
impl SmsStore for SqlStore {
    async fn sms_recent(
        &self,
        phone_key: &str,
        minute_ago: DateTime<Utc>,
        day_ago: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let query = sqlx::query_as(CODES_SENT_RECENTLY)
            .bind(phone_key)
            .bind(minute_ago)
            .bind(day_ago);
        Ok(query.fetch_one(&self.write).await?)
    }

    async fn sms_insert(
        &self,
        phone_key: &str,
        code_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(INSERT_CODE)
            .bind(phone_key)
            .bind(code_hash)
            .bind(now)
            .bind(expires)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn sms_live_code(
        &self,
        phone_key: &str,
        now: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Option<(i64, String, i64)>> {
        let query = sqlx::query_as(NEWEST_LIVE_CODE)
            .bind(phone_key)
            .bind(now)
            .bind(max_attempts);
        Ok(query.fetch_optional(&self.write).await?)
    }

    async fn sms_wrong_attempt(&self, id: i64) -> Result<()> {
        sqlx::query(COUNT_WRONG_ATTEMPT)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn sms_use(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let used = sqlx::query(USE_CODE)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(used == 1)
    }

    async fn upsert_phone_resident(
        &self,
        phone: &str,
        display_name: &str,
        community: Option<CommunityId>,
        now: DateTime<Utc>,
    ) -> Result<AccountRow> {
        sqlx::query(INSERT_PHONE_RESIDENT_IF_NEW)
            .bind(display_name)
            .bind(phone)
            .bind(community)
            .bind(now)
            .execute(&self.write)
            .await?;
        let query = sqlx::query_as(ACCOUNT_BY_PHONE).bind(phone);
        Ok(query.fetch_one(&self.write).await?)
    }

    async fn assisted_suggestion(
        &self,
        entered_by: AccountId,
        client_id: &str,
    ) -> Result<Option<SuggestionId>> {
        let query = sqlx::query_scalar(ASSISTED_SUGGESTION)
            .bind(entered_by)
            .bind(client_id);
        Ok(query.fetch_optional(&self.write).await?)
    }
}
