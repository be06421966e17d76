//! SQLite backend: WAL, a busy timeout, foreign keys on; one writer connection (SQLite allows
//! one writer at a time, so queueing writes in the pool avoids busy errors) and a read pool.
use super::batch::in_batch_order;
use super::{NewSuggestion, SuggestionRow, SUGGESTION_ACCEPTED};
use crate::domain::ids::{AccountId, CommunityId, SuggestionId};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
}

/// A batch of residents' posts as one JSON array of arrays, one per post, its elements in the
/// order of `batch_json`; rows whose key is taken are skipped.
const INSERT_SUGGESTIONS: &str = "insert into suggestion (community_id, client_id, channel,
        author_account_id, title, body, building_id, place, category, show_author, request_hash,
        state, consent_by_resident, created_at, updated_at)
    select json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
        json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
        json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]'),
        json_extract(value, '$[9]'), json_extract(value, '$[10]'), 'queued', 0, $2, $2
    from json_each($1)
    where true
    on conflict (author_account_id, client_id) do nothing
    returning suggestion_id, community_id, author_account_id, client_id";
/// One outbox row naming every suggestion of the batch.
const INSERT_BATCH_OUTBOX: &str = "insert into outbox (kind, payload, created_at,
        suggestion_count)
    values ($1, $2, $3, $4)";

/// The batch as `INSERT_SUGGESTIONS` reads it.
fn batch_json(batch: &[NewSuggestion]) -> String {
    let rows = batch
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
        .collect();
    serde_json::Value::Array(rows).to_string()
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

    /// SQLite changes a table's constraints by rebuilding it (its documented twelve-step
    /// procedure), which needs foreign keys off while the new table takes the old one's name.
    /// They cannot be switched inside a migration's transaction, so the (single) writer
    /// connection switches them off around the migrations, then checks every reference and
    /// switches them back on.
    async fn run_migrations(&self) -> Result<()> {
        let mut conn = self.write.acquire().await?;
        sqlx::query("pragma foreign_keys = off")
            .execute(&mut *conn)
            .await?;
        let migrated = Self::MIGRATOR.run_direct(&mut *conn).await;
        let broken: Vec<(String,)> =
            sqlx::query_as("select \"table\" from pragma_foreign_key_check")
                .fetch_all(&mut *conn)
                .await?;
        sqlx::query("pragma foreign_keys = on")
            .execute(&mut *conn)
            .await?;
        migrated?;
        anyhow::ensure!(
            broken.is_empty(),
            "the migrations left broken references in {broken:?}"
        );
        Ok(())
    }

    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Erased personal data is overwritten with zeros, not left in free pages.
            .pragma("secure_delete", "on");
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

    /// A batch of residents' posts in one insert (the batch travels as one JSON array, read
    /// with `json_each`) and one outbox row naming them, in one transaction: four calls to the
    /// single writer connection, whatever the batch's size.
    async fn create_suggestions_in_one_statement(
        &self,
        batch: &[NewSuggestion],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<SuggestionRow>>> {
        let mut tx = self.write.begin().await?;
        let rows: Vec<(SuggestionId, CommunityId, Option<AccountId>, String)> =
            sqlx::query_as(INSERT_SUGGESTIONS)
                .bind(batch_json(batch))
                .bind(now)
                .fetch_all(&mut *tx)
                .await?;
        if !rows.is_empty() {
            let pairs: Vec<_> = rows.iter().map(|(id, c, _, _)| (*id, *c)).collect();
            sqlx::query(INSERT_BATCH_OUTBOX)
                .bind(SUGGESTION_ACCEPTED)
                .bind(serde_json::json!({ "suggestions": pairs }).to_string())
                .bind(now)
                .bind(pairs.len() as i32)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let inserted = rows.into_iter().map(|(id, _, a, k)| (id, a, k));
        Ok(in_batch_order(batch, inserted, now))
    }
}

// The store's SQL, compiled for SQLite: `sql/` is one folder included by both backends
// (see `sql/mod.rs`), which is why clippy sees its files loaded twice.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
type SqlStore = SqliteStore;
type Db = sqlx::Sqlite;
