//! The store as a whole: which backend, its migrations, and whether it answers.
use super::SqlStore;
use anyhow::{Context, Result};
use async_trait::async_trait;

const PING: &str = "select 1";

#[async_trait]
impl crate::store::Store for SqlStore {
    fn backend(&self) -> &'static str {
        Self::BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        self.run_migrations().await.context("applying migrations")
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query(PING)
            .execute(&self.read)
            .await
            .context("pinging the store")?;
        Ok(())
    }
}
