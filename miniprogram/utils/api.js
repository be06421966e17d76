// API client of the mini-program: base URL, token storage, silent login (wx.login → /auth/wechat),
// refresh before expiry, at most 4 requests at once (WeChat allows 10; older phones on weak
// networks do better with fewer), uploads retried with backoff, problem+json errors surfaced as
// ApiError with the Chinese `message`. `wx` is looked up when used, so Node tests can shim it.
const config = require('./config.js');

class ApiError extends Error {
  constructor(status, body) {
    const b = body && typeof body === 'object' ? body : {};
    super(b.message || '请求失败，请稍后再试');
    this.name = 'ApiError';
    this.status = status;
    this.code = b.code || 'http_' + status;
    this.messageEn = b.message_en || '';
    this.errors = b.errors || [];
    this.retryAfter = 0;
  }
}

class NetworkError extends Error {
  constructor(errMsg) {
    super('网络不通，请检查网络后重试');
    this.name = 'NetworkError';
    this.code = 'network';
    this.detail = errMsg || '';
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function header(headers, name) {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

function createClient(options) {
  const opts = options || {};
  const base = opts.baseUrl || config.BASE_URL;
  const maxConcurrent = opts.maxConcurrent || 4;
  const tokenKey = opts.tokenKey || 'minyi.tokens';
  // Residents log in silently with WeChat; the volunteers' client logs in with a password.
  const silentLogin = opts.silentLogin !== false;
  const getWx = () => opts.wx || globalThis.wx;
  const now = opts.now || (() => Date.now());

  let active = 0;
  const queue = [];
  function pump() {
    while (active < maxConcurrent && queue.length) {
      const job = queue.shift();
      active += 1;
      Promise.resolve()
        .then(job.fn)
        .then(job.resolve, job.reject)
        .then(() => {
          active -= 1;
          pump();
        });
    }
  }
  function schedule(fn) {
    return new Promise((resolve, reject) => {
      queue.push({ fn, resolve, reject });
      pump();
    });
  }

  function tokens() {
    try {
      return getWx().getStorageSync(tokenKey) || null;
    } catch (e) {
      return null;
    }
  }
  function saveTokens(t) {
    if (!t) {
      getWx().removeStorageSync(tokenKey);
      return null;
    }
    const stored = {
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      expires_at: now() + (t.expires_in || 900) * 1000,
    };
    getWx().setStorageSync(tokenKey, stored);
    return stored;
  }

  function send(method, path, data, token) {
    return schedule(
      () =>
        new Promise((resolve, reject) => {
          const h = { 'content-type': 'application/json' };
          if (token) h.authorization = 'Bearer ' + token;
          getWx().request({
            url: base + path,
            method,
            data: data === undefined ? undefined : data,
            header: h,
            success(res) {
              if (res.statusCode >= 200 && res.statusCode < 300) {
                resolve(res.data);
                return;
              }
              let body = res.data;
              if (typeof body === 'string') {
                try {
                  body = JSON.parse(body);
                } catch (e) {
                  body = null;
                }
              }
              const err = new ApiError(res.statusCode, body);
              err.retryAfter = Number(header(res.header, 'retry-after') || 0);
              reject(err);
            },
            fail(e) {
              reject(new NetworkError(e && e.errMsg));
            },
          });
        })
    );
  }

  let loggingIn = null;
  function wechatLogin() {
    if (!loggingIn) {
      loggingIn = new Promise((resolve, reject) => {
        getWx().login({
          success: (r) => resolve(r.code),
          fail: (e) => reject(new NetworkError(e && e.errMsg)),
        });
      })
        .then((code) => send('POST', '/auth/wechat', { code }))
        .then(saveTokens)
        .catch((e) => {
          if (e instanceof ApiError && opts.onLoginRefused) opts.onLoginRefused(e);
          throw e;
        })
        .then(
          (t) => {
            loggingIn = null;
            return t;
          },
          (e) => {
            loggingIn = null;
            throw e;
          }
        );
    }
    return loggingIn;
  }

  let refreshing = null;
  function refresh(t) {
    if (!refreshing) {
      refreshing = send('POST', '/auth/refresh', { refresh_token: t.refresh_token })
        .then(saveTokens, (e) => {
          if (e instanceof ApiError) {
            // The refresh token is spent or revoked: log in again.
            saveTokens(null);
            if (silentLogin) return wechatLogin();
          }
          throw e;
        })
        .then(
          (n) => {
            refreshing = null;
            return n;
          },
          (e) => {
            refreshing = null;
            throw e;
          }
        );
    }
    return refreshing;
  }

  /** A usable access token: refreshed a minute before expiry, or a new silent login. */
  async function accessToken() {
    const t = tokens();
    if (t && t.expires_at - now() > 60000) return t.access_token;
    if (t && t.refresh_token) return (await refresh(t)).access_token;
    if (!silentLogin) throw new ApiError(401, { code: 'unauthorized', message: '请先登录' });
    return (await wechatLogin()).access_token;
  }

  async function request(method, path, data) {
    const token = await accessToken();
    try {
      return await send(method, path, data, token);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && e.code === 'invalid_token') {
        const t = tokens();
        const n = t && t.refresh_token ? await refresh(t) : silentLogin ? await wechatLogin() : null;
        if (!n) throw e;
        return send(method, path, data, n.access_token);
      }
      throw e;
    }
  }

  function uploadOnce(filePath, token) {
    return schedule(
      () =>
        new Promise((resolve, reject) => {
          getWx().uploadFile({
            url: base + '/uploads',
            filePath,
            name: 'file',
            header: { authorization: 'Bearer ' + token },
            success(res) {
              let body = res.data;
              try {
                body = typeof body === 'string' ? JSON.parse(body) : body;
              } catch (e) {
                body = null;
              }
              if (res.statusCode >= 200 && res.statusCode < 300) resolve(body);
              else reject(new ApiError(res.statusCode, body));
            },
            fail(e) {
              reject(new NetworkError(e && e.errMsg));
            },
          });
        })
    );
  }

  /** Upload a photo; network failures, 429 and 5xx are retried with backoff (0.5 s, 1 s, 2 s). */
  async function upload(filePath, attempts) {
    const tries = attempts || 4;
    let wait = opts.backoffMs || 500;
    for (let i = 1; ; i += 1) {
      try {
        return await uploadOnce(filePath, await accessToken());
      } catch (e) {
        const retriable = e instanceof NetworkError || (e instanceof ApiError && (e.status === 429 || e.status >= 500));
        if (!retriable || i >= tries) throw e;
        await sleep(e.retryAfter ? e.retryAfter * 1000 : wait);
        wait *= 2;
      }
    }
  }

  return {
    request,
    upload,
    tokens,
    saveTokens,
    logout() {
      const t = tokens();
      saveTokens(null);
      if (t) send('POST', '/auth/logout', undefined, t.access_token).catch(() => {});
    },
    /** Volunteers and workers (assist mode) log in with their staff account. */
    async passwordLogin(username, password) {
      return saveTokens(await send('POST', '/auth/login', { username, password }));
    },
    me: () => request('GET', '/me'),
    buildings: (c) => request('GET', '/communities/' + c + '/buildings'),
    topics: (c) => request('GET', '/communities/' + c + '/topics?sort=heat&limit=30'),
    topic: (id) => request('GET', '/topics/' + id),
    support: (id, on) => request(on ? 'PUT' : 'DELETE', '/topics/' + id + '/support'),
    satisfaction: (id, answer, comment) =>
      request('POST', '/topics/' + id + '/satisfaction', comment ? { answer, comment } : { answer }),
    /** The funded projects that answer a topic (once the awards are announced). */
    topicProjects: (id) => request('GET', '/topics/' + id + '/projects'),
    projectSignup: (id, kind) => request('POST', '/projects/' + id + '/signups', { kind }),
    projectRating: (id, stars, comment) =>
      request('PUT', '/projects/' + id + '/rating', comment ? { stars, comment } : { stars }),
    mySuggestions: () => request('GET', '/me/suggestions?limit=50'),
    notifications: () => request('GET', '/me/notifications?limit=20'),
    markRead: (ids) => request('POST', '/me/notifications/read', ids ? { ids } : {}),
    post: (body) => request('POST', '/suggestions', Object.assign({ channel: 'mini_program' }, body)),
    /** Which community a poster's code leads to. */
    joinPreview: (code) => request('GET', '/join-codes/' + encodeURIComponent(code)),
    /** Join (or move to) the community of a poster's code. */
    joinCommunity: (code) => request('PUT', '/me/community', { code }),
    /** A photo as a local file (the API serves photos only with the token). */
    async photo(uploadId) {
      const token = await accessToken();
      return new Promise((resolve, reject) => {
        getWx().downloadFile({
          url: base + '/uploads/' + encodeURIComponent(uploadId),
          header: { authorization: 'Bearer ' + token },
          success: (r) => (r.statusCode === 200 ? resolve(r.tempFilePath) : reject(new ApiError(r.statusCode, null))),
          fail: (e) => reject(new NetworkError(e && e.errMsg)),
        });
      });
    },
    subscribeTemplates: () => request('GET', '/subscribe-templates'),
    subscriptions: (accepted) => request('POST', '/me/subscriptions', { accepted }),
    stats: () => ({ active, queued: queue.length }),
  };
}

let shared = null;
/** The residents' client, one per mini-program. */
function client() {
  if (!shared) {
    shared = createClient({
      onLoginRefused(err) {
        const w = globalThis.wx;
        if (w && w.reLaunch) {
          w.reLaunch({
            url: '/pages/login-error/index?code=' + encodeURIComponent(err.code) + '&msg=' + encodeURIComponent(err.message),
          });
        }
      },
    });
  }
  return shared;
}

function resetClient() {
  shared = null;
}

module.exports = { ApiError, NetworkError, createClient, client, resetClient };
