//! Uploaded photos and the suggestions that show them.
use super::SqlStore;
use crate::domain::ids::{CommunityId, SuggestionId};
use crate::store::{UploadRow, UploadStore};
use anyhow::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const INSERT_UPLOAD: &str = "insert into upload (upload_id, sha256, content_type, byte_size,
        account_id, community_id, created_at)
    values ($1, $2, $3, $4, $5, $6, $7)";
const UPLOAD_BY_ID: &str = "select upload_id, sha256, content_type, byte_size, account_id,
        community_id
    from upload where upload_id = $1";
const SUGGESTIONS_SHOWING_UPLOAD: &str = "select s.suggestion_id, s.community_id
    from suggestion_photo p join suggestion s on s.suggestion_id = p.suggestion_id
    where p.upload_id = $1";

#[async_trait]
impl UploadStore for SqlStore {
    async fn insert_upload(&self, u: &UploadRow, now: DateTime<Utc>) -> Result<()> {
        // Every field, or this stops compiling when one is added.
        let UploadRow {
            upload_id,
            sha256,
            content_type,
            byte_size,
            account_id,
            community_id,
        } = u;
        sqlx::query(INSERT_UPLOAD)
            .bind(upload_id)
            .bind(sha256)
            .bind(content_type)
            .bind(byte_size)
            .bind(account_id)
            .bind(community_id)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn upload(&self, id: &str) -> Result<Option<UploadRow>> {
        let query = sqlx::query_as(UPLOAD_BY_ID).bind(id);
        Ok(query.fetch_optional(&self.write).await?)
    }

    async fn upload_suggestions(&self, id: &str) -> Result<Vec<(SuggestionId, CommunityId)>> {
        let query = sqlx::query_as(SUGGESTIONS_SHOWING_UPLOAD).bind(id);
        Ok(query.fetch_all(&self.read).await?)
    }
}
