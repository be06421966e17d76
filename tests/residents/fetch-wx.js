// `wx` over fetch, for running the mini-program's own API client (miniprogram/utils/api.js)
// against a real `minyi serve`: storage in memory, wx.login answers `code`, wx.request and
// wx.uploadFile over HTTP. `onAnswer({ method, url, statusCode, data })` sees every answer.
const fs = require('node:fs');
const path = require('node:path');

function parseBody(text) {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fetchWx(code, onAnswer) {
  const store = new Map();
  const seen = onAnswer || (() => {});
  return {
    getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
    setStorageSync: (k, v) => store.set(k, v),
    removeStorageSync: (k) => store.delete(k),
    login: ({ success }) => success({ code }),
    request({ url, method, data, header, success, fail }) {
      const m = method || 'GET';
      fetch(url, { method: m, headers: header, body: data === undefined ? undefined : JSON.stringify(data) }).then(
        async (r) => {
          const body = parseBody(await r.text());
          seen({ method: m, url, statusCode: r.status, data: body });
          success({ statusCode: r.status, data: body, header: Object.fromEntries(r.headers) });
        },
        (e) => fail({ errMsg: 'request:fail ' + e.message })
      );
    },
    uploadFile({ url, filePath, name, header, success, fail }) {
      const form = new FormData();
      form.append(name, new Blob([fs.readFileSync(filePath)], { type: 'image/png' }), path.basename(filePath));
      fetch(url, { method: 'POST', headers: header, body: form }).then(
        async (r) => {
          // WeChat hands uploadFile's answer over as text, as here.
          const text = await r.text();
          seen({ method: 'POST', url, statusCode: r.status, data: parseBody(text) });
          success({ statusCode: r.status, data: text });
        },
        (e) => fail({ errMsg: 'uploadFile:fail ' + e.message })
      );
    },
  };
}

module.exports = { fetchWx };
