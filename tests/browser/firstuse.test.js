// What workers, volunteers and admins hit on first use (issue 16), in the dashboard: photos and
// publishing them, the split link and a clean timeline after un-merge, the audit list, tallies
// within attendance, statistics that say what they count, call-backs per person, paper forms
// (serial after an import, corrections, the typist's own contacts, category), assist mode,
// the community's QR poster, the administration (streets by name, which community's
// buildings, the password rule, moderation words), and the inbox and topic page at 390 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  BASE, COMMUNITY_ID, WORKER, VOLUNTEER, RUN, launch, newPage, login, shot, residentToken, postSuggestion, staffToken, call,
  until, suggestionWithTopic, uploadPhoto, checkA11y,
} from "./helpers.js";

const ADMIN = { username: process.env.MINYI_ADMIN_USER || "admin", password: process.env.MINYI_ADMIN_PASS || "" };

let browser;
let worker;
before(async () => {
  browser = await launch();
  worker = await staffToken(WORKER);
});
after(async () => {
  await browser?.close();
});

const etagOf = async (id) => (await call(worker, "GET", `/topics/${id}`)).etag;

test("1. photos reach the worker's topic page, open large, and residents see them once published", async () => {
  const resident = await residentToken(`拍照居民${RUN}`);
  const neighbour = await residentToken(`邻居${RUN}`);
  const photo = await uploadPhoto(resident);
  const posted = await postSuggestion(resident, `3号楼下的窨井盖缺了一角，夜里容易绊倒（照片${RUN}）`, { photo_ids: [photo] });
  const topicId = (await suggestionWithTopic(resident, posted.id)).topic.topic_id;
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${topicId}`);
  const thumb = page.locator(`[data-testid="photo-thumb"][data-upload-id="${photo}"]`);
  await thumb.locator("img").waitFor();
  assert.ok(await thumb.locator("img").evaluate((img) => img.naturalWidth > 0), "the thumbnail is drawn");
  await thumb.click();
  await page.waitForSelector('[data-testid="photo-dialog"][open] img.large');
  await shot(page, "topic-photo-large");
  await page.keyboard.press("Escape");
  await page.waitForSelector('[data-testid="photo-dialog"][open]', { state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "photo-thumb", "the focus returns to the thumbnail");
  // Not public yet: the neighbour's topic page has no photo.
  let voices = (await call(neighbour, "GET", `/topics/${topicId}`)).data.voices;
  assert.deepEqual(voices[0].photo_ids, []);
  await page.click('[data-testid="photo-public"]');
  await page.waitForSelector('[data-testid="notice"]:has-text("照片已向居民公开")');
  await page.waitForSelector('[data-testid="photo-public"]:checked');
  voices = (await call(neighbour, "GET", `/topics/${topicId}`)).data.voices;
  assert.deepEqual(voices[0].photo_ids, [photo]);
  const got = await fetch(`${BASE}/api/v1/uploads/${photo}`, { headers: { authorization: `Bearer ${neighbour}` } });
  assert.equal(got.status, 200);
  // The audit list: a time, a name, a label — no account ids, no codes.
  await page.click('[data-testid="audit"] summary');
  const row = page.locator('[data-testid="audit-row"]:has-text("公开照片")');
  await row.waitFor();
  const cells = await row.locator("td").allTextContents();
  assert.match(cells[0], /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}/, "the time is shown");
  assert.equal(cells[1], "李社工");
  const all = await page.locator('[data-testid="audit"] tbody').textContent();
  assert.doesNotMatch(all, /topic\.|suggestion\.|[a-z]+_[a-z]+/, "no raw codes");
  await shot(page, "topic-audit");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("11. split links to the new topic; after un-merge the public timeline does not end with 已合并", async () => {
  const resident = await residentToken(`拆分居民${RUN}`);
  const a = await postSuggestion(resident, `东区停车位划线太窄，车门打不开（拆分${RUN}）`);
  const topicId = (await suggestionWithTopic(resident, a.id)).topic.topic_id;
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${topicId}`);
  await page.check(`[data-testid="member-row"][data-suggestion-id="${a.id}"] [data-testid="member-select"]`);
  await page.fill("#split-title", `停车位划线${RUN}`);
  await page.click('[data-testid="split-submit"]');
  const link = page.locator('[data-testid="split-link"]');
  await link.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === "split-link");
  await shot(page, "topic-split-link");
  await link.click();
  await page.waitForSelector(`[data-testid="topic-page"] h1:has-text("停车位划线${RUN}")`);
  const newId = Number(await page.getAttribute('[data-testid="topic-page"]', "data-topic-id"));
  assert.notEqual(newId, topicId);

  // Merge the new topic into another, then undo it: residents read no 已合并 at the end.
  const other = await postSuggestion(resident, `社区食堂能不能增加早餐（合并${RUN}）`);
  const otherId = (await suggestionWithTopic(resident, other.id)).topic.topic_id;
  await call(worker, "POST", `/topics/${newId}/merge`, { into_topic_id: otherId }, { "if-match": await etagOf(newId) });
  await page.reload();
  await page.click('[data-testid="unmerge"]');
  await page.waitForSelector('[data-testid="topic-page"]:not([data-status="merged"])');
  const timeline = (await call(resident, "GET", `/topics/${newId}`)).data.timeline;
  assert.ok(timeline.every((e) => e.kind !== "merged"), JSON.stringify(timeline));
  assert.match(timeline[timeline.length - 1].body, /合并已撤销/);
  await page.context().close();
});

test("12. a tally cannot exceed attendance: the form says so and the server refuses", async () => {
  const resident = await residentToken(`表决居民${RUN}`);
  const s = await postSuggestion(resident, `小区健身器材区的地面开裂，孩子容易摔倒（表决${RUN}）`);
  const topicId = (await suggestionWithTopic(resident, s.id)).topic.topic_id;
  const m = (await call(worker, "POST", `/communities/${COMMUNITY_ID}/meetings`, {
    title: `表决议事会${RUN}`, held_at: "2026-12-12T11:00:00Z", place: "活动室", topic_ids: [topicId],
  })).data;
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/meeting/${m.meeting_id}`);
  const item = page.locator(`[data-testid="agenda-item"][data-topic-id="${topicId}"]`);
  await item.locator('[data-testid="decision-mode"]').selectOption("vote");
  assert.match(await item.locator('[data-testid="tally-hint"]').textContent(), /先.*出席人数/);
  await page.fill('[data-testid="attendance-count"]', "18");
  await page.click('[data-testid="meeting-save"]');
  await item.locator('[data-testid="tally-hint"]:has-text("出席 18 人")').waitFor();
  await item.locator('[data-testid="decision-text"]').fill("晚上九点后关闭音响");
  await item.locator('[data-testid="votes-for"]').fill("100");
  assert.equal(await item.locator('[data-testid="decision-submit"]').isDisabled(), true, "100 of 18 cannot be sent");
  assert.equal(await item.locator('[data-testid="votes-for"]').getAttribute("aria-invalid"), "true");
  await shot(page, "meeting-tally-over");
  await item.locator('[data-testid="votes-for"]').fill("12");
  await item.locator('[data-testid="votes-against"]').fill("4");
  await item.locator('[data-testid="votes-abstain"]').fill("2");
  await item.locator('[data-testid="decision-submit"]').click();
  await item.locator('[data-testid="recorded-decision"]:has-text("投票表决")').waitFor();
  // The server refuses it too (a client that skips the form).
  const refused = await call(worker, "POST", `/meetings/${m.meeting_id}/decisions`, {
    topic_id: topicId, decision: "再议", decision_mode: "vote", votes_for: 100, votes_against: 0, votes_abstain: 0,
  }).catch((e) => e);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.errors[0].code, "tally_exceeds_attendance");
  // The meeting's workbook has the attendees' names, numbers as numbers (checked in the API story).
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-link"]')]);
  assert.equal((await readFile(await download.path())).subarray(0, 2).toString(), "PK");
  await page.context().close();
});

test("13. statistics: a rate without a denominator is —, every figure says what it counts, every chart has a table", async () => {
  const admin = await staffToken(ADMIN);
  const name = `统计空社区${RUN}`;
  const street = (await call(admin, "GET", "/admin/streets")).data.items[0].street_id;
  const empty = (await call(admin, "POST", "/admin/communities", { street_id: street, name })).data.id;
  const page = await newPage(browser);
  await login(page, ADMIN);
  // An empty community: nothing due, nothing answered.
  await page.evaluate((id) => localStorage.setItem("minyi.community", String(id)), empty);
  await page.goto(`${BASE}/#/stats`);
  await page.reload();
  await page.waitForSelector(`[data-testid="current-community"]:has-text("${name}")`);
  await page.waitForSelector('[data-testid="figures"]');
  assert.equal((await page.textContent('[data-testid="on-time-value"]')).trim(), "—");
  assert.equal((await page.textContent('[data-testid="satisfaction-rate-value"]')).trim(), "—");
  assert.match(await page.textContent('[data-testid="on-time"]'), /没有到期的环节/);
  assert.match(await page.textContent('[data-testid="stats"] h2'), new RegExp(name), "the figures name their scope");
  await shot(page, "stats-empty");
  // The worker's community: the per-day chart has its table with the same numbers as the API.
  await page.evaluate((id) => localStorage.setItem("minyi.community", String(id)), COMMUNITY_ID);
  await page.goto(`${BASE}/#/stats`);
  await page.reload();
  await page.waitForSelector('[data-testid="chart-per-day"] canvas');
  assert.equal(await page.getAttribute('[data-testid="chart-per-day"]', "role"), "img");
  const api = (await call(admin, "GET", `/stats?community_id=${COMMUNITY_ID}`)).data;
  const fromTable = await page.$$eval('[data-testid="table-per-day"] tbody tr', (rows) =>
    rows.reduce((n, r) => n + Number(r.cells[1].textContent) + Number(r.cells[2].textContent), 0));
  assert.equal(fromTable, api.suggestions_total);
  assert.ok(await page.locator('[data-testid="table-status"] tbody tr').count() > 0);
  await page.context().close();
});

test("15. call-backs: one row per resident and topic, with every notice", async () => {
  const volunteer = await staffToken(VOLUNTEER);
  const batch = (await call(volunteer, "POST", "/paper-batches", {
    community_id: COMMUNITY_ID, collection_kind: "event", collection_point: `回访活动${RUN}`, collected_on: "2026-11-29", sheet_count: 1,
  })).data.id;
  const text = `社区医务室希望增加晚间门诊时间，上班族看病方便（回访分组${RUN}）`;
  const entry = (await call(volunteer, "POST", `/paper-batches/${batch}/entries`, { serial: "1", text, name: "吴大爷", phone: "13600005555" })).data;
  const topicId = await until(async () => {
    const { data } = await call(volunteer, "GET", `/paper-batches/${batch}`);
    return data.entries[0] && (await call(worker, "GET", `/communities/${COMMUNITY_ID}/topics?q=${encodeURIComponent(`回访分组${RUN}`)}`)).data.items[0]?.id;
  }, { what: "the paper entry's topic" });
  assert.ok(entry.id);
  for (const status of ["accepted", "scheduled"]) {
    await call(worker, "POST", `/topics/${topicId}/status`, { status }, { "if-match": await etagOf(topicId) });
  }
  await call(worker, "POST", `/topics/${topicId}/replies`, { body: "已联系市场管理方" }, { "if-match": await etagOf(topicId) });
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-callbacks"]');
  const rows = page.locator(`[data-testid="callback-row"][data-topic-id="${topicId}"]`);
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1, "one resident, one row");
  assert.equal(await rows.locator('[data-testid="callback-notices"] li').count(), 3);
  await shot(page, "callbacks-grouped");
  await rows.locator('[data-testid="callback-done"]').click();
  await rows.first().waitFor({ state: "detached" });
  await page.waitForFunction(() => document.getElementById("announcer").textContent.includes("吴大爷"));
  await page.context().close();
});

test("6–9. paper: the serial after an import is free, an entry is corrected on screen, the typist sees their own contacts, the category reaches the topic", async () => {
  const volunteer = await staffToken(VOLUNTEER);
  const batch = (await call(volunteer, "POST", "/paper-batches", {
    community_id: COMMUNITY_ID, collection_kind: "door_to_door", collection_point: `入户录入${RUN}`, collected_on: "2026-11-28", sheet_count: 5,
  })).data.id;
  const page = await newPage(browser);
  await login(page, VOLUNTEER);
  await page.goto(`${BASE}/#/batch/${batch}`);
  await page.waitForSelector('[data-testid="entry-form"]');
  assert.equal(await page.inputValue('[data-testid="entry-serial"]'), "1");
  const csv = ["编号,建议内容,类别,姓名,电话", `1,小区东门外的下水道井盖松动，车压过去很响（类别${RUN}）,市政设施,钱阿姨,13811112222`, `2,楼道里的消防栓箱门坏了很久（${RUN}）,,,`].join("\n");
  await page.setInputFiles("#import-file", { name: "forms.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.click('[data-testid="import-form"] button[type="submit"]');
  await page.waitForSelector('[data-testid="entry-row"][data-serial="2"]');
  // 6. The form now proposes serial 3, not the taken 1.
  await page.waitForFunction(() => document.querySelector('[data-testid="entry-serial"]').value === "3");
  // 9. The typist sees the name and phone in full while the batch is open.
  const row1 = page.locator('[data-testid="entry-row"][data-serial="1"]');
  assert.equal((await row1.locator('[data-testid="entry-phone"]').textContent()).trim(), "13811112222");
  assert.equal((await row1.locator('[data-testid="entry-name"]').textContent()).trim(), "钱阿姨");
  await page.waitForSelector('[data-testid="contacts-visible-hint"]');
  // 7. Correct the phone on screen, with a reason.
  await row1.locator('[data-testid="entry-edit"]').click();
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === "correct-text");
  await page.fill('[data-testid="correct-phone"]', "13811113333");
  await page.fill('[data-testid="correct-reason"]', "录入时看错一位");
  await shot(page, "paper-correct");
  await page.click('[data-testid="correct-save"]');
  await page.waitForSelector('[data-testid="entry-row"][data-serial="1"] [data-testid="entry-phone"]:has-text("13811113333")');
  await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.testid === "entry-edit");
  // Others see it masked.
  const entries = (await call(worker, "GET", `/paper-batches/${batch}`)).data.entries;
  assert.equal(entries.find((e) => e.serial === "1").phone, "138****3333");
  // 8. The category reached the topic.
  const id = entries.find((e) => e.serial === "1").id;
  const topic = await until(async () => {
    const s = (await call(worker, "GET", `/communities/${COMMUNITY_ID}/topics?q=${encodeURIComponent(`类别${RUN}`)}`)).data.items[0];
    return s && s.category ? s : null;
  }, { what: "the topic's category" });
  assert.equal(topic.category, "市政设施");
  assert.ok(id);
  // Closed: masked for the typist too.
  await page.click('[data-testid="close-batch"]');
  await page.click('[data-testid="close-confirm"]');
  await page.waitForSelector('[data-testid="entry-form"]', { state: "detached" });
  assert.equal((await page.locator('[data-testid="entry-row"][data-serial="1"] [data-testid="entry-phone"]').textContent()).trim(), "138****3333");
  await page.context().close();
});

test("10. assist mode at a desk: consent required, posted once, recorded for the resident", async () => {
  const page = await newPage(browser);
  await login(page, VOLUNTEER);
  await page.click('[data-testid="nav-assist"]');
  await page.waitForSelector('[data-testid="assist-form"]');
  const text = `社区活动室的空调一直漏水，地面很滑（代提交${RUN}）`;
  await page.fill('[data-testid="assist-name"]', "郑奶奶");
  await page.fill('[data-testid="assist-phone"]', "13500007777");
  await page.fill('[data-testid="assist-text"]', text);
  await page.click('[data-testid="assist-submit"]');
  await page.waitForSelector('[data-testid="assist-error"]');
  assert.match(await page.textContent('[data-testid="assist-error"]'), /同意/);
  await page.check('[data-testid="assist-consent"]');
  await page.click('[data-testid="assist-submit"]');
  await page.waitForSelector('[data-testid="assist-done"]');
  await shot(page, "assist");
  assert.equal(await page.inputValue('[data-testid="assist-text"]'), "", "a fresh form for the next resident");
  const found = await until(async () => {
    const { data } = await call(worker, "GET", `/communities/${COMMUNITY_ID}/topics?q=${encodeURIComponent(`代提交${RUN}`)}`);
    return data.items[0];
  }, { what: "the assisted suggestion's topic" });
  const detail = (await call(worker, "GET", `/topics/${found.id}`)).data;
  assert.equal(detail.members.filter((m) => m.text === text).length, 1, "posted once");
  await page.context().close();
});

test("2. the community's QR code: shown to staff, a printable poster, replaced by an admin", async () => {
  const page = await newPage(browser);
  await login(page, ADMIN);
  await page.click('[data-testid="nav-join"]');
  await page.waitForSelector('[data-testid="join"] img.qr');
  const url = (await page.textContent('[data-testid="join-url"]')).trim();
  assert.match(url, /\/m\/\?c=\d+\.[A-Za-z0-9_-]{20}$/);
  const [poster] = await Promise.all([page.context().waitForEvent("page"), page.click('[data-testid="join-poster"]')]);
  await poster.waitForLoadState();
  await poster.waitForSelector("svg[role=img]");
  assert.match(await poster.textContent("body"), /扫一扫，参与社区议事/);
  await shot(poster, "join-poster");
  await poster.close();
  await page.click('[data-testid="join-rotate"]');
  await page.click('[data-testid="join-rotate-confirm"]');
  await page.waitForFunction((old) => document.querySelector('[data-testid="join-url"]').textContent.trim() !== old, url);
  const oldCode = new URL(url).searchParams.get("c");
  const r = await fetch(`${BASE}/api/v1/join-codes/${oldCode}`);
  assert.equal(r.status, 422, "the old poster no longer works");
  await shot(page, "join");
  await page.context().close();
});

test("17, 19. administration: streets by name, which community's buildings, the password rule, moderation words", async () => {
  const page = await newPage(browser);
  await login(page, ADMIN);
  await page.click('[data-testid="nav-admin"]');
  // The streets arrive after the form is drawn: wait for them rather than read too early.
  await page.waitForFunction(() => document.querySelector('[data-testid="community-street"]')?.textContent.includes("双港镇"));
  assert.match(await page.textContent('[data-testid="community-street"]'), /双港镇/);
  assert.match(await page.textContent('[data-testid="buildings-heading"]'), /坤翔园社区/);
  assert.match(await page.textContent("#st-pass-rule"), /10–128/);
  assert.equal(await page.getAttribute("#st-pass", "aria-describedby"), "st-pass-rule");
  // A community is added by choosing its street by name.
  const name = `海河里社区${RUN}`;
  await page.fill('[data-testid="community-name"]', name);
  await page.click('[data-testid="community-form"] button[type="submit"]');
  await page.waitForSelector(`[data-testid="community-row"]:has-text("${name}")`);
  // Moderation words of the community, saved from the screen; a post with one is held.
  const words = page.locator('[data-testid="words-community"]');
  await words.locator("textarea").fill(`私设赌局${RUN}\n高利贷`);
  await words.locator('[data-testid="words-community-save"]').click();
  await words.locator('[data-testid="notice"]').waitFor();
  await shot(page, "admin-words");
  const resident = await residentToken(`用词居民${RUN}`);
  const held = await postSuggestion(resident, `车库里有人私设赌局${RUN}，晚上很吵`);
  assert.equal(held.state, "pending_review");
  const mine = (await call(resident, "GET", "/me/suggestions?limit=100")).data.items.find((s) => s.id === held.id);
  assert.match(mine.moderation_reason, /私设赌局/);
  assert.doesNotMatch(mine.moderation_reason, / \/ /, "Chinese only");
  // Leave nothing held and no words behind for the other tests.
  const adminToken = await staffToken(ADMIN);
  await call(adminToken, "POST", `/moderation/suggestions/${held.id}`, { approve: false, reason: "测试结束" });
  const list = await call(adminToken, "GET", `/communities/${COMMUNITY_ID}/moderation-words`);
  await call(adminToken, "PUT", `/communities/${COMMUNITY_ID}/moderation-words`, { words: [] }, { "if-match": list.etag });
  await page.context().close();
});

test("18. at 390 px the inbox and the topic page fit the phone: titles readable, nothing cut off", async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(page, WORKER);
  await page.waitForSelector('[data-testid="topic-row"]');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(await fits(), "no sideways scrolling on the inbox");
  const width = await page.locator('[data-testid="topic-row"] .title-cell').first().evaluate((td) => td.getBoundingClientRect().width);
  assert.ok(width > 250, `a title has ${width} px, not a character per line`);
  await checkA11y(page, "phone-inbox");
  await page.locator('[data-testid="topic-row"] a.topic-title').first().click();
  await page.waitForSelector('[data-testid="topic-page"] [data-testid="member-row"]');
  assert.ok(await fits(), "no sideways scrolling on the topic page");
  const actions = await page.locator('[data-testid="member-row"] [data-testid="move"]').first().boundingBox();
  assert.ok(actions.x + actions.width <= 390, "the last column is on screen");
  await checkA11y(page, "phone-topic");
  await page.context().close();
});
