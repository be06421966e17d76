#!/usr/bin/env bash
# Browser tests of the staff dashboard:
#   scripts/test-browser.sh            (BROWSER_TESTS="privacy.test.js" runs only that file)
# Installs Debian's chromium if missing, `npm ci` in tests/browser, starts `minyi serve` on a free
# port with a fresh SQLite store, bootstraps an admin and a community, creates a worker and a
# volunteer, runs the tests (node --test, playwright-core driving /usr/bin/chromium), writes
# screenshots to target/test-output/screenshots/, stops the server and ends with one line:
#   browser tests: N passed, M failed
# BROWSER_TESTS="a11y.test.js topics.test.js" runs only those files (of tests/browser/).
# The server binary is $MINYI_BIN (default target/debug/minyi, built with `cargo build --locked`
# when absent).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf '== %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
finish() { # passed, failed
  echo "browser tests: $1 passed, $2 failed"
  [ "$2" = 0 ] && [ "$1" != 0 ]
  exit $?
}

if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null || {
    echo "error: could not install chromium" >&2
    finish 0 1
  }
fi

# A Chinese font, so that the screenshots are readable (the tests do not depend on it).
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  say "installing a Chinese font for the screenshots"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 ||
    echo "warning: no Chinese font; screenshots will show boxes" >&2
fi

say "npm ci (tests/browser)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >&2) || {
  echo "error: npm ci failed" >&2
  finish 0 1
}

MINYI_BIN=${MINYI_BIN:-target/debug/minyi}
if [ ! -x "$MINYI_BIN" ]; then
  say "building $MINYI_BIN"
  cargo build --locked >&2 || finish 0 1
fi
MINYI_BIN=$(cd "$(dirname "$MINYI_BIN")" && pwd)/$(basename "$MINYI_BIN")

OUT="$ROOT/target/test-output"
SHOTS="$OUT/screenshots"
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
DATA=$(mktemp -d /tmp/minyi-browser.XXXXXX)
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export MINYI__HTTP__BIND="127.0.0.1:$PORT"
export MINYI__DATA_DIR="$DATA"
export MINYI__DATABASE__URL="sqlite://$DATA/minyi.db"
export MINYI__LOG__FILTER="${MINYI__LOG__FILTER:-warn}"
unset MINYI__REDIS__URL
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT

ADMIN_PASS="admin-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
say "bootstrapping an admin and a community"
BOOT=$(MINYI_ADMIN_PASSWORD="$ADMIN_PASS" "$MINYI_BIN" admin bootstrap \
  --district 津南区 --street 双港镇 --community 坤翔园社区 --username admin 2>"$OUT/bootstrap.log") || {
  cat "$OUT/bootstrap.log" >&2
  finish 0 1
}
json_field() { node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>console.log(JSON.parse(d)[process.argv[1]]))' "$1"; }
COMMUNITY_ID=$(printf '%s' "$BOOT" | json_field community_id)

say "starting minyi serve on port $PORT"
"$MINYI_BIN" serve >"$OUT/browser-server.log" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server exited; see $OUT/browser-server.log" >&2
    tail -20 "$OUT/browser-server.log" >&2
    SERVER_PID=""
    finish 0 1
  fi
  sleep 0.2
done

api() { # method path token [json]
  curl -fsS -X "$1" "$URL/api/v1$2" -H "authorization: Bearer $3" -H 'content-type: application/json' ${4:+-d "$4"}
}
ADMIN_TOKEN=$(curl -fsS "$URL/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASS\"}" | json_field access_token) || finish 0 1
WORKER_PASS="worker-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
VOLUNTEER_PASS="volunteer-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
say "creating a worker, a volunteer and buildings"
{
  api POST /admin/staff "$ADMIN_TOKEN" "{\"username\":\"worker1\",\"password\":\"$WORKER_PASS\",\"display_name\":\"李社工\",\"role\":\"worker\",\"community_ids\":[$COMMUNITY_ID]}" &&
  api POST /admin/staff "$ADMIN_TOKEN" "{\"username\":\"volunteer1\",\"password\":\"$VOLUNTEER_PASS\",\"display_name\":\"王志愿者\",\"role\":\"volunteer\",\"community_ids\":[$COMMUNITY_ID]}" &&
  api POST "/communities/$COMMUNITY_ID/buildings" "$ADMIN_TOKEN" '{"name":"1号楼"}' &&
  api POST "/communities/$COMMUNITY_ID/buildings" "$ADMIN_TOKEN" '{"name":"2号楼"}'
} >/dev/null || {
  echo "error: could not create the test accounts" >&2
  finish 0 1
}

export MINYI_URL="$URL" MINYI_COMMUNITY_ID="$COMMUNITY_ID"
export MINYI_ADMIN_USER=admin MINYI_ADMIN_PASS="$ADMIN_PASS"
export MINYI_WORKER_USER=worker1 MINYI_WORKER_PASS="$WORKER_PASS"
export MINYI_VOLUNTEER_USER=volunteer1 MINYI_VOLUNTEER_PASS="$VOLUNTEER_PASS"
export MINYI_SCREENSHOTS="$SHOTS"

say "running the browser tests against $URL"
TAP="$OUT/browser-tests.tap"
(cd tests/browser && timeout 300 node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stderr \
  --test-reporter=tap --test-reporter-destination="$TAP" \
  ${BROWSER_TESTS:-./*.test.js})
STATUS=$?
PASSED=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$TAP" | tail -1)
FAILED=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$TAP" | tail -1)
PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
if [ "$STATUS" != 0 ] && [ "$FAILED" = 0 ]; then FAILED=1; fi
say "screenshots: $SHOTS ($(ls "$SHOTS" | wc -l) files); server log: $OUT/browser-server.log"
finish "$PASSED" "$FAILED"
