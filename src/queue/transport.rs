//! What every transport offers: partitions, leases and deliveries (the `Transport` trait), and
//! the partition of a community.
use super::message::{Delivery, QueueMessage, QueueStats};
use crate::domain::ids::CommunityId;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Something one process holds at a time, for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaseName {
    /// Consuming one partition.
    Partition(u32),
    /// Running the sweeper (re-sending what the queue lost).
    Sweeper,
}

/// Where reading a partition starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// Entries of this partition delivered before and not acknowledged: those a previous
    /// holder of the lease left, and failed ones due for another try.
    Unacknowledged,
    /// Entries never delivered.
    New,
}

/// The partition of a community: a fixed hash, the same in every process and version.
pub fn partition_of(community: CommunityId, partitions: u32) -> u32 {
    // splitmix64: consecutive ids spread evenly.
    let mut z = (community.0 as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % u64::from(partitions.max(1))) as u32
}

#[async_trait]
pub trait Transport: Send + Sync {
    fn kind(&self) -> &'static str;
    /// How many partitions the queue has.
    fn partitions(&self) -> u32;
    async fn ping(&self) -> anyhow::Result<()>;
    /// Send each message to its community's partition.
    async fn publish(&self, messages: &[QueueMessage]) -> anyhow::Result<()>;
    /// Take the lease, or keep it if `holder` has it: true while `holder` holds it, for `ttl`
    /// from now.
    async fn lease(&self, name: LeaseName, holder: &str, ttl: Duration) -> anyhow::Result<bool>;
    /// Give a lease back (only if `holder` holds it).
    async fn release(&self, name: LeaseName, holder: &str) -> anyhow::Result<()>;
    /// `consumer` is alive for `ttl`; the answer is how many consumers are alive.
    async fn heartbeat(&self, consumer: &str, ttl: Duration) -> anyhow::Result<usize>;
    /// Up to `max` deliveries of `partition`, for the holder of its lease; with
    /// [`ReadFrom::New`] waits up to `block` when there are none (zero: does not wait).
    async fn next_batch(
        &self,
        partition: u32,
        from: ReadFrom,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>>;
    /// Done: only after the processing step has committed to the store.
    async fn ack(&self, deliveries: &[Delivery]) -> anyhow::Result<()>;
    /// Failed this time: it stays unacknowledged, and [`ReadFrom::Unacknowledged`] hands it
    /// out again.
    async fn nack(&self, delivery: &Delivery) -> anyhow::Result<()>;
    /// Delivered too often: park it where administrators can see it, and ack the original.
    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> anyhow::Result<()>;
    async fn stats(&self) -> anyhow::Result<QueueStats>;
    /// Drop entries that every consumer has acknowledged (never unacknowledged ones).
    async fn trim(&self) -> anyhow::Result<()>;
    /// Partitions whose contents the queue lost since the last call (Redis restarted empty,
    /// flushed, failed over, or a stream vanished), detected by a marker key per partition that
    /// only this call sets. The first call of a process that starts against an empty queue also
    /// reports them: what is queued in the store must be sent again.
    async fn lost_partitions(&self) -> anyhow::Result<Vec<u32>>;
}

pub type QueueHandle = Arc<dyn Transport>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_community_always_maps_to_the_same_partition_and_communities_spread() {
        let n = 8;
        let mut counts = vec![0u32; n as usize];
        for c in 1..=800 {
            let p = partition_of(CommunityId(c), n);
            assert_eq!(p, partition_of(CommunityId(c), n));
            counts[p as usize] += 1;
        }
        // 100 per partition on average; a fair hash stays well within half of that.
        for (p, k) in counts.iter().enumerate() {
            assert!((50..=150).contains(k), "partition {p} got {k} of 800");
        }
        assert_eq!(partition_of(CommunityId(7), 1), 0);
        assert_eq!(partition_of(CommunityId(7), 0), 0);
    }
}
