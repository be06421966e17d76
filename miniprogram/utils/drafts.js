// Drafts: a suggestion is saved (wx.setStorageSync) with a client_id made once, then sent. If it
// cannot be sent it stays, shown as pending with the reason, and is sent again when the network
// returns (wx.onNetworkStatusChange), when the mini-program is shown (App.onShow) or on the retry
// button. The server answers a repeated client_id with the original suggestion: created once.
const { ApiError, NetworkError } = require('./api.js');

const KEY = 'minyi.drafts';

function w() {
  return globalThis.wx;
}

/**
 * A random (version 4) UUID made from 16 random bytes: the version and variant bits are set.
 * The mobile web version's web/m/drafts.js has the same function; tests/residents/drafts.test.js
 * runs the same cases over both.
 */
function uuidFromBytes(bytes) {
  const b = Array.from(bytes).slice(0, 16);
  if (b.length !== 16) throw new RangeError('uuidFromBytes needs 16 bytes');
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
}

class NoRandomError extends Error {
  constructor(cause) {
    super('无法生成安全的提交编号，请将微信升级到最新版本后重试');
    this.name = 'NoRandomError';
    this.code = 'no_secure_random';
    this.detail = cause || '';
  }
}

/** The runtime's CSPRNG, if it has one (newer base libraries; Node in tests). Never Math.random. */
function cryptoBytes(n) {
  const c = globalThis.crypto;
  return c && typeof c.getRandomValues === 'function' ? c.getRandomValues(new Uint8Array(n)) : null;
}

/** `n` cryptographically secure random bytes: wx.getRandomValues (base library 2.15+), else crypto. */
function randomBytes(n) {
  const wx = w();
  return new Promise((resolve, reject) => {
    const fallback = (why) => {
      const b = cryptoBytes(n);
      if (b) resolve(b);
      else reject(new NoRandomError(why));
    };
    if (!wx || typeof wx.getRandomValues !== 'function') return fallback('wx.getRandomValues is missing');
    wx.getRandomValues({
      length: n,
      success: (res) => {
        const b = new Uint8Array(res.randomValues || []);
        if (b.length === n) resolve(b);
        else fallback('wx.getRandomValues gave ' + b.length + ' bytes');
      },
      fail: (e) => fallback((e && e.errMsg) || 'wx.getRandomValues failed'),
    });
  });
}

/** The client id of a new draft or form: a random UUID (resolves; rejects only without a CSPRNG). */
async function newClientId() {
  return uuidFromBytes(await randomBytes(16));
}

function list() {
  try {
    return w().getStorageSync(KEY) || [];
  } catch (e) {
    return [];
  }
}

function saveAll(drafts) {
  w().setStorageSync(KEY, drafts);
}

function save(d) {
  const all = list().filter((x) => x.client_id !== d.client_id);
  all.push(d);
  all.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
  saveAll(all);
}

function remove(clientId) {
  saveAll(list().filter((x) => x.client_id !== clientId));
}

/** Keep a photo beyond this run of the mini-program (temporary files can be cleaned). */
function keepFile(path) {
  try {
    const fs = w().getFileSystemManager && w().getFileSystemManager();
    if (fs && fs.saveFileSync) return fs.saveFileSync(path);
  } catch (e) {
    /* keep the temporary path */
  }
  return path;
}

/** A new draft from the post form; saved before any network use. */
async function create(fields) {
  const d = {
    client_id: await newClientId(),
    text: fields.text,
    building_id: fields.building_id || null,
    show_name: !!fields.show_name,
    photos: (fields.photos || []).map((p) => ({ path: keepFile(p), upload_id: null })),
    created_at: new Date().toISOString(),
    status: 'sending',
    reason: '',
  };
  save(d);
  return d;
}

function reasonOf(e) {
  if (e instanceof NetworkError) return { status: 'pending', reason: '网络不通，联网后会自动发送' };
  if (e instanceof ApiError) {
    if (e.status === 429) return { status: 'pending', reason: '提交太频繁，稍后自动重试' };
    if (e.status >= 500) return { status: 'pending', reason: '服务器暂时忙，稍后自动重试' };
    if (e.status === 401) return { status: 'pending', reason: '登录已失效，重新登录后会自动发送' };
    const detail = e.errors && e.errors[0] ? '（' + e.errors[0].message + '）' : '';
    return { status: 'error', reason: e.message + detail };
  }
  return { status: 'pending', reason: '发送失败，稍后自动重试' };
}

/** The id in an upload's answer (`UploadView.upload_id`); any other answer is an error. */
function uploadIdOf(answer) {
  const id = answer && answer.upload_id;
  if (typeof id !== 'string' || !id) throw new Error('the upload answer has no upload_id');
  return id;
}

/** Send one draft: photos first (each upload id saved as soon as known), then the post. */
async function send(api, d) {
  try {
    for (const p of d.photos) {
      if (!p.upload_id) {
        p.upload_id = uploadIdOf(await api.upload(p.path));
        save(d);
      }
    }
    const body = {
      client_id: d.client_id,
      text: d.text,
      show_name: d.show_name,
      photo_ids: d.photos.map((p) => p.upload_id),
    };
    if (d.building_id) body.building_id = Number(d.building_id);
    const result = await api.post(body);
    remove(d.client_id);
    return { ok: true, result };
  } catch (e) {
    Object.assign(d, reasonOf(e), { tried_at: new Date().toISOString() });
    save(d);
    return { ok: false, error: e, draft: d };
  }
}

let flushing = null;
/** Send every pending draft once; one run at a time. Resolves to the number sent. */
function flush(api) {
  if (flushing) return flushing;
  flushing = (async () => {
    let sent = 0;
    for (const d of list()) {
      if (d.status === 'error') continue;
      const r = await send(api, d);
      if (r.ok) sent += 1;
      else if (r.error instanceof NetworkError) break;
    }
    return sent;
  })().then(
    (n) => {
      flushing = null;
      return n;
    },
    (e) => {
      flushing = null;
      throw e;
    }
  );
  return flushing;
}

module.exports = { KEY, list, save, remove, create, send, flush, newClientId, uuidFromBytes, NoRandomError };
