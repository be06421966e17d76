//! The processing step the workers run. The grouping engine implements it; tests use their own.
use super::QueueMessage;
use async_trait::async_trait;

#[async_trait]
pub trait Processor: Send + Sync {
    /// Process one message idempotently: a message for a suggestion that is already processed
    /// changes nothing. Return only after the result has committed to the store.
    async fn process(&self, message: &QueueMessage) -> anyhow::Result<()>;

    /// Process several at once (one result per message, in order). Processors that can commit
    /// a batch in one transaction override this.
    async fn process_batch(&self, messages: &[QueueMessage]) -> Vec<anyhow::Result<()>> {
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            out.push(self.process(m).await);
        }
        out
    }
}
