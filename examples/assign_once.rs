//! Prepares a JSON-lines file, then assigns it once (decide + apply per suggestion), for an
//! instruction count of the assignment alone:
//! `valgrind --tool=callgrind --toggle-collect='*assign_all*' target/release/examples/assign_once FILE`
use minyi::grouping::{group_all, prepare, warm_up, Engine, EngineConfig, Prepared};

/// Incremental assignment alone: `group_all` without consolidation.
#[inline(never)]
fn assign_all(docs: Vec<Prepared>) -> Engine {
    let cfg = EngineConfig {
        consolidate_every: 0,
        ..EngineConfig::default()
    };
    group_all(&cfg, docs).engine
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_default();
    warm_up();
    let docs: Vec<Prepared> = std::fs::read_to_string(path)?
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let text = v.get("text")?.as_str()?.to_string();
            let subject = v
                .get("subject")
                .and_then(|s| s.as_str())
                .map(str::to_string);
            Some(prepare(subject.as_deref(), &text))
        })
        .collect();
    let n = docs.len();
    // `MINYI_ASSIGN_ROUNDS` rounds (1 by default, for callgrind); the fastest is reported.
    let rounds: usize = std::env::var("MINYI_ASSIGN_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let mut secs = f64::MAX;
    let mut engine = None;
    for _ in 0..rounds.max(1) {
        let copy = docs.clone();
        let started = std::time::Instant::now();
        let e = assign_all(copy);
        secs = secs.min(started.elapsed().as_secs_f64());
        engine = Some(e);
    }
    let Some(engine) = engine else { return Ok(()) };
    println!(
        "{} suggestions, {} topics, fastest of {rounds}: {:.0} ms, {:.0} suggestions/s",
        engine.len(),
        engine.topic_count(),
        secs * 1000.0,
        n as f64 / secs
    );
    Ok(())
}
