//! Layered configuration: embedded `base` → `local`/`production` → files in `config/` →
//! `MINYI__SECTION__KEY` environment variables. The embedded copies make a bare binary start
//! with no files at all.
use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};

const BASE: &str = include_str!("../config/base.toml");
const LOCAL: &str = include_str!("../config/local.toml");
const PRODUCTION: &str = include_str!("../config/production.toml");

/// The value shipped in `config/local.toml`; production refuses it.
pub const DEV_JWT_SECRET: &str = "dev-only-secret-change-me-dev-only-secret";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Local,
    Production,
}

impl Environment {
    pub fn from_env() -> anyhow::Result<Self> {
        match std::env::var("MINYI_ENV").as_deref() {
            Err(_) | Ok("") | Ok("local") => Ok(Self::Local),
            Ok("production") => Ok(Self::Production),
            Ok(other) => bail!("MINYI_ENV must be `local` or `production`, not `{other}`"),
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    #[serde(default)]
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub wechat: WechatSettings,
    pub log: LogSettings,
    #[serde(default)]
    pub queue: QueueSettings,
    #[serde(default)]
    pub intake: IntakeSettings,
    /// Grouping engine parameters; the tuned defaults unless set.
    #[serde(default)]
    pub grouping: crate::grouping::EngineConfig,
    #[serde(default)]
    pub hall: HallSettings,
    /// SMS login for the mobile web version.
    #[serde(default)]
    pub sms: SmsSettings,
    /// Residents' data rights: notice version, retention periods, exports.
    #[serde(default)]
    pub privacy: crate::privacy::PrivacySettings,
    #[serde(skip, default = "default_env")]
    pub environment: Environment,
}

/// The deliberation hall: response times, reopening, notifications.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HallSettings {
    /// Hours within which a topic should leave each status (0: no deadline). For example a new
    /// topic should be accepted (or rejected) within 72 hours.
    pub new_hours: i64,
    pub accepted_hours: i64,
    pub scheduled_hours: i64,
    pub decided_hours: i64,
    pub in_progress_hours: i64,
    /// A resolved topic goes back to work (发回重办) when at least this share of the answers
    /// is 不满意 …
    pub reopen_unsatisfied_share: f64,
    /// … and at least this many residents answered.
    pub reopen_min_answers: i64,
    /// WeChat subscribe-message template for topic progress; empty: in-app notices only.
    pub progress_template_id: String,
    /// The mini-program page a message opens (the topic id is appended).
    pub progress_page: String,
    /// Tries of a WeChat message before it stays in-app only.
    pub notify_max_attempts: i32,
    pub notify_interval_ms: u64,
    /// Live events older than this are trimmed (clients further behind reload).
    pub event_retention_hours: i64,
    /// Live-event streams one login session may hold open at once (per API process).
    pub max_streams_per_session: usize,
}

impl Default for HallSettings {
    fn default() -> Self {
        Self {
            new_hours: 72,
            accepted_hours: 168,
            scheduled_hours: 336,
            decided_hours: 168,
            in_progress_hours: 720,
            reopen_unsatisfied_share: 0.5,
            reopen_min_answers: 3,
            progress_template_id: String::new(),
            progress_page: "pages/topic/topic?id=".into(),
            notify_max_attempts: 6,
            notify_interval_ms: 1000,
            event_retention_hours: 72,
            max_streams_per_session: 4,
        }
    }
}

impl HallSettings {
    /// The deadline of a topic entering `status` at `now`, if that status has one.
    pub fn due(
        &self,
        status: crate::hall::status::TopicStatus,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        use crate::hall::status::TopicStatus::*;
        let hours = match status {
            New => self.new_hours,
            Accepted => self.accepted_hours,
            Scheduled => self.scheduled_hours,
            Decided => self.decided_hours,
            InProgress => self.in_progress_hours,
            Resolved | Rejected | Merged => 0,
        };
        (hours > 0).then(|| now + chrono::Duration::hours(hours))
    }

    pub fn template(&self) -> Option<String> {
        (!self.progress_template_id.is_empty()).then(|| self.progress_template_id.clone())
    }
}

fn default_env() -> Environment {
    Environment::Local
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub bind: String,
    pub json_limit: usize,
    #[serde(default)]
    pub public_base_url: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client (comma-separated addresses);
    /// empty: the connection's peer is the client.
    #[serde(default)]
    pub trusted_proxies: String,
    /// Serve `/metrics` on this address only (for example `0.0.0.0:9090`, reachable by
    /// Prometheus but not published); empty: on `bind`.
    #[serde(default)]
    pub metrics_bind: String,
    /// When set, `/metrics` on `bind` requires `Authorization: Bearer <token>`. In production
    /// `/metrics` is not served on `bind` without a token (use `metrics_bind` or set one).
    #[serde(default)]
    pub metrics_token: SecretString,
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    #[serde(default)]
    pub url: SecretString,
    pub max_connections: u32,
    /// How long a request waits for a database connection before it is answered with 503
    /// (`store_unavailable`, with `Retry-After`). Fail fast: a database that is down must not
    /// hang clients.
    #[serde(default = "default_acquire_timeout_ms")]
    pub acquire_timeout_ms: u64,
}

fn default_acquire_timeout_ms() -> u64 {
    1_000
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field(
                "url",
                &crate::telemetry::redact_url(self.url.expose_secret()),
            )
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .finish()
    }
}

#[derive(Clone, Default, Deserialize)]
pub struct RedisSettings {
    #[serde(default)]
    pub url: Option<SecretString>,
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.url().map(crate::telemetry::redact_url);
        f.debug_struct("RedisSettings").field("url", &url).finish()
    }
}

impl RedisSettings {
    /// The Redis URL when one is configured; `None` selects the in-process queue.
    pub fn url(&self) -> Option<&str> {
        self.url
            .as_ref()
            .map(|u| u.expose_secret())
            .filter(|u| !u.trim().is_empty())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    pub dev_login: bool,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_days: i64,
    pub issuer: String,
    pub audience: String,
    pub max_failed_logins: i64,
    pub lock_minutes: i64,
    /// Failed logins from one client address, across login names, before the address is
    /// refused for `lock_minutes` (0: no limit).
    #[serde(default = "default_failed_logins_per_ip")]
    pub max_failed_logins_per_ip: i64,
}

fn default_failed_logins_per_ip() -> i64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
pub struct WechatSettings {
    pub api_base: String,
    pub appid: String,
    pub secret: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
    pub filter: String,
}

/// Queue and worker tuning; see `queue/README.md` for what each knob does.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct QueueSettings {
    /// The queue's key prefix; braces are dropped (each partition gets its own hash tag).
    pub stream_key: String,
    pub group: String,
    /// A failed delivery is delivered again once it has been idle this long.
    pub claim_idle_ms: u64,
    pub max_deliveries: u64,
    pub block_ms: u64,
    pub relay_interval_ms: u64,
    /// The longest a queued suggestion waits before the sweeper re-sends it (the threshold
    /// follows the observed processing latency below this ceiling).
    pub sweep_after_seconds: i64,
    /// The shortest such wait.
    pub sweep_min_seconds: i64,
    pub max_stream_len: usize,
    /// Deliveries a worker takes (and grouping commits) at once.
    pub batch: usize,
    /// Partitions (streams): a community's suggestions always go to the same one.
    pub partitions: u32,
    /// A partition's consumer holds it for this long between renewals (a dead worker's
    /// partitions are taken over after at most this time).
    pub lease_ms: u64,
    /// `redis.url` names one node of a Redis Cluster.
    pub redis_cluster: bool,
    /// `/readyz` says `degraded` when the oldest accepted but unprocessed suggestion is older.
    pub ready_max_lag_seconds: i64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            stream_key: "{minyi}:suggestions".into(),
            group: "minyi-workers".into(),
            claim_idle_ms: 5_000,
            max_deliveries: 5,
            block_ms: 2_000,
            relay_interval_ms: 200,
            sweep_after_seconds: 300,
            sweep_min_seconds: 5,
            max_stream_len: 100_000,
            batch: 64,
            partitions: 8,
            lease_ms: 3_000,
            redis_cluster: false,
            ready_max_lag_seconds: 60,
        }
    }
}

/// Intake limits and moderation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IntakeSettings {
    pub posts_per_account_per_hour: usize,
    pub posts_per_ip_per_hour: usize,
    pub max_photo_bytes: usize,
    /// Longest side of a photo in pixels, read from its header before anything is decoded.
    pub max_photo_side: u32,
    /// Most pixels (width × height) of a photo.
    pub max_photo_pixels: u64,
    /// Uploads one account may make per minute (0: no limit).
    pub uploads_per_account_per_minute: usize,
    /// Bytes one account may upload per 24 hours (0: no quota).
    pub upload_bytes_per_account_per_day: i64,
    pub max_photos: usize,
    /// Words that hold a suggestion for review (in addition to `sensitive_words_file`).
    pub sensitive_words: Vec<String>,
    /// A file with one word per line; empty for none.
    pub sensitive_words_file: String,
    /// Also check residents' text with WeChat's `msgSecCheck` (version 2).
    pub wechat_msg_sec_check: bool,
    /// Group commit: at most this many residents' posts share one transaction (0 or 1: off).
    pub batch_max: usize,
    /// Group commit: transactions of posts in flight at once (0: 4 on PostgreSQL, 1 on SQLite).
    pub batch_in_flight: usize,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        Self {
            posts_per_account_per_hour: 30,
            posts_per_ip_per_hour: 300,
            // Phone photos are 2–6 MB; 8 MiB leaves room and refuses padded files.
            max_photo_bytes: 8 * 1024 * 1024,
            max_photo_side: 16_384,
            // A 48-megapixel phone photo (8000 × 6000) passes.
            max_photo_pixels: 50_000_000,
            uploads_per_account_per_minute: 10,
            upload_bytes_per_account_per_day: 500 * 1024 * 1024,
            max_photos: 9,
            sensitive_words: Vec::new(),
            sensitive_words_file: String::new(),
            wechat_msg_sec_check: false,
            batch_max: 128,
            batch_in_flight: 0,
        }
    }
}

/// `sms.*` settings.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SmsSettings {
    /// `dev` (code in the log), `none` (SMS login off); empty: `dev` locally, `none` in production.
    pub provider: String,
    /// Production refuses the development provider unless this is set.
    pub allow_dev_provider_in_production: bool,
    pub code_ttl_seconds: i64,
    pub max_attempts: i64,
    pub per_phone_per_minute: i64,
    pub per_phone_per_day: i64,
    pub per_ip_per_hour: usize,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            provider: String::new(),
            allow_dev_provider_in_production: false,
            code_ttl_seconds: 300,
            max_attempts: 5,
            per_phone_per_minute: 1,
            per_phone_per_day: 10,
            per_ip_per_hour: 30,
        }
    }
}

impl SmsSettings {
    pub fn provider_for(&self, env: Environment) -> &str {
        match (self.provider.trim(), env) {
            ("", Environment::Local) => "dev",
            ("", Environment::Production) => "none",
            (p, _) => p,
        }
    }

    /// What is unsafe in production, if anything.
    pub fn production_problem(&self) -> Option<&'static str> {
        (self.provider_for(Environment::Production) == "dev"
            && !self.allow_dev_provider_in_production)
            .then_some(
                "set MINYI__SMS__PROVIDER to a real provider or `none`: the development SMS provider \
                 writes login codes to the log (or set sms.allow_dev_provider_in_production = true)",
            )
    }
}

impl Settings {
    /// Load from the embedded defaults, the `config/` folder (or `MINYI_CONFIG_DIR`) and env.
    pub fn load() -> anyhow::Result<Self> {
        let environment = Environment::from_env()?;
        let dir = std::env::var("MINYI_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from("config"));
        Self::load_from(environment, &dir, true)
    }

    pub fn load_from(environment: Environment, dir: &Path, env_vars: bool) -> anyhow::Result<Self> {
        use config::{Config, File, FileFormat};
        let env_text = match environment {
            Environment::Local => LOCAL,
            Environment::Production => PRODUCTION,
        };
        let mut builder = Config::builder()
            .add_source(File::from_str(BASE, FileFormat::Toml))
            .add_source(File::from_str(env_text, FileFormat::Toml))
            .add_source(File::from(dir.join("base.toml")).required(false))
            .add_source(
                File::from(dir.join(format!("{}.toml", environment.as_str()))).required(false),
            );
        if env_vars {
            builder = builder.add_source(
                config::Environment::with_prefix("MINYI")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            );
        }
        let mut settings: Settings = builder
            .build()
            .context("reading configuration")?
            .try_deserialize()
            .context("configuration has a wrong or missing value")?;
        settings.environment = environment;
        Ok(settings)
    }

    /// The database URL, defaulting to a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        let url = self.database.url.expose_secret().trim();
        if url.is_empty() {
            format!("sqlite://{}/minyi.db", self.data_dir.display())
        } else {
            url.to_string()
        }
    }

    /// Refuse settings that are unsafe in production, saying what to set.
    pub fn check(&self) -> anyhow::Result<()> {
        let secret = self.auth.jwt_secret.expose_secret();
        if self.environment == Environment::Production {
            let mut problems = Vec::new();
            if secret.is_empty() || secret == DEV_JWT_SECRET || secret.len() < 32 {
                problems.push(
                    "set MINYI__AUTH__JWT_SECRET to a random value of at least 32 characters \
                     (for example `openssl rand -hex 32`); the development secret is refused",
                );
            }
            if self.auth.dev_login {
                problems.push(
                    "set MINYI__AUTH__DEV_LOGIN=false: the development login is for local use only",
                );
            }
            problems.extend(self.sms.production_problem());
            let metrics_token = self.http.metrics_token.expose_secret();
            if !metrics_token.is_empty() && metrics_token.len() < 16 {
                problems.push(
                    "set MINYI__HTTP__METRICS_TOKEN to a random value of at least 16 characters \
                     (or leave it empty and serve /metrics on MINYI__HTTP__METRICS_BIND)",
                );
            }
            if !problems.is_empty() {
                bail!(
                    "refusing to start in production:\n  - {}",
                    problems.join("\n  - ")
                );
            }
        } else if secret.is_empty() {
            bail!("auth.jwt_secret is empty: set MINYI__AUTH__JWT_SECRET");
        }
        crate::auth::client_ip::parse_trusted(&self.http.trusted_proxies)?;
        if !(60..=900).contains(&self.auth.access_ttl_seconds) {
            bail!("auth.access_ttl_seconds must be between 60 and 900 (at most 15 minutes)");
        }
        if let Some(problem) = self.privacy.problem() {
            bail!("{problem}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn with_no_files_local_defaults_to_sqlite_and_the_in_process_queue() {
        let s = Settings::load_from(Environment::Local, Path::new("/nonexistent"), false).unwrap();
        assert_eq!(s.database_url(), "sqlite://data/minyi.db");
        assert_eq!(s.http.bind, "127.0.0.1:8080");
        assert!(s.redis.url().is_none());
        assert!(s.auth.dev_login);
        s.check().unwrap();
    }

    #[test]
    fn production_refuses_the_development_secret_and_says_what_to_set() {
        let mut s =
            Settings::load_from(Environment::Production, Path::new("/nonexistent"), false).unwrap();
        let err = s.check().unwrap_err().to_string();
        assert!(err.contains("MINYI__AUTH__JWT_SECRET"), "{err}");
        s.auth.jwt_secret = SecretString::from(DEV_JWT_SECRET);
        assert!(s.check().is_err());
        s.auth.jwt_secret = SecretString::from("x".repeat(40));
        s.check().unwrap();
        s.auth.dev_login = true;
        assert!(s.check().unwrap_err().to_string().contains("DEV_LOGIN"));
    }

    #[test]
    fn urls_are_redacted_in_debug_output() {
        assert_eq!(
            crate::telemetry::redact_url("postgres://minyi:s3cret@db:5432/minyi"),
            "postgres://minyi:***@db:5432/minyi"
        );
        let s = DatabaseSettings {
            url: SecretString::from("postgres://u:pw@h/d"),
            max_connections: 1,
            acquire_timeout_ms: 1_000,
        };
        assert!(!format!("{s:?}").contains("pw"));
    }

    #[test]
    fn production_refuses_the_dev_provider_unless_allowed() {
        let mut s = SmsSettings::default();
        assert_eq!(s.provider_for(Environment::Local), "dev");
        assert_eq!(s.provider_for(Environment::Production), "none");
        assert!(s.production_problem().is_none());
        s.provider = "dev".into();
        assert!(s.production_problem().is_some());
        s.allow_dev_provider_in_production = true;
        assert!(s.production_problem().is_none());
    }
}
