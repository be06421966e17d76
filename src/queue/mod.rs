//! Transport between the store's outbox and the workers: in-process by default, Redis Streams
//! when `redis.url` is set. The store is the truth; the queue only carries work.
use std::time::Duration;

#[derive(Clone)]
pub struct QueueHandle {
    redis: Option<redis::Client>,
}

impl QueueHandle {
    pub fn new(redis_url: Option<&str>) -> anyhow::Result<Self> {
        let redis = match redis_url {
            Some(url) => Some(
                redis::Client::open(url).map_err(|e| anyhow::anyhow!("invalid redis.url: {e}"))?,
            ),
            None => None,
        };
        Ok(Self { redis })
    }

    pub fn kind(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "in_process"
        }
    }

    /// Whether the transport answers; the in-process queue always does.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let Some(client) = &self.redis else {
            return Ok(());
        };
        let fut = async {
            let mut conn = client.get_multiplexed_async_connection().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await?;
            Ok::<_, redis::RedisError>(())
        };
        tokio::time::timeout(Duration::from_secs(2), fut)
            .await
            .map_err(|_| anyhow::anyhow!("redis did not answer within 2 s"))?
            .map_err(|e| anyhow::anyhow!("redis: {e}"))
    }
}
