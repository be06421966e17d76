#!/usr/bin/env python3
"""The crate's module import graph, file by file: fails on any import cycle and on a rule module
importing HTTP code.

    scripts/module-cycles.py [--edges] [SRC_DIR]

Why a script and not `cargo modules dependencies --acyclic`: cargo-modules is built on
rust-analyzer's crates and takes a long build on this project's small machines. This reads the
`use crate::…`/`super::…`/`self::…` trees and the inline `crate::a::b::C` paths of every file in
`src/` (test-only code excluded: `#[cfg(test)]` modules and files), resolves each name to the
file that defines it (following the `pub use` re-exports of `mod.rs` files, so importing
`crate::store::TopicRow` is an edge to `store/topics.rs`, not to `store/mod.rs`), and reports:

- every strongly connected set of files (a cycle), with one cycle spelled out;
- every import from a rule module (`hall/`, `intake/`, `grouping/`, `domain/`) into `routes/`.

`mod x;` declarations are structure, not imports, and are not edges. Exit status 1 on findings.
`--edges` prints the edges too (for looking at the graph).
"""
import os
import re
import sys

RULE_MODULES = ("hall", "intake", "grouping", "domain")

# Cycles known and being removed elsewhere: reported, not failed. Only exactly this set of files
# passes; a cycle that grows or a new one fails. Remove the entry with its fix.
KNOWN: set = set()
HTTP_MODULES = ("routes",)

ITEM = re.compile(
    r"^\s*pub(?:\([^)]*\))?\s+(?:async\s+|unsafe\s+|const\s+)*"
    r"(struct|enum|fn|trait|type|const|static|mod|union)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)
MACRO = re.compile(r"#\[macro_export\]\s*macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)")
USE = re.compile(r"^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
INLINE = re.compile(r"(?<![A-Za-z0-9_:$])((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
MOD_DECL = re.compile(r"^\s*(#\[cfg\(test\)\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_0-9]+)\s*;", re.M)


def strip_comments_and_strings(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def strip_test_modules(text):
    """Drop `#[cfg(test)] mod name { … }` blocks (brace-matched)."""
    out, i = [], 0
    pattern = re.compile(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{")
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j


def expand_use_tree(tree):
    """`a::{b, c::{d, e as f}, self}` → [[a, b], [a, c, d], [a, c, e], [a]]."""
    tree = re.sub(r"\s+as\s+[A-Za-z_0-9]+", "", tree)
    tree = re.sub(r"\s+", "", tree)

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def walk(prefix, s):
        brace = s.find("{")
        if brace == -1:
            return [prefix + [p for p in s.split("::") if p]]
        head = [p for p in s[:brace].split("::") if p]
        inner = s[brace + 1 : s.rfind("}")]
        paths = []
        for part in split_top(inner):
            if part == "self":
                paths.append(prefix + head)
            else:
                paths.extend(walk(prefix + head, part))
        return paths

    return walk([], tree)


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = {}  # module path tuple -> file path (relative to src)
        self.text = {}
        self.test_only = set()
        self._collect()
        self.items = {m: self._items(m) for m in self.files}
        self.reexports = {m: self._reexports(m) for m in self.files}

    def _collect(self):
        for root, _dirs, names in os.walk(self.src):
            for name in names:
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, self.src)
                parts = rel[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib", "main"):
                    parts = parts[:-1]
                if rel == "main.rs":
                    continue  # the binary is its own crate
                self.files[tuple(parts)] = rel
                with open(path, encoding="utf-8") as f:
                    self.text[tuple(parts)] = f.read()
        for mod, text in self.text.items():
            for m in MOD_DECL.finditer(text):
                if m.group(1):
                    self.test_only.add(mod + (m.group(2),))
        # Children of test-only modules are test-only too.
        changed = True
        while changed:
            changed = False
            for mod in self.files:
                if mod not in self.test_only and any(mod[: len(t)] == t for t in self.test_only):
                    self.test_only.add(mod)
                    changed = True
        for t in self.test_only:
            self.files.pop(t, None)
            self.text.pop(t, None)
        self.code = {m: strip_test_modules(strip_comments_and_strings(t)) for m, t in self.text.items()}

    def _items(self, mod):
        code = self.code[mod]
        names = {m.group(2) for m in ITEM.finditer(code)}
        names |= {m.group(1) for m in MACRO.finditer(code)}
        return names

    def _reexports(self, mod):
        """name -> absolute path of what `pub use` re-exports; '*' -> list of glob paths."""
        out = {"*": []}
        for m in USE.finditer(self.code[mod]):
            if not m.group(1):
                continue
            for path in expand_use_tree(m.group(2)):
                path = self.absolute(mod, path)
                if path is None:
                    continue
                if path[-1] == "*":
                    out["*"].append(path[:-1])
                else:
                    out[path[-1]] = path
        return out

    def absolute(self, mod, path):
        """Make a `crate::`/`super::`/`self::` path absolute (a list without `crate`)."""
        if not path:
            return None
        path = list(path)
        if path[0] == "crate":
            return path[1:]
        if path[0] in ("super", "self"):
            base = list(mod)
            while path and path[0] in ("super", "self"):
                if path[0] == "super":
                    base = base[:-1]
                path = path[1:]
            return base + path
        # `use sub::X;` relative to this module (2018 edition: a child module or an external crate)
        if tuple(mod) + (path[0],) in self.files:
            return list(mod) + path
        return None

    def resolve(self, path, seen=None):
        """The module (file) that defines what `path` (absolute) names."""
        seen = seen or set()
        key = tuple(path)
        if key in seen:
            return None
        seen.add(key)
        # the longest prefix that is a file module
        for n in range(len(path), -1, -1):
            mod = tuple(path[:n])
            if mod in self.files:
                break
        else:
            return None
        rest = path[n:]
        if not rest or rest[0] == "*":
            return mod
        name = rest[0]
        if name in self.items[mod]:
            return mod
        exports = self.reexports[mod]
        if name in exports:
            target = exports[name]
            return self.resolve(list(target) + rest[1:], seen) or mod
        for glob in exports["*"]:
            target = self.resolve(list(glob) + rest, seen)
            if target is not None and name in self.items.get(target, ()):
                return target
        return mod

    def edges(self):
        result = {m: set() for m in self.files}
        for mod, code in self.code.items():
            paths = []
            for m in USE.finditer(code):
                paths.extend(expand_use_tree(m.group(2)))
            for m in INLINE.finditer(USE.sub("", code)):
                paths.append(m.group(1).split("::"))
            for path in paths:
                path = [p for p in path if p]
                absolute = self.absolute(mod, path)
                if absolute is None:
                    continue
                target = self.resolve(absolute)
                if target is not None and target != mod:
                    result[mod].add(target)
        return result


def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def one_cycle(graph, comp):
    members = set(comp)
    start = sorted(comp)[0]
    # BFS back to start
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w in members and w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def name(crate, mod):
    return crate.files.get(mod, "::".join(mod) or "lib.rs")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src")
    crate = Crate(src)
    graph = crate.edges()
    if "--edges" in sys.argv:
        for mod in sorted(graph):
            for target in sorted(graph[mod]):
                print(f"{name(crate, mod)} -> {name(crate, target)}")
    problems = 0
    for comp in sccs(graph):
        if len(comp) > 1:
            cycle = one_cycle(graph, comp)
            if frozenset(name(crate, m) for m in comp) in KNOWN:
                print("known cycle, to be removed: " + " -> ".join(name(crate, m) for m in cycle))
                continue
            problems += 1
            print(f"cycle among {len(comp)} files: " + ", ".join(sorted(name(crate, m) for m in comp)))
            print("  for example: " + " -> ".join(name(crate, m) for m in cycle))
    for mod, targets in sorted(graph.items()):
        if mod and mod[0] in RULE_MODULES:
            for target in sorted(targets):
                if target and target[0] in HTTP_MODULES:
                    problems += 1
                    print(f"rule module imports HTTP code: {name(crate, mod)} -> {name(crate, target)}")
    edges = sum(len(t) for t in graph.values())
    if problems:
        print(f"module graph: {len(graph)} files, {edges} imports, {problems} problems")
        return 1
    print(f"module graph: {len(graph)} files, {edges} imports, no cycles, no rule module importing routes/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
