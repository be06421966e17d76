// Topic corrections in the UI: merge and un-merge (checked through the API), and the
// "someone else changed this topic" message on a stale version (412).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, WORKER, RUN, launch, newPage, login, shot, residentToken, postSuggestion, suggestionWithTopic, staffToken, call } from "./helpers.js";

let browser;
let worker;
before(async () => {
  browser = await launch();
  worker = await staffToken(WORKER);
});
after(async () => {
  await browser?.close();
});

async function topic(id) {
  return (await call(worker, "GET", `/topics/${id}`)).data;
}

const memberIds = (t) => (t.members || []).map((m) => m.suggestion_id).sort((a, b) => a - b);

test("b. merge two topics in the UI, then un-merge: counts and members are restored", async () => {
  const resident = await residentToken(`居民丁${RUN}`);
  const one = await postSuggestion(resident, `7号楼楼顶的太阳能热水器支架锈断了，大风天怕掉下来砸人（${RUN}）`);
  const two = await postSuggestion(resident, `社区卫生服务站周末不开门，老人看病拿药很不方便（${RUN}）`);
  const a = (await suggestionWithTopic(resident, one.id)).topic.topic_id;
  const b = (await suggestionWithTopic(resident, two.id)).topic.topic_id;
  assert.notEqual(a, b, "the two suggestions started in different topics");
  const beforeA = await topic(a);
  const beforeB = await topic(b);

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${a}`);
  await page.waitForSelector(`[data-testid="topic-page"][data-topic-id="${a}"]`);
  await shot(page, "topic-detail");

  // Find the other topic with the merge search and merge into it.
  await page.fill('[data-testid="merge-search"]', "卫生服务站");
  await page.click('[data-testid="merge-search-submit"]');
  await page.click(`[data-testid="merge-candidate"][data-topic-id="${b}"]`);
  await shot(page, "merge");
  await page.click('[data-testid="merge-confirm"]');
  await page.waitForSelector(`[data-testid="topic-page"][data-status="merged"]`);
  await page.waitForSelector('[data-testid="merged-into"]');

  const mergedA = await topic(a);
  const mergedB = await topic(b);
  assert.equal(mergedA.topic.status, "merged");
  assert.equal(mergedA.topic.merged_into, b);
  assert.equal(mergedB.topic.member_count, beforeA.topic.member_count + beforeB.topic.member_count);
  assert.deepEqual(memberIds(mergedB), [...memberIds(beforeA), ...memberIds(beforeB)].sort((x, y) => x - y));

  // Un-merge from the merged topic's page.
  await page.click('[data-testid="unmerge"]');
  await page.waitForSelector(`[data-testid="topic-page"][data-status="${beforeA.topic.status}"]`);
  const afterA = await topic(a);
  const afterB = await topic(b);
  assert.equal(afterA.topic.status, beforeA.topic.status);
  assert.equal(afterA.topic.member_count, beforeA.topic.member_count);
  assert.equal(afterB.topic.member_count, beforeB.topic.member_count);
  assert.equal(afterA.topic.supporter_count, beforeA.topic.supporter_count);
  assert.deepEqual(memberIds(afterA), memberIds(beforeA));
  assert.deepEqual(memberIds(afterB), memberIds(beforeB));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a stale topic version shows the 'someone else changed this topic' message", async () => {
  const resident = await residentToken(`居民戊${RUN}`);
  const posted = await postSuggestion(resident, `幼儿园门口早上接送时段机动车乱停，孩子过马路很危险（${RUN}）`);
  const id = (await suggestionWithTopic(resident, posted.id)).topic.topic_id;

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${id}`);
  await page.waitForSelector(`[data-testid="topic-page"][data-topic-id="${id}"]`);

  // Someone else renames the topic meanwhile.
  const current = await call(worker, "GET", `/topics/${id}`);
  await call(worker, "PATCH", `/topics/${id}`, { title: `幼儿园门口停车问题${RUN}` }, { "if-match": current.etag });

  await page.fill('[data-testid="edit-title"]', `幼儿园接送停车${RUN}`);
  await page.click('[data-testid="edit-submit"]');
  await page.waitForSelector('[data-testid="conflict"]');
  await page.click('[data-testid="conflict-reload"]');
  await page.waitForFunction(
    (title) => document.querySelector('[data-testid="topic-title"]').textContent.includes(title),
    `幼儿园门口停车问题${RUN}`,
  );
  assert.equal(await page.locator('[data-testid="conflict"]').count(), 0);
  await page.context().close();
});

test("split a member into a new topic, move it back, change the status and reply publicly", async () => {
  const resident = await residentToken(`居民辛${RUN}`);
  const one = await postSuggestion(resident, `地面停车场有一辆僵尸车停了半年，轮胎都瘪了，一直占着车位（${RUN}）`);
  const two = await postSuggestion(resident, `社区图书室的开放时间太短，下班后去已经关门了（${RUN}）`);
  const a = (await suggestionWithTopic(resident, one.id)).topic.topic_id;
  const b = (await suggestionWithTopic(resident, two.id)).topic.topic_id;
  assert.notEqual(a, b);
  // Put both suggestions in topic b (through the API), then split one out in the UI.
  const head = await call(worker, "GET", `/topics/${a}`);
  const members = [...memberIds(head.data), ...memberIds(await topic(b))].sort((x, y) => x - y);
  await call(worker, "POST", `/topics/${a}/merge`, { into_topic_id: b }, { "if-match": head.etag });
  assert.deepEqual(memberIds(await topic(b)), members);

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${b}`);
  const row = page.locator(`[data-testid="member-row"][data-suggestion-id="${one.id}"]`);
  await row.locator('[data-testid="member-select"]').check();
  await page.fill("#split-title", `僵尸车占用消防通道${RUN}`);
  await page.click('[data-testid="split-submit"]');
  await row.waitFor({ state: "detached" });
  const afterSplit = await topic(b);
  assert.deepEqual(memberIds(afterSplit), members.filter((m) => m !== one.id));
  const mine = await call(resident, "GET", "/me/suggestions?limit=100");
  const newTopic = mine.data.items.find((x) => x.id === one.id).topic.topic_id;
  assert.ok(newTopic !== a && newTopic !== b, "the member went to a new topic");
  assert.equal((await topic(newTopic)).topic.title, `僵尸车占用消防通道${RUN}`);

  // Move it back into b from the new topic's page.
  await page.goto(`${BASE}/#/topic/${newTopic}`);
  const moved = page.locator(`[data-testid="member-row"][data-suggestion-id="${one.id}"]`);
  await moved.locator('[data-testid="move"]').click();
  await moved.locator('[data-testid="move-target"]').fill(String(b));
  await moved.locator('[data-testid="move-target"]').press("Enter");
  await moved.waitFor({ state: "detached" });
  assert.deepEqual(memberIds(await topic(b)), members);

  // Accept topic b, then reply publicly: both reach the resident's timeline.
  await page.goto(`${BASE}/#/topic/${b}`);
  await page.waitForSelector(`[data-testid="topic-page"][data-topic-id="${b}"]`);
  await page.selectOption('[data-testid="status-select"]', "accepted");
  await page.click('[data-testid="status-submit"]');
  await page.waitForSelector(`[data-testid="topic-page"][data-status="accepted"]`);
  const reply = `已联系街道图书馆，下月起延长到晚上八点（${RUN}）`;
  await page.fill("#reply-body", reply);
  await page.click('[data-testid="reply-form"] button[type="submit"]');
  await page.waitForSelector(`[data-testid="timeline"] li[data-kind="reply"]`);
  const s = (await call(resident, "GET", "/me/suggestions?limit=100")).data.items.find((x) => x.id === two.id);
  assert.equal(s.topic.status, "accepted");
  assert.ok(s.timeline.some((e) => e.kind === "accepted"));
  assert.ok(s.timeline.some((e) => e.kind === "reply" && e.body.includes(reply)));
  // The page shows the server's labels (the dashboard keeps no table of its own).
  const sent = s.timeline.find((e) => e.kind === "reply");
  assert.equal(sent.kind_label, "社区回复");
  assert.equal(await page.textContent(`[data-testid="timeline"] li[data-kind="reply"] strong`), sent.kind_label);
  assert.equal(await page.textContent(`[data-testid="topic-page"] .badge[data-status="accepted"]`), s.topic.status_label);
  await page.context().close();
});
