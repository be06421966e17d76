//! Redis Streams transport, partitioned: one stream per partition, one consumer group, and in
//! it one consumer per partition, named after the partition. Whoever holds the partition's lease
//! reads as that consumer, so a new holder finds what the previous one left unacknowledged in
//! the consumer's own pending list (`XREADGROUP … 0`) and nothing waits for an idle time.
//!
//! Keys: the configured `queue.stream_key` without braces is the prefix `P`; partition `i` is
//! the stream `{P:i}` with its lease `{P:i}:lease` and loss marker `{P:i}:marker` in the same
//! hash slot, so a Redis Cluster spreads the partitions over its nodes. `{P}:dead` holds dead
//! letters, `{P}:consumers` the live consumers, `{P}:sweeper` the sweeper's lease.
//! `queue.redis_cluster` makes `redis.url` the seed node of a Redis Cluster.
use super::message::{Delivery, QueueMessage, QueueStats};
use super::transport::{LeaseName, ReadFrom, Transport};
use crate::config::QueueSettings;
use anyhow::Context;
use async_trait::async_trait;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// Take or keep a lease: `KEYS[1]` the lease, `ARGV[1]` the holder, `ARGV[2]` its time in ms.
const LEASE_SCRIPT: &str = r"
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0";

/// Give a lease back if the holder still has it.
const RELEASE_SCRIPT: &str = r"
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0";

enum Client {
    Single(redis::Client),
    /// The seed node's URL (checked when configured).
    Cluster(String),
}

/// A connection to one server or to a cluster (commands are routed by key slot).
#[derive(Clone)]
enum Conn {
    Single(MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> redis::RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

pub struct RedisStreams {
    client: Client,
    prefix: String,
    partitions: u32,
    group: String,
    conn: Mutex<Option<Conn>>,
    /// Blocking reads get a connection per partition, so they do not stall other commands.
    readers: Mutex<HashMap<u32, Conn>>,
    group_ready: Vec<AtomicBool>,
    lease_script: redis::Script,
    release_script: redis::Script,
}

impl RedisStreams {
    pub fn new(url: &str, settings: &QueueSettings) -> anyhow::Result<Self> {
        let client = if settings.redis_cluster {
            redis::cluster::ClusterClient::new(vec![url])
                .map_err(|e| anyhow::anyhow!("invalid redis.url for a cluster: {e}"))?;
            Client::Cluster(url.to_string())
        } else {
            Client::Single(
                redis::Client::open(url).map_err(|e| anyhow::anyhow!("invalid redis.url: {e}"))?,
            )
        };
        let prefix: String = settings
            .stream_key
            .chars()
            .filter(|c| *c != '{' && *c != '}')
            .collect();
        anyhow::ensure!(!prefix.is_empty(), "queue.stream_key must not be empty");
        let partitions = settings.partitions.max(1);
        Ok(Self {
            client,
            prefix,
            partitions,
            group: settings.group.clone(),
            conn: Mutex::new(None),
            readers: Mutex::new(HashMap::new()),
            group_ready: (0..partitions).map(|_| AtomicBool::new(false)).collect(),
            lease_script: redis::Script::new(LEASE_SCRIPT),
            release_script: redis::Script::new(RELEASE_SCRIPT),
        })
    }

    /// The stream of partition `p`.
    pub fn stream_key(&self, p: u32) -> String {
        format!("{{{}:{p}}}", self.prefix)
    }

    fn dead_key(&self) -> String {
        format!("{{{}}}:dead", self.prefix)
    }

    fn marker_key(&self, p: u32) -> String {
        format!("{}:marker", self.stream_key(p))
    }

    fn lease_key(&self, name: LeaseName) -> String {
        match name {
            LeaseName::Partition(p) => format!("{}:lease", self.stream_key(p)),
            LeaseName::Sweeper => format!("{{{}}}:sweeper", self.prefix),
        }
    }

    fn consumers_key(&self) -> String {
        format!("{{{}}}:consumers", self.prefix)
    }

    /// The consumer (in the group) that reads partition `p`.
    fn consumer(p: u32) -> String {
        format!("p{p}")
    }

    async fn connect(&self, response_timeout: Duration) -> anyhow::Result<Conn> {
        match &self.client {
            Client::Single(client) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Duration::from_secs(1))
                    .set_response_timeout(response_timeout);
                Ok(Conn::Single(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await
                        .context("connecting to Redis")?,
                ))
            }
            Client::Cluster(url) => {
                // A builder per connection sets its response time.
                let client = redis::cluster::ClusterClient::builder(vec![url.as_str()])
                    .connection_timeout(Duration::from_secs(1))
                    .response_timeout(response_timeout)
                    .build()
                    .context("configuring the Redis Cluster client")?;
                Ok(Conn::Cluster(
                    client
                        .get_async_connection()
                        .await
                        .context("connecting to the Redis Cluster")?,
                ))
            }
        }
    }

    async fn shared(&self) -> anyhow::Result<Conn> {
        let mut guard = self.conn.lock().await;
        match guard.as_ref() {
            Some(c) => Ok(c.clone()),
            None => {
                let c = self.connect(Duration::from_secs(2)).await?;
                *guard = Some(c.clone());
                Ok(c)
            }
        }
    }

    /// A failed connection is dropped and rebuilt on next use.
    async fn forget_conn_if_broken(&self, e: &redis::RedisError) {
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            *self.conn.lock().await = None;
        }
    }

    /// Run a command on the shared connection.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> anyhow::Result<T> {
        let mut conn = self.shared().await?;
        match cmd.query_async::<T>(&mut conn).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.forget_conn_if_broken(&e).await;
                Err(anyhow::Error::new(e).context("Redis command failed"))
            }
        }
    }

    async fn run_pipe<T: redis::FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
    ) -> anyhow::Result<T> {
        let mut conn = self.shared().await?;
        match pipe.query_async::<T>(&mut conn).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.forget_conn_if_broken(&e).await;
                Err(anyhow::Error::new(e).context("Redis pipeline failed"))
            }
        }
    }

    /// The stream or its group vanished: the group is made again on next use, and the
    /// partition's marker goes so the sweeper re-sends what the stream held.
    async fn group_gone(&self, p: u32) {
        self.group_ready[p as usize].store(false, Ordering::Relaxed);
        if let Err(e) = self
            .run::<i64>(redis::cmd("DEL").arg(self.marker_key(p)))
            .await
        {
            tracing::warn!(error = %format!("{e:#}"), partition = p, "could not clear the loss marker");
        }
    }

    async fn ensure_group(&self, p: u32) -> anyhow::Result<()> {
        if self.group_ready[p as usize].load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE")
            .arg(self.stream_key(p))
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM");
        match self.run::<()>(&cmd).await {
            Ok(()) => {}
            Err(e) if format!("{e:#}").contains("BUSYGROUP") => {}
            Err(e) => return Err(e),
        }
        self.group_ready[p as usize].store(true, Ordering::Relaxed);
        Ok(())
    }

    async fn reader(&self, p: u32, block: Duration) -> anyhow::Result<Conn> {
        let mut readers = self.readers.lock().await;
        if let Some(c) = readers.get(&p) {
            return Ok(c.clone());
        }
        let c = self.connect(block + Duration::from_secs(2)).await?;
        readers.insert(p, c.clone());
        Ok(c)
    }

    /// Delivery counts of `ids` (which are pending for the partition's consumer).
    async fn delivery_counts(
        &self,
        p: u32,
        ids: &[String],
    ) -> anyhow::Result<HashMap<String, u64>> {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return Ok(HashMap::new());
        };
        let mut cmd = redis::cmd("XPENDING");
        cmd.arg(self.stream_key(p))
            .arg(&self.group)
            .arg(first)
            .arg(last)
            .arg(ids.len())
            .arg(Self::consumer(p));
        let reply: redis::streams::StreamPendingCountReply = self.run(&cmd).await?;
        Ok(reply
            .ids
            .into_iter()
            .map(|p| (p.id, p.times_delivered as u64))
            .collect())
    }

    async fn ack_ids(&self, p: u32, ids: &[&str]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("XACK");
        cmd.arg(self.stream_key(p)).arg(&self.group);
        for id in ids {
            cmd.arg(*id);
        }
        self.run::<i64>(&cmd).await?;
        Ok(())
    }
}

/// The entries of an `XREADGROUP` reply for one stream: `(id, payload)`, the payload `None`
/// when the entry was deleted (or is unreadable).
fn read_reply_entries(reply: Value) -> Vec<(String, Option<String>)> {
    fn items(v: Value) -> Vec<Value> {
        match v {
            Value::Array(a) => a,
            Value::Map(m) => m.into_iter().flat_map(|(k, v)| [k, v]).collect(),
            _ => Vec::new(),
        }
    }
    let mut out = Vec::new();
    // [[key, [[id, fields], …]]] (RESP2) or {key: [[id, fields], …]} (RESP3).
    let top = items(reply);
    let streams: Vec<Value> = if matches!(top.first(), Some(Value::Array(_))) {
        top.into_iter().flat_map(items).collect()
    } else {
        top
    };
    for pair in streams.chunks(2) {
        let Some(entries) = pair.get(1) else { continue };
        for entry in items(entries.clone()) {
            let mut parts = items(entry).into_iter();
            let Some(id) = parts
                .next()
                .and_then(|v| redis::from_redis_value::<String>(&v).ok())
            else {
                continue;
            };
            let mut payload = None;
            if let Some(fields) = parts.next() {
                let fields = items(fields);
                for kv in fields.chunks(2) {
                    if let [k, v] = kv {
                        if redis::from_redis_value::<String>(k).ok().as_deref() == Some("m") {
                            payload = redis::from_redis_value::<String>(v).ok();
                        }
                    }
                }
            }
            out.push((id, payload));
        }
    }
    out
}

/// The stream or its group is gone (`NOGROUP`; `UNBLOCKED` when it vanished during a blocking
/// read, as in `FLUSHALL`).
fn is_nogroup(e: &redis::RedisError) -> bool {
    matches!(e.code(), Some("NOGROUP" | "UNBLOCKED"))
        || e.to_string().contains("NOGROUP")
        || e.to_string().contains("UNBLOCKED")
}

#[async_trait]
impl Transport for RedisStreams {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn partitions(&self) -> u32 {
        self.partitions
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
        // One pipeline per partition (one hash slot each, as a cluster requires).
        let mut by_partition: Vec<(u32, redis::Pipeline)> = Vec::new();
        for m in messages {
            let p = super::transport::partition_of(m.community_id, self.partitions);
            let i = match by_partition.iter().position(|(q, _)| *q == p) {
                Some(i) => i,
                None => {
                    by_partition.push((p, redis::pipe()));
                    by_partition.len() - 1
                }
            };
            by_partition[i]
                .1
                .cmd("XADD")
                .arg(self.stream_key(p))
                .arg("*")
                .arg("m")
                .arg(serde_json::to_string(m)?)
                .ignore();
        }
        let sends = by_partition
            .iter()
            .map(|(_, pipe)| self.run_pipe::<()>(pipe));
        for result in futures_util::future::join_all(sends).await {
            result.context("XADD failed")?;
        }
        Ok(())
    }

    async fn lease(&self, name: LeaseName, holder: &str, ttl: Duration) -> anyhow::Result<bool> {
        let mut conn = self.shared().await?;
        let held: i64 = match self
            .lease_script
            .key(self.lease_key(name))
            .arg(holder)
            .arg(ttl.as_millis().max(1) as u64)
            .invoke_async(&mut conn)
            .await
        {
            Ok(v) => v,
            Err(e) => {
                self.forget_conn_if_broken(&e).await;
                return Err(anyhow::Error::new(e).context("taking a lease"));
            }
        };
        Ok(held == 1)
    }

    async fn release(&self, name: LeaseName, holder: &str) -> anyhow::Result<()> {
        let mut conn = self.shared().await?;
        if let Err(e) = self
            .release_script
            .key(self.lease_key(name))
            .arg(holder)
            .invoke_async::<i64>(&mut conn)
            .await
        {
            self.forget_conn_if_broken(&e).await;
            return Err(anyhow::Error::new(e).context("releasing a lease"));
        }
        Ok(())
    }

    async fn heartbeat(&self, consumer: &str, ttl: Duration) -> anyhow::Result<usize> {
        let now = chrono::Utc::now().timestamp_millis();
        let key = self.consumers_key();
        let mut pipe = redis::pipe();
        pipe.cmd("ZADD")
            .arg(&key)
            .arg(now)
            .arg(consumer)
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(format!("({}", now - ttl.as_millis() as i64))
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg((ttl.as_millis() as u64).saturating_mul(10).max(1))
            .ignore()
            .cmd("ZCARD")
            .arg(&key);
        let (count,): (usize,) = self.run_pipe(&pipe).await?;
        Ok(count.max(1))
    }

    async fn next_batch(
        &self,
        p: u32,
        from: ReadFrom,
        block: Duration,
        max: usize,
    ) -> anyhow::Result<Vec<Delivery>> {
        anyhow::ensure!(p < self.partitions, "no partition {p}");
        self.ensure_group(p).await?;
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(Self::consumer(p))
            .arg("COUNT")
            .arg(max.max(1));
        let blocking = from == ReadFrom::New && !block.is_zero();
        if blocking {
            cmd.arg("BLOCK").arg(block.as_millis() as u64);
        }
        cmd.arg("STREAMS").arg(self.stream_key(p)).arg(match from {
            ReadFrom::New => ">",
            ReadFrom::Unacknowledged => "0",
        });
        let mut conn = if blocking {
            self.reader(p, block).await?
        } else {
            self.shared().await?
        };
        let reply: Value = match cmd.query_async(&mut conn).await {
            Ok(r) => r,
            Err(e) => {
                if blocking {
                    self.readers.lock().await.remove(&p);
                } else {
                    self.forget_conn_if_broken(&e).await;
                }
                if is_nogroup(&e) {
                    self.group_gone(p).await;
                }
                return Err(anyhow::Error::new(e).context("XREADGROUP failed"));
            }
        };
        let entries = read_reply_entries(reply);
        let counts = if from == ReadFrom::Unacknowledged {
            let ids: Vec<String> = entries.iter().map(|(id, _)| id.clone()).collect();
            self.delivery_counts(p, &ids).await?
        } else {
            HashMap::new()
        };
        let mut out = Vec::with_capacity(entries.len());
        let mut unreadable = Vec::new();
        for (id, payload) in &entries {
            match payload
                .as_deref()
                .and_then(|m| serde_json::from_str::<QueueMessage>(m).ok())
            {
                Some(message) => out.push(Delivery {
                    partition: p,
                    queued_ms: id.split_once('-').and_then(|(ms, _)| ms.parse().ok()),
                    deliveries: counts.get(id).copied().unwrap_or(1).max(1),
                    id: id.clone(),
                    message,
                }),
                None => unreadable.push(id.as_str()),
            }
        }
        if !unreadable.is_empty() {
            // Trimmed away or not ours: nothing to process (the store still has the truth).
            tracing::warn!(
                count = unreadable.len(),
                partition = p,
                "unreadable queue entries dropped"
            );
            self.ack_ids(p, &unreadable).await?;
        }
        Ok(out)
    }

    async fn ack(&self, deliveries: &[Delivery]) -> anyhow::Result<()> {
        let mut by_partition: HashMap<u32, Vec<&str>> = HashMap::new();
        for d in deliveries {
            by_partition.entry(d.partition).or_default().push(&d.id);
        }
        for (p, ids) in by_partition {
            self.ack_ids(p, &ids).await?;
        }
        Ok(())
    }

    async fn nack(&self, _delivery: &Delivery) -> anyhow::Result<()> {
        // Left pending for the partition's consumer: the next read of unacknowledged entries
        // (the worker's retry) hands it out again.
        Ok(())
    }

    async fn dead_letter(&self, delivery: &Delivery, error: &str) -> anyhow::Result<()> {
        let mut add = redis::cmd("XADD");
        add.arg(self.dead_key())
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
        self.ack_ids(delivery.partition, &[&delivery.id]).await
    }

    async fn stats(&self) -> anyhow::Result<QueueStats> {
        let mut stats = QueueStats::default();
        for p in 0..self.partitions {
            self.ensure_group(p).await?;
            let info: redis::streams::StreamInfoGroupsReply = match self
                .run(redis::cmd("XINFO").arg("GROUPS").arg(self.stream_key(p)))
                .await
            {
                Ok(info) => info,
                Err(e) if format!("{e:#}").contains("no such key") => {
                    self.group_gone(p).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(g) = info.groups.into_iter().find(|g| g.name == self.group) {
                stats.pending += g.pending as u64;
                stats.waiting += g.lag.unwrap_or(0) as u64;
            }
        }
        stats.dead_letters = self.run(redis::cmd("XLEN").arg(self.dead_key())).await?;
        Ok(stats)
    }

    async fn trim(&self) -> anyhow::Result<()> {
        for p in 0..self.partitions {
            let key = self.stream_key(p);
            let info: redis::streams::StreamInfoGroupsReply =
                match self.run(redis::cmd("XINFO").arg("GROUPS").arg(&key)).await {
                    Ok(info) => info,
                    Err(_) => continue, // no stream yet
                };
            let Some(group) = info.groups.into_iter().find(|g| g.name == self.group) else {
                continue;
            };
            // Everything after the last delivered id is undelivered: keep it.
            let mut keep_from = group.last_delivered_id.clone();
            let pending: redis::streams::StreamPendingReply = self
                .run(redis::cmd("XPENDING").arg(&key).arg(&self.group))
                .await?;
            if let redis::streams::StreamPendingReply::Data(pd) = pending {
                if stream_id_less(&pd.start_id, &keep_from) {
                    keep_from = pd.start_id;
                }
            }
            if keep_from == "0-0" {
                continue;
            }
            let removed: i64 = self
                .run(redis::cmd("XTRIM").arg(&key).arg("MINID").arg(&keep_from))
                .await?;
            if removed > 0 {
                tracing::debug!(removed, partition = p, "trimmed acknowledged queue entries");
            }
        }
        Ok(())
    }

    async fn lost_partitions(&self) -> anyhow::Result<Vec<u32>> {
        let mut lost = Vec::new();
        for p in 0..self.partitions {
            // Set only here; gone when Redis lost the partition's slot (or a worker found the
            // stream gone). Set-if-absent answers "was it gone?" in one step.
            let created: Option<String> = self
                .run(redis::cmd("SET").arg(self.marker_key(p)).arg(1).arg("NX"))
                .await?;
            if created.is_some() {
                lost.push(p);
            }
        }
        Ok(lost)
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
    use super::{read_reply_entries, stream_id_less};
    use redis::Value;

    #[test]
    fn stream_ids_compare_numerically() {
        assert!(stream_id_less("9-0", "10-0"));
        assert!(stream_id_less("10-2", "10-11"));
        assert!(!stream_id_less("10-11", "10-11"));
    }

    fn s(x: &str) -> Value {
        Value::BulkString(x.as_bytes().to_vec())
    }

    #[test]
    fn read_replies_keep_deleted_entries_as_unreadable() {
        let reply = Value::Array(vec![Value::Array(vec![
            s("{q:1}"),
            Value::Array(vec![
                Value::Array(vec![s("1-0"), Value::Array(vec![s("m"), s("{}")])]),
                Value::Array(vec![s("2-0"), Value::Nil]),
            ]),
        ])]);
        let entries = read_reply_entries(reply);
        assert_eq!(
            entries,
            vec![
                ("1-0".to_string(), Some("{}".to_string())),
                ("2-0".to_string(), None)
            ]
        );
        assert!(read_reply_entries(Value::Nil).is_empty());
    }
}
