// The mobile web version (/m/) on first use (issue 16): a resident without a community joins by
// the poster's link (never a typed number), moves to another community by its QR code, sees
// their photo and the ones a worker published, says whether they are satisfied with a comment
// and sees the answer they gave; posting works with the keyboard alone; focus and
// announcements follow the views. axe-core on each screen. Screenshots: mobile-join-*.png.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const srv = require('./server.js');
const { png } = require('./png.js');
const { checkA11y } = require('./axe.js');

const skip = srv.configured ? false : 'MINYI_URL not set: run scripts/test-residents.sh';
const SHOTS = process.env.SCREENSHOT_DIR || path.resolve(__dirname, '../../target/test-output/screenshots');

let browser;
test.before(async () => {
  if (skip) return;
  const { chromium } = require('playwright-core');
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
test.after(async () => {
  if (browser) await browser.close();
});

async function phonePage() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `mobile-join-${name}.png`), fullPage: true });
  await checkA11y(page, `mobile ${name}`);
}

/** Log in by phone on the page (`?c=` already read or not). */
async function phoneLogin(page, phone) {
  await page.getByLabel('手机号').fill(phone);
  await page.click('#send-code');
  await page.locator('#login-msg.okmsg').waitFor();
  await page.getByLabel('短信验证码').fill(await srv.waitForCode(`${phone.slice(0, 3)}****${phone.slice(-4)}`));
  await page.click('#login');
  // A new resident reads the privacy notice and accepts it first (PIPL consent).
  await page.locator('#accept-notice').click();
}

const tokenOf = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('minyi.m.tokens')).access_token);

async function worker() {
  const admin = await srv.adminToken();
  const username = `mjoin${Date.now()}`;
  await srv.json('POST', '/api/v1/admin/staff', { role: 'worker', username, password: 'mjoin-pass-123', display_name: '移动社工', community_ids: [srv.COMMUNITY] }, admin);
  return (await srv.json('POST', '/api/v1/auth/login', { username, password: 'mjoin-pass-123' })).data.access_token;
}

test('no community: the poster link joins it; another poster moves the resident; no number is ever typed', { skip, timeout: 120000 }, async () => {
  const page = await phonePage();
  await page.goto(`${srv.BASE}/m/`);
  await phoneLogin(page, '13822223333');
  // Logged in without a code: asked to scan the poster, no community-number field anywhere.
  await page.locator('h2', { hasText: '加入您所在的社区' }).waitFor();
  assert.equal(await page.locator('input[type=number]').count(), 0);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H2', 'the new view has the focus');
  await shot(page, 'scan');
  // A number is not a link of the poster.
  await page.getByLabel('或粘贴二维码下方的链接').fill(String(srv.COMMUNITY));
  await page.click('button:has-text("使用这个链接")');
  await page.locator('p.error', { hasText: '不是社区二维码的链接' }).waitFor();
  const code = await srv.joinCode();
  await page.getByLabel('或粘贴二维码下方的链接').fill(`${srv.BASE}/m/?c=${code}`);
  await page.click('button:has-text("使用这个链接")');
  await page.locator('#join-confirm', { hasText: '加入坤翔园社区' }).waitFor();
  await shot(page, 'confirm');
  await page.click('#join-confirm');
  await page.locator('h2', { hasText: '社区议题' }).waitFor();
  await page.waitForFunction(() => document.getElementById('announce').textContent === '社区议题');
  assert.match(await page.title(), /社区议题/);
  const token = await tokenOf(page);
  assert.equal((await srv.json('GET', '/api/v1/me', undefined, token)).data.communities[0].community_id, srv.COMMUNITY);

  // Moving house: the new community's poster (its QR code opens /m/?c=…) asks to change.
  const admin = await srv.adminToken();
  const street = (await srv.json('GET', '/api/v1/admin/streets', undefined, admin)).data.items[0].street_id;
  const made = await srv.json('POST', '/api/v1/admin/communities', { street_id: street, name: `新搬入社区${Date.now() % 100000}` }, admin);
  assert.equal(made.status, 201);
  const other = made.data.id;
  const otherCode = (await srv.json('GET', `/api/v1/communities/${other}/join-code`, undefined, admin)).data.code;
  await page.goto(`${srv.BASE}/m/?c=${otherCode}`);
  await page.locator('h2', { hasText: '更换社区' }).waitFor();
  assert.match(await page.textContent('main'), /您现在是坤翔园社区的居民/);
  await shot(page, 'change');
  await page.click('#join-confirm');
  await page.locator('h2', { hasText: '社区议题' }).waitFor();
  assert.equal((await srv.json('GET', '/api/v1/me', undefined, token)).data.communities[0].community_id, other);
  // And back, from 我的 with the poster's link.
  await page.click('a[data-tab=mine]');
  await page.locator('#change-community').waitFor();
  await page.getByLabel('或粘贴二维码下方的链接').fill(`${srv.BASE}/m/?c=${code}`);
  await page.click('#change-community button:has-text("使用这个链接")');
  await page.click('#join-confirm');
  await page.locator('h2', { hasText: '社区议题' }).waitFor();
  assert.equal((await srv.json('GET', '/api/v1/me', undefined, token)).data.communities[0].community_id, srv.COMMUNITY);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('photos, published photos and satisfaction with a comment; posting by keyboard alone', { skip, timeout: 120000 }, async () => {
  const page = await phonePage();
  await page.goto(`${srv.BASE}/m/?c=${await srv.joinCode()}`);
  await phoneLogin(page, '13833334444');
  await page.locator('h2', { hasText: '社区议题' }).waitFor();
  const token = await tokenOf(page);

  // Keyboard alone: the post tab, the text, the submit button.
  await page.focus('a[data-tab=post]');
  await page.keyboard.press('Enter');
  await page.locator('h2', { hasText: '提建议' }).waitFor();
  await page.waitForFunction(() => document.activeElement.tagName === 'H2');
  for (let i = 0; i < 5 && (await page.evaluate(() => document.activeElement.id)) !== 'text'; i += 1) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'text');
  await page.keyboard.type('小区西侧围墙的瓷砖松动了，随时可能掉下来砸到人（键盘）');
  const photo = path.join(os.tmpdir(), `minyi-mjoin-${process.pid}.png`);
  fs.writeFileSync(photo, png(600, 400, [40, 120, 200]));
  await page.setInputFiles('#photos', photo);
  for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement.id)) !== 'submit'; i += 1) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'submit');
  await page.keyboard.press('Enter');
  await page.locator('#post-ok').waitFor();

  // The worker publishes the photo and resolves the topic.
  let mine;
  for (let i = 0; i < 100; i += 1) {
    mine = (await srv.json('GET', '/api/v1/me/suggestions?limit=10', undefined, token)).data.items.find((s) => s.text.includes('围墙的瓷砖'));
    if (mine && mine.topic) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(mine && mine.topic, 'grouped');
  assert.equal(mine.channel, 'h5');
  const w = await worker();
  const topicId = mine.topic.topic_id;
  const publish = await srv.json('PATCH', `/api/v1/suggestions/${mine.id}/photos/${mine.photo_ids[0]}`, { public: true }, w);
  assert.equal(publish.status, 204);
  for (const status of ['accepted', 'scheduled', 'decided', 'resolved']) {
    const etag = (await srv.json('GET', `/api/v1/topics/${topicId}`, undefined, w)).headers.get('etag');
    const r = await srv.json('POST', `/api/v1/topics/${topicId}/status`, { status, reason: '已加固瓷砖' }, w, { 'if-match': etag });
    assert.equal(r.status, 200);
  }

  // 我的: my photo, and the satisfaction question with a comment.
  await page.click('a[data-tab=mine]');
  const card = page.locator(`[data-suggestion="${mine.id}"]`);
  await card.locator('button.thumb img[src^="blob:"]').waitFor();
  const form = card.locator(`[data-satisfaction="${topicId}"]`);
  await form.locator('button[data-answer="basically_satisfied"]').click();
  assert.equal(await form.locator('button[data-answer="basically_satisfied"]').getAttribute('aria-pressed'), 'true');
  await form.getByLabel('想对社区说的话（可选）').fill('修得挺快，就是施工时有点吵');
  await form.locator('[data-send-answer]').click();
  await form.locator('p.okmsg', { hasText: '基本满意' }).waitFor();
  await shot(page, 'rated');
  const after = (await srv.json('GET', '/api/v1/me/suggestions?limit=10', undefined, token)).data.items.find((s) => s.id === mine.id);
  assert.equal(after.my_satisfaction.comment, '修得挺快，就是施工时有点吵');
  // Back later: the answer given is shown.
  await page.reload();
  await page.locator(`[data-satisfaction="${topicId}"] p.okmsg`, { hasText: '您的评价：基本满意；您的意见：修得挺快' }).waitFor();

  // The topic's public page shows the published photo; a tap opens it large.
  await page.goto(`${srv.BASE}/m/#/topic/${topicId}`);
  const thumb = page.locator('.voice button.thumb').first();
  await thumb.locator('img[src^="blob:"]').waitFor();
  await thumb.click();
  await page.locator('dialog.photo-dialog[open] img[src^="blob:"]').waitFor();
  await shot(page, 'photo');
  await page.keyboard.press('Escape');
  await page.locator('dialog.photo-dialog[open]').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.className), 'thumb', 'the focus returns to the photo');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
