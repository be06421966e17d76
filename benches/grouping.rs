//! Grouping throughput on real messages: `MINYI_BENCH_DATA=path/to/hot_messages.jsonl
//! cargo bench --bench grouping` (falls back to the project's own fixture).
//! `assign` times incremental assignment (decide + apply, one suggestion at a time) of
//! prepared suggestions; `prepare` times normalisation + segmentation + features.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use minyi::grouping::{group_all, prepare, warm_up, Engine, EngineConfig, Prepared};

const FIXTURE: &str = include_str!("../tests/fixtures/grouping/community.jsonl");

fn load() -> Vec<(Option<String>, String)> {
    let content = std::env::var("MINYI_BENCH_DATA")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| FIXTURE.to_string());
    content
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let text = v.get("text")?.as_str()?.to_string();
            Some((
                v.get("subject")
                    .and_then(|s| s.as_str())
                    .map(str::to_string),
                text,
            ))
        })
        .collect()
}

/// Incremental assignment alone (decide + apply per suggestion, no consolidation). Returns
/// the engine so that dropping it is not timed (the service keeps it).
fn assign(docs: Vec<Prepared>) -> Engine {
    let cfg = EngineConfig {
        consolidate_every: 0,
        ..EngineConfig::default()
    };
    group_all(&cfg, docs).engine
}

fn bench(c: &mut Criterion) {
    warm_up();
    let rows = load();
    let docs: Vec<Prepared> = rows.iter().map(|(s, t)| prepare(s.as_deref(), t)).collect();
    let mut g = c.benchmark_group("grouping");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("assign", |b| {
        b.iter_batched(
            || docs.clone(),
            |d| black_box(assign(d)),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("prepare", |b| {
        b.iter(|| {
            rows.iter()
                .map(|(s, t)| prepare(s.as_deref(), t).feature_count())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
