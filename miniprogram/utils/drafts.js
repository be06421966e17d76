// Drafts: a suggestion is saved (wx.setStorageSync) with a client_id made once, then sent. If it
// cannot be sent it stays, shown as pending with the reason, and is sent again when the network
// returns (wx.onNetworkStatusChange), when the mini-program is shown (App.onShow) or on the retry
// button. The server answers a repeated client_id with the original suggestion: created once.
const { ApiError, NetworkError } = require('./api.js');

const KEY = 'minyi.drafts';

function w() {
  return globalThis.wx;
}

function newClientId() {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i += 1) s += hex[Math.floor(Math.random() * 16)];
  return s.slice(0, 8) + '-' + s.slice(8, 12) + '-4' + s.slice(13, 16) + '-a' + s.slice(17, 20) + '-' + s.slice(20) + '-' + Date.now().toString(36);
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

function create(fields) {
  const d = {
    client_id: newClientId(),
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
    if (e.status === 401) return { status: 'pending', reason: '登录已失效，重新登录后自动发送' };
    const detail = e.errors && e.errors[0] ? '（' + e.errors[0].message + '）' : '';
    return { status: 'error', reason: e.message + detail };
  }
  return { status: 'pending', reason: '发送失败，稍后自动重试' };
}

/** Send one draft: photos first (each upload id saved as soon as known), then the post. */
async function send(api, d) {
  try {
    for (const p of d.photos) {
      if (!p.upload_id) {
        const up = await api.upload(p.path);
        p.upload_id = up.upload_id;
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

module.exports = { KEY, list, save, remove, create, send, flush, newClientId };
