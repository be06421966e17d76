//! Steady-rate load for the intake benchmark: POST /api/v1/suggestions at `--rate` per second
//! for `--seconds`, then print the range of accepted ids as JSON (the script measures
//! accepted → processed latency from the store for that range).
//!
//!   cargo run --release --example steady_load -- --url http://127.0.0.1:18080 --token T --rate 500 --seconds 20
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() {
    let url = format!(
        "{}/api/v1/suggestions",
        arg("--url", "http://127.0.0.1:18080")
    );
    let token = arg("--token", "");
    let rate: u64 = arg("--rate", "500").parse().unwrap();
    let seconds: u64 = arg("--seconds", "20").parse().unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let (min_id, max_id) = (
        Arc::new(AtomicI64::new(i64::MAX)),
        Arc::new(AtomicI64::new(0)),
    );
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for n in 0..rate * seconds {
        tick.tick().await;
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let (min_id, max_id, ok, failed) =
            (min_id.clone(), max_id.clone(), ok.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"client_id": format!("steady-{n}-{}", std::process::id()), "text": format!("第{n}条：小区{}号楼的电梯经常停运，希望尽快维修", n % 20)});
            match client.post(&url).bearer_auth(&token).json(&body).send().await {
                Ok(r) if r.status() == 202 => {
                    let v: serde_json::Value = r.json().await.unwrap();
                    let id = v["id"].as_i64().unwrap();
                    min_id.fetch_min(id, Ordering::Relaxed);
                    max_id.fetch_max(id, Ordering::Relaxed);
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                _ => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    println!(
        "{}",
        serde_json::json!({
            "sent": rate * seconds, "accepted": ok.load(Ordering::Relaxed), "failed": failed.load(Ordering::Relaxed),
            "first_id": min_id.load(Ordering::Relaxed), "last_id": max_id.load(Ordering::Relaxed),
        })
    );
}
