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
