// One contract, two modules: the offline drafts of the mobile web version (web/m/drafts.js, ES
// module, IndexedDB) and of the mini-program (miniprogram/utils/drafts.js, CommonJS, wx storage)
// cannot share a file (the mini-program is packed from miniprogram/ alone), so the same cases
// run over both here. A case that holds for one and not the other fails.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const nodeCrypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '../..');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Run `fn` with Math.random replaced by one that fails the case if it is ever called. */
async function withoutMathRandom(fn) {
  const original = Math.random;
  Math.random = () => {
    throw new Error('Math.random must not be used for client ids');
  };
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Replace `obj[key]` for the duration of `fn` (deleting it when `value` is undefined). */
async function swapped(obj, key, value, fn) {
  const had = Object.prototype.hasOwnProperty.call(obj, key);
  const before = Object.getOwnPropertyDescriptor(obj, key);
  if (value === undefined) delete obj[key];
  else Object.defineProperty(obj, key, { value, configurable: true, writable: true });
  try {
    return await fn();
  } finally {
    if (had) Object.defineProperty(obj, key, before);
    else delete obj[key];
  }
}

// ---- the two modules behind one shape -------------------------------------------------------

async function webModule() {
  require('fake-indexeddb/auto');
  if (!globalThis.navigator || globalThis.navigator.onLine === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true });
  }
  const drafts = await import(pathToFileURL(path.join(ROOT, 'web/m/drafts.js')).href);
  const api = await import(pathToFileURL(path.join(ROOT, 'web/m/api.js')).href);
  return {
    name: 'web/m/drafts.js',
    ApiError: api.ApiError,
    NetworkError: api.NetworkError,
    uuidFromBytes: drafts.uuidFromBytes,
    newClientId: () => drafts.newClientId(),
    create: (fields) => drafts.createDraft(fields),
    list: () => drafts.listDrafts(),
    send: (client, d) => drafts.sendDraft(client, d),
    flush: (client) => drafts.flushDrafts(client),
    photo: (n) => new Blob([`photo ${n}`], { type: 'image/jpeg' }),
    async reset() {
      for (const d of await drafts.listDrafts()) await drafts.deleteDraft(d.client_id);
    },
    /** The random sources this module uses, swapped for `fn`: primary, fallback, none. */
    async sources(mode, fn) {
      const real = globalThis.crypto;
      const calls = { primary: 0, fallback: 0 };
      const fake = {
        randomUUID: () => {
          calls.primary += 1;
          return real.randomUUID();
        },
        getRandomValues: (a) => {
          calls.fallback += 1;
          return real.getRandomValues(a);
        },
      };
      if (mode !== 'primary') delete fake.randomUUID;
      if (mode === 'none') delete fake.getRandomValues;
      await swapped(globalThis, 'crypto', fake, () => fn(calls));
    },
  };
}

function mpModule() {
  const storage = new Map();
  globalThis.wx = {
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    getRandomValues: ({ length, success }) =>
      setTimeout(() => success({ randomValues: nodeCrypto.randomBytes(length).buffer }), 0),
  };
  const file = path.join(ROOT, 'miniprogram/utils/drafts.js');
  const drafts = require(file);
  const api = require(path.join(ROOT, 'miniprogram/utils/api.js'));
  return {
    name: 'miniprogram/utils/drafts.js',
    ApiError: api.ApiError,
    NetworkError: api.NetworkError,
    uuidFromBytes: drafts.uuidFromBytes,
    newClientId: () => drafts.newClientId(),
    create: (fields) => drafts.create(fields),
    list: async () => drafts.list(),
    send: (client, d) => drafts.send(client, d),
    flush: (client) => drafts.flush(client),
    photo: (n) => `/tmp/photo-${n}.jpg`,
    async reset() {
      storage.clear();
    },
    async sources(mode, fn) {
      const calls = { primary: 0, fallback: 0 };
      const real = globalThis.crypto;
      const wxRandom = ({ length, success }) => {
        calls.primary += 1;
        setTimeout(() => success({ randomValues: nodeCrypto.randomBytes(length).buffer }), 0);
      };
      const fallback = mode === 'none' ? undefined : {
        getRandomValues: (a) => {
          calls.fallback += 1;
          return real.getRandomValues(a);
        },
      };
      await swapped(globalThis.wx, 'getRandomValues', mode === 'primary' ? wxRandom : undefined, () =>
        swapped(globalThis, 'crypto', fallback, () => fn(calls))
      );
    },
  };
}

/**
 * A fake API client shaped like both clients: `upload(photo)` answers like POST /uploads
 * (`UploadView`), `post(body)` like POST /suggestions, each answer or failure scripted.
 */
function fakeApi(m, script = {}) {
  const calls = { uploads: [], posts: [] };
  let uploads = 0;
  return {
    calls,
    async upload(photo) {
      calls.uploads.push(photo);
      uploads += 1;
      if (script.upload) return script.upload(uploads);
      return { upload_id: `u${uploads}`, content_type: 'image/jpeg', byte_size: 10 };
    },
    async post(body) {
      calls.posts.push(body);
      if (script.post) return script.post(body, calls.posts.length);
      return { id: 100 + calls.posts.length, state: 'queued' };
    },
  };
}

const problem = (m, status, extra) =>
  new m.ApiError(status, { code: 'x', message: '提交的内容有误，请检查后重试', ...(extra || {}) });

// ---- the cases ------------------------------------------------------------------------------

const cases = {
  async 'a client id is a random version 4 UUID, never from Math.random'(m) {
    const ids = await withoutMathRandom(async () => {
      const out = [];
      for (let i = 0; i < 200; i += 1) out.push(await m.newClientId());
      return out;
    });
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length, 'no two ids alike');
  },

  async 'the same 16 bytes make the same UUID in both modules'(m) {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    assert.equal(m.uuidFromBytes(bytes), '00112233-4455-4677-8899-aabbccddeeff');
    assert.equal(m.uuidFromBytes(new Uint8Array(16).fill(255)), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    assert.equal(m.uuidFromBytes(new Uint8Array(16)), '00000000-0000-4000-8000-000000000000');
    assert.throws(() => m.uuidFromBytes(new Uint8Array(15)), RangeError);
  },

  async 'the platform CSPRNG is used first, its fallback second, and no source is an error'(m) {
    await m.sources('primary', async (calls) => {
      assert.match(await m.newClientId(), UUID_V4);
      assert.deepEqual(calls, { primary: 1, fallback: 0 });
    });
    await m.sources('fallback', async (calls) => {
      assert.match(await withoutMathRandom(() => m.newClientId()), UUID_V4);
      assert.deepEqual(calls, { primary: 0, fallback: 1 });
    });
    await m.sources('none', async () => {
      await assert.rejects(withoutMathRandom(async () => m.newClientId()));
    });
  },

  async 'a new draft is saved before any network use, with its client id and photos'(m) {
    const d = await m.create({ text: '楼道灯坏了三天', building_id: 3, show_name: true, photos: [m.photo(1)] });
    assert.match(d.client_id, UUID_V4);
    assert.equal(d.status, 'sending');
    assert.equal(d.photos.length, 1);
    assert.equal(d.photos[0].upload_id, null);
    const saved = await m.list();
    assert.deepEqual(saved.map((x) => x.client_id), [d.client_id]);
    assert.equal(saved[0].text, '楼道灯坏了三天');
    assert.equal(saved[0].building_id, 3);
    assert.equal(saved[0].show_name, true);
  },

  async 'sending uploads photos, posts upload ids and removes the draft'(m) {
    const d = await m.create({ text: '东门路灯不亮了', building_id: '7', photos: [m.photo(1), m.photo(2)] });
    const api = fakeApi(m);
    const r = await m.send(api, d);
    assert.equal(r.ok, true);
    assert.deepEqual(r.result, { id: 101, state: 'queued' });
    assert.equal(api.calls.uploads.length, 2);
    assert.deepEqual(api.calls.posts, [
      { client_id: d.client_id, text: '东门路灯不亮了', show_name: false, photo_ids: ['u1', 'u2'], building_id: 7 },
    ]);
    assert.deepEqual(await m.list(), []);
  },

  async 'an upload answer without upload_id is never posted'(m) {
    const d = await m.create({ text: '垃圾桶满了没人清', photos: [m.photo(1)] });
    // The shape the server sent before the field was named `upload_id`.
    const api = fakeApi(m, { upload: (n) => ({ id: `u${n}`, content_type: 'image/jpeg', byte_size: 10 }) });
    const r = await m.send(api, d);
    assert.equal(r.ok, false);
    assert.equal(api.calls.posts.length, 0, 'nothing posted with a missing photo id');
    const [kept] = await m.list();
    assert.equal(kept.status, 'pending');
    assert.equal(kept.photos[0].upload_id, null);
  },

  async 'offline: the draft stays pending and a re-send does not upload the photo again'(m) {
    const d = await m.create({ text: '电梯经常停在三楼', photos: [m.photo(1)] });
    let offline = true;
    const api = fakeApi(m, {
      post: (body, n) => {
        if (offline) throw new m.NetworkError('request:fail');
        return { id: 200 + n, state: 'queued' };
      },
    });
    const first = await m.send(api, d);
    assert.equal(first.ok, false);
    let [kept] = await m.list();
    assert.equal(kept.status, 'pending');
    assert.match(kept.reason, /网络/);
    assert.equal(kept.photos[0].upload_id, 'u1', 'the upload id is kept');
    assert.ok(kept.tried_at);
    offline = false;
    assert.equal(await m.flush(api), 1);
    assert.equal(api.calls.uploads.length, 1, 'uploaded once');
    assert.deepEqual(api.calls.posts.map((b) => b.client_id), [d.client_id, d.client_id], 'the same client id');
    assert.deepEqual(await m.list(), []);
  },

  async 'the reason follows the failure: busy, too often, logged out, refused'(m) {
    const expect = [
      [problem(m, 503), 'pending', '服务器暂时忙，稍后自动重试'],
      [problem(m, 429), 'pending', '提交太频繁，稍后自动重试'],
      [problem(m, 401), 'pending', '登录已失效，重新登录后会自动发送'],
      [new Error('boom'), 'pending', '发送失败，稍后自动重试'],
      [
        problem(m, 422, { errors: [{ field: 'text', code: 'too_long', message: '最多 2000 字' }] }),
        'error',
        '提交的内容有误，请检查后重试（最多 2000 字）',
      ],
    ];
    for (const [error, status, reason] of expect) {
      const d = await m.create({ text: '小区门口积水严重' });
      const r = await m.send(fakeApi(m, { post: () => { throw error; } }), d);
      assert.equal(r.ok, false);
      const kept = (await m.list()).find((x) => x.client_id === d.client_id);
      assert.deepEqual({ status: kept.status, reason: kept.reason }, { status, reason }, String(error.status));
    }
  },

  async 'flush sends pending drafts oldest first, skips refused ones and stops when offline'(m) {
    const a = await m.create({ text: '第一条：东门的灯' });
    await new Promise((r) => setTimeout(r, 5));
    const b = await m.create({ text: '第二条：南门的路' });
    await new Promise((r) => setTimeout(r, 5));
    const c = await m.create({ text: '第三条：北门的树' });
    await m.send(fakeApi(m, { post: () => { throw problem(m, 422); } }), b);
    // Offline after the first post: the rest waits for the next flush.
    const api = fakeApi(m, {
      post: (body, n) => {
        if (n > 1) throw new m.NetworkError('request:fail');
        return { id: n, state: 'queued' };
      },
    });
    assert.equal(await m.flush(api), 1);
    assert.deepEqual(api.calls.posts.map((x) => x.text), ['第一条：东门的灯', '第三条：北门的树']);
    assert.deepEqual((await m.list()).map((x) => [x.client_id, x.status]), [[b.client_id, 'error'], [c.client_id, 'pending']]);
    assert.notEqual(a.client_id, c.client_id);
  },

  async 'one flush at a time: a second call joins the first'(m) {
    await m.create({ text: '楼下的快递柜坏了' });
    let release;
    const gate = new Promise((r) => { release = r; });
    const api = fakeApi(m, { post: async (body, n) => { await gate; return { id: n, state: 'queued' }; } });
    const one = m.flush(api);
    const two = m.flush(api);
    assert.equal(one, two, 'the same run');
    release();
    assert.equal(await one, 1);
    assert.equal(api.calls.posts.length, 1);
  },
};

// ---- run every case over both modules -------------------------------------------------------

const modules = [webModule, async () => mpModule()];
for (const load of modules) {
  test(`drafts contract: ${load === webModule ? 'web/m/drafts.js' : 'miniprogram/utils/drafts.js'}`, async (t) => {
    const m = await load();
    for (const [name, run] of Object.entries(cases)) {
      await t.test(name, async () => {
        await m.reset();
        await run(m);
      });
    }
  });
}
