//! 社区社会组织: the registry of each community's social organisations.
use super::{audit, SqlStore};
use crate::domain::ids::{AccountId, CommunityId, OrganisationId};
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::unique::{self, on_unique};
use crate::store::{
    Audit, Edit, OrganisationInput, OrganisationRow, OrganisationStore, StageCount,
};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const INSERT_ORGANISATION: &str = "insert into organisation (community_id, name, kind, stage,
        lead_name, lead_phone, lead_account_id, members_count, volunteers_count, notes,
        created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
    returning organisation_id";
const UPDATE_ORGANISATION: &str = "update organisation set name = $1, kind = $2, stage = $3,
        lead_name = $4, lead_phone = $5, lead_account_id = $6, members_count = $7,
        volunteers_count = $8, notes = $9, updated_at = $10, version = version + 1
    where organisation_id = $11 and version = $12";
const SELECT_ORGANISATION: &str = "select organisation_id, community_id, name, kind, stage,
        lead_name, lead_phone, lead_account_id, members_count, volunteers_count, notes,
        created_at, version
    from organisation";
const ORGANISATION_BY_ID: &str = const_concat!(SELECT_ORGANISATION, " where organisation_id = $1");
const ORGANISATIONS_OF_COMMUNITIES: &str = const_concat!(
    SELECT_ORGANISATION,
    " where community_id in ({ids}) order by community_id, name"
);
const ORGANISATIONS_LED_BY: &str = const_concat!(
    SELECT_ORGANISATION,
    " where lead_account_id = $1 order by organisation_id"
);
const ORGANISATIONS_BY_STAGE: &str = "select stage, count(*) as count from organisation
    where community_id in ({ids}) group by stage order by stage";

fn snapshot(o: &OrganisationInput) -> serde_json::Value {
    // The lead's phone is personal data: the audit says whether it changed, not what it is.
    json!({
        "name": o.name,
        "kind": o.kind,
        "stage": o.stage,
        "lead_name": o.lead_name,
        "lead_phone_set": o.lead_phone.is_some(),
        "lead_account_id": o.lead_account_id,
        "members_count": o.members_count,
        "volunteers_count": o.volunteers_count,
        "notes": o.notes,
    })
}

#[async_trait]
impl OrganisationStore for SqlStore {
    async fn create_organisation(
        &self,
        community: CommunityId,
        o: &OrganisationInput,
        audit: &Audit,
    ) -> Result<OrganisationId> {
        let mut tx = self.write.begin().await?;
        let id: OrganisationId = sqlx::query_scalar(INSERT_ORGANISATION)
            .bind(community)
            .bind(&o.name)
            .bind(o.kind)
            .bind(o.stage)
            .bind(&o.lead_name)
            .bind(o.lead_phone.as_deref())
            .bind(o.lead_account_id)
            .bind(o.members_count)
            .bind(o.volunteers_count)
            .bind(o.notes.as_deref())
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(on_unique(&unique::ORGANISATION_NAME))?;
        audit::entry("organisation.create", "organisation", id)
            .community(community)
            .after(snapshot(o))
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn update_organisation(
        &self,
        id: OrganisationId,
        version: i32,
        o: &OrganisationInput,
        audit: &Audit,
    ) -> Result<Edit<()>> {
        let mut tx = self.write.begin().await?;
        let before: Option<OrganisationRow> = sqlx::query_as(ORGANISATION_BY_ID)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Ok(Edit::NotFound);
        };
        let done = sqlx::query(UPDATE_ORGANISATION)
            .bind(&o.name)
            .bind(o.kind)
            .bind(o.stage)
            .bind(&o.lead_name)
            .bind(o.lead_phone.as_deref())
            .bind(o.lead_account_id)
            .bind(o.members_count)
            .bind(o.volunteers_count)
            .bind(o.notes.as_deref())
            .bind(audit.at)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(on_unique(&unique::ORGANISATION_NAME))?;
        if done.rows_affected() == 0 {
            return Ok(Edit::Stale);
        }
        let was = OrganisationInput {
            name: before.name,
            kind: before.kind,
            stage: before.stage,
            lead_name: before.lead_name,
            lead_phone: before.lead_phone,
            lead_account_id: before.lead_account_id,
            members_count: before.members_count,
            volunteers_count: before.volunteers_count,
            notes: before.notes,
        };
        let was = snapshot(&was);
        audit::entry("organisation.update", "organisation", id)
            .community(before.community_id)
            .before(was)
            .after(snapshot(o))
            .record_and_commit(tx, audit)
            .await?;
        Ok(Edit::Done(()))
    }

    async fn organisation(&self, id: OrganisationId) -> Result<Option<OrganisationRow>> {
        let query = sqlx::query_as(ORGANISATION_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }

    async fn organisations(&self, communities: &[CommunityId]) -> Result<Vec<OrganisationRow>> {
        let sql = with_ids(ORGANISATIONS_OF_COMMUNITIES, communities);
        Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
    }

    async fn organisations_led_by(&self, account: AccountId) -> Result<Vec<OrganisationRow>> {
        let query = sqlx::query_as(ORGANISATIONS_LED_BY).bind(account);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn organisations_by_stage(&self, communities: &[CommunityId]) -> Result<Vec<StageCount>> {
        let sql = with_ids(ORGANISATIONS_BY_STAGE, communities);
        Ok(sqlx::query_as(&sql).fetch_all(&self.read).await?)
    }
}
