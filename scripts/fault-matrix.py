#!/usr/bin/env python3
"""The queue's fault matrix (issue 15), run by scripts/fault-matrix.sh.

The production shape on this machine: two `minyi serve --no-workers`, two `minyi worker`, a
PostgreSQL of its own (initdb in a temporary directory, on a spare port) and a Redis of its own
(spare port, no persistence). Residents post steadily over both API processes
(examples/fault_load.rs: retries with the same key on the other process until accepted). First
a fault-free phase, then six faults one after the other, each followed by a wait for the
backlog to drain:

  worker killed · API process killed · Redis down and back empty · PostgreSQL restarted ·
  both workers down · Redis FLUSHALL

Checks (each a line of the closing table; any failure exits 1):
  * every post answered 202 is stored, once, with the id it was answered with;
  * every stored suggestion is processed, exactly once (one grouping audit record each);
  * drained (nothing queued, outbox empty) within 30 s of the end of each fault;
  * zero duplicate XADDs in the fault-free phase (Redis's own XADD count = suggestions);
  * zero "deadlock detected" in the PostgreSQL log;
  * no post slower than 2 s outside a fault (its window plus 5 s).

Usage: scripts/fault-matrix.py BIN LOAD   (the minyi binary and the fault_load example)
Environment: FAULT_RATE (posts/s, default 50), FAULT_OUTAGE_S (default 20).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BIN, LOAD = sys.argv[1], sys.argv[2]
RATE = int(os.environ.get("FAULT_RATE", "50"))
OUTAGE = int(os.environ.get("FAULT_OUTAGE_S", "20"))
DRAIN_LIMIT = 30.0
SLOW_POST = 2.0

ROOT = tempfile.mkdtemp(prefix="minyi-faults-")
procs = {}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def spare_port():
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port < 60000:
            return port


def pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v.split(".")[0]))
    return f"/usr/lib/postgresql/{versions[-1]}/bin/{name}"


def as_postgres(args, **kw):
    """PostgreSQL refuses to run as root: run its tools as the `postgres` OS user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, **kw)


PG_PORT, REDIS_PORT = spare_port(), spare_port()
API_PORTS = [spare_port(), spare_port()]
PG_DIR = os.path.join(ROOT, "pg")
PG_LOG = os.path.join(ROOT, "pg.log")
PG_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/minyi"
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}"


def pg_start():
    as_postgres([pg_bin("pg_ctl"), "-D", PG_DIR, "-l", PG_LOG, "-w", "-t", "30", "start",
                 "-o", f"-p {PG_PORT} -k {ROOT}"], stdout=subprocess.DEVNULL)


def pg_restart():
    as_postgres([pg_bin("pg_ctl"), "-D", PG_DIR, "-l", PG_LOG, "-w", "-t", "30", "-m", "fast",
                 "restart", "-o", f"-p {PG_PORT} -k {ROOT}"], stdout=subprocess.DEVNULL)


def pg_stop():
    try:
        as_postgres([pg_bin("pg_ctl"), "-D", PG_DIR, "-w", "-m", "immediate", "stop"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception:
        pass


def sql(q):
    out = subprocess.run(["psql", PG_URL, "-qtAc", q], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def redis_cli(*args):
    out = subprocess.run(["redis-cli", "-p", str(REDIS_PORT), *args], capture_output=True, text=True)
    return out.stdout.strip()


def redis_start():
    procs["redis"] = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", ROOT],
        stdout=open(os.path.join(ROOT, "redis.log"), "a"))
    for _ in range(100):
        if redis_cli("ping") == "PONG":
            return
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def redis_kill():
    p = procs.pop("redis")
    p.kill()
    p.wait()


ENV = dict(os.environ,
           MINYI__DATABASE__URL=PG_URL, MINYI__REDIS__URL=REDIS_URL,
           MINYI__DATA_DIR=os.path.join(ROOT, "data"),
           MINYI__INTAKE__POSTS_PER_ACCOUNT_PER_HOUR="0", MINYI__INTAKE__POSTS_PER_IP_PER_HOUR="0",
           MINYI__LOG__FILTER="warn,minyi::queue::worker=info", MINYI__LOG__FORMAT="json",
           MINYI__DATABASE__MAX_CONNECTIONS="16")


def start(name, *args, port=None):
    env = dict(ENV)
    if port:
        env["MINYI__HTTP__BIND"] = f"127.0.0.1:{port}"
    procs[name] = subprocess.Popen([BIN, *args], env=env, stdout=open(os.path.join(ROOT, f"{name}.log"), "a"),
                                   stderr=subprocess.STDOUT)
    if port:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit(f"{name} did not start; see {ROOT}/{name}.log")


def kill(name):
    p = procs.pop(name)
    p.send_signal(signal.SIGKILL)
    p.wait()


def http(method, port, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def backlog(before):
    """Suggestions accepted before `before` (Unix seconds) still queued, and outbox rows as old."""
    at = f"to_timestamp({before})"
    queued = int(sql(f"select count(*) from suggestion where state = 'queued' and created_at <= {at}"))
    outbox = int(sql(f"select count(*) from outbox where created_at <= {at}"))
    return queued, outbox


def wait_drained(since, limit=90.0):
    """Seconds from `since` until everything accepted before it is processed (None: not within
    `limit`). Posts keep arriving meanwhile: the newest are always in flight."""
    deadline = since + limit
    while time.time() < deadline:
        try:
            if backlog(since) == (0, 0):
                return time.time() - since
        except subprocess.CalledProcessError:
            pass  # the database is still coming back
        time.sleep(0.25)
    return None


def cleanup():
    for name in list(procs):
        try:
            procs[name].kill()
            procs[name].wait()
        except Exception:
            pass
    pg_stop()


def main():
    os.chmod(ROOT, 0o777)
    os.makedirs(PG_DIR)
    if os.geteuid() == 0:
        shutil.chown(PG_DIR, "postgres", "postgres")
    log(f"PostgreSQL on {PG_PORT}, Redis on {REDIS_PORT}, API on {API_PORTS}, files in {ROOT}")
    as_postgres([pg_bin("initdb"), "-D", PG_DIR, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C"], stdout=subprocess.DEVNULL)
    with open(os.path.join(PG_DIR, "postgresql.conf"), "a") as conf:
        conf.write("listen_addresses = '127.0.0.1'\nmax_connections = 200\n"
                   "deadlock_timeout = '200ms'\nlog_lock_waits = on\nshared_buffers = '128MB'\n")
    pg_start()
    subprocess.run(["psql", f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres", "-qc",
                    "create database minyi"], check=True)
    redis_start()
    subprocess.run([BIN, "migrate"], env=ENV, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([BIN, "admin", "bootstrap", "--district", "津南区", "--street", "双新街道",
                    "--community", "昆香苑社区", "--username", "admin"],
                   env=dict(ENV, MINYI_ADMIN_PASSWORD="fault-matrix-password"), check=True,
                   stdout=subprocess.DEVNULL)
    start("api1", "serve", "--no-workers", port=API_PORTS[0])
    start("api2", "serve", "--no-workers", port=API_PORTS[1])
    start("worker1", "worker")
    start("worker2", "worker")
    # Eight communities (spread over the partitions), 20 residents.
    admin = http("POST", API_PORTS[0], "/api/v1/auth/login",
                 {"username": "admin", "password": "fault-matrix-password"})["access_token"]
    street = int(sql("select street_id from community limit 1"))
    communities = [int(sql("select min(community_id) from community"))]
    for i in range(7):
        communities.append(http("POST", API_PORTS[0], "/api/v1/admin/communities",
                                {"street_id": street, "name": f"故障{i}社区"}, admin)["id"])
    tokens = []
    for i in range(20):
        tokens.append(http("POST", API_PORTS[0], "/api/v1/auth/dev-login",
                           {"name": f"居民{i}", "community_id": communities[i % len(communities)]})["access_token"])
    token_file = os.path.join(ROOT, "tokens.txt")
    with open(token_file, "w") as f:
        f.write("\n".join(tokens))
    urls = ",".join(f"http://127.0.0.1:{p}" for p in API_PORTS)

    stop_file = os.path.join(ROOT, "stop")

    def load(tag, seconds):
        return subprocess.Popen([LOAD, "--urls", urls, "--tokens", token_file, "--rate", str(RATE),
                                 "--seconds", str(seconds), "--give-up", "120", "--stop-file", stop_file,
                                 "--log", os.path.join(ROOT, f"{tag}.jsonl"), "--tag", tag])

    rows = []  # (fault, start, end, drain seconds or None)
    windows = []  # (start, end) of faults, for the slow-post check

    # --- fault-free ---------------------------------------------------------------------
    redis_cli("config", "resetstat")
    log(f"fault-free phase: {RATE} posts/s for 20 s")
    p = load("clean", 20)
    p.wait()
    t = time.time()
    drained = wait_drained(t)
    log(f"  drained in {drained if drained is None else round(drained, 1)} s")
    xadds = int(next((l.split("calls=")[1].split(",")[0] for l in redis_cli("info", "commandstats").splitlines()
                      if l.startswith("cmdstat_xadd:")), "0"))
    stored_clean = int(sql("select count(*) from suggestion"))
    rows.append(("fault-free", t, t, drained))

    # --- faults under load ----------------------------------------------------------------
    log(f"faults: {RATE} posts/s until the last fault is over")
    p = load("faults", 3600)
    time.sleep(4)

    def fault(name, act):
        start_t = time.time()
        log(f"fault: {name}")
        act()
        end_t = time.time()
        windows.append((start_t, end_t))
        d = wait_drained(end_t, limit=60)
        log(f"  drained in {d if d is None else round(d, 1)} s")
        rows.append((name, start_t, end_t, d))

    def worker_killed():
        kill("worker1")
    fault("worker killed", worker_killed)
    start("worker1", "worker")
    time.sleep(2)

    def api_killed():
        kill("api1")
        time.sleep(3)
        start("api1", "serve", "--no-workers", port=API_PORTS[0])
    fault("API process killed", api_killed)
    time.sleep(2)

    def redis_down():
        redis_kill()
        time.sleep(OUTAGE)
        redis_start()
    fault(f"Redis down {OUTAGE} s, back empty", redis_down)
    time.sleep(2)

    fault("PostgreSQL restarted", pg_restart)
    time.sleep(2)

    def workers_down():
        kill("worker1")
        kill("worker2")
        time.sleep(OUTAGE)
        start("worker1", "worker")
        start("worker2", "worker")
    fault(f"both workers down {OUTAGE} s", workers_down)
    time.sleep(2)

    fault("Redis FLUSHALL", lambda: redis_cli("flushall"))
    open(stop_file, "w").close()
    log("waiting for the load to finish")
    p.wait()
    final = wait_drained(time.time())

    # --- checks ----------------------------------------------------------------------------
    posts = []
    for tag in ("clean", "faults"):
        with open(os.path.join(ROOT, f"{tag}.jsonl")) as f:
            posts += [json.loads(l) for l in f if l.strip()]
    accepted = [p for p in posts if p["status"] == 202]
    refused = [p for p in posts if p["status"] != 202]
    stored = {}
    for line in sql("select client_id, suggestion_id from suggestion").splitlines():
        k, v = line.split("|")
        stored.setdefault(k, []).append(int(v))
    missing = [p for p in accepted if stored.get(p["client_id"]) != [p["id"]]]
    total = int(sql("select count(*) from suggestion"))
    unprocessed = int(sql("select count(*) from suggestion where state <> 'grouped'"))
    twice = int(sql("select count(*) from (select entity_id from audit_log where action in ('topic.open', 'topic.join') "
                    "group by entity_id having count(*) > 1) t"))
    once = int(sql("select count(distinct entity_id) from audit_log where action in ('topic.open', 'topic.join')"))
    with open(PG_LOG, errors="replace") as f:
        deadlocks = sum(1 for l in f if "deadlock detected" in l)

    def in_fault(p):
        return any(s - 0.5 <= p["sent_at"] + p["latency_s"] and p["sent_at"] <= e + 5 for s, e in windows)
    slow = [p for p in accepted if p["latency_s"] > SLOW_POST and not in_fault(p)]
    slow_faults = [p for p in accepted if p["latency_s"] > SLOW_POST and in_fault(p)]

    print()
    print(f"{'phase / fault':<32} {'drained after':>14}  result")
    ok_all = True
    for name, s, e, d in rows:
        ok = d is not None and d <= DRAIN_LIMIT
        ok_all &= ok
        drained_txt = "not in 60 s" if d is None else f"{d:.1f} s"
        print(f"{name:<32} {drained_txt:>14}  {'ok' if ok else 'FAIL'}")
    checks = [
        ("posts accepted (202)", f"{len(accepted)} of {len(posts)}", len(refused) == 0),
        ("every 202 stored once, same id", f"{len(missing)} missing or different", not missing),
        ("stored = accepted", f"{total} stored", total == len(accepted)),
        ("every suggestion processed", f"{unprocessed} not grouped", unprocessed == 0),
        ("processed exactly once", f"{once} grouped once, {twice} twice", twice == 0 and once == total),
        ("duplicate XADDs, fault-free", f"{xadds - stored_clean} ({xadds} XADDs, {stored_clean} posts)",
         xadds == stored_clean),
        ("deadlocks in the PostgreSQL log", str(deadlocks), deadlocks == 0),
        ("posts slower than 2 s, no fault", f"{len(slow)} (max {max([p['latency_s'] for p in slow], default=0):.2f} s)",
         not slow),
        ("posts slower than 2 s in faults", f"{len(slow_faults)} (max {max([p['latency_s'] for p in slow_faults], default=0):.2f} s)",
         True),
        ("drained at the end", "yes" if final is not None else "no", final is not None),
    ]
    print()
    for name, value, ok in checks:
        ok_all &= ok
        print(f"{name:<32} {value:>40}  {'ok' if ok else 'FAIL'}")
    passed = sum(1 for r in rows if r[3] is not None and r[3] <= DRAIN_LIMIT) + sum(1 for c in checks if c[2])
    failed = len(rows) + len(checks) - passed
    # Where the time went without a fault: the workers' stage summaries (every 10 s) from the
    # fault-free phase.
    clean_end = rows[0][1]
    print()
    print("relay → stream → worker in the fault-free phase (each worker's 10 s summaries, ms):")
    for name in ("worker1", "worker2"):
        with open(os.path.join(ROOT, f"{name}.log"), errors="replace") as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                msg = d.get("fields", {}).get("message", "")
                if msg.startswith("queue stages") and d.get("timestamp", "") <= time.strftime(
                        "%Y-%m-%dT%H:%M:%S", time.gmtime(clean_end + 10)):
                    print(f"  {name}: {msg}")
    print()
    print(f"fault-matrix: {passed} passed, {failed} failed")
    return 0 if ok_all else 1


if __name__ == "__main__":
    code = 1
    try:
        code = main()
    finally:
        cleanup()
        if code == 0 and not os.environ.get("FAULT_KEEP"):
            shutil.rmtree(ROOT, ignore_errors=True)
        else:
            print(f"logs kept in {ROOT}")
    sys.exit(code)
