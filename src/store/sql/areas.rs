//! The area tree: districts, streets, communities and buildings, and the first admin.
use super::{accounts, audit, SqlStore};
use crate::domain::ids::*;
use crate::store::concat::const_concat;
use crate::store::unique::{self, on_unique};
use crate::store::{AdminArea, AreaStore, Audit, Bootstrap, BootstrapIds, BuildingRow};
use crate::store::{CommunityRow, StreetRow};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const INSERT_DISTRICT_IF_NEW: &str = "insert into district (name, created_at) values ($1, $2)
    on conflict (name) do nothing";
const DISTRICT_BY_NAME: &str = "select district_id from district where name = $1";
const INSERT_STREET_IF_NEW: &str =
    "insert into street (district_id, name, created_at) values ($1, $2, $3)
    on conflict (district_id, name) do nothing";
const STREET_BY_NAME: &str = "select street_id from street where district_id = $1 and name = $2";
const INSERT_COMMUNITY_IF_NEW: &str =
    "insert into community (street_id, name, created_at) values ($1, $2, $3)
    on conflict (street_id, name) do nothing";
const COMMUNITY_BY_NAME: &str =
    "select community_id from community where street_id = $1 and name = $2";
const INSERT_FIRST_ADMIN: &str = "insert into account (role, username, password_hash,
        display_name, admin_district_id, created_at, updated_at)
    values ('admin', $1, $2, $1, $3, $4, $4)
    returning account_id";

const INSERT_STREET: &str = "insert into street (district_id, name, created_at)
    values ($1, $2, $3) returning street_id";
const INSERT_COMMUNITY: &str = "insert into community (street_id, name, created_at)
    values ($1, $2, $3) returning community_id";
const INSERT_BUILDING: &str = "insert into building (community_id, name, created_at)
    values ($1, $2, $3) returning building_id";

const COUNT_ACCOUNTS: &str = "select count(*) from account";

/// A community with its street and district.
const SELECT_COMMUNITY: &str = "select c.community_id, c.street_id, s.district_id, c.name,
        s.name as street_name, c.premoderate
    from community c join street s on s.street_id = c.street_id";
const COMMUNITY_BY_ID: &str = const_concat!(SELECT_COMMUNITY, " where c.community_id = $1");
const COMMUNITIES_IN_DISTRICT: &str = const_concat!(
    SELECT_COMMUNITY,
    " where s.district_id = $1 order by c.community_id"
);
const COMMUNITIES_IN_STREET: &str = const_concat!(
    SELECT_COMMUNITY,
    " where c.street_id = $1 order by c.community_id"
);
const STREET_BY_ID: &str = "select street_id, district_id, name from street where street_id = $1";
const BUILDINGS_OF_COMMUNITY: &str = "select building_id, community_id, name from building
    where community_id = $1 order by name";
const PREMODERATE_OF: &str = "select premoderate from community where community_id = $1";
const SET_PREMODERATE: &str = "update community set premoderate = $1 where community_id = $2";

#[async_trait]
impl AreaStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn bootstrap(&self, b: &Bootstrap) -> Result<BootstrapIds> {
        let now = chrono::Utc::now();
        let mut tx = self.write.begin().await?;
        sqlx::query(INSERT_DISTRICT_IF_NEW)
            .bind(&b.district)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let district_id: DistrictId = sqlx::query_scalar(DISTRICT_BY_NAME)
            .bind(&b.district)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(INSERT_STREET_IF_NEW)
            .bind(district_id)
            .bind(&b.street)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let street_id: StreetId = sqlx::query_scalar(STREET_BY_NAME)
            .bind(district_id)
            .bind(&b.street)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(INSERT_COMMUNITY_IF_NEW)
            .bind(street_id)
            .bind(&b.community)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let community_id: CommunityId = sqlx::query_scalar(COMMUNITY_BY_NAME)
            .bind(street_id)
            .bind(&b.community)
            .fetch_one(&mut *tx)
            .await?;
        let account_id: AccountId = sqlx::query_scalar(INSERT_FIRST_ADMIN)
            .bind(&b.username)
            .bind(&b.password_hash)
            .bind(district_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::ACCOUNT_USERNAME))?;
        accounts::add_to_community(&mut tx, account_id, community_id, now).await?;
        let audit = Audit::system("cli");
        let after = json!({
            "district_id": district_id,
            "street_id": street_id,
            "community_id": community_id,
            "username": b.username,
        });
        audit::entry("bootstrap", "account", account_id)
            .community(community_id)
            .after(after)
            .record_and_commit(tx, &audit)
            .await?;
        Ok(BootstrapIds {
            district_id,
            street_id,
            community_id,
            account_id,
        })
    }

    async fn account_count(&self) -> Result<i64> {
        let query = sqlx::query_scalar(COUNT_ACCOUNTS);
        Ok(query.fetch_one(&self.read).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn create_community(
        &self,
        street: StreetId,
        name: &str,
        audit: &Audit,
    ) -> Result<CommunityId> {
        let mut tx = self.write.begin().await?;
        let id: CommunityId = sqlx::query_scalar(INSERT_COMMUNITY)
            .bind(street)
            .bind(name)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::COMMUNITY_NAME))?;
        audit::entry("community.create", "community", id)
            .community(id)
            .after(json!({"street_id": street, "name": name}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn create_street(
        &self,
        district: DistrictId,
        name: &str,
        audit: &Audit,
    ) -> Result<StreetId> {
        let mut tx = self.write.begin().await?;
        let id: StreetId = sqlx::query_scalar(INSERT_STREET)
            .bind(district)
            .bind(name)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::STREET_NAME))?;
        audit::entry("street.create", "street", id)
            .after(json!({"district_id": district, "name": name}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn create_building(
        &self,
        community: CommunityId,
        name: &str,
        audit: &Audit,
    ) -> Result<BuildingId> {
        let mut tx = self.write.begin().await?;
        let id: BuildingId = sqlx::query_scalar(INSERT_BUILDING)
            .bind(community)
            .bind(name)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::BUILDING_NAME))?;
        audit::entry("building.create", "building", id)
            .community(community)
            .after(json!({"name": name}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn community(&self, id: CommunityId) -> Result<Option<CommunityRow>> {
        let query = sqlx::query_as(COMMUNITY_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn street(&self, id: StreetId) -> Result<Option<StreetRow>> {
        let query = sqlx::query_as(STREET_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn communities_in(&self, area: AdminArea) -> Result<Vec<CommunityRow>> {
        let (sql, id) = match area {
            AdminArea::District(d) => (COMMUNITIES_IN_DISTRICT, d.0),
            AdminArea::Street(s) => (COMMUNITIES_IN_STREET, s.0),
        };
        Ok(sqlx::query_as(sql).bind(id).fetch_all(&self.read).await?)
    }

    async fn buildings(&self, community: CommunityId) -> Result<Vec<BuildingRow>> {
        let query = sqlx::query_as(BUILDINGS_OF_COMMUNITY).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn set_premoderate(&self, community: CommunityId, on: bool, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let before: bool = sqlx::query_scalar(PREMODERATE_OF)
            .bind(community)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(SET_PREMODERATE)
            .bind(on)
            .bind(community)
            .execute(&mut *tx)
            .await?;
        audit::entry("community.premoderate", "community", community)
            .community(community)
            .before(json!({"premoderate": before}))
            .after(json!({"premoderate": on}))
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }
}
