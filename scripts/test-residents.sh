#!/usr/bin/env bash
# Tests of the residents' front ends: one contract over both offline-draft modules, the
# mini-program (node --test with wx mocked — every mocked answer checked against the shapes the
# real server sends — and miniprogram-simulate), a contract test of miniprogram/utils/api.js
# against a real `minyi serve`, and the mobile web version /m/ in headless Chromium.
# RESIDENTS_TESTS="mobile.test.js" runs only those files (of tests/residents/).
# Ends with one line: `residents tests: N passed, M failed` (non-zero exit on failure).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${MINYI_BIN:-target/debug/minyi}
WORK=$(mktemp -d /tmp/minyi-residents.XXXXXX)
SERVER_PID= WECHAT_PID=

finish() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$WECHAT_PID" ] && kill "$WECHAT_PID" 2>/dev/null && wait "$WECHAT_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap finish EXIT
fail() { echo "test-residents: $*" >&2; echo "residents tests: 0 passed, 1 failed"; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >&2 \
    || fail "could not install chromium"
fi
command -v node >/dev/null 2>&1 || fail "node is required"
(cd tests/residents && npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci failed"

if [ ! -x "$BIN" ]; then
  echo "building $BIN…" >&2
  cargo build --locked >&2 || fail "cargo build failed"
fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

node tests/residents/fake-wechat.js > "$WORK/wechat.port" &
WECHAT_PID=$!
for _ in $(seq 50); do [ -s "$WORK/wechat.port" ] && break; sleep 0.1; done
WECHAT_PORT=$(cat "$WORK/wechat.port")

PORT=$(free_port)
export MINYI_ENV=local
export MINYI__DATA_DIR="$WORK/data"
export MINYI__DATABASE__URL="sqlite://$WORK/data/minyi.db"
export MINYI__HTTP__BIND="127.0.0.1:$PORT"
export MINYI__WECHAT__API_BASE="http://127.0.0.1:$WECHAT_PORT"
export MINYI__WECHAT__APPID=wx-residents-test
export MINYI__WECHAT__SECRET=residents-test-secret
# A subscribe-message template, so the real answers the mocks are checked against include one.
export MINYI__HALL__PROGRESS_TEMPLATE_ID=T-progress
export MINYI__LOG__FORMAT=json
export MINYI__LOG__FILTER=info
export MINYI_ADMIN_PASSWORD=residents-admin-password
mkdir -p "$WORK/data"

IDS=$("$BIN" admin bootstrap --district 津南区 --street 双港镇 --community 坤翔园社区 --username admin 2>"$WORK/bootstrap.log") \
  || { cat "$WORK/bootstrap.log" >&2; fail "bootstrap failed"; }
COMMUNITY=$(node -e "console.log(JSON.parse(process.argv[1]).community_id)" "$IDS")

"$BIN" serve > "$WORK/server.out" 2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; fail "the server did not start"; }
  sleep 0.1
done

mkdir -p target/test-output/screenshots
export MINYI_URL="http://127.0.0.1:$PORT" MINYI_COMMUNITY_ID="$COMMUNITY" MINYI_LOG_FILE="$WORK/server.log"
export SCREENSHOT_DIR="$ROOT/target/test-output/screenshots"
cd tests/residents
timeout 300 node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$WORK/tap.txt" \
  ${RESIDENTS_TESTS:-drafts.test.js miniprogram.test.js contract.test.js mobile.test.js mobile-join.test.js privacy.test.js}
STATUS=$?
PASSED=$(grep -E '^# pass ' "$WORK/tap.txt" | awk '{print $3}' | tail -1)
FAILED=$(grep -E '^# fail ' "$WORK/tap.txt" | awk '{print $3}' | tail -1)
PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
if [ "$STATUS" -ne 0 ] && [ "$FAILED" -eq 0 ]; then FAILED=1; fi
if [ "$FAILED" -ne 0 ]; then
  echo "--- last lines of the server log ---" >&2
  tail -15 "$WORK/server.log" >&2
fi
echo "residents tests: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
