//! PostgreSQL backend: one pool serves reads and writes.
use super::batch::in_batch_order;
use super::concat::const_concat;
use super::{NewSuggestion, SuggestionRow, SUGGESTION_ACCEPTED};
use crate::domain::ids::{AccountId, SuggestionId};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub struct PgStore {
    pub(crate) write: PgPool,
    pub(crate) read: PgPool,
}

/// A batch of residents' posts as arrays, one element per post: the suggestions, and one
/// outbox row naming those inserted (none if every key was taken).
const INSERT_SUGGESTIONS_WITH_OUTBOX: &str = const_concat!(
    "with s as (
        insert into suggestion (community_id, client_id, channel, author_account_id, title, body,
            building_id, place, category, show_author, state, request_hash, consent_by_resident,
            created_at, updated_at)
        select c, k, ch, a, t, b, bl, p, cat, sh, 'queued', h, false, $12, $12
        from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
            $7::bigint[], $8::text[], $9::text[], $10::bool[], $11::text[])
            as u(c, k, ch, a, t, b, bl, p, cat, sh, h)
        on conflict (author_account_id, client_id) do nothing
        returning suggestion_id, community_id, author_account_id, client_id),
    o as (
        insert into outbox (kind, payload, created_at, suggestion_count)
        select '",
    SUGGESTION_ACCEPTED,
    "',
            json_build_object('suggestions',
                json_agg(json_build_array(suggestion_id, community_id)))::text,
            $12,
            count(*)
        from s
        having count(*) > 0)
    select suggestion_id, author_account_id, client_id from s"
);

impl PgStore {
    const BACKEND: &'static str = "postgres";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    async fn run_migrations(&self) -> Result<()> {
        Self::MIGRATOR.run(&self.write).await?;
        Ok(())
    }

    /// `acquire_timeout`: how long a caller waits for a connection (also when the database is
    /// down and a new connection cannot be made) before the call fails.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(acquire_timeout)
            .connect(url)
            .await
            .with_context(|| {
                format!(
                    "connecting to PostgreSQL at {}",
                    crate::telemetry::redact_url(url)
                )
            })?;
        Ok(Self {
            write: pool.clone(),
            read: pool,
        })
    }

    /// A batch of residents' posts in one statement: one round trip, one commit, and one outbox
    /// row naming them all commits with them (see `IntakeStore::create_suggestions`).
    async fn create_suggestions_in_one_statement(
        &self,
        batch: &[NewSuggestion],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<SuggestionRow>>> {
        fn column<'a, T>(batch: &'a [NewSuggestion], f: impl Fn(&'a NewSuggestion) -> T) -> Vec<T> {
            batch.iter().map(f).collect()
        }
        let rows: Vec<(SuggestionId, Option<AccountId>, String)> =
            sqlx::query_as(INSERT_SUGGESTIONS_WITH_OUTBOX)
                .bind(column(batch, |s| s.community_id.0))
                .bind(column(batch, |s| s.client_id.as_str()))
                .bind(column(batch, |s| s.channel))
                .bind(column(batch, |s| s.author_account_id.map(|a| a.0)))
                .bind(column(batch, |s| s.title.as_deref()))
                .bind(column(batch, |s| s.body.as_str()))
                .bind(column(batch, |s| s.building_id.map(|b| b.0)))
                .bind(column(batch, |s| s.place.as_deref()))
                .bind(column(batch, |s| s.category.as_deref()))
                .bind(column(batch, |s| s.show_author))
                .bind(column(batch, |s| s.request_hash.as_str()))
                .bind(now)
                .fetch_all(&self.write)
                .await?;
        Ok(in_batch_order(batch, rows, now))
    }
}

// The store's SQL, compiled for PostgreSQL: `sql/` is one folder included by both backends
// (see `sql/mod.rs`), which is why clippy sees its files loaded twice.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
type SqlStore = PgStore;
type Db = sqlx::Postgres;
