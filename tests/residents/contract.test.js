// Contract test: the mini-program's own API client (miniprogram/utils/api.js) runs under Node,
// with wx.request/wx.uploadFile shimmed over fetch, against a real `minyi serve` (started by
// scripts/test-residents.sh, WeChat's jscode2session replaced by fake-wechat.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const srv = require('./server.js');
const { png } = require('./png.js');
const { fetchWx } = require('./fetch-wx.js');
const { createClient, ApiError } = require('../../miniprogram/utils/api.js');

const skip = srv.configured ? false : 'MINYI_URL not set: run scripts/test-residents.sh';
const API = srv.BASE + '/api/v1';

function resident(code, extra) {
  return createClient({ baseUrl: API, wx: fetchWx(code), ...(extra || {}) });
}

async function homeResident(code) {
  const c = resident(code);
  const me = await c.me();
  if (!me.communities.length) await c.request('PUT', '/me/community', { community_id: srv.COMMUNITY });
  return c;
}

async function eventually(check, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function expectApiError(promise, status, code) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ApiError, 'an ApiError: ' + e);
    assert.equal(e.status, status, e.message);
    assert.equal(e.code, code);
    assert.ok(/[\u4e00-\u9fff]/.test(e.message), 'a Chinese message: ' + e.message);
    return e;
  }
  assert.fail(`expected ${status} ${code}`);
}

test('a resident logs in silently with WeChat and chooses the community', { skip }, async () => {
  const c = resident('contract-a');
  const me = await c.me();
  assert.equal(me.role, 'resident');
  assert.ok(Number.isInteger(me.account_id));
  await c.request('PUT', '/me/community', { community_id: srv.COMMUNITY });
  const again = await c.me();
  assert.equal(again.communities[0].community_id, srv.COMMUNITY);
  assert.equal(typeof again.communities[0].name, 'string');
  const t = c.tokens();
  assert.ok(t.access_token && t.refresh_token && t.expires_at > Date.now());
});

test('post with a photo and a building, retry returns the same, my suggestions and the board show it', { skip }, async () => {
  const building = await srv.ensureBuilding('7号楼');
  const c = await homeResident('contract-b');
  const buildings = await c.buildings(srv.COMMUNITY);
  const list = Array.isArray(buildings) ? buildings : buildings.items;
  assert.ok(list.some((b) => b.building_id === building && b.name === '7号楼'));
  const file = path.join(os.tmpdir(), `minyi-contract-${process.pid}.png`);
  fs.writeFileSync(file, png());
  const up = await c.upload(file);
  assert.deepEqual(Object.keys(up).sort(), ['byte_size', 'content_type', 'upload_id'], 'UploadView');
  assert.equal(typeof up.upload_id, 'string');
  assert.equal(up.content_type, 'image/png');
  const body = { client_id: `contract-${Date.now()}`, text: '7号楼门口的台阶坏了，老人上下很危险', building_id: building, photo_ids: [up.upload_id], show_name: false };
  const first = await c.post(body);
  assert.ok(Number.isInteger(first.id));
  assert.equal(typeof first.state, 'string');
  const second = await c.post(body);
  assert.equal(second.id, first.id, 'the same client_id is the same suggestion');
  const page = await c.mySuggestions();
  assert.equal(page.items.filter((s) => s.id === first.id).length, 1);
  const s = page.items.find((x) => x.id === first.id);
  for (const k of ['id', 'state', 'state_label', 'channel', 'text', 'building_id', 'show_name', 'photo_ids', 'created_at', 'timeline']) {
    assert.ok(k in s, `SuggestionView.${k}`);
  }
  assert.deepEqual(s.photo_ids, [up.upload_id]);
  assert.equal(s.building_id, building);
  const grouped = await eventually(async () => (await c.mySuggestions()).items.find((x) => x.id === first.id && x.topic));
  assert.ok(grouped, 'grouped into a topic');
  for (const k of ['topic_id', 'title', 'status', 'member_count', 'supporter_count']) assert.ok(k in grouped.topic, `topic.${k}`);
  const board = await c.topics(srv.COMMUNITY);
  const t = board.items.find((x) => x.id === grouped.topic.topic_id);
  assert.ok(t, 'the topic is on the board');
  for (const k of ['id', 'title', 'status', 'status_label', 'member_count', 'supporter_count']) assert.ok(k in t, `TopicView.${k}`);
  assert.ok(!JSON.stringify(board).includes('contract-b'), 'no personal data on the board');
});

test('errors are problem+json with stable codes and Chinese messages', { skip }, async () => {
  const c = await homeResident('contract-c');
  const e = await expectApiError(c.post({ client_id: 'short-1', text: '短' }), 422, 'validation_failed');
  assert.equal(e.errors[0].field, 'text');
  await expectApiError(c.post({ text: '没有客户端编号的建议内容' }), 400, 'idempotency_key_required');
  await expectApiError(c.request('GET', '/topics/987654321'), 404, 'not_found');
  // A token the server does not know: the client tries to refresh, then reports the refusal.
  const staff = createClient({ baseUrl: API, wx: fetchWx('x'), silentLogin: false });
  staff.saveTokens({ access_token: 'not-a-jwt', refresh_token: 'not-a-token', expires_in: 900 });
  const err = await staff.me().catch((x) => x);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 401);
});

test('a refused WeChat login is reported with its code', { skip }, async () => {
  let refused = null;
  const c = resident('refused', { onLoginRefused: (e) => { refused = e; } });
  await expectApiError(c.me(), 401, 'wechat_invalid_code');
  assert.equal(refused && refused.code, 'wechat_invalid_code');
});

test('an expired access token is refreshed (rotated refresh token)', { skip }, async () => {
  let clock = Date.now();
  const c = createClient({ baseUrl: API, wx: fetchWx('contract-d'), now: () => clock });
  await c.me();
  const before = c.tokens();
  clock += 16 * 60 * 1000;
  const me = await c.me();
  assert.equal(me.role, 'resident');
  assert.notEqual(c.tokens().refresh_token, before.refresh_token);
});

test('support toggles on a topic (issue 5 endpoint)', { skip }, async () => {
  const c = await homeResident('contract-e');
  await c.post({ client_id: `support-${Date.now()}`, text: '小区南门的垃圾桶每天都满出来' });
  const topic = await eventually(async () => (await c.topics(srv.COMMUNITY)).items[0]);
  assert.ok(topic, 'a topic exists');
  const on = await c.support(topic.id, true);
  assert.equal(on.supported, true);
  assert.ok(on.supporter_count >= 1);
  const off = await c.support(topic.id, false);
  assert.equal(off.supported, false);
  assert.equal(off.supporter_count, on.supporter_count - 1);
});

test('subscribe templates and grants (issue 5 endpoints)', { skip }, async () => {
  const c = await homeResident('contract-f');
  const t = await c.subscribeTemplates();
  assert.ok(Array.isArray(t.templates));
  const ids = t.templates.map((x) => x.template_id);
  await c.subscriptions(ids.slice(0, 1));
});

test('assist mode: a volunteer posts for a resident with consent', { skip }, async () => {
  const admin = await srv.adminToken();
  const username = `vol${Date.now()}`;
  const created = await srv.json('POST', '/api/v1/admin/staff', { role: 'volunteer', username, password: 'volunteer-pass-1', display_name: '小李', community_ids: [srv.COMMUNITY] }, admin);
  assert.equal(created.status, 201, JSON.stringify(created.data));
  const v = createClient({ baseUrl: API, wx: fetchWx('x'), silentLogin: false, tokenKey: 'staff' });
  await v.passwordLogin(username, 'volunteer-pass-1');
  const body = { client_id: `assist-${Date.now()}`, text: '东门的路灯晚上不亮，老人出门看不清', on_behalf: { name: '王阿姨', consent: true } };
  const r = await v.post(body);
  assert.ok(Number.isInteger(r.id));
  assert.equal((await v.post(body)).id, r.id, 'a retry is the same suggestion');
  await expectApiError(v.post({ ...body, client_id: `assist2-${Date.now()}`, on_behalf: { name: '王阿姨' } }), 422, 'consent_required');
  await expectApiError(v.post({ client_id: `own-${Date.now()}`, text: '志愿者自己不能以居民身份提交' }), 403, 'forbidden');
});

test('satisfaction once the topic is resolved (issue 5 endpoints)', { skip }, async () => {
  const c = await homeResident('contract-g');
  const posted = await c.post({ client_id: `rate-${Date.now()}`, text: '幼儿园门口早上接送车辆太乱，希望安排志愿者疏导' });
  const s = await eventually(async () => (await c.mySuggestions()).items.find((x) => x.id === posted.id && x.topic));
  assert.ok(s, 'grouped');
  const topicId = s.topic.topic_id;
  const admin = await srv.adminToken();
  const username = `worker${Date.now()}`;
  const made = await srv.json('POST', '/api/v1/admin/staff', { role: 'worker', username, password: 'worker-pass-12', display_name: '社工', community_ids: [srv.COMMUNITY] }, admin);
  assert.equal(made.status, 201, JSON.stringify(made.data));
  const worker = (await srv.json('POST', '/api/v1/auth/login', { username, password: 'worker-pass-12' })).data.access_token;
  let etag = (await srv.json('GET', `/api/v1/topics/${topicId}`, undefined, worker)).headers.get('etag');
  for (const status of ['accepted', 'scheduled', 'decided', 'resolved']) {
    const r = await srv.json('POST', `/api/v1/topics/${topicId}/status`, { status, reason: '测试' }, worker, { 'if-match': etag });
    assert.equal(r.status, 200, `${status}: ${JSON.stringify(r.data)}`);
    etag = r.headers.get('etag');
  }
  const d = await c.topic(topicId);
  assert.equal(d.can_rate, true);
  assert.ok(d.timeline.some((e) => e.kind === 'resolved'), 'the timeline says it was resolved');
  await c.satisfaction(topicId, 'basically_satisfied');
  const after = await c.topic(topicId);
  assert.equal(after.my_satisfaction.answer, 'basically_satisfied');
  const mine = (await c.mySuggestions()).items.find((x) => x.id === posted.id);
  assert.equal(mine.topic.status, 'resolved');
  assert.ok(mine.timeline.length >= 1, 'my suggestion shows the timeline');
  // The author heard about it in the app.
  const news = await eventually(async () => {
    const n = await c.notifications();
    return n.items.some((x) => x.topic_id === topicId) && n;
  });
  assert.ok(news, 'notifications about the topic');
  assert.ok(news.unread >= 1);
  await c.markRead(news.items.map((x) => x.notification_id));
  assert.equal((await c.notifications()).unread, 0);
  // Someone who neither spoke nor supported cannot rate.
  const other = await homeResident('contract-h');
  const err = await other.satisfaction(topicId, 'unsatisfied').catch((e) => e);
  assert.ok(err instanceof ApiError && err.status >= 400 && err.status < 500, String(err));
});
