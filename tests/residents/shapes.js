// Shapes of what the real server sends, learned from its answers, and a check that an answer a
// test mocks could have come from it. A mocked answer fails when it has a field the server never
// sends there, a value of another JSON type than the server sends there (a list where the server
// sends an object, a number where it sends a string, null where it never sends null), or when it
// answers an operation, status or path the server was never seen to answer. Fields the server
// sends and a mock leaves out are allowed: a mock may be smaller than the real answer, never
// different from it.
//
// Answers of one operation are keyed `METHOD /api/v1/template STATUS`, the template being one of
// the paths the server publishes in /api/v1/openapi.json; every error answer (status >= 400) is
// problem+json and shares the key `problem`.

function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v; // string, number, boolean, object
}

function newShape() {
  return { kinds: new Set(), props: new Map(), items: null };
}

function learnInto(shape, value) {
  const k = kind(value);
  shape.kinds.add(k);
  if (k === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (!shape.props.has(key)) shape.props.set(key, newShape());
      learnInto(shape.props.get(key), v);
    }
  } else if (k === 'array') {
    for (const item of value) {
      if (!shape.items) shape.items = newShape();
      learnInto(shape.items, item);
    }
  }
}

/** An integer is a number: a mock may send 3 where the server sent 2.5, not 2.5 where it sent 3. */
function accepts(kinds, k) {
  return kinds.has(k) || (k === 'integer' && kinds.has('number'));
}

function describe(kinds) {
  return [...kinds].sort().join(' or ');
}

function checkAgainst(shape, value, where, problems) {
  const k = kind(value);
  if (!accepts(shape.kinds, k)) {
    const hint = shape.kinds.size === 1 && shape.kinds.has('null')
      ? ' (the samples only show null here: add a sample in which the server sends a value)'
      : '';
    problems.push(`${where}: the server sends ${describe(shape.kinds)}, the mock sends ${k}${hint}`);
    return;
  }
  if (k === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const sub = shape.props.get(key);
      if (!sub) problems.push(`${where}.${key}: the server never sends this field`);
      else checkAgainst(sub, v, `${where}.${key}`, problems);
    }
  } else if (k === 'array') {
    value.forEach((item, i) => {
      if (!shape.items) problems.push(`${where}[${i}]: the server was only seen sending an empty list here`);
      else checkAgainst(shape.items, item, `${where}[${i}]`, problems);
    });
  }
}

/** The body as the server would have it: no body (204, or an empty text) is `undefined`. */
function bodyOf(data) {
  return data === '' || data === undefined ? undefined : data;
}

class Shapes {
  /** `paths`: the path templates of the server's OpenAPI document (e.g. `/api/v1/topics/{id}`). */
  constructor(paths) {
    this.templates = paths
      .map((p) => ({
        path: p,
        re: new RegExp('^' + p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
        literal: p.split('/').filter((s) => s && !s.startsWith('{')).length,
      }))
      .sort((a, b) => b.literal - a.literal);
    this.shapes = new Map();
  }

  /** The template of a concrete path (`/api/v1/topics/11?x=1` → `/api/v1/topics/{id}`), or null. */
  template(urlOrPath) {
    const p = new URL(urlOrPath, 'http://x').pathname;
    const t = this.templates.find((x) => x.re.test(p));
    return t ? t.path : null;
  }

  key(method, urlOrPath, status) {
    if (status >= 400) return 'problem';
    const t = this.template(urlOrPath);
    return t && `${method.toUpperCase()} ${t} ${status}`;
  }

  /** Learn one real answer. */
  learn(method, url, status, data) {
    const key = this.key(method, url, status);
    if (!key) throw new Error(`the server answered ${method} ${url}, which its document does not list`);
    if (!this.shapes.has(key)) this.shapes.set(key, newShape());
    const body = bodyOf(data);
    this.shapes.get(key).kinds.add(body === undefined ? 'no body' : kind(body));
    if (body !== undefined) {
      const shape = this.shapes.get(key);
      shape.kinds.delete(kind(body));
      learnInto(shape, body);
    }
  }

  /** The ways a mocked answer differs from what the server sends (empty: it could be real). */
  check(method, urlOrPath, status, data) {
    const key = this.key(method, urlOrPath, status);
    const what = `${method.toUpperCase()} ${new URL(urlOrPath, 'http://x').pathname} → ${status}`;
    if (!key) return [`${what}: the server has no such path`];
    const shape = this.shapes.get(key);
    if (!shape) return [`${what}: the server was never seen answering ${key} (add a real sample)`];
    const body = bodyOf(data);
    if (body === undefined) {
      return shape.kinds.has('no body') ? [] : [`${what}: the server sends a body, the mock sends none`];
    }
    const problems = [];
    checkAgainst(shape, body, key === 'problem' ? 'problem' : what, problems);
    return problems;
  }

  /** Check a value against a part of a learned answer, e.g. ('GET /api/v1/topics/{id} 200', 'timeline[]'). */
  checkPart(key, part, value) {
    let shape = this.shapes.get(key);
    for (const step of part.split('.').filter(Boolean)) {
      if (!shape) break;
      shape = step.endsWith('[]') ? (shape.props.get(step.slice(0, -2)) || {}).items : shape.props.get(step);
    }
    if (!shape) return [`${key} ${part}: never seen in the samples`];
    const problems = [];
    checkAgainst(shape, value, `${key} ${part}`, problems);
    return problems;
  }
}

module.exports = { Shapes };
