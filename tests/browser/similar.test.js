// "Similar topics" on a topic's page: a near miss the engine did not join is offered, one
// click merges it in; after the merge is undone, the engine has learnt that the two are apart
// and no longer offers it.
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

const memberIds = (t) => (t.members || []).map((m) => m.suggestion_id).sort((a, b) => a - b);

test("a similar topic is merged in one click, and once kept apart is not offered again", async () => {
  const resident = await residentToken(`居民癸${RUN}`);
  const one = await postSuggestion(resident, `16号楼楼道里堆满了杂物，纸箱子、旧家具、破自行车都有（${RUN}）`);
  const two = await postSuggestion(resident, `楼道里杂物太多了，万一着火都跑不出去，物业也不管（${RUN}）`);
  const a = (await suggestionWithTopic(resident, one.id)).topic.topic_id;
  const b = (await suggestionWithTopic(resident, two.id)).topic.topic_id;
  assert.notEqual(a, b, "the engine kept the two apart: a near miss");
  const similar = await call(worker, "GET", `/topics/${a}/similar`);
  assert.ok(similar.data.items.some((s) => s.topic.id === b), JSON.stringify(similar.data));

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/topic/${a}`);
  const offered = page.locator(`[data-testid="similar-topic"][data-topic-id="${b}"]`);
  await offered.waitFor();
  await shot(page, "similar-topics");
  await offered.locator('[data-testid="similar-merge"]').click();
  // The merged topic leaves the list and its member joins this page.
  await offered.waitFor({ state: "detached" });
  await page.waitForSelector(`[data-testid="member-row"][data-suggestion-id="${two.id}"]`);
  const merged = (await call(worker, "GET", `/topics/${b}`)).data;
  assert.equal(merged.topic.status, "merged");
  assert.equal(merged.topic.merged_into, a);
  assert.deepEqual(memberIds((await call(worker, "GET", `/topics/${a}`)).data), [one.id, two.id].sort((x, y) => x - y));

  // Undo the merge: the worker says they are two issues, and the engine remembers it.
  const head = await call(worker, "GET", `/topics/${b}`);
  const undone = await call(worker, "POST", `/topics/${b}/unmerge`, { reason: `两件事${RUN}` }, { "if-match": head.etag });
  assert.equal(undone.status, 200);
  const again = await call(worker, "GET", `/topics/${a}/similar`);
  assert.ok(!again.data.items.some((s) => s.topic.id === b), JSON.stringify(again.data));
  await page.reload();
  await page.waitForSelector('[data-testid="similar-topics"][data-ready="true"]');
  assert.equal(await offered.count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
