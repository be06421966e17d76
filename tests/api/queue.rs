//! Reliability of the queue against real Redis and PostgreSQL: nothing accepted is lost, and
//! every suggestion is processed exactly once in effect, whatever fails. The queue is
//! partitioned by community; each partition has one consumer at a time (a lease).
use crate::both_backends;
use crate::helpers::{
    assert_problem, eventually, redis_url, spawn_custom, suggestion, Backend, TestApp,
};
use async_trait::async_trait;
use minyi::domain::ids::{CommunityId, SuggestionId};
use minyi::queue::processor::Processor;
use minyi::queue::relay::Relay;
use minyi::queue::worker::{ExecutionOutcome, Worker};
use minyi::queue::{partition_of, QueueMessage, ReadFrom};
use minyi::startup::Roles;
use minyi::store::{Audit, DynStore};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Counts calls and effective processing; fails for suggestions marked as poison.
struct Counting {
    store: DynStore,
    calls: AtomicUsize,
    effective: AtomicUsize,
    poison: Mutex<HashSet<SuggestionId>>,
    /// Which worker processed each suggestion's messages (to see who held a community).
    seen: Mutex<HashMap<SuggestionId, usize>>,
}

impl Counting {
    fn new(store: DynStore) -> Arc<Self> {
        Arc::new(Self {
            store,
            calls: AtomicUsize::new(0),
            effective: AtomicUsize::new(0),
            poison: Mutex::new(HashSet::new()),
            seen: Mutex::new(HashMap::new()),
        })
    }
}

#[async_trait]
impl Processor for Counting {
    async fn process(&self, m: &QueueMessage) -> anyhow::Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self
            .seen
            .lock()
            .unwrap()
            .entry(m.suggestion_id)
            .or_insert(0) += 1;
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
    let mut w = Worker::new(
        state.store.clone(),
        state.queue.clone(),
        processor,
        name.into(),
        &state.settings.queue,
        None,
    );
    w.block = Duration::from_millis(100);
    w.batch = 4;
    w
}

/// Redis with keys of the test's own, short leases, and no posting limits (these tests post in
/// bulk).
fn use_redis(s: &mut minyi::config::Settings) {
    crate::helpers::use_redis(s);
    s.queue.lease_ms = 600;
    s.intake.posts_per_account_per_hour = 0;
    s.intake.posts_per_ip_per_hour = 0;
}

/// The key prefix of the test's queue (its `stream_key` without braces).
fn prefix(app: &TestApp) -> String {
    app.state
        .as_ref()
        .unwrap()
        .settings
        .queue
        .stream_key
        .replace(['{', '}'], "")
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

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

async fn published(app: &TestApp) -> bool {
    eventually(20, || async {
        app.store.outbox_pending().await.unwrap() == 0
    })
    .await
}

/// `n` more communities in the app's street, with a resident's token in each.
async fn communities(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let audit = Audit {
            actor: None,
            actor_kind: "system",
            reason: None,
            request_id: None,
            at: chrono::Utc::now(),
        };
        let c = app
            .store
            .create_community(app.ids.street_id, &format!("测试{i}社区"), &audit)
            .await
            .unwrap();
        let token = app.resident_token(&format!("居民{i}"), c.0).await;
        out.push((c.0, token));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_dies_holding_messages_loses_nothing() {
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, use_redis).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 10).await;
    assert!(published(&app).await, "relay published everything");
    let state = app.state.as_ref().unwrap();
    // A worker takes the community's partition, reads five messages and dies before
    // acknowledging them (it never renews its lease).
    let doomed_counting = Counting::new(app.store.clone());
    let doomed = worker(&app, doomed_counting.clone(), "doomed");
    doomed.rebalance().await.unwrap();
    let p = partition_of(app.ids.community_id, state.queue.partitions());
    assert!(doomed.partitions_held().contains(&p));
    let taken = state
        .queue
        .next_batch(p, ReadFrom::New, Duration::from_millis(200), 5)
        .await
        .unwrap();
    assert_eq!(taken.len(), 5);
    assert_eq!(state.queue.stats().await.unwrap().pending, 5);
    drop(doomed);
    let counting = Counting::new(app.store.clone());
    let survivor = worker(&app, counting.clone(), "survivor");
    // The survivor takes the partition once the dead one's lease has run out, and finds the
    // five it left unacknowledged.
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

/// Each community's three suggestions were processed by the worker holding its partition
/// (the first worker when `a`, its partitions, holds it; else the second).
async fn each_community_went_to_its_partitions_holder(
    app: &TestApp,
    cs: &[(i64, String)],
    n: usize,
    a: &HashSet<u32>,
    [first_seen, second_seen]: [&Counting; 2],
) {
    for (c, _) in cs {
        let p = partition_of(CommunityId(*c), n as u32);
        let ids: Vec<SuggestionId> = app
            .store
            .suggestions_in_state(
                &[CommunityId(*c)],
                minyi::hall::status::SuggestionState::Grouped,
                10,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.suggestion_id)
            .collect();
        let by_first = ids
            .iter()
            .filter(|i| first_seen.seen.lock().unwrap().contains_key(i))
            .count();
        let by_second = ids
            .iter()
            .filter(|i| second_seen.seen.lock().unwrap().contains_key(i))
            .count();
        assert_eq!(ids.len(), 3);
        if a.contains(&p) {
            assert_eq!(
                (by_first, by_second),
                (3, 0),
                "community {c} in partition {p}"
            );
        } else {
            assert_eq!(
                (by_first, by_second),
                (0, 3),
                "community {c} in partition {p}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_are_shared_out_between_workers_and_taken_over_when_one_dies() {
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, use_redis).await;
    let state = app.state.as_ref().unwrap();
    let n = state.queue.partitions() as usize;
    let first_seen = Counting::new(app.store.clone());
    let second_seen = Counting::new(app.store.clone());
    let first = worker(&app, first_seen.clone(), "first");
    first.rebalance().await.unwrap();
    assert_eq!(first.partitions_held().len(), n, "alone, it holds them all");
    // A second worker joins: the first gives half back, the second takes them.
    let second = worker(&app, second_seen.clone(), "second");
    let shared = eventually(10, || async {
        for extra in first.rebalance().await.unwrap() {
            first.release(extra).await.unwrap();
        }
        second.rebalance().await.unwrap();
        first.partitions_held().len() == n / 2 && second.partitions_held().len() == n / 2
    })
    .await;
    assert!(
        shared,
        "shared out: {:?} and {:?}",
        first.partitions_held(),
        second.partitions_held()
    );
    let a: HashSet<u32> = first.partitions_held().into_iter().collect();
    let b: HashSet<u32> = second.partitions_held().into_iter().collect();
    assert!(a.is_disjoint(&b), "no partition has two consumers");
    // Posts in many communities: each community is only ever processed by the holder of its
    // partition.
    let cs = communities(&app, 12).await;
    for (_, token) in &cs {
        post_many(&app, token, 3).await;
    }
    assert!(published(&app).await);
    let ok = eventually(20, || async {
        first.try_execute_task().await.unwrap();
        second.try_execute_task().await.unwrap();
        first_seen.effective.load(Ordering::SeqCst) + second_seen.effective.load(Ordering::SeqCst)
            == 36
    })
    .await;
    assert!(ok, "all 36 processed");
    each_community_went_to_its_partitions_holder(&app, &cs, n, &a, [&first_seen, &second_seen])
        .await;
    assert_eq!(
        first_seen.calls.load(Ordering::SeqCst) + second_seen.calls.load(Ordering::SeqCst),
        36
    );
    // The second worker dies: after its lease, the first holds everything again.
    drop(second);
    let taken_over = eventually(10, || async {
        first.rebalance().await.unwrap();
        first.partitions_held().len() == n
    })
    .await;
    assert!(taken_over, "took over: {:?}", first.partitions_held());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_handed_over_mid_batch_is_not_a_failed_delivery() {
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.queue.max_deliveries = 1;
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 3).await;
    assert!(published(&app).await);
    let state = app.state.as_ref().unwrap();
    let p = partition_of(app.ids.community_id, state.queue.partitions());
    // Three holders in turn each read the entries and lose the lease before acknowledging.
    for name in ["a", "b", "c"] {
        let w = worker(&app, Counting::new(app.store.clone()), name);
        assert!(
            eventually(10, || async {
                w.rebalance().await.unwrap();
                w.partitions_held().contains(&p)
            })
            .await
        );
        let from = if name == "a" {
            ReadFrom::New
        } else {
            ReadFrom::Unacknowledged
        };
        let got = state
            .queue
            .next_batch(p, from, Duration::ZERO, 10)
            .await
            .unwrap();
        assert_eq!(got.len(), 3);
    }
    // The fourth holder processes them: handed over three times, failed never, so none is
    // dead-lettered although max_deliveries is 1.
    let counting = Counting::new(app.store.clone());
    let w = worker(&app, counting.clone(), "d");
    let ok = eventually(10, || async {
        w.try_execute_task().await.unwrap();
        counting.effective.load(Ordering::SeqCst) == 3
    })
    .await;
    assert!(ok);
    assert_eq!(state.queue.stats().await.unwrap().dead_letters, 0);
    assert_eq!(
        app.store
            .count_in_state(minyi::hall::status::SuggestionState::Failed)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_suggestions_accepted_while_redis_is_down_are_all_processed_after() {
    let server = TempRedis::start();
    let url = server.url.clone();
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.redis.url = Some(secrecy::SecretString::from(url));
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    drop(server); // Redis goes away.
    let ready: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(ready["queue"]["ok"], false);
    assert_eq!(ready["status"], "unavailable");
    assert_eq!(app.get("/readyz?queue=optional", None).await.status(), 200);
    let ids = post_many(&app, &token, 500).await;
    assert_eq!(ids.len(), 500, "all accepted while Redis was down");
    assert_eq!(app.store.outbox_pending().await.unwrap(), 500);
    // Redis comes back empty.
    let _server = TempRedis::start_on(app_port(&app));
    let counting = Counting::new(app.store.clone());
    let w = worker(&app, counting.clone(), "after-outage");
    let ok = eventually(60, || async {
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
async fn posts_a_process_could_not_publish_are_delivered_by_the_next_one() {
    // The first process accepts and commits, but its queue is unreachable (it dies before
    // anything is published).
    let dead = TempRedis::start();
    let dead_url = dead.url.clone();
    drop(dead);
    let crashed = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.redis.url = Some(secrecy::SecretString::from(dead_url));
    })
    .await;
    let token = crashed
        .resident_token("居民", crashed.ids.community_id.0)
        .await;
    post_many(&crashed, &token, 20).await;
    assert_eq!(crashed.store.outbox_pending().await.unwrap(), 20);
    // The next process: same store, a reachable queue, relay and workers on.
    let mut settings = crashed.state.as_ref().unwrap().settings.as_ref().clone();
    settings.redis.url = Some(secrecy::SecretString::from(redis_url()));
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
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, use_redis).await;
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

/// Redis loses what it held: a stream deleted, or everything (a restart without persistence,
/// `FLUSHALL`, a failover). The sweeper notices at once (not after an age threshold: it is
/// set to an hour here) and re-sends what is still queued.
async fn redis_losing(everything: bool) {
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.queue.sweep_min_seconds = 3600;
        s.queue.sweep_after_seconds = 3600;
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 5).await;
    assert!(published(&app).await);
    let state = app.state.as_ref().unwrap();
    let p = partition_of(app.ids.community_id, state.queue.partitions());
    // The sweeper has armed its markers.
    let prefix = prefix(&app);
    let mut conn = redis_conn().await;
    assert!(
        eventually(10, || {
            let mut conn = conn.clone();
            let key = format!("{{{prefix}:{p}}}:marker");
            async move {
                redis::cmd("EXISTS")
                    .arg(key)
                    .query_async::<i64>(&mut conn)
                    .await
                    .unwrap()
                    == 1
            }
        })
        .await
    );
    if everything {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("*{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(!keys.is_empty());
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    } else {
        let _: i64 = redis::cmd("DEL")
            .arg(format!("{{{prefix}:{p}}}"))
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    let counting = Counting::new(app.store.clone());
    let w = worker(&app, counting.clone(), "after-loss");
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
async fn a_stream_redis_lost_is_sent_again_at_once() {
    redis_losing(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_redis_lost_is_sent_again_at_once() {
    redis_losing(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trimming_never_drops_unacknowledged_entries() {
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, use_redis).await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 6).await;
    assert!(published(&app).await);
    let state = app.state.as_ref().unwrap();
    let p = partition_of(app.ids.community_id, state.queue.partitions());
    let counting = Counting::new(app.store.clone());
    let mut w = worker(&app, counting.clone(), "trimmer");
    w.batch = 2;
    w.rebalance().await.unwrap();
    w.step(p, Duration::ZERO).await.unwrap(); // two acknowledged
    let held = state
        .queue
        .next_batch(p, ReadFrom::New, Duration::ZERO, 1)
        .await
        .unwrap();
    assert_eq!(held.len(), 1, "one delivered and not acknowledged");
    state.queue.trim().await.unwrap();
    let mut conn = redis_conn().await;
    let len: i64 = redis::cmd("XLEN")
        .arg(format!("{{{}:{p}}}", prefix(&app)))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        len, 4,
        "the two acknowledged entries went; the pending and the undelivered stayed"
    );
    // The unacknowledged one is handed out again (as after a takeover).
    let w = worker(&app, counting.clone(), "next");
    drop(w);
    let w = worker(&app, counting.clone(), "trimmer-2");
    let ok = eventually(20, || async {
        let _ = w.try_execute_task().await;
        counting.effective.load(Ordering::SeqCst) == 6
    })
    .await;
    assert!(ok, "{} of 6", counting.effective.load(Ordering::SeqCst));
}

/// Two relays over one outbox: every suggestion reaches the queue exactly once.
async fn two_relays_never_publish_a_row_twice(backend: Backend) {
    let app = spawn_custom(backend, Roles::NO_WORKERS, None, use_redis).await;
    let state = app.state.as_ref().unwrap();
    // A second relay (as in a second API process), polling as fast as it can.
    let mut other = Relay::new(state.store.clone(), state.queue.clone());
    other.batch = 7;
    let other = tokio::spawn(other.run(Duration::from_millis(1)));
    let cs = communities(&app, 4).await;
    let mut posts = Vec::new();
    for (_, token) in cs {
        let app = &app;
        posts.push(async move { post_many(app, &token, 50).await });
    }
    let ids: Vec<i64> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(ids.len(), 200);
    assert!(published(&app).await);
    other.abort();
    let mut conn = redis_conn().await;
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for p in 0..state.queue.partitions() {
        let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(format!("{{{}:{p}}}", prefix(&app)))
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .unwrap();
        for e in entries.ids {
            let m: QueueMessage = serde_json::from_str(&e.get::<String>("m").unwrap()).unwrap();
            assert_eq!(
                partition_of(m.community_id, state.queue.partitions()),
                p,
                "in its community's partition"
            );
            *seen.entry(m.suggestion_id.0).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 200, "every suggestion published");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "published more than once: {twice:?}");
}

both_backends!(two_relays_never_publish_a_row_twice);

/// The backlog is visible: a metric, `/readyz` (degraded, still 200) and the admins' API.
async fn the_age_of_the_oldest_unprocessed_suggestion_is_shown(backend: Backend) {
    let app = spawn_custom(backend, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.queue.ready_max_lag_seconds = 1;
    })
    .await;
    let admin = app.admin_token().await;
    let status: Value = app
        .get("/api/v1/admin/queue", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["oldest_unprocessed_seconds"], 0);
    assert_eq!(status["status"], "ok");
    let ready: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert_eq!(ready["status"], "ok");
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    post_many(&app, &token, 2).await;
    // Nobody processes them (no workers): after a moment the backlog shows.
    let degraded = eventually(10, || async {
        let r = app.get("/readyz", None).await;
        let ok = r.status() == 200;
        let body: Value = r.json().await.unwrap();
        ok && body["status"] == "degraded"
            && body["queue"]["oldest_unprocessed_seconds"]
                .as_i64()
                .unwrap()
                >= 2
    })
    .await;
    assert!(degraded, "readyz reports the backlog");
    let status: Value = app
        .get("/api/v1/admin/queue", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(status["oldest_unprocessed_seconds"].as_i64().unwrap() >= 2);
    assert_eq!(status["status"], "degraded");
    assert_eq!(status["transport"], "redis");
    assert_eq!(status["partitions"], 8);
    let metric = eventually(10, || async {
        let text = app.get("/metrics", None).await.text().await.unwrap();
        text.lines().any(|l| {
            l.strip_prefix("minyi_queue_oldest_unprocessed_seconds ")
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|v| v >= 2.0)
        })
    })
    .await;
    assert!(metric, "the metric shows the backlog");
    // Only administrators see it.
    let c = app.ids.community_id.0;
    let worker_token = app.staff_token("worker", "shegong.q", &[c]).await;
    assert_problem(
        app.get("/api/v1/admin/queue", Some(&worker_token)).await,
        403,
        "forbidden",
    )
    .await;
}

both_backends!(the_age_of_the_oldest_unprocessed_suggestion_is_shown);

/// A TCP forwarder to PostgreSQL that the test can cut, as if the database went down.
struct CuttableProxy {
    port: u16,
    cut: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cut.clone();
        let task = tokio::spawn(async move {
            let mut open = Vec::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let flag = flag.clone();
                open.push(tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    let watch = async {
                        while !flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! { _ = copy => {}, _ = watch => {} }
                }));
            }
        });
        Self { port, cut, task }
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_answered_503_with_retry_after_not_500() {
    let admin = reqwest::Url::parse(&crate::helpers::pg_admin_url()).unwrap();
    let target = format!(
        "{}:{}",
        admin.host_str().unwrap(),
        admin.port().unwrap_or(5432)
    );
    let proxy = CuttableProxy::start(target).await;
    let port = proxy.port;
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        let mut url =
            reqwest::Url::parse(secrecy::ExposeSecret::expose_secret(&s.database.url)).unwrap();
        url.set_port(Some(port)).unwrap();
        s.database.url = secrecy::SecretString::from(url.to_string());
        s.database.acquire_timeout_ms = 500;
    })
    .await;
    let token = app.resident_token("居民", app.ids.community_id.0).await;
    assert_eq!(
        app.post(
            "/api/v1/suggestions",
            Some(&token),
            &suggestion("小区东门的路灯坏了三天了")
        )
        .await
        .status(),
        202
    );
    proxy.cut.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await; // open connections are dropped
                                                          // A post while the database is down: 503 with Retry-After, never a 500.
    let refused = suggestion("小区西门的路灯也坏了好几天");
    let r = app
        .post("/api/v1/suggestions", Some(&token), &refused)
        .await;
    assert!(
        r.headers().get("retry-after").is_some(),
        "Retry-After is set"
    );
    let body = assert_problem(r, 503, "store_unavailable").await;
    assert!(body["message"].as_str().unwrap().contains("暂时不可用"));
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["store"]["ok"], false);
    // Back up: the client's retry (same key) is accepted, and stored once.
    proxy.cut.store(false, Ordering::SeqCst);
    let back = eventually(20, || async {
        app.post("/api/v1/suggestions", Some(&token), &refused)
            .await
            .status()
            == 202
    })
    .await;
    assert!(back, "accepted again once the database is back");
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    let rows = app
        .store
        .suggestions_in_state(
            &[app.ids.community_id],
            minyi::hall::status::SuggestionState::Queued,
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .filter(|s| s.body == "小区西门的路灯也坏了好几天")
            .count(),
        1,
        "the retried post is stored once"
    );
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

/// A Redis Cluster of three masters on loopback ports, started for one test.
struct TempCluster {
    children: Vec<std::process::Child>,
    ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl TempCluster {
    fn free_port() -> u16 {
        // The cluster bus listens on port + 10000: both must be free.
        loop {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
                return port;
            }
        }
    }

    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut ports = Vec::new();
        while ports.len() < 3 {
            let p = Self::free_port();
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        let mut children = Vec::new();
        for port in &ports {
            let node_dir = dir.path().join(port.to_string());
            std::fs::create_dir_all(&node_dir).unwrap();
            children.push(
                std::process::Command::new("redis-server")
                    .args([
                        "--port",
                        &port.to_string(),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ])
                    .current_dir(&node_dir)
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("redis-server must be installed (scripts/test.sh installs it)"),
            );
        }
        let cluster = Self {
            children,
            ports,
            _dir: dir,
        };
        for port in &cluster.ports {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
            let up = (0..100).any(|_| {
                let ok = client
                    .get_connection_with_timeout(Duration::from_millis(100))
                    .is_ok();
                if !ok {
                    std::thread::sleep(Duration::from_millis(50));
                }
                ok
            });
            assert!(up, "cluster node on {port} did not start");
        }
        let nodes: Vec<String> = cluster
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let out = std::process::Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli must be installed (it comes with redis-server)");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        // Every node agrees the cluster is up.
        for port in &cluster.ports {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
            let mut conn = client.get_connection().unwrap();
            let ok = (0..200).any(|_| {
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut conn).unwrap();
                let ok = info.contains("cluster_state:ok");
                if !ok {
                    std::thread::sleep(Duration::from_millis(50));
                }
                ok
            });
            assert!(ok, "cluster node {port} never reported cluster_state:ok");
        }
        cluster
    }

    /// Keys on one node matching `pattern`.
    fn keys_on(&self, port: u16, pattern: &str) -> Vec<String> {
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
        let mut conn = client.get_connection().unwrap();
        redis::cmd("KEYS").arg(pattern).query(&mut conn).unwrap()
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_spread_over_the_nodes_of_a_redis_cluster() {
    let cluster = TempCluster::start();
    let seed = format!("redis://127.0.0.1:{}", cluster.ports[0]);
    let app = spawn_custom(Backend::Postgres, Roles::NO_WORKERS, None, |s| {
        use_redis(s);
        s.redis.url = Some(secrecy::SecretString::from(seed));
        s.queue.redis_cluster = true;
        // The shipped key prefix: its eight partitions must not share one node.
        s.queue.stream_key = "{minyi}:suggestions".into();
    })
    .await;
    let state = app.state.as_ref().unwrap();
    assert_eq!(state.queue.partitions(), 8);
    // Posts in enough communities that every partition gets some.
    let cs = communities(&app, 24).await;
    let mut used = HashSet::new();
    for (c, token) in &cs {
        post_many(&app, token, 2).await;
        used.insert(partition_of(CommunityId(*c), 8));
    }
    assert_eq!(used.len(), 8, "the communities cover every partition");
    assert!(
        published(&app).await,
        "the relay published through the cluster"
    );
    // Each master holds some of the partition streams, and together all of them.
    let mut total = 0;
    for port in &cluster.ports {
        let streams: Vec<String> = cluster
            .keys_on(*port, "{minyi:suggestions:*}")
            .into_iter()
            .filter(|k| k.ends_with('}'))
            .collect();
        assert!(
            !streams.is_empty(),
            "node {port} holds no partition: the keys share one slot"
        );
        total += streams.len();
    }
    assert_eq!(total, 8, "each partition stream on exactly one node");
    // Workers consume through the cluster: leases, reads and acks by slot.
    let counting = Counting::new(app.store.clone());
    let w = worker(&app, counting.clone(), "cluster-worker");
    let ok = eventually(60, || async {
        let _ = w.try_execute_task().await.unwrap();
        counting.effective.load(Ordering::SeqCst) == 48
    })
    .await;
    assert!(
        ok,
        "{} of 48 processed",
        counting.effective.load(Ordering::SeqCst)
    );
    assert_eq!(counting.calls.load(Ordering::SeqCst), 48, "each once");
    assert_eq!(state.queue.stats().await.unwrap().pending, 0);
}
