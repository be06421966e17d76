// The community's synonyms page: a worker's move proposes the estate's own word for the
// topic's problem, one click accepts it, and a later suggestion in that word joins the topic;
// a synonym typed in can be removed again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, WORKER, RUN, COMMUNITY_ID, launch, newPage, login, shot, residentToken, postSuggestion, suggestionWithTopic, staffToken, call } from "./helpers.js";

let browser;
let worker;
before(async () => {
  browser = await launch();
  worker = await staffToken(WORKER);
});
after(async () => {
  await browser?.close();
});

test("a proposed synonym is accepted in one click and groups the next suggestion", async () => {
  const resident = await residentToken(`居民子${RUN}`);
  const lift = await postSuggestion(resident, `3号楼电梯经常坏，老人上下楼很困难（${RUN}）`);
  const hoist = await postSuggestion(resident, `咱们楼的升降机老趴窝，修了又修（${RUN}）`);
  const a = (await suggestionWithTopic(resident, lift.id)).topic.topic_id;
  const b = (await suggestionWithTopic(resident, hoist.id)).topic.topic_id;
  assert.notEqual(a, b, "the engine does not know 升降机 yet");
  const head = await call(worker, "GET", `/topics/${a}`);
  const moved = await call(worker, "POST", `/suggestions/${hoist.id}/move`, { topic_id: a }, { "if-match": head.etag });
  assert.equal(moved.status, 200);

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.goto(`${BASE}/#/synonyms`);
  const proposal = page.locator('[data-testid="syn-proposal"][data-surface="升降机"]');
  await proposal.waitFor();
  assert.match(await proposal.innerText(), /电梯/);
  assert.match(await proposal.innerText(), new RegExp(`#${a}`));
  await shot(page, "synonyms-proposed");
  await proposal.locator('[data-testid="syn-accept"]').click();
  await page.locator('[data-testid="syn-decided"][data-surface="升降机"][data-status="accepted"]').waitFor();
  await proposal.waitFor({ state: "detached" });

  const later = await postSuggestion(resident, `3号楼升降机按钮失灵，等半天也不来（${RUN}）`);
  assert.equal((await suggestionWithTopic(resident, later.id)).topic.topic_id, a);

  // A synonym typed in, then removed.
  await page.fill("#syn-surface", "大铁门");
  await page.fill("#syn-canonical", "东门");
  await page.click('[data-testid="syn-add-submit"]');
  const gate = page.locator('[data-testid="syn-decided"][data-surface="大铁门"]');
  await gate.waitFor();
  await shot(page, "synonyms-decided");
  await gate.locator('[data-testid="syn-remove"]').click();
  await gate.waitFor({ state: "detached" });
  const list = (await call(worker, "GET", `/communities/${COMMUNITY_ID}/synonyms`)).data.items;
  assert.ok(list.some((s) => s.surface === "升降机" && s.status === "accepted"), JSON.stringify(list));
  assert.ok(!list.some((s) => s.surface === "大铁门"), JSON.stringify(list));

  // The page in English: no raw status codes.
  await page.evaluate(() => localStorage.setItem("minyi.lang", "en"));
  await page.reload();
  const row = page.locator('[data-testid="syn-decided"][data-surface="升降机"]');
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /Accepted/);
  assert.doesNotMatch(text, /accepted|已采纳/);
  await page.evaluate(() => localStorage.setItem("minyi.lang", "zh"));
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // At 390 px: the page fits the phone (nothing wider than the screen), the add form included.
  const small = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(small, WORKER);
  await small.goto(`${BASE}/#/synonyms`);
  await small.locator('[data-testid="syn-decided"][data-surface="升降机"]').waitFor();
  await shot(small, "synonyms-phone");
  const wide = await small.evaluate(() => Array.from(document.querySelectorAll("main *"))
    .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((n) => `${n.tagName}.${n.className} ${n.getAttribute("data-testid") || ""} ${Math.round(n.getBoundingClientRect().right)}`));
  assert.deepEqual(wide, [], "the synonyms page fits 390 px");
  assert.ok(await small.locator("#syn-surface").isVisible());
  assert.deepEqual(small.errors, []);
  await small.context().close();
});
