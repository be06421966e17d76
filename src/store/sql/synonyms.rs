//! A community's synonyms as its workers decided them (`grouping_synonym`): the list, a
//! decision (one per surface, replacing an earlier one) and its removal, each audited and each
//! making the community's grouping engines rebuild with the new words.
use super::{audit, shared, SqlStore};
use crate::domain::ids::CommunityId;
use crate::store::{Audit, SynonymDecision, SynonymRow};
use anyhow::Result;
use serde_json::json;

const SYNONYMS_OF: &str = "select synonym_id, community_id, surface, canonical, accepted,
        evidence, actor_account_id, created_at
    from grouping_synonym
    where community_id = $1
    order by surface";
const SYNONYM_BY_SURFACE: &str = "select synonym_id, community_id, surface, canonical, accepted,
        evidence, actor_account_id, created_at
    from grouping_synonym
    where community_id = $1 and surface = $2";
const SYNONYM_BY_ID: &str = "select synonym_id, community_id, surface, canonical, accepted,
        evidence, actor_account_id, created_at
    from grouping_synonym
    where community_id = $1 and synonym_id = $2";
const UPSERT_SYNONYM: &str = "insert into grouping_synonym (community_id, surface, canonical,
        accepted, evidence, actor_account_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7)
    on conflict (community_id, surface) do update set canonical = excluded.canonical,
        accepted = excluded.accepted, evidence = excluded.evidence,
        actor_account_id = excluded.actor_account_id, created_at = excluded.created_at
    returning synonym_id, community_id, surface, canonical, accepted, evidence,
        actor_account_id, created_at";
const DELETE_SYNONYM: &str =
    "delete from grouping_synonym where community_id = $1 and synonym_id = $2";

fn snapshot(r: &SynonymRow) -> serde_json::Value {
    json!({"surface": r.surface, "canonical": r.canonical, "accepted": r.accepted,
        "evidence": r.evidence})
}

impl SqlStore {
    pub(super) async fn synonyms_of(&self, community: CommunityId) -> Result<Vec<SynonymRow>> {
        let query = sqlx::query_as(SYNONYMS_OF).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    pub(super) async fn store_synonym(
        &self,
        community: CommunityId,
        d: &SynonymDecision,
        audit: &Audit,
    ) -> Result<SynonymRow> {
        let mut tx = self.write.begin().await?;
        let before: Option<SynonymRow> = sqlx::query_as(SYNONYM_BY_SURFACE)
            .bind(community)
            .bind(&d.surface)
            .fetch_optional(&mut *tx)
            .await?;
        let row: SynonymRow = sqlx::query_as(UPSERT_SYNONYM)
            .bind(community)
            .bind(&d.surface)
            .bind(&d.canonical)
            .bind(d.accepted)
            .bind(d.evidence)
            .bind(audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        shared::bump_epoch(&mut tx, community).await?;
        let action = match d.accepted {
            true => "grouping.synonym_accept",
            false => "grouping.synonym_reject",
        };
        let mut entry = audit::entry(action, "grouping_synonym", row.synonym_id)
            .community(community)
            .after(snapshot(&row));
        if let Some(b) = &before {
            entry = entry.before(snapshot(b));
        }
        entry.record_and_commit(tx, audit).await?;
        Ok(row)
    }

    pub(super) async fn delete_synonym(
        &self,
        community: CommunityId,
        id: i64,
        audit: &Audit,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let before: Option<SynonymRow> = sqlx::query_as(SYNONYM_BY_ID)
            .bind(community)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Ok(false);
        };
        sqlx::query(DELETE_SYNONYM)
            .bind(community)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        shared::bump_epoch(&mut tx, community).await?;
        audit::entry("grouping.synonym_remove", "grouping_synonym", id)
            .community(community)
            .before(snapshot(&before))
            .record_and_commit(tx, audit)
            .await?;
        Ok(true)
    }
}
