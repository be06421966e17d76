// Meetings: schedule one with a topic on the agenda and record its decision in the UI; the
// resident sees the decision in the topic's timeline of their own suggestion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { BASE, WORKER, RUN, launch, newPage, login, shot, residentToken, postSuggestion, suggestionWithTopic, until, call } from "./helpers.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("c. schedule a meeting with a topic and record a decision → the resident's timeline shows it", async () => {
  const resident = await residentToken(`居民己${RUN}`);
  const posted = await postSuggestion(resident, `小区广场舞音响太吵，晚上九点以后还在放，影响休息（${RUN}）`);
  const topicId = (await suggestionWithTopic(resident, posted.id)).topic.topic_id;
  const other = await postSuggestion(resident, `东门外垃圾桶每天都满了溢出来，希望增加清运次数（${RUN}）`);
  const otherTopic = (await suggestionWithTopic(resident, other.id)).topic.topic_id;
  assert.notEqual(otherTopic, topicId);
  const decision = `广场舞活动时间调整为19:00-20:30，音量由物业监测（${RUN}）`;

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-meetings"]');
  await page.waitForSelector('[data-testid="meeting-form"]');
  await page.fill('[data-testid="meeting-title"]', `第${RUN}次居民议事会`);
  await page.fill('[data-testid="meeting-place"]', "社区党群服务中心二楼");
  await page.check(`[data-testid="agenda-topic"][data-topic-id="${topicId}"]`);
  await page.click('[data-testid="meeting-create"]');

  const item = page.locator(`[data-testid="agenda-item"][data-topic-id="${topicId}"]`);
  await item.waitFor();
  const meetingId = await page.locator('[data-testid="meeting-page"]').getAttribute("data-meeting-id");
  assert.ok(Number(meetingId) > 0);

  // A second topic joins the agenda of the planned meeting from the meeting page.
  await page.selectOption('[data-testid="agenda-add"] select', String(otherTopic));
  await page.click('[data-testid="agenda-add-submit"]');
  await page.locator(`[data-testid="agenda-item"][data-topic-id="${otherTopic}"]`).waitFor();
  const scheduled = await until(
    async () => {
      const { data } = await call(resident, "GET", `/topics/${otherTopic}`);
      return data.topic.status === "scheduled" ? data : null;
    },
    { what: "the added topic scheduled" },
  );
  assert.equal(scheduled.meetings[0].meeting_id, Number(meetingId));

  // Attendance first: a tally cannot exceed it.
  await page.fill('[data-testid="attendance-count"]', "26");
  await page.click('[data-testid="meeting-save"]');
  await item.locator('[data-testid="decision-mode"]').selectOption("vote");
  await item.locator('[data-testid="tally-hint"]:has-text("26")').waitFor();
  await item.locator('[data-testid="decision-text"]').fill(decision);
  await item.locator('[data-testid="votes-for"]').fill("23");
  await item.locator('[data-testid="votes-against"]').fill("2");
  await item.locator('[data-testid="votes-abstain"]').fill("1");
  await item.locator('[data-testid="decision-submit"]').click();
  await item.locator('[data-testid="recorded-decision"]').waitFor();
  assert.ok((await item.locator('[data-testid="recorded-decision"]').textContent()).includes(decision));
  await page.fill('[data-testid="attendance-count"]', "26");
  await page.fill('[data-testid="minutes"]', `会议纪要：讨论广场舞噪音问题（${RUN}）`);
  await page.click('[data-testid="meeting-save"]');
  await page.waitForSelector('.notice');
  await shot(page, "meeting");

  // The XLSX export downloads a workbook (a ZIP file: "PK").
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-link"]')]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), "PK");
  // The print page opens in a new tab with the agenda and the decision.
  const [print] = await Promise.all([page.context().waitForEvent("page"), page.click('[data-testid="print-link"]')]);
  await print.waitForLoadState();
  await print.waitForFunction((d) => document.body && document.body.textContent.includes(d), decision);
  await print.close();

  // The resident's own view: the topic is decided and the timeline carries the decision.
  const mine = await until(
    async () => {
      const { data } = await call(resident, "GET", "/me/suggestions?limit=100");
      const s = data.items.find((x) => x.id === posted.id);
      return s && (s.timeline || []).some((e) => e.kind === "decided" && (e.body || "").includes(decision)) ? s : null;
    },
    { what: "the decision in the resident's timeline" },
  );
  assert.equal(mine.topic.status, "decided");

  const meeting = (await call((await call(null, "POST", "/auth/login", WORKER)).data.access_token, "GET", `/meetings/${meetingId}`)).data;
  assert.equal(meeting.attendance_count, 26);
  const agenda = meeting.agenda.find((a) => a.topic_id === topicId);
  assert.equal(agenda.decision, decision);
  assert.equal(agenda.votes_for, 23);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
