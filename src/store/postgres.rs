//! PostgreSQL backend: one pool serves reads and writes.
use super::sql::impl_store;
use super::sql_hall::impl_hall_store;
use super::sql_intake::impl_intake_store;
use super::sql_sms::impl_sms_store;
use super::sql_topics::impl_topic_store;
use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

pub struct PgStore {
    pub(crate) write: PgPool,
    pub(crate) read: PgPool,
}

impl PgStore {
    const BACKEND: &'static str = "postgres";
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .with_context(|| {
                format!(
                    "connecting to PostgreSQL at {}",
                    crate::config::redact_url(url)
                )
            })?;
        Ok(Self {
            write: pool.clone(),
            read: pool,
        })
    }
}

impl_store!(PgStore, sqlx::Postgres);
impl_intake_store!(PgStore, sqlx::Postgres);
impl_topic_store!(PgStore, sqlx::Postgres);
impl_hall_store!(PgStore, sqlx::Postgres);
impl_sms_store!(PgStore, sqlx::Postgres);
