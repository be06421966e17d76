//! A worker takes one delivery at a time: process, then ack. `try_execute_task` is one step so
//! tests drive the queue deterministically.
use super::processor::Processor;
use super::QueueHandle;
use crate::metrics::Metrics;
use crate::store::DynStore;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionOutcome {
    EmptyQueue,
    Processed,
    /// Failed this time; it will be delivered again.
    Retrying,
    DeadLettered,
}

pub struct Worker {
    pub store: DynStore,
    pub queue: QueueHandle,
    pub processor: Arc<dyn Processor>,
    pub consumer: String,
    pub max_deliveries: u64,
    pub block: Duration,
    /// Deliveries taken per step.
    pub batch: usize,
    pub metrics: Option<Arc<Metrics>>,
}

impl Worker {
    /// One step: take up to `batch` deliveries, process them, ack what succeeded. The outcome
    /// is the most serious of the batch (dead-lettered > retrying > processed).
    pub async fn try_execute_task(&self) -> anyhow::Result<ExecutionOutcome> {
        let deliveries = self
            .queue
            .next_batch(&self.consumer, self.block, self.batch.max(1))
            .await?;
        if deliveries.is_empty() {
            return Ok(ExecutionOutcome::EmptyQueue);
        }
        let mut outcome = ExecutionOutcome::Processed;
        let mut work = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            if d.deliveries > self.max_deliveries {
                let error = format!("delivered {} times without success", d.deliveries - 1);
                self.dead_letter(&d, &error).await?;
                outcome = ExecutionOutcome::DeadLettered;
            } else {
                if d.deliveries > 1 {
                    self.count("reclaimed");
                }
                work.push(d);
            }
        }
        let messages: Vec<_> = work.iter().map(|d| d.message.clone()).collect();
        let results = self.processor.process_batch(&messages).await;
        for (d, result) in work.iter().zip(results) {
            match result {
                Ok(()) => {
                    self.queue.ack(d).await?;
                    self.count("processed");
                }
                Err(e) => {
                    let error = format!("{e:#}");
                    let id = d.message.suggestion_id;
                    tracing::warn!(suggestion_id = %id, deliveries = d.deliveries, error = %error, "processing failed");
                    self.store.record_attempt(id, &error).await?;
                    if d.deliveries >= self.max_deliveries {
                        self.dead_letter(d, &error).await?;
                        outcome = ExecutionOutcome::DeadLettered;
                    } else {
                        self.queue.nack(d).await?;
                        self.count("retried");
                        if outcome == ExecutionOutcome::Processed {
                            outcome = ExecutionOutcome::Retrying;
                        }
                    }
                }
            }
        }
        Ok(outcome)
    }

    async fn dead_letter(&self, d: &super::Delivery, error: &str) -> anyhow::Result<()> {
        self.store
            .mark_failed(d.message.suggestion_id, error)
            .await?;
        self.queue.dead_letter(d, error).await?;
        self.count("dead_lettered");
        tracing::warn!(suggestion_id = %d.message.suggestion_id, deliveries = d.deliveries, "dead-lettered");
        Ok(())
    }

    fn count(&self, event: &str) {
        if let Some(m) = &self.metrics {
            m.queue_events.with_label_values(&[event]).inc();
        }
    }

    pub async fn run(self) {
        loop {
            if let Err(e) = self.try_execute_task().await {
                tracing::warn!(error = %format!("{e:#}"), consumer = %self.consumer, "worker step failed; backing off");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
