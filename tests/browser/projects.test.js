// Community projects (公益创投, issue 17) through the dashboard: an admin opens a round (pool in
// yuan → fen) and assigns a reviewer; a social worker registers an organisation and enters its
// application answering a decided topic; the reviewer scores it; the admin ranks, funds and
// announces it (a stale phase move shows "someone else changed this" and reloads); the worker
// records a milestone, an activity with a photo and spending with a receipt (an overspend waits
// for the admin's approval); a supervisor visits and the worker answers; the admin evaluates it.
// Each step is checked through the API too, and a resident of the topic sees the project.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import {
  BASE, COMMUNITY_ID, WORKER, RUN, launch, newPage, login, shot, residentToken, staffToken, call, until, png, decidedTopic, projectAccount,
} from "./helpers.js";

const ADMIN = { username: process.env.MINYI_ADMIN_USER || "admin", password: process.env.MINYI_ADMIN_PASS || "" };

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const sel = (testid, extra = "") => `[data-testid="${testid}"]${extra}`;

/** Open a dashboard route afresh (reloaded when the page is already on it). */
async function go(page, hash) {
  const url = `${BASE}/#/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

test("a decided topic becomes a funded project through the dashboard, from the round to the evaluation", async () => {
  // Prerequisites through the API: a decided topic, a reviewer and a supervisor.
  const admin = await staffToken(ADMIN);
  const worker = await staffToken(WORKER);
  const resident = await residentToken(`项目居民${RUN}`);
  const topicId = await decidedTopic(worker, resident, `3号楼电梯经常停运，老人上下楼困难，希望居民互助巡查（${RUN}）`);
  const reviewer = await projectAccount(admin, "reviewer", `张评审${RUN}`);
  const supervisor = await projectAccount(admin, "supervisor", `王督导${RUN}`);
  const roundName = `津南区第三届公益创投${RUN}`;
  const orgName = `电梯互助队${RUN}`;
  const title = `电梯守护行动${RUN}`;

  // 1. The admin opens a round: two sources in yuan (one with cents), the application dates.
  const adminPage = await newPage(browser);
  await login(adminPage, ADMIN);
  await adminPage.click(sel("nav-projects"));
  await adminPage.waitForSelector(sel("round-form"));
  await adminPage.fill(sel("round-name"), roundName);
  await adminPage.locator(sel("source-name")).nth(0).fill("区财政匹配");
  await adminPage.locator(sel("source-yuan")).nth(0).fill("60,000");
  await adminPage.click(sel("source-add"));
  await adminPage.locator(sel("source-name")).nth(1).fill("街道公益金");
  await adminPage.locator(sel("source-yuan")).nth(1).fill("40000.50");
  await adminPage.fill(sel("date-apply-start"), "2026-03-01");
  await adminPage.fill(sel("date-apply-end"), "2026-03-31");
  await adminPage.locator(sel("round-pool-preview", ':has-text("¥100,000.50")')).waitFor();
  await shot(adminPage, "projects-round-new");
  // Enter submits the form.
  await adminPage.locator(sel("round-name")).press("Enter");
  await adminPage.waitForSelector(sel("round-page", '[data-phase="apply"]'));
  const roundId = Number(await adminPage.getAttribute(sel("round-page"), "data-round-id"));
  let round = (await call(admin, "GET", `/rounds/${roundId}`)).data;
  assert.equal(round.pool_fen, 10_000_050, "the pool is kept in fen, exactly");
  assert.deepEqual(round.sources.map((s) => s.amount_fen), [6_000_000, 4_000_050]);
  assert.equal(round.criteria.length, 4);
  assert.equal((await adminPage.textContent(sel("round-pool"))).trim(), "¥100,000.50");

  // The admin assigns the reviewer.
  await adminPage.check(sel("reviewer-choice", `[data-account-id="${reviewer.id}"]`));
  await adminPage.click(sel("reviewers-save"));
  await until(async () => (await call(admin, "GET", `/rounds/${roundId}`)).data.reviewers.includes(reviewer.id), { what: "the reviewer assigned" });
  await shot(adminPage, "projects-round");

  // 2. The social worker registers the organisation (the lead's phone masked in the list),
  // corrects its stage, and enters its application answering the decided topic.
  const workerPage = await newPage(browser);
  await login(workerPage, WORKER);
  await workerPage.click(sel("nav-projects"));
  await workerPage.click(sel("sub-orgs"));
  await workerPage.waitForSelector(sel("org-form"));
  await workerPage.fill(sel("org-name"), orgName);
  await workerPage.selectOption(sel("org-kind"), "mutual_aid");
  await workerPage.selectOption(sel("org-stage-select"), "budding");
  await workerPage.fill(sel("org-lead"), "刘阿姨");
  await workerPage.fill(sel("org-phone-input"), "13812345678");
  await workerPage.fill(sel("org-members"), "12");
  await workerPage.fill(sel("org-volunteers"), "30");
  await workerPage.fill(sel("org-notes"), "社工孵化中，每月一次督导");
  await workerPage.click(sel("org-save"));
  const orgRow = workerPage.locator(sel("org-row", `:has-text("${orgName}")`));
  await orgRow.waitFor();
  const phone = (await orgRow.locator(sel("org-phone")).textContent()).trim();
  assert.notEqual(phone, "13812345678", "the list masks the lead's phone");
  assert.match(phone, /\*/);
  assert.equal((await orgRow.locator(sel("org-stage")).textContent()).trim(), "萌芽期");
  await orgRow.locator(sel("org-edit")).click();
  // The edit form shows the phone in full (its own page is for the community's staff).
  await workerPage.waitForFunction((n) => {
    const name = document.querySelector('[data-testid="org-name"]');
    const phone = document.querySelector('[data-testid="org-phone-input"]');
    return name && name.value === n && phone && phone.value === "13812345678";
  }, orgName);
  await workerPage.selectOption(sel("org-stage-select"), "developing");
  await workerPage.click(sel("org-save"));
  await orgRow.locator(sel("org-stage", ':has-text("发展期")')).waitFor();
  await shot(workerPage, "projects-organisations");
  const orgId = Number(await orgRow.getAttribute("data-org-id"));
  assert.equal((await call(worker, "GET", `/organisations/${orgId}`)).data.stage, "developing");

  // The round offers the form; the worker starts it from the decided topic instead, choosing
  // the round there (the topic comes ticked).
  await go(workerPage, `round/${roundId}`);
  await workerPage.waitForSelector(sel("new-application"));
  await go(workerPage, `topic/${topicId}`);
  await workerPage.click(sel("topic-apply"));
  await workerPage.waitForSelector(sel("application-form"));
  await workerPage.selectOption(sel("app-round"), String(roundId));
  await workerPage.waitForSelector(`${sel("app-topic", `[data-topic-id="${topicId}"]`)}:checked`);
  await workerPage.selectOption(sel("app-org"), String(orgId));
  await workerPage.fill(sel("app-title"), title);
  await workerPage.fill(sel("app-need"), "3号楼电梯经常停运，老人上下楼困难，议事会决议由居民互助队配合维保");
  await workerPage.fill(sel("app-goals"), "每周巡查电梯，建立故障快速报修");
  await workerPage.fill(sel("app-plan"), "招募楼栋志愿者；每周巡查；每月一次居民说明会");
  await workerPage.fill(sel("app-beneficiaries"), "200");
  await workerPage.fill(sel("app-volunteers"), "10");
  await workerPage.fill(sel("app-starts"), "2026-05-01");
  await workerPage.fill(sel("app-ends"), "2026-10-31");
  await workerPage.locator(sel("line-category")).nth(0).selectOption("materials");
  await workerPage.locator(sel("line-description")).nth(0).fill("巡查记录本与工具");
  await workerPage.locator(sel("line-yuan")).nth(0).fill("3000");
  await workerPage.click(sel("line-add"));
  await workerPage.locator(sel("line-category")).nth(1).selectOption("publicity");
  await workerPage.locator(sel("line-description")).nth(1).fill("宣传海报");
  await workerPage.locator(sel("line-yuan")).nth(1).fill("1000");
  await workerPage.locator(sel("budget-total", ':has-text("¥4,000.00")')).waitFor();
  await shot(workerPage, "projects-application");
  await workerPage.click(sel("app-submit"));
  await workerPage.waitForSelector(sel("project-page", '[data-status="submitted"]'));
  const projectId = Number(await workerPage.getAttribute(sel("project-page"), "data-project-id"));
  let p = (await call(worker, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.requested_fen, 400_000);
  assert.deepEqual(p.topics.map((x) => x.topic_id), [topicId]);
  assert.deepEqual(p.budget_lines.map((l) => [l.category, l.amount_fen]), [["materials", 300_000], ["publicity", 100_000]]);
  // The worker who entered it leads it (牵头社工), by name on the page.
  const workerMe = (await call(worker, "GET", "/me")).data;
  assert.equal(p.lead_worker_account_id, workerMe.account_id);
  assert.equal((await workerPage.textContent(sel("project-lead-worker"))).trim(), p.lead_worker.display_name);

  // 3. The admin moves the round to review.
  await adminPage.reload();
  await adminPage.waitForSelector(sel("round-page", '[data-phase="apply"]'));
  await adminPage.click(sel("advance"));
  await adminPage.waitForSelector(sel("round-page", '[data-phase="review"]'));

  // 4. The reviewer lands on the projects section, opens the application and scores it.
  const reviewerPage = await newPage(browser);
  await login(reviewerPage, reviewer);
  await reviewerPage.waitForSelector(sel("round-row", `[data-round-id="${roundId}"]`));
  assert.deepEqual(await reviewerPage.locator("nav.nav a").evaluateAll((as) => as.map((a) => a.dataset.testid)), ["nav-projects"]);
  await reviewerPage.click(`${sel("round-row", `[data-round-id="${roundId}"]`)} a`);
  await reviewerPage.click(`${sel("applications")} ${sel("project-row", `[data-project-id="${projectId}"]`)} a`);
  await reviewerPage.waitForSelector(`${sel("review-form")} ${sel("review-score", '[data-key="need"]')}`);
  for (const [key, v] of [["need", "28"], ["feasibility", "20"], ["budget", "20"], ["sustainability", "15"]]) {
    await reviewerPage.fill(sel("review-score", `[data-key="${key}"]`), v);
  }
  await reviewerPage.fill(sel("review-comment"), "方案可行，预算合理");
  await reviewerPage.locator(sel("review-total", ':has-text("83")')).waitFor();
  await shot(reviewerPage, "projects-review");
  await reviewerPage.click(sel("review-submit"));
  await reviewerPage.waitForSelector(sel("notice"));
  const ranking = (await call(admin, "GET", `/rounds/${roundId}/ranking`)).data.items;
  assert.equal(ranking[0].project_id, projectId);
  assert.equal(ranking[0].mean_x10, 830);
  await reviewerPage.context().close();

  // 5. The admin sees the ranking, funds the project (¥3,500 of ¥4,000) and announces it.
  await adminPage.reload();
  await adminPage.locator(`${sel("ranking-row", `[data-project-id="${projectId}"]`)} ${sel("ranking-mean")}:has-text("83.0")`).waitFor();
  await shot(adminPage, "projects-ranking");
  await adminPage.click(`${sel("ranking-row", `[data-project-id="${projectId}"]`)} a`);
  await adminPage.waitForSelector(sel("decision-form"));
  await adminPage.check(sel("decision-approve"));
  await adminPage.fill(sel("decision-yuan"), "3500");
  await adminPage.fill(sel("decision-reason-input"), "需求明确，预算合理");
  await adminPage.click(sel("decision-submit"));
  await adminPage.waitForSelector(sel("project-page", '[data-status="approved"]'));
  assert.equal((await adminPage.textContent(sel("project-awarded"))).trim(), "¥3,500.00");
  p = (await call(admin, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.awarded_fen, 350_000);
  await go(adminPage, `round/${roundId}`);
  await adminPage.waitForSelector(sel("round-page", '[data-phase="review"]'));
  await adminPage.click(sel("advance"));
  await adminPage.waitForSelector(sel("round-page", '[data-phase="announce"]'));
  // Someone else moves the round meanwhile: the stale move is refused, said so, and reloaded.
  const { etag } = await call(admin, "GET", `/rounds/${roundId}`);
  await call(admin, "POST", `/rounds/${roundId}/phase`, { phase: "implement", reason: "另一位管理员推进" }, { "if-match": etag });
  await adminPage.click(sel("advance"));
  await adminPage.locator(sel("conflict", ':has-text("其他人刚刚修改了这里")')).waitFor();
  await adminPage.waitForSelector(sel("round-page", '[data-phase="implement"]'));
  assert.equal((await call(admin, "GET", `/rounds/${roundId}`)).data.phase, "implement", "the stale click moved nothing");

  // A resident of the topic sees the funded project.
  const seen = (await call(resident, "GET", `/topics/${topicId}/projects`)).data.items.find((x) => x.project_id === projectId);
  assert.ok(seen, "the resident sees the project on their topic");
  assert.equal(seen.awarded_fen, 350_000);

  // 6. The admin assigns the supervisor on the project page.
  await go(adminPage, `project/${projectId}`);
  await adminPage.check(sel("supervisor-choice", `[data-account-id="${supervisor.id}"]`));
  await adminPage.click(sel("supervisors-save"));
  await until(async () => (await call(admin, "GET", `/projects/${projectId}`)).data.supervisors.includes(supervisor.id), { what: "the supervisor assigned" });

  // 7. The worker records a milestone, an activity with a photo, and spending with a receipt;
  // the second spending goes over its line and waits.
  await go(workerPage, `project/${projectId}`);
  await workerPage.waitForSelector(sel("milestone-form"));
  await workerPage.fill(sel("milestone-title"), "招募志愿者");
  await workerPage.fill(sel("milestone-due"), "2026-06-01");
  await workerPage.click(sel("milestone-add"));
  await workerPage.click(`${sel("milestone", ':has-text("招募志愿者")')} ${sel("milestone-done")}`);
  await workerPage.waitForSelector(sel("milestone", '[data-done="true"]'));
  await workerPage.waitForSelector(sel("progress", '[data-percent="100"]'));

  await workerPage.fill(sel("activity-place"), "3号楼大堂");
  await workerPage.fill(sel("activity-summary"), "电梯安全宣讲");
  await workerPage.fill(sel("activity-participants"), "40");
  await workerPage.fill(sel("activity-beneficiaries"), "120");
  await workerPage.fill(sel("activity-hours"), "7.5");
  await workerPage.setInputFiles(sel("activity-photos"), { name: "activity.png", mimeType: "image/png", buffer: png(60, 40, [30, 120, 200]) });
  await workerPage.click(sel("activity-add"));
  await workerPage.waitForSelector(`${sel("activity")} ${sel("photo-thumb")} img`);

  await workerPage.fill(sel("spending-yuan"), "2000");
  await workerPage.fill(sel("spending-note"), "购买巡查记录本");
  await workerPage.setInputFiles(sel("spending-receipt"), { name: "receipt.png", mimeType: "image/png", buffer: png(40, 60, [240, 240, 240]) });
  await workerPage.click(sel("spending-add"));
  await workerPage.waitForSelector(sel("spending-row", '[data-state="recorded"]'));
  await workerPage.fill(sel("spending-yuan"), "1500");
  await workerPage.fill(sel("spending-note"), "补购巡查工具");
  await workerPage.locator(sel("spending-note")).press("Enter");
  await workerPage.waitForSelector(sel("spending-row", '[data-state="pending"]'));
  p = (await call(worker, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.progress.spent_fen, 200_000);
  assert.equal(p.progress.pending_fen, 150_000);
  assert.equal(p.activities[0].volunteer_hours, 7.5);
  assert.equal(p.activities[0].beneficiaries, 120);
  assert.equal(p.activities[0].photos.length, 1);
  assert.ok(p.spending.find((s) => s.state === "recorded").receipt_upload_id, "the receipt is attached");

  // 8. The admin approves the overspend with a reason; then mid-term supervision.
  await adminPage.reload();
  await adminPage.fill(sel("overspend-reason"), "物价上涨，同意调整");
  await adminPage.click(sel("overspend-approve"));
  await adminPage.waitForSelector(sel("spending-row", '[data-state="approved"]'));
  p = (await call(admin, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.progress.spent_fen, 350_000);
  assert.equal(p.budget_lines[0].spent_fen, 350_000);
  await go(adminPage, `round/${roundId}`);
  await adminPage.waitForSelector(sel("round-page", '[data-phase="implement"]'));
  await adminPage.click(sel("advance"));
  await adminPage.waitForSelector(sel("round-page", '[data-phase="midterm"]'));

  // 9. The supervisor finds the project among theirs and records a visit with a follow-up.
  const supervisorPage = await newPage(browser);
  await login(supervisorPage, supervisor);
  await supervisorPage.click(`${sel("my-projects")} ${sel("project-row", `[data-project-id="${projectId}"]`)} a`);
  await supervisorPage.waitForSelector(sel("visit-form"));
  // Supervisors are named (not counted) to everyone who sees the project.
  assert.match(await supervisorPage.textContent(sel("supervisor-names")), new RegExp(`王督导${RUN}`));
  // The supervisor sees the activity's photo and the receipt (they serve no community).
  await supervisorPage.waitForSelector(`${sel("activity")} ${sel("photo-thumb")} img`);
  await supervisorPage.waitForSelector(`${sel("spending-row", '[data-state="recorded"]')} ${sel("photo-thumb")} img`);
  await supervisorPage.selectOption(sel("visit-stage"), "midterm");
  await supervisorPage.fill(sel("visit-findings"), "巡查记录完整");
  await supervisorPage.fill(sel("visit-recommendations"), "增加夜间巡查");
  await supervisorPage.fill(sel("visit-follow-up"), "请补充夜间巡查计划");
  await supervisorPage.click(sel("visit-add"));
  await supervisorPage.waitForSelector(sel("visit"));
  await supervisorPage.context().close();

  // 10. The worker (for the lead) answers the follow-up.
  await workerPage.reload();
  await workerPage.fill(sel("visit-response-text"), "已增加每周五夜间巡查");
  await workerPage.click(sel("visit-respond"));
  await workerPage.locator(sel("visit-response", ':has-text("已增加每周五夜间巡查")')).waitFor();
  p = (await call(worker, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.visits[0].stage, "midterm");
  assert.equal(p.visits[0].response, "已增加每周五夜间巡查");
  assert.deepEqual(workerPage.errors, []);
  await workerPage.context().close();

  // 11. Final evaluation in three parts with the grade.
  await go(adminPage, `round/${roundId}`);
  await adminPage.waitForSelector(sel("round-page", '[data-phase="midterm"]'));
  await adminPage.click(sel("advance"));
  await adminPage.waitForSelector(sel("round-page", '[data-phase="evaluate"]'));
  await go(adminPage, `project/${projectId}`);
  await adminPage.waitForSelector(sel("evaluation-form"));
  for (const [part, score, notes] of [["finance", "90", "票据齐全"], ["operation", "85", "按计划执行"], ["results", "88", "故障报修时间缩短一半"]]) {
    await adminPage.fill(sel(`eval-${part}-score`), score);
    await adminPage.fill(sel(`eval-${part}-notes`), notes);
  }
  await adminPage.selectOption(sel("eval-grade"), "good");
  await adminPage.click(sel("eval-submit"));
  await adminPage.locator(sel("evaluation-grade", ':has-text("良好")')).waitFor();
  await shot(adminPage, "projects-project");
  p = (await call(admin, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.evaluation.grade, "good");
  assert.equal(p.evaluation.overall, 88);

  // The printable report opens in a new tab; the round's XLSX downloads.
  const [report] = await Promise.all([adminPage.context().waitForEvent("page"), adminPage.click(sel("report-link"))]);
  await report.waitForLoadState();
  await report.waitForFunction((t) => document.body && document.body.textContent.includes(t) && document.body.textContent.includes("良好"), title);
  await report.close();
  const [download] = await Promise.all([adminPage.waitForEvent("download"), adminPage.click(sel("project-export"))]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  assert.equal((await readFile(await download.path())).subarray(0, 2).toString(), "PK");

  // 12. The figures of the round, with its export.
  await go(adminPage, `pfigures?round=${roundId}`);
  await adminPage.waitForSelector(`${sel("round-figure-table")} ${sel("figure-row", '[data-key="awarded"][data-value="350000"]')}`);
  assert.match(await adminPage.textContent(`${sel("round-figure-table")} ${sel("figure-row", '[data-key="awarded"]')}`), /¥3,500\.00/);
  await adminPage.waitForSelector(`${sel("area-figure-table")} ${sel("figure-row")}`);
  await shot(adminPage, "projects-figures");
  const [xlsx] = await Promise.all([adminPage.waitForEvent("download"), adminPage.click(sel("round-export"))]);
  assert.equal((await readFile(await xlsx.path())).subarray(0, 2).toString(), "PK");

  // In English: the project page shows labels, never raw codes.
  await go(adminPage, `project/${projectId}`);
  await adminPage.waitForSelector(sel("evaluation-grade"));
  await adminPage.click(sel("lang-toggle"));
  await adminPage.locator(sel("evaluation-grade", ':has-text("Good")')).waitFor();
  const text = await adminPage.textContent("main");
  for (const code of ["materials", "publicity", "midterm", "recorded", "evaluate", "good", "mutual_aid"]) {
    assert.ok(!new RegExp(`\\b${code}\\b`).test(text), `no raw code "${code}" on the English page`);
  }
  await shot(adminPage, "projects-project-en");
  await adminPage.click(sel("lang-toggle"));
  assert.deepEqual(adminPage.errors, []);
  await adminPage.context().close();

  // At 390 px, in Chinese: the project page fits the phone (nothing wider than the screen) and
  // shows no raw code.
  const small = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(small, ADMIN);
  await go(small, `project/${projectId}`);
  await small.waitForSelector(sel("evaluation-grade"));
  await shot(small, "projects-project-phone");
  const wide = await small.evaluate(() => Array.from(document.querySelectorAll("main *"))
    .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((n) => `${n.tagName}.${n.className} ${n.getAttribute("data-testid") || ""} ${Math.round(n.getBoundingClientRect().right)}`));
  assert.deepEqual(wide, [], "the project page fits 390 px");
  const zh = await small.textContent("main");
  for (const code of ["materials", "publicity", "midterm", "recorded", "evaluate", "good", "approved"]) {
    assert.ok(!new RegExp(`\\b${code}\\b`).test(zh), `no raw code "${code}" on the Chinese page`);
  }
  await small.context().close();

  // The resident's view of the project: progress and the activity.
  const shown = await until(async () => {
    const item = (await call(resident, "GET", `/topics/${topicId}/projects`)).data.items.find((x) => x.project_id === projectId);
    return item && item.activities.length ? item : null;
  }, { what: "the resident's view of the project" });
  assert.equal(shown.progress.percent, 100);
  assert.equal(shown.activities[0].place, "3号楼大堂");
});

test("an organisation lead enters the application of their own organisation, answering a decided topic", async () => {
  // Through the API: a decided topic, an open round, an organisation whose lead gets an account.
  const admin = await staffToken(ADMIN);
  const worker = await staffToken(WORKER);
  const resident = await residentToken(`领队居民${RUN}`);
  const topicId = await decidedTopic(worker, resident, `小区广场晚上没有路灯，跳广场舞的老人看不清路（${RUN}）`);
  const roundId = (await call(admin, "POST", "/rounds", {
    name: `领队申报公益创投${RUN}`,
    sources: [{ name: "区财政匹配", amount_fen: 1_000_000 }],
    phases: [{ phase: "apply", starts_on: "2026-03-01", ends_on: "2026-03-31" }],
  })).data.round_id;
  const lead = await projectAccount(admin, "org_lead", `刘领队${RUN}`);
  const org = (await call(worker, "POST", `/communities/${COMMUNITY_ID}/organisations`, {
    name: `广场舞队${RUN}`, kind: "mutual_aid", stage: "budding", lead_name: "刘阿姨", lead_phone: "13812345678",
    members_count: 20, volunteers_count: 6, lead_account_id: lead.id,
  }));
  assert.equal(org.status, 201, JSON.stringify(org.data));
  const orgId = org.data.organisation_id;

  // The lead lands on the projects section (no hall), opens the round and writes the application.
  const page = await newPage(browser);
  await login(page, lead, { choose: false });
  await page.waitForSelector(sel("nav-projects"));
  await go(page, `round/${roundId}`);
  await page.click(sel("new-application"));
  await page.waitForSelector(sel("application-form"));
  // Their organisation is the only one offered, chosen already; the community's decided topic
  // is offered although the lead cannot open the hall.
  await page.locator(`${sel("app-org")} option[value="${orgId}"]`).waitFor({ state: "attached" });
  assert.equal(await page.locator(`${sel("app-org")} option:not([value=""])`).count(), 1, "only their organisation");
  assert.equal(await page.inputValue(sel("app-org")), String(orgId));
  await page.locator(sel("app-topic", `[data-topic-id="${topicId}"]`)).waitFor();
  await page.check(sel("app-topic", `[data-topic-id="${topicId}"]`));
  await page.fill(sel("app-title"), `广场照明行动${RUN}`.slice(0, 60));
  await page.fill(sel("app-need"), "广场晚上没有路灯，老人看不清路");
  await page.fill(sel("app-goals"), "加装照明并每周巡查");
  await page.fill(sel("app-plan"), "联系物业加装灯具；志愿者每周巡查");
  await page.fill(sel("app-beneficiaries"), "150");
  await page.fill(sel("app-starts"), "2026-05-01");
  await page.fill(sel("app-ends"), "2026-09-30");
  await page.locator(sel("line-description")).first().fill("灯具");
  await page.locator(sel("line-yuan")).first().fill("2,500");
  await shot(page, "projects-application-lead");
  await page.locator(sel("app-title")).press("Enter");
  await page.waitForURL(/#\/project\/\d+/);
  const projectId = Number(page.url().match(/#\/project\/(\d+)/)[1]);
  const p = (await call(admin, "GET", `/projects/${projectId}`)).data;
  assert.equal(p.organisation_id, orgId);
  assert.equal(p.requested_fen, 250_000, "yuan typed, fen kept");
  assert.deepEqual(p.topics.map((x) => x.topic_id), [topicId]);
  assert.equal(p.created_by_account_id, lead.id, "entered by the lead");
  // The lead corrects it before the review: the form starts from what was saved.
  await page.click(sel("edit-application"));
  await page.waitForSelector(sel("application-form"));
  await page.waitForFunction((t) => document.querySelector('[data-testid="app-title"]').value === t, `广场照明行动${RUN}`.slice(0, 60));
  assert.equal(await page.inputValue(sel("line-yuan")), "2500.00", "fen shown back as yuan");
  assert.ok(await page.isChecked(sel("app-topic", `[data-topic-id="${topicId}"]`)));
  await page.locator(sel("line-yuan")).first().fill("2,800.50");
  await page.locator(sel("app-title")).press("Enter");
  await page.waitForURL(new RegExp(`#/project/${projectId}$`));
  await until(async () => (await call(admin, "GET", `/projects/${projectId}`)).data.requested_fen === 280_050, { what: "the corrected budget" });
  await page.waitForSelector(sel("project-requested", ':has-text("¥2,800.50")'));

  // The lead withdraws it (a second, explicit confirmation), before the review.
  await page.click(sel("withdraw"));
  await page.click(sel("withdraw-confirm"));
  await page.waitForSelector(sel("project-page", '[data-status="withdrawn"]'));
  assert.equal((await call(admin, "GET", `/projects/${projectId}`)).data.status, "withdrawn");
  assert.equal(await page.locator(sel("withdraw")).count(), 0, "nothing left to withdraw");
  await page.close();
});
