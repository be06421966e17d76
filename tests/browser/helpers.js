// Shared helpers of the browser tests: the server under test (from the environment that
// scripts/test-browser.sh sets), API calls from Node, the browser, and waiting for conditions.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

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

/** Log in through the login form and wait for the navigation bar. */
export async function login(page, who) {
  await page.goto(`${BASE}/`);
  await page.fill("#username", who.username);
  await page.fill("#password", who.password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="logout"]');
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
