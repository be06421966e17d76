//! Transport between the store's outbox and the workers: in-process by default, Redis Streams
//! when `redis.url` is set. The store is the truth; the queue only carries work. See README.md
//! in this folder for the delivery semantics.
mod in_process;
mod message;
pub mod processor;
mod redis_streams;
pub mod relay;
pub mod sweeper;
pub mod worker;

pub use in_process::InProcessQueue;
pub use message::{Delivery, QueueMessage, QueueStats};
pub use redis_streams::RedisStreams;

use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

#[async_trait]
pub trait Transport: Send + Sync {
    fn kind(&self) -> &'static str;
    async fn ping(&self) -> anyhow::Result<()>;
    async fn publish(&self, messages: &[QueueMessage]) -> anyhow::Result<()>;
    /// Up to `max` deliveries for `consumer`: entries idle past the claim time first, then new
    /// ones; waits up to `block` when there are none.
    async fn next_batch(
        &self,
        consumer: &str,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>>;
    /// One delivery (see `next_batch`).
    async fn next(&self, consumer: &str, block: Duration) -> anyhow::Result<Option<Delivery>> {
        Ok(self
            .next_batch(consumer, block, 1)
            .await?
            .into_iter()
            .next())
    }
    /// Done: only after the processing step has committed to the store.
    async fn ack(&self, delivery: &Delivery) -> anyhow::Result<()>;
    /// Failed this time: deliver again later.
    async fn nack(&self, delivery: &Delivery) -> anyhow::Result<()>;
    /// Delivered too often: park it where administrators can see it, and ack the original.
    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> anyhow::Result<()>;
    async fn stats(&self) -> anyhow::Result<QueueStats>;
    /// Drop entries that every consumer has acknowledged (never unacknowledged ones).
    async fn trim(&self) -> anyhow::Result<()>;
}

pub type QueueHandle = Arc<dyn Transport>;

/// The transport the configuration names.
pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<QueueHandle> {
    Ok(match settings.redis.url() {
        Some(url) => Arc::new(RedisStreams::new(url, &settings.queue)?),
        None => Arc::new(InProcessQueue::new(&settings.queue)),
    })
}
