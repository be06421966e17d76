//! Reliability of the queue against real Redis and PostgreSQL: nothing accepted is lost, and
//! every suggestion is processed exactly once in effect, whatever fails.
use crate::helpers::{eventually, redis_url, spawn_custom, suggestion, Backend, TestApp};
use async_trait::async_trait;
use minyi::domain::ids::SuggestionId;
use minyi::queue::processor::Processor;
use minyi::queue::worker::{ExecutionOutcome, Worker};
use minyi::queue::QueueMessage;
use minyi::startup::Roles;
use minyi::store::DynStore;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts calls and effective processing; fails for suggestions marked as poison.
struct Counting {
    store: DynStore,
    calls: AtomicUsize,
    effective: AtomicUsize,
    poison: Mutex<HashSet<SuggestionId>>,
}

impl Counting {
    fn new(store: DynStore) -> Arc<Self> {
        Arc::new(Self {
            store,
            calls: AtomicUsize::new(0),
            effective: AtomicUsize::new(0),
            poison: Mutex::new(HashSet::new()),
        })
    }
}

#[async_trait]
impl Processor for Counting {
    async fn process(&self, m: &QueueMessage) -> anyhow::Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.poison.lock().unwrap().contains(&m.suggestion_id) {
            anyhow::bail!("poison message for suggestion {}", m.suggestion_id);
        }
        if self.store.mark_processed(m.suggestion_id).await? {
            self.effective.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

fn worker(app: &TestApp, processor: Arc<dyn Processor>, name: &str) -> Worker {
    let state = app.state.as_ref().unwrap();
    Worker {
        store: state.store.clone(),
        queue: state.queue.clone(),
        processor,
        consumer: name.into(),
        max_deliveries: state.settings.queue.max_deliveries,
        block: Duration::from_millis(100),
        batch: 4,
        metrics: None,
    }
}

/// Redis with a stream of the test's own, and no posting limits (these tests post in bulk).
fn use_redis(s: &mut minyi::config::Settings) {
    crate::helpers::use_redis(s);
    s.intake.posts_per_account_per_hour = 0;
    s.intake.posts_per_ip_per_hour = 0;
}

const NO_WORKERS: Roles = Roles {
    workers: false,
    relay: true,
};

async fn post_many(app: &TestApp, token: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = app
            .post(
                "/api/v1/suggestions",
                Some(token),
                &suggestion(&format!("第{i}号建议：小区需要更多停车位")),
            )
            .await;
        assert_eq!(r.status(), 202);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    ids
}

async fn drain(w: &Worker, rounds: usize) -> Vec<ExecutionOutcome> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        out.push(w.try_execute_task().await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_dies_holding_messages_loses_nothing() {
    let app = spawn_custom(Backend::Postgres, NO_WORKERS, None, use_redis).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 10).await;
    let state = app.state.as_ref().unwrap();
    assert!(
        eventually(20, || async {
            app.store.outbox_pending().await.unwrap() == 0
        })
        .await,
        "relay published everything"
    );
    // A worker takes five messages and dies before acknowledging them.
    for _ in 0..5 {
        let taken = state
            .queue
            .next("doomed", Duration::from_millis(200))
            .await
            .unwrap();
        assert!(taken.is_some());
    }
    assert_eq!(state.queue.stats().await.unwrap().pending, 5);
    let counting = Counting::new(app.store.clone());
    let survivor = worker(&app, counting.clone(), "survivor");
    // The five new ones first; the dead worker's five after they have been idle 200 ms.
    let ok = eventually(20, || async {
        let _ = survivor.try_execute_task().await.unwrap();
        counting.effective.load(Ordering::SeqCst) == 10
    })
    .await;
    assert!(
        ok,
        "all ten processed, {} so far",
        counting.effective.load(Ordering::SeqCst)
    );
    assert_eq!(
        counting.calls.load(Ordering::SeqCst),
        10,
        "each processed exactly once"
    );
    assert_eq!(
        app.store
            .count_in_state(minyi::hall::status::SuggestionState::Grouped)
            .await
            .unwrap(),
        10
    );
    assert_eq!(state.queue.stats().await.unwrap().pending, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_suggestions_accepted_while_redis_is_down_are_all_processed_after() {
    let server = TempRedis::start();
    let url = server.url.clone();
    let counting_slot: Arc<Mutex<Option<Arc<Counting>>>> = Arc::new(Mutex::new(None));
    let app = spawn_custom(Backend::Postgres, NO_WORKERS, None, |s| {
        use_redis(s);
        s.redis.url = Some(secrecy::SecretString::from(url));
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    drop(server); // Redis goes away.
    let ready: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(ready["queue"]["ok"], false);
    assert_eq!(app.get("/readyz?queue=optional", None).await.status(), 200);
    let ids = post_many(&app, &token, 500).await;
    assert_eq!(ids.len(), 500, "all accepted while Redis was down");
    assert_eq!(app.store.outbox_pending().await.unwrap(), 500);
    let _server = TempRedis::start_on(app_port(&app));
    let counting = Counting::new(app.store.clone());
    *counting_slot.lock().unwrap() = Some(counting.clone());
    let w = worker(&app, counting.clone(), "after-outage");
    let ok = eventually(120, || async {
        let _ = w.try_execute_task().await;
        counting.effective.load(Ordering::SeqCst) == 500
    })
    .await;
    assert!(
        ok,
        "processed {} of 500",
        counting.effective.load(Ordering::SeqCst)
    );
    assert_eq!(
        app.store
            .count_in_state(minyi::hall::status::SuggestionState::Grouped)
            .await
            .unwrap(),
        500
    );
}

fn app_port(app: &TestApp) -> u16 {
    let url = app
        .state
        .as_ref()
        .unwrap()
        .settings
        .redis
        .url()
        .unwrap()
        .to_string();
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_commit_and_before_xadd_is_delivered_by_the_relay_on_restart() {
    // First "process": accepts and commits, but dies before its relay publishes anything.
    let crashed = spawn_custom(
        Backend::Postgres,
        Roles {
            workers: false,
            relay: false,
        },
        None,
        use_redis,
    )
    .await;
    let token = crashed
        .resident_token("居民", crashed.ids.community_id.0)
        .await;
    post_many(&crashed, &token, 20).await;
    assert_eq!(crashed.store.outbox_pending().await.unwrap(), 20);
    // The restarted process: same store and stream, relay and workers on.
    let settings = crashed.state.as_ref().unwrap().settings.as_ref().clone();
    let counting = Counting::new(crashed.store.clone());
    let state = minyi::startup::build_state(settings, Some(counting.clone()))
        .await
        .unwrap();
    let tasks = minyi::startup::spawn_background(&state, Roles::ALL);
    let ok = eventually(30, || async {
        counting.effective.load(Ordering::SeqCst) == 20
    })
    .await;
    for t in tasks {
        t.abort();
    }
    assert!(
        ok,
        "processed {} of 20",
        counting.effective.load(Ordering::SeqCst)
    );
    assert_eq!(crashed.store.outbox_pending().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_is_dead_lettered_shown_to_staff_and_can_be_retried() {
    let app = spawn_custom(Backend::Postgres, NO_WORKERS, None, use_redis).await;
    let c = app.ids.community_id.0;
    let token = app.resident_token("居民", c).await;
    let ids = post_many(&app, &token, 2).await;
    let counting = Counting::new(app.store.clone());
    counting.poison.lock().unwrap().insert(SuggestionId(ids[0]));
    let w = worker(&app, counting.clone(), "w1");
    let dead = eventually(30, || async {
        w.try_execute_task().await.unwrap() == ExecutionOutcome::DeadLettered
    })
    .await;
    assert!(dead, "dead-lettered after max deliveries");
    assert_eq!(
        counting.calls.load(Ordering::SeqCst),
        1 + 3,
        "the good one once, the poison one max_deliveries (3) times"
    );
    let state = app.state.as_ref().unwrap();
    assert_eq!(state.queue.stats().await.unwrap().dead_letters, 1);
    let worker_token = app.staff_token("worker", "shegong.dlq", &[c]).await;
    let failed: Value = app
        .get(
            &format!("/api/v1/suggestions/failed?community_id={c}"),
            Some(&worker_token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed["items"][0]["id"], ids[0]);
    assert!(failed["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("poison"));
    // The cause is fixed; the retry action sends it again.
    counting.poison.lock().unwrap().clear();
    assert_eq!(
        app.post(
            &format!("/api/v1/suggestions/{}/retry", ids[0]),
            Some(&worker_token),
            &json!({})
        )
        .await
        .status(),
        204
    );
    let ok = eventually(30, || async {
        let _ = w.try_execute_task().await.unwrap();
        counting.effective.load(Ordering::SeqCst) == 2
    })
    .await;
    assert!(ok);
    let audit = app
        .store
        .audit_entries("suggestion", &ids[0].to_string())
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap().action, "suggestion.retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_everything_redis_held_delays_work_but_never_loses_it() {
    let app = spawn_custom(Backend::Postgres, NO_WORKERS, None, |s| {
        use_redis(s);
        s.queue.sweep_after_seconds = 1;
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 5).await;
    assert!(
        eventually(20, || async {
            app.store.outbox_pending().await.unwrap() == 0
        })
        .await
    );
    // Redis restarts without persistence: the stream and the group are gone.
    let state = app.state.as_ref().unwrap();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg(&state.settings.queue.stream_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    let counting = Counting::new(app.store.clone());
    let w = worker(&app, counting.clone(), "after-flush");
    let ok = eventually(30, || async {
        let _ = w.try_execute_task().await;
        counting.effective.load(Ordering::SeqCst) == 5
    })
    .await;
    assert!(
        ok,
        "the sweeper re-sent what Redis lost ({} of 5)",
        counting.effective.load(Ordering::SeqCst)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trimming_never_drops_unacknowledged_entries() {
    let app = spawn_custom(Backend::Postgres, NO_WORKERS, None, use_redis).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 6).await;
    assert!(
        eventually(20, || async {
            app.store.outbox_pending().await.unwrap() == 0
        })
        .await
    );
    let state = app.state.as_ref().unwrap();
    let counting = Counting::new(app.store.clone());
    let mut w = worker(&app, counting.clone(), "trimmer");
    w.batch = 1;
    drain(&w, 2).await; // two acknowledged
    let held = state
        .queue
        .next("holder", Duration::from_millis(100))
        .await
        .unwrap();
    assert!(held.is_some(), "one delivered and not acknowledged");
    state.queue.trim().await.unwrap();
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let len: i64 = redis::cmd("XLEN")
        .arg(&state.settings.queue.stream_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        len, 4,
        "the two acknowledged entries went; the pending and the undelivered stayed"
    );
    let ok = eventually(20, || async {
        let _ = w.try_execute_task().await;
        counting.effective.load(Ordering::SeqCst) == 6
    })
    .await;
    assert!(ok);
}

/// A Redis server of the test's own, to stop and start (the shared one stays up).
struct TempRedis {
    child: std::process::Child,
    url: String,
}

impl TempRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/test.sh installs it)");
        let url = format!("redis://127.0.0.1:{port}");
        let client = redis::Client::open(url.as_str()).unwrap();
        for _ in 0..100 {
            if client
                .get_connection_with_timeout(Duration::from_millis(100))
                .is_ok()
            {
                return Self { child, url };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut child = child;
        let _ = child.kill();
        let _ = child.wait();
        panic!("temporary redis-server did not start on {port}");
    }
}

impl Drop for TempRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
