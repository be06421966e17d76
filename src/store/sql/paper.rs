//! Paper forms: batches of sheets, the entries typed from them, corrections of an entry, and
//! the people who wrote them (names and phones, masked in the audit log).
use super::shared::{self, insert_person, SELECT_SUGGESTION};
use super::{audit, outbox, SqlStore};
use crate::domain::ids::*;
use crate::intake::mask::{mask_name, mask_phone};
use crate::store::concat::const_concat;
use crate::store::{Audit, EntryPatch, NewPaperBatch, PaperBatchRow, PaperStore, PersonRow};
use crate::store::{SuggestionRow, SUGGESTION_ACCEPTED};
use anyhow::Result;
use async_trait::async_trait;
use serde_json::json;

const INSERT_BATCH: &str = "insert into paper_batch (community_id, collection_kind,
        collection_point, collected_on, sheet_count, note, volunteer_account_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8)
    returning paper_batch_id";
const SELECT_BATCH: &str = "select paper_batch_id, community_id, collection_kind,
        collection_point, collected_on, sheet_count, note, volunteer_account_id, status,
        created_at, closed_at
    from paper_batch";
const BATCH_BY_ID: &str = const_concat!(SELECT_BATCH, " where paper_batch_id = $1");
const BATCHES_OF_COMMUNITY: &str = const_concat!(
    SELECT_BATCH,
    " where community_id = $1 order by paper_batch_id desc"
);
const ENTRIES_OF_BATCH: &str = const_concat!(
    SELECT_SUGGESTION,
    " where paper_batch_id = $1 order by suggestion_id"
);
const CLOSE_BATCH: &str = "update paper_batch set status = 'closed', closed_at = $1
    where paper_batch_id = $2 and status = 'open'
    returning community_id";

const PERSON_BY_ID: &str = "select person_id, name, phone from person where person_id = $1";
const UPDATE_PERSON: &str = "update person set name = $1, phone = $2 where person_id = $3";
const CORRECT_ENTRY: &str = "update suggestion set body = $1, title = $2, building_id = $3,
        place = $4, updated_at = $5
    where suggestion_id = $6";
const SET_ENTRY_AUTHOR: &str =
    "update suggestion set author_person_id = $1 where suggestion_id = $2";
/// Back to the queue, to be grouped afresh.
const REQUEUE_ENTRY: &str = "update suggestion set state = 'queued', group_seq = null
    where suggestion_id = $1";

/// An entry's fields as the audit log keeps them: name and phone masked.
fn entry_json(s: &SuggestionRow, name: Option<String>, phone: Option<String>) -> serde_json::Value {
    json!({
        "body": s.body,
        "title": s.title,
        "building_id": s.building_id,
        "place": s.place,
        "name": name,
        "phone": phone,
    })
}

#[async_trait]
impl PaperStore for SqlStore {
    #[tracing::instrument(skip_all)]
    async fn create_batch(&self, b: &NewPaperBatch, audit: &Audit) -> Result<PaperBatchId> {
        let mut tx = self.write.begin().await?;
        let id: PaperBatchId = sqlx::query_scalar(INSERT_BATCH)
            .bind(b.community_id)
            .bind(&b.collection_kind)
            .bind(&b.collection_point)
            .bind(b.collected_on)
            .bind(b.sheet_count)
            .bind(b.note.as_deref())
            .bind(b.volunteer)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await?;
        let after = json!({
            "collection_kind": b.collection_kind,
            "collection_point": b.collection_point,
            "sheet_count": b.sheet_count,
        });
        audit::entry("paper_batch.create", "paper_batch", id)
            .community(b.community_id)
            .after(after)
            .record_and_commit(tx, audit)
            .await?;
        Ok(id)
    }

    async fn batch(&self, id: PaperBatchId) -> Result<Option<PaperBatchRow>> {
        let query = sqlx::query_as(BATCH_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.write).await?)
    }

    async fn batches(&self, community: CommunityId) -> Result<Vec<PaperBatchRow>> {
        let query = sqlx::query_as(BATCHES_OF_COMMUNITY).bind(community);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn batch_entries(&self, id: PaperBatchId) -> Result<Vec<SuggestionRow>> {
        let query = sqlx::query_as(ENTRIES_OF_BATCH).bind(id);
        Ok(query.fetch_all(&self.write).await?)
    }

    async fn close_batch(&self, id: PaperBatchId, audit: &Audit) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let community: Option<CommunityId> = sqlx::query_scalar(CLOSE_BATCH)
            .bind(audit.at)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if community.is_some() {
            audit::entry("paper_batch.close", "paper_batch", id)
                .community(community)
                .before(json!({"status": "open"}))
                .after(json!({"status": "closed"}))
                .record(&mut tx, audit)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn correct_entry(
        &self,
        id: SuggestionId,
        patch: &EntryPatch,
        audit: &Audit,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let s = shared::suggestion_tx(&mut tx, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no such entry"))?;
        let person: Option<PersonRow> = match s.author_person_id {
            Some(p) => {
                sqlx::query_as(PERSON_BY_ID)
                    .bind(p)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let old_name = person
            .as_ref()
            .and_then(|p| p.name.as_deref())
            .map(mask_name);
        let old_phone = person
            .as_ref()
            .and_then(|p| p.phone.as_deref())
            .map(mask_phone);
        let before = entry_json(&s, old_name.clone(), old_phone.clone());
        let body = patch.body.clone().unwrap_or(s.body.clone());
        let text_changed = body != s.body;
        sqlx::query(CORRECT_ENTRY)
            .bind(&body)
            .bind(patch.title.clone().or(s.title.clone()))
            .bind(patch.building_id.or(s.building_id))
            .bind(patch.place.clone().or(s.place.clone()))
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if patch.name.is_some() || patch.phone.is_some() {
            let name = patch
                .name
                .clone()
                .or(person.as_ref().and_then(|p| p.name.clone()));
            let phone = patch
                .phone
                .clone()
                .or(person.as_ref().and_then(|p| p.phone.clone()));
            match &person {
                Some(p) => {
                    sqlx::query(UPDATE_PERSON)
                        .bind(&name)
                        .bind(&phone)
                        .bind(p.person_id)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {
                    let (name, phone) = (name.as_deref(), phone.as_deref());
                    let pid = insert_person(&mut tx, s.community_id, name, phone, audit.at).await?;
                    sqlx::query(SET_ENTRY_AUTHOR)
                        .bind(pid)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        // New words may belong to another topic: group the entry again.
        if text_changed
            && matches!(
                s.state,
                crate::hall::status::SuggestionState::Grouped
                    | crate::hall::status::SuggestionState::Queued
            )
        {
            shared::leave_topic(&mut tx, &s, audit.at).await?;
            sqlx::query(REQUEUE_ENTRY)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            outbox::enqueue(&mut tx, SUGGESTION_ACCEPTED, id, s.community_id, audit.at).await?;
        }
        let after = shared::suggestion_tx(&mut tx, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("entry vanished"))?;
        let after_json = entry_json(
            &after,
            patch.name.as_deref().map(mask_name).or(old_name),
            patch.phone.as_deref().map(mask_phone).or(old_phone),
        );
        audit::entry("paper_entry.correct", "suggestion", id)
            .community(s.community_id)
            .before(before)
            .after(after_json)
            .record_and_commit(tx, audit)
            .await?;
        Ok(())
    }

    async fn person(&self, id: PersonId) -> Result<Option<PersonRow>> {
        let query = sqlx::query_as(PERSON_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.read).await?)
    }
}
