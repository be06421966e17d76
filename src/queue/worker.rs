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
    pub metrics: Option<Arc<Metrics>>,
}

impl Worker {
    pub async fn try_execute_task(&self) -> anyhow::Result<ExecutionOutcome> {
        let Some(d) = self.queue.next(&self.consumer, self.block).await? else {
            return Ok(ExecutionOutcome::EmptyQueue);
        };
        let id = d.message.suggestion_id;
        if d.deliveries > self.max_deliveries {
            let error = format!("delivered {} times without success", d.deliveries - 1);
            self.store.mark_failed(id, &error).await?;
            self.queue.dead_letter(&d, &error).await?;
            self.count("dead_lettered");
            tracing::warn!(suggestion_id = %id, deliveries = d.deliveries, "dead-lettered");
            return Ok(ExecutionOutcome::DeadLettered);
        }
        if d.deliveries > 1 {
            self.count("reclaimed");
        }
        match self.processor.process(&d.message).await {
            Ok(()) => {
                self.queue.ack(&d).await?;
                self.count("processed");
                Ok(ExecutionOutcome::Processed)
            }
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(suggestion_id = %id, deliveries = d.deliveries, error = %error, "processing failed");
                self.store.record_attempt(id, &error).await?;
                if d.deliveries >= self.max_deliveries {
                    self.store.mark_failed(id, &error).await?;
                    self.queue.dead_letter(&d, &error).await?;
                    self.count("dead_lettered");
                    Ok(ExecutionOutcome::DeadLettered)
                } else {
                    self.queue.nack(&d).await?;
                    self.count("retried");
                    Ok(ExecutionOutcome::Retrying)
                }
            }
        }
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
