#!/usr/bin/env bash
# The one command that sets up what the tests need and runs them all:
#   scripts/test.sh
# (the queue's fault matrix, scripts/fault-matrix.sh, runs after the Rust tests)
# It makes sure PostgreSQL and Redis are installed and running on this machine (installing them
# with apt-get where they are missing, starting them where they are stopped), then runs the whole
# suite against them. The PostgreSQL and Redis suites are never skipped: if a service cannot be
# reached, the run fails. Then the front ends' tests (scripts/test-browser.sh, and
# scripts/test-residents.sh) run against the binary the suite built, installing Chromium and the
# npm packages they need.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=127.0.0.1 PG_PORT=5432
REDIS_HOST=127.0.0.1 REDIS_PORT=6379
export MINYI_TEST_PG_URL="${MINYI_TEST_PG_URL:-postgres://postgres@${PG_HOST}:${PG_PORT}/postgres}"
export MINYI_TEST_REDIS_URL="${MINYI_TEST_REDIS_URL:-redis://${REDIS_HOST}:${REDIS_PORT}}"

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  say "installing $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_ready() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

wait_for() { # name, check-function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  echo "error: $1 did not become ready" >&2; return 1
}

ensure_postgres() {
  command -v pg_isready >/dev/null || apt_install postgresql
  if ! pg_ready; then
    say "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
    if [ -z "$version" ]; then apt_install postgresql; version=$(ls /etc/postgresql | sort -V | tail -n1); fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
    wait_for PostgreSQL pg_ready
  fi
  # Tests connect as `postgres` without a password over TCP (trust on this machine's kind).
  if ! psql "$MINYI_TEST_PG_URL" -qtAc 'select 1' >/dev/null 2>&1; then
    echo "error: PostgreSQL is up but $MINYI_TEST_PG_URL does not accept the connection (tests need trust or a password in MINYI_TEST_PG_URL)" >&2
    exit 1
  fi
  say "PostgreSQL ready at ${PG_HOST}:${PG_PORT}"
}

ensure_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  if ! redis_ready; then
    say "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis redis_ready
  fi
  say "Redis ready at ${REDIS_HOST}:${REDIS_PORT}"
}

ensure_postgres
ensure_redis

say "deploy/ checks"
bash deploy/check.sh

say "module graph (no import cycles, no rule module importing routes/)"
python3 scripts/module-cycles.py

say "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

say "tests (SQLite, PostgreSQL, Redis)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --all-targets --locked 2>&1 | tee "$log" || status=1

# The queue under faults in the production shape (two API processes, two workers, a PostgreSQL
# and a Redis of its own): about three minutes, one closing line `fault-matrix: N passed, M failed`.
say "fault matrix"
bash scripts/fault-matrix.sh 2>&1 | tee -a "$log" || status=1

# The front ends against the real binary that `cargo test` just built: the staff dashboard in
# headless Chromium, then the residents' mini-program (Node) and mobile web version (Chromium).
# Each script installs what it needs (chromium, npm packages) and ends with one summary line.
export MINYI_BIN=target/debug/minyi
for suite in browser residents; do
  script="scripts/test-$suite.sh"
  [ -f "$script" ] || continue
  say "$suite tests"
  bash "$script" 2>&1 | tee -a "$log" || status=1
done

# The API contract: schemathesis against the real server's /api/v1/openapi.json with a worker's,
# a volunteer's and a resident's token (about a minute each): no 5xx, every answer's status,
# content type and body as documented. Ends with `contract: N passed, M failed`.
say "API contract (schemathesis)"
bash scripts/test-contract.sh 2>&1 | tee -a "$log" || status=1

# One closing line for the whole run (cargo prints one per test target, the last often 0; the
# front-end suites print `… tests: N passed, M failed`).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     /^(browser|residents) tests: [0-9]+ passed, [0-9]+ failed$/ { p += $3; f += $5 }
     /^fault-matrix: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
     /^contract: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
     END { printf "tests: %d passed, %d failed\n", p, f; if (p == 0 || f > 0) exit 1 }' "$log" || status=1
exit $status
