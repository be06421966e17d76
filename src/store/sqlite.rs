//! SQLite backend: WAL, a busy timeout, foreign keys on; one writer connection (SQLite allows
//! one writer at a time, so queueing writes in the pool avoids busy errors) and a read pool.
use super::sql::impl_store;
use super::sql_first_use::impl_first_use_store;
use super::sql_hall::impl_hall_store;
use super::sql_intake::impl_intake_store;
use super::sql_sms::impl_sms_store;
use super::sql_topics::impl_topic_store;
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use anyhow::Context;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .context("opening the SQLite database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .context("opening the SQLite database for reading")?;
        Ok(Self { write, read })
    }
}

impl SqliteStore {
    /// A batch of residents' posts in one insert (the batch travels as one JSON array, read
    /// with `json_each`) and one outbox row naming them, in one transaction: four calls to the
    /// single writer connection, whatever the batch's size.
    async fn create_suggestions_in_one_statement(
        &self,
        batch: &[super::NewSuggestion],
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Vec<Option<super::SuggestionRow>>> {
        let rows_json = serde_json::Value::Array(
            batch
                .iter()
                .map(|s| {
                    serde_json::json!([
                        s.community_id,
                        s.client_id,
                        s.channel,
                        s.author_account_id,
                        s.title,
                        s.body,
                        s.building_id,
                        s.place,
                        s.category,
                        s.show_author,
                        s.request_hash
                    ])
                })
                .collect(),
        )
        .to_string();
        let column = |i: usize| format!("json_extract(value, '$[{i}]')");
        let q = format!(
            "insert into suggestion (community_id, client_id, channel, author_account_id, title, body, building_id, \
             place, category, show_author, request_hash, state, consent_by_resident, created_at, updated_at) \
             select {}, 'queued', 0, $2, $2 from json_each($1) where true \
             on conflict (author_account_id, client_id) do nothing \
             returning suggestion_id, community_id, author_account_id, client_id",
            (0..11).map(column).collect::<Vec<_>>().join(", ")
        );
        let mut tx = self.write.begin().await?;
        let rows: Vec<(SuggestionId, CommunityId, Option<AccountId>, String)> = sqlx::query_as(&q)
            .bind(rows_json)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        if !rows.is_empty() {
            let pairs: Vec<_> = rows.iter().map(|(id, c, _, _)| (*id, *c)).collect();
            sqlx::query(
                "insert into outbox (kind, payload, created_at, suggestion_count) values ($1, $2, $3, $4)",
            )
            .bind(super::SUGGESTION_ACCEPTED)
            .bind(serde_json::json!({ "suggestions": pairs }).to_string())
            .bind(now)
            .bind(pairs.len() as i32)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let mut by_key: std::collections::HashMap<_, _> =
            rows.into_iter().map(|(id, _, a, k)| ((a, k), id)).collect();
        Ok(batch
            .iter()
            .map(|s| {
                by_key
                    .remove(&(s.author_account_id, s.client_id.clone()))
                    .map(|id| super::SuggestionRow::batched(id, s, now))
            })
            .collect())
    }
}

impl_store!(SqliteStore, sqlx::Sqlite);
impl_intake_store!(SqliteStore, sqlx::Sqlite);
impl_topic_store!(SqliteStore, sqlx::Sqlite);
impl_hall_store!(SqliteStore, sqlx::Sqlite);
impl_sms_store!(SqliteStore, sqlx::Sqlite);
impl_first_use_store!(SqliteStore, sqlx::Sqlite);
