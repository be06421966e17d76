//! SQLite backend: WAL, a busy timeout, foreign keys on; one writer connection (SQLite allows
//! one writer at a time, so queueing writes in the pool avoids busy errors) and a read pool.
use super::sql::impl_store;
use super::sql_hall::impl_hall_store;
use super::sql_intake::impl_intake_store;
use super::sql_sms::impl_sms_store;
use super::sql_topics::impl_topic_store;
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
    /// SQLite has no arrays to pass a batch in one statement: the caller loops in one
    /// transaction (in process, so the statements are cheap and the commit is shared).
    async fn create_suggestions_in_one_statement(
        &self,
        _batch: &[super::NewSuggestion],
        _now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Option<Vec<Option<super::SuggestionRow>>>> {
        Ok(None)
    }
}

impl_store!(SqliteStore, sqlx::Sqlite);
impl_intake_store!(SqliteStore, sqlx::Sqlite);
impl_topic_store!(SqliteStore, sqlx::Sqlite);
impl_hall_store!(SqliteStore, sqlx::Sqlite);
impl_sms_store!(SqliteStore, sqlx::Sqlite);
