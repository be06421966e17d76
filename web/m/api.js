// API client of the residents' mobile web version: tokens in localStorage, refresh before
// expiry, problem+json errors as ApiError (Chinese `message` shown to residents).
const BASE = '/api/v1';
const KEY = 'minyi.m.tokens';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || '请求失败，请稍后再试');
    this.status = status;
    this.code = (body && body.code) || 'http_' + status;
    this.errors = (body && body.errors) || [];
    this.retryAfter = body && body.retry_after;
  }
}

/** Network failure (offline, timeout): the request may be retried unchanged. */
export class NetworkError extends Error {
  constructor(cause) {
    super('网络不通，请检查网络后重试');
    this.code = 'network';
    this.cause = cause;
  }
}

export function tokens() {
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { return null; }
}
function saveTokens(t) {
  if (!t) { localStorage.removeItem(KEY); return; }
  localStorage.setItem(KEY, JSON.stringify({
    access_token: t.access_token, refresh_token: t.refresh_token,
    expires_at: Date.now() + (t.expires_in || 900) * 1000,
  }));
}
export function loggedIn() { return !!tokens(); }
export function logout() {
  const t = tokens();
  saveTokens(null);
  if (t) fetch(BASE + '/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + t.access_token } }).catch(() => {});
}

async function parse(resp) {
  const type = resp.headers.get('content-type') || '';
  if (resp.status === 204) return null;
  if (type.includes('json')) return resp.json();
  return resp.text();
}

async function raw(method, path, body, token, isForm) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  let payload;
  if (isForm) payload = body;
  else if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
  let resp;
  try {
    resp = await fetch(BASE + path, { method, headers, body: payload });
  } catch (e) {
    throw new NetworkError(e);
  }
  const data = await parse(resp).catch(() => null);
  if (!resp.ok) {
    const err = new ApiError(resp.status, data && typeof data === 'object' ? data : null);
    const ra = resp.headers.get('retry-after');
    if (ra) err.retryAfter = Number(ra);
    throw err;
  }
  return data;
}

let refreshing = null;
async function refresh() {
  const t = tokens();
  if (!t) throw new ApiError(401, { code: 'unauthorized', message: '请先登录' });
  if (!refreshing) {
    refreshing = raw('POST', '/auth/refresh', { refresh_token: t.refresh_token })
      .then((n) => { saveTokens(n); return n; })
      .catch((e) => { if (e instanceof ApiError) saveTokens(null); throw e; })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** An authenticated call; refreshes the access token a minute before it expires, or on 401. */
export async function call(method, path, body, isForm) {
  let t = tokens();
  if (!t) throw new ApiError(401, { code: 'unauthorized', message: '请先登录' });
  if (t.expires_at - Date.now() < 60_000) t = await refresh();
  try {
    return await raw(method, path, body, t.access_token, isForm);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && e.code === 'invalid_token') {
      const n = await refresh();
      return raw(method, path, body, n.access_token, isForm);
    }
    throw e;
  }
}

const blobs = new Map();
/** An object URL for a photo the API serves only with the token (kept for the page's life). */
export function photoUrl(uploadId) {
  if (!blobs.has(uploadId)) {
    const p = (async () => {
      const t = tokens();
      const resp = await fetch(`${BASE}/uploads/${encodeURIComponent(uploadId)}`, { headers: t ? { authorization: 'Bearer ' + t.access_token } : {} });
      if (!resp.ok) throw new ApiError(resp.status, null);
      return URL.createObjectURL(await resp.blob());
    })();
    p.catch(() => blobs.delete(uploadId));
    blobs.set(uploadId, p);
  }
  return blobs.get(uploadId);
}

export const api = {
  sendCode: (phone) => raw('POST', '/auth/sms/send', { phone }),
  /** Log in; `joinCode` (from the community's QR code) makes a new resident a member. */
  async smsLogin(phone, code, joinCode) {
    const body = { phone, code };
    if (joinCode) body.join_code = joinCode;
    saveTokens(await raw('POST', '/auth/sms/login', body));
  },
  me: () => call('GET', '/me'),
  /** Which community a QR code leads to (no login needed). */
  joinPreview: (code) => raw('GET', `/join-codes/${encodeURIComponent(code)}`),
  /** Join (or move to) the community of a QR code. */
  joinCommunity: (code) => call('PUT', '/me/community', { code }),
  buildings: (c) => call('GET', `/communities/${c}/buildings`),
  topics: (c, cursor) => call('GET', `/communities/${c}/topics?sort=heat&limit=30${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`),
  topic: (id) => call('GET', `/topics/${id}`),
  support: (id, on) => call(on ? 'PUT' : 'DELETE', `/topics/${id}/support`),
  satisfaction: (id, answer, comment) => call('POST', `/topics/${id}/satisfaction`, comment ? { answer, comment } : { answer }),
  /** The funded projects that answer a topic (once the awards are announced). */
  topicProjects: (id) => call('GET', `/topics/${id}/projects`),
  projectSignup: (id, kind) => call('POST', `/projects/${id}/signups`, { kind }),
  projectRating: (id, stars, comment) => call('PUT', `/projects/${id}/rating`, comment ? { stars, comment } : { stars }),
  mine: () => call('GET', '/me/suggestions?limit=50'),
  notifications: () => call('GET', '/me/notifications?limit=20'),
  markRead: (ids) => call('POST', '/me/notifications/read', ids ? { ids } : {}),
  // Posts from the mobile web are recorded as its channel (h5), not the mini-program's.
  post: (body) => call('POST', '/suggestions', { ...body, channel: 'h5' }),
  upload(blob, name) {
    const form = new FormData();
    form.append('file', blob, name || 'photo.jpg');
    return call('POST', '/uploads', form, true);
  },
};
