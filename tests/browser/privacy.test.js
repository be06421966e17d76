// Personal data on the dashboard: an admin reads who saw which resident's full phone or name
// (the call-back list and a paper form's contact both write the log), in Chinese and English;
// a worker erases a paper-form resident's data at their request, with a reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { COMMUNITY_ID, WORKER, VOLUNTEER, RUN, launch, newPage, login, shot, staffToken, call, until } from "./helpers.js";

const ADMIN = { username: process.env.MINYI_ADMIN_USER || "admin", password: process.env.MINYI_ADMIN_PASS || "" };

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A paper form with a name and phone, grouped, with a reply so a call-back is due. */
async function paperForm(volunteer, worker, serial, name, phone) {
  const batch = (await call(volunteer, "POST", "/paper-batches", {
    community_id: COMMUNITY_ID, collection_kind: "suggestion_box", collection_point: `东门意见箱${RUN}`,
    collected_on: "2026-11-20", sheet_count: 1,
  })).data.id;
  const entry = (await call(volunteer, "POST", `/paper-batches/${batch}/entries`, {
    serial, text: `社区卫生服务站周末不开门，看病不方便（${RUN}-${serial}）`, name, phone,
  })).data.id;
  const topic = await until(async () => {
    const q = encodeURIComponent(`${RUN}-${serial}`);
    const { data } = await call(worker, "GET", `/communities/${COMMUNITY_ID}/topics?q=${q}`);
    return data.items[0] && data.items[0].id;
  }, { what: "the paper form to be grouped" });
  const t = await call(worker, "GET", `/topics/${topic}`);
  await call(worker, "POST", `/topics/${topic}/replies`, { body: `已协调周末门诊（${RUN}）` }, { "if-match": t.etag });
  return { batch, entry };
}

test("access log: an admin sees who saw a resident's full phone, when and why", async () => {
  const worker = await staffToken(WORKER);
  const volunteer = await staffToken(VOLUNTEER);
  const phone = `1331${String(Date.now()).slice(-7)}`;
  const { batch, entry } = await paperForm(volunteer, worker, `A${RUN}`, "秦桂兰", phone);
  // The worker opens the call-back list (the full number is shown there) …
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-callbacks"]');
  await page.waitForSelector(`[data-testid="callback-row"]`);
  assert.ok((await page.textContent('[data-testid="callbacks"]')).includes(phone));
  await page.context().close();
  // … and checks the form's contact to correct it.
  await call(worker, "POST", `/paper-batches/${batch}/entries/${entry}/contact`, { reason: `核对手写电话${RUN}` });

  const admin = await newPage(browser);
  await login(admin, ADMIN);
  await admin.click('[data-testid="nav-privacy"]');
  await admin.waitForSelector('[data-testid="access-row"]');
  const table = await admin.textContent('[data-testid="access-log"]');
  assert.match(table, /李社工[\s\S]*秦\*\*[\s\S]*姓名、电话[\s\S]*纸质表单核对更正[\s\S]*核对手写电话/);
  assert.match(table, /电话回访/);
  assert.ok(!table.includes(phone) && !table.includes("秦桂兰"), "the log itself shows no unmasked data");
  await shot(admin, "privacy-access-log");
  await admin.click('[data-testid="lang-toggle"]');
  await admin.waitForSelector('text=Access to personal data');
  assert.match(await admin.textContent('[data-testid="access-log"]'), /paper form check or correction[\s\S]*name, phone/);
  await admin.click('[data-testid="lang-toggle"]');
  assert.deepEqual(admin.errors, []);
  await admin.context().close();
});

test("person erasure: a worker erases a paper-form resident's name and phone, with a reason", async () => {
  const worker = await staffToken(WORKER);
  const volunteer = await staffToken(VOLUNTEER);
  const phone = `1332${String(Date.now()).slice(-7)}`;
  const { batch, entry } = await paperForm(volunteer, worker, `B${RUN}`, "韩秀英", phone);
  const page = await newPage(browser);
  await login(page, WORKER);
  await page.click('[data-testid="nav-privacy"]');
  await page.waitForSelector('[data-testid="person-erasure"]');
  assert.equal(await page.locator('[data-testid="access-log"]').count(), 0, "workers do not read the access log");
  await page.fill("#erase-phone", phone);
  await page.fill("#erase-reason", "居民本人来电要求删除");
  assert.equal(await page.isDisabled('[data-testid="erase-person"]'), true, "nothing happens before confirming");
  await page.check("#erase-sure");
  await page.click('[data-testid="erase-person"]');
  await page.waitForSelector('[data-testid="person-erasure"] .notice');
  assert.match(await page.textContent('[data-testid="person-erasure"] .notice'), /已删除 1 份表单的个人信息/);
  await shot(page, "privacy-person-erasure");
  const contact = (await call(worker, "POST", `/paper-batches/${batch}/entries/${entry}/contact`, {})).data;
  assert.deepEqual(contact, { name: null, phone: null });
  // Nobody matches any more: a clear message, not a crash.
  await page.fill("#erase-phone", phone);
  await page.fill("#erase-reason", "再次确认");
  await page.check("#erase-sure");
  await page.click('[data-testid="erase-person"]');
  await page.waitForSelector('[data-testid="person-erasure"] [data-testid="error"]');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
