//! The embedded queue: a channel inside the process. Unacknowledged work is never lost with it:
//! a suggestion stays `queued` in the store until processed, and the sweeper re-sends it (at
//! start-up, everything queued).
use super::{Delivery, QueueMessage, QueueStats, Transport};
use crate::config::QueueSettings;
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Mutex};

pub struct InProcessQueue {
    tx: mpsc::UnboundedSender<(QueueMessage, u64)>,
    rx: Mutex<mpsc::UnboundedReceiver<(QueueMessage, u64)>>,
    seq: AtomicU64,
    waiting: Arc<AtomicU64>,
    pending: AtomicU64,
    dead: AtomicU64,
}

impl InProcessQueue {
    pub fn new(_settings: &QueueSettings) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(rx),
            seq: AtomicU64::new(0),
            waiting: Arc::new(AtomicU64::new(0)),
            pending: AtomicU64::new(0),
            dead: AtomicU64::new(0),
        }
    }

    fn send(&self, message: QueueMessage, deliveries: u64) -> anyhow::Result<()> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        self.tx
            .send((message, deliveries))
            .map_err(|_| anyhow::anyhow!("the in-process queue is closed"))
    }
}

#[async_trait]
impl Transport for InProcessQueue {
    fn kind(&self) -> &'static str {
        "in_process"
    }

    async fn ping(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn publish(&self, messages: &[QueueMessage]) -> anyhow::Result<()> {
        for m in messages {
            self.send(m.clone(), 0)?;
        }
        Ok(())
    }

    async fn next_batch(
        &self,
        _consumer: &str,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>> {
        let mut rx = self.rx.lock().await;
        let first = match tokio::time::timeout(block, rx.recv()).await {
            Ok(Some(item)) => item,
            Ok(None) | Err(_) => return Ok(Vec::new()),
        };
        let mut items = vec![first];
        while items.len() < max {
            match rx.try_recv() {
                Ok(item) => items.push(item),
                Err(_) => break,
            }
        }
        let n = items.len() as u64;
        self.waiting.fetch_sub(n, Ordering::Relaxed);
        self.pending.fetch_add(n, Ordering::Relaxed);
        Ok(items
            .into_iter()
            .map(|(message, previous)| {
                let id = self.seq.fetch_add(1, Ordering::Relaxed).to_string();
                Delivery {
                    id,
                    message,
                    deliveries: previous + 1,
                }
            })
            .collect())
    }

    async fn ack(&self, _delivery: &Delivery) -> anyhow::Result<()> {
        self.pending.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    async fn nack(&self, delivery: &Delivery) -> anyhow::Result<()> {
        self.pending.fetch_sub(1, Ordering::Relaxed);
        // Back off before the next try: 100 ms, 200 ms, 400 ms … capped at 10 s.
        let delay = Duration::from_millis(100u64 << delivery.deliveries.min(7))
            .min(Duration::from_secs(10));
        let (tx, waiting) = (self.tx.clone(), self.waiting.clone());
        let (message, deliveries) = (delivery.message.clone(), delivery.deliveries);
        waiting.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = tx.send((message, deliveries));
        });
        Ok(())
    }

    async fn dead_letter(&self, _delivery: &Delivery, _error: &str) -> anyhow::Result<()> {
        // The store marks the suggestion `failed`; that is the dead-letter list in process.
        self.pending.fetch_sub(1, Ordering::Relaxed);
        self.dead.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn stats(&self) -> anyhow::Result<QueueStats> {
        Ok(QueueStats {
            pending: self.pending.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Relaxed),
            dead_letters: self.dead.load(Ordering::Relaxed),
        })
    }

    async fn trim(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
