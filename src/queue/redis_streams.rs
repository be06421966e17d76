//! Redis Streams transport: one stream, one consumer group, blocking `XREADGROUP`, `XACK` only
//! after the store has committed, `XAUTOCLAIM` of entries idle past `claim_idle_ms`, a
//! dead-letter stream after `max_deliveries`, and trimming by `MINID` below the oldest entry
//! that is still pending or undelivered. Keys share the `{minyi}` hash tag (Cluster-safe).
use super::{Delivery, QueueMessage, QueueStats, Transport};
use crate::config::QueueSettings;
use anyhow::Context;
use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Value};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;

pub struct RedisStreams {
    client: redis::Client,
    stream: String,
    dead: String,
    group: String,
    claim_idle_ms: u64,
    conn: Mutex<Option<MultiplexedConnection>>,
    /// Blocking reads get a connection per consumer, so they do not stall other commands.
    readers: Mutex<HashMap<String, MultiplexedConnection>>,
    group_ready: std::sync::atomic::AtomicBool,
}

impl RedisStreams {
    pub fn new(url: &str, settings: &QueueSettings) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("invalid redis.url: {e}"))?;
        Ok(Self {
            client,
            stream: settings.stream_key.clone(),
            dead: format!("{}:dead", settings.stream_key),
            group: settings.group.clone(),
            claim_idle_ms: settings.claim_idle_ms,
            conn: Mutex::new(None),
            readers: Mutex::new(HashMap::new()),
            group_ready: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn stream_key(&self) -> &str {
        &self.stream
    }

    pub fn dead_letter_key(&self) -> &str {
        &self.dead
    }

    async fn connect(&self, response_timeout: Duration) -> anyhow::Result<MultiplexedConnection> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(response_timeout);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .context("connecting to Redis")
    }

    /// Run a command on the shared connection; a failed connection is dropped and rebuilt.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut guard = self.conn.lock().await;
        let mut conn = match guard.as_ref() {
            Some(c) => c.clone(),
            None => {
                let c = self.connect(Duration::from_secs(3)).await?;
                *guard = Some(c.clone());
                c
            }
        };
        drop(guard);
        match cmd.query_async::<T>(&mut conn).await {
            Ok(v) => Ok(v),
            Err(e) => {
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                    *self.conn.lock().await = None;
                }
                self.forget_group_if_gone(&e);
                Err(anyhow::Error::new(e).context("Redis command failed"))
            }
        }
    }

    /// Redis lost the stream (a restart without persistence): create the group again next time.
    fn forget_group_if_gone(&self, e: &redis::RedisError) {
        if e.code() == Some("NOGROUP") || e.to_string().contains("NOGROUP") {
            self.group_ready
                .store(false, std::sync::atomic::Ordering::Relaxed);
        }
    }

    async fn ensure_group(&self) -> anyhow::Result<()> {
        use std::sync::atomic::Ordering;
        if self.group_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(&self.stream)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM");
        match self.run::<()>(&cmd).await {
            Ok(()) => {}
            Err(e) if format!("{e:#}").contains("BUSYGROUP") => {}
            Err(e) => return Err(e),
        }
        self.group_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn parse_entry(id: &str, fields: &HashMap<String, Value>, deliveries: u64) -> Option<Delivery> {
        let payload: String = fields
            .get("m")
            .and_then(|v| redis::from_redis_value(v).ok())?;
        let message: QueueMessage = serde_json::from_str(&payload).ok()?;
        Some(Delivery {
            id: id.to_string(),
            message,
            deliveries,
        })
    }

    async fn delivery_count(&self, id: &str) -> anyhow::Result<u64> {
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(&self.stream)
            .arg(&self.group)
            .arg(id)
            .arg(id)
            .arg(1);
        let reply: redis::streams::StreamPendingCountReply = self.run(&cmd).await?;
        Ok(reply
            .ids
            .first()
            .map(|p| p.times_delivered as u64)
            .unwrap_or(1))
    }

    async fn reclaim(&self, consumer: &str, max: usize) -> anyhow::Result<Vec<Delivery>> {
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(&self.stream)
            .arg(&self.group)
            .arg(consumer)
            .arg(self.claim_idle_ms)
            .arg("0-0")
            .arg("COUNT")
            .arg(max);
        let reply: redis::streams::StreamAutoClaimReply = self.run(&cmd).await?;
        for gone in &reply.deleted_ids {
            // Trimmed away (never by us while pending) — nothing left to process.
            self.ack_id(gone).await?;
        }
        let mut out = Vec::new();
        for entry in reply.claimed {
            let deliveries = self.delivery_count(&entry.id).await?;
            match Self::parse_entry(&entry.id, &entry.map, deliveries) {
                Some(d) => out.push(d),
                None => {
                    self.ack_id(&entry.id).await?;
                    tracing::warn!(id = %entry.id, "unreadable queue entry dropped");
                }
            }
        }
        Ok(out)
    }

    async fn ack_id(&self, id: &str) -> anyhow::Result<()> {
        let mut cmd = redis::cmd("XACK");
        cmd.arg(&self.stream).arg(&self.group).arg(id);
        self.run::<i64>(&cmd).await?;
        Ok(())
    }
}

#[async_trait]
impl Transport for RedisStreams {
    fn kind(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> anyhow::Result<()> {
        let pong: String = self.run(&redis::cmd("PING")).await?;
        anyhow::ensure!(pong == "PONG", "unexpected PING answer");
        Ok(())
    }

    async fn publish(&self, messages: &[QueueMessage]) -> anyhow::Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        self.ensure_group().await?;
        let mut pipe = redis::pipe();
        for m in messages {
            pipe.cmd("XADD")
                .arg(&self.stream)
                .arg("*")
                .arg("m")
                .arg(serde_json::to_string(m)?)
                .ignore();
        }
        let mut guard = self.conn.lock().await;
        let mut conn = match guard.as_ref() {
            Some(c) => c.clone(),
            None => {
                let c = self.connect(Duration::from_secs(3)).await?;
                *guard = Some(c.clone());
                c
            }
        };
        drop(guard);
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            *self.conn.lock().await = None;
            return Err(anyhow::Error::new(e).context("XADD failed"));
        }
        Ok(())
    }

    async fn next_batch(
        &self,
        consumer: &str,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>> {
        self.ensure_group().await?;
        let reclaimed = self.reclaim(consumer, max).await?;
        if !reclaimed.is_empty() {
            return Ok(reclaimed);
        }
        let mut conn = {
            let mut readers = self.readers.lock().await;
            match readers.get(consumer) {
                Some(c) => c.clone(),
                None => {
                    let c = self.connect(block + Duration::from_secs(3)).await?;
                    readers.insert(consumer.to_string(), c.clone());
                    c
                }
            }
        };
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(consumer)
            .arg("COUNT")
            .arg(max)
            .arg("BLOCK")
            .arg(block.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.stream)
            .arg(">");
        let reply: Option<redis::streams::StreamReadReply> = match cmd.query_async(&mut conn).await
        {
            Ok(r) => r,
            Err(e) => {
                self.readers.lock().await.remove(consumer);
                self.forget_group_if_gone(&e);
                return Err(anyhow::Error::new(e).context("XREADGROUP failed"));
            }
        };
        let entries = reply
            .and_then(|r| r.keys.into_iter().next())
            .map(|k| k.ids)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            match Self::parse_entry(&entry.id, &entry.map, 1) {
                Some(d) => out.push(d),
                None => {
                    self.ack_id(&entry.id).await?;
                    tracing::warn!(id = %entry.id, "unreadable queue entry dropped");
                }
            }
        }
        Ok(out)
    }

    async fn ack(&self, delivery: &Delivery) -> anyhow::Result<()> {
        self.ack_id(&delivery.id).await
    }

    async fn nack(&self, _delivery: &Delivery) -> anyhow::Result<()> {
        // Left pending: XAUTOCLAIM hands it out again once it has been idle long enough.
        Ok(())
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> anyhow::Result<()> {
        let mut add = redis::cmd("XADD");
        add.arg(&self.dead)
            .arg("*")
            .arg("m")
            .arg(serde_json::to_string(&delivery.message)?)
            .arg("error")
            .arg(error)
            .arg("deliveries")
            .arg(delivery.deliveries)
            .arg("source_id")
            .arg(&delivery.id);
        self.run::<String>(&add).await?;
        self.ack_id(&delivery.id).await
    }

    async fn stats(&self) -> anyhow::Result<QueueStats> {
        self.ensure_group().await?;
        let info: redis::streams::StreamInfoGroupsReply = self
            .run(redis::cmd("XINFO").arg("GROUPS").arg(&self.stream))
            .await?;
        let group = info.groups.into_iter().find(|g| g.name == self.group);
        let dead: u64 = self.run(redis::cmd("XLEN").arg(&self.dead)).await?;
        Ok(QueueStats {
            pending: group.as_ref().map(|g| g.pending as u64).unwrap_or(0),
            waiting: group.and_then(|g| g.lag).unwrap_or(0) as u64,
            dead_letters: dead,
        })
    }

    async fn trim(&self) -> anyhow::Result<()> {
        self.ensure_group().await?;
        let info: redis::streams::StreamInfoGroupsReply = self
            .run(redis::cmd("XINFO").arg("GROUPS").arg(&self.stream))
            .await?;
        let Some(group) = info.groups.into_iter().find(|g| g.name == self.group) else {
            return Ok(());
        };
        // Everything after the last delivered id is undelivered: keep it.
        let mut keep_from = group.last_delivered_id.clone();
        let pending: redis::streams::StreamPendingReply = self
            .run(redis::cmd("XPENDING").arg(&self.stream).arg(&self.group))
            .await?;
        if let redis::streams::StreamPendingReply::Data(p) = pending {
            if stream_id_less(&p.start_id, &keep_from) {
                keep_from = p.start_id;
            }
        }
        if keep_from == "0-0" {
            return Ok(());
        }
        let removed: i64 = self
            .run(
                redis::cmd("XTRIM")
                    .arg(&self.stream)
                    .arg("MINID")
                    .arg(&keep_from),
            )
            .await?;
        if removed > 0 {
            tracing::debug!(removed, "trimmed acknowledged queue entries");
        }
        Ok(())
    }
}

/// Compare stream ids `ms-seq` numerically.
fn stream_id_less(a: &str, b: &str) -> bool {
    fn parts(id: &str) -> (u64, u64) {
        let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
        (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
    }
    parts(a) < parts(b)
}

#[cfg(test)]
mod tests {
    use super::stream_id_less;

    #[test]
    fn stream_ids_compare_numerically() {
        assert!(stream_id_less("9-0", "10-0"));
        assert!(stream_id_less("10-2", "10-11"));
        assert!(!stream_id_less("10-11", "10-11"));
    }
}
