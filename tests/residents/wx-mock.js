// A mocked `wx` and the mini-program globals (App, Page, Component, getApp), enough to run the
// pages' JS in Node: storage, request/uploadFile answered by a route table (each answer checked
// against what the real server sends), network status events, getRandomValues,
// compressImage/chooseMedia/requestSubscribeMessage, and setData with path keys.
const path = require('node:path');

const MP = path.resolve(__dirname, '../../miniprogram');

// The shapes of the real server's answers (shapes.js, samples.js): every answer a test mocks is
// checked against them, and what differs is collected in `wx.violations`.
let shapes = null;
function useShapes(s) {
  shapes = s;
}
function checkAnswer(wx, method, p, res) {
  if (!shapes) {
    wx.violations.push(`${method} ${p}: no real answers to compare with (run scripts/test-residents.sh)`);
    return;
  }
  wx.violations.push(...shapes.check(method, p, res.statusCode, res.data));
}

function setPath(obj, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o = obj;
  for (let i = 0; i < parts.length - 1; i += 1) {
    if (o[parts[i]] === undefined) o[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
    o = o[parts[i]];
  }
  o[parts[parts.length - 1]] = value;
}

function createWx() {
  const storage = new Map();
  const netListeners = [];
  const calls = [];
  const wx = {
    online: true,
    routes: [], // [{ method, path: RegExp|string, reply: (req) => ({ statusCode, data, header }) }]
    calls,
    violations: [],
    toasts: [],
    subscribeAnswer: {},
    chosenFiles: [],
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    login: ({ success }) => setTimeout(() => success({ code: 'code-1' }), 0),
    request(opts) {
      const url = new URL(opts.url);
      const req = { method: opts.method || 'GET', path: url.pathname + url.search, data: opts.data, header: opts.header };
      calls.push(req);
      setTimeout(() => {
        if (!wx.online) return opts.fail({ errMsg: 'request:fail network down' });
        const route = wx.routes.find((r) => r.method === req.method &&
          (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)));
        const res = route
          ? route.reply(req)
          : { statusCode: 404, data: { code: 'not_found', message: '未找到', message_en: 'Not found' } };
        // A reply "lost on the way back" (`dropped`) never reached the phone: nothing to check.
        if (!res.dropped) checkAnswer(wx, req.method, url.pathname, res);
        opts.success({ header: {}, ...res });
      }, 1);
    },
    uploadFile(opts) {
      calls.push({ method: 'UPLOAD', path: '/api/v1/uploads', filePath: opts.filePath });
      setTimeout(() => {
        if (!wx.online) return opts.fail({ errMsg: 'uploadFile:fail network down' });
        wx.uploads = (wx.uploads || 0) + 1;
        const res = { statusCode: 201, data: { upload_id: 'u' + wx.uploads, content_type: 'image/jpeg', byte_size: 48213 } };
        checkAnswer(wx, 'POST', '/api/v1/uploads', res);
        // WeChat hands uploadFile's answer over as text.
        opts.success({ statusCode: res.statusCode, data: JSON.stringify(res.data) });
      }, 1);
    },
    compressImage: ({ src, success }) => setTimeout(() => success({ tempFilePath: src.replace('tmp', 'small') }), 0),
    chooseMedia: ({ count, success }) => setTimeout(() => success({
      tempFiles: wx.chosenFiles.slice(0, count).map((p) => ({ tempFilePath: p })),
    }), 0),
    requestSubscribeMessage: ({ tmplIds, success }) => {
      calls.push({ method: 'SUBSCRIBE', tmplIds });
      setTimeout(() => success(Object.fromEntries(tmplIds.map((id) => [id, wx.subscribeAnswer[id] || 'reject']))), 0);
    },
    onNetworkStatusChange: (fn) => netListeners.push(fn),
    setNetwork(online) {
      wx.online = online;
      for (const fn of netListeners) fn({ isConnected: online, networkType: online ? 'wifi' : 'none' });
    },
    showToast: (o) => wx.toasts.push(o.title),
    stopPullDownRefresh() {},
    switchTab() {},
    reLaunch: (o) => { wx.relaunched = o.url; },
    navigateTo: (o) => { wx.navigated = o.url; },
    getFileSystemManager: () => ({ saveFileSync: (p) => p.replace('small', 'saved') }),
    getRandomValues: ({ length, success }) =>
      setTimeout(() => success({ randomValues: require('node:crypto').randomBytes(length).buffer }), 0),
  };
  return wx;
}

/** Fresh globals and module cache; returns { wx, app, loadPage }. */
function setup() {
  for (const k of Object.keys(require.cache)) if (k.startsWith(MP)) delete require.cache[k];
  const wx = createWx();
  globalThis.wx = wx;
  let appConfig = null;
  globalThis.App = (cfg) => { appConfig = cfg; };
  globalThis.getApp = () => appConfig;
  require(path.join(MP, 'app.js'));
  appConfig.onLaunch();
  function loadPage(name) {
    let cfg = null;
    globalThis.Page = (c) => { cfg = c; };
    const file = path.join(MP, 'pages', name.includes('/') ? name + '.js' : path.join(name, 'index.js'));
    delete require.cache[file];
    require(file);
    const page = Object.assign({}, cfg, { data: JSON.parse(JSON.stringify(cfg.data || {})) });
    page.setData = function setData(patch) {
      for (const [k, v] of Object.entries(patch)) setPath(this.data, k, v);
    };
    return page;
  }
  return { wx, app: appConfig, loadPage };
}

/** Wait until `check()` is truthy (polling), at most `ms`. */
async function until(check, ms = 2000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

module.exports = { setup, until, useShapes, MP };
