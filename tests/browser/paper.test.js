// Paper forms: a volunteer types a batch with the keyboard only; the missing-serial list
// follows; a duplicate serial is reported inline; the entries exist in the API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, COMMUNITY_ID, VOLUNTEER, WORKER, RUN, launch, newPage, login, shot, staffToken, call } from "./helpers.js";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const TEXTS = [
  "楼道里的声控灯坏了好几个月了",
  "垃圾分类投放点离单元门太远",
  "希望增加几张休息用的长椅",
  "电动车在楼道充电，很危险",
  "小区里的流浪猫越来越多",
  "快递柜太少，经常放不下",
  "雨水管破了，墙面一直渗水",
  "儿童游乐场的地垫破损翘起",
  "希望开设老年人智能手机课",
  "绿化带里的杂草没人修剪",
];

async function typeForm(page, keyboard, { text, building = "", name = "", phone = "" }) {
  await keyboard.type(text);
  await keyboard.press("Enter");
  if (building) await keyboard.type(building);
  await keyboard.press("Enter");
  if (name) await keyboard.type(name);
  await keyboard.press("Enter");
  if (phone) await keyboard.type(phone);
  await keyboard.press("Enter");
}

test("d. a volunteer types ten paper forms with the keyboard only", async () => {
  const page = await newPage(browser);
  const kb = page.keyboard;
  await login(page, VOLUNTEER);
  // Volunteers land on the paper screen.
  await page.waitForSelector('[data-testid="batch-form"]');

  // The new batch, typed too: fill the fields by keyboard focus.
  await page.focus('[data-testid="batch-point"]');
  await kb.type(`3号楼单元门口意见箱${RUN}`);
  await page.focus('[data-testid="batch-sheets"]');
  await kb.type("12");
  await kb.press("Enter");
  await page.waitForSelector('[data-testid="entry-form"]');
  const batchId = Number(await page.locator('[data-testid="batch-page"]').getAttribute("data-batch-id"));
  assert.ok(batchId > 0);
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "entry-serial");

  // Serials 1–4 and 6–11: ten forms, leaving 5 and 12 missing.
  const serials = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11];
  for (let i = 0; i < serials.length; i += 1) {
    const serial = serials[i];
    if (i === 0) {
      await kb.type(String(serial));
      await kb.press("Enter");
    } else if (serial !== serials[i - 1] + 1) {
      // The form suggests the next serial; go back to it with Shift+Tab and type another.
      await kb.press("Shift+Tab");
      await kb.type(String(serial));
      await kb.press("Enter");
    }
    await typeForm(page, kb, {
      text: `${TEXTS[i]}（${RUN}-${serial}）`,
      building: i % 3 === 0 ? "1号楼" : "",
      name: i % 2 === 0 ? `张${"一二三四五六七八九十"[i]}` : "",
      phone: i === 1 ? "13812345678" : "",
    });
    await page.waitForSelector(`[data-testid="entry-row"][data-serial="${serial}"]`);
    await page.waitForFunction(() => document.activeElement?.dataset.testid === "entry-text");
  }

  await page.waitForFunction(() => {
    const got = [...document.querySelectorAll('[data-testid="missing-serials"] [data-serial]')].map((e) => e.dataset.serial);
    return got.join(",") === "5,12";
  });
  await shot(page, "paper-entry");

  // A used serial is refused inline, and the form keeps what was typed.
  await kb.press("Shift+Tab");
  await kb.type("3");
  await kb.press("Enter");
  await typeForm(page, kb, { text: `重复编号的另一张表单内容（${RUN}）` });
  await page.waitForSelector('[data-testid="entry-serial-error"]');
  assert.equal(await page.locator('[data-testid="entry-serial"]').inputValue(), "3");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "entry-serial");
  // Correct it to the missing 5 and save with Enter (keyboard only).
  await kb.type("5");
  for (let k = 0; k < 5; k += 1) await kb.press("Enter");
  await page.waitForSelector('[data-testid="entry-row"][data-serial="5"]');
  await page.waitForFunction(() => {
    const got = [...document.querySelectorAll('[data-testid="missing-serials"] [data-serial]')].map((e) => e.dataset.serial);
    return got.join(",") === "12";
  });

  // The API has the eleven entries and only serial 12 missing.
  const token = await staffToken(VOLUNTEER);
  const { data } = await call(token, "GET", `/paper-batches/${batchId}`);
  assert.equal(data.entries.length, 11);
  assert.deepEqual(data.missing_serials, [12]);
  const bySerial = Object.fromEntries(data.entries.map((e) => [e.serial, e]));
  assert.ok(bySerial["1"].text.includes(TEXTS[0]));
  assert.ok(bySerial["5"].text.includes("重复编号的另一张表单内容"));
  assert.ok(bySerial["11"].text.includes(TEXTS[9]));
  assert.ok(bySerial["1"].building_id, "the building typed by name was sent as its id");
  assert.equal(bySerial["2"].phone, "13812345678", "the volunteer who typed it checks it in full while the batch is open");
  const workerView = (await call(await staffToken(WORKER), "GET", `/paper-batches/${batchId}`)).data;
  assert.equal(workerView.entries.find((e) => e.serial === "2").phone, "138****5678", "masked for everyone else");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a CSV file of paper forms is imported from the batch page, with a report", async () => {
  const token = await staffToken(VOLUNTEER);
  const batch = (await call(token, "POST", "/paper-batches", {
    community_id: COMMUNITY_ID,
    collection_kind: "door_to_door",
    collection_point: `入户走访${RUN}`,
    collected_on: "2026-11-20",
    sheet_count: 3,
  })).data;
  const batchId = batch.id ?? batch.paper_batch_id;
  const csv = [
    "编号,建议内容,楼栋,姓名",
    `1,希望在小区门口增设无障碍坡道（${RUN}）,1号楼,刘阿姨`,
    `2,建议定期清洗二次供水水箱（${RUN}）,2号楼,`,
    "3,短,,",
  ].join("\n");

  const page = await newPage(browser);
  await login(page, VOLUNTEER);
  await page.goto(`${BASE}/#/batch/${batchId}`);
  await page.waitForSelector('[data-testid="import-form"]');
  await page.setInputFiles('[data-testid="import-form"] input[type="file"]', {
    name: "forms.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv, "utf8"),
  });
  await page.click('[data-testid="import-form"] button[type="submit"]');
  const report = page.locator('[data-testid="import-report"]');
  await report.waitFor();
  assert.match(await report.textContent(), /新增 2 条/);
  assert.equal(await report.locator(".field-error").count(), 1, "the too-short row is reported");
  await page.waitForSelector('[data-testid="entry-row"][data-serial="2"]');

  const { data } = await call(token, "GET", `/paper-batches/${batchId}`);
  assert.equal(data.entries.length, 2);
  assert.deepEqual(data.missing_serials, [3]);

  // Close the batch: no more entry form, and the API says closed.
  await page.click('[data-testid="close-batch"]');
  await page.click('[data-testid="close-confirm"]');
  await page.waitForSelector('[data-testid="entry-form"]', { state: "detached" });
  const closed = (await call(token, "GET", `/paper-batches/${batchId}`)).data;
  assert.notEqual((closed.batch || closed).status, "open");
  await page.context().close();
});
