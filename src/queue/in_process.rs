//! The embedded queue: partitions inside the process, with the same semantics as Redis Streams
//! (a community's suggestions in one partition, one lease holder per partition, unacknowledged
//! entries handed out again, leases and consumers that expire). Unacknowledged work is never
//! lost with it: a suggestion stays `queued` in the store until processed, and the sweeper
//! re-sends it (at start-up, everything queued: the first `lost_partitions` reports them all).
use super::message::{Delivery, QueueMessage, QueueStats};
use super::transport::{partition_of, LeaseName, ReadFrom, Transport};
use crate::config::QueueSettings;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Default)]
struct Partition {
    /// Never delivered: `(id, message, queued at in Unix ms)`.
    new: VecDeque<(u64, QueueMessage, i64)>,
    /// Delivered and not acknowledged: id → (message, deliveries so far).
    pending: BTreeMap<u64, (QueueMessage, u64)>,
}

pub struct InProcessQueue {
    partitions: Vec<Mutex<Partition>>,
    arrived: Vec<Notify>,
    seq: AtomicU64,
    dead: AtomicU64,
    leases: Mutex<HashMap<LeaseName, (String, Instant)>>,
    consumers: Mutex<HashMap<String, Instant>>,
    swept: AtomicBool,
}

impl InProcessQueue {
    pub fn new(settings: &QueueSettings) -> Self {
        let n = settings.partitions.max(1) as usize;
        Self {
            partitions: (0..n).map(|_| Mutex::new(Partition::default())).collect(),
            arrived: (0..n).map(|_| Notify::new()).collect(),
            seq: AtomicU64::new(1),
            dead: AtomicU64::new(0),
            leases: Mutex::new(HashMap::new()),
            consumers: Mutex::new(HashMap::new()),
            swept: AtomicBool::new(false),
        }
    }

    fn partition(&self, p: u32) -> anyhow::Result<std::sync::MutexGuard<'_, Partition>> {
        let slot = self
            .partitions
            .get(p as usize)
            .ok_or_else(|| anyhow::anyhow!("no partition {p}"))?;
        Ok(slot.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn take(&self, p: u32, from: ReadFrom, max: usize) -> anyhow::Result<Vec<Delivery>> {
        let mut part = self.partition(p)?;
        let mut out = Vec::new();
        match from {
            ReadFrom::Unacknowledged => {
                for (id, (message, deliveries)) in part.pending.iter_mut().take(max) {
                    *deliveries += 1;
                    out.push(Delivery {
                        partition: p,
                        id: id.to_string(),
                        message: message.clone(),
                        deliveries: *deliveries,
                        queued_ms: None,
                    });
                }
            }
            ReadFrom::New => {
                while out.len() < max {
                    let Some((id, message, queued_ms)) = part.new.pop_front() else {
                        break;
                    };
                    part.pending.insert(id, (message.clone(), 1));
                    out.push(Delivery {
                        partition: p,
                        id: id.to_string(),
                        message,
                        deliveries: 1,
                        queued_ms: Some(queued_ms),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Transport for InProcessQueue {
    fn kind(&self) -> &'static str {
        "in_process"
    }

    fn partitions(&self) -> u32 {
        self.partitions.len() as u32
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn publish(&self, messages: &[QueueMessage]) -> anyhow::Result<()> {
        let n = self.partitions();
        let mut touched = Vec::new();
        let now = chrono::Utc::now().timestamp_millis();
        for m in messages {
            let p = partition_of(m.community_id, n);
            let id = self.seq.fetch_add(1, Ordering::Relaxed);
            self.partition(p)?.new.push_back((id, m.clone(), now));
            if !touched.contains(&p) {
                touched.push(p);
            }
        }
        for p in touched {
            self.arrived[p as usize].notify_one();
        }
        Ok(())
    }

    async fn lease(&self, name: LeaseName, holder: &str, ttl: Duration) -> anyhow::Result<bool> {
        let now = Instant::now();
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        let free = match leases.get(&name) {
            Some((h, until)) => h == holder || *until <= now,
            None => true,
        };
        if free {
            leases.insert(name, (holder.to_string(), now + ttl));
        }
        Ok(free)
    }

    async fn release(&self, name: LeaseName, holder: &str) -> anyhow::Result<()> {
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        if leases.get(&name).is_some_and(|(h, _)| h == holder) {
            leases.remove(&name);
        }
        Ok(())
    }

    async fn heartbeat(&self, consumer: &str, ttl: Duration) -> anyhow::Result<usize> {
        let now = Instant::now();
        let mut consumers = self.consumers.lock().unwrap_or_else(|e| e.into_inner());
        consumers.insert(consumer.to_string(), now + ttl);
        consumers.retain(|_, until| *until > now);
        Ok(consumers.len().max(1))
    }

    async fn next_batch(
        &self,
        p: u32,
        from: ReadFrom,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>> {
        let max = max.max(1);
        let out = self.take(p, from, max)?;
        if !out.is_empty() || from == ReadFrom::Unacknowledged || block.is_zero() {
            return Ok(out);
        }
        // Wait for a publish to this partition (a permit left by an earlier one counts).
        let _ = tokio::time::timeout(block, self.arrived[p as usize].notified()).await;
        self.take(p, from, max)
    }

    async fn ack(&self, deliveries: &[Delivery]) -> anyhow::Result<()> {
        for d in deliveries {
            if let Ok(id) = d.id.parse::<u64>() {
                self.partition(d.partition)?.pending.remove(&id);
            }
        }
        Ok(())
    }

    async fn nack(&self, _delivery: &Delivery) -> anyhow::Result<()> {
        // Stays pending; reading unacknowledged entries hands it out again.
        Ok(())
    }

    async fn dead_letter(&self, delivery: &Delivery, _error: &str) -> anyhow::Result<()> {
        // The store marks the suggestion `failed`; that is the dead-letter list in process.
        self.ack(std::slice::from_ref(delivery)).await?;
        self.dead.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn stats(&self) -> anyhow::Result<QueueStats> {
        let mut stats = QueueStats {
            dead_letters: self.dead.load(Ordering::Relaxed),
            ..Default::default()
        };
        for p in 0..self.partitions() {
            let part = self.partition(p)?;
            stats.pending += part.pending.len() as u64;
            stats.waiting += part.new.len() as u64;
        }
        Ok(stats)
    }

    async fn trim(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn lost_partitions(&self) -> anyhow::Result<Vec<u32>> {
        // Empty at start: everything queued in the store must be sent (once per process).
        if self.swept.swap(true, Ordering::Relaxed) {
            Ok(Vec::new())
        } else {
            Ok((0..self.partitions()).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::ids::{CommunityId, SuggestionId};
    use std::sync::Arc;

    fn queue() -> InProcessQueue {
        InProcessQueue::new(&QueueSettings::default())
    }

    fn message(id: i64, community: i64) -> QueueMessage {
        QueueMessage {
            kind: "suggestion.accepted".into(),
            suggestion_id: SuggestionId(id),
            community_id: CommunityId(community),
            accepted_ms: None,
        }
    }

    #[tokio::test]
    async fn a_lease_has_one_holder_until_it_runs_out_or_is_given_back() {
        let q = queue();
        let ttl = Duration::from_millis(50);
        let p = LeaseName::Partition(3);
        assert!(q.lease(p, "a", ttl).await.unwrap());
        assert!(!q.lease(p, "b", ttl).await.unwrap(), "held by a");
        assert!(q.lease(p, "a", ttl).await.unwrap(), "a renews");
        q.release(p, "b").await.unwrap(); // not b's to give back
        assert!(!q.lease(p, "b", ttl).await.unwrap());
        q.release(p, "a").await.unwrap();
        assert!(q.lease(p, "b", ttl).await.unwrap(), "given back");
        tokio::time::sleep(ttl * 2).await;
        assert!(q.lease(p, "a", ttl).await.unwrap(), "b's ran out");
        // Consumers expire like leases.
        assert_eq!(q.heartbeat("a", ttl).await.unwrap(), 1);
        assert_eq!(q.heartbeat("b", ttl).await.unwrap(), 2);
        tokio::time::sleep(ttl * 2).await;
        assert_eq!(q.heartbeat("a", ttl).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn messages_go_to_their_communitys_partition_and_unacknowledged_ones_come_back() {
        let q = queue();
        let n = q.partitions();
        let msgs: Vec<_> = (1..=20).map(|i| message(i, i % 5)).collect();
        q.publish(&msgs).await.unwrap();
        let mut seen = 0;
        for p in 0..n {
            let got = q
                .next_batch(p, ReadFrom::New, Duration::ZERO, 100)
                .await
                .unwrap();
            for d in &got {
                assert_eq!(super::partition_of(d.message.community_id, n), p);
                assert_eq!(d.deliveries, 1);
            }
            seen += got.len();
            if let Some((first, rest)) = got.split_first() {
                // Acknowledge all but the first: it is handed out again, delivered twice.
                q.ack(rest).await.unwrap();
                let again = q
                    .next_batch(p, ReadFrom::Unacknowledged, Duration::ZERO, 100)
                    .await
                    .unwrap();
                assert_eq!(again.len(), 1);
                assert_eq!(again[0].id, first.id);
                assert_eq!(again[0].deliveries, 2);
                q.ack(&again).await.unwrap();
            }
        }
        assert_eq!(seen, 20);
        let stats = q.stats().await.unwrap();
        assert_eq!((stats.pending, stats.waiting), (0, 0));
    }

    #[tokio::test]
    async fn a_blocked_reader_wakes_when_its_partition_gets_a_message() {
        let q = Arc::new(queue());
        let m = message(1, 7);
        let p = super::partition_of(m.community_id, q.partitions());
        let reader = {
            let q = q.clone();
            tokio::spawn(async move {
                q.next_batch(p, ReadFrom::New, Duration::from_secs(30), 10)
                    .await
                    .unwrap()
            })
        };
        tokio::task::yield_now().await;
        q.publish(&[m]).await.unwrap();
        let got = reader.await.unwrap();
        assert_eq!(got.len(), 1);
    }

    #[tokio::test]
    async fn everything_counts_as_lost_once_at_start() {
        let q = queue();
        assert_eq!(
            q.lost_partitions().await.unwrap().len(),
            q.partitions() as usize
        );
        assert!(q.lost_partitions().await.unwrap().is_empty());
    }
}
