"""The rules of deploy/ that only this project has; the ecosystem's validators (compose-spec
schema, Kubernetes schemas, hadolint, systemd-analyze) run before this from deploy/check.sh.

Nothing here pins a value a deployer may change (images, replicas, resources, ports): each rule
checks that the files agree with the binary and with each other.

    python deploy/check_project.py MINYI_BIN [DEPLOY_DIR]

DEPLOY_DIR (default deploy/) may be a copy of deploy/, as check.sh's self-test uses; config/ and
src/ are always this repository's.
Prints one `ok` or `FAIL` line per check and `project checks: N passed, M failed`; exits 1 if
any failed.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy")
OWN_FILES = {"check.sh", "check_project.py", "check-requirements.txt"}

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok    {name}")
    else:
        failed += 1
        print(f"  FAIL  {name}" + (f": {detail}" if detail else ""))
    return ok


def rel(path):
    inside = os.path.relpath(path, DEPLOY)
    return "deploy/" + inside if not inside.startswith("..") else os.path.relpath(path, ROOT)


def deploy_texts():
    """(path, text) of every text file in deploy/ except this checker's own files."""
    for root, dirs, files in os.walk(DEPLOY):
        dirs[:] = [d for d in dirs if not d.startswith(".git")]
        for name in sorted(files):
            if name in OWN_FILES or name == ".env":
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as f:
                    yield path, f.read()
            except UnicodeDecodeError:
                continue


def load_yaml(*parts):
    with open(os.path.join(DEPLOY, *parts), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_objects():
    out = []
    k8s = os.path.join(DEPLOY, "k8s")
    for name in sorted(os.listdir(k8s)):
        if name.endswith((".yaml", ".yml")):
            out += [(f"deploy/k8s/{name}", d) for d in load_yaml("k8s", name)]
    return out


def is_minyi_image(image):
    return "minyi" in str(image or "")


def dockerfile_instructions():
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    with open(os.path.join(DEPLOY, "Dockerfile"), encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s.startswith("#") or (not buf and not s):
                continue
            if s.endswith("\\"):
                buf += s[:-1] + " "
                continue
            buf += s
            word, _, rest = buf.partition(" ")
            out.append((word.upper(), rest.strip()))
            buf = ""
    return out


def exec_form(args):
    """A Dockerfile exec-form list, or the shell form split into words."""
    try:
        value = json.loads(args)
        if isinstance(value, list):
            return [str(v) for v in value]
    except json.JSONDecodeError:
        pass
    return shlex.split(args)


# ------------------------------------------------------------------------------------------
def settings_env():
    """Every MINYI__SECTION__KEY the deploy files set, with where."""
    seen = {}
    for path, text in deploy_texts():
        for var in re.findall(r"\bMINYI__[A-Z0-9_]*[A-Z0-9]", text):
            seen.setdefault(var, set()).add(rel(path))
    return seen


def config_keys():
    with open(os.path.join(ROOT, "config", "base.toml"), "rb") as f:
        base = tomllib.load(f)
    keys = set()
    for k, v in base.items():
        if isinstance(v, dict):
            keys |= {f"{k}.{sub}" for sub in v}
        else:
            keys.add(k)
    return keys


def check_settings():
    print("settings the deploy files set exist in config/base.toml")
    keys = config_keys()
    for var, where in sorted(settings_env().items()):
        parts = var[len("MINYI__"):].lower().split("__")
        key = ".".join(parts)
        check(f"{var} is the setting `{key}`", key in keys, f"no `{key}` in config/base.toml (used in {', '.join(sorted(where))})")


def check_process_variables():
    print("other MINYI_* variables are read by the binary, a script or compose")
    source = []
    for root, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in files:
            if name.endswith(".rs"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    source.append(f.read())
    source = "\n".join(source)
    with open(os.path.join(DEPLOY, "compose.yaml"), encoding="utf-8") as f:
        compose_text = f.read()
    substituted = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text))
    scripts = []
    for name in sorted(os.listdir(os.path.join(ROOT, "scripts"))) + ["../deploy/check.sh"]:
        path = os.path.join(ROOT, "scripts", name)
        if name.endswith(".sh") and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                scripts.append(f.read())
    scripts = "\n".join(scripts)
    seen = {}
    for path, text in deploy_texts():
        for var in re.findall(r"\bMINYI_[A-Z0-9_]*[A-Z0-9]", text):
            if not var.startswith("MINYI__"):
                seen.setdefault(var, set()).add(rel(path))
    for var, where in sorted(seen.items()):
        read_by_binary = f'"{var}"' in source
        read_by_script = re.search(r"\$\{?" + var + r"\b", scripts) is not None
        check(f"{var} is read by minyi, by a script of this repository or by compose",
              read_by_binary or read_by_script or var in substituted,
              f"not in src/, scripts/ or a ${{{var}}} of compose.yaml (used in {', '.join(sorted(where))})")
    envs = {n[:-5] for n in os.listdir(os.path.join(ROOT, "config")) if n.endswith(".toml") and n != "base.toml"}
    for path, text in deploy_texts():
        for value in sorted(set(re.findall(r"\bMINYI_ENV\s*[=:]\s*\"?([A-Za-z]+)", text))):
            check(f"{rel(path)}: MINYI_ENV={value} has config/{value}.toml", value in envs, f"environments: {sorted(envs)}")


def check_compose_substitutions():
    print("compose.yaml's substitutions are documented in .env.example")
    with open(os.path.join(DEPLOY, "compose.yaml"), encoding="utf-8") as f:
        used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", f.read()))
    documented = set()
    with open(os.path.join(DEPLOY, ".env.example"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", line)
            if m:
                documented.add(m.group(1))
    for var in sorted(used):
        check(f"${{{var}}} is documented in deploy/.env.example", var in documented)
    ignored = []
    if os.path.isfile(os.path.join(DEPLOY, ".gitignore")):
        with open(os.path.join(DEPLOY, ".gitignore"), encoding="utf-8") as f:
            ignored = [line.strip() for line in f]
    check("deploy/.gitignore keeps deploy/.env (secrets) out of git", ".env" in ignored or "/.env" in ignored)


# ------------------------------------------------------------------------------------------
def invocations():
    """(where, argv after `minyi`) for every way the deploy files start the binary."""
    out = []
    for unit in sorted(os.listdir(os.path.join(DEPLOY, "systemd"))):
        if not unit.endswith(".service"):
            continue
        with open(os.path.join(DEPLOY, "systemd", unit), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^\s*(ExecStart|ExecStartPre|ExecStartPost|ExecReload|ExecStop)=[-@:+!]*(\S+)(.*)$", line)
                if m and os.path.basename(m.group(2)) == "minyi":
                    out.append((f"deploy/systemd/{unit} {m.group(1)}", shlex.split(m.group(3))))
    compose = load_yaml("compose.yaml")[0]
    for name, svc in (compose.get("services") or {}).items():
        if is_minyi_image(svc.get("image")) or "build" in svc:
            cmd = svc.get("command") or []
            out.append((f"deploy/compose.yaml service {name}", cmd if isinstance(cmd, list) else shlex.split(cmd)))
    for where, obj in k8s_objects():
        spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in spec.get("containers", []) + spec.get("initContainers", []):
            if is_minyi_image(c.get("image")):
                argv = (c.get("command") or [])[1:] + (c.get("args") or [])
                out.append((f"{where} {obj['kind']}/{obj['metadata']['name']}", [str(a) for a in argv]))
    cmds = [a for w, a in dockerfile_instructions() if w == "CMD"]
    if cmds:
        out.append(("deploy/Dockerfile CMD", exec_form(cmds[-1])))
    return out


def check_commands(binary):
    print(f"the commands the deploy files run exist in {rel(binary)}")
    for where, argv in invocations():
        words = [a for a in argv if not a.startswith("-")]
        flags = [a.split("=", 1)[0] for a in argv if a.startswith("--")]
        # `minyi <subcommand…> --help` fails for an unknown subcommand; its help lists its flags.
        r = subprocess.run([binary, *words, "--help"], capture_output=True, text=True, timeout=30)
        missing = [f for f in flags if not re.search(r"(?<![\w-])" + re.escape(f) + r"(?![\w-])", r.stdout)]
        check(f"{where}: minyi {' '.join(argv)}", r.returncode == 0 and not missing,
              (r.stderr.strip().splitlines() or [""])[0] if r.returncode else f"unknown flags {missing}")


# ------------------------------------------------------------------------------------------
def probe_paths():
    """(where, HTTP path) of every health probe pointed at minyi."""
    out = []
    for where, obj in k8s_objects():
        spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in spec.get("containers", []):
            if not is_minyi_image(c.get("image")):
                continue
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                get = ((c.get(probe) or {}).get("httpGet")) or {}
                if get.get("path"):
                    out.append((f"{where} {probe}", get["path"]))
    for w, args in dockerfile_instructions():
        if w == "HEALTHCHECK":
            for url in re.findall(r"https?://[^\s\"']+", args):
                out.append(("deploy/Dockerfile HEALTHCHECK", "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_probes(binary):
    print("the health probes answer 200 on a fresh `minyi serve`")
    probes = probe_paths()
    check("some health probe is configured", bool(probes))
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI")}
        env.update({"MINYI__HTTP__BIND": f"127.0.0.1:{port}", "MINYI__DATA_DIR": data,
                    "MINYI__DATABASE__URL": f"sqlite://{data}/minyi.db", "MINYI__LOG__FILTER": "warn"})
        log = open(os.path.join(data, "server.log"), "w")
        server = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            up = False
            for _ in range(150):
                if server.poll() is not None:
                    break
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    up = True
                    break
                except (urllib.error.URLError, ConnectionError, OSError):
                    time.sleep(0.2)
            if not check("minyi serve starts", up, f"exit {server.poll()}, see its log below"):
                log.flush()
                with open(os.path.join(data, "server.log"), encoding="utf-8", errors="replace") as f:
                    print("".join(f.readlines()[-20:]))
                return
            for where, path in probes:
                try:
                    status = urllib.request.urlopen(base + path, timeout=5).status
                except urllib.error.HTTPError as e:
                    status = e.code
                except (urllib.error.URLError, OSError) as e:
                    status = str(e)
                check(f"{where}: GET {path} answers 200", status == 200, f"answered {status}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


# ------------------------------------------------------------------------------------------
def bind_port(env):
    bind = (env or {}).get("MINYI__HTTP__BIND")
    return int(str(bind).rsplit(":", 1)[1]) if bind and ":" in str(bind) else None


def check_ports():
    print("ports: where minyi listens is where it is probed, exposed and routed")
    image_env = {}
    for w, args in dockerfile_instructions():
        if w == "ENV":
            for k, v in re.findall(r"(\S+?)=(\S+)", args):
                image_env[k] = v
    listen = bind_port(image_env)
    check("the image sets MINYI__HTTP__BIND", listen is not None)
    exposed = [int(p.split("/")[0]) for w, a in dockerfile_instructions() if w == "EXPOSE" for p in a.split()]
    check(f"the image EXPOSEs the port it listens on ({listen})", listen in exposed, f"EXPOSE {exposed}")
    for w, args in dockerfile_instructions():
        if w == "HEALTHCHECK":
            for port in re.findall(r"https?://[^/:\s]+:(\d+)", args):
                check(f"HEALTHCHECK probes port {listen}", int(port) == listen, f"probes {port}")

    compose = load_yaml("compose.yaml")[0]
    for name, svc in (compose.get("services") or {}).items():
        if not (is_minyi_image(svc.get("image")) or "build" in svc):
            continue
        env = svc.get("environment") or {}
        port = bind_port(env if isinstance(env, dict) else dict(e.split("=", 1) for e in env)) or listen
        for published in svc.get("ports") or []:
            target = int(str(published).rsplit(":", 1)[-1].split("/")[0])
            check(f"compose service {name} publishes the port minyi listens on ({port})", target == port, f"publishes {target}")

    objects = k8s_objects()
    config = {}
    for _, obj in objects:
        if obj.get("kind") in ("ConfigMap", "Secret"):
            config[(obj["kind"], obj["metadata"]["name"])] = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
    for where, obj in objects:
        spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for c in spec.get("containers", []):
            if not is_minyi_image(c.get("image")):
                continue
            env = dict(image_env)
            for ref in c.get("envFrom", []):
                for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if key in ref:
                        name = ref[key]["name"]
                        check(f"{where}: {kind} {name} is defined in deploy/k8s", (kind, name) in config)
                        env.update(config.get((kind, name), {}))
            for e in c.get("env", []):
                if "value" in e:
                    env[e["name"]] = e["value"]
            port = bind_port(env)
            named = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
            for p in c.get("ports", []):
                check(f"{where}: containerPort {p.get('containerPort')} is where minyi listens ({port})", p.get("containerPort") == port)
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                get = (c.get(probe) or {}).get("httpGet")
                if get:
                    target = named.get(get.get("port"), get.get("port"))
                    check(f"{where}: {probe} targets the port minyi listens on ({port})", target == port, f"targets {get.get('port')}")


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s_references():
    print("Kubernetes objects refer to each other correctly")
    objects = k8s_objects()
    workloads = [(w, o) for w, o in objects if o.get("kind") in ("Deployment", "StatefulSet", "Job", "DaemonSet")]
    images = {c.get("image") for _, o in workloads for c in o["spec"]["template"]["spec"]["containers"] if is_minyi_image(c.get("image"))}
    check("one minyi image (and tag) for every workload", len(images) == 1, sorted(images))
    for where, svc in objects:
        if svc.get("kind") != "Service":
            continue
        sel = (svc.get("spec") or {}).get("selector") or {}
        chosen = [o for _, o in workloads if selects(sel, o["spec"]["template"]["metadata"].get("labels") or {})]
        name = svc["metadata"]["name"]
        check(f"Service {name} selects pods", bool(chosen))
        for o in chosen:
            c = o["spec"]["template"]["spec"]["containers"][0]
            argv = (c.get("command") or [])[1:] + (c.get("args") or [])
            check(f"Service {name} selects only HTTP-serving pods ({o['kind']}/{o['metadata']['name']}: {' '.join(argv)})",
                  o["kind"] != "Job" and argv[:1] == ["serve"])
            named = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
            for p in (svc.get("spec") or {}).get("ports", []):
                target = p.get("targetPort")
                check(f"Service {name} port {p.get('port')} reaches a container port", target in named or target in named.values(), f"targetPort {target}")
    for where, o in workloads:
        if o.get("kind") == "Deployment":
            labels = o["spec"]["template"]["metadata"].get("labels") or {}
            check(f"{where}: the selector matches the pod labels", selects(o["spec"]["selector"].get("matchLabels") or {}, labels))
        spec = o["spec"]["template"]["spec"]
        vols = {v["name"] for v in spec.get("volumes", [])}
        for c in spec.get("containers", []):
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            check(f"{where}: every volumeMount has a volume", mounts <= vols, sorted(mounts - vols))


# ------------------------------------------------------------------------------------------
def check_no_secrets():
    print("examples hold placeholders, never secrets")
    for path, text in deploy_texts():
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r"^\s*#?\s*-?\s*([A-Z][A-Z0-9_]*(SECRET|PASSWORD))\s*[=:]\s*(\S*)", line)
            if m:
                value = m.group(3).strip("'\"")
                check(f"{rel(path)}:{n}: {m.group(1)} is empty, a placeholder or a reference",
                      value == "" or "REPLACE_ME" in value or value.startswith("${") or value == "…",
                      value)
            for url in re.findall(r"\b[a-z][a-z0-9+.-]*://[^\s\"'`]+", line):
                cred = re.match(r"^[a-z][a-z0-9+.-]*://[^/@:]*:([^/@]+)@", url)
                if cred:
                    pw = cred.group(1)
                    check(f"{rel(path)}:{n}: the password in a URL is a placeholder or a reference",
                          pw in ("REPLACE_ME", "PASSWORD") or pw.startswith("${"), url)


def main():
    global DEPLOY
    binary = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "minyi")
    if len(sys.argv) > 2:
        DEPLOY = os.path.abspath(sys.argv[2])
    sections = [check_settings, check_process_variables, check_compose_substitutions,
                lambda: check_commands(binary), lambda: check_probes(binary), check_ports,
                check_k8s_references, check_no_secrets]
    for section in sections:
        try:
            section()
        except Exception as exc:  # a malformed file fails a check, it does not end the run
            check(f"{getattr(section, '__name__', 'section')} could be checked", False, f"{type(exc).__name__}: {exc}")
    print(f"project checks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
