// The other screens: moderation (approve a held suggestion), statistics (charts drawn), and
// the administration page for admins.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { BASE, COMMUNITY_ID, WORKER, RUN, launch, newPage, login, shot, residentToken, postSuggestion, staffToken, call, until } from "./helpers.js";

const ADMIN = { username: process.env.MINYI_ADMIN_USER || "admin", password: process.env.MINYI_ADMIN_PASS || "" };

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("moderation: a held suggestion is approved in the UI", async () => {
  const admin = await staffToken(ADMIN);
  await call(admin, "PATCH", `/communities/${COMMUNITY_ID}/settings`, { premoderate: true });
  try {
    const resident = await residentToken(`居民庚${RUN}`);
    const posted = await postSuggestion(resident, `<i>先审后发</i>：建议在东门加装一个雨棚（${RUN}）`);
    const rude = await postSuggestion(resident, `这条意见包含不适合公开的内容，需要审核（${RUN}）`);
    const page = await newPage(browser);
    await login(page, WORKER);
    await page.click('[data-testid="nav-moderation"]');
    const item = page.locator(`[data-testid="held-item"][data-suggestion-id="${posted.id}"]`);
    await item.waitFor();
    assert.ok((await item.locator(".held-text").textContent()).includes("<i>先审后发</i>"));
    assert.equal(await item.locator("i").count(), 0, "markup shown as text");
    await shot(page, "moderation");
    await item.locator('[data-testid="approve"]').click();
    await item.waitFor({ state: "detached" });
    await until(
      async () => {
        const { data } = await call(resident, "GET", "/me/suggestions?limit=100");
        const s = data.items.find((x) => x.id === posted.id);
        return s && s.state !== "pending_review";
      },
      { what: "the suggestion to leave review" },
    );

    // Reject the other one with a reason: the resident sees the reason.
    const other = page.locator(`[data-testid="held-item"][data-suggestion-id="${rude.id}"]`);
    await other.locator('[data-testid="reject"]').click();
    await other.locator("input").fill("内容涉及他人隐私，请修改后再提交");
    await other.locator('[data-testid="reject-confirm"]').click();
    await other.waitFor({ state: "detached" });
    const rejected = await until(
      async () => {
        const { data } = await call(resident, "GET", "/me/suggestions?limit=100");
        const s = data.items.find((x) => x.id === rude.id);
        return s && s.state !== "pending_review" ? s : null;
      },
      { what: "the rejected suggestion" },
    );
    assert.equal(rejected.moderation_reason, "内容涉及他人隐私，请修改后再提交");
    await page.waitForSelector('[data-testid="no-held"]');
    await page.context().close();
  } finally {
    await call(admin, "PATCH", `/communities/${COMMUNITY_ID}/settings`, { premoderate: false });
  }
});

test("statistics: figures and ECharts charts are drawn", async () => {
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-stats"]');
  await page.waitForSelector('[data-testid="figures"]');
  await page.waitForSelector('[data-testid="chart-per-day"] canvas');
  await page.waitForSelector('[data-testid="chart-status"] canvas');
  await shot(page, "stats");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="stats-export"]')]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  assert.equal((await readFile(await download.path())).subarray(0, 2).toString(), "PK");
  assert.equal(await page.locator('[data-testid="stats-scope"]').count(), 0, "a worker reports on their community only");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("statistics: an admin reports on the whole district, with the same total as the API", async () => {
  const page = await newPage(browser);
  await login(page, ADMIN);
  await page.click('[data-testid="nav-stats"]');
  await page.waitForSelector('[data-testid="stats-scope"]');
  await page.selectOption('[data-testid="stats-scope"]', "district");
  const token = (await call(null, "POST", "/auth/login", ADMIN)).data.access_token;
  const me = (await call(token, "GET", "/me")).data;
  const api = (await call(token, "GET", `/stats?district_id=${me.admin_district_id}`)).data;
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="suggestions-total"]')?.textContent === String(n),
    api.suggestions_total,
  );
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("administration: an admin sees staff and adds a building", async () => {
  const page = await newPage(browser);
  await login(page, ADMIN);
  await page.click('[data-testid="nav-admin"]');
  await page.waitForSelector('[data-testid="admin-staff"] [data-testid="staff-row"]');
  const rows = await page.locator('[data-testid="staff-row"]').count();
  assert.ok(rows >= 2, "worker and volunteer are listed");
  await page.fill("#bd-name", `9号楼${RUN}`);
  await page.click('[data-testid="admin-buildings"] button[type="submit"]');
  await page.waitForSelector(`[data-testid="admin-buildings"] .kw:has-text("9号楼${RUN}")`);
  const token = await staffToken(ADMIN);
  const { data } = await call(token, "GET", `/communities/${COMMUNITY_ID}/buildings`);
  assert.ok(data.items.some((b) => b.name === `9号楼${RUN}`));
  // The queue's backlog, as the admin API reports it.
  const queue = (await call(token, "GET", "/admin/queue")).data;
  const backlog = await page.locator('[data-testid="queue-backlog"]').textContent();
  assert.match(backlog, /最早一条未归类的意见已等待 \d+ 秒/);
  assert.ok(backlog.includes(`待发送 ${queue.outbox_pending} 条`), backlog);
  await shot(page, "admin");

  // Disable and re-enable a staff account from its row.
  const temp = { username: `temp${RUN}`, password: `pw-${RUN}-temporary` };
  const created = (await call(token, "POST", "/admin/staff", {
    ...temp,
    display_name: "临时志愿者",
    role: "volunteer",
    community_ids: [COMMUNITY_ID],
  })).data;
  await page.reload();
  const row = page.locator(`[data-testid="staff-row"][data-account-id="${created.id}"]`);
  await row.locator('button:has-text("停用")').click();
  await row.locator('button:has-text("启用")').waitFor();
  const staff = async () => (await call(token, "GET", "/admin/staff")).data.items.find((x) => x.account_id === created.id);
  assert.equal((await staff()).disabled, true);
  await assert.rejects(call(null, "POST", "/auth/login", temp));
  await row.locator('button:has-text("启用")').click();
  await row.locator('button:has-text("停用")').waitFor();
  assert.equal((await staff()).disabled, false);
  await page.context().close();
});

test("administration: a district admin creates a street admin, who manages only its street", async () => {
  const token = await staffToken(ADMIN);
  const communities = (await call(token, "GET", "/admin/communities")).data.items;
  const street = communities.find((c) => c.community_id === COMMUNITY_ID).street_id;
  const page = await newPage(browser);
  await login(page, ADMIN);
  await page.click('[data-testid="nav-admin"]');
  await page.waitForSelector('[data-testid="admin-staff"] [data-testid="staff-row"]');
  const who = { username: `jiedao${RUN}`, password: `pw-${RUN}-street-admin` };
  await page.fill("#st-user", who.username);
  await page.fill("#st-pass", who.password);
  await page.fill("#st-name", "街道管理员");
  await page.selectOption("#st-role", "admin");
  await page.selectOption("#st-street", String(street));
  await page.click('[data-testid="admin-staff"] button[type="submit"]:has-text("添加工作人员")');
  await page.waitForSelector(`[data-testid="staff-row"]:has-text("${who.username}")`);
  const created = (await call(token, "GET", "/admin/staff")).data.items.find((x) => x.username === who.username);
  assert.equal(created.role, "admin");
  assert.equal(created.admin_street_id, street);
  // The street admin cannot touch the district admin who created it.
  const streetToken = (await call(null, "POST", "/auth/login", who)).data.access_token;
  const me = (await call(token, "GET", "/me")).data;
  await assert.rejects(
    call(streetToken, "POST", `/admin/staff/${me.account_id}/reset-password`, { password: "taken-over-password" }),
    (e) => e.status === 404,
  );
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the API docs run under their content security policy", async () => {
  const page = await newPage(browser);
  const response = await page.goto(`${BASE}/api/docs/`);
  assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  // Swagger UI's 1.4 MB bundle takes a while to start on a busy machine.
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 60000 });
  assert.ok((await page.locator(".swagger-ui .opblock").count()) > 10, "operations listed");
  assert.deepEqual(page.errors, []);
  assert.deepEqual(
    page.consoleErrors.filter((m) => /Content Security Policy/i.test(m)),
    [],
    "nothing refused by the policy",
  );
  await page.context().close();
});

test("login errors show the API's message", async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/`);
  await page.fill("#username", WORKER.username);
  await page.fill("#password", "wrong-password-123");
  await page.click('[data-testid="login-submit"]');
  const error = page.locator('[data-testid="error"]');
  await error.waitFor();
  assert.ok((await error.textContent()).trim().length > 0);
  await page.context().close();
});

test("a worker serving two communities picks one, and can switch", async () => {
  const admin = await staffToken(ADMIN);
  const communities = (await call(admin, "GET", "/admin/communities")).data.items;
  const street = communities.find((c) => c.community_id === COMMUNITY_ID).street_id;
  const second = (await call(admin, "POST", "/admin/communities", { street_id: street, name: `津门里社区${RUN}` })).data.id;
  const who = { username: `worker${RUN}`, password: `pw-${RUN}-long-enough` };
  await call(admin, "POST", "/admin/staff", {
    ...who,
    display_name: "赵社工",
    role: "worker",
    community_ids: [COMMUNITY_ID, second],
  });

  const page = await newPage(browser);
  await login(page, who, { choose: false });
  await page.waitForSelector('[data-testid="community-picker"]');
  await page.click(`[data-testid="community-picker"] button:has-text("津门里社区${RUN}")`);
  await page.waitForSelector('[data-testid="inbox"]');
  assert.equal((await page.locator('[data-testid="current-community"]').textContent()).trim(), `津门里社区${RUN}`);
  // The new community has no topics yet.
  await page.waitForSelector('[data-testid="no-topics"]');
  await page.click('button:has-text("切换社区")');
  await page.click('[data-testid="community-picker"] button:has-text("坤翔园社区")');
  await page.waitForSelector('[data-testid="topic-row"]');
  assert.equal((await page.locator('[data-testid="current-community"]').textContent()).trim(), "坤翔园社区");
  await page.context().close();
});

test("call-backs: a paper submitter is listed after a public change and marked as called", async () => {
  const volunteer = await staffToken({ username: process.env.MINYI_VOLUNTEER_USER, password: process.env.MINYI_VOLUNTEER_PASS });
  const worker = await staffToken(WORKER);
  const batch = (await call(volunteer, "POST", "/paper-batches", {
    community_id: COMMUNITY_ID,
    collection_kind: "event",
    collection_point: `议事厅开放日${RUN}`,
    collected_on: "2026-11-21",
    sheet_count: 1,
  })).data;
  const text = `希望在菜市场门口设一个临时停车点，方便老人买菜（回访${RUN}）`;
  await call(volunteer, "POST", `/paper-batches/${batch.id ?? batch.paper_batch_id}/entries`, {
    serial: "1",
    text,
    name: "孙大爷",
    phone: "13900001111",
  });
  const topicRow = await until(
    async () => {
      const { data } = await call(worker, "GET", `/communities/${COMMUNITY_ID}/topics?q=${encodeURIComponent(`回访${RUN}`)}`);
      return data.items[0];
    },
    { what: "the paper suggestion's topic" },
  );
  const head = await call(worker, "GET", `/topics/${topicRow.id}`);
  await call(worker, "POST", `/topics/${topicRow.id}/status`, { status: "accepted" }, { "if-match": head.etag });
  await until(
    async () => (await call(worker, "GET", `/communities/${COMMUNITY_ID}/callbacks`)).data.items.some((c) => c.topic_id === topicRow.id),
    { what: "the call-back to be listed by the API" },
  );

  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-callbacks"]');
  const row = page.locator(`[data-testid="callback-row"][data-topic-id="${topicRow.id}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.match(await row.textContent(), /13900001111/);
  assert.match(await row.textContent(), /孙大爷/);
  await row.locator('[data-testid="callback-done"]').click();
  await row.waitFor({ state: "detached" });
  const done = (await call(worker, "GET", `/communities/${COMMUNITY_ID}/callbacks?done=true`)).data.items;
  assert.ok(done.some((c) => c.topic_id === topicRow.id && c.done));
  await page.context().close();
});
