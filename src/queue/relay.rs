//! The relay moves committed outbox rows to the transport. Rows are leased, not locked, while
//! they are published: the claim skips rows another relay is leasing (`for update skip locked`
//! on PostgreSQL, one writer on SQLite), so several relays run without publishing a row twice,
//! and a dead relay's rows are picked up after the lease. A row published twice after a fault
//! is harmless because processing is idempotent.
use super::{QueueHandle, QueueMessage};
use crate::store::DynStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub struct Relay {
    pub store: DynStore,
    pub queue: QueueHandle,
    pub lease: Duration,
    pub batch: i64,
    /// Rung after a commit in this process wrote outbox rows, so they leave at once instead of
    /// at the next poll (the poll still finds rows that other processes wrote).
    pub wake: Option<Arc<Notify>>,
}

/// How long the relay waits after a ring before it claims what was committed.
const WAKE_PAUSE: Duration = Duration::from_millis(2);

/// An outbox row names one suggestion, or (for posts committed together) several.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Payload {
    One {
        suggestion_id: crate::domain::ids::SuggestionId,
        community_id: crate::domain::ids::CommunityId,
    },
    Many {
        /// `[suggestion_id, community_id]` pairs.
        suggestions: Vec<(
            crate::domain::ids::SuggestionId,
            crate::domain::ids::CommunityId,
        )>,
    },
}

impl Relay {
    pub fn new(store: DynStore, queue: QueueHandle) -> Self {
        Self {
            store,
            queue,
            lease: Duration::from_secs(10),
            batch: 200,
            wake: None,
        }
    }

    /// Publish one batch; returns how many rows went out.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = chrono::Utc::now();
        let lease = chrono::Duration::from_std(self.lease)?;
        let rows = self
            .store
            .claim_outbox(now, now + lease, self.batch)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut messages = Vec::with_capacity(rows.len());
        for row in &rows {
            let pairs = match serde_json::from_str(&row.payload) {
                Ok(Payload::One {
                    suggestion_id,
                    community_id,
                }) => vec![(suggestion_id, community_id)],
                Ok(Payload::Many { suggestions }) => suggestions,
                Err(e) => {
                    // Never written by this code; dropping it loses nothing, because the
                    // sweeper re-sends every suggestion still queued.
                    tracing::error!(outbox_id = row.outbox_id, error = %e, "relay: unreadable outbox row skipped");
                    Vec::new()
                }
            };
            messages.extend(
                pairs
                    .into_iter()
                    .map(|(suggestion_id, community_id)| QueueMessage {
                        kind: row.kind.clone(),
                        suggestion_id,
                        community_id,
                        accepted_ms: Some(row.created_at.timestamp_millis()),
                    }),
            );
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.outbox_id).collect();
        if let Err(e) = self.queue.publish(&messages).await {
            // Hand the rows back so the next try (this relay's or another's) need not wait
            // for the lease. Rows whose entries did reach the queue are sent twice then, which
            // processing ignores.
            if let Err(e2) = self.store.release_outbox(&ids).await {
                tracing::debug!(error = %format!("{e2:#}"), "relay: could not hand leased rows back");
            }
            return Err(e);
        }
        self.store.mark_published(&ids, chrono::Utc::now()).await?;
        Ok(rows.len())
    }

    /// Wait for the next poll, or until a commit in this process rings. A short pause after the
    /// ring lets the posts committing at the same moment leave together.
    async fn idle(&self, interval: Duration) {
        match &self.wake {
            Some(wake) => {
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = wake.notified() => {
                        tokio::time::sleep(WAKE_PAUSE.min(interval)).await;
                    }
                }
            }
            None => tokio::time::sleep(interval).await,
        }
    }

    /// Run until the task is dropped: publish while there is work, otherwise poll.
    pub async fn run(self, interval: Duration) {
        let mut failing = false;
        loop {
            match self.run_once().await {
                Ok(n) => {
                    if failing {
                        tracing::info!("relay: the queue is reachable again");
                        failing = false;
                    }
                    if n == 0 {
                        self.idle(interval).await;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %format!("{e:#}"), "relay: cannot publish; accepted suggestions wait in the outbox");
                        failing = true;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}
