//! The audit log: written in the transaction of each change it records, read back by entity.
use super::{SqlStore, Tx};
use crate::domain::ids::{CommunityId, SuggestionId};
use crate::store::concat::const_concat;
use crate::store::splice::with_ids;
use crate::store::{Audit, AuditRow, AuditStore};
use anyhow::{Context, Result};
use async_trait::async_trait;

const INSERT_AUDIT: &str = "insert into audit_log (at, actor_account_id, actor_kind, action,
        entity_type, entity_id, community_id, reason, before_json, after_json, request_id)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// `INSERT_AUDIT` up to its values, for several rows at once.
const INSERT_AUDIT_HEAD: &str = "insert into audit_log (at, actor_account_id, actor_kind, action,
        entity_type, entity_id, community_id, reason, before_json, after_json, request_id)
    values ";

/// `head` followed by `rows` groups of `columns` numbered parameters.
pub(super) fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(head.len() + rows * columns * 5);
    sql.push_str(head);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(sql, "{sep}${}", r * columns + c + 1);
        }
        sql.push(')');
    }
    sql
}

const SELECT_AUDIT: &str = "select audit_id, at, actor_account_id, actor_kind, action,
        entity_type, entity_id, community_id, reason, before_json, after_json
    from audit_log";

const AUDIT_OF_ENTITY: &str = const_concat!(
    SELECT_AUDIT,
    " where entity_type = $1 and entity_id = $2 order by audit_id"
);

/// Entity ids are text: the caller quotes the ids of the list.
const AUDIT_OF_SUGGESTIONS: &str = const_concat!(
    SELECT_AUDIT,
    " where entity_type = 'suggestion' and entity_id in ({ids}) order by audit_id"
);

/// An audit record to write: `action` on one entity, with what it was before and after.
pub(super) struct Entry {
    action: &'static str,
    entity_type: &'static str,
    entity_id: String,
    community: Option<CommunityId>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

/// `action` on the entity `entity_type` `entity_id`.
pub(super) fn entry(
    action: &'static str,
    entity_type: &'static str,
    entity_id: impl std::fmt::Display,
) -> Entry {
    Entry {
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        community: None,
        before: None,
        after: None,
    }
}

impl Entry {
    /// The community the entity belongs to, if any.
    pub(super) fn community(mut self, community: impl Into<Option<CommunityId>>) -> Self {
        self.community = community.into();
        self
    }

    pub(super) fn before(mut self, before: serde_json::Value) -> Self {
        self.before = Some(before);
        self
    }

    pub(super) fn after(mut self, after: serde_json::Value) -> Self {
        self.after = Some(after);
        self
    }

    /// Write the record in `tx`, the transaction of the change it records, as done by `audit`.
    pub(super) async fn record(self, tx: &mut Tx<'_>, audit: &Audit) -> Result<()> {
        sqlx::query(INSERT_AUDIT)
            .bind(audit.at)
            .bind(audit.actor)
            .bind(audit.actor_kind)
            .bind(self.action)
            .bind(self.entity_type)
            .bind(self.entity_id)
            .bind(self.community)
            .bind(audit.reason.as_deref())
            .bind(self.before.map(|v| v.to_string()))
            .bind(self.after.map(|v| v.to_string()))
            .bind(audit.request_id.as_deref())
            .execute(&mut **tx)
            .await
            .context("writing the audit log")?;
        Ok(())
    }

    /// Write many records of one actor in `tx`, a few hundred to a statement (a batch of
    /// grouping decisions writes one per suggestion).
    pub(super) async fn record_all(
        entries: &[Entry],
        tx: &mut Tx<'_>,
        audit: &Audit,
    ) -> Result<()> {
        const COLUMNS: usize = 11;
        for chunk in entries.chunks(400) {
            let sql = multi_row_insert(INSERT_AUDIT_HEAD, COLUMNS, chunk.len());
            let mut query = sqlx::query(&sql);
            for e in chunk {
                query = query
                    .bind(audit.at)
                    .bind(audit.actor)
                    .bind(audit.actor_kind)
                    .bind(e.action)
                    .bind(e.entity_type)
                    .bind(e.entity_id.as_str())
                    .bind(e.community)
                    .bind(audit.reason.as_deref())
                    .bind(e.before.as_ref().map(|v| v.to_string()))
                    .bind(e.after.as_ref().map(|v| v.to_string()))
                    .bind(audit.request_id.as_deref());
            }
            query
                .execute(&mut **tx)
                .await
                .context("writing the audit log")?;
        }
        Ok(())
    }

    /// Write the record as the last step of the change's transaction `tx`, and commit it.
    pub(super) async fn record_and_commit(self, mut tx: Tx<'_>, audit: &Audit) -> Result<()> {
        self.record(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_entries(&self, entity_type: &str, entity_id: &str) -> Result<Vec<AuditRow>> {
        let query = sqlx::query_as(AUDIT_OF_ENTITY)
            .bind(entity_type)
            .bind(entity_id);
        Ok(query.fetch_all(&self.read).await?)
    }

    async fn suggestions_audit(&self, ids: &[SuggestionId]) -> Result<Vec<AuditRow>> {
        let quoted: Vec<String> = ids.iter().map(|i| format!("'{}'", i.0)).collect();
        let sql = with_ids(AUDIT_OF_SUGGESTIONS, &quoted);
        let query = sqlx::query_as(&sql);
        Ok(query.fetch_all(&self.read).await?)
    }
}
