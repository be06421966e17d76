#!/usr/bin/env bash
# Intake benchmark (issue 3), rerunnable:  scripts/bench-intake.sh [seconds]
# Against a release build, for PostgreSQL + Redis and for SQLite + the in-process queue:
#   1. end-to-end latency (accepted → processed) at a steady 500 suggestions/s;
#   2. POST /api/v1/suggestions with wrk at 64 connections: accepted/s, p50, p99;
#   3. (PostgreSQL) pgbench with a one-row INSERT at the same concurrency: its TPS, the ratio,
#      and (from a second, logged run) its own p50/p99 for the machine's tail beside ours.
# PostgreSQL + Redis runs in the production shape (DESIGN.md): `minyi serve --no-workers` takes
# the posts and `minyi worker` groups them. The wrk figure is the API's own (the worker is
# started when wrk ends, and the time it takes to process the backlog is reported); a second
# wrk run with the worker grouping at the same time on this machine is reported beside it.
# SQLite + in-process runs as the one-process default (`minyi serve`, workers inside).
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
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$PG_ADMIN" -qc "drop database if exists ${BENCH_DB:-none} with (force)" >/dev/null 2>&1 || true
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$REDIS" --scan --pattern "{minyi}:bench:$$*" | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

percentiles() { # reads seconds, one per line; prints p50 and p99 in ms
  sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "null null"; exit} i50=int(NR*0.5); if(i50<1)i50=1; i99=int(NR*0.99); if(i99<1)i99=1; printf "%.2f %.2f\n", a[i50]*1000, a[i99]*1000}'
}

sql() { # database url, query → one value per line
  local db=$1 q=$2
  if [[ $db == sqlite://* ]]; then
    python3 -c "import sqlite3,sys;[print(*r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "${db#sqlite://}" "$q"
  else
    psql "$db" -qtAc "$q"
  fi
}

wait_processed() { # database url; waits until nothing is queued; prints the seconds it took
  local db=$1 start=$SECONDS
  for _ in $(seq 1 3000); do
    [ "$(sql "$db" "select count(*) from suggestion where state='queued'")" = 0 ] && break; sleep 0.2; done
  echo $((SECONDS - start))
}

e2e() { # database url, first id, last id → p50 p99 in ms of processed_at − created_at
  local db=$1 first=$2 last=$3
  if [[ $db == sqlite://* ]]; then
    python3 -c "
import sqlite3, sys
from datetime import datetime
c = sqlite3.connect(sys.argv[1])
for a, b in c.execute('select created_at, processed_at from suggestion where suggestion_id between ? and ? and processed_at is not null', (sys.argv[2], sys.argv[3])):
    print((datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds())
" "${db#sqlite://}" "$first" "$last" | percentiles
  else
    sql "$db" "select extract(epoch from processed_at - created_at) from suggestion where suggestion_id between $first and $last and processed_at is not null" | percentiles
  fi
}

start() { # log file, minyi arguments…; waits for /healthz when serving
  local log=$1; shift
  $BIN "$@" > "$log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
  if [ "$1" = serve ]; then
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
    echo "minyi serve did not start; see $log" >&2; exit 1
  fi
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

worker_ready() { # log file; waits until the worker in it says it consumes its partitions
  for _ in $(seq 1 400); do grep -q "worker ready" "$1" && return; sleep 0.05; done
  echo "the worker did not start; see $1" >&2; exit 1
}

wrk64() { # → wrk's JSON line
  TOKEN=$TOKEN wrk -t2 -c64 -d"${SECS}s" --latency -s scripts/bench/post-suggestion.lua "http://127.0.0.1:$PORT" | tail -n1
}

steady() { # database url → JSON with the steady run and its accepted → processed latency
  local db=$1 s first last p
  s=$($LOAD --url "http://127.0.0.1:$PORT" --token "$TOKEN" --rate 500 --seconds "$SECS")
  first=$(echo "$s" | python3 -c 'import sys,json;print(json.load(sys.stdin)["first_id"])')
  last=$(echo "$s" | python3 -c 'import sys,json;print(json.load(sys.stdin)["last_id"])')
  wait_processed "$db" >/dev/null
  p=$(e2e "$db" "$first" "$last")
  echo "{\"load\":$s,\"e2e_p50_ms\":${p% *},\"e2e_p99_ms\":${p#* }}"
}

setup_env() { # database url, redis url or ""
  local db=$1 redis=$2
  DIR=$(mktemp -d)
  export MINYI__DATABASE__URL=$db MINYI__HTTP__BIND=127.0.0.1:$PORT MINYI__DATA_DIR=$DIR \
    MINYI__INTAKE__POSTS_PER_ACCOUNT_PER_HOUR=0 MINYI__INTAKE__POSTS_PER_IP_PER_HOUR=0 MINYI__LOG__FILTER=error \
    MINYI__DATABASE__MAX_CONNECTIONS=32
  if [ -n "$redis" ]; then export MINYI__REDIS__URL=$redis MINYI__QUEUE__STREAM_KEY="{minyi}:bench:$$"; else unset MINYI__REDIS__URL MINYI__QUEUE__STREAM_KEY || true; fi
  MINYI_ADMIN_PASSWORD=bench-password-1 $BIN admin bootstrap --district 津南区 --street 双新街道 --community 昆香苑社区 --username admin >/dev/null
}

login() {
  TOKEN=$(curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/dev-login" -H 'content-type: application/json' \
    -d '{"name":"压测居民","community_id":1}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
}

# --- PostgreSQL + Redis: serve --no-workers + minyi worker ---------------------------------
BENCH_DB=minyi_bench_$$
psql "$PG_ADMIN" -qc "create database $BENCH_DB"
PG_URL="${PG_ADMIN%/*}/$BENCH_DB"
setup_env "$PG_URL" "$REDIS"
start "$DIR/serve.log" serve --no-workers; API=$LAST_PID
login
# The worker logs where the time of each post went (relay, wait in the queue, processing) every
# 10 s: the profile of the relay → stream → worker path at the steady rate.
MINYI__LOG__FILTER=error,minyi::queue::worker=info start "$DIR/worker.log" worker; WORKER=$LAST_PID
# The steady rate measures a running worker: the load starts once the worker says it consumes its
# partitions, and the time that took (process start, dictionaries, leases) is reported apart.
READY_FROM=$(date +%s%N)
worker_ready "$DIR/worker.log"
READY_MS=$((($(date +%s%N) - READY_FROM) / 1000000))
STEADY=$(steady "$PG_URL")
sleep 10 # the worker's next stage summary
STAGES=$(grep -ho 'queue stages (ms): [^"]*' "$DIR/worker.log" | sed 's/\\"//g' || true)
stop "$WORKER"
W_API=$(wrk64)
start "$DIR/worker.log" worker; WORKER=$LAST_PID
DRAIN=$(wait_processed "$PG_URL")
W_BOTH=$(wrk64)
wait_processed "$PG_URL" >/dev/null
stop "$WORKER"; stop "$API"

# pgbench reference: a one-row INSERT at the same concurrency, on the same server, with nothing
# else running.
psql "$PG_URL" -qc "create table bench_row (id bigserial primary key, body text not null, created_at timestamptz not null)"
pgbench_tps() {
  pgbench -n -c 64 -j 2 -T "$SECS" -f scripts/bench/insert.sql "$PG_URL" 2>/dev/null | awk '/^tps/ {print $3; exit}'
}
TPS=$(pgbench_tps)
# Further rounds, the API alone and pgbench one after the other, because on a small shared machine
# the tail varies from run to run; the summary gives each round and the medians. (Their posts are
# not processed: the database is dropped at the end.)
ROUNDS="{\"wrk_64\":$W_API,\"pgbench_insert_tps\":$TPS}"
for _ in $(seq 2 "${BENCH_ROUNDS:-3}"); do
  start "$DIR/serve.log" serve --no-workers; API=$LAST_PID
  W=$(wrk64)
  stop "$API"
  ROUNDS="$ROUNDS,{\"wrk_64\":$W,\"pgbench_insert_tps\":$(pgbench_tps)}"
done
# A logged run gives pgbench's own p50/p99 (apart from the TPS runs, so writing the log cannot
# lower the reference), so the reference's tail is seen beside ours.
PGB_LOG=$(mktemp -d); INSERT_SQL=$PWD/scripts/bench/insert.sql
(cd "$PGB_LOG" && pgbench -n -c 64 -j 2 -T "$SECS" -l -f "$INSERT_SQL" "$PG_URL" >/dev/null 2>&1)
# Field 3 of pgbench's log is the transaction's latency in microseconds.
PGB_P=$(cat "$PGB_LOG"/pgbench_log.* | awk '{print $3 / 1e6}' | percentiles)
rm -rf "$PGB_LOG"
echo "{\"backend\":\"postgres+redis\",\"worker_ready_ms\":$READY_MS,\"steady_500\":$STEADY,\"wrk_64\":$W_API,\"backlog_processed_s\":$DRAIN,\"wrk_64_with_worker\":$W_BOTH,\"rounds\":[$ROUNDS]}" | tee -a "$OUT"
echo "{\"pgbench_insert_tps\":$TPS,\"pgbench_p50_ms\":${PGB_P% *},\"pgbench_p99_ms\":${PGB_P#* }}" | tee -a "$OUT"

# --- SQLite + in-process queue: one `minyi serve` ------------------------------------------
SQLITE_DIR=$(mktemp -d)
SQLITE_URL="sqlite://$SQLITE_DIR/minyi.db"
setup_env "$SQLITE_URL" ""
MINYI__LOG__FILTER=error,minyi::queue::worker=info start "$DIR/serve.log" serve; API=$LAST_PID
login
worker_ready "$DIR/serve.log"
STEADY=$(steady "$SQLITE_URL")
W_API=$(wrk64)
DRAIN=$(wait_processed "$SQLITE_URL")
stop "$API"
echo "{\"backend\":\"sqlite+in_process\",\"steady_500\":$STEADY,\"wrk_64\":$W_API,\"backlog_processed_s\":$DRAIN}" | tee -a "$OUT"

echo "relay → stream → worker, PostgreSQL + Redis at 500/s (worker's 10 s summaries):"
echo "${STAGES:-  (none logged)}" | sed 's/^/  /'

python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tps = next(r["pgbench_insert_tps"] for r in rows if "pgbench_insert_tps" in r)
for r in rows:
    if "backend" not in r:
        continue
    w, s = r["wrk_64"], r["steady_500"]
    print(f'{r["backend"]}:')
    print(f'  wrk 64 connections: {w["rps"]:.0f} accepted/s, p50 {w["p50_ms"]:.2f} ms, p99 {w["p99_ms"]:.2f} ms, '
          f'{w["errors_status"]} non-2xx; ratio to pgbench {w["rps"]/tps:.2f}; backlog of {w["requests"]} processed {r["backlog_processed_s"]} s later')
    if "rounds" in r:
        for i, x in enumerate(r["rounds"], 1):
            print(f'  round {i}: {x["wrk_64"]["rps"]:.0f} accepted/s, p50 {x["wrk_64"]["p50_ms"]:.2f} ms, '
                  f'p99 {x["wrk_64"]["p99_ms"]:.2f} ms; pgbench {x["pgbench_insert_tps"]:.0f} tps; '
                  f'ratio {x["wrk_64"]["rps"] / x["pgbench_insert_tps"]:.2f}')
        med = lambda v: sorted(v)[len(v) // 2]
        print(f'  median of {len(r["rounds"])} rounds: ratio {med([x["wrk_64"]["rps"] / x["pgbench_insert_tps"] for x in r["rounds"]]):.2f}, '
              f'p50 {med([x["wrk_64"]["p50_ms"] for x in r["rounds"]]):.2f} ms, p99 {med([x["wrk_64"]["p99_ms"] for x in r["rounds"]]):.2f} ms')
    if "wrk_64_with_worker" in r:
        b = r["wrk_64_with_worker"]
        print(f'  same, with the worker grouping at the same time on this machine: {b["rps"]:.0f} accepted/s, '
              f'p50 {b["p50_ms"]:.2f} ms, p99 {b["p99_ms"]:.2f} ms; ratio {b["rps"]/tps:.2f}')
    print(f'  steady 500/s ({s["load"]["accepted"]} of {s["load"]["sent"]} accepted): accepted → processed '
          f'p50 {s["e2e_p50_ms"]} ms, p99 {s["e2e_p99_ms"]} ms')
    if "worker_ready_ms" in r:
        print(f'  (the worker was consuming {r["worker_ready_ms"]} ms after it was started; the steady load began then)')
pg = next(r for r in rows if "pgbench_insert_tps" in r)
print(f'pgbench one-row INSERT, 64 clients: {tps:.0f} tps, p50 {pg["pgbench_p50_ms"]} ms, p99 {pg["pgbench_p99_ms"]} ms')
PY
