// Shared helpers of the browser tests: the server under test (from the environment that
// scripts/test-browser.sh sets), API calls from Node, the browser, and waiting for conditions.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import * as zlibMod from "node:zlib";

// axe-core is run in the page by the tests (vendored into the test run, never into the app).
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const BASE = process.env.MINYI_URL || "http://127.0.0.1:8080";
export const COMMUNITY_ID = Number(process.env.MINYI_COMMUNITY_ID || 1);
export const WORKER = { username: process.env.MINYI_WORKER_USER || "worker1", password: process.env.MINYI_WORKER_PASS || "" };
export const VOLUNTEER = { username: process.env.MINYI_VOLUNTEER_USER || "volunteer1", password: process.env.MINYI_VOLUNTEER_PASS || "" };
export const SCREENSHOTS = process.env.MINYI_SCREENSHOTS || "target/test-output/screenshots";
mkdirSync(SCREENSHOTS, { recursive: true });

/** A unique tag for the texts of one test run. */
export const RUN = Math.random().toString(36).slice(2, 7);

/** One API call from Node. Throws with the problem body on an error status. */
export async function call(token, method, path, body, headers = {}) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = text;
  }
  if (!res.ok) {
    const err = new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    err.status = res.status;
    err.body = data;
    throw err;
  }
  return { data, etag: res.headers.get("etag"), status: res.status };
}

export async function staffToken(who) {
  const { data } = await call(null, "POST", "/auth/login", who);
  return data.access_token;
}

export async function residentToken(name) {
  const { data } = await call(null, "POST", "/auth/dev-login", { name, community_id: COMMUNITY_ID });
  return data.access_token;
}

let clientSeq = 0;
/** A resident posts a suggestion; returns the 202 body. */
export async function postSuggestion(token, text, extra = {}) {
  const { data } = await call(token, "POST", "/suggestions", {
    client_id: `bt-${RUN}-${Date.now()}-${++clientSeq}`,
    text,
    show_name: false,
    ...extra,
  });
  return data;
}

/** Poll `fn` until it returns a truthy value (or throw after `timeout` ms). */
export async function until(fn, { timeout = 15000, interval = 200, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/** The resident's suggestion once grouping has put it in a topic. */
export async function suggestionWithTopic(token, suggestionId) {
  return until(
    async () => {
      const { data } = await call(token, "GET", "/me/suggestions?limit=100");
      const s = data.items.find((x) => x.id === suggestionId);
      return s && s.topic ? s : null;
    },
    { what: `suggestion ${suggestionId} to join a topic` },
  );
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

/**
 * A new page (1366×768 by default) that records dialogs and page errors, so a test can
 * assert none happened.
 */
export async function newPage(browser, { viewport = { width: 1366, height: 768 }, lang = "zh" } = {}) {
  const context = await browser.newContext({ viewport, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  await context.addInitScript((l) => {
    if (!localStorage.getItem("minyi.lang")) localStorage.setItem("minyi.lang", l);
  }, lang);
  const page = await context.newPage();
  page.dialogs = [];
  page.errors = [];
  page.on("dialog", (d) => {
    page.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => page.errors.push(e.message));
  page.consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") page.consoleErrors.push(m.text());
  });
  page.setDefaultTimeout(10000);
  return page;
}

/**
 * Log in through the login form and wait for the navigation bar. Someone serving several
 * communities (admins, once tests have added communities) is asked to choose one: the test
 * community is chosen, unless `{ choose: false }`.
 */
export async function login(page, who, { choose = true } = {}) {
  await page.goto(`${BASE}/`);
  await page.fill("#username", who.username);
  await page.fill("#password", who.password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="logout"]');
  if (!choose) return;
  await page.waitForSelector('[data-testid="community-picker"], nav.nav');
  const picker = page.locator('[data-testid="community-picker"]');
  if (await picker.count()) {
    const me = await page.evaluate(async () => {
      const r = await fetch("/api/v1/me", { headers: { authorization: `Bearer ${sessionStorage.getItem("minyi.access_token")}` } });
      return r.json();
    });
    const home = me.communities.find((c) => c.community_id === COMMUNITY_ID);
    await picker.locator(`button:has-text("${home.name}")`).first().click();
    await page.waitForSelector("nav.nav");
  }
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now; fails with every
 * violation listed. Also writes a screenshot named `name`.
 */
export async function checkA11y(page, name) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return r.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`,
    );
  });
  await shot(page, name);
  assert.deepEqual(violations, [], `${name}: accessibility violations`);
}

/** Press Tab until `selector` has the focus (at most `max` presses); the number of presses. */
export async function tabTo(page, selector, max = 60) {
  for (let i = 1; i <= max; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return i;
  }
  throw new Error(`${selector} not reached with ${max} Tab presses`);
}

/** What has the focus, for assertions. */
export async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a ? { tag: a.tagName, testid: a.dataset.testid || null, text: (a.textContent || "").trim().slice(0, 80), id: a.id } : null;
  });
}

/** A small real PNG (w × h, one colour), for photo uploads. */
export function png(w = 40, h = 30, rgb = [200, 60, 40]) {
  const { deflateSync, crc32 } = zlibMod;
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Upload a photo as `token`; its upload id. */
export async function uploadPhoto(token, bytes = png()) {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type: "image/png" }), "photo.png");
  const res = await fetch(`${BASE}/api/v1/uploads`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  if (res.status !== 201) throw new Error(`upload → ${res.status}: ${await res.text()}`);
  return (await res.json()).upload_id;
}

/**
 * A hall topic decided by a meeting (consensus), as community projects answer: a resident's
 * suggestion, a meeting with it on the agenda and the decision. Returns the topic id.
 */
export async function decidedTopic(workerToken, residentTok, text) {
  const posted = await postSuggestion(residentTok, text);
  const topicId = (await suggestionWithTopic(residentTok, posted.id)).topic.topic_id;
  const meeting = (await call(workerToken, "POST", `/communities/${COMMUNITY_ID}/meetings`, {
    title: `公益项目议事会${RUN}-${topicId}`, held_at: "2026-11-20T11:00:00Z", place: "社区活动室", topic_ids: [topicId],
  })).data.meeting_id;
  await call(workerToken, "POST", `/meetings/${meeting}/decisions`, {
    topic_id: topicId, decision: `由社区社会组织申请公益创投项目落实（${RUN}）`, decision_mode: "consensus",
  });
  return topicId;
}

/** A staff account of a project role (reviewer, supervisor, org_lead); `{username, password, id}`. */
export async function projectAccount(adminToken, role, name) {
  const who = { username: `${role.replace("_", "")}${RUN}${++clientSeq}`, password: `project-pass-${RUN}-1` };
  const { data } = await call(adminToken, "POST", "/admin/staff", { role, ...who, display_name: name, community_ids: [] });
  return { ...who, id: data.id ?? data.account_id };
}

/**
 * Through the API: a district round (¥10,000 pool), an organisation and its application
 * answering a decided topic (a resident's suggestion `need`: give each fixture its own words,
 * or grouping puts them in one topic). Returns `{roundId, orgId, projectId, topicId}`.
 */
export async function projectFixture(adminToken, workerToken, residentTok, tag, need) {
  const topicId = await decidedTopic(workerToken, residentTok, `${need}（${RUN}）`);
  const roundId = (await call(adminToken, "POST", "/rounds", {
    name: `${tag}公益创投${RUN}`,
    sources: [{ name: "区财政匹配", amount_fen: 1_000_000 }],
    phases: [{ phase: "apply", starts_on: "2026-03-01", ends_on: "2026-03-31" }],
  })).data.round_id;
  const orgId = (await call(workerToken, "POST", `/communities/${COMMUNITY_ID}/organisations`, {
    name: `${tag}互助队${RUN}`, kind: "mutual_aid", stage: "budding", lead_name: "刘阿姨", lead_phone: "13812345678",
    members_count: 12, volunteers_count: 30, notes: "社工孵化中",
  })).data.organisation_id;
  const projectId = (await call(workerToken, "POST", `/rounds/${roundId}/projects`, {
    organisation_id: orgId, title: `${tag}助餐行动${RUN}`.slice(0, 60), need: "老年食堂午餐排队时间长，行动不便的老人等不及",
    goals: "午餐排队不超过十分钟", plan: "招募志愿者分餐；每月一次满意度回访", beneficiaries_target: 120, volunteers_planned: 8,
    starts_on: "2026-05-01", ends_on: "2026-10-31", topic_ids: [topicId],
    budget_lines: [{ category: "materials", description: "餐具与保温箱", amount_fen: 300_000 }],
  })).data.project_id;
  return { roundId, orgId, projectId, topicId };
}
