//! A worker is one consumer of the queue (one per process). It holds the leases of its fair
//! share of the partitions (`ceil(partitions / live consumers)`), renews them, gives extras back
//! when other consumers join and takes over those of consumers that died, and reads each held
//! partition in order: one batch at a time, processed, then acknowledged. So two workers never
//! race for one community, and losing a lease only means another worker carries on (the
//! entries it had not acknowledged are handed to the next holder; nothing counts as failed).
//!
//! `try_execute_task` is one step (rebalance, then one batch) so tests drive the queue
//! deterministically; `run` keeps one task per held partition.
use super::processor::Processor;
use super::{Delivery, LeaseName, QueueHandle, ReadFrom};
use crate::config::QueueSettings;
use crate::metrics::Metrics;
use crate::store::DynStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExecutionOutcome {
    EmptyQueue,
    Processed,
    /// Failed this time; it will be delivered again.
    Retrying,
    DeadLettered,
}

struct Held {
    /// Processing stops after this unless the lease is renewed.
    valid_until: Instant,
    /// When to read the partition's unacknowledged entries: at once after a takeover, after
    /// the back-off when a delivery failed.
    unacked_due: Option<Instant>,
    /// Given back once the current batch is done (other consumers joined).
    stopping: bool,
}

pub struct Worker {
    pub store: DynStore,
    pub queue: QueueHandle,
    pub processor: Arc<dyn Processor>,
    /// This consumer's name; unique per process.
    pub consumer: String,
    pub max_deliveries: u64,
    /// How long a read waits for new entries.
    pub block: Duration,
    /// Deliveries taken per step.
    pub batch: usize,
    /// Lease time of a partition (renewed every third of it).
    pub lease: Duration,
    /// First back-off before a failed delivery is tried again (doubling per delivery).
    pub retry_after: Duration,
    pub metrics: Option<Arc<Metrics>>,
    held: Mutex<HashMap<u32, Held>>,
    /// Failed processing attempts per entry, `(partition, id)`: a delivery handed over with a
    /// lease is not a failure, so this (not the transport's delivery count) decides when an
    /// entry is dead-lettered.
    failures: Mutex<HashMap<(u32, String), u64>>,
    /// Stage timings (ms) since the last summary: relay, wait, process, total.
    stages: Mutex<[Vec<i64>; 4]>,
}

/// How soon entries that met an unavailable store are tried again.
const STORE_DOWN_RETRY: Duration = Duration::from_millis(500);

const STAGES: [&str; 4] = ["relay", "wait", "process", "total"];

/// An entry delivered this many times more than `max_deliveries` without ever finishing (its
/// processing took its consumers down, one after another) is dead-lettered even without
/// recorded failures. Handovers of a lease also count as deliveries, hence the margin.
const CRASH_LOOP_MARGIN: u64 = 10;

/// A unique consumer name for this process.
pub fn consumer_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "minyi".into());
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &tag[..8])
}

impl Worker {
    pub fn new(
        store: DynStore,
        queue: QueueHandle,
        processor: Arc<dyn Processor>,
        consumer: String,
        settings: &QueueSettings,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        Self {
            store,
            queue,
            processor,
            consumer,
            max_deliveries: settings.max_deliveries,
            block: Duration::from_millis(settings.block_ms),
            batch: settings.batch,
            lease: Duration::from_millis(settings.lease_ms.max(300)),
            retry_after: Duration::from_millis(settings.claim_idle_ms),
            metrics,
            held: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            stages: Mutex::new(Default::default()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Held>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The partitions this worker holds now, in order.
    pub fn partitions_held(&self) -> Vec<u32> {
        let now = Instant::now();
        let mut v: Vec<u32> = self
            .held()
            .iter()
            .filter(|(_, h)| h.valid_until > now)
            .map(|(p, _)| *p)
            .collect();
        v.sort_unstable();
        v
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<(u32, String), u64>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn holds(&self, p: u32) -> bool {
        self.held()
            .get(&p)
            .is_some_and(|h| h.valid_until > Instant::now())
    }

    /// Announce this consumer, renew its leases, take its fair share of free partitions and
    /// mark extras to give back. Returns the partitions to give back once idle.
    pub async fn rebalance(&self) -> anyhow::Result<Vec<u32>> {
        let started = Instant::now();
        let valid_until = started + self.lease * 2 / 3;
        let live = self.queue.heartbeat(&self.consumer, self.lease).await?;
        let n = self.queue.partitions();
        let fair = n.div_ceil(live as u32) as usize;
        let mine: Vec<u32> = self.held().keys().copied().collect();
        for p in mine {
            let kept = self
                .queue
                .lease(LeaseName::Partition(p), &self.consumer, self.lease)
                .await?;
            let mut held = self.held();
            if kept {
                if let Some(h) = held.get_mut(&p) {
                    h.valid_until = valid_until;
                }
            } else if held.remove(&p).is_some() {
                self.failures().retain(|(q, _), _| *q != p);
                tracing::info!(partition = p, consumer = %self.consumer, "partition lease lost to another consumer");
            }
        }
        let active = self.held().values().filter(|h| !h.stopping).count();
        if active < fair {
            // Keep what was about to be given back before taking anything new.
            let mut want = fair - active;
            for h in self.held().values_mut().filter(|h| h.stopping) {
                if want == 0 {
                    break;
                }
                h.stopping = false;
                want -= 1;
            }
            // Start at a place of this consumer's own, so consumers do not all try the same
            // partitions first.
            let start = self
                .consumer
                .bytes()
                .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
            for i in 0..n {
                if want == 0 {
                    break;
                }
                let p = (start.wrapping_add(i)) % n;
                if self.held().contains_key(&p) {
                    continue;
                }
                if self
                    .queue
                    .lease(LeaseName::Partition(p), &self.consumer, self.lease)
                    .await?
                {
                    tracing::debug!(partition = p, consumer = %self.consumer, "partition lease taken");
                    self.held().insert(
                        p,
                        Held {
                            valid_until,
                            // What a previous holder left unacknowledged comes first.
                            unacked_due: Some(Instant::now()),
                            stopping: false,
                        },
                    );
                    want -= 1;
                }
            }
        } else if active > fair {
            let mut held = self.held();
            let mut extra: Vec<u32> = held
                .iter()
                .filter(|(_, h)| !h.stopping)
                .map(|(p, _)| *p)
                .collect();
            extra.sort_unstable();
            for p in extra.into_iter().rev().take(active - fair) {
                if let Some(h) = held.get_mut(&p) {
                    h.stopping = true;
                }
            }
        }
        Ok(self
            .held()
            .iter()
            .filter(|(_, h)| h.stopping)
            .map(|(p, _)| *p)
            .collect())
    }

    /// Give a partition back (its batch is done).
    pub async fn release(&self, p: u32) -> anyhow::Result<()> {
        self.held().remove(&p);
        self.failures().retain(|(q, _), _| *q != p);
        self.queue
            .release(LeaseName::Partition(p), &self.consumer)
            .await
    }

    /// One batch of partition `p`, if this worker holds it.
    pub async fn step(&self, p: u32, block: Duration) -> anyhow::Result<ExecutionOutcome> {
        let unacked_due = match self.held().get(&p) {
            Some(h) if h.valid_until > Instant::now() => h.unacked_due,
            _ => return Ok(ExecutionOutcome::EmptyQueue),
        };
        let max = self.batch.max(1);
        let mut deliveries = Vec::new();
        if unacked_due.is_some_and(|t| t <= Instant::now()) {
            deliveries = self
                .queue
                .next_batch(p, ReadFrom::Unacknowledged, Duration::ZERO, max)
                .await?;
            if deliveries.len() < max {
                if let Some(h) = self.held().get_mut(&p) {
                    h.unacked_due = None;
                }
            }
        }
        if deliveries.is_empty() {
            deliveries = self.queue.next_batch(p, ReadFrom::New, block, max).await?;
        }
        if deliveries.is_empty() {
            return Ok(ExecutionOutcome::EmptyQueue);
        }
        let read_ms = chrono::Utc::now().timestamp_millis();
        let timings: Vec<(Option<i64>, Option<i64>)> = deliveries
            .iter()
            .map(|d| (d.message.accepted_ms, d.queued_ms))
            .collect();
        let outcome = self.process(p, deliveries).await?;
        if outcome == ExecutionOutcome::Processed {
            self.time_stages(read_ms, &timings);
        }
        Ok(outcome)
    }

    /// Where the time of a processed batch went (first deliveries of relayed posts only).
    fn time_stages(&self, read_ms: i64, timings: &[(Option<i64>, Option<i64>)]) {
        let done_ms = chrono::Utc::now().timestamp_millis();
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        for (accepted, queued) in timings {
            let (Some(accepted), Some(queued)) = (accepted, queued) else {
                continue;
            };
            let values = [
                queued - accepted,
                read_ms - queued,
                done_ms - read_ms,
                done_ms - accepted,
            ];
            for (i, v) in values.into_iter().enumerate() {
                let v = v.max(0);
                if stages[i].len() < 100_000 {
                    stages[i].push(v);
                }
                if let Some(m) = &self.metrics {
                    m.queue_stage
                        .with_label_values(&[STAGES[i]])
                        .observe(v as f64 / 1000.0);
                }
            }
        }
    }

    /// Log the stage timings since the last summary (p50/p99 in ms), and start anew.
    fn log_stages(&self) {
        let mut stages = self.stages.lock().unwrap_or_else(|e| e.into_inner());
        if stages[3].is_empty() {
            return;
        }
        let mut summary = String::new();
        for (i, v) in stages.iter_mut().enumerate() {
            v.sort_unstable();
            let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
            summary.push_str(&format!("{} p50 {} p99 {}; ", STAGES[i], at(0.5), at(0.99)));
            v.clear();
        }
        tracing::info!(consumer = %self.consumer, "queue stages (ms): {summary}");
    }

    async fn process(&self, p: u32, deliveries: Vec<Delivery>) -> anyhow::Result<ExecutionOutcome> {
        let mut outcome = ExecutionOutcome::Processed;
        let mut work = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            if d.deliveries > self.max_deliveries + CRASH_LOOP_MARGIN {
                let error = format!(
                    "delivered {} times and never finished processing",
                    d.deliveries - 1
                );
                self.dead_letter(&d, &error).await?;
                outcome = ExecutionOutcome::DeadLettered;
            } else {
                if d.deliveries > 1 {
                    self.count("reclaimed", 1);
                }
                work.push(d);
            }
        }
        let messages: Vec<_> = work.iter().map(|d| d.message.clone()).collect();
        let results = self.processor.process_batch(&messages).await;
        let mut done = Vec::with_capacity(work.len());
        let mut store_down = None;
        for (d, result) in work.into_iter().zip(results) {
            let key = (p, d.id.clone());
            match result {
                Ok(()) => {
                    self.failures().remove(&key);
                    done.push(d);
                }
                Err(e) if crate::error::store_unavailable(&e) => {
                    // The database is down or restarting: not this entry's fault, so not a
                    // failure. It stays unacknowledged and is tried again shortly.
                    store_down = Some(e);
                }
                Err(e) => {
                    let error = format!("{e:#}");
                    let id = d.message.suggestion_id;
                    let failed = {
                        let mut failures = self.failures();
                        let n = failures.entry(key.clone()).or_insert(0);
                        *n += 1;
                        *n
                    };
                    tracing::warn!(suggestion_id = %id, failed, error = %error, "processing failed");
                    self.store.record_attempt(id, &error).await?;
                    if failed >= self.max_deliveries {
                        self.failures().remove(&key);
                        self.dead_letter(&d, &error).await?;
                        outcome = ExecutionOutcome::DeadLettered;
                    } else {
                        self.queue.nack(&d).await?;
                        // Back off: retry_after, doubled per failure, at most 32 times.
                        let wait = self.retry_after * (1u32 << (failed - 1).min(5));
                        let due = Instant::now() + wait;
                        if let Some(h) = self.held().get_mut(&p) {
                            h.unacked_due = Some(h.unacked_due.map_or(due, |t| t.min(due)));
                        }
                        self.count("retried", 1);
                        outcome = outcome.max(ExecutionOutcome::Retrying);
                    }
                }
            }
        }
        if !done.is_empty() {
            self.queue.ack(&done).await?;
            self.count("processed", done.len() as u64);
        }
        if let Some(e) = store_down {
            let due = Instant::now() + STORE_DOWN_RETRY;
            if let Some(h) = self.held().get_mut(&p) {
                h.unacked_due = Some(h.unacked_due.map_or(due, |t| t.min(due)));
            }
            return Err(e.context("the store is unavailable; the batch waits"));
        }
        Ok(outcome)
    }

    /// One step for tests and tools: rebalance, then one batch from the first held partition
    /// that has work (waiting up to `block` on the first one when none has).
    pub async fn try_execute_task(&self) -> anyhow::Result<ExecutionOutcome> {
        let extra = self.rebalance().await?;
        for p in extra {
            self.release(p).await?;
        }
        let held = self.partitions_held();
        for &p in &held {
            let outcome = self.step(p, Duration::ZERO).await?;
            if outcome != ExecutionOutcome::EmptyQueue {
                return Ok(outcome);
            }
        }
        match held.first() {
            Some(&p) => self.step(p, self.block).await,
            None => {
                tokio::time::sleep(self.block).await;
                Ok(ExecutionOutcome::EmptyQueue)
            }
        }
    }

    async fn dead_letter(&self, d: &Delivery, error: &str) -> anyhow::Result<()> {
        self.store
            .mark_failed(d.message.suggestion_id, error)
            .await?;
        self.queue.dead_letter(d, error).await?;
        self.count("dead_lettered", 1);
        tracing::warn!(suggestion_id = %d.message.suggestion_id, deliveries = d.deliveries, "dead-lettered");
        Ok(())
    }

    fn count(&self, event: &str, n: u64) {
        if let Some(m) = &self.metrics {
            m.queue_events.with_label_values(&[event]).inc_by(n);
        }
    }

    /// Consume one partition while this worker holds it and is not told to stop.
    async fn consume(self: Arc<Self>, p: u32, stop: Arc<AtomicBool>) {
        let mut failing = false;
        while !stop.load(Ordering::Relaxed) && self.holds(p) {
            match self.step(p, self.block).await {
                Ok(_) => failing = false,
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %format!("{e:#}"), partition = p, "worker step failed; backing off");
                        failing = true;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Run until the task is dropped: rebalance every third of the lease time, with one
    /// consuming task per held partition.
    pub async fn run(self: Arc<Self>) {
        type Task = (Arc<AtomicBool>, tokio::task::JoinHandle<()>);
        let mut tasks: HashMap<u32, Task> = HashMap::new();
        let mut failing = false;
        let mut last_summary = Instant::now();
        let started = Instant::now();
        let mut ready = false;
        loop {
            if last_summary.elapsed() >= Duration::from_secs(10) {
                self.log_stages();
                last_summary = Instant::now();
            }
            match self.rebalance().await {
                Ok(extra) => {
                    if failing {
                        tracing::info!(consumer = %self.consumer, "worker: the queue is reachable again");
                        failing = false;
                    }
                    for p in extra {
                        match tasks.get(&p) {
                            Some((stop, handle)) if !handle.is_finished() => {
                                stop.store(true, Ordering::Relaxed)
                            }
                            _ => {
                                tasks.remove(&p);
                                if let Err(e) = self.release(p).await {
                                    tracing::warn!(error = %format!("{e:#}"), partition = p, "could not give a partition back");
                                }
                            }
                        }
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %format!("{e:#}"), consumer = %self.consumer, "worker: cannot renew partition leases");
                        failing = true;
                    }
                }
            }
            tasks.retain(|_, (_, handle)| !handle.is_finished());
            for p in self.partitions_held() {
                let stopping = self.held().get(&p).is_some_and(|h| h.stopping);
                if !stopping && !tasks.contains_key(&p) {
                    let stop = Arc::new(AtomicBool::new(false));
                    let handle = tokio::spawn(self.clone().consume(p, stop.clone()));
                    tasks.insert(p, (stop, handle));
                }
            }
            if !ready && !tasks.is_empty() {
                ready = true;
                tracing::info!(
                    consumer = %self.consumer,
                    partitions = tasks.len(),
                    after_ms = started.elapsed().as_millis() as u64,
                    "worker ready: consuming its partitions"
                );
            }
            tokio::time::sleep(self.lease / 3).await;
        }
    }
}
