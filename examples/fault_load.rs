//! Load for the fault matrix (`scripts/fault-matrix.py`): residents post at `--rate` per second
//! for `--seconds`, spread over the API processes in `--urls` (comma-separated) and the tokens in
//! `--tokens` (a file, one per line). A post that is not answered `202` is sent again, to the
//! other API process, with the same client id (its idempotency key) until it is accepted or
//! `--give-up` seconds have passed, as a phone would. Each post is one JSON line in `--log`:
//! `{"client_id", "id", "status", "sent_at", "latency_s", "attempts"}` (`sent_at` in Unix
//! seconds, `latency_s` from the first send to the final answer). With `--stop-file`, it stops
//! sending early once that file exists (and still waits for the posts in flight).
//!
//!   cargo run --example fault_load -- --urls http://127.0.0.1:1,http://127.0.0.1:2 \
//!     --tokens tokens.txt --rate 100 --seconds 60 --log posts.jsonl --tag run1
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::main]
async fn main() {
    let urls: Vec<String> = arg("--urls", "http://127.0.0.1:18080")
        .split(',')
        .map(|u| format!("{u}/api/v1/suggestions"))
        .collect();
    let tokens: Vec<String> = std::fs::read_to_string(arg("--tokens", "tokens.txt"))
        .expect("--tokens: a file with one token per line")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect();
    assert!(!tokens.is_empty(), "no tokens");
    let rate: u64 = arg("--rate", "100").parse().unwrap();
    let seconds: u64 = arg("--seconds", "60").parse().unwrap();
    let give_up = Duration::from_secs(arg("--give-up", "90").parse().unwrap());
    let tag = arg("--tag", "load");
    let stop_file = arg("--stop-file", "");
    let log = Arc::new(std::sync::Mutex::new(std::io::BufWriter::new(
        std::fs::File::create(arg("--log", "posts.jsonl")).unwrap(),
    )));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for n in 0..rate * seconds {
        tick.tick().await;
        if !stop_file.is_empty()
            && n % rate.max(1) == 0
            && std::path::Path::new(&stop_file).exists()
        {
            break;
        }
        let (client, urls, log) = (client.clone(), urls.clone(), log.clone());
        let token = tokens[n as usize % tokens.len()].clone();
        let client_id = format!("{tag}-{n}");
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "client_id": client_id,
                "text": format!("第{n}条：小区{}号楼的电梯经常停运，希望尽快维修", n % 20),
            });
            let (sent_at, started) = (now_unix(), Instant::now());
            let mut attempts = 0usize;
            let (mut status, mut id) = (0u16, None);
            while started.elapsed() < give_up {
                let url = &urls[(n as usize + attempts) % urls.len()];
                attempts += 1;
                match client
                    .post(url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => {
                        status = r.status().as_u16();
                        if status == 202 {
                            let v: serde_json::Value = r.json().await.unwrap_or_default();
                            id = v["id"].as_i64();
                            break;
                        }
                        if (400..500).contains(&status) && status != 429 && status != 408 {
                            break; // refused for good: counted as such
                        }
                    }
                    Err(_) => status = 0,
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let line = serde_json::json!({
                "client_id": body["client_id"],
                "id": id,
                "status": status,
                "sent_at": sent_at,
                "latency_s": started.elapsed().as_secs_f64(),
                "attempts": attempts,
            });
            let mut log = log.lock().unwrap();
            writeln!(log, "{line}").unwrap();
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    log.lock().unwrap().flush().unwrap();
}
