// Residents' data rights on their screens: the mini-program's 我的资料与隐私 page (wx mocked;
// templates rendered by miniprogram-simulate) and the mobile web version in headless Chromium
// against a real server: the privacy notice first, profile, export download, phone change by
// SMS code, erasure after a confirmation. Screenshots: target/test-output/screenshots/privacy-*.png.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { setup, useShapes, MP } = require('./wx-mock.js');
const { realShapes } = require('./samples.js');
const { fetchWx } = require('./fetch-wx.js');
const { createClient } = require('../../miniprogram/utils/api.js');
const srv = require('./server.js');

const skip = srv.configured ? false : 'MINYI_URL not set: run scripts/test-residents.sh (mocks are checked against the real server)';
const test = (name, opts, fn) => (fn ? nodeTest(name, { skip, ...opts }, fn) : nodeTest(name, { skip }, opts));

/**
 * The real server's answers to the privacy routes, learned into the shared samples (shapes.js):
 * a resident of the mini-program's own client reads the notice, accepts it, sets a profile,
 * proves a new phone, asks to erase and erases.
 */
async function privacyShapes() {
  const shapes = await realShapes();
  const learn = ({ method, url, statusCode, data }) => shapes.learn(method, url, statusCode, data);
  const tag = `${process.pid}${Date.now()}`;
  const r = createClient({ baseUrl: srv.BASE + '/api/v1', wx: fetchWx(`privacy-${tag}`, learn) });
  await r.request('PUT', '/me/community', { code: await srv.joinCode() });
  const notice = await r.request('GET', '/privacy/notice');
  await r.request('GET', '/me/consent');
  await r.request('POST', '/me/consent', { version: notice.version });
  await r.request('GET', '/me/consent');
  await r.request('GET', '/me/profile');
  await r.request('PUT', '/me/profile', { name: '样本居民', building_id: await srv.ensureBuilding('样本楼') });
  const phone = '1368' + tag.slice(-7);
  await r.request('POST', '/me/phone/code', { phone });
  const code = await srv.waitForCode(phone.slice(0, 3) + '****' + phone.slice(-4));
  await r.request('PUT', '/me/phone', { phone, code });
  await r.request('GET', '/me/profile');
  await r.request('PUT', '/me/profile', { name: null, building_id: null });
  const preview = await r.request('POST', '/me/erasure', {});
  await r.request('DELETE', '/me', { confirmation: preview.confirmation, withdraw_suggestions: false });
  return shapes;
}

let openapi = null;
nodeTest.before(async () => {
  if (skip) return;
  useShapes(await privacyShapes());
  openapi = (await srv.json('GET', '/api/v1/openapi.json')).data;
});
nodeTest.afterEach(() => {
  const wx = globalThis.wx;
  if (wx && wx.violations) assert.deepEqual(wx.violations.splice(0), [], 'mocked answers differ from what the server sends');
});

/** The fake backend of the privacy page; records what the page sent. */
function backend(wx) {
  const sent = [];
  const json = (statusCode, data) => ({ statusCode, data });
  const record = (r, reply) => { sent.push({ method: r.method, path: r.path, data: r.data }); return reply; };
  wx.routes.push(
    { method: 'POST', path: '/api/v1/auth/wechat', reply: () => json(200, { access_token: 'a1', refresh_token: 'r1', expires_in: 900 }) },
    { method: 'GET', path: '/api/v1/me', reply: () => json(200, { account_id: 7, role: 'resident', communities: [{ community_id: 1, name: '坤翔园社区' }] }) },
    { method: 'GET', path: '/api/v1/communities/1/buildings', reply: () => json(200, { items: [{ building_id: 3, name: '3号楼' }, { building_id: 4, name: '4号楼' }] }) },
    { method: 'GET', path: '/api/v1/privacy/notice', reply: () => json(200, { version: '2025-06', text: '# 民意 个人信息保护告知\n\n我们处理以下个人信息：\n\n- **账号信息**：手机号', text_en: 'notice' }) },
    { method: 'GET', path: '/api/v1/me/consent', reply: () => json(200, { current_version: '2025-06', accepted_version: '2025-01', accepted_at: '2025-01-05T02:00:00Z', needs_consent: true, history: [] }) },
    { method: 'POST', path: '/api/v1/me/consent', reply: (r) => record(r, json(200, { needs_consent: false })) },
    { method: 'GET', path: '/api/v1/me/profile', reply: () => json(200, { name: '王阿姨', building_id: 3, building_name: '3号楼', phone: '138****5678', has_wechat: true, community_id: 1 }) },
    { method: 'PUT', path: '/api/v1/me/profile', reply: (r) => record(r, json(200, { name: r.data.name, building_id: r.data.building_id, phone: '138****5678' })) },
    { method: 'POST', path: '/api/v1/me/erasure', reply: (r) => record(r, json(200, { confirmation: 'confirm-token', expires_in: 600, suggestions: 2, photos: 1, paper_forms: 0, message: '注销后，您的手机号……将被删除' })) },
    { method: 'DELETE', path: '/api/v1/me', reply: (r) => record(r, json(200, { erased: true, summary: {} })) },
  );
  return sent;
}

test('mini-program: profile saved, erasure only after its confirmation, tokens gone', async () => {
  const { wx, loadPage } = setup();
  const sent = backend(wx);
  const page = loadPage('privacy');
  await page.onLoad({});
  assert.equal(page.data.error, '');
  assert.equal(page.data.name, '王阿姨');
  assert.equal(page.data.buildings[page.data.buildingIndex].name, '3号楼');
  assert.equal(page.data.phoneMasked, '138****5678');
  assert.match(page.data.consent.text, /2025-01/);
  assert.ok(page.data.notice.paragraphs.some((p) => p.includes('账号信息：手机号')), 'the notice is plain text');

  page.onName({ detail: { value: ' 李建国 ' } });
  page.onBuilding({ detail: { value: '2' } });
  await page.saveProfile();
  assert.deepEqual(sent.pop(), { method: 'PUT', path: '/api/v1/me/profile', data: { name: '李建国', building_id: 4 } });
  assert.equal(page.data.profileMsg, '已保存');

  await page.startErase();
  assert.equal(page.data.preview.confirmation, 'confirm-token');
  await page.confirmErase();
  assert.ok(!sent.some((s) => s.method === 'DELETE'), 'nothing is erased before "我已了解" is ticked');
  page.onWithdraw({ detail: { value: true } });
  page.onSure({ detail: { value: true } });
  await page.confirmErase();
  assert.deepEqual(sent.pop(), { method: 'DELETE', path: '/api/v1/me', data: { confirmation: 'confirm-token', withdraw_suggestions: true } });
  assert.equal(page.data.erased, true);
  assert.equal(wx.getStorageSync('minyi.tokens'), '', 'the tokens are forgotten');
});

test('mini-program: a new notice version opens the notice, accepting records the version', async () => {
  const { wx, app, loadPage } = setup();
  const sent = backend(wx);
  await app.checkConsent();
  assert.equal(wx.navigated, '/pages/privacy/index?consent=1');
  wx.navigateBack = (o) => { wx.back = o; };
  const page = loadPage('privacy');
  await page.onLoad({ consent: '1' });
  await page.accept();
  assert.deepEqual(sent.pop(), { method: 'POST', path: '/api/v1/me/consent', data: { version: '2025-06' } });
  assert.deepEqual(wx.back, { delta: 1 });
});

test('mini-program: a large export is waited for, then offered as a file to send to a chat', async () => {
  const { wx, loadPage } = setup();
  backend(wx);
  const downloads = [];
  wx.downloadFile = (o) => {
    downloads.push(o);
    setTimeout(() => o.success(downloads.length === 1
      ? { statusCode: 202, tempFilePath: 'tmp/pending.json' }
      : { statusCode: 200, tempFilePath: 'tmp/minyi.zip' }), 1);
  };
  wx.shareFileMessage = (o) => { wx.shared = o; };
  // The 202 a large export answers with, as the server documents it.
  const pending = { export_id: 'abc', state: 'pending', url: '/api/v1/me/export/abc', expires_at: '2026-12-02T02:00:00Z' };
  const documented = Object.keys(openapi.components.schemas.ExportPending.properties);
  assert.deepEqual(Object.keys(pending).filter((k) => !documented.includes(k)), []);
  wx.getFileSystemManager = () => ({ readFileSync: () => JSON.stringify(pending) });
  const page = loadPage('privacy');
  await page.onLoad({});
  await page.exportData();
  assert.equal(downloads.length, 2);
  assert.match(downloads[0].url, /\/me\/export$/);
  assert.match(downloads[1].url, /\/me\/export\/abc$/);
  assert.equal(downloads[1].header.authorization, 'Bearer a1');
  assert.deepEqual(wx.shared, { filePath: 'tmp/minyi.zip', fileName: 'minyi-data.zip' });
  assert.match(page.data.exportMsg, /已下载/);
});

test('mini-program: the privacy page template renders both modes (miniprogram-simulate)', async () => {
  const { JSDOM } = require('jsdom');
  if (!globalThis.document) {
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    globalThis.window = dom.window;
    globalThis.document = dom.window.document;
  }
  const simulate = require('miniprogram-simulate');
  const { wx, loadPage } = setup();
  backend(wx);
  const template = fs.readFileSync(path.join(MP, 'pages/privacy/index.wxml'), 'utf8');
  for (const [options, expected] of [
    [{}, /我的资料与隐私[\s\S]*3号楼[\s\S]*138\*\*\*\*5678[\s\S]*下载我的全部数据[\s\S]*2025-01 版隐私告知[\s\S]*注销账号/],
    [{ consent: '1' }, /个人信息保护告知[\s\S]*账号信息[\s\S]*我已阅读并同意/],
  ]) {
    const page = loadPage('privacy');
    await page.onLoad(options);
    const id = simulate.load({ template, data: page.data });
    const comp = simulate.render(id);
    comp.attach(document.createElement('parent-wrapper'));
    assert.match(comp.dom.textContent, expected);
  }
});

/** The entries of a zip archive written with sizes in its local headers. */
function unzip(buf) {
  const files = {};
  let at = 0;
  while (buf.readUInt32LE(at) === 0x04034b50) {
    const method = buf.readUInt16LE(at + 8);
    const size = buf.readUInt32LE(at + 18);
    const nameLen = buf.readUInt16LE(at + 26);
    const extraLen = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 30, at + 30 + nameLen);
    const start = at + 30 + nameLen + extraLen;
    if (size === 0xffffffff) break; // zip64 (large photos): the document comes before them
    const data = buf.subarray(start, start + size);
    files[name] = method === 8 ? zlib.inflateRawSync(data) : data;
    at = start + size;
  }
  return files;
}

const SHOTS = process.env.SCREENSHOT_DIR || path.resolve(__dirname, '../../target/test-output/screenshots');

test('mobile web: notice first, profile, export, phone change by code, erasure after confirming', { timeout: 120000 }, async () => {
  const { chromium } = require('playwright-core');
  fs.mkdirSync(SHOTS, { recursive: true });
  const PHONE = '13688880001';
  const NEW_PHONE = '13688880002';
  const building = await srv.ensureBuilding('9号楼');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const shot = async (page, name) => {
    assert.doesNotMatch(await page.textContent('main'), /\bnull\b|\bundefined\b/, `${name}: no empty values printed`);
    await page.screenshot({ path: path.join(SHOTS, `privacy-${name}.png`), fullPage: true });
  };
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true, acceptDownloads: true });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${srv.BASE}/m/?c=${await srv.joinCode()}`);
    await page.getByLabel('手机号').fill(PHONE);
    await page.click('#send-code');
    await page.locator('#login-msg.okmsg').waitFor();
    await page.getByLabel('短信验证码').fill(await srv.waitForCode('136****0001'));
    await page.click('#login');
    // The privacy notice comes first and says what happens to the data.
    await page.locator('#notice').waitFor();
    assert.match(await page.textContent('#notice'), /个人信息[\s\S]*保存多久[\s\S]*\d+ 天/);
    await shot(page, 'consent');
    await page.click('#accept-notice');
    await page.locator('#tabs:not([hidden])').waitFor();
    const token = () => page.evaluate(() => JSON.parse(localStorage.getItem('minyi.m.tokens')).access_token);
    const consent = await srv.json('GET', '/api/v1/me/consent', undefined, await token());
    assert.equal(consent.data.needs_consent, false, 'the acceptance was recorded');

    // 我的 → 我的资料与隐私: a name and a building.
    await page.click('a[data-tab=mine]');
    await page.click('#privacy-link');
    await page.locator('h2', { hasText: '我的资料与隐私' }).waitFor();
    await page.getByLabel('姓名或昵称').fill('甄秀兰');
    await page.getByLabel('所住楼栋').selectOption(String(building));
    await page.click('#save-profile');
    await page.locator('#profile-msg.okmsg').waitFor();
    const me = await srv.json('GET', '/api/v1/me', undefined, await token());
    assert.equal(me.data.display_name, '甄秀兰');
    assert.match(await page.textContent('#consent-state'), /同意了第 .+ 版隐私告知/);
    await shot(page, 'profile');

    // Download everything: a zip whose document holds what was stored.
    await srv.json('POST', '/api/v1/suggestions', { client_id: `privacy-${Date.now()}`, text: '9号楼门口的井盖松动，走路容易绊倒', show_name: true }, await token());
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    assert.match(download.suggestedFilename(), /^minyi-data-\d{8}\.zip$/);
    const file = path.join(os.tmpdir(), `minyi-privacy-${process.pid}.zip`);
    await download.saveAs(file);
    const files = unzip(fs.readFileSync(file));
    const doc = JSON.parse(files['minyi-data.json'].toString('utf8'));
    assert.equal(doc.account.name, '甄秀兰');
    assert.equal(doc.account.phone, PHONE);
    assert.equal(doc.account.building, '9号楼');
    assert.equal(doc.suggestions.length, 1);
    assert.equal(doc.suggestions[0].text, '9号楼门口的井盖松动，走路容易绊倒');
    assert.ok(files['README.txt'].toString('utf8').includes('minyi-data.json'));
    await page.locator('#export-msg.okmsg').waitFor();

    // A new phone number, proven by the code sent to it.
    await page.getByLabel('新手机号').fill(NEW_PHONE);
    await page.click('#send-phone-code');
    await page.locator('#phone-msg.okmsg').waitFor();
    await page.getByLabel('短信验证码').fill(await srv.waitForCode('136****0002'));
    await page.click('#change-phone');
    await page.locator('#phone-msg.okmsg').waitFor();
    assert.match(await page.textContent('#phone-now'), /136\*\*\*\*0002/);
    assert.ok(!(await page.textContent('main')).includes(NEW_PHONE), 'the full number is not shown');

    // Erasure: nothing happens until the resident confirms.
    const before = await token();
    await page.click('#erase-start');
    await page.locator('#erase-preview').waitFor();
    assert.match(await page.textContent('#erase-preview'), /匿名/);
    assert.equal(await page.isDisabled('#erase-confirm'), true);
    await shot(page, 'erase-confirm');
    await page.check('#erase-sure');
    await page.click('#erase-confirm');
    await page.locator('#erased').waitFor();
    await shot(page, 'erased');
    const after = await srv.json('GET', '/api/v1/me', undefined, before);
    assert.equal(after.status, 401, 'the session ended at once');
    assert.equal(await page.evaluate(() => localStorage.getItem('minyi.m.tokens')), null);

    const smallest = await page.evaluate(() => Math.min(...Array.from(document.querySelectorAll('body *'))
      .filter((n) => n.offsetParent !== null && n.textContent.trim())
      .map((n) => parseFloat(getComputedStyle(n).fontSize))));
    assert.ok(smallest >= 16, `smallest text ${smallest}px`);
    assert.deepEqual(problems, [], 'no script errors');
  } finally {
    await browser.close();
  }
});
