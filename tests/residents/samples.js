// Real answers of the running `minyi serve`, for checking the mini-program tests' mocks
// (shapes.js): a resident and a volunteer use the mini-program's own API client
// (miniprogram/utils/api.js over fetch-wx.js) through a topic's whole life — post with a photo
// and a building, grouped, summarised, on a meeting's agenda, decided, replied to, resolved,
// rated, notified —
// and a few refusals; every answer they get is learned. Worker steps go straight to the API.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const srv = require('./server.js');
const { png } = require('./png.js');
const { fetchWx } = require('./fetch-wx.js');
const { Shapes } = require('./shapes.js');
const { createClient } = require('../../miniprogram/utils/api.js');

const API = srv.BASE + '/api/v1';

async function eventually(check, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error('samples: timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ok(r, what) {
  if (r.status >= 300) throw new Error(`samples: ${what} answered ${r.status} ${JSON.stringify(r.data)}`);
  return r;
}

async function collect() {
  const doc = await srv.json('GET', '/api/v1/openapi.json');
  const shapes = new Shapes(Object.keys(doc.data.paths));
  const learn = ({ method, url, statusCode, data }) => shapes.learn(method, url, statusCode, data);
  const tag = `${process.pid}-${Date.now()}`;

  // A resident, before and after choosing the community.
  const resident = createClient({ baseUrl: API, wx: fetchWx(`samples-${tag}`, learn) });
  await resident.me();
  // Joining: a bare community number is refused; the poster's code is previewed, then joined.
  const admin0 = await srv.adminToken();
  const joinView = await ok(await srv.json('GET', `/api/v1/communities/${srv.COMMUNITY}/join-code`, undefined, admin0), 'the join code');
  await resident.request('PUT', '/me/community', { community_id: srv.COMMUNITY }).catch(() => {});
  await resident.joinPreview(joinView.data.code);
  await resident.joinCommunity(joinView.data.code);
  await resident.me();
  const building = await srv.ensureBuilding('样本楼');
  await resident.buildings(srv.COMMUNITY);
  // A chosen name (the profile), so a voice that shows its author has one to show.
  await resident.request('PUT', '/me/profile', { name: '样本居民' });
  const templates = await resident.subscribeTemplates();
  await resident.subscriptions(templates.templates.map((t) => t.template_id));

  // A post with a photo and a building, sent twice (the same suggestion), then grouped.
  const file = path.join(os.tmpdir(), `minyi-samples-${tag}.png`);
  fs.writeFileSync(file, png());
  const up = await resident.upload(file);
  fs.rmSync(file, { force: true });
  const body = {
    client_id: `samples-${tag}`,
    text: `样本楼门口的路灯坏了一个星期，晚上很黑（${tag}）`,
    building_id: building,
    photo_ids: [up.upload_id],
    show_name: true,
  };
  const posted = await resident.post(body);
  await resident.post(body);
  await resident.mySuggestions();
  const mine = await eventually(
    async () => (await resident.mySuggestions()).items.find((s) => s.id === posted.id && s.topic),
    'the sample suggestion to be grouped'
  );
  const topicId = mine.topic.topic_id;
  await resident.topics(srv.COMMUNITY);
  await resident.topic(topicId);
  await resident.support(topicId, true);
  await resident.support(topicId, false);

  // A worker takes the topic through a meeting's decision and a public reply to resolved.
  const admin = await srv.adminToken();
  const username = `samples${Date.now()}`;
  await ok(await srv.json('POST', '/api/v1/admin/staff', {
    role: 'worker', username, password: 'samples-pass-12', display_name: '样本社工', community_ids: [srv.COMMUNITY],
  }, admin), 'creating a worker');
  const worker = (await ok(await srv.json('POST', '/api/v1/auth/login', { username, password: 'samples-pass-12' }), 'worker login')).data.access_token;
  // The worker publishes the photo: residents see it among the topic's voices.
  await ok(await srv.json('PATCH', `/api/v1/suggestions/${posted.id}/photos/${up.upload_id}`, { public: true }, worker), 'publishing the photo');
  const meeting = (await ok(await srv.json('POST', `/api/v1/communities/${srv.COMMUNITY}/meetings`, {
    title: '样本议事会', held_at: new Date().toISOString(), place: '社区活动室', topic_ids: [topicId],
  }, worker), 'creating a meeting')).data;
  const meetingId = meeting.meeting_id || meeting.id;
  await ok(await srv.json('POST', `/api/v1/meetings/${meetingId}/decisions`, {
    topic_id: topicId, decision: '由物业一周内更换路灯', decision_mode: 'consensus',
  }, worker), 'recording the decision');
  const etag = async () => (await srv.json('GET', `/api/v1/topics/${topicId}`, undefined, worker)).headers.get('etag');
  await ok(await srv.json('PATCH', `/api/v1/topics/${topicId}`, {
    summary: '居民反映样本楼门口路灯损坏，夜间出行不便', category: '市政设施',
  }, worker, { 'if-match': await etag() }), 'a summary and a category');
  await ok(await srv.json('POST', `/api/v1/topics/${topicId}/replies`, { body: '物业已安排电工' }, worker, { 'if-match': await etag() }), 'a public reply');
  await ok(await srv.json('POST', `/api/v1/topics/${topicId}/status`, { status: 'resolved', reason: '路灯已更换' }, worker, { 'if-match': await etag() }), 'resolving');

  // The resident sees it all, rates it and reads the news.
  await resident.topic(topicId);
  await resident.satisfaction(topicId, 'basically_satisfied', '修得挺快');
  await resident.topic(topicId);
  await eventually(async () => (await resident.mySuggestions()).items.some((s) => s.timeline && s.timeline.length), 'the timeline of the suggestion');
  await resident.topics(srv.COMMUNITY);
  const news = await eventually(async () => {
    const n = await resident.notifications();
    return n.items.length && n;
  }, 'notifications');
  await resident.markRead(news.items.map((x) => x.notification_id));
  await resident.markRead();

  // The topic becomes a funded community project; the resident sees it, signs up to volunteer
  // and may not rate it before its results are published.
  const funded = await srv.fundTopic(topicId, '样本楼路灯守护行动');
  await resident.topicProjects(topicId);
  await resident.projectSignup(funded.projectId, 'volunteer');
  await resident.projectRating(funded.projectId, 5).catch(() => {});
  // Its results are published (evaluated 良好): the resident rates it.
  await srv.publishResults(funded);
  await resident.topicProjects(topicId);
  await resident.projectRating(funded.projectId, 5, '路灯亮了');

  // Refusals: each is problem+json (one shape for every status).
  await resident.post({ client_id: `samples-short-${tag}`, text: '短' }).catch(() => {});
  await resident.post({ text: '没有客户端编号的建议内容' }).catch(() => {});
  await resident.topic(987654321).catch(() => {});
  await resident.satisfaction(topicId, 'no-such-answer').catch(() => {});

  // A volunteer's client: a wrong password, then a login, then a post for a resident.
  const vname = `samplesvol${Date.now()}`;
  await ok(await srv.json('POST', '/api/v1/admin/staff', {
    role: 'volunteer', username: vname, password: 'volunteer-pass-1', display_name: '样本志愿者', community_ids: [srv.COMMUNITY],
  }, admin), 'creating a volunteer');
  const volunteer = createClient({ baseUrl: API, wx: fetchWx('unused', learn), silentLogin: false, tokenKey: 'staff' });
  await volunteer.passwordLogin(vname, 'wrong-password').catch(() => {});
  await volunteer.passwordLogin(vname, 'volunteer-pass-1');
  await volunteer.post({ client_id: `samples-assist-${tag}`, text: '楼下垃圾桶太少了，经常满出来', on_behalf: { consent: true, name: '王阿姨' } });
  return shapes;
}

let cached = null;
/** The shapes of the real server's answers (collected once per process). */
function realShapes() {
  if (!cached) cached = collect();
  return cached;
}

module.exports = { realShapes };
