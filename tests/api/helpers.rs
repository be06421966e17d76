//! `spawn_app()`: the server on a random port with a fresh database, SQLite or PostgreSQL.
use minyi::config::{Environment, Settings};
use minyi::startup::{Application, Parts, Roles};
use minyi::store::{Bootstrap, BootstrapIds, DynStore};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generate one test per backend from an `async fn(Backend)` story.
#[macro_export]
macro_rules! both_backends {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$story($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$story($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

/// The PostgreSQL server the tests use; it must be running (`.ci/run` starts it). Never skipped.
pub fn pg_admin_url() -> String {
    std::env::var("MINYI_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test and is dropped with it.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/minyi.db", dir.path().display());
                Self {
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let admin = pg_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL is required for the tests and is not reachable at {admin}: {e}. Run the README's test command (scripts/test.sh), which starts it."));
                let name = format!("minyi_test_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(&format!("create database {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                Self {
                    url: format!("{base}/{name}"),
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = pg_admin_url();
        // Drop on a separate thread with its own runtime: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn test_settings(db_url: &str) -> Settings {
    let mut s = Settings::load_from(Environment::Local, Path::new("/nonexistent"), false).unwrap();
    s.http.bind = "127.0.0.1:0".into();
    s.database.url = SecretString::from(db_url.to_string());
    s.database.max_connections = 5;
    s.data_dir = std::env::temp_dir().join(format!("minyi-test-{}", uuid::Uuid::new_v4().simple()));
    s.log.filter = "warn".into();
    s
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: DynStore,
    pub ids: BootstrapIds,
    /// Kept so the database lives (and is dropped) with the app.
    pub _db: TestDb,
    pub state: Option<actix_web::web::Data<minyi::state::AppState>>,
    /// The SMS provider of this app: it keeps the codes it was asked to send.
    pub sms: std::sync::Arc<RecordingSms>,
    /// The port of the metrics listener, when `http.metrics_bind` asked for one.
    pub metrics_port: Option<u16>,
}

/// An SMS provider that sends nothing and remembers the last code per phone.
#[derive(Default)]
pub struct RecordingSms {
    sent: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl RecordingSms {
    pub fn last_code(&self, phone: &str) -> Option<String> {
        self.sent.lock().unwrap().get(phone).cloned()
    }
}

#[async_trait::async_trait]
impl minyi::auth::sms::SmsProvider for RecordingSms {
    fn name(&self) -> &'static str {
        "recording"
    }
    async fn send(&self, phone: &str, code: &str) -> anyhow::Result<()> {
        self.sent
            .lock()
            .unwrap()
            .insert(phone.to_string(), code.to_string());
        Ok(())
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_custom(backend, Roles::ALL, None, tweak).await
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    /// Any request, with a bearer token, an `If-Match` and a JSON body where given.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(m) = if_match {
            req = req.header("if-match", m);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.unwrap()
    }

    /// `GET` that must answer 200; its JSON body.
    pub async fn get_ok(&self, path: &str, token: Option<&str>) -> Value {
        expect_json(self.get(path, token).await, 200).await
    }

    /// `POST` that must answer `status`; its JSON body (`null` when empty).
    pub async fn post_expect(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        status: u16,
    ) -> Value {
        expect_json(self.post(path, token, body).await, status).await
    }

    /// `PUT` with a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::PUT, path, token, None, Some(body))
            .await
    }

    /// `PUT` that must answer `status`; its JSON body (`null` when empty).
    pub async fn put_expect(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        status: u16,
    ) -> Value {
        expect_json(self.put(path, token, body).await, status).await
    }

    /// Any request (see [`TestApp::send`]) that must answer `status`; its JSON body.
    pub async fn send_expect(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
        status: u16,
    ) -> Value {
        expect_json(self.send(method, path, token, if_match, body).await, status).await
    }

    /// `GET` that must answer a problem with `status` and `code`; the problem.
    pub async fn get_problem(
        &self,
        path: &str,
        token: Option<&str>,
        status: u16,
        code: &str,
    ) -> Value {
        assert_problem(self.get(path, token).await, status, code).await
    }

    /// `POST` that must answer a problem with `status` and `code`; the problem.
    pub async fn post_problem(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        status: u16,
        code: &str,
    ) -> Value {
        assert_problem(self.post(path, token, body).await, status, code).await
    }

    /// `PUT` that must answer a problem with `status` and `code`; the problem.
    pub async fn put_problem(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        status: u16,
        code: &str,
    ) -> Value {
        assert_problem(self.put(path, token, body).await, status, code).await
    }

    /// The `ETag` of a resource as `token` sees it (the `GET` must answer 200).
    pub async fn etag(&self, path: &str, token: &str) -> String {
        let r = self.get(path, Some(token)).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.headers()["etag"].to_str().unwrap().to_string()
    }

    /// A resident's suggestion, accepted (202); its id.
    pub async fn post_suggestion(&self, token: &str, text: &str) -> i64 {
        let body =
            json!({"client_id": uuid::Uuid::new_v4().to_string(), "text": text, "show_name": true});
        self.post_expect("/api/v1/suggestions", Some(token), &body, 202)
            .await["id"]
            .as_i64()
            .unwrap()
    }

    /// Wait until no suggestion is left waiting to be grouped.
    pub async fn wait_grouped(&self) {
        let done = eventually(30, || async {
            self.store
                .count_in_state(minyi::hall::status::SuggestionState::Queued)
                .await
                .unwrap()
                == 0
        })
        .await;
        assert!(done, "every suggestion was grouped");
    }

    /// The topic a suggestion is in, if any (from the store).
    pub async fn topic_of(&self, suggestion: i64) -> Option<i64> {
        self.store
            .suggestion(minyi::domain::ids::SuggestionId(suggestion))
            .await
            .unwrap()
            .and_then(|s| s.topic_id)
            .map(|t| t.0)
    }

    /// A topic's page as `token` sees it, with its `ETag`.
    pub async fn topic(&self, token: &str, id: i64) -> (Value, String) {
        let r = self.get(&format!("/api/v1/topics/{id}"), Some(token)).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        (r.json().await.unwrap(), etag)
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Log in and return `(access_token, refresh_token)`.
    pub async fn tokens(&self, username: &str, password: &str) -> (String, String) {
        let resp = self.login(username, password).await;
        assert_eq!(resp.status(), 200, "login of {username} failed");
        let body: Value = resp.json().await.unwrap();
        (
            body["access_token"].as_str().unwrap().into(),
            body["refresh_token"].as_str().unwrap().into(),
        )
    }

    pub async fn admin_token(&self) -> String {
        self.tokens("admin", ADMIN_PASSWORD).await.0
    }

    /// A resident of `community` through the development login.
    pub async fn resident_token(&self, name: &str, community: i64) -> String {
        let resp = self
            .post(
                "/api/v1/auth/dev-login",
                None,
                &json!({"name": name, "community_id": community}),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().into()
    }

    /// Create a staff account of `role` in `communities` and return its access token.
    pub async fn staff_token(&self, role: &str, username: &str, communities: &[i64]) -> String {
        let admin = self.admin_token().await;
        let resp = self
            .post(
                "/api/v1/admin/staff",
                Some(&admin),
                &json!({"role": role, "username": username, "password": "staff-password-1", "display_name": username, "community_ids": communities}),
            )
            .await;
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        self.tokens(username, "staff-password-1").await.0
    }

    /// The join code of a community's QR poster, as its admin sees it.
    pub async fn join_code(&self, community: i64) -> String {
        let admin = self.admin_token().await;
        let resp = self
            .get(
                &format!("/api/v1/communities/{community}/join-code"),
                Some(&admin),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        body["code"].as_str().unwrap().to_string()
    }

    /// A second community in another street of the same district, for scope tests.
    pub async fn other_community(&self) -> i64 {
        let admin = self.admin_token().await;
        let street: Value = self
            .post(
                "/api/v1/admin/streets",
                Some(&admin),
                &json!({"name": "北闸口镇"}),
            )
            .await
            .json()
            .await
            .unwrap();
        let body: Value = self
            .post(
                "/api/v1/admin/communities",
                Some(&admin),
                &json!({"street_id": street["id"], "name": "前进里社区"}),
            )
            .await
            .json()
            .await
            .unwrap();
        body["id"].as_i64().unwrap()
    }
}

/// The item of a JSON array (or of its `items`) whose `id` is `id`.
pub fn item_with_id(list: &Value, id: i64) -> &Value {
    let array = list.get("items").unwrap_or(list);
    array
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {list}"))
}

/// Assert the status (showing the body when it differs); the JSON body (`null` when empty).
pub async fn expect_json(resp: reqwest::Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

/// Assert a problem+json response with `status` and `code`; returns the body.
pub async fn assert_problem(resp: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "unexpected status");
    let ct = resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "Chinese message missing"
    );
    assert!(
        body["message_en"].as_str().is_some_and(|m| !m.is_empty()),
        "English message missing"
    );
    body
}

/// The Redis server the tests use; it must be running (`scripts/test.sh` starts it). Never skipped.
pub fn redis_url() -> String {
    std::env::var("MINYI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Point the queue at Redis with a stream of this test's own, and short timings.
pub fn use_redis(s: &mut Settings) {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client
        .get_connection_with_timeout(std::time::Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("Redis is required for the tests and is not reachable at {url}: {e}. Run scripts/test.sh, which starts it."));
    let _: String = redis::cmd("PING").query(&mut conn).unwrap();
    s.redis.url = Some(SecretString::from(url));
    s.queue.stream_key = format!("{{minyi}}:test:{}", uuid::Uuid::new_v4().simple());
    s.queue.block_ms = 100;
    s.queue.claim_idle_ms = 200;
    s.queue.max_deliveries = 3;
    s.queue.relay_interval_ms = 20;
}

/// A resident's suggestion body.
pub fn suggestion(text: &str) -> Value {
    json!({ "client_id": uuid::Uuid::new_v4().to_string(), "text": text })
}

/// Spawn with chosen roles and processor.
pub async fn spawn_custom(
    backend: Backend,
    roles: minyi::startup::Roles,
    processor: Option<std::sync::Arc<dyn minyi::queue::processor::Processor>>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut settings = test_settings(&db.url);
    settings.queue.block_ms = 100;
    settings.queue.relay_interval_ms = 20;
    tweak(&mut settings);
    minyi::telemetry::init(
        "pretty",
        &std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into()),
    );
    let sms = std::sync::Arc::new(RecordingSms::default());
    let parts = Parts {
        processor,
        sms: Some(sms.clone()),
    };
    let app = Application::build_from(settings, roles, parts)
        .await
        .unwrap();
    finish(app, db, sms).await
}

async fn finish(app: Application, db: TestDb, sms: std::sync::Arc<RecordingSms>) -> TestApp {
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port();
    let store = app.state.store.clone();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let password_hash = HASH
        .get_or_init(|| {
            minyi::auth::password::hash_blocking(&SecretString::from(ADMIN_PASSWORD)).unwrap()
        })
        .clone();
    let ids = store
        .bootstrap(&Bootstrap {
            district: "津南区".into(),
            street: "双新街道".into(),
            community: "昆香苑社区".into(),
            username: "admin".into(),
            password_hash,
        })
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        store,
        ids,
        _db: db,
        state: Some(state),
        sms,
        metrics_port,
    }
}

/// Poll `check` until it holds, for at most `secs` seconds (a liveness bound, not a timing claim).
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
