// Drafts: every suggestion is first saved here (IndexedDB, photos as blobs) with a client_id
// made once, then sent. One that cannot be sent stays, shown as pending with the reason, and is
// sent again when the network returns, when the page is shown, or on the retry button. The
// server answers a repeated client_id with the original suggestion, so it is created once.
import { ApiError, NetworkError } from './api.js';

const DB = 'minyi-m';
const STORE = 'drafts';
let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_id' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    const store = t.objectStore(STORE);
    const req = fn(store);
    t.oncomplete = () => resolve(req && req.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

/**
 * A random (version 4) UUID made from 16 random bytes: the version and variant bits are set.
 * The mini-program's utils/drafts.js has the same function; tests/residents/drafts.test.js
 * runs the same cases over both.
 */
export function uuidFromBytes(bytes) {
  const b = Array.from(bytes).slice(0, 16);
  if (b.length !== 16) throw new RangeError('uuidFromBytes needs 16 bytes');
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The client id of a new draft, from the browser's CSPRNG: `crypto.randomUUID` where it exists
 * (secure contexts only), else `crypto.getRandomValues` (every context, e.g. plain http).
 */
export function newClientId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return uuidFromBytes(c.getRandomValues(new Uint8Array(16)));
}

export const saveDraft = (d) => tx('readwrite', (s) => s.put(d));
export const deleteDraft = (id) => tx('readwrite', (s) => s.delete(id));
export async function listDrafts() {
  const all = (await tx('readonly', (s) => s.getAll())) || [];
  return all.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

const MAX_SIDE = 1600;

/** Phone photos are often 3–5 MB: send large ones as a JPEG of at most 1600 px (weak networks). */
async function shrink(file) {
  try {
    if (file.size < 600 * 1024 || typeof createImageBitmap !== 'function') return file;
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    return blob && blob.size < file.size ? new File([blob], 'photo.jpg', { type: 'image/jpeg' }) : file;
  } catch {
    return file;
  }
}

/** A new draft from the post form; saved before any network use. */
export async function createDraft({ text, building_id, show_name, photos }) {
  const small = await Promise.all((photos || []).map(shrink));
  const d = {
    client_id: newClientId(),
    text, building_id: building_id || null, show_name: !!show_name,
    photos: small.map((f) => ({ blob: f, name: f.name || 'photo.jpg', upload_id: null })),
    created_at: new Date().toISOString(),
    status: 'sending', reason: '',
  };
  await saveDraft(d);
  return d;
}

function reasonOf(e) {
  if (e instanceof NetworkError || !navigator.onLine) return { status: 'pending', reason: '网络不通，联网后会自动发送' };
  if (e instanceof ApiError) {
    if (e.status === 429) return { status: 'pending', reason: '提交太频繁，稍后自动重试' };
    if (e.status >= 500) return { status: 'pending', reason: '服务器暂时忙，稍后自动重试' };
    if (e.status === 401) return { status: 'pending', reason: '登录已失效，重新登录后会自动发送' };
    const field = e.errors && e.errors[0] ? '（' + e.errors[0].message + '）' : '';
    return { status: 'error', reason: e.message + field };
  }
  return { status: 'pending', reason: '发送失败，稍后自动重试' };
}

/** The id in an upload's answer (`UploadView.upload_id`); any other answer is an error. */
function uploadIdOf(answer) {
  const id = answer && answer.upload_id;
  if (typeof id !== 'string' || !id) throw new Error('the upload answer has no upload_id');
  return id;
}

/** Send one draft: photos first (each upload id kept as soon as it is known), then the post. */
export async function sendDraft(api, d) {
  try {
    for (const p of d.photos) {
      if (!p.upload_id) {
        p.upload_id = uploadIdOf(await api.upload(p.blob, p.name));
        await saveDraft(d);
      }
    }
    const body = {
      client_id: d.client_id, text: d.text, show_name: d.show_name,
      photo_ids: d.photos.map((p) => p.upload_id),
    };
    if (d.building_id) body.building_id = Number(d.building_id);
    const result = await api.post(body);
    await deleteDraft(d.client_id);
    return { ok: true, result };
  } catch (e) {
    Object.assign(d, reasonOf(e), { tried_at: new Date().toISOString() });
    await saveDraft(d);
    return { ok: false, error: e, draft: d };
  }
}

let flushing = null;
/** Send every pending draft once (one run at a time); resolves to how many were sent. */
export function flushDrafts(api) {
  if (flushing) return flushing;
  flushing = (async () => {
    let sent = 0;
    for (const d of await listDrafts()) {
      if (d.status === 'error') continue;
      const r = await sendDraft(api, d);
      if (r.ok) sent += 1;
      else if (r.error instanceof NetworkError) break;
    }
    return sent;
  })().finally(() => { flushing = null; });
  return flushing;
}
