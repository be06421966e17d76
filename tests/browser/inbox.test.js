// Inbox: live updates over SSE, residents' text rendered as text, the English toggle.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, COMMUNITY_ID, WORKER, RUN, launch, newPage, login, shot, residentToken, postSuggestion, suggestionWithTopic, call, staffToken, until } from "./helpers.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a. a resident's new suggestion appears in the worker's inbox without a reload (SSE)", async () => {
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-inbox"]');
  await page.waitForSelector('[data-testid="inbox"]');
  await page.waitForSelector('[data-testid="live-state"][data-live="on"]', { timeout: 15000 });
  // A marker on the window: it survives only if the page is not reloaded.
  await page.evaluate(() => {
    window.__noReload = "still-here";
  });
  const newBefore = Number(await page.locator('[data-testid="count-new"]').textContent());

  const resident = await residentToken(`居民甲${RUN}`);
  const posted = await postSuggestion(resident, `坤翔园北门外的共享单车乱停乱放，堵住了消防通道，请尽快清理（${RUN}）`, {
    title: `北门共享单车堵消防通道${RUN}`,
  });
  const s = await suggestionWithTopic(resident, posted.id);
  const topicId = s.topic.topic_id;

  await page.waitForSelector(`[data-testid="topic-row"][data-topic-id="${topicId}"]`, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__noReload), "still-here", "the page was reloaded");
  // The status counts were refreshed too.
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="count-new"]').textContent) > n,
    newBefore,
  );
  await shot(page, "inbox");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("e. residents' markup is rendered as literal text, never as elements", async () => {
  const page = await newPage(browser);
  const payload = "<script>alert(1)</script><b>x</b>";
  const resident = await residentToken(`居民乙${RUN}`);
  const posted = await postSuggestion(resident, `${payload} 健身器材的螺丝松了，孩子玩的时候很危险（${RUN}）`);
  const s = await suggestionWithTopic(resident, posted.id);
  const topicId = s.topic.topic_id;

  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${topicId}`);
  const member = page.locator(`[data-testid="member-row"][data-suggestion-id="${posted.id}"] .member-text`);
  await member.waitFor();
  assert.ok((await member.textContent()).includes(payload), "the text is shown literally");
  assert.equal(await page.locator('[data-testid="topic-page"] b').count(), 0, "no <b> element was injected");
  assert.equal(await page.locator('[data-testid="topic-page"] script').count(), 0, "no <script> element was injected");

  // The inbox row (title may come from the text) is safe too.
  await page.goto(`${BASE}/#/inbox`);
  await page.waitForSelector(`[data-testid="topic-row"][data-topic-id="${topicId}"]`);
  assert.equal(await page.locator('[data-testid="topic-table"] b').count(), 0);
  assert.equal(await page.locator('[data-testid="topic-table"] script').count(), 0);
  assert.deepEqual(page.dialogs, [], "no dialog was opened");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("f. the English toggle switches the labels and is remembered", async () => {
  const page = await newPage(browser);
  await login(page, WORKER);
  const nav = page.locator('[data-testid="nav-inbox"]');
  assert.equal((await nav.textContent()).trim(), "议题收件箱");
  await page.click('[data-testid="lang-toggle"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="nav-inbox"]').textContent.trim() === "Topic inbox");
  assert.equal((await page.locator('[data-testid="logout"]').textContent()).trim(), "Log out");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.reload();
  await page.waitForSelector('[data-testid="nav-inbox"]');
  assert.equal((await nav.textContent()).trim(), "Topic inbox", "the choice is kept in localStorage");
  await page.waitForSelector('[data-testid="tab-new"]');
  assert.match(await page.locator('[data-testid="tab-new"]').textContent(), /^New/);
  await shot(page, "inbox-en");
  await page.click('[data-testid="lang-toggle"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="nav-inbox"]').textContent.trim() === "议题收件箱");
  await page.context().close();
});

test("the dashboard is usable on a tablet (no horizontal overflow)", async () => {
  const page = await newPage(browser, { viewport: { width: 800, height: 1100 } });
  await login(page, WORKER);
  await page.click('[data-testid="nav-inbox"]');
  await page.waitForSelector('[data-testid="topic-table"]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the tablet screen`);
  await shot(page, "inbox-tablet");
  // The topic page fits too.
  const first = await page.locator('[data-testid="topic-row"]').first().getAttribute("data-topic-id");
  await page.goto(`${BASE}/#/topic/${first}`);
  await page.waitForSelector('[data-testid="topic-page"]');
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow2 <= 0, `topic page is ${overflow2}px wider than the tablet screen`);
  await shot(page, "topic-tablet");
  await page.context().close();
});

test("the inbox's text search and status tabs filter through the API", async () => {
  const page = await newPage(browser);
  const resident = await residentToken(`居民丙${RUN}`);
  const posted = await postSuggestion(resident, `地下车库的排水沟堵了，下雨天积水很深，车都开不出来（${RUN}）`);
  const s = await suggestionWithTopic(resident, posted.id);
  const token = (await call(null, "POST", "/auth/login", WORKER)).data.access_token;
  const api = await call(token, "GET", `/communities/${COMMUNITY_ID}/topics?q=${encodeURIComponent("排水沟")}&sort=heat&limit=30`);
  const expected = api.data.items.map((t) => String(t.id));
  assert.ok(expected.includes(String(s.topic.topic_id)), "the API finds the new topic by its text");
  await login(page, WORKER);
  await page.click('[data-testid="nav-inbox"]');
  // The unfiltered list holds the new topic too, so wait for the filtered answer to replace it.
  await page.waitForSelector(`[data-testid="topic-row"][data-topic-id="${s.topic.topic_id}"]`);
  await page.fill('[data-testid="filter-q"]', "排水沟");
  await page.click('[data-testid="filter-apply"]');
  const shownIds = () => page.locator('[data-testid="topic-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.topicId));
  await page
    .waitForFunction(
      (want) => {
        const got = [...document.querySelectorAll('[data-testid="topic-row"]')].map((r) => r.dataset.topicId);
        return got.length === want.length && got.every((id, i) => id === want[i]);
      },
      expected,
      { timeout: 10000 },
    )
    .catch(() => {});
  assert.deepEqual(await shownIds(), expected, "the table shows the API's filtered list");
  await page.click('[data-testid="tab-rejected"]');
  await page.waitForFunction(
    (id) => !document.querySelector(`[data-testid="topic-row"][data-topic-id="${id}"]`),
    s.topic.topic_id,
  );
  await page.context().close();
});

/** The newest event id of the community's stream, read from Node (replay from 0 for a second). */
async function lastEventId(token) {
  const controller = new AbortController();
  const res = await fetch(`${BASE}/api/v1/communities/${COMMUNITY_ID}/events?last_event_id=0`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  let text = "";
  const timer = setTimeout(() => controller.abort(), 1500);
  try {
    for await (const chunk of res.body) text += Buffer.from(chunk).toString("utf8");
  } catch (_) {
    // aborted after a second and a half
  }
  clearTimeout(timer);
  const ids = [...text.matchAll(/^id: *(\d+)/gm)].map((m) => Number(m[1]));
  return Math.max(0, ...ids);
}

test("the live stream reconnects with Last-Event-ID when it ends", async () => {
  const resident = await residentToken(`居民壬${RUN}`);
  const first = await postSuggestion(resident, `单元门禁卡经常刷不开，老人进不了门（${RUN}）`);
  await suggestionWithTopic(resident, first.id);
  const last = await lastEventId(await staffToken(WORKER));
  assert.ok(last > 0);

  const page = await newPage(browser);
  const seen = [];
  let served = false;
  // The first stream ends at once after one event: the dashboard must reconnect and resume after it.
  await page.route("**/api/v1/communities/*/events*", async (route) => {
    seen.push(route.request().headers()["last-event-id"] || null);
    if (served) return route.continue();
    served = true;
    return route.fulfill({
      status: 200,
      contentType: "text/event-stream",
      body: `retry: 2000\n\nid: ${last}\nevent: topic.updated\ndata: {"topic_id":0}\n\n`,
    });
  });
  await login(page, WORKER);
  await page.click('[data-testid="nav-inbox"]');
  await until(() => seen.length >= 2, { what: "the stream to be opened again" });
  assert.equal(seen[0], null);
  assert.equal(seen[1], String(last), "the reconnection resumes after the last event seen");
  await page.waitForSelector('[data-testid="live-state"][data-live="on"]');

  const second = await postSuggestion(resident, `小区西侧围墙有个破洞，外人随便进出（${RUN}）`);
  const t2 = (await suggestionWithTopic(resident, second.id)).topic.topic_id;
  await page.waitForSelector(`[data-testid="topic-row"][data-topic-id="${t2}"]`, { timeout: 15000 });
  await page.context().close();
});
