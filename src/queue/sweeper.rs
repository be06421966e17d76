//! The sweeper re-sends accepted suggestions the queue lost, so losing Redis delays work and
//! never loses it. One process sweeps at a time (it holds the sweeper's lease); every second it:
//!
//! 1. asks the transport which partitions lost their contents (a marker key per partition that
//!    vanished: Redis restarted empty, was flushed or failed over, or a worker found a stream
//!    gone) and at once re-sends every suggestion still `queued` in those partitions (except
//!    those the outbox still holds: the relay sends them);
//! 2. every few seconds, while the queue is idle (nothing waiting or unacknowledged: a
//!    suggestion may simply be in line behind a backlog), re-sends suggestions queued and
//!    untouched for longer than a threshold that follows the observed processing latency
//!    (three times the recent p99 plus two seconds, between `queue.sweep_min_seconds` and
//!    `queue.sweep_after_seconds`): a backstop for losses the marker cannot see.
//!
//! [`Monitor`] runs in every process: the age of the oldest accepted but unprocessed
//! suggestion and the queue's depth as metrics (`/readyz` and the admin API read the same).
use super::{LeaseName, QueueHandle, QueueMessage};
use crate::metrics::Metrics;
use crate::store::{DynStore, SUGGESTION_ACCEPTED};
use std::sync::Arc;
use std::time::Duration;

pub struct Sweeper {
    pub store: DynStore,
    pub queue: QueueHandle,
    /// This process's name for the sweeper's lease.
    pub holder: String,
    /// Bounds of the age threshold.
    pub min_age: Duration,
    pub max_age: Duration,
    pub metrics: Option<Arc<Metrics>>,
}

/// How many of the newest suggestions the latency is taken from.
const LATENCY_WINDOW: i64 = 2_000;

impl Sweeper {
    /// Re-send suggestions queued and untouched since `cutoff` (only those in `partitions`, when
    /// given); returns how many were sent.
    pub async fn sweep(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
        partitions: Option<&[u32]>,
    ) -> anyhow::Result<usize> {
        let n = self.queue.partitions();
        let mut total = 0;
        loop {
            let stale = self.store.stale_queued(cutoff, 500).await?;
            if stale.is_empty() {
                return Ok(total);
            }
            let messages: Vec<QueueMessage> = stale
                .into_iter()
                .filter(|(_, c)| {
                    partitions.is_none_or(|ps| ps.contains(&super::partition_of(*c, n)))
                })
                .map(|(suggestion_id, community_id)| QueueMessage {
                    kind: SUGGESTION_ACCEPTED.into(),
                    suggestion_id,
                    community_id,
                    accepted_ms: None,
                })
                .collect();
            total += messages.len();
            self.queue.publish(&messages).await?;
        }
    }

    /// The age after which a queued suggestion counts as lost: from the recent accepted →
    /// processed latency, within the configured bounds.
    pub async fn threshold(&self) -> anyhow::Result<Duration> {
        let samples = self.store.recent_processing(LATENCY_WINDOW).await?;
        let mut ms: Vec<i64> = samples
            .iter()
            .map(|(accepted, processed)| (*processed - *accepted).num_milliseconds().max(0))
            .collect();
        Ok(age_threshold(&mut ms, self.min_age, self.max_age))
    }

    /// One round of the leader's duties; returns how many suggestions were re-sent.
    pub async fn round(&self, age_sweep: bool) -> anyhow::Result<usize> {
        let mut sent = 0;
        let lost = self.queue.lost_partitions().await?;
        if !lost.is_empty() {
            let n = self
                .sweep(
                    chrono::Utc::now() + chrono::Duration::seconds(1),
                    Some(&lost),
                )
                .await?;
            self.count("resent_after_loss", n);
            if n > 0 || lost.len() < self.queue.partitions() as usize {
                tracing::warn!(
                    partitions = ?lost,
                    resent = n,
                    "the queue lost partitions; re-sent their queued suggestions"
                );
            }
            sent += n;
        }
        let idle = || async {
            self.queue
                .stats()
                .await
                .is_ok_and(|s| s.waiting == 0 && s.pending == 0)
        };
        if age_sweep && idle().await {
            let threshold = self.threshold().await?;
            let cutoff = chrono::Utc::now() - chrono::Duration::from_std(threshold)?;
            let n = self.sweep(cutoff, None).await?;
            if n > 0 {
                self.count("resent_stale", n);
                tracing::warn!(
                    count = n,
                    threshold_s = threshold.as_secs_f64(),
                    "sweeper re-sent suggestions that were not processed in time"
                );
            }
            sent += n;
        }
        Ok(sent)
    }

    fn count(&self, event: &str, n: usize) {
        if let Some(m) = &self.metrics {
            m.queue_events.with_label_values(&[event]).inc_by(n as u64);
        }
    }

    /// Run until the task is dropped: every second, if this process holds the sweeper's lease.
    pub async fn run(self) {
        let tick = Duration::from_secs(1);
        let mut since_age_sweep = Duration::ZERO;
        let mut leader = false;
        loop {
            match self
                .queue
                .lease(LeaseName::Sweeper, &self.holder, tick * 3)
                .await
            {
                Ok(true) => {
                    if !leader {
                        tracing::info!(holder = %self.holder, "this process runs the sweeper");
                        leader = true;
                    }
                    let age_sweep = since_age_sweep >= self.min_age.max(tick);
                    match self.round(age_sweep).await {
                        Ok(_) => {
                            if age_sweep {
                                since_age_sweep = Duration::ZERO;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "sweeper could not re-send")
                        }
                    }
                }
                Ok(false) => leader = false,
                Err(e) => {
                    leader = false;
                    tracing::debug!(error = %format!("{e:#}"), "sweeper: no lease (queue unreachable)");
                }
            }
            tokio::time::sleep(tick).await;
            since_age_sweep += tick;
        }
    }
}

/// Three times the p99 of the latencies (ms) plus two seconds, within `[min, max]`; `max` when
/// there is nothing to go by.
pub fn age_threshold(latencies_ms: &mut [i64], min: Duration, max: Duration) -> Duration {
    if latencies_ms.is_empty() {
        return max.max(min);
    }
    latencies_ms.sort_unstable();
    let i = ((latencies_ms.len() as f64 * 0.99).ceil() as usize).clamp(1, latencies_ms.len()) - 1;
    let p99 = Duration::from_millis(latencies_ms[i].max(0) as u64);
    (p99 * 3 + Duration::from_secs(2)).clamp(min, max.max(min))
}

/// Queue health, for metrics, `/readyz` and the admin API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Backlog {
    /// Seconds since the oldest accepted suggestion still waiting for grouping was accepted
    /// (0 when none waits).
    pub oldest_unprocessed_seconds: i64,
    /// Suggestions named by outbox rows not yet handed to the queue.
    pub outbox_pending: i64,
}

pub async fn backlog(store: &DynStore) -> anyhow::Result<Backlog> {
    let oldest = store.oldest_queued().await?;
    let age = oldest
        .map(|t| (chrono::Utc::now() - t).num_seconds().max(0))
        .unwrap_or(0);
    Ok(Backlog {
        oldest_unprocessed_seconds: age,
        outbox_pending: store.outbox_pending().await?,
    })
}

/// Every process: the backlog and the queue's depth as metrics, every two seconds.
pub struct Monitor {
    pub store: DynStore,
    pub queue: QueueHandle,
    pub metrics: Arc<Metrics>,
}

impl Monitor {
    pub async fn observe(&self) {
        let gauge = |kind: &str, v: i64| self.metrics.queue_gauge.with_label_values(&[kind]).set(v);
        if let Ok(b) = backlog(&self.store).await {
            self.metrics
                .oldest_unprocessed
                .set(b.oldest_unprocessed_seconds);
            gauge("outbox_pending", b.outbox_pending);
        }
        if let Ok(s) = self.queue.stats().await {
            gauge("pending", s.pending as i64);
            gauge("waiting", s.waiting as i64);
            gauge("dead_letter", s.dead_letters as i64);
        }
    }

    pub async fn run(self) {
        loop {
            self.observe().await;
            let _ = self.queue.trim().await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::age_threshold;
    use std::time::Duration;

    #[test]
    fn the_threshold_follows_the_observed_latency_within_bounds() {
        let (min, max) = (Duration::from_secs(5), Duration::from_secs(300));
        // No samples: the ceiling.
        assert_eq!(age_threshold(&mut [], min, max), max);
        // Fast processing: the floor.
        let mut fast: Vec<i64> = (0..1000).map(|i| i % 50).collect();
        assert_eq!(age_threshold(&mut fast, min, max), min);
        // p99 of 10 s: 32 s.
        let mut slow: Vec<i64> = (0..100)
            .map(|i| if i >= 98 { 10_000 } else { 100 })
            .collect();
        assert_eq!(age_threshold(&mut slow, min, max), Duration::from_secs(32));
        // Hours behind: the ceiling.
        let mut stuck = vec![3_600_000i64; 10];
        assert_eq!(age_threshold(&mut stuck, min, max), max);
    }
}
