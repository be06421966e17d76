#!/usr/bin/env bash
# Checks deploy/ with the ecosystem's validators, then the few rules only this project has:
#
#   compose.yaml      the Compose specification's JSON schema (check-jsonschema, vendor.compose-spec)
#   k8s/*.yaml        the Kubernetes API schemas, strict: unknown fields fail (kubernetes-validate)
#   Dockerfile        hadolint
#   systemd/*.service systemd-analyze verify, and systemd-analyze security (exposure at most 2.0)
#   everything        deploy/check_project.py: the settings set exist in config/base.toml, the
#                     commands run exist in the binary, the health probes answer 200 on a fresh
#                     `minyi serve`, ports and references agree, examples hold no secrets
#
# then a self-test: each validator must reject a copy of deploy/ with one known defect.
#
#   bash deploy/check.sh
#
# It installs what it needs: a Python venv under target/deploy-check/ with the pinned packages of
# deploy/check-requirements.txt (from PyPI), Debian's systemd when systemd-analyze is missing, and
# target/debug/minyi (`cargo build`, a no-op when up to date) unless MINYI_BIN names a binary. Nothing is downloaded while
# checking. Every tool's output is shown as it is. Ends with `deploy checks: N passed, M failed`
# and exits 1 if any failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
REQUIREMENTS=deploy/check-requirements.txt
VENV=$ROOT/target/deploy-check/venv
# The binary whose commands and probes are checked: $MINYI_BIN, else target/debug/minyi built
# from this tree (`cargo build`, a no-op when it is up to date).
BUILD_BIN=${MINYI_BIN:+no}
MINYI_BIN=${MINYI_BIN:-target/debug/minyi}
# The Kubernetes version the manifests are validated against (a schema set kubernetes-validate ships).
K8S_VERSION=1.37.0
# systemd-analyze security's scale is 0–10 in tenths: 20 means an exposure of at most 2.0.
UNIT_EXPOSURE_MAX=20

passed=0
failed=0
WORK=$(mktemp -d /tmp/minyi-deploy-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

result() { # name, exit status
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "  ok    $1"
  else
    failed=$((failed + 1))
    echo "  FAIL  $1"
  fi
}

# A check: its name, then the command; the command's output is shown as it is.
check() {
  local name=$1
  shift
  echo "== $name"
  "$@"
  result "$name" $?
}

summary() {
  echo "deploy checks: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  echo "installing $* (apt-get)" >&2
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

install_validators() {
  local want
  want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "installing the validators of $REQUIREMENTS into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; } || return 1
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS" || return 1
  echo "$want" > "$VENV/.requirements.sha256"
}

install_tools() {
  command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv || return 1
  install_validators || return 1
  command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd || return 1
  if [ "$BUILD_BIN" != no ]; then
    echo "building $MINYI_BIN (cargo build)" >&2
    cargo build --locked --bin minyi >&2 || return 1
  fi
  [ -x "$MINYI_BIN" ] || { echo "no minyi binary at $MINYI_BIN" >&2; return 1; }
}

# systemd-analyze verify insists that ExecStart's binary exists: a stub stands in for
# /usr/local/bin/minyi (the commands themselves are checked against the real binary by
# check_project.py). It prints parse problems as warnings and may still exit 0, so any output
# about the units fails the check.
units_copy() { # DIR → $WORK/units/<n> with stubbed units, printed
  local dir=$1 out
  out=$(mktemp -d "$WORK/units.XXXXXX")
  printf '#!/bin/sh\nexit 0\n' > "$out/minyi"
  chmod +x "$out/minyi"
  for unit in "$dir"/systemd/*.service; do
    sed "s#/usr/local/bin/minyi#$out/minyi#g" "$unit" > "$out/$(basename "$unit")"
  done
  echo "$out"
}

verify_units() { # DIR
  local units out status
  units=$(units_copy "$1")
  out=$(systemd-analyze verify --man=no "$units"/*.service 2>&1)
  status=$?
  [ -n "$out" ] && printf '%s\n' "$out"
  [ "$status" -eq 0 ] && [ -z "$out" ]
}

units_security() { # DIR
  local units unit status=0
  units=$(units_copy "$1")
  for unit in "$units"/*.service; do
    systemd-analyze security --offline=true --no-pager --threshold="$UNIT_EXPOSURE_MAX" "$unit" 2>&1 \
      | grep -E 'Overall exposure|error|Error' || true
    if ! systemd-analyze security --offline=true --no-pager --threshold="$UNIT_EXPOSURE_MAX" "$unit" >/dev/null 2>&1; then
      echo "exposure above the limit: $(basename "$unit")"
      status=1
    fi
  done
  return "$status"
}

compose_schema() { "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$1/compose.yaml"; }
k8s_schemas() { "$VENV/bin/kubernetes-validate" --strict --kubernetes-version "$K8S_VERSION" "$1"/k8s/*.yaml; }
dockerfile_lint() { "$VENV/bin/hadolint" "$1/Dockerfile"; }
project_rules() { "$VENV/bin/python" deploy/check_project.py "$MINYI_BIN" "$1"; }

# ---- self-test: each validator rejects a copy of deploy/ with one defect ----------------------
# `defect NAME VALIDATOR EXPECTED PYTHON-EDIT`: the edit is Python run with `d` = the copy's
# path; the validator must fail and say EXPECTED (so it failed for that defect, not another).
defect() {
  local name=$1 validator=$2 expected=$3 edit=$4 copy out status
  copy=$(mktemp -d "$WORK/defect.XXXXXX")
  cp -r deploy/. "$copy/"
  "$VENV/bin/python" - "$copy" <<PY || { result "$name (the defect could not be made)" 1; return; }
import pathlib, sys
d = pathlib.Path(sys.argv[1])
def edit(name, old, new):
    p = d / name
    text = p.read_text(encoding="utf-8")
    if old not in text:
        sys.exit(f"{name} no longer contains {old!r}: update this self-test")
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
$edit
PY
  out=$("$validator" "$copy" 2>&1)
  status=$?
  if [ "$status" -ne 0 ] && grep -qF -- "$expected" <<<"$out"; then
    grep -F -- "$expected" <<<"$out" | head -n 2 | sed 's/^/    | /'
    result "$name" 0
  else
    printf '%s\n' "$out" | sed 's/^/    | /'
    if [ "$status" -eq 0 ]; then result "$name (the validator accepted it)" 1
    else result "$name (the validator failed without saying \"$expected\")" 1; fi
  fi
}

self_test() {
  echo "== self-test: each validator rejects a copy of deploy/ with one known defect"
  defect "compose: an unknown depends_on condition" compose_schema "service_happy" \
    'edit("compose.yaml", "condition: service_healthy", "condition: service_happy")'
  defect "Kubernetes: a replica count that is not a number" k8s_schemas "spec.replicas" \
    'edit("k8s/api.yaml", "replicas: 2", "replicas: two")'
  defect "Kubernetes (strict): a misspelt field" k8s_schemas "'readinesProbe' was unexpected" \
    'edit("k8s/api.yaml", "readinessProbe:", "readinesProbe:")'
  defect "Dockerfile: a base image tagged latest" dockerfile_lint "DL3007" \
    'edit("Dockerfile", "FROM debian:bookworm-slim", "FROM debian:latest")'
  defect "systemd: a misspelt key" verify_units "ProtectSystm" \
    'edit("systemd/minyi.service", "ProtectSystem=strict", "ProtectSystm=strict")'
  defect "systemd: the hardening removed" units_security "exposure above the limit: minyi.service" \
    'import re; p = d / "systemd/minyi.service"; p.write_text(re.sub(r"(?ms)^# Hardening.*?(?=^\[Install\])", "", p.read_text()))'
  defect "project: a setting minyi does not have" project_rules "FAIL  MINYI__HTTP__BINDING" \
    'edit("k8s/configmap.yaml", "MINYI__HTTP__BIND:", "MINYI__HTTP__BINDING:")'
  defect "project: a flag minyi does not have" project_rules "unknown flags ['--no-worker']" \
    'edit("compose.yaml", "\"--no-workers\"", "\"--no-worker\"")'
  defect "project: a readiness probe on a path minyi does not serve" project_rules "FAIL  deploy/k8s/api.yaml readinessProbe: GET /ready answers 200" \
    'edit("k8s/api.yaml", "path: /readyz?queue=optional", "path: /ready")'
  defect "project: a container port minyi does not listen on" project_rules "FAIL  deploy/k8s/api.yaml: containerPort 8081" \
    'edit("k8s/api.yaml", "containerPort: 8080", "containerPort: 8081")'
  defect "project: a real-looking secret in an example" project_rules "FAIL  deploy/k8s/secret.example.yaml:24" \
    'edit("k8s/secret.example.yaml", "MINYI__AUTH__JWT_SECRET: REPLACE_ME", "MINYI__AUTH__JWT_SECRET: 4f1c9a7e2b")'
}

echo "== installing the validators"
install_tools
result "validators installed (deploy/check-requirements.txt, systemd-analyze, $MINYI_BIN)" $?
[ "$failed" -eq 0 ] || summary

check "compose.yaml matches the Compose specification (check-jsonschema --builtin-schema vendor.compose-spec)" \
  compose_schema deploy
check "Kubernetes manifests match the Kubernetes $K8S_VERSION schemas, unknown fields refused (kubernetes-validate --strict)" \
  k8s_schemas deploy
check "Dockerfile (hadolint $("$VENV/bin/hadolint" --version | awk '{print $NF}'))" dockerfile_lint deploy
check "systemd units (systemd-analyze verify)" verify_units deploy
check "systemd units' exposure at most $((UNIT_EXPOSURE_MAX / 10)).$((UNIT_EXPOSURE_MAX % 10)) (systemd-analyze security --offline)" \
  units_security deploy
check "project rules (deploy/check_project.py)" project_rules deploy
self_test
summary
