#!/usr/bin/env bash
# Inbox benchmark of the deliberation hall (issue: 1,000,000 suggestions in 100,000 topics
# across 50 communities; one community's inbox p99 ≤ 50 ms on PostgreSQL and on SQLite).
#   scripts/bench-inbox.sh [requests-per-query]
# Generates the data into a fresh SQLite file and a fresh PostgreSQL database, then measures the
# inbox through the HTTP API (release build). Needs PostgreSQL at $MINYI_BENCH_PG (default
# postgres://postgres@127.0.0.1:5432) with the right to create databases.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-300}"
PG="${MINYI_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
cargo build --release --locked --example inbox_scale
bin=target/release/examples/inbox_scale
out=$(mktemp -d)
trap 'rm -rf "$out"; psql "$PG/postgres" -qc "drop database if exists minyi_inbox_bench" >/dev/null 2>&1 || true' EXIT

echo "== SQLite" >&2
"$bin" --database-url "sqlite://$out/inbox.db" --requests "$REQUESTS"
echo "== PostgreSQL" >&2
psql "$PG/postgres" -qc "drop database if exists minyi_inbox_bench" >/dev/null
psql "$PG/postgres" -qc "create database minyi_inbox_bench" >/dev/null
"$bin" --database-url "$PG/minyi_inbox_bench" --requests "$REQUESTS"
