// Sessions: the access token is refreshed before it expires; logging out ends the session.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WORKER, launch, newPage, login, call } from "./helpers.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("the access token is refreshed before it expires", async () => {
  const page = await newPage(browser);
  await login(page, WORKER);
  const first = await page.evaluate(() => sessionStorage.getItem("minyi.access_token"));
  // Pretend the token expires in a minute: the dashboard refreshes it at once (5 s at the soonest).
  await page.evaluate(() => sessionStorage.setItem("minyi.expires_at", String(Date.now() + 61000)));
  await page.reload();
  await page.waitForSelector('[data-testid="logout"]');
  await page.waitForFunction(
    (old) => {
      const now = sessionStorage.getItem("minyi.access_token");
      return now && now !== old;
    },
    first,
    { timeout: 15000 },
  );
  const token = await page.evaluate(() => sessionStorage.getItem("minyi.access_token"));
  const me = await call(token, "GET", "/me");
  assert.equal(me.data.username, WORKER.username);
  const expires = Number(await page.evaluate(() => sessionStorage.getItem("minyi.expires_at")));
  assert.ok(expires > Date.now() + 120000, "the new expiry was stored");
  await page.context().close();
});

test("logging out returns to the login form and the token stops working", async () => {
  const page = await newPage(browser);
  await login(page, WORKER);
  const token = await page.evaluate(() => sessionStorage.getItem("minyi.access_token"));
  await page.click('[data-testid="logout"]');
  await page.waitForSelector('[data-testid="login-form"]');
  assert.equal(await page.evaluate(() => sessionStorage.getItem("minyi.access_token")), null);
  await assert.rejects(call(token, "GET", "/me"), (e) => e.status === 401);
  await page.context().close();
});
