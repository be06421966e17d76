//! The sweeper re-sends suggestions that stay `queued` longer than a set time: if Redis lost
//! what it held (a restart without persistence, a failover), work is delayed, never lost.
use super::{QueueHandle, QueueMessage};
use crate::store::{DynStore, SUGGESTION_ACCEPTED};
use std::time::Duration;

pub struct Sweeper {
    pub store: DynStore,
    pub queue: QueueHandle,
    pub older_than: Duration,
}

impl Sweeper {
    /// Re-send suggestions queued before `cutoff`; returns how many.
    pub async fn sweep(&self, cutoff: chrono::DateTime<chrono::Utc>) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let stale = self.store.stale_queued(cutoff, 500).await?;
            if stale.is_empty() {
                return Ok(total);
            }
            total += stale.len();
            let messages: Vec<QueueMessage> = stale
                .into_iter()
                .map(|(suggestion_id, community_id)| QueueMessage {
                    kind: SUGGESTION_ACCEPTED.into(),
                    suggestion_id,
                    community_id,
                })
                .collect();
            self.queue.publish(&messages).await?;
        }
    }

    pub async fn run(self) {
        let period = (self.older_than / 2).max(Duration::from_secs(1));
        loop {
            tokio::time::sleep(period).await;
            let cutoff = chrono::Utc::now()
                - chrono::Duration::from_std(self.older_than).unwrap_or_default();
            match self.sweep(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    count = n,
                    "sweeper re-sent suggestions that were not processed in time"
                ),
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "sweeper could not re-send"),
            }
        }
    }
}
