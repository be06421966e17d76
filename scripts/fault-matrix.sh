#!/usr/bin/env bash
# The queue's fault matrix (issue 15): two `minyi serve --no-workers`, two `minyi worker`, a
# PostgreSQL and a Redis of its own on spare ports, steady posts over both API processes, and six
# faults in a row (worker killed, API process killed, Redis down and back empty, PostgreSQL
# restarted, both workers down, Redis FLUSHALL). Prints a table and one closing line
# `fault-matrix: N passed, M failed`; exits 1 on any failure. See scripts/fault-matrix.py.
#   scripts/fault-matrix.sh            (FAULT_RATE=50 posts/s, FAULT_OUTAGE_S=20 by default)
# Installs what it needs with apt-get (PostgreSQL's server binaries, redis-server) where missing.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --locked --quiet --bin minyi --example fault_load
exec python3 scripts/fault-matrix.py target/debug/minyi target/debug/examples/fault_load
