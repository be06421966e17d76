//! WeChat mini-program login (`/sns/jscode2session`). The `session_key` it returns is never
//! stored, returned or logged.
use crate::error::ApiError;
use actix_web::http::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    api_base: String,
    appid: String,
    secret: SecretString,
    /// The server-side access token and when it stops being used.
    token: std::sync::Arc<tokio::sync::Mutex<Option<(String, std::time::Instant)>>>,
}

/// What WeChat's content security check says of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecVerdict {
    /// `pass`, `review` or `risky`.
    pub suggest: String,
    pub label: i64,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: Option<String>,
    expires_in: Option<u64>,
    #[serde(default)]
    errcode: i64,
}

#[derive(Deserialize)]
struct SecReply {
    #[serde(default)]
    errcode: i64,
    result: Option<SecResult>,
}

#[derive(Deserialize)]
struct SecResult {
    suggest: String,
    #[serde(default)]
    label: i64,
}

#[derive(Deserialize)]
struct Code2Session {
    openid: Option<String>,
    unionid: Option<String>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    // `session_key` is deliberately not deserialised at all.
}

pub struct WechatIdentity {
    pub openid: String,
    pub unionid: Option<String>,
}

impl WechatClient {
    pub fn new(api_base: &str, appid: &str, secret: SecretString) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            http,
            api_base: api_base.trim_end_matches('/').to_string(),
            appid: appid.into(),
            secret,
            token: Default::default(),
        })
    }

    pub fn configured(&self) -> bool {
        !self.appid.is_empty() && !self.secret.expose_secret().is_empty()
    }

    #[tracing::instrument(skip_all)]
    pub async fn code2session(&self, code: &str) -> Result<WechatIdentity, ApiError> {
        if !self.configured() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "wechat_not_configured",
                "微信登录尚未配置",
                "WeChat login is not configured (wechat.appid / wechat.secret)",
            ));
        }
        let url = format!("{}/sns/jscode2session", self.api_base);
        let resp = self
            .http
            .get(url)
            .query(&[
                ("appid", self.appid.as_str()),
                ("secret", self.secret.expose_secret()),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e.without_url(), "WeChat code2Session unreachable");
                unavailable()
            })?;
        let body: Code2Session = resp.json().await.map_err(|e| {
            tracing::warn!(error = %e.without_url(), "WeChat code2Session answered something unreadable");
            unavailable()
        })?;
        match (body.errcode, body.openid) {
            (0, Some(openid)) if !openid.is_empty() => Ok(WechatIdentity {
                openid,
                unionid: body.unionid,
            }),
            (40029, _) | (40163, _) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wechat_invalid_code",
                "微信登录凭证无效或已使用，请重新进入小程序",
                "The WeChat login code is invalid or already used",
            )),
            (45011, _) => Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "wechat_rate_limited",
                "微信登录过于频繁，请稍后再试",
                "WeChat login is rate limited; try again in a minute",
            )
            .with_retry_after(60)),
            (-1, _) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "wechat_busy",
                "微信服务繁忙，请稍后再试",
                "WeChat is busy; try again shortly",
            )
            .with_retry_after(5)),
            (code, _) => {
                tracing::warn!(errcode = code, errmsg = %body.errmsg, "WeChat code2Session refused");
                Err(ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "wechat_error",
                    "微信登录失败，请稍后再试",
                    format!("WeChat login failed (errcode {code})"),
                ))
            }
        }
    }
}

impl WechatClient {
    /// The cached server access token, fetched again when it nears expiry or `refresh` is set.
    async fn access_token(&self, refresh: bool) -> anyhow::Result<String> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if !refresh && *until > std::time::Instant::now() {
                return Ok(token.clone());
            }
        }
        let url = format!("{}/cgi-bin/token", self.api_base);
        let reply: TokenReply = self
            .http
            .get(url)
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", self.appid.as_str()),
                ("secret", self.secret.expose_secret()),
            ])
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("WeChat token request failed: {}", e.without_url()))?
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("WeChat token reply unreadable: {}", e.without_url()))?;
        let token = reply
            .access_token
            .filter(|t| reply.errcode == 0 && !t.is_empty());
        let token = token.ok_or_else(|| {
            anyhow::anyhow!(
                "WeChat refused the access token (errcode {})",
                reply.errcode
            )
        })?;
        // Renew five minutes early.
        let ttl = reply.expires_in.unwrap_or(7200).saturating_sub(300);
        *cached = Some((
            token.clone(),
            std::time::Instant::now() + Duration::from_secs(ttl),
        ));
        Ok(token)
    }

    /// `msgSecCheck` version 2 on a resident's text.
    #[tracing::instrument(skip_all)]
    pub async fn msg_sec_check(&self, openid: &str, content: &str) -> anyhow::Result<SecVerdict> {
        for attempt in 0..2 {
            let token = self.access_token(attempt > 0).await?;
            let url = format!("{}/wxa/msg_sec_check", self.api_base);
            let body =
                serde_json::json!({"content": content, "version": 2, "scene": 2, "openid": openid});
            let reply: SecReply = self
                .http
                .post(url)
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("msgSecCheck failed: {}", e.without_url()))?
                .json()
                .await
                .map_err(|e| {
                    anyhow::anyhow!("msgSecCheck reply unreadable: {}", e.without_url())
                })?;
            match (reply.errcode, reply.result) {
                (0, Some(r)) => {
                    return Ok(SecVerdict {
                        suggest: r.suggest,
                        label: r.label,
                    })
                }
                // The access token expired early: fetch a new one once.
                (40001 | 42001, _) if attempt == 0 => continue,
                (code, _) => anyhow::bail!("msgSecCheck refused (errcode {code})"),
            }
        }
        anyhow::bail!("msgSecCheck: no usable access token")
    }
}

/// What became of one subscribe message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// 43101: the user has no grant left for this template (or refused it).
    NoGrant,
    /// Any other refusal or failure; worth retrying.
    Failed(String),
}

impl WechatClient {
    /// `subscribeMessage.send`: one message to a resident who granted this template.
    #[tracing::instrument(skip_all)]
    pub async fn subscribe_send(
        &self,
        openid: &str,
        template_id: &str,
        page: &str,
        data: &serde_json::Value,
    ) -> SendOutcome {
        #[derive(serde::Deserialize)]
        struct Reply {
            #[serde(default)]
            errcode: i64,
        }
        for attempt in 0..2 {
            let token = match self.access_token(attempt > 0).await {
                Ok(t) => t,
                Err(e) => return SendOutcome::Failed(format!("{e:#}")),
            };
            let url = format!("{}/cgi-bin/message/subscribe/send", self.api_base);
            let body = serde_json::json!({"touser": openid, "template_id": template_id, "page": page,
                "data": data, "miniprogram_state": "formal", "lang": "zh_CN"});
            let reply = self
                .http
                .post(url)
                .query(&[("access_token", token.as_str())])
                .json(&body)
                .send()
                .await;
            let reply: Reply = match reply {
                Ok(r) => match r.json().await {
                    Ok(r) => r,
                    Err(e) => {
                        return SendOutcome::Failed(format!(
                            "unreadable reply: {}",
                            e.without_url()
                        ))
                    }
                },
                Err(e) => {
                    return SendOutcome::Failed(format!("request failed: {}", e.without_url()))
                }
            };
            match reply.errcode {
                0 => return SendOutcome::Sent,
                43101 => return SendOutcome::NoGrant,
                40001 | 42001 if attempt == 0 => continue,
                code => return SendOutcome::Failed(format!("errcode {code}")),
            }
        }
        SendOutcome::Failed("no usable access token".into())
    }
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "wechat_unavailable",
        "暂时无法连接微信，请稍后再试",
        "WeChat could not be reached; try again shortly",
    )
    .with_retry_after(5)
}
