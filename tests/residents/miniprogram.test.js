// Mini-program pages and components, with `wx` mocked (see wx-mock.js) and the timeline
// component rendered by miniprogram-simulate. Every answer the mocks give is checked against the
// answers the real server (started by scripts/test-residents.sh) gives to the same client
// (samples.js): a test whose mocks send a field, a type or a status the server never sends fails.
const nodeTest = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const srv = require('./server.js');
const { realShapes } = require('./samples.js');
const { setup, until, useShapes, MP } = require('./wx-mock.js');

const skip = srv.configured ? false : 'MINYI_URL not set: run scripts/test-residents.sh (mocks are checked against the real server)';
const test = (name, fn) => nodeTest(name, { skip }, fn);
let shapes = null;
nodeTest.before(async () => {
  if (skip) return;
  shapes = await realShapes();
  useShapes(shapes);
});
nodeTest.afterEach(() => {
  const wx = globalThis.wx;
  if (wx && wx.violations) assert.deepEqual(wx.violations.splice(0), [], 'mocked answers differ from what the server sends');
});

/** A fake backend: idempotent suggestions by client_id, support, templates, logins. */
/** A funded project answering topic 11, as GET /topics/{id}/projects sends it. */
function fundedProject(state) {
  const signups = state.signups || [];
  const rated = state.rating ? state.rating.stars : null;
  if (state.published) {
    return {
      ...fundedProject({ signups }), phase: 'published', phase_label: '公示结果', phase_label_en: 'Results published',
      progress: { milestones: 2, milestones_done: 2, percent: 100, spent_fen: 340000, pending_fen: 0, spent_percent: 97 },
      evaluation: { grade: 'good', grade_label: '良好', grade_label_en: 'Good', overall: 88 },
      residents: { participants: 0, volunteers: 0, ratings: rated ? 1 : 0, rating_x10: rated ? rated * 10 : 0 },
      my_rating: rated, can_sign_up: false, can_rate: true,
    };
  }
  return {
    project_id: 7, title: '东门路灯守护行动', organisation_name: '东门志愿队', need: '东门路灯常坏，夜间出行不便',
    goals: '三个月内修好并每周巡查', awarded_fen: 350050, starts_on: '2026-05-01', ends_on: '2026-10-31',
    phase: 'implement', phase_label: '实施', phase_label_en: 'Implementation',
    progress: { milestones: 2, milestones_done: 1, percent: 50, spent_fen: 12000, pending_fen: 0, spent_percent: 3 },
    milestones: [
      { milestone_id: 1, title: '招募志愿者', due_on: '2026-06-30', done_at: '2026-06-20T02:00:00Z', done_note: '招募 12 人' },
      { milestone_id: 2, title: '建立长效机制', due_on: '2026-10-31', done_at: null, done_note: null },
    ],
    activities: [{ held_on: '2026-06-15', place: '社区活动室', summary: '志愿者培训', participants: 15, beneficiaries: 40, volunteer_hours: 12.5, photos: [] }],
    evaluation: null,
    residents: { participants: 0, volunteers: signups.includes('volunteer') ? 1 : 0, ratings: 0, rating_x10: 0 },
    my_signups: signups, my_rating: null, can_sign_up: true, can_rate: false,
  };
}

function backend(wx, opts = {}) {
  const state = { created: [], byClient: new Map(), support: new Map(), subscriptions: [], posts: 0, dropNextPostResponse: false };
  const json = (statusCode, data) => ({ statusCode, data });
  wx.routes.push(
    { method: 'POST', path: '/api/v1/auth/wechat', reply: () => opts.loginReply || json(200, { access_token: 'a1', refresh_token: 'r1', expires_in: 900 }) },
    { method: 'POST', path: '/api/v1/auth/login', reply: (r) => r.data.password === 'pw-ok'
      ? json(200, { access_token: 'staff', refresh_token: 'sr', expires_in: 900 })
      : json(401, { code: 'invalid_credentials', message: '用户名或密码错误' }) },
    { method: 'GET', path: '/api/v1/me', reply: () => json(200, { account_id: 7, role: 'resident', communities: [{ community_id: 1, name: '坤翔园社区' }] }) },
    { method: 'GET', path: '/api/v1/communities/1/buildings', reply: () => json(200, { items: [{ building_id: 3, name: '3号楼' }] }) },
    { method: 'GET', path: '/api/v1/subscribe-templates', reply: () => json(200, { templates: [{ template_id: 'T-progress', kind: 'progress', title: '议题进展通知' }] }) },
    { method: 'POST', path: '/api/v1/me/subscriptions', reply: (r) => { state.subscriptions.push(r.data.accepted); return { statusCode: 204, data: '' }; } },
    { method: 'GET', path: '/api/v1/communities/1/topics', reply: () => json(200, { items: [
      { id: 11, title: '东门路灯不亮', summary: '多位居民反映', status: 'accepted', status_label: '已受理', status_label_en: 'Accepted', member_count: 4, supporter_count: 2, supported: false },
      { id: 12, title: '已并入', status: 'merged', status_label: '已合并', status_label_en: 'Merged', member_count: 1, supporter_count: 0 },
    ], counts: {}, next_cursor: null }) },
    { method: 'PUT', path: /^\/api\/v1\/topics\/\d+\/support$/, reply: (r) => { const id = r.path.split('/')[4]; state.support.set(id, true); return json(200, { supported: true, supporter_count: 3 }); } },
    { method: 'DELETE', path: /^\/api\/v1\/topics\/\d+\/support$/, reply: (r) => { const id = r.path.split('/')[4]; state.support.delete(id); return json(200, { supported: false, supporter_count: 2 }); } },
    { method: 'POST', path: /^\/api\/v1\/topics\/\d+\/satisfaction$/, reply: (r) => { state.satisfaction = r.data; return json(200, { answer: r.data.answer }); } },
    { method: 'POST', path: '/api/v1/suggestions', reply: (r) => {
      state.posts += 1;
      if (opts.failPostsWith && state.posts <= opts.failPostsWith.times) return json(opts.failPostsWith.status, { code: 'internal', message: '服务器内部错误，请稍后重试' });
      const key = (r.header.authorization || '') + '|' + r.data.client_id;
      if (!state.byClient.has(key)) {
        const s = { id: 100 + state.created.length, state: 'queued', body: r.data };
        state.created.push(s);
        state.byClient.set(key, s);
      }
      const s = state.byClient.get(key);
      if (state.dropNextPostResponse) { state.dropNextPostResponse = false; return { dropped: true }; }
      return json(202, { id: s.id, state: s.state });
    } },
    { method: 'GET', path: '/api/v1/topics/11/projects', reply: () => json(200, { items: [fundedProject(state)] }) },
    { method: 'PUT', path: /^\/api\/v1\/projects\/\d+\/rating$/, reply: (r) => {
      state.rating = r.data;
      return json(200, fundedProject(state));
    } },
    { method: 'POST', path: /^\/api\/v1\/projects\/\d+\/signups$/, reply: (r) => {
      state.signups = (state.signups || []).concat(r.data.kind);
      return json(200, fundedProject(state));
    } },
    { method: 'GET', path: '/api/v1/topics/11', reply: () => json(200, {
      topic: { id: 11, title: '东门路灯不亮', status: 'resolved', status_label: '已办结', status_label_en: 'Resolved', decision: '由物业一周内更换灯具', member_count: 4, supporter_count: 2, supported: true },
      timeline: [{ timeline_entry_id: 5, topic_id: 11, kind: 'decided', kind_label: '议事会决议', kind_label_en: 'Meeting decision', body: '议事会决定更换灯具', created_at: '2026-11-25T02:00:00Z' }],
      meetings: [{ meeting_id: 2, title: '十一月议事会', held_at: '2026-11-25T02:00:00Z', status: 'held', decision: '由物业一周内更换灯具' }],
      voices: [{ channel: 'paper', text: '东门太黑了', author: '王*', photo_ids: ['u-voice'] }], can_rate: true, my_satisfaction: null }) },
    { method: 'GET', path: '/api/v1/me/notifications', reply: () => json(200, { items: [
      { notification_id: 9, topic_id: 11, title: '东门路灯不亮', kind: 'resolved', kind_label: '已办结', kind_label_en: 'Resolved', body: '已办结：路灯已修复', created_at: '2026-11-26T13:00:00Z', read: false },
      { notification_id: 8, topic_id: 11, title: '东门路灯不亮', kind: 'accepted', kind_label: '已受理', kind_label_en: 'Accepted', body: '已受理', created_at: '2026-11-25T13:00:00Z', read: true },
    ], unread: 1 }) },
    { method: 'GET', path: /^\/api\/v1\/join-codes\/[^/]+$/, reply: () => json(200, { community_id: 2, name: '津门里社区', street_name: '双港镇' }) },
    { method: 'PUT', path: '/api/v1/me/community', reply: (r) => { state.joined = r.data; return json(200, { community_id: 2, name: '津门里社区', street_name: '双港镇' }); } },
    { method: 'POST', path: '/api/v1/me/notifications/read', reply: (r) => { state.read = r.data.ids; return { statusCode: 204, data: '' }; } },
    { method: 'GET', path: '/api/v1/me/suggestions', reply: () => json(200, { items: [
      { id: 100, state: 'grouped', state_label: '已归入议题', state_label_en: 'Grouped into a topic', text: '东门路灯不亮', created_at: '2026-11-26T12:00:00Z', photo_ids: ['u-mine'], can_rate: true, timeline: [
        { timeline_entry_id: 1, topic_id: 11, kind: 'resolved', kind_label: '已办结', kind_label_en: 'Resolved', body: '路灯已修复', created_at: '2026-11-26T13:00:00Z' }],
        topic: { topic_id: 11, title: '东门路灯不亮', status: 'resolved', status_label: '已办结', status_label_en: 'Resolved', member_count: 4, supporter_count: 2 } },
    ], next_cursor: null }) },
  );
  // A reply "lost on the way back": the server did the work, the phone saw a failure.
  const request = wx.request;
  wx.request = (o) => request({ ...o, success: (res) => (res.dropped ? o.fail({ errMsg: 'request:fail timeout' }) : o.success(res)) });
  return state;
}

test('posting: photos compressed and uploaded, suggestion sent, subscribe grants recorded', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  wx.subscribeAnswer = { 'T-progress': 'accept' };
  wx.chosenFiles = ['/tmp/a.jpg', '/tmp/b.jpg'];
  const page = loadPage('post');
  await page.onLoad();
  assert.deepEqual(page.data.templateIds, ['T-progress']);
  assert.equal(page.data.buildings[1].name, '3号楼');
  await page.choosePhotos();
  assert.deepEqual(page.data.photos, ['/small/a.jpg', '/small/b.jpg'], 'compressed with wx.compressImage');
  page.onText({ detail: { value: '3号楼楼道灯坏了好几天' } });
  page.onBuilding({ detail: { value: '1' } });
  page.onShowName({ detail: { value: true } });
  await page.submit();
  assert.equal(page.data.messageKind, 'ok', page.data.message);
  assert.equal(server.created.length, 1);
  const body = server.created[0].body;
  assert.equal(body.text, '3号楼楼道灯坏了好几天');
  assert.equal(body.building_id, 3);
  assert.equal(body.show_name, true);
  assert.deepEqual(body.photo_ids, ['u1', 'u2']);
  assert.ok(body.client_id.length >= 32);
  const uploads = wx.calls.filter((c) => c.method === 'UPLOAD').map((c) => c.filePath);
  assert.deepEqual(uploads, ['/saved/a.jpg', '/saved/b.jpg']);
  assert.ok(wx.calls.some((c) => c.method === 'SUBSCRIBE'), 'asked for subscribe grants on submit');
  await until(() => server.subscriptions.length === 1);
  assert.deepEqual(server.subscriptions[0], ['T-progress']);
  assert.equal(wx.getStorageSync('minyi.drafts').length, 0, 'no draft left');
});

test('a short suggestion is refused before anything is sent', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  const page = loadPage('post');
  page.onText({ detail: { value: '灯坏' } });
  await page.submit();
  assert.equal(page.data.messageKind, 'error');
  assert.equal(server.posts, 0);
});

test('offline: the suggestion is kept as a draft and sent exactly once when the network returns', async () => {
  const { wx, app, loadPage } = setup();
  const server = backend(wx);
  const page = loadPage('post');
  await page.onLoad();
  wx.chosenFiles = ['/tmp/c.jpg'];
  await page.choosePhotos();
  wx.online = false;
  page.onText({ detail: { value: '小区东门晚上没有路灯很黑' } });
  await page.submit();
  assert.equal(page.data.messageKind, 'notice');
  assert.match(page.data.message, /草稿/);
  let drafts = wx.getStorageSync('minyi.drafts');
  assert.equal(drafts.length, 1);
  assert.equal(drafts[0].status, 'pending');
  assert.match(drafts[0].reason, /网络/);
  assert.equal(server.created.length, 0);

  // The "my suggestions" page shows it as pending with its reason.
  const mine = loadPage('mine');
  mine.refreshDrafts();
  assert.equal(mine.data.drafts.length, 1);
  assert.match(mine.data.drafts[0].reason, /网络/);

  // Back online; the first answer is lost on the way back, so the draft stays and is re-sent.
  server.dropNextPostResponse = true;
  wx.setNetwork(true);
  await until(() => server.posts >= 1);
  await until(() => wx.getStorageSync('minyi.drafts')[0] && wx.getStorageSync('minyi.drafts')[0].status === 'pending' && server.posts === 1);
  app.onShow();
  await until(() => wx.getStorageSync('minyi.drafts').length === 0);
  app.onShow();
  wx.setNetwork(true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(server.posts, 2, 'sent twice over the network');
  assert.equal(server.created.length, 1, 'created once: the same client_id both times');
  assert.deepEqual(server.created[0].body.photo_ids, ['u1']);
  assert.equal(wx.uploads, 1, 'the photo was uploaded once (offline attempts failed), not again on re-send');
  drafts = wx.getStorageSync('minyi.drafts');
  assert.equal(drafts.length, 0);
});

test('a draft refused by the server (not a network problem) is shown with the reason and not retried', async () => {
  const { wx, loadPage } = setup();
  backend(wx);
  wx.routes.unshift({ method: 'POST', path: '/api/v1/suggestions', reply: () => ({ statusCode: 422, data: {
    code: 'validation_failed', message: '提交的内容有误，请检查后重试', errors: [{ field: 'text', code: 'too_long', message: '最多 2000 字' }] } }) });
  const page = loadPage('post');
  page.onText({ detail: { value: '这是一条会被服务器拒绝的建议' } });
  await page.submit();
  assert.equal(page.data.messageKind, 'error');
  assert.match(page.data.message, /最多 2000 字/);
  assert.equal(wx.getStorageSync('minyi.drafts').length, 0);
});

test('board: topics listed (merged ones hidden) and support toggles', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  const page = loadPage('board');
  await page.onShow();
  assert.equal(page.data.topics.length, 1);
  const t = page.data.topics[0];
  assert.equal(t.title, '东门路灯不亮');
  assert.equal(t.statusLabel, '已受理', "the server's label");
  assert.equal(t.supported, false);
  await page.toggleSupport({ currentTarget: { dataset: { id: 11 } } });
  assert.equal(page.data.topics[0].supported, true);
  assert.equal(page.data.topics[0].supporterCount, 3);
  assert.ok(server.support.has('11'));
  await page.toggleSupport({ currentTarget: { dataset: { id: 11 } } });
  assert.equal(page.data.topics[0].supported, false);
  assert.equal(page.data.topics[0].supporterCount, 2);
  assert.ok(!server.support.has('11'));
  const methods = wx.calls.filter((c) => c.path.endsWith('/support')).map((c) => c.method);
  assert.deepEqual(methods, ['PUT', 'DELETE']);
});

test('my suggestions: timeline shown and satisfaction asked once resolved', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  const page = loadPage('mine');
  await page.onShow();
  const item = page.data.items[0];
  assert.equal(item.topic.statusLabel, '已办结', "the server's label");
  assert.equal(item.stateLabel, '已归入议题', "the server's label");
  assert.equal(item.canRate, true);
  assert.equal(item.time, '2026-11-26 20:00', 'Beijing time');
  assert.deepEqual(page.data.notices.map((n) => n.body), ['已办结：路灯已修复'], 'unread news shown');
  assert.deepEqual(server.read, [9], 'and marked read');
  // An answer is chosen, a comment written, then sent; the answer given is shown.
  await page.rate({ currentTarget: { dataset: { index: 0 } } });
  assert.equal(server.satisfaction, undefined, 'nothing sent before an answer is chosen');
  page.choose({ currentTarget: { dataset: { index: 0, answer: 'basically_satisfied' } } });
  page.onComment({ currentTarget: { dataset: { index: 0 } }, detail: { value: '修得挺快' } });
  await page.rate({ currentTarget: { dataset: { index: 0 } } });
  assert.deepEqual(server.satisfaction, { answer: 'basically_satisfied', comment: '修得挺快' });
  assert.equal(page.data.items[0].rated, '基本满意');
});

test('a poster\'s code (scene) opens the mini-program: the board asks, joining sends the code, not a number', async () => {
  const code = '2.' + 'A'.repeat(10) + 'b-_c'.repeat(2) + 'xy';
  const { wx, loadPage } = setup({ path: 'pages/board/index', query: { scene: encodeURIComponent(code) } });
  const server = backend(wx);
  const board = loadPage('board');
  board.onLoad({});
  await board.onShow();
  assert.equal(board.data.joining.name, '津门里社区');
  assert.equal(board.data.joining.from, '坤翔园社区', 'moving from the current community');
  await board.confirmJoin();
  assert.deepEqual(server.joined, { code });
  assert.equal(wx.getStorageSync('minyi.join'), '', 'the code is used once');
  assert.equal(board.data.joining, null);
});

test('an ordinary QR link (q=…) and the in-app scan both lead to joining; nothing else is accepted', async () => {
  const join = require('../../miniprogram/utils/join.js');
  const code = '7.' + 'abcdefghij'.repeat(2);
  assert.equal(join.codeOf(encodeURIComponent(`https://minyi.example.cn/m/?c=${code}`)), code);
  assert.equal(join.codeOf(`pages/board/index?scene=${encodeURIComponent(code)}`), code);
  assert.equal(join.codeOf('7'), null, 'a bare number is not a code');
  assert.equal(join.codeOf('https://example.com/?c=7.short'), null);
  const { wx, loadPage } = setup({ query: { q: encodeURIComponent(`https://minyi.example.cn/m/?c=${code}`) } });
  assert.equal(wx.getStorageSync('minyi.join'), code, 'kept from the launch options');
  wx.removeStorageSync('minyi.join');
  backend(wx);
  const mine = loadPage('mine');
  wx.scanResult = { result: `https://minyi.example.cn/m/?c=${code}` };
  await mine.changeCommunity();
  assert.equal(wx.getStorageSync('minyi.join'), code);
  wx.scanResult = { result: '随便什么文字' };
  wx.removeStorageSync('minyi.join');
  await mine.changeCommunity();
  assert.equal(wx.getStorageSync('minyi.join'), '');
  assert.ok(wx.toasts.includes('没有识别到社区二维码'));
});

test('photos: mine and the published ones of a topic are downloaded with the token and open large', async () => {
  const { wx, loadPage } = setup();
  backend(wx);
  const mine = loadPage('mine');
  await mine.onShow();
  await until(() => mine.data.items[0].photos.length === 1);
  const dl = wx.calls.filter((c) => c.method === 'DOWNLOAD');
  assert.equal(dl[0].path, '/api/v1/uploads/u-mine');
  assert.match(dl[0].header.authorization, /^Bearer /);
  mine.preview({ currentTarget: { dataset: { index: 0, src: mine.data.items[0].photos[0] } } });
  assert.deepEqual(wx.previewed.urls, mine.data.items[0].photos);
  const topic = loadPage('topic/topic');
  await topic.onLoad({ id: '11' });
  await until(() => topic.data.voices[0].photos.length === 1);
  assert.ok(wx.calls.some((c) => c.method === 'DOWNLOAD' && c.path === '/api/v1/uploads/u-voice'));
});

test('timeline component renders entries as text (miniprogram-simulate)', async () => {
  // miniprogram-simulate renders into a DOM: give it jsdom's.
  const { JSDOM } = require('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  for (const k of ['window', 'document', 'Node', 'HTMLElement', 'Element', 'Event', 'CustomEvent', 'MutationObserver']) {
    if (!(k in globalThis) || k === 'window' || k === 'document') globalThis[k] = k === 'window' ? dom.window : dom.window[k];
  }
  const simulate = require('miniprogram-simulate');
  const id = simulate.load(path.join(MP, 'components/timeline/index'));
  const entries = [
    { timeline_entry_id: 1, topic_id: 1, kind: 'accepted', kind_label: '已受理', kind_label_en: 'Accepted', body: '社区已受理', created_at: '2026-11-20T02:00:00Z' },
    { timeline_entry_id: 2, topic_id: 1, kind: 'reply', kind_label: '社区回复', kind_label_en: 'Community reply', body: '<b>不是HTML</b>', created_at: '2026-11-21T02:30:00Z' },
  ];
  assert.deepEqual(entries.flatMap((e) => shapes.checkPart('GET /api/v1/topics/{id} 200', 'timeline[]', e)), [], 'entries as the server sends them');
  const comp = simulate.render(id, { entries });
  comp.attach(document.createElement('parent-wrapper'));
  const text = comp.dom.textContent;
  assert.match(text, /已受理/);
  assert.match(text, /社区回复/);
  assert.match(text, /2026-11-21 10:30/);
  assert.match(text, /<b>不是HTML<\/b>/, 'typed text is shown as text');
  assert.equal(comp.dom.querySelectorAll('b').length, 0);
  const empty = simulate.render(id, { entries: [] });
  empty.attach(document.createElement('parent-wrapper'));
  assert.match(empty.dom.textContent, /还没有进展记录/);
});

test('assist mode: a volunteer logs in, consent is required, a retry keeps the client id', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx, { failPostsWith: { status: 503, times: 1 } });
  const page = loadPage('assist');
  page.onLoad();
  assert.equal(page.data.loggedIn, false);
  page.onInput({ currentTarget: { dataset: { field: 'username' } }, detail: { value: 'xiaoli' } });
  page.onInput({ currentTarget: { dataset: { field: 'password' } }, detail: { value: 'wrong' } });
  await page.login();
  assert.equal(page.data.loggedIn, false);
  assert.equal(page.data.message, '用户名或密码错误');
  page.onInput({ currentTarget: { dataset: { field: 'password' } }, detail: { value: 'pw-ok' } });
  await page.login();
  assert.equal(page.data.loggedIn, true);
  page.onInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '王阿姨' } });
  page.onInput({ currentTarget: { dataset: { field: 'text' } }, detail: { value: '楼下垃圾桶太少了，经常满出来' } });
  await page.submit();
  assert.match(page.data.message, /同意/);
  assert.equal(server.posts, 0, 'nothing sent without consent');
  page.onConsent({ detail: { value: true } });
  const clientId = page.data.clientId;
  await page.submit();
  assert.equal(page.data.messageKind, 'error', 'the 503 is shown');
  assert.equal(page.data.clientId, clientId, 'same client id for the retry');
  await page.submit();
  assert.equal(page.data.messageKind, 'ok', page.data.message);
  assert.equal(server.created.length, 1);
  const sent = wx.calls.filter((c) => c.path === '/api/v1/suggestions');
  assert.equal(sent[0].data.client_id, sent[1].data.client_id);
  assert.deepEqual(sent[1].data.on_behalf, { consent: true, name: '王阿姨' });
  assert.equal(sent[1].header.authorization, 'Bearer staff', 'sent with the staff token');
  assert.notEqual(page.data.clientId, clientId, 'a new form gets a new client id');
});

test('a refused login leads to a clear screen', async () => {
  const { wx, loadPage } = setup();
  backend(wx, { loginReply: { statusCode: 401, data: { code: 'wechat_invalid_code', message: '微信登录凭证无效或已使用，请重新进入小程序' } } });
  const page = loadPage('board');
  await page.onShow();
  assert.match(page.data.error, /微信登录凭证无效/);
  assert.match(wx.relaunched, /^\/pages\/login-error\/index\?code=wechat_invalid_code/);
  const q = Object.fromEntries(new URL('http://x' + wx.relaunched).searchParams);
  const errPage = loadPage('login-error');
  errPage.onLoad({ code: encodeURIComponent(q.code), msg: encodeURIComponent(q.msg) });
  assert.match(errPage.data.message, /微信登录凭证无效/);
  assert.match(errPage.data.hint, /重新登录/);
});

test('the API client runs at most 4 requests at once and queues the rest', async () => {
  const { wx } = setup();
  backend(wx);
  let active = 0;
  let peak = 0;
  const request = wx.request;
  wx.request = (o) => {
    active += 1;
    peak = Math.max(peak, active);
    request({ ...o, success: (r) => { active -= 1; o.success(r); }, fail: (e) => { active -= 1; o.fail(e); } });
  };
  const { client } = require(path.join(MP, 'utils/api.js'));
  const results = await Promise.all(Array.from({ length: 12 }, () => client().me()));
  assert.equal(results.length, 12);
  assert.ok(peak <= 4, `peak ${peak}`);
  assert.ok(peak >= 2, 'requests did run in parallel');
});

test('topic page (where subscribe messages lead): decision, timeline, voices, support, satisfaction', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  const board = loadPage('board');
  await board.onShow();
  board.open({ currentTarget: { dataset: { id: 11 } } });
  assert.equal(wx.navigated, '/pages/topic/topic?id=11');
  const page = loadPage('topic/topic');
  await page.onLoad({ id: '11' });
  assert.equal(page.data.topic.decision, '由物业一周内更换灯具');
  assert.equal(page.data.topic.supported, true, 'supported comes inside the topic view');
  assert.equal(page.data.decisions[0].time, '2026-11-25 10:00');
  assert.equal(page.data.voices[0].author, '王*');
  assert.equal(page.data.canRate, true);
  await page.toggleSupport();
  assert.equal(page.data.topic.supported, false);
  assert.ok(!server.support.has('11'));
  page.choose({ currentTarget: { dataset: { answer: 'unsatisfied' } } });
  await page.rate();
  assert.deepEqual(server.satisfaction, { answer: 'unsatisfied' });
  assert.equal(page.data.rated, '不满意');
});

test('topic page: the funded project that answers it, its progress and timeline; signing up to volunteer', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  const page = loadPage('topic/topic');
  await page.onLoad({ id: '11' });
  const p = page.data.projects[0];
  assert.equal(p.title, '东门路灯守护行动');
  assert.equal(p.phaseLabel, '实施', "the server's label");
  assert.equal(p.money, '¥3500.50', 'fen shown as yuan exactly');
  assert.equal(p.dates, '2026年5月1日 至 2026年10月31日');
  assert.equal(p.percent, 50);
  assert.match(p.progressText, /进度 50%（1\/2 个节点完成）· 已使用资金 ¥120\.00/);
  assert.deepEqual(p.milestones.map((m) => m.state), ['已完成（2026-06-20 10:00），招募 12 人', '计划中'], 'Beijing time');
  assert.equal(p.activities[0].counts, '参加 15 人 · 受益 40 人 · 志愿服务 12.5 小时');
  assert.equal(p.canSignUp, true);
  assert.equal(p.volunteered, false);
  await page.signUp({ currentTarget: { dataset: { index: 0, kind: 'volunteer' } } });
  assert.deepEqual(server.signups, ['volunteer'], 'the kind chosen was sent');
  assert.equal(page.data.projects[0].volunteered, true);
  assert.match(page.data.projects[0].residentsText, /1 位志愿者/);
  assert.equal(page.data.projects[0].joined, false);
});

test('topic page: a project whose results are published shows its grade and takes a rating', async () => {
  const { wx, loadPage } = setup();
  const server = backend(wx);
  server.published = true;
  const page = loadPage('topic/topic');
  await page.onLoad({ id: '11' });
  const p = page.data.projects[0];
  assert.equal(p.phaseLabel, '公示结果');
  assert.equal(p.evaluation, '良好（88 分）');
  assert.equal(p.canSignUp, false);
  assert.equal(p.canRate, true);
  assert.equal(p.myRating, 0);
  // Nothing is sent before stars are chosen.
  await page.rateProject({ currentTarget: { dataset: { index: 0 } } });
  assert.equal(server.rating, undefined);
  assert.equal(wx.toasts.at(-1), '请先选择 1 至 5 星');
  page.chooseStars({ currentTarget: { dataset: { index: 0, stars: '4' } } });
  await page.rateProject({ currentTarget: { dataset: { index: 0 } } });
  assert.deepEqual(server.rating, { stars: 4 });
  assert.equal(page.data.projects[0].myRating, 4);
  assert.match(page.data.projects[0].residentsText, /1 人评分，平均 4\.0 星/);
});

test('every page template compiles and renders its data (miniprogram-simulate)', async () => {
  const { JSDOM } = require('jsdom');
  if (!globalThis.document) {
    const dom = new JSDOM('<!doctype html><html><body></body></html>');
    globalThis.window = dom.window;
    globalThis.document = dom.window.document;
  }
  const simulate = require('miniprogram-simulate');
  const fs = require('node:fs');
  const timeline = simulate.load(path.join(MP, 'components/timeline/index'));
  const { wx, loadPage } = setup();
  backend(wx);
  const pages = {
    'board/index': async (p) => { await p.onShow(); return /东门路灯不亮[\s\S]*我也支持/; },
    'topic/topic': async (p) => { await p.onLoad({ id: '11' }); return /由物业一周内更换灯具[\s\S]*东门太黑了[\s\S]*满意吗/; },
    'post/index': async (p) => { await p.onLoad(); p.onBuilding({ detail: { value: '1' } }); return /提建议[\s\S]*3号楼[\s\S]*添加照片/; },
    'mine/index': async (p) => { await p.onShow(); return /路灯已修复[\s\S]*满意吗/; },
    'assist/index': async (p) => { p.onLoad(); return /工作账号/; },
    'login-error/index': async (p) => { p.onLoad({ code: 'forbidden', msg: encodeURIComponent('您没有执行此操作的权限') }); return /停用/; },
  };
  for (const [name, prepare] of Object.entries(pages)) {
    const page = loadPage(name.endsWith('/index') ? name.slice(0, -6) : name);
    const expected = await prepare(page);
    const template = fs.readFileSync(path.join(MP, 'pages', name + '.wxml'), 'utf8');
    const id = simulate.load({ template, usingComponents: { timeline }, data: page.data });
    const comp = simulate.render(id);
    comp.attach(document.createElement('parent-wrapper'));
    assert.match(comp.dom.textContent, expected, name);
  }
});
