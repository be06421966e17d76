// Joining a community by its QR code. The poster's code reaches the mini-program three ways:
// a mini-program code opens it with `scene=<code>`; an ordinary QR code whose link
// (`https://…/m/?c=<code>`) is mapped to the mini-program ("扫普通链接二维码打开小程序")
// opens it with `q=<the link, encoded>`; and "扫码加入" in the app reads the QR code with
// wx.scanCode. The code waits in storage until the resident confirms joining.
const KEY = 'minyi.join';
const SHAPE = /^\d+\.[A-Za-z0-9_-]{20}$/;

function decode(v) {
  try {
    return decodeURIComponent(v);
  } catch (e) {
    return v;
  }
}

/** The `c` (or `scene`) parameter of a link or page path, or the text itself. */
function paramOf(text, name) {
  const i = text.indexOf('?');
  if (i < 0) return null;
  for (const pair of text.slice(i + 1).split('#')[0].split('&')) {
    const [k, v] = pair.split('=');
    if (k === name && v !== undefined) return decode(v);
  }
  return null;
}

/** A join code from any of the three ways, or null. */
function codeOf(value) {
  if (!value) return null;
  const text = decode(String(value)).trim();
  const candidates = [text, paramOf(text, 'c'), paramOf(text, 'scene')];
  const found = candidates.find((c) => c && SHAPE.test(c));
  return found || null;
}

/** A code from launch or page options (`{scene}`, `{query: {scene | q}}`). */
function codeFromOptions(options) {
  if (!options) return null;
  const q = options.query || options;
  return codeOf(q.scene) || codeOf(q.q) || codeOf(options.scene !== undefined && typeof options.scene !== 'number' ? options.scene : null);
}

function remember(code) {
  if (code) wx.setStorageSync(KEY, code);
  return code;
}

function pending() {
  return wx.getStorageSync(KEY) || null;
}

function clear() {
  wx.removeStorageSync(KEY);
}

/** Scan a poster's QR code with the camera; the code, or null (cancelled, not a poster). */
function scan() {
  return new Promise((resolve) => {
    wx.scanCode({
      onlyFromCamera: false,
      success: (r) => resolve(codeOf(r.path) || codeOf(r.result)),
      fail: () => resolve(null),
    });
  });
}

module.exports = { codeOf, codeFromOptions, remember, pending, clear, scan };
