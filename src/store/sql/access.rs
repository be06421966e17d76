//! Access control: login attempts reserved before a password is checked, the staff an
//! admin may manage, and upload quotas.
use super::shared::ACCOUNT_COLUMNS;
use super::SqlStore;
use crate::domain::ids::AccountId;
use crate::store::{AccessStore, AccountRow, AdminArea, LoginCounter, Reservation, StaffHome};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

/// Reserve one login attempt (see `AccessStore::reserve_login`). A locked counter is left
/// alone and returns no row; a lock that ran out, or a count older than the window, starts
/// again at one. `{table}`/`{key}`: `login_throttle`/`login_key` or
/// `login_ip_throttle`/`client_ip`. $1 key, $2 now, $3 start of the window, $4 most attempts,
/// $5 end of a lock set now.
const RESERVE_LOGIN: &str = "insert into {table} ({key}, failures, locked_until, updated_at) \
     values ($1, 1, case when $4 <= 1 then $5 end, $2) \
     on conflict ({key}) do update set \
     failures = case when {table}.locked_until is not null or {table}.updated_at <= $3 \
         then 1 else {table}.failures + 1 end, \
     locked_until = case when (case \
         when {table}.locked_until is not null or {table}.updated_at <= $3 \
         then 1 else {table}.failures + 1 end) >= $4 then $5 end, \
     updated_at = $2 \
     where {table}.locked_until is null or {table}.locked_until <= $2 \
     returning failures, locked_until";

const LOCKED_UNTIL: &str = "select locked_until from {table} where {key} = $1";

/// Give a reserved attempt back; the lock goes when the count falls below the limit ($2).
const RELEASE_LOGIN: &str = "update {table} set failures = failures - 1, \
     locked_until = case when failures - 1 >= $2 then locked_until end \
     where {key} = $1 and failures > 0";

fn login_sql(template: &str, counter: LoginCounter) -> String {
    let (table, key) = match counter {
        LoginCounter::Name => ("login_throttle", "login_key"),
        LoginCounter::ClientIp => ("login_ip_throttle", "client_ip"),
    };
    template.replace("{table}", table).replace("{key}", key)
}

/// Candidates for a district admin ($1 district): staff serving its communities, staff whose
/// home is the district, and the admins of its streets.
const STAFF_CANDIDATES_IN_DISTRICT: &str = "where role <> 'resident' and (\
     account_id in (select ac.account_id from account_community ac \
         join community c on c.community_id = ac.community_id \
         join street s on s.street_id = c.street_id where s.district_id = $1) \
     or home_district_id = $1 \
     or admin_street_id in (select st.street_id from street st where st.district_id = $1)) \
     order by account_id";

/// Candidates for a street admin ($1 street): staff serving its communities or at home there.
const STAFF_CANDIDATES_IN_STREET: &str = "where role <> 'resident' and (\
     account_id in (select ac.account_id from account_community ac \
         join community c on c.community_id = ac.community_id where c.street_id = $1) \
     or home_street_id = $1) \
     order by account_id";

fn staff_candidates_sql(area: AdminArea) -> (String, i64) {
    let (filter, id) = match area {
        AdminArea::District(d) => (STAFF_CANDIDATES_IN_DISTRICT, d.0),
        AdminArea::Street(s) => (STAFF_CANDIDATES_IN_STREET, s.0),
    };
    (
        format!("select {} from account {filter}", ACCOUNT_COLUMNS),
        id,
    )
}

const STAFF_HOME: &str =
    "select home_street_id, home_district_id from account where account_id = $1";

const UPLOADS_SINCE: &str = "select count(*), cast(coalesce(sum(byte_size), 0) as bigint) \
     from upload where account_id = $1 and created_at > $2";

#[async_trait]
impl AccessStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn reserve_login(
        &self,
        counter: LoginCounter,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
        max: i64,
        lock_for: Duration,
    ) -> Result<Reservation> {
        let reserve = login_sql(RESERVE_LOGIN, counter);
        // A lock that ends (or a counter cleared by a success) between the two
        // statements is simply tried again.
        for _ in 0..3 {
            let granted: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(&reserve)
                .bind(key)
                .bind(now)
                .bind(now - window)
                .bind(max)
                .bind(now + lock_for)
                .fetch_optional(&self.write)
                .await?;
            if let Some((attempts, locks_at)) = granted {
                return Ok(Reservation::Granted { attempts, locks_at });
            }
            let until: Option<Option<DateTime<Utc>>> =
                sqlx::query_scalar(&login_sql(LOCKED_UNTIL, counter))
                    .bind(key)
                    .fetch_optional(&self.write)
                    .await?;
            if let Some(Some(until)) = until.filter(|u| u.is_some_and(|u| u > now)) {
                return Ok(Reservation::Locked { until });
            }
        }
        Ok(Reservation::Locked {
            until: now + Duration::seconds(1),
        })
    }

    async fn release_login(&self, counter: LoginCounter, key: &str, max: i64) -> Result<()> {
        sqlx::query(&login_sql(RELEASE_LOGIN, counter))
            .bind(key)
            .bind(max)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn staff_candidates(&self, area: AdminArea) -> Result<Vec<AccountRow>> {
        let (q, id) = staff_candidates_sql(area);
        Ok(sqlx::query_as(&q).bind(id).fetch_all(&self.read).await?)
    }

    async fn staff_home(&self, id: AccountId) -> Result<StaffHome> {
        Ok(sqlx::query_as(STAFF_HOME)
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .unwrap_or_default())
    }

    async fn uploads_since(&self, account: AccountId, since: DateTime<Utc>) -> Result<(i64, i64)> {
        Ok(sqlx::query_as(UPLOADS_SINCE)
            .bind(account)
            .bind(since)
            .fetch_one(&self.write)
            .await?)
    }
}
