// What the tests know about the minyi server that scripts/test-residents.sh started.
const fs = require('node:fs');

const BASE = process.env.MINYI_URL || '';
const COMMUNITY = Number(process.env.MINYI_COMMUNITY_ID || 0);
const ADMIN_PASSWORD = process.env.MINYI_ADMIN_PASSWORD || '';
const LOG = process.env.MINYI_LOG_FILE || '';

/** The last login code the development SMS provider wrote to the server's log for `masked`. */
function codeFromLog(masked) {
  const lines = fs.readFileSync(LOG, 'utf8').split('\n').filter((l) => l.includes('development SMS provider'));
  for (const line of lines.reverse()) {
    if (masked && !line.includes(masked)) continue;
    const m = line.match(/"code":"(\d{6})"/) || line.match(/code[=:]\s*"?(\d{6})/);
    if (m) return m[1];
  }
  return null;
}

async function waitForCode(masked, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const c = codeFromLog(masked);
    if (c) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no SMS code in the server log for ' + masked);
}

async function json(method, path, body, token, extra) {
  const headers = { 'content-type': 'application/json', ...(extra || {}) };
  if (token) headers.authorization = 'Bearer ' + token;
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = text;
  try { data = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, data, headers: r.headers };
}

async function adminToken() {
  const r = await json('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  if (r.status !== 200) throw new Error('admin login failed: ' + JSON.stringify(r.data));
  return r.data.access_token;
}

/** A building in the test community (created once). */
async function ensureBuilding(name) {
  const token = await adminToken();
  const list = await json('GET', `/api/v1/communities/${COMMUNITY}/buildings`, undefined, token);
  const items = Array.isArray(list.data) ? list.data : list.data.items || [];
  const found = items.find((b) => b.name === name);
  if (found) return found.building_id;
  const r = await json('POST', `/api/v1/communities/${COMMUNITY}/buildings`, { name }, token);
  if (r.status >= 300) throw new Error('creating a building failed: ' + JSON.stringify(r.data));
  return r.data.building_id || r.data.id;
}

/** The community poster's join code (what its QR code carries to /m/?c=…). */
async function joinCode() {
  const r = await json('GET', `/api/v1/communities/${COMMUNITY}/join-code`, undefined, await adminToken());
  if (r.status !== 200) throw new Error('join code: ' + r.status);
  return r.data.code;
}

module.exports = { joinCode, BASE, COMMUNITY, ADMIN_PASSWORD, LOG, codeFromLog, waitForCode, json, adminToken, ensureBuilding, configured: !!BASE };
