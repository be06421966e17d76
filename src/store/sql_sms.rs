//! The SQL of SMS login codes and phone residents, written once for both backends (see `sql.rs`).
macro_rules! impl_sms_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::SmsStore for $store {
            async fn sms_recent(&self, phone_key: &str, minute_ago: chrono::DateTime<chrono::Utc>, day_ago: chrono::DateTime<chrono::Utc>) -> anyhow::Result<(i64, i64)> {
                Ok(sqlx::query_as(
                    "select coalesce(sum(case when created_at > $2 then 1 else 0 end), 0), count(*) \
                     from sms_code where phone_key = $1 and created_at > $3",
                )
                .bind(phone_key).bind(minute_ago).bind(day_ago).fetch_one(&self.write).await?)
            }

            async fn sms_insert(&self, phone_key: &str, code_hash: &str, now: chrono::DateTime<chrono::Utc>, expires: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
                sqlx::query("insert into sms_code (phone_key, code_hash, attempts, created_at, expires_at) values ($1, $2, 0, $3, $4)")
                    .bind(phone_key).bind(code_hash).bind(now).bind(expires).execute(&self.write).await?;
                Ok(())
            }

            async fn sms_live_code(&self, phone_key: &str, now: chrono::DateTime<chrono::Utc>, max_attempts: i64) -> anyhow::Result<Option<(i64, String, i64)>> {
                Ok(sqlx::query_as(
                    "select sms_code_id, code_hash, attempts from sms_code \
                     where phone_key = $1 and used_at is null and expires_at > $2 and attempts < $3 \
                     order by sms_code_id desc limit 1",
                )
                .bind(phone_key).bind(now).bind(max_attempts).fetch_optional(&self.write).await?)
            }

            async fn sms_wrong_attempt(&self, id: i64) -> anyhow::Result<()> {
                sqlx::query("update sms_code set attempts = attempts + 1 where sms_code_id = $1").bind(id).execute(&self.write).await?;
                Ok(())
            }

            async fn sms_use(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<bool> {
                Ok(sqlx::query("update sms_code set used_at = $1 where sms_code_id = $2 and used_at is null")
                    .bind(now).bind(id).execute(&self.write).await?.rows_affected() == 1)
            }

            async fn upsert_phone_resident(&self, phone: &str, display_name: &str, community: Option<$crate::domain::ids::CommunityId>, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<$crate::store::AccountRow> {
                sqlx::query(
                    "insert into account (role, display_name, phone, community_id, created_at, updated_at) \
                     values ('resident', $1, $2, $3, $4, $4) on conflict (phone) do nothing",
                )
                .bind(display_name).bind(phone).bind(community).bind(now).execute(&self.write).await?;
                let q = format!("select {} from account where phone = $1", $crate::store::sql::ACCOUNT_COLUMNS);
                Ok(sqlx::query_as(&q).bind(phone).fetch_one(&self.write).await?)
            }

            async fn assisted_suggestion(&self, entered_by: $crate::domain::ids::AccountId, client_id: &str) -> anyhow::Result<Option<$crate::domain::ids::SuggestionId>> {
                Ok(sqlx::query_scalar(
                    "select suggestion_id from suggestion where entered_by_account_id = $1 and client_id = $2 \
                     and author_account_id is null and paper_batch_id is null",
                )
                .bind(entered_by).bind(client_id).fetch_optional(&self.write).await?)
            }
        }
    };
}

pub(crate) use impl_sms_store;
