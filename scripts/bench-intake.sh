#!/usr/bin/env bash
# Intake benchmark (issue 3), rerunnable:  scripts/bench-intake.sh [seconds]
# For PostgreSQL + Redis and for SQLite + the in-process queue, against a release build:
#   1. end-to-end latency (accepted → processed) at a steady 500 suggestions/s;
#   2. POST /api/v1/suggestions with wrk at 64 connections: accepted/s, p50, p99;
#   3. (PostgreSQL) pgbench with a one-row INSERT at the same concurrency, and the ratio.
# Needs wrk (apt-get install wrk), pgbench, and the services scripts/test.sh starts.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
PORT=18080
PG_ADMIN=${MINYI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS=${MINYI_TEST_REDIS_URL:-redis://127.0.0.1:6379}
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked --bin minyi --example steady_load
BIN=target/release/minyi
LOAD=target/release/examples/steady_load
OUT=${BENCH_OUT:-target/bench-intake.jsonl}
: > "$OUT"

percentiles() { # reads seconds, one per line; prints p50 and p99 in ms
  sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "null null"; exit} i50=int(NR*0.5); if(i50<1)i50=1; i99=int(NR*0.99); if(i99<1)i99=1; printf "%.2f %.2f\n", a[i50]*1000, a[i99]*1000}'
}

run_backend() { # name, database url, redis url or ""
  local name=$1 db=$2 redis=$3 dir
  dir=$(mktemp -d)
  export MINYI__DATABASE__URL=$db MINYI__HTTP__BIND=127.0.0.1:$PORT MINYI__DATA_DIR=$dir \
    MINYI__INTAKE__POSTS_PER_ACCOUNT_PER_HOUR=0 MINYI__INTAKE__POSTS_PER_IP_PER_HOUR=0 MINYI__LOG__FILTER=error \
    MINYI__DATABASE__MAX_CONNECTIONS=32
  if [ -n "$redis" ]; then export MINYI__REDIS__URL=$redis MINYI__QUEUE__STREAM_KEY="{minyi}:bench:$$"; else unset MINYI__REDIS__URL MINYI__QUEUE__STREAM_KEY || true; fi
  MINYI_ADMIN_PASSWORD=bench-password-1 $BIN admin bootstrap --district 津南区 --street 双新街道 --community 昆香苑社区 --username admin >/dev/null
  $BIN serve > "$dir/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  local token
  token=$(curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/dev-login" -H 'content-type: application/json' \
    -d '{"name":"压测居民","community_id":1}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

  # 1. steady 500/s, then accepted → processed from the store.
  local steady first last
  steady=$($LOAD --url "http://127.0.0.1:$PORT" --token "$token" --rate 500 --seconds "$SECS")
  first=$(echo "$steady" | python3 -c 'import sys,json;print(json.load(sys.stdin)["first_id"])')
  last=$(echo "$steady" | python3 -c 'import sys,json;print(json.load(sys.stdin)["last_id"])')
  local e2e
  if [ -n "$redis" ]; then
    for _ in $(seq 1 600); do
      [ "$(psql "$db" -qtAc "select count(*) from suggestion where state='queued'")" = 0 ] && break; sleep 0.2; done
    e2e=$(psql "$db" -qtAc "select extract(epoch from processed_at - created_at) from suggestion where suggestion_id between $first and $last and processed_at is not null" | percentiles)
  else
    local file=${db#sqlite://}
    for _ in $(seq 1 600); do
      [ "$(python3 -c "import sqlite3;print(sqlite3.connect('$file').execute(\"select count(*) from suggestion where state='queued'\").fetchone()[0])")" = 0 ] && break; sleep 0.2; done
    e2e=$(python3 -c "
import sqlite3
from datetime import datetime
c = sqlite3.connect('$file')
for a, b in c.execute('select created_at, processed_at from suggestion where suggestion_id between $first and $last and processed_at is not null'):
    print((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds())
" | percentiles)
  fi

  # 2. wrk at 64 connections.
  local w
  w=$(TOKEN=$token wrk -t2 -c64 -d"${SECS}s" --latency -s scripts/bench/post-suggestion.lua "http://127.0.0.1:$PORT" | tail -n1)
  kill $pid; wait $pid 2>/dev/null || true
  echo "{\"backend\":\"$name\",\"steady_500\":$steady,\"e2e_p50_ms\":${e2e% *},\"e2e_p99_ms\":${e2e#* },\"wrk_64\":$w}" | tee -a "$OUT"
}

# PostgreSQL + Redis
BENCH_DB=minyi_bench_$$
psql "$PG_ADMIN" -qc "create database $BENCH_DB"
PG_URL="${PG_ADMIN%/*}/$BENCH_DB"
trap 'psql "$PG_ADMIN" -qc "drop database if exists $BENCH_DB with (force)" >/dev/null 2>&1 || true' EXIT
run_backend postgres+redis "$PG_URL" "$REDIS"

# pgbench reference: a one-row INSERT at the same concurrency.
psql "$PG_URL" -qc "create table bench_row (id bigserial primary key, body text not null, created_at timestamptz not null)"
TPS=$(pgbench -n -c 64 -j 2 -T "$SECS" -f scripts/bench/insert.sql "$PG_URL" 2>/dev/null | awk '/^tps/ {print $3; exit}')
echo "{\"pgbench_insert_tps\":$TPS}" | tee -a "$OUT"

# SQLite + in-process queue
SQLITE_DIR=$(mktemp -d)
run_backend sqlite+in_process "sqlite://$SQLITE_DIR/minyi.db" ""

python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tps = next(r["pgbench_insert_tps"] for r in rows if "pgbench_insert_tps" in r)
for r in rows:
    if "backend" in r:
        w = r["wrk_64"]
        print(f'{r["backend"]:>20}: {w["rps"]:8.0f} accepted/s  p50 {w["p50_ms"]:.2f} ms  p99 {w["p99_ms"]:.2f} ms  '
              f'ratio to pgbench {w["rps"]/tps:.2f}  |  steady 500/s accepted→processed p50 {r["e2e_p50_ms"]} ms p99 {r["e2e_p99_ms"]} ms')
print(f'{"pgbench INSERT":>20}: {tps:8.0f} tps')
PY
