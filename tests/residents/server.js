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

async function must(r, what) {
  if (r.status >= 300) throw new Error(`${what} answered ${r.status} ${JSON.stringify(r.data)}`);
  return r.data;
}

/** A new staff account of a role (in the test community unless told otherwise); its token. */
async function staffToken(role, communityIds) {
  const admin = await adminToken();
  const username = `${role}${Date.now()}${Math.floor(Math.random() * 1000)}`;
  await must(await json('POST', '/api/v1/admin/staff', {
    role, username, password: 'staff-password-1', display_name: username,
    community_ids: communityIds || [COMMUNITY],
  }, admin), `creating a ${role}`);
  const login = await must(await json('POST', '/api/v1/auth/login', { username, password: 'staff-password-1' }), `${role} login`);
  const me = await must(await json('GET', '/api/v1/me', undefined, login.access_token), `${role} /me`);
  return { token: login.access_token, accountId: me.account_id || me.id };
}

/** POST with the `If-Match` of the resource read first. */
async function withVersion(resource, action, body, token, what) {
  const etag = (await json('GET', resource, undefined, token)).headers.get('etag');
  return must(await json('POST', action, body, token, { 'if-match': etag }), what);
}

/**
 * Staff through the API: a community organisation applies for a 公益创投 round with a project
 * answering the topic; a reviewer scores it; it is funded (¥3,500.00) and announced, so the
 * topic's residents see it; it is carried out (two milestones, the first reached, one activity
 * of 40 beneficiaries). Returns the project and round ids, the tokens used and the round's
 * phase mover.
 */
async function fundTopic(topicId, title) {
  const admin = await adminToken();
  const worker = await staffToken('worker');
  // Names are unique per community (and each test file runs this again): a run's own number.
  const no = `${process.pid}${Date.now() % 100000}`;
  const org = await must(await json('POST', `/api/v1/communities/${COMMUNITY}/organisations`, {
    name: `${title}志愿队${no}`, kind: 'mutual_aid', stage: 'budding', lead_name: '刘阿姨', lead_phone: '13812345678',
    members_count: 12, volunteers_count: 30,
  }, worker.token), 'registering an organisation');
  const round = await must(await json('POST', '/api/v1/rounds', {
    name: `${title}公益创投${no}`,
    sources: [{ name: '区财政匹配', amount_fen: 600000 }, { name: '街道公益金', amount_fen: 400000 }],
    phases: [{ phase: 'apply', starts_on: '2026-03-01', ends_on: '2026-03-31' }],
  }, admin), 'opening a round');
  const project = await must(await json('POST', `/api/v1/rounds/${round.round_id}/projects`, {
    organisation_id: org.organisation_id, title, need: '居民反映的问题，议事会已决议', goals: '三个月内解决并建立长效机制',
    plan: '招募志愿者；每周巡查；每月一次居民说明会', beneficiaries_target: 200, volunteers_planned: 10,
    starts_on: '2026-05-01', ends_on: '2026-10-31', topic_ids: [topicId],
    budget_lines: [{ category: 'materials', description: '材料费', amount_fen: 400000 }],
  }, worker.token), 'applying');
  const reviewer = await staffToken('reviewer', []);
  await must(await json('PUT', `/api/v1/rounds/${round.round_id}/reviewers`, { account_ids: [reviewer.accountId] }, admin), 'assigning a reviewer');
  const phase = (p) => withVersion(`/api/v1/rounds/${round.round_id}`, `/api/v1/rounds/${round.round_id}/phase`,
    { phase: p, reason: '按计划推进' }, admin, `moving to ${p}`);
  await phase('review');
  await must(await json('PUT', `/api/v1/projects/${project.project_id}/review`, {
    scores: { need: 28, feasibility: 20, budget: 20, sustainability: 15 }, comment: '方案可行',
  }, reviewer.token), 'reviewing');
  await withVersion(`/api/v1/projects/${project.project_id}`, `/api/v1/projects/${project.project_id}/decision`,
    { approved: true, awarded_fen: 350000, reason: '需求明确，预算合理' }, admin, 'funding');
  await phase('announce');
  // 实施: two milestones, the first reached, and one activity.
  await phase('implement');
  const pid = project.project_id;
  let view = null;
  for (const [t, due] of [['招募楼栋志愿者', '2026-06-30'], ['建立长效机制', '2026-10-31']]) {
    view = await must(await json('POST', `/api/v1/projects/${pid}/milestones`, { title: t, due_on: due }, worker.token), 'a milestone');
  }
  const first = view.milestones.find((m) => m.title === '招募楼栋志愿者');
  await must(await json('POST', `/api/v1/projects/${pid}/milestones/${first.milestone_id}/done`, { note: '招募 12 人' }, worker.token), 'a milestone reached');
  await must(await json('POST', `/api/v1/projects/${pid}/activities`, {
    held_on: '2026-06-15', place: '社区活动室', summary: '志愿者培训与分工', participants: 15, beneficiaries: 40,
    volunteer_hours: 12.5, photo_ids: [],
  }, worker.token), 'an activity');
  return { projectId: project.project_id, roundId: round.round_id, admin, worker: worker.token, phase };
}

/** Carry a funded project (of `fundTopic`) through mid-term and evaluation (grade 良好) to its
 * published results, when residents may rate it. */
async function publishResults(funded) {
  await funded.phase('midterm');
  await funded.phase('evaluate');
  await must(await json('PUT', `/api/v1/projects/${funded.projectId}/evaluation`, {
    finance_score: 90, finance_notes: '票据齐全', operation_score: 85, operation_notes: '按计划执行',
    results_score: 88, results_notes: '路灯修复，居民满意', grade: 'good',
  }, funded.admin), 'evaluating');
  await funded.phase('published');
}

module.exports = { fundTopic, publishResults, staffToken, must, withVersion, joinCode, BASE, COMMUNITY, ADMIN_PASSWORD, LOG, codeFromLog, waitForCode, json, adminToken, ensureBuilding, configured: !!BASE };
