//! The notification sender: WeChat subscribe messages from the notification outbox, retried
//! with backoff, falling back to the in-app notice (which every resident sees anyway) when the
//! resident has no grant left (43101) or the tries run out. Sending never blocks a request.
use crate::auth::wechat::{SendOutcome, WechatClient};
use crate::config::HallSettings;
use crate::store::DynStore;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

pub struct Notifier {
    pub store: DynStore,
    pub wechat: Arc<WechatClient>,
    pub settings: HallSettings,
}

/// Wait before try `attempt + 1`: 30 s, 1 min, 2 min … capped at one hour.
pub fn backoff(attempt: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << attempt.clamp(0, 7));
    chrono::Duration::seconds(secs.min(3600))
}

/// Subscribe-message fields: thing (≤ 20 characters), phrase (≤ 5), time.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

impl Notifier {
    /// Send what is due now; the number handled.
    pub async fn tick(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let due = self.store.due_messages(now, 50).await?;
        let template = self.settings.progress_template_id.clone();
        for m in &due {
            let openid = m.openid.as_deref().filter(|o| !o.starts_with("dev:"));
            let (Some(openid), false) = (openid, template.is_empty()) else {
                self.store
                    .message_in_app(m.notification_id, "no WeChat recipient", None)
                    .await?;
                continue;
            };
            let data = serde_json::json!({
                "thing1": {"value": cut(&m.topic_title, 20)},
                "phrase2": {"value": cut(m.kind.label(), 5)},
                "thing3": {"value": cut(&m.body, 20)},
                "time4": {"value": m.created_at.with_timezone(&super::shanghai()).format("%Y-%m-%d %H:%M").to_string()},
            });
            let page = format!("{}{}", self.settings.progress_page, m.topic_id);
            match self
                .wechat
                .subscribe_send(openid, &template, &page, &data)
                .await
            {
                SendOutcome::Sent => self.store.message_sent(m.notification_id, now).await?,
                SendOutcome::NoGrant => {
                    self.store
                        .message_in_app(m.notification_id, "43101: no grant", Some(&template))
                        .await?
                }
                SendOutcome::Failed(e) if m.attempts + 1 >= self.settings.notify_max_attempts => {
                    tracing::warn!(error = %e, notification = m.notification_id, "subscribe message given up; kept in-app");
                    self.store
                        .message_in_app(m.notification_id, &e, None)
                        .await?
                }
                SendOutcome::Failed(e) => {
                    tracing::info!(error = %e, notification = m.notification_id, "subscribe message will be retried");
                    self.store
                        .message_retry(m.notification_id, now + backoff(m.attempts), &e)
                        .await?
                }
            }
        }
        Ok(due.len())
    }

    pub async fn run(self) {
        let every = Duration::from_millis(self.settings.notify_interval_ms.max(50));
        loop {
            match self.tick(Utc::now()).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "notification sender failed"),
            }
            tokio::time::sleep(every).await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff(0).num_seconds(), 30);
        assert_eq!(super::backoff(1).num_seconds(), 60);
        assert_eq!(super::backoff(20).num_seconds(), 3600);
    }
}
