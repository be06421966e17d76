//! Inbox benchmark: 1,000,000 suggestions in 100,000 topics across 50 communities (generated),
//! then the topic inbox of one community through the real HTTP API, as a worker sees it:
//! p50/p99 per query shape (default heat order, each filter and sort, text search, a later page).
//!
//!   scripts/bench-inbox.sh            # both backends, the sizes of the issue
//!   cargo run --release --example inbox_scale -- --database-url sqlite:///tmp/inbox.db \
//!       [--communities 50] [--topics 2000] [--per-topic 10] [--requests 300]
//!
//! The database must be empty (the script creates a fresh one). Prints one JSON line per query.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use chrono::{Duration, Utc};
use minyi::domain::ids::{BuildingId, CommunityId};
use minyi::startup::{Application, Roles};
use minyi::store::{Audit, Bootstrap};
use secrecy::SecretString;
use std::time::Instant;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

/// Every status but `merged`.
/// Every status but `merged` (merged topics are not in inboxes).
const STATUSES: &[minyi::hall::status::TopicStatus] =
    minyi::hall::status::TopicStatus::ALL.split_at(7).0;
const PHRASES: [&str; 8] = [
    "电梯又坏了，老人上下楼很困难",
    "垃圾桶满了溢出来，臭味很大",
    "广场舞音响声音太大影响休息",
    "停车位不够，车辆乱停堵住消防通道",
    "楼道灯不亮，晚上走路不安全",
    "下水道堵塞，污水反上来",
    "希望增加健身器材和儿童游乐设施",
    "楼上漏水，墙皮脱落",
];

struct Topic {
    community: i64,
    title: String,
    status: &'static str,
    members: i32,
    paper: i32,
    supporters: i32,
    heat: f64,
    created: chrono::DateTime<Utc>,
    changed: chrono::DateTime<Utc>,
    due: Option<chrono::DateTime<Utc>>,
}

/// Insert generated rows with multi-row INSERTs (the same code for both backends).
macro_rules! load {
    ($pool:expr, $db:ty, $communities:expr, $buildings:expr, $topics_per:expr, $per_topic:expr) => {{
        let pool = $pool;
        let now = Utc::now();
        let mut topic_ids: Vec<(i64, i64)> = Vec::new();
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for c in $communities {
            let mut rows = Vec::with_capacity($topics_per);
            for i in 0..$topics_per {
                let age = (next() % 365) as i64;
                let status = STATUSES[(next() % 7) as usize].as_str();
                let members = $per_topic as i32;
                let supporters = (next() % 20) as i32;
                let created = now - Duration::days(age) - Duration::minutes((next() % 1440) as i64);
                let changed = created + Duration::days((next() % (age as u64 + 1)) as i64);
                rows.push(Topic {
                    community: c.0,
                    title: format!("{}（{}号）", PHRASES[i % PHRASES.len()], i),
                    status,
                    members,
                    paper: (next() % 4) as i32,
                    supporters,
                    heat: minyi::hall::heat::score(members, supporters, changed),
                    created,
                    changed,
                    due: matches!(status, "new" | "accepted" | "scheduled" | "decided" | "in_progress")
                        .then(|| changed + Duration::hours(72 + (next() % 600) as i64)),
                });
            }
            for chunk in rows.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "insert into topic (community_id, title, keywords, status, member_count, paper_count, supporter_count, heat, \
                     created_at, updated_at, status_changed_at, last_activity_at, first_suggestion_at, due_at) ",
                );
                qb.push_values(chunk, |mut b, t| {
                    b.push_bind(t.community).push_bind(t.title.clone()).push_bind("[\"电梯\",\"维修\"]").push_bind(t.status)
                        .push_bind(t.members).push_bind(t.paper).push_bind(t.supporters).push_bind(t.heat)
                        .push_bind(t.created).push_bind(t.changed).push_bind(t.changed).push_bind(t.changed)
                        .push_bind(t.created).push_bind(t.due);
                });
                qb.push(" returning topic_id");
                let ids: Vec<(i64,)> = qb.build_query_as().fetch_all(pool).await.unwrap();
                topic_ids.extend(ids.into_iter().map(|(id,)| (c.0, id)));
            }
        }
        let mut batch: Vec<(i64, i64, String, &'static str, i64, chrono::DateTime<Utc>)> = Vec::new();
        let mut inserted = 0usize;
        for (n, (community, topic)) in topic_ids.iter().enumerate() {
            let b: &Vec<BuildingId> = &$buildings[&community];
            for k in 0..$per_topic {
                let channel = if next() % 4 == 0 { "paper" } else { "mini_program" };
                batch.push((
                    *community,
                    *topic,
                    format!("{}，第{}条意见，编号{}-{}", PHRASES[(n + k) % PHRASES.len()], k, n, k),
                    channel,
                    b[(next() % b.len() as u64) as usize].0,
                    now - Duration::days((next() % 365) as i64),
                ));
            }
            if batch.len() >= 2000 || n + 1 == topic_ids.len() {
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "insert into suggestion (community_id, topic_id, body, channel, building_id, state, created_at, updated_at, processed_at) ",
                );
                qb.push_values(&batch, |mut b, s| {
                    b.push_bind(s.0).push_bind(s.1).push_bind(s.2.clone()).push_bind(s.3).push_bind(s.4)
                        .push_bind("grouped").push_bind(s.5).push_bind(s.5).push_bind(s.5);
                });
                qb.build().execute(pool).await.unwrap();
                inserted += batch.len();
                batch.clear();
                if inserted % 100_000 < 2000 {
                    eprintln!("  {inserted} suggestions");
                }
            }
        }
        (topic_ids.len(), inserted)
    }};
}

#[tokio::main]
async fn main() {
    let url = arg("--database-url", "sqlite:///tmp/minyi-inbox.db");
    let n_communities: usize = arg("--communities", "50").parse().unwrap();
    let topics_per: usize = arg("--topics", "2000").parse().unwrap();
    let per_topic: usize = arg("--per-topic", "10").parse().unwrap();
    let requests: usize = arg("--requests", "300").parse().unwrap();

    let store = minyi::store::connect(&url, 10).await.unwrap();
    store.migrate().await.unwrap();
    let hash =
        minyi::auth::password::hash_blocking(&SecretString::from("bench-password-1")).unwrap();
    let ids = store
        .bootstrap(&Bootstrap {
            district: "津南区".into(),
            street: "双新街道".into(),
            community: "社区1".into(),
            username: "admin".into(),
            password_hash: hash,
        })
        .await
        .unwrap();
    let audit = Audit::system("cli");
    let mut communities = vec![ids.community_id];
    for i in 2..=n_communities {
        communities.push(
            store
                .create_community(ids.street_id, &format!("社区{i}"), &audit)
                .await
                .unwrap(),
        );
    }
    let mut buildings: std::collections::HashMap<i64, Vec<BuildingId>> = Default::default();
    for c in &communities {
        let mut b = Vec::new();
        for i in 1..=20 {
            b.push(
                store
                    .create_building(*c, &format!("{i}号楼"), &audit)
                    .await
                    .unwrap(),
            );
        }
        buildings.insert(c.0, b);
    }
    let started = Instant::now();
    let (topics, suggestions) = if url.starts_with("sqlite:") {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        let r = load!(
            &pool,
            sqlx::Sqlite,
            &communities,
            buildings,
            topics_per,
            per_topic
        );
        sqlx::query("analyze").execute(&pool).await.unwrap();
        r
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect(&url)
            .await
            .unwrap();
        let r = load!(
            &pool,
            sqlx::Postgres,
            &communities,
            buildings,
            topics_per,
            per_topic
        );
        sqlx::query("analyze").execute(&pool).await.unwrap();
        r
    };
    eprintln!(
        "generated {topics} topics and {suggestions} suggestions in {} communities in {:.0} s",
        communities.len(),
        started.elapsed().as_secs_f64()
    );
    drop(store);

    let backend = if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let mut settings = minyi::config::Settings::load_from(
        minyi::config::Environment::Local,
        &std::env::temp_dir().join("minyi-no-config"),
        false,
    )
    .unwrap();
    settings.database.url = SecretString::from(url.clone());
    settings.http.bind = "127.0.0.1:0".into();
    settings.data_dir = std::env::temp_dir().join("minyi-inbox-bench");
    let app = Application::build(settings, Roles::NO_WORKERS)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = |u: &'static str, p: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let v: serde_json::Value = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": u, "password": p}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["access_token"].as_str().unwrap().to_string()
        }
    };
    let admin = login("admin", "bench-password-1").await;
    // A worker of the middle community: the inbox as a social worker sees it.
    let c: CommunityId = communities[communities.len() / 2];
    let r = client
        .post(format!("{base}/api/v1/admin/staff"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"role": "worker", "username": "shegong", "password": "bench-password-1", "display_name": "社工", "community_ids": [c.0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = login("shegong", "bench-password-1").await;
    let b = buildings[&c.0][3].0;
    let queries: Vec<(&str, String)> = vec![
        ("default (heat)", String::new()),
        ("status=new", "status=new".into()),
        ("sort=newest", "sort=newest".into()),
        ("sort=waiting", "sort=waiting".into()),
        ("overdue", "overdue=true".into()),
        ("channel=paper", "channel=paper".into()),
        ("building", format!("building_id={b}")),
        ("date range", "from=2026-06-01&to=2026-08-31".into()),
        ("text search", "q=%E7%94%B5%E6%A2%AF".into()),
        ("page 5", "cursor=o120".into()),
    ];
    for (name, q) in queries {
        let url = format!("{base}/api/v1/communities/{}/topics?{q}", c.0);
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests + 20 {
            let t = Instant::now();
            let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status(), 200, "{name}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(body["items"].is_array());
            if i >= 20 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
        println!(
            "{}",
            serde_json::json!({
                "backend": backend,
                "query": name, "requests": requests,
                "p50_ms": (pct(0.5) * 100.0).round() / 100.0,
                "p99_ms": (pct(0.99) * 100.0).round() / 100.0,
                "max_ms": (times[times.len() - 1] * 100.0).round() / 100.0,
            })
        );
    }
}
