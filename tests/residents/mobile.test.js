// The residents' mobile web version (/m/) in headless Chromium at 390×844: log in with a phone
// code read from the server's log, post with a photo, post offline (a draft), back online the
// draft is sent exactly once, the board shows the topic. Screenshots go to
// target/test-output/screenshots/mobile-*.png.
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
const PHONE = '13912345678';
const MASKED = '139****5678';

test('mobile web: phone login, post with photo, offline draft sent once, board', { skip, timeout: 120000 }, async () => {
  const { chromium } = require('playwright-core');
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const shot = async (page, name) => {
    assert.doesNotMatch(await page.textContent('main'), /\bnull\b|\bundefined\b/, `${name}: no empty values printed`);
    await page.screenshot({ path: path.join(SHOTS, `mobile-${name}.png`), fullPage: true });
    // Every screen: no accessibility violation (axe-core, WCAG 2.1 AA).
    await checkA11y(page, `mobile ${name}`);
  };
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(m.text())) problems.push(m.text()); });

    // Log in: the community's QR code carries ?c=<its signed join code>.
    await page.goto(`${srv.BASE}/m/?c=${await srv.joinCode()}`);
    assert.equal(new URL(page.url()).search, '', 'the code leaves the address bar');
    await page.getByLabel('手机号').fill('1391234');
    await page.click('#send-code');
    await page.locator('#login-msg.error').waitFor();
    assert.match(await page.textContent('#login-msg'), /手机号/);
    await shot(page, 'login-error');
    await page.getByLabel('手机号').fill(PHONE);
    await page.click('#send-code');
    await page.locator('#login-msg.okmsg').waitFor();
    const code = await srv.waitForCode(MASKED);
    assert.ok(!fs.readFileSync(srv.LOG, 'utf8').includes(PHONE), 'the full phone number never reaches the log');
    await page.getByLabel('短信验证码').fill(code);
    await shot(page, 'login');
    await page.click('#login');
    // A new resident reads the privacy notice and accepts it first (PIPL consent).
    await page.locator('#accept-notice').click();
    await page.locator('#tabs:not([hidden])').waitFor();
    await page.locator('h2', { hasText: '社区议题' }).waitFor();

    // Post with a photo.
    await page.click('a[data-tab=post]');
    await page.getByLabel('您的建议（必填）').fill('坤翔园9号楼电梯经常停运，老人上下楼很困难<script>alert(1)</script>');
    const photo = path.join(os.tmpdir(), `minyi-mobile-${process.pid}.png`);
    // A large, phone-sized photo: the page sends it as a JPEG of at most 1600 px.
    fs.writeFileSync(photo, png(1800, 1200, [200, 60, 40], true));
    assert.ok(fs.statSync(photo).size > 5 * 1024 * 1024);
    await page.setInputFiles('#photos', photo);
    await page.locator('.photos img').waitFor();
    await shot(page, 'post');
    await page.click('#submit');
    await page.locator('#post-ok').waitFor();
    await shot(page, 'posted');

    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('minyi.m.tokens')).access_token);
    const mine = async () => (await srv.json('GET', '/api/v1/me/suggestions?limit=50', undefined, token)).data.items;
    let items = await mine();
    assert.equal(items.length, 1);
    assert.equal(items[0].photo_ids.length, 1, 'the photo came with it');
    assert.equal(items[0].channel, 'h5', 'posted from the mobile web');
    const up = await fetch(`${srv.BASE}/api/v1/uploads/${items[0].photo_ids[0]}`, { headers: { authorization: 'Bearer ' + token } });
    assert.equal(up.status, 200);
    assert.equal(up.headers.get('content-type'), 'image/jpeg', 'sent as a JPEG');
    const bytes = Buffer.from(await up.arrayBuffer());
    assert.ok(bytes.length < 1.5 * 1024 * 1024, `shrunk to ${bytes.length} bytes`);

    // Offline: the suggestion becomes a draft, shown with its reason.
    await context.setOffline(true);
    await page.getByLabel('您的建议（必填）').fill('小区北门晚上没有路灯，希望尽快安装');
    await page.click('#submit');
    await page.locator('#post-draft').waitFor();
    assert.match(await page.textContent('#post-draft'), /网络/);
    await shot(page, 'offline-draft');
    await page.click('a[data-tab=mine]');
    await page.locator('#drafts [data-draft]').waitFor();
    assert.match(await page.textContent('#drafts'), /未发送/);
    await shot(page, 'pending');
    const clientId = await page.getAttribute('#drafts [data-draft]', 'data-draft');
    assert.ok(clientId);

    // Back online: sent by the `online` event; a reload (page show) and the retry button re-send
    // nothing new, because the client id is the same.
    await context.setOffline(false);
    const deadline = Date.now() + 15000;
    while ((await mine()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await page.reload();
    await page.locator('h2', { hasText: '我的建议' }).waitFor();
    await page.waitForTimeout(500);
    items = await mine();
    assert.equal(items.length, 2, 'exactly one more suggestion');
    assert.equal(items.filter((s) => s.text.includes('北门')).length, 1);
    assert.equal(await page.locator('#drafts').count(), 0, 'no draft left');
    await page.locator('[data-suggestion]').first().waitFor();
    const cardText = await page.textContent('#mine');
    assert.match(cardText, /<script>alert\(1\)<\/script>/, 'typed text is shown as text');
    assert.equal(await page.locator('#mine script').count(), 0);
    await shot(page, 'mine');

    // The board shows the new topic (once grouping has run).
    let topicId = null;
    for (let i = 0; i < 50 && !topicId; i += 1) {
      const s = (await mine()).find((x) => x.text.includes('北门'));
      topicId = s && s.topic && s.topic.topic_id;
      if (!topicId) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(topicId, 'the offline suggestion was grouped into a topic');
    await page.click('a[data-tab=board]');
    await page.locator('#topics').waitFor();
    const found = await page.locator(`.topic[data-topic="${topicId}"]`).waitFor({ timeout: 5000 }).then(() => true, () => false);
    assert.ok(found, 'the board shows the topic of the offline suggestion');
    await shot(page, 'board');

    // Support from the board, then the topic page shows it.
    const card = page.locator(`.topic[data-topic="${topicId}"]`);
    await card.locator('button[data-support]').click();
    await card.locator('button[aria-pressed="true"]').waitFor();
    assert.match(await card.textContent(), /1 人支持/);
    await card.locator('h3 a').click();
    await page.locator('h3', { hasText: '进展' }).waitFor();
    assert.equal(await page.locator('button[aria-pressed="true"]').count(), 1, 'the topic page knows I support it');
    assert.doesNotMatch(await page.textContent('main'), /null|undefined/, 'no empty values printed');
    await shot(page, 'topic');

    // The topic becomes a funded community project (staff steps through the API): the topic
    // page shows it with its progress, timeline and activity; the resident signs up to volunteer.
    const funded = await srv.fundTopic(topicId, '北门路灯守护行动');
    await page.reload();
    const project = page.locator(`[data-project="${funded.projectId}"]`);
    await project.waitFor();
    const shown = await project.textContent();
    assert.match(shown, /北门路灯守护行动/);
    assert.match(shown, /实施/, "the phase's label");
    assert.match(shown, /资助 ¥3500\.00/, 'the award in yuan, exactly');
    assert.match(shown, /进度 50%（1\/2 个节点完成）/, 'progress computed by the server');
    assert.match(shown, /招募楼栋志愿者：已完成/);
    assert.match(shown, /建立长效机制：计划中/);
    assert.match(shown, /参加 15 人 · 受益 40 人 · 志愿服务 12.5 小时/);
    await project.locator('button[data-signup="volunteer"]').click();
    await project.locator('button[data-signup="volunteer"][aria-pressed="true"]').waitFor();
    assert.match(await project.textContent(), /1 位志愿者/);
    const seen = await srv.json('GET', `/api/v1/projects/${funded.projectId}`, undefined, funded.worker);
    assert.equal(seen.data.residents.volunteers, 1, 'the sign-up is recorded');
    assert.doesNotMatch(await page.textContent('main'), /null|undefined|NaN/, 'no empty values printed');
    await shot(page, 'topic-project');

    // Its results are published: the evaluation shows and the resident rates it.
    await srv.publishResults(funded);
    await page.reload();
    await project.locator('[data-rating]').waitFor();
    assert.match(await project.textContent(), /结项评估：良好/);
    assert.equal(await project.locator('button[data-signup]').count(), 0, 'no sign-up once finished');
    await project.locator('button[data-send-rating]').click();
    await project.locator('[data-rating] .error', { hasText: '请先选择 1 至 5 星' }).waitFor();
    await project.locator('button[data-stars="4"]').click();
    await project.locator('textarea').fill('路灯亮了，晚上出门放心');
    await project.locator('button[data-send-rating]').click();
    await project.locator('[data-rating] .okmsg', { hasText: '您的评分：4 星' }).waitFor();
    const rated = await srv.json('GET', `/api/v1/projects/${funded.projectId}`, undefined, funded.worker);
    assert.equal(rated.data.residents.ratings, 1, 'the rating is recorded');
    assert.match(await project.textContent(), /1 人评分，平均 4\.0 星/);
    await shot(page, 'topic-project-rated');

    // Text is never below 16 px.
    const smallest = await page.evaluate(() => Math.min(...Array.from(document.querySelectorAll('body *'))
      .filter((n) => n.offsetParent !== null && n.textContent.trim())
      .map((n) => parseFloat(getComputedStyle(n).fontSize))));
    assert.ok(smallest >= 16, `smallest text ${smallest}px`);
    assert.deepEqual(problems, [], 'no script errors');
  } finally {
    await browser.close();
  }
});
