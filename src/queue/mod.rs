//! Transport between the store's outbox and the workers: in-process by default, Redis Streams
//! when `redis.url` is set. The store is the truth; the queue only carries work. See README.md
//! in this folder for the delivery semantics.
//!
//! The queue is partitioned by community: `queue.partitions` streams, a community's suggestions
//! always in the same one ([`partition_of`]), and each partition consumed by one consumer at a
//! time, the holder of its lease ([`LeaseName::Partition`]).
mod in_process;
mod message;
pub mod processor;
mod redis_streams;
pub mod relay;
pub mod sweeper;
mod transport;
pub mod worker;

pub use in_process::InProcessQueue;
pub use message::{Delivery, QueueMessage, QueueStats};
pub use redis_streams::RedisStreams;
pub use transport::{partition_of, LeaseName, QueueHandle, ReadFrom, Transport};

use std::sync::Arc;

/// The transport the configuration names.
pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<QueueHandle> {
    Ok(match settings.redis.url() {
        Some(url) => Arc::new(RedisStreams::new(url, &settings.queue)?),
        None => Arc::new(InProcessQueue::new(&settings.queue)),
    })
}
