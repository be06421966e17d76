// Community projects (公益创投, issue 17): funding rounds (create, phases, reviewers, ranking),
// the registry of social organisations, the application form (项目书), review and decision,
// the project page (budget, progress, milestones, activities, spending, supervision,
// evaluation, report and XLSX) and the figures. Money is kept in fen (integers) and typed and
// shown in yuan; what the caller may do comes from the server (`funds`, `rights`).
import { html, useState, useEffect, ErrorBox, Notice, Loading, Photos, todayInShanghai, usePage, withId } from "../ui.js";
import { api, request, items, openFile } from "../api.js";
import { useLoad, useResource } from "../resource.js";
import { t, pick, formatTime, catalogue, codeLabel, statusLabel } from "../i18n.js";

// --- money and small helpers ------------------------------------------------------------------

/**
 * A yuan amount as typed ("3500", "3,500.5", "¥12.30") → integer fen, exactly (no floats);
 * null when it is not an amount of at most two decimals.
 */
export function yuanToFen(text) {
  const s = String(text ?? "").replace(/[\s,，¥￥]/g, "");
  const m = /^(\d{1,11})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  const whole = Number(m[1]);
  const cents = Number((m[2] || "").padEnd(2, "0"));
  const fen = whole * 100 + cents;
  return Number.isSafeInteger(fen) ? fen : null;
}

/** Fen → "¥1,234.50" (integer arithmetic; grouping by thousands). */
export function money(fen) {
  if (fen === null || fen === undefined) return "—";
  const n = Math.trunc(Number(fen));
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, "0")}`;
}

/** Fen → the plain yuan text for an input ("3500.00"). */
function fenToInput(fen) {
  if (fen === null || fen === undefined) return "";
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
}

const DELIVERING = ["implement", "midterm", "evaluate"];
const PHASES = ["apply", "review", "announce", "implement", "midterm", "evaluate", "published"];

/** A 412 from a stale version: our own words (the server's name a topic), the rest as sent. */
function ProjError({ error, testid }) {
  if (error && error.status === 412) {
    return html`<div class="conflict" role="alert" data-testid="conflict">${t("proj_conflict")}</div>`;
  }
  return html`<${ErrorBox} error=${error} testid=${testid} />`;
}

/** A form's own submit state: busy, error, run(fn) → true when it succeeded. */
function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(fn) {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** Upload one image (a photo or a receipt); its upload id. */
async function upload(file) {
  const form = new FormData();
  form.append("file", file);
  const { data } = await request("/uploads", { method: "POST", form });
  return data.upload_id;
}

/** The staff accounts of a role (admins only may list staff). */
function useStaffOfRole(me, role) {
  return useLoad(async () => {
    if (me.role !== "admin") return [];
    return items(await api("/admin/staff")).filter((s) => s.role === role && !s.disabled);
  }, [me.role, role]);
}

function PhaseBadge({ phase, label, labelEn }) {
  return html`<span class="badge status-accepted" data-testid="phase" data-phase=${phase}>
    ${label ? pick(label, labelEn) : codeLabel("round_phase", phase)}</span>`;
}

function ProjectStatusBadge({ p }) {
  const cls = { submitted: "status-scheduled", approved: "status-decided", rejected: "status-rejected", withdrawn: "status-rejected" }[p.status];
  return html`<span class=${`badge ${cls || ""}`} data-testid="project-status" data-status=${p.status}>
    ${p.status_label ? pick(p.status_label, p.status_label_en) : codeLabel("project_status", p.status)}</span>`;
}

/** The section's own links: rounds, organisations, figures (what the role may open). */
function SubNav({ me, current }) {
  const hall = !["reviewer", "supervisor", "org_lead"].includes(me.role);
  const links = [["projects", t("proj_rounds_and_projects")]];
  if (hall && me.role !== "volunteer") links.push(["orgs", t("proj_orgs")]);
  links.push(["pfigures", t("proj_figures")]);
  return html`<nav class="row" aria-label=${t("proj_section")} data-testid="projects-subnav">
    ${links.map(
      ([k, label]) => html`<a key=${k} href=${`#/${k}`} aria-current=${current === k ? "page" : null}
        data-testid=${`sub-${k}`}>${label}</a>`,
    )}
  </nav>`;
}

// --- rounds and my projects ---------------------------------------------------------------------

export function ProjectsHome({ me }) {
  const rounds = useResource("/rounds");
  const mine = useResource("/projects");
  usePage(t("proj_title"));
  return html`<div>
    <${SubNav} me=${me} current="projects" />
    <div class=${me.role === "admin" ? "grid-half" : ""}>
      <div>
        <section class="card" data-testid="round-list">
          <h1>${t("proj_title")}</h1>
          <h2>${t("proj_rounds")}</h2>
          <${ErrorBox} error=${rounds.error} />
          ${rounds.loading && !rounds.data ? html`<${Loading} />` : null}
          ${rounds.data && !items(rounds.data).length ? html`<p class="muted">${t("proj_no_rounds")}</p>` : null}
          ${items(rounds.data).length
            ? html`<table class="cards-on-phone">
                <caption class="sr-only">${t("proj_rounds")}</caption>
                <thead><tr><th scope="col">${t("proj_round_name")}</th><th scope="col">${t("proj_level")}</th>
                  <th scope="col">${t("proj_phase")}</th><th scope="col">${t("proj_pool")}</th></tr></thead>
                <tbody>
                  ${items(rounds.data).map(
                    (r) => html`<tr key=${r.round_id} data-testid="round-row" data-round-id=${r.round_id}>
                      <td data-label=${t("proj_round_name")}><a href=${`#/round/${r.round_id}`}>${r.name}</a></td>
                      <td data-label=${t("proj_level")}>${r.street_id ? t("proj_level_street") : t("proj_level_district")}</td>
                      <td data-label=${t("proj_phase")}><${PhaseBadge} phase=${r.phase} label=${r.phase_label} labelEn=${r.phase_label_en} /></td>
                      <td data-label=${t("proj_pool")}>${money(r.pool_fen)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
            : null}
        </section>
        <section class="card" data-testid="my-projects">
          <h2>${t("proj_my_projects")}</h2>
          <${ErrorBox} error=${mine.error} />
          ${mine.data && !items(mine.data).length ? html`<p class="muted">${t("proj_no_projects")}</p>` : null}
          ${items(mine.data).length ? html`<${ProjectTable} list=${items(mine.data)} caption=${t("proj_my_projects")} />` : null}
        </section>
      </div>
      ${me.role === "admin" ? html`<${NewRound} me=${me} />` : null}
    </div>
  </div>`;
}

function ProjectTable({ list, caption }) {
  return html`<table class="cards-on-phone">
    <caption class="sr-only">${caption}</caption>
    <thead><tr><th scope="col">${t("proj_project_title")}</th><th scope="col">${t("proj_org")}</th>
      <th scope="col">${t("proj_status")}</th><th scope="col">${t("proj_requested")}</th><th scope="col">${t("proj_awarded")}</th></tr></thead>
    <tbody>
      ${list.map(
        (p) => html`<tr key=${p.project_id} data-testid="project-row" data-project-id=${p.project_id}>
          <td data-label=${t("proj_project_title")}><a href=${`#/project/${p.project_id}`}>${p.title}</a></td>
          <td data-label=${t("proj_org")}>${p.organisation_name}</td>
          <td data-label=${t("proj_status")}><${ProjectStatusBadge} p=${p} /></td>
          <td data-label=${t("proj_requested")}>${money(p.requested_fen)}</td>
          <td data-label=${t("proj_awarded")}>${money(p.awarded_fen)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

const DEFAULT_CRITERIA = [
  { key: "need", label_zh: "需求迫切性", label_en: "Need", max: "30" },
  { key: "feasibility", label_zh: "方案可行性", label_en: "Feasibility", max: "25" },
  { key: "budget", label_zh: "预算合理性", label_en: "Budget", max: "25" },
  { key: "sustainability", label_zh: "可持续性", label_en: "Sustainability", max: "20" },
];

/** Open a round: name, level, the pool's sources (yuan → fen), phase dates, criteria. */
function NewRound({ me }) {
  const streets = useLoad(() => (me.admin_district_id ? api("/admin/streets").then(items) : Promise.resolve([])), [me.admin_district_id]);
  const [name, setName] = useState("");
  const [level, setLevel] = useState(me.admin_district_id ? "district" : "street");
  const [street, setStreet] = useState("");
  const [sources, setSources] = useState([{ name: "", yuan: "" }]);
  const [dates, setDates] = useState({});
  const [criteria, setCriteria] = useState(DEFAULT_CRITERIA);
  const form = useSubmit();
  const [bad, setBad] = useState("");

  const pool = sources.reduce((n, s) => n + (yuanToFen(s.yuan) || 0), 0);
  const maxTotal = criteria.reduce((n, c) => n + (Number(c.max) || 0), 0);
  const setSource = (i, k, v) => setSources(sources.map((s, j) => (j === i ? { ...s, [k]: v } : s)));
  const setCrit = (i, k, v) => setCriteria(criteria.map((c, j) => (j === i ? { ...c, [k]: v } : c)));

  async function submit(e) {
    e.preventDefault();
    setBad("");
    const body = { name: name.trim(), sources: [], phases: [], criteria: [] };
    for (const s of sources) {
      const fen = yuanToFen(s.yuan);
      if (fen === null) return setBad(t("proj_bad_amount", { value: s.yuan }));
      body.sources.push({ name: s.name.trim(), amount_fen: fen });
    }
    for (const ph of PHASES) {
      const d = dates[ph] || {};
      if (d.start && d.end) body.phases.push({ phase: ph, starts_on: d.start, ends_on: d.end });
      else if (d.start || d.end) return setBad(t("proj_bad_dates", { phase: codeLabel("round_phase", ph) }));
    }
    body.criteria = criteria.map((c) => ({ key: c.key.trim(), label_zh: c.label_zh.trim(), label_en: c.label_en.trim(), max: Number(c.max) }));
    if (level === "street") {
      const sid = me.admin_street_id || Number(street);
      if (!sid) return setBad(t("choose_street"));
      body.street_id = sid;
    }
    await form.run(async () => {
      const { data } = await request("/rounds", { method: "POST", body });
      location.hash = `#/round/${data.round_id}`;
    });
  }

  return html`<form class="card stack" onSubmit=${submit} data-testid="round-form">
    <h2>${t("proj_round_new")}</h2>
    <label for="r-name">${t("proj_round_name")}</label>
    <input id="r-name" required minlength="2" maxlength="60" value=${name} onInput=${(e) => setName(e.target.value)} data-testid="round-name" />
    ${me.admin_district_id
      ? html`<fieldset>
          <legend>${t("proj_level")}</legend>
          <label><input type="radio" name="r-level" value="district" checked=${level === "district"} onChange=${() => setLevel("district")} /> ${t("proj_level_district")}</label>
          <label><input type="radio" name="r-level" value="street" checked=${level === "street"} onChange=${() => setLevel("street")} data-testid="round-level-street" /> ${t("proj_level_street")}</label>
          ${level === "street"
            ? html`<label for="r-street">${t("street")}</label>
                <select id="r-street" value=${street} onChange=${(e) => setStreet(e.target.value)} data-testid="round-street">
                  <option value="">${t("choose_street")}</option>
                  ${(streets.data || []).map((s) => html`<option key=${s.street_id} value=${s.street_id}>${s.name}</option>`)}
                </select>`
            : null}
        </fieldset>`
      : html`<p class="muted">${t("proj_level")}${t("colon")}${t("proj_level_street")}</p>`}
    <fieldset data-testid="round-sources">
      <legend>${t("proj_sources")}</legend>
      ${sources.map(
        (s, i) => html`<div class="row" key=${i}>
          <div><label for=${`src-name-${i}`}>${t("proj_source_name")}</label>
            <input id=${`src-name-${i}`} required value=${s.name} onInput=${(e) => setSource(i, "name", e.target.value)} data-testid="source-name" /></div>
          <div><label for=${`src-yuan-${i}`}>${t("proj_amount_yuan")}</label>
            <input id=${`src-yuan-${i}`} required inputmode="decimal" size="12" value=${s.yuan}
              onInput=${(e) => setSource(i, "yuan", e.target.value)} data-testid="source-yuan" /></div>
          ${sources.length > 1
            ? html`<button type="button" class="secondary small" onClick=${() => setSources(sources.filter((_, j) => j !== i))}
                aria-label=${t("proj_remove_source", { n: i + 1 })}>${t("proj_remove")}</button>`
            : null}
        </div>`,
      )}
      <button type="button" class="secondary small" onClick=${() => setSources([...sources, { name: "", yuan: "" }])} data-testid="source-add">${t("proj_add_source")}</button>
      <p data-testid="round-pool-preview">${t("proj_pool")}${t("colon")}${money(pool)}</p>
    </fieldset>
    <fieldset>
      <legend>${t("proj_phase_dates")}</legend>
      <table>
        <caption class="sr-only">${t("proj_phase_dates")}</caption>
        <thead><tr><th scope="col">${t("proj_phase")}</th><th scope="col">${t("proj_starts")}</th><th scope="col">${t("proj_ends")}</th></tr></thead>
        <tbody>
          ${PHASES.map((ph) => {
            const d = dates[ph] || {};
            const label = codeLabel("round_phase", ph);
            const set = (k) => (e) => setDates({ ...dates, [ph]: { ...d, [k]: e.target.value } });
            return html`<tr key=${ph}>
              <th scope="row">${label}</th>
              <td><input type="date" aria-label=${`${label} ${t("proj_starts")}`} value=${d.start || ""} onInput=${set("start")} data-testid=${`date-${ph}-start`} /></td>
              <td><input type="date" aria-label=${`${label} ${t("proj_ends")}`} value=${d.end || ""} onInput=${set("end")} data-testid=${`date-${ph}-end`} /></td>
            </tr>`;
          })}
        </tbody>
      </table>
    </fieldset>
    <fieldset data-testid="round-criteria">
      <legend>${t("proj_criteria")}</legend>
      ${criteria.map(
        (c, i) => html`<div class="row" key=${i}>
          <div><label for=${`c-key-${i}`}>${t("proj_crit_key")}</label>
            <input id=${`c-key-${i}`} required pattern="[a-z0-9_]+" size="10" value=${c.key} onInput=${(e) => setCrit(i, "key", e.target.value)} /></div>
          <div><label for=${`c-zh-${i}`}>${t("proj_crit_zh")}</label>
            <input id=${`c-zh-${i}`} required size="10" value=${c.label_zh} onInput=${(e) => setCrit(i, "label_zh", e.target.value)} /></div>
          <div><label for=${`c-en-${i}`}>${t("proj_crit_en")}</label>
            <input id=${`c-en-${i}`} required size="10" value=${c.label_en} onInput=${(e) => setCrit(i, "label_en", e.target.value)} /></div>
          <div><label for=${`c-max-${i}`}>${t("proj_crit_max")}</label>
            <input id=${`c-max-${i}`} type="number" required min="1" max="100" value=${c.max} onInput=${(e) => setCrit(i, "max", e.target.value)} /></div>
          ${criteria.length > 1
            ? html`<button type="button" class="secondary small" onClick=${() => setCriteria(criteria.filter((_, j) => j !== i))}
                aria-label=${t("proj_remove_criterion", { n: i + 1 })}>${t("proj_remove")}</button>`
            : null}
        </div>`,
      )}
      <button type="button" class="secondary small" onClick=${() => setCriteria([...criteria, { key: "", label_zh: "", label_en: "", max: "10" }])}>${t("proj_add_criterion")}</button>
      <p class="muted">${t("proj_crit_total", { n: maxTotal })}</p>
    </fieldset>
    <button type="submit" disabled=${form.busy} data-testid="round-create">${t("proj_round_create")}</button>
    ${bad ? html`<div class="error" role="alert" data-testid="error">${bad}</div>` : null}
    <${ErrorBox} error=${form.error} />
  </form>`;
}

// --- one round ----------------------------------------------------------------------------------

export function RoundPage({ me, id }) {
  const res = useResource(`/rounds/${id}`, { version: (r) => r.version, onConflict: "reload" });
  const r = res.data;
  const apps = useResource(r ? `/rounds/${id}/projects` : null, { query: { v: r && r.version } });
  const canRank = r && (r.funds || me.role === "reviewer");
  const ranking = useResource(canRank ? `/rounds/${id}/ranking` : null, { query: { v: r && r.version } });
  const [reason, setReason] = useState("");
  usePage(r ? r.name : null);
  if (res.error && !r) return html`<section class="card"><${ErrorBox} error=${res.error} /></section>`;
  if (!r) return html`<section class="card"><${Loading} /></section>`;
  const mayApply = r.phase === "apply" && ["worker", "admin", "org_lead"].includes(me.role);

  async function advance(e) {
    e.preventDefault();
    const ok = await res.act(
      (ifMatch) => request(`/rounds/${id}/phase`, { method: "POST", ifMatch, body: { phase: r.next_phase, reason: reason.trim() || null } }),
      { done: t("proj_phase_moved") },
    );
    if (ok) setReason("");
  }

  return html`<section data-testid="round-page" data-round-id=${r.round_id} data-phase=${r.phase}>
    <${SubNav} me=${me} current="projects" />
    <p><a href="#/projects">${t("proj_back")}</a></p>
    <div class="card">
      <h1>${r.name}</h1>
      <p>${r.street_id ? t("proj_level_street") : t("proj_level_district")}${" · "}${t("proj_phase")}${t("colon")}<${PhaseBadge} phase=${r.phase} label=${r.phase_label} labelEn=${r.phase_label_en} />${" · "}${t("proj_pool")}${t("colon")}<strong data-testid="round-pool">${money(r.pool_fen)}</strong></p>
      <ol class="phases" aria-label=${t("proj_phases")}>
        ${PHASES.map((ph) => {
          const d = (r.phases || []).find((x) => x.phase === ph);
          return html`<li key=${ph} aria-current=${ph === r.phase ? "step" : null} class=${ph === r.phase ? "current" : ""}>
            ${codeLabel("round_phase", ph)}${d ? html` <span class="muted">${d.starts_on} – ${d.ends_on}</span>` : null}</li>`;
        })}
      </ol>
      ${r.funds && r.next_phase
        ? html`<form class="row" onSubmit=${advance} data-testid="advance-form">
            <div><label for="adv-reason">${t("proj_advance_reason")}${t("optional")}</label>
              <input id="adv-reason" value=${reason} onInput=${(e) => setReason(e.target.value)} /></div>
            <button type="submit" disabled=${res.busy} data-testid="advance">
              ${t("proj_advance", { phase: codeLabel("round_phase", r.next_phase) })}</button>
          </form>`
        : null}
      <${ProjError} error=${res.actionError} testid="round-error" />
      <${Notice} text=${res.notice} />
      <div class="row">
        ${mayApply ? html`<a class="button" href=${`#/apply/${r.round_id}`} data-testid="new-application">${t("proj_new_application")}</a>` : null}
        <a href=${`#/pfigures?round=${r.round_id}`} data-testid="round-figures-link">${t("proj_figures")}</a>
      </div>
    </div>
    <div class="grid2">
      <div>
        <section class="card" data-testid="applications">
          <h2>${t("proj_applications")}</h2>
          <${ErrorBox} error=${apps.error} />
          ${apps.data && !items(apps.data).length ? html`<p class="muted">${t("proj_no_projects")}</p>` : null}
          ${items(apps.data).length ? html`<${ProjectTable} list=${items(apps.data)} caption=${t("proj_applications")} />` : null}
        </section>
        ${canRank ? html`<${Ranking} res=${ranking} />` : null}
      </div>
      <div>
        <section class="card">
          <h2>${t("proj_sources")}</h2>
          <table data-testid="round-sources-table">
            <caption class="sr-only">${t("proj_sources")}</caption>
            <thead><tr><th scope="col">${t("proj_source_name")}</th><th scope="col">${t("proj_amount")}</th></tr></thead>
            <tbody>${(r.sources || []).map((s, i) => html`<tr key=${i}><td>${s.name}</td><td>${money(s.amount_fen)}</td></tr>`)}</tbody>
          </table>
          <h2>${t("proj_criteria")}</h2>
          <table>
            <caption class="sr-only">${t("proj_criteria")}</caption>
            <thead><tr><th scope="col">${t("proj_criterion")}</th><th scope="col">${t("proj_crit_max")}</th></tr></thead>
            <tbody>${(r.criteria || []).map((c) => html`<tr key=${c.key}><td>${pick(c.label_zh, c.label_en)}</td><td>${c.max}</td></tr>`)}</tbody>
          </table>
        </section>
        <${Reviewers} me=${me} round=${r} res=${res} />
      </div>
    </div>
  </section>`;
}

function Ranking({ res }) {
  const list = items(res.data);
  return html`<section class="card" data-testid="ranking">
    <h2>${t("proj_ranking")}</h2>
    <${ErrorBox} error=${res.error} />
    ${res.data && !list.length ? html`<p class="muted">${t("proj_no_projects")}</p>` : null}
    ${list.length
      ? html`<table>
          <caption class="sr-only">${t("proj_ranking")}</caption>
          <thead><tr><th scope="col">${t("proj_rank")}</th><th scope="col">${t("proj_project_title")}</th><th scope="col">${t("proj_mean")}</th>
            <th scope="col">${t("proj_counted")}</th><th scope="col">${t("proj_conflicts")}</th><th scope="col">${t("proj_status")}</th>
            <th scope="col">${t("proj_requested")}</th><th scope="col">${t("proj_awarded")}</th></tr></thead>
          <tbody>
            ${list.map(
              (x) => html`<tr key=${x.project_id} data-testid="ranking-row" data-project-id=${x.project_id}>
                <td>${x.rank || "—"}</td>
                <td><a href=${`#/project/${x.project_id}`}>${x.title}</a><br /><span class="muted">${x.organisation_name}</span></td>
                <td data-testid="ranking-mean">${x.counted_reviews ? (x.mean_x10 / 10).toFixed(1) : "—"}</td>
                <td>${x.counted_reviews}</td><td>${x.conflicts}</td>
                <td>${codeLabel("project_status", x.status)}</td>
                <td>${money(x.requested_fen)}</td><td>${money(x.awarded_fen)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : null}
  </section>`;
}

/** Staff accounts of one role to tick (reviewers of a round, supervisors of a project). */
function StaffChoice({ legend, empty, staff, chosen, setChosen, testid }) {
  return html`<fieldset>
    <legend>${legend}</legend>
    <${ErrorBox} error=${staff.error} />
    ${staff.data && !staff.data.length ? html`<p class="muted">${empty}</p>` : null}
    ${(staff.data || []).map(
      (s) => html`<label key=${s.account_id}>
        <input type="checkbox" data-testid=${testid} data-account-id=${s.account_id} checked=${chosen.has(s.account_id)}
          onChange=${(e) => setChosen(withId(chosen, s.account_id, e.target.checked))} />
        ${s.display_name} <span class="muted">${s.username}</span></label>`,
    )}
  </fieldset>`;
}

/** The round's reviewers; its funders assign them while it takes applications or reviews. */
function Reviewers({ me, round, res }) {
  const staff = useStaffOfRole(me, "reviewer");
  const [chosen, setChosen] = useState(() => new Set(round.reviewers || []));
  useEffect(() => setChosen(new Set(round.reviewers || [])), [round.version, (round.reviewers || []).join(",")]);
  const editable = round.funds && ["apply", "review"].includes(round.phase);
  return html`<section class="card" data-testid="reviewers">
    <h2>${t("proj_reviewers")}</h2>
    ${!editable
      ? html`<p data-testid="reviewer-names">${(round.reviewer_names || []).length
          ? round.reviewer_names.map((a) => a.display_name).join(t("list_sep"))
          : t("none")}</p>`
      : html`<form onSubmit=${(e) => {
          e.preventDefault();
          res.act((ifMatch) => request(`/rounds/${round.round_id}/reviewers`, { method: "PUT", body: { account_ids: [...chosen] } }), { done: t("saved") });
        }}>
          <${StaffChoice} legend=${t("proj_reviewers_choose")} empty=${t("proj_no_reviewers")} staff=${staff}
            chosen=${chosen} setChosen=${setChosen} testid="reviewer-choice" />
          <button type="submit" disabled=${res.busy} data-testid="reviewers-save">${t("proj_reviewers_save")}</button>
        </form>`}
  </section>`;
}

// --- organisations ----------------------------------------------------------------------------

const EMPTY_ORG = { name: "", kind: "service", stage: "budding", lead_name: "", lead_phone: "", lead_account_id: "", members_count: "0", volunteers_count: "0", notes: "" };

export function Organisations({ me, communityId }) {
  const list = useResource(communityId ? `/communities/${communityId}/organisations` : null);
  const [editing, setEditing] = useState(null);
  usePage(t("proj_orgs"));
  if (!communityId) return html`<section class="card"><p>${t("no_community")}</p></section>`;
  const mayEdit = ["worker", "admin"].includes(me.role);
  return html`<div>
    <${SubNav} me=${me} current="orgs" />
    <div class="grid2">
      <section class="card" data-testid="org-list">
        <h1>${t("proj_orgs")}</h1>
        <${ErrorBox} error=${list.error} />
        ${list.data && !items(list.data).length ? html`<p class="muted">${t("proj_no_orgs")}</p>` : null}
        ${items(list.data).length
          ? html`<table class="cards-on-phone">
              <caption class="sr-only">${t("proj_orgs")}</caption>
              <thead><tr><th scope="col">${t("proj_org_name")}</th><th scope="col">${t("proj_org_kind")}</th><th scope="col">${t("proj_org_stage")}</th>
                <th scope="col">${t("proj_org_lead")}</th><th scope="col">${t("proj_org_phone")}</th><th scope="col">${t("proj_org_counts")}</th>
                ${mayEdit ? html`<th scope="col">${t("actions")}</th>` : null}</tr></thead>
              <tbody>
                ${items(list.data).map(
                  (o) => html`<tr key=${o.organisation_id} data-testid="org-row" data-org-id=${o.organisation_id}>
                    <td data-label=${t("proj_org_name")}>${o.name}</td>
                    <td data-label=${t("proj_org_kind")}>${pick(o.kind_label, o.kind_label_en)}</td>
                    <td data-label=${t("proj_org_stage")} data-testid="org-stage">${pick(o.stage_label, o.stage_label_en)}</td>
                    <td data-label=${t("proj_org_lead")}>${o.lead_name}</td>
                    <td data-label=${t("proj_org_phone")} data-testid="org-phone">${o.lead_phone || "—"}</td>
                    <td data-label=${t("proj_org_counts")}>${t("proj_org_counts_value", { m: o.members_count, v: o.volunteers_count })}</td>
                    ${mayEdit
                      ? html`<td><button type="button" class="secondary small" data-testid="org-edit"
                          aria-label=${t("proj_org_edit_named", { name: o.name })}
                          onClick=${() => setEditing(o.organisation_id)}>${t("proj_edit")}</button></td>`
                      : null}
                  </tr>`,
                )}
              </tbody>
            </table>`
          : null}
      </section>
      ${mayEdit
        ? editing
          ? html`<${EditOrganisation} key=${editing} me=${me} id=${editing}
              onDone=${() => {
                setEditing(null);
                list.reload();
              }} />`
          : html`<${OrganisationForm} me=${me} title=${t("proj_org_new")} initial=${EMPTY_ORG}
              onSave=${async (body) => {
                await request(`/communities/${communityId}/organisations`, { method: "POST", body });
                list.reload();
              }} />`
        : null}
    </div>
  </div>`;
}

function EditOrganisation({ me, id, onDone }) {
  const res = useResource(`/organisations/${id}`, { version: (o) => o.version, onConflict: "reload" });
  const o = res.data;
  if (res.error && !o) return html`<section class="card"><${ErrorBox} error=${res.error} /></section>`;
  if (!o) return html`<section class="card"><${Loading} /></section>`;
  const initial = {
    ...o,
    lead_phone: o.lead_phone || "",
    lead_account_id: o.lead_account_id ? String(o.lead_account_id) : "",
    members_count: String(o.members_count),
    volunteers_count: String(o.volunteers_count),
    notes: o.notes || "",
  };
  return html`<${OrganisationForm} key=${o.version} me=${me} title=${t("proj_org_edit_named", { name: o.name })} initial=${initial}
    onCancel=${onDone}
    onSave=${async (body) => {
      try {
        await request(`/organisations/${id}`, { method: "PATCH", body, ifMatch: res.ifMatch });
      } catch (e) {
        if (e.status === 412) res.reload();
        throw e;
      }
      onDone();
    }} />`;
}

function OrganisationForm({ me, title, initial, onSave, onCancel }) {
  const [f, setF] = useState(initial);
  const form = useSubmit();
  const leads = useStaffOfRole(me, "org_lead");
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const [saved, setSaved] = useState("");
  async function submit(e) {
    e.preventDefault();
    setSaved("");
    const body = {
      name: f.name.trim(),
      kind: f.kind,
      stage: f.stage,
      lead_name: f.lead_name.trim(),
      lead_phone: f.lead_phone.trim() || null,
      lead_account_id: f.lead_account_id ? Number(f.lead_account_id) : null,
      members_count: Number(f.members_count) || 0,
      volunteers_count: Number(f.volunteers_count) || 0,
      notes: f.notes.trim() || null,
    };
    const ok = await form.run(() => onSave(body));
    if (ok) {
      setSaved(t("saved"));
      if (!onCancel) setF(EMPTY_ORG);
    }
  }
  return html`<form class="card stack" onSubmit=${submit} data-testid="org-form">
    <h2>${title}</h2>
    <label for="o-name">${t("proj_org_name")}</label>
    <input id="o-name" required minlength="2" maxlength="40" value=${f.name} onInput=${set("name")} data-testid="org-name" />
    <div class="row">
      <div><label for="o-kind">${t("proj_org_kind")}</label>
        <select id="o-kind" value=${f.kind} onChange=${set("kind")} data-testid="org-kind">
          ${catalogue("organisation_kind").map((k) => html`<option key=${k} value=${k}>${codeLabel("organisation_kind", k)}</option>`)}
        </select></div>
      <div><label for="o-stage">${t("proj_org_stage")}</label>
        <select id="o-stage" value=${f.stage} onChange=${set("stage")} data-testid="org-stage-select">
          ${catalogue("organisation_stage").map((k) => html`<option key=${k} value=${k}>${codeLabel("organisation_stage", k)}</option>`)}
        </select></div>
    </div>
    <label for="o-lead">${t("proj_org_lead")}</label>
    <input id="o-lead" required maxlength="20" value=${f.lead_name} onInput=${set("lead_name")} data-testid="org-lead" />
    <label for="o-phone">${t("proj_org_phone")}${t("optional")}</label>
    <input id="o-phone" type="tel" inputmode="numeric" aria-describedby="o-phone-hint" value=${f.lead_phone} onInput=${set("lead_phone")} data-testid="org-phone-input" />
    <p class="muted" id="o-phone-hint">${t("proj_org_phone_hint")}</p>
    ${me.role === "admin"
      ? html`<label for="o-account">${t("proj_org_account")}${t("optional")}</label>
          <select id="o-account" value=${f.lead_account_id} onChange=${set("lead_account_id")} data-testid="org-account">
            <option value="">${t("none")}</option>
            ${(leads.data || []).map((s) => html`<option key=${s.account_id} value=${s.account_id}>${s.display_name}（${s.username}）</option>`)}
          </select>`
      : null}
    <div class="row">
      <div><label for="o-members">${t("proj_org_members")}</label>
        <input id="o-members" type="number" min="0" max="100000" value=${f.members_count} onInput=${set("members_count")} data-testid="org-members" /></div>
      <div><label for="o-volunteers">${t("proj_org_volunteers")}</label>
        <input id="o-volunteers" type="number" min="0" max="100000" value=${f.volunteers_count} onInput=${set("volunteers_count")} data-testid="org-volunteers" /></div>
    </div>
    <label for="o-notes">${t("proj_org_notes")}${t("optional")}</label>
    <textarea id="o-notes" maxlength="2000" value=${f.notes} onInput=${set("notes")} data-testid="org-notes"></textarea>
    <div class="row">
      <button type="submit" disabled=${form.busy} data-testid="org-save">${t("save")}</button>
      ${onCancel ? html`<button type="button" class="secondary" onClick=${onCancel}>${t("cancel")}</button>` : null}
    </div>
    <${ProjError} error=${form.error} />
    <${Notice} text=${saved} />
  </form>`;
}

// --- the application form (项目书) ----------------------------------------------------------------

export function ApplicationForm({ me, communityId, id, query }) {
  // From a round (#/apply/7), or from a decided topic (#/apply?topic=12): then a round that
  // takes applications is chosen here.
  const open = useLoad(() => (id ? Promise.resolve([]) : api("/rounds").then((d) => items(d).filter((r) => r.phase === "apply"))), [id]);
  const [picked, setPicked] = useState("");
  const openRounds = open.data || [];
  const roundId = id || Number(picked || (openRounds.length ? openRounds[0].round_id : 0)) || null;
  const round = useResource(roundId ? `/rounds/${roundId}` : null);
  // An organisation lead (no hall access) applies for their own organisation, answering the
  // decided topics of its community; hall staff for the organisations of the chosen community.
  const lead = me.role === "org_lead";
  const orgs = useLoad(
    () => (lead ? api("/organisations").then(items)
      : communityId ? api(`/communities/${communityId}/organisations`).then(items) : Promise.resolve([])),
    [communityId, lead],
  );
  const preset = query && query.topic ? [Number(query.topic)] : [];
  const [f, setF] = useState({
    organisation_id: "",
    title: "",
    need: "",
    goals: "",
    plan: "",
    beneficiaries_target: "",
    volunteers_planned: "0",
    // A social worker entering it leads it (牵头社工) unless they say otherwise.
    i_lead: me.role === "worker",
    starts_on: "",
    ends_on: "",
  });
  const [chosen, setChosen] = useState(new Set(preset));
  const [lines, setLines] = useState([{ category: "materials", description: "", yuan: "" }]);
  const form = useSubmit();
  const [bad, setBad] = useState("");
  // Editing a submitted application (#/apply/7?edit=42): the form starts from it and saves it
  // with its version (If-Match).
  const editId = query && query.edit ? Number(query.edit) : null;
  const editing = useResource(editId ? `/projects/${editId}` : null, { version: (p) => p.version, onConflict: "reload" });
  const old = editing.data;
  useEffect(() => {
    if (!old) return;
    setF({
      organisation_id: String(old.organisation_id), title: old.title, need: old.need, goals: old.goals, plan: old.plan,
      beneficiaries_target: String(old.beneficiaries_target), volunteers_planned: String(old.volunteers_planned),
      i_lead: me.role === "worker" && old.lead_worker_account_id === me.account_id,
      starts_on: old.starts_on, ends_on: old.ends_on,
    });
    setChosen(new Set((old.topics || []).map((x) => x.topic_id)));
    setLines((old.budget_lines || []).map((l) => ({ category: l.category, description: l.description, yuan: fenToInput(l.amount_fen) })));
  }, [old && old.version]);
  usePage(t(editId ? "proj_edit_application" : "proj_application"));
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const setLine = (i, k, v) => setLines(lines.map((l, j) => (j === i ? { ...l, [k]: v } : l)));
  const total = lines.reduce((n, l) => n + (yuanToFen(l.yuan) || 0), 0);
  const orgList = orgs.data || [];
  const orgValue = f.organisation_id || (orgList.length === 1 ? String(orgList[0].organisation_id) : "");
  const topics = useLoad(
    () => (lead
      ? (orgValue ? api(`/organisations/${orgValue}/topics`).then(items)
        .then((xs) => xs.map((x) => ({ id: x.topic_id, title: x.title, status: x.status }))) : Promise.resolve([]))
      : communityId ? api(`/communities/${communityId}/topics`, { query: { status: "decided", limit: 100 } }).then(items) : Promise.resolve([])),
    [communityId, lead, lead ? orgValue : ""],
  );

  async function submit(e) {
    e.preventDefault();
    setBad("");
    const budget = [];
    for (const l of lines) {
      const fen = yuanToFen(l.yuan);
      if (fen === null) return setBad(t("proj_bad_amount", { value: l.yuan }));
      budget.push({ category: l.category, description: l.description.trim(), amount_fen: fen });
    }
    if (!chosen.size) return setBad(t("proj_pick_topics"));
    if (!roundId) return setBad(t("proj_no_open_rounds"));
    const body = {
      organisation_id: Number(orgValue),
      title: f.title.trim(),
      need: f.need.trim(),
      goals: f.goals.trim(),
      plan: f.plan.trim(),
      beneficiaries_target: Number(f.beneficiaries_target) || 0,
      volunteers_planned: Number(f.volunteers_planned) || 0,
      lead_worker_id: me.role === "worker" && f.i_lead ? me.account_id : null,
      starts_on: f.starts_on,
      ends_on: f.ends_on,
      topic_ids: [...chosen],
      budget_lines: budget,
    };
    await form.run(async () => {
      if (editId) {
        await request(`/projects/${editId}`, { method: "PUT", body, ifMatch: editing.ifMatch });
        location.hash = `#/project/${editId}`;
        return;
      }
      const { data } = await request(`/rounds/${roundId}/projects`, { method: "POST", body });
      location.hash = `#/project/${data.project_id}`;
    });
  }

  if (!communityId && !lead) return html`<section class="card"><p>${t("proj_apply_needs_community")}</p></section>`;
  const r = round.data;
  return html`<form class="card stack" onSubmit=${submit} data-testid="application-form">
    <p><a href=${roundId ? `#/round/${roundId}` : "#/projects"}>${t("proj_back_round")}</a></p>
    <h1>${t(editId ? "proj_edit_application" : "proj_application")}</h1>
    <${ErrorBox} error=${editing.error} />
    ${!id
      ? html`<label for="a-round">${t("proj_round")}</label>
          <select id="a-round" required value=${roundId || ""} onChange=${(e) => setPicked(e.target.value)} data-testid="app-round">
            ${!openRounds.length ? html`<option value="">${t("proj_no_open_rounds")}</option>` : null}
            ${openRounds.map((x) => html`<option key=${x.round_id} value=${x.round_id}>${x.name}</option>`)}
          </select>`
      : null}
    ${r ? html`<p>${r.name}${" · "}<${PhaseBadge} phase=${r.phase} label=${r.phase_label} labelEn=${r.phase_label_en} /></p>` : null}
    <${ErrorBox} error=${open.error || round.error || orgs.error} />
    <label for="a-org">${t("proj_org")}</label>
    <select id="a-org" required value=${orgValue} onChange=${set("organisation_id")} data-testid="app-org">
      <option value="">${t("proj_choose_org")}</option>
      ${orgList.map((o) => html`<option key=${o.organisation_id} value=${o.organisation_id}>${o.name}</option>`)}
    </select>
    <fieldset data-testid="app-topics">
      <legend>${t("proj_linked_topics")}</legend>
      <p class="muted">${t("proj_linked_topics_hint")}</p>
      <${ErrorBox} error=${topics.error} />
      ${(topics.data || []).map(
        (tp) => html`<label key=${tp.id}>
          <input type="checkbox" data-testid="app-topic" data-topic-id=${tp.id} checked=${chosen.has(tp.id)}
            onChange=${(e) => setChosen(withId(chosen, tp.id, e.target.checked))} />
          #${tp.id} ${tp.title} <span class="muted">${statusLabel(tp.status)}</span>
        </label>`,
      )}
      ${topics.data && !topics.data.length ? html`<p class="muted">${t("proj_no_decided_topics")}</p>` : null}
    </fieldset>
    <label for="a-title">${t("proj_project_title")}</label>
    <input id="a-title" required minlength="2" maxlength="60" value=${f.title} onInput=${set("title")} data-testid="app-title" />
    <label for="a-need">${t("proj_need")}</label>
    <textarea id="a-need" required minlength="5" value=${f.need} onInput=${set("need")} data-testid="app-need"></textarea>
    <label for="a-goals">${t("proj_goals")}</label>
    <textarea id="a-goals" required minlength="2" value=${f.goals} onInput=${set("goals")} data-testid="app-goals"></textarea>
    <label for="a-plan">${t("proj_plan")}</label>
    <textarea id="a-plan" required minlength="2" rows="5" value=${f.plan} onInput=${set("plan")} data-testid="app-plan"></textarea>
    <div class="row">
      <div><label for="a-benef">${t("proj_beneficiaries_target")}</label>
        <input id="a-benef" type="number" required min="0" max="1000000" value=${f.beneficiaries_target} onInput=${set("beneficiaries_target")} data-testid="app-beneficiaries" /></div>
      <div><label for="a-vol">${t("proj_volunteers_planned")}</label>
        <input id="a-vol" type="number" min="0" max="100000" value=${f.volunteers_planned} onInput=${set("volunteers_planned")} data-testid="app-volunteers" /></div>
      ${me.role === "worker"
        ? html`<div><label><input type="checkbox" checked=${f.i_lead} data-testid="app-i-lead"
            onChange=${(e) => setF({ ...f, i_lead: e.target.checked })} /> ${t("proj_i_lead")}</label></div>`
        : null}
      <div><label for="a-start">${t("proj_starts")}</label>
        <input id="a-start" type="date" required value=${f.starts_on} onInput=${set("starts_on")} data-testid="app-starts" /></div>
      <div><label for="a-end">${t("proj_ends")}</label>
        <input id="a-end" type="date" required value=${f.ends_on} onInput=${set("ends_on")} data-testid="app-ends" /></div>
    </div>
    <fieldset data-testid="app-budget">
      <legend>${t("proj_budget")}</legend>
      ${lines.map(
        (l, i) => html`<div class="row" key=${i} data-testid="budget-line">
          <div><label for=${`bl-cat-${i}`}>${t("proj_category")}</label>
            <select id=${`bl-cat-${i}`} value=${l.category} onChange=${(e) => setLine(i, "category", e.target.value)} data-testid="line-category">
              ${catalogue("budget_category").map((k) => html`<option key=${k} value=${k}>${codeLabel("budget_category", k)}</option>`)}
            </select></div>
          <div><label for=${`bl-desc-${i}`}>${t("proj_line_description")}</label>
            <input id=${`bl-desc-${i}`} required maxlength="100" value=${l.description} onInput=${(e) => setLine(i, "description", e.target.value)} data-testid="line-description" /></div>
          <div><label for=${`bl-yuan-${i}`}>${t("proj_amount_yuan")}</label>
            <input id=${`bl-yuan-${i}`} required inputmode="decimal" size="12" value=${l.yuan} onInput=${(e) => setLine(i, "yuan", e.target.value)} data-testid="line-yuan" /></div>
          ${lines.length > 1
            ? html`<button type="button" class="secondary small" onClick=${() => setLines(lines.filter((_, j) => j !== i))}
                aria-label=${t("proj_remove_line", { n: i + 1 })}>${t("proj_remove")}</button>`
            : null}
        </div>`,
      )}
      <button type="button" class="secondary small" data-testid="line-add"
        onClick=${() => setLines([...lines, { category: "other", description: "", yuan: "" }])}>${t("proj_add_line")}</button>
      <p data-testid="budget-total">${t("proj_requested")}${t("colon")}${money(total)}</p>
    </fieldset>
    <button type="submit" disabled=${form.busy} data-testid="app-submit">${t("proj_submit_application")}</button>
    ${bad ? html`<div class="error" role="alert" data-testid="error">${bad}</div>` : null}
    <${ErrorBox} error=${form.error} />
  </form>`;
}

// --- the project page ---------------------------------------------------------------------------

export function ProjectPage({ me, id }) {
  const res = useResource(`/projects/${id}`, { version: (p) => p.version, onConflict: "reload" });
  const p = res.data;
  const round = useResource(p ? `/rounds/${p.round.round_id}` : null);
  usePage(p ? p.title : null);
  const [withdrawing, setWithdrawing] = useState(false);
  if (res.error && !p) return html`<section class="card"><${ErrorBox} error=${res.error} /></section>`;
  if (!p) return html`<section class="card"><${Loading} /></section>`;
  const phase = p.round.phase;
  const rights = p.rights || {};
  const funded = p.status === "approved";
  const delivering = funded && DELIVERING.includes(phase);
  /** A change to the project: every answer is the whole project again. */
  const act = (path, method, body, done, ifMatch) =>
    res.act((m) => request(`/projects/${id}${path}`, { method, body, ifMatch: ifMatch ? m : undefined }), { done }).then((r) => r !== null);

  return html`<section data-testid="project-page" data-project-id=${p.project_id} data-status=${p.status} data-phase=${phase}>
    <${SubNav} me=${me} current="projects" />
    <p><a href=${`#/round/${p.round.round_id}`}>${t("proj_back_round")}</a></p>
    <div class="card">
      <h1>${p.title}</h1>
      <p>${p.organisation_name} · ${p.community_name} · ${p.round.name}${" · "}<${PhaseBadge} phase=${phase} label=${p.round.phase_label} labelEn=${p.round.phase_label_en} />${" · "}<${ProjectStatusBadge} p=${p} /></p>
      <dl class="facts">
        <dt>${t("proj_requested")}</dt><dd data-testid="project-requested">${money(p.requested_fen)}</dd>
        <dt>${t("proj_awarded")}</dt><dd data-testid="project-awarded">${money(p.awarded_fen)}</dd>
        <dt>${t("proj_period")}</dt><dd>${p.starts_on} – ${p.ends_on}</dd>
        <dt>${t("proj_beneficiaries_target")}</dt><dd>${p.beneficiaries_target}</dd>
        <dt>${t("proj_volunteers_planned")}</dt><dd>${p.volunteers_planned}</dd>
        <dt>${t("proj_lead_worker")}</dt><dd data-testid="project-lead-worker">${p.lead_worker ? p.lead_worker.display_name : t("none")}</dd>
        ${p.decision_reason ? html`<dt>${t("proj_decision_reason")}</dt><dd data-testid="decision-reason">${p.decision_reason}</dd>` : null}
      </dl>
      <div class="row">
        <button type="button" class="secondary" data-testid="report-link"
          onClick=${() => openFile(`/projects/${p.project_id}/report`).catch(res.setActionError)}>${t("proj_report")}</button>
        <button type="button" class="secondary" data-testid="project-export"
          onClick=${() => openFile(`/rounds/${p.round.round_id}/figures.xlsx`, `round-${p.round.round_id}.xlsx`).catch(res.setActionError)}>${t("export_xlsx")}</button>
        ${rights.run && p.status === "submitted" && phase === "apply"
          ? html`<a class="button" href=${`#/apply/${p.round.round_id}?edit=${p.project_id}`} data-testid="edit-application">${t("proj_edit_application")}</a>`
          : null}
        ${rights.run && p.status === "submitted" && !withdrawing
          ? html`<button type="button" class="secondary" data-testid="withdraw" onClick=${() => setWithdrawing(true)}>${t("proj_withdraw")}</button>`
          : null}
        ${withdrawing
          ? html`<span role="group" aria-label=${t("proj_withdraw")}>
              <button type="button" class="danger" data-testid="withdraw-confirm"
                onClick=${() => act("/withdraw", "POST", undefined, t("proj_withdrawn"), true).then(() => setWithdrawing(false))}>${t("proj_withdraw_confirm")}</button>
              <button type="button" class="secondary" onClick=${() => setWithdrawing(false)}>${t("cancel")}</button>
            </span>`
          : null}
      </div>
    </div>
    <${ProjError} error=${res.actionError} testid="project-error" />
    <${Notice} text=${res.notice} />
    <div class="grid2">
      <div>
        <section class="card">
          <h2>${t("proj_progress")}</h2>
          <${Progress} p=${p} />
          <h3>${t("proj_need")}</h3><p class="text">${p.need}</p>
          <h3>${t("proj_goals")}</h3><p class="text">${p.goals}</p>
          <h3>${t("proj_plan")}</h3><p class="text">${p.plan}</p>
          <h3>${t("proj_linked_topics")}</h3>
          <ul data-testid="project-topics">
            ${(p.topics || []).map(
              (tp) => html`<li key=${tp.topic_id}>
                ${me.communities && me.communities.length ? html`<a href=${`#/topic/${tp.topic_id}`}>#${tp.topic_id} ${tp.title}</a>` : html`#${tp.topic_id} ${tp.title}`}${" "}<span class="muted">${statusLabel(tp.status)} · ${t("proj_topic_members", { n: tp.member_count })}</span></li>`,
            )}
          </ul>
        </section>
        <${Budget} p=${p} />
        <${Milestones} p=${p} may=${rights.run && delivering} busy=${res.busy} act=${act} />
        <${Activities} p=${p} may=${rights.run && delivering} busy=${res.busy} act=${act} />
        <${Spending} p=${p} may=${rights.run && delivering} fund=${rights.fund} busy=${res.busy} act=${act} />
        <${Visits} p=${p} supervise=${rights.supervise && delivering} run=${rights.run} busy=${res.busy} act=${act} />
      </div>
      <div>
        ${rights.review || p.reviews.length || (rights.fund && phase === "review")
          ? html`<${Review} me=${me} p=${p} criteria=${round.data ? round.data.criteria : []} may=${rights.review && phase === "review"} busy=${res.busy} act=${act} />`
          : null}
        ${rights.fund && phase === "review" && p.status !== "withdrawn"
          ? html`<${Decision} p=${p} busy=${res.busy} act=${act} />`
          : null}
        ${rights.fund && funded ? html`<${Supervisors} me=${me} p=${p} busy=${res.busy} act=${act} />` : null}
        <${Evaluation} p=${p} may=${(rights.fund || rights.supervise) && funded && phase === "evaluate"} busy=${res.busy} act=${act} />
      </div>
    </div>
  </section>`;
}

function Progress({ p }) {
  const g = p.progress || {};
  return html`<div data-testid="progress" data-percent=${g.percent} data-spent=${g.spent_fen}>
    <label for="pg-milestones">${t("proj_progress_milestones", { done: g.milestones_done, all: g.milestones, pct: g.percent })}</label>
    <progress id="pg-milestones" max="100" value=${g.percent}>${g.percent}%</progress>
    <label for="pg-spent">${t("proj_progress_spent", { spent: money(g.spent_fen), pct: g.spent_percent })}</label>
    <progress id="pg-spent" max="100" value=${Math.min(100, g.spent_percent || 0)}>${g.spent_percent}%</progress>
    ${g.pending_fen ? html`<p class="muted">${t("proj_pending_total", { amount: money(g.pending_fen) })}</p>` : null}
  </div>`;
}

function Budget({ p }) {
  return html`<section class="card" data-testid="budget">
    <h2>${t("proj_budget")}</h2>
    <table class="cards-on-phone">
      <caption class="sr-only">${t("proj_budget")}</caption>
      <thead><tr><th scope="col">${t("proj_category")}</th><th scope="col">${t("proj_line_description")}</th>
        <th scope="col">${t("proj_amount")}</th><th scope="col">${t("proj_spent")}</th></tr></thead>
      <tbody>
        ${(p.budget_lines || []).map(
          (l) => html`<tr key=${l.line_id} data-testid="budget-row" data-line-id=${l.line_id}>
            <td data-label=${t("proj_category")}>${pick(l.category_label, l.category_label_en)}</td>
            <td data-label=${t("proj_line_description")}>${l.description}</td>
            <td data-label=${t("proj_amount")}>${money(l.amount_fen)}</td>
            <td data-label=${t("proj_spent")} data-testid="line-spent">${money(l.spent_fen)}</td></tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function Milestones({ p, may, busy, act }) {
  const [title, setTitle] = useState("");
  const [due, setDue] = useState("");
  const [notes, setNotes] = useState({});
  return html`<section class="card" data-testid="milestones">
    <h2>${t("proj_milestones")}</h2>
    ${!(p.milestones || []).length ? html`<p class="muted">${t("none")}</p>` : null}
    <ul class="plain">
      ${(p.milestones || []).map(
        (m) => html`<li key=${m.milestone_id} data-testid="milestone" data-done=${m.done_at ? "true" : "false"}>
          <strong>${m.title}</strong> <span class="muted">${t("proj_due", { date: m.due_on })}</span>
          ${m.done_at
            ? html` <span class="badge status-decided">${t("proj_done_at", { at: formatTime(m.done_at) })}</span>${m.done_note ? html` — ${m.done_note}` : null}`
            : may
              ? html`<form class="row" onSubmit=${(e) => {
                  e.preventDefault();
                  act(`/milestones/${m.milestone_id}/done`, "POST", { note: (notes[m.milestone_id] || "").trim() || null }, t("proj_milestone_reached"));
                }}>
                  <div><label for=${`ms-note-${m.milestone_id}`}>${t("proj_done_note")}${t("optional")}</label>
                    <input id=${`ms-note-${m.milestone_id}`} value=${notes[m.milestone_id] || ""}
                      onInput=${(e) => setNotes({ ...notes, [m.milestone_id]: e.target.value })} /></div>
                  <button type="submit" class="small" disabled=${busy} data-testid="milestone-done">${t("proj_mark_done")}</button>
                </form>`
              : null}
        </li>`,
      )}
    </ul>
    ${may
      ? html`<form class="row" data-testid="milestone-form" onSubmit=${async (e) => {
          e.preventDefault();
          if (await act("/milestones", "POST", { title: title.trim(), due_on: due }, t("saved"))) {
            setTitle("");
            setDue("");
          }
        }}>
          <div><label for="ms-title">${t("proj_milestone_title")}</label>
            <input id="ms-title" required minlength="2" maxlength="60" value=${title} onInput=${(e) => setTitle(e.target.value)} data-testid="milestone-title" /></div>
          <div><label for="ms-due">${t("proj_milestone_due")}</label>
            <input id="ms-due" type="date" required value=${due} onInput=${(e) => setDue(e.target.value)} data-testid="milestone-due" /></div>
          <button type="submit" disabled=${busy} data-testid="milestone-add">${t("proj_add_milestone")}</button>
        </form>`
      : null}
  </section>`;
}

function Activities({ p, may, busy, act }) {
  const empty = { held_on: todayInShanghai(), place: "", summary: "", participants: "", beneficiaries: "", volunteer_hours: "0" };
  const [f, setF] = useState(empty);
  const [files, setFiles] = useState([]);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  async function submit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    setError(null);
    let photo_ids = [];
    setUploading(true);
    try {
      photo_ids = await Promise.all(files.map(upload));
    } catch (err) {
      setError(err);
      return;
    } finally {
      setUploading(false);
    }
    const hours = Number(String(f.volunteer_hours).replace(/[，,]/g, "."));
    const body = {
      held_on: f.held_on,
      place: f.place.trim(),
      summary: f.summary.trim(),
      participants: Number(f.participants) || 0,
      beneficiaries: Number(f.beneficiaries) || 0,
      volunteer_hours: Number.isFinite(hours) ? Math.round(hours * 10) / 10 : 0,
      photo_ids,
    };
    if (await act("/activities", "POST", body, t("saved"))) {
      setF(empty);
      setFiles([]);
      form.querySelector('input[type="file"]').value = "";
    }
  }
  return html`<section class="card" data-testid="activities">
    <h2>${t("proj_activities")}</h2>
    ${!(p.activities || []).length ? html`<p class="muted">${t("none")}</p>` : null}
    ${(p.activities || []).map(
      (a) => html`<div class="panel" key=${a.activity_id} data-testid="activity">
        <p><strong>${a.held_on}</strong> · ${a.place}</p>
        <p class="text">${a.summary}</p>
        <p class="muted">${t("proj_activity_figures", { p: a.participants, b: a.beneficiaries, h: Number(a.volunteer_hours).toFixed(1) })}</p>
        <${Photos} ids=${a.photos} label=${`${a.held_on} ${a.place}`} />
      </div>`,
    )}
    ${may
      ? html`<form class="stack" data-testid="activity-form" onSubmit=${submit}>
          <h3>${t("proj_add_activity")}</h3>
          <div class="row">
            <div><label for="ac-date">${t("proj_held_on")}</label>
              <input id="ac-date" type="date" required max=${todayInShanghai()} value=${f.held_on} onInput=${set("held_on")} data-testid="activity-date" /></div>
            <div><label for="ac-place">${t("proj_place")}</label>
              <input id="ac-place" required maxlength="100" value=${f.place} onInput=${set("place")} data-testid="activity-place" /></div>
          </div>
          <label for="ac-summary">${t("proj_activity_summary")}</label>
          <textarea id="ac-summary" required minlength="2" value=${f.summary} onInput=${set("summary")} data-testid="activity-summary"></textarea>
          <div class="row">
            <div><label for="ac-part">${t("proj_participants")}</label>
              <input id="ac-part" type="number" required min="0" value=${f.participants} onInput=${set("participants")} data-testid="activity-participants" /></div>
            <div><label for="ac-benef">${t("proj_beneficiaries")}</label>
              <input id="ac-benef" type="number" required min="0" value=${f.beneficiaries} onInput=${set("beneficiaries")} data-testid="activity-beneficiaries" /></div>
            <div><label for="ac-hours">${t("proj_volunteer_hours")}</label>
              <input id="ac-hours" type="number" min="0" step="0.1" value=${f.volunteer_hours} onInput=${set("volunteer_hours")} data-testid="activity-hours" /></div>
          </div>
          <label for="ac-photos">${t("proj_photos")}${t("optional")}</label>
          <input id="ac-photos" type="file" accept="image/*" multiple aria-describedby="ac-photos-hint"
            onChange=${(e) => setFiles([...e.target.files].slice(0, 9))} data-testid="activity-photos" />
          <p class="muted" id="ac-photos-hint">${t("proj_photos_hint")}</p>
          <button type="submit" disabled=${busy || uploading} data-testid="activity-add">${t("proj_add_activity")}</button>
          <${ErrorBox} error=${error} />
        </form>`
      : null}
  </section>`;
}

function Spending({ p, may, fund, busy, act }) {
  const lines = p.budget_lines || [];
  const empty = { line_id: lines.length ? String(lines[0].line_id) : "", yuan: "", spent_on: todayInShanghai(), note: "" };
  const [f, setF] = useState(empty);
  const [receipt, setReceipt] = useState(null);
  const [error, setError] = useState(null);
  const [reasons, setReasons] = useState({});
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const lineName = (lid) => {
    const l = lines.find((x) => x.line_id === lid);
    return l ? `${pick(l.category_label, l.category_label_en)} · ${l.description}` : "";
  };
  async function submit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    setError(null);
    const fen = yuanToFen(f.yuan);
    if (!fen) return setError(new Error(t("proj_bad_amount", { value: f.yuan })));
    let receipt_upload_id = null;
    try {
      if (receipt) receipt_upload_id = await upload(receipt);
    } catch (err) {
      return setError(err);
    }
    const body = { line_id: Number(f.line_id), amount_fen: fen, spent_on: f.spent_on, note: f.note.trim(), receipt_upload_id };
    if (await act("/spending", "POST", body, t("saved"))) {
      setF(empty);
      setReceipt(null);
      form.querySelector('input[type="file"]').value = "";
    }
  }
  const decide = (s, approved) =>
    act(`/spending/${s.spending_id}/decision`, "POST", { approved, reason: (reasons[s.spending_id] || "").trim() }, t("saved"));
  return html`<section class="card" data-testid="spending">
    <h2>${t("proj_spending")}</h2>
    ${!(p.spending || []).length ? html`<p class="muted">${t("none")}</p>` : null}
    ${(p.spending || []).length
      ? html`<table class="cards-on-phone">
          <caption class="sr-only">${t("proj_spending")}</caption>
          <thead><tr><th scope="col">${t("proj_spent_on")}</th><th scope="col">${t("proj_line")}</th><th scope="col">${t("proj_amount")}</th>
            <th scope="col">${t("proj_note")}</th><th scope="col">${t("proj_state")}</th></tr></thead>
          <tbody>
            ${p.spending.map(
              (s) => html`<tr key=${s.spending_id} data-testid="spending-row" data-state=${s.state} data-spending-id=${s.spending_id}>
                <td data-label=${t("proj_spent_on")}>${s.spent_on}</td><td data-label=${t("proj_line")}>${lineName(s.line_id)}</td>
                <td data-label=${t("proj_amount")}>${money(s.amount_fen)}</td>
                <td data-label=${t("proj_note")}>${s.note}${s.receipt_upload_id ? html`<${Photos} ids=${[s.receipt_upload_id]} label=${t("proj_receipt")} />` : null}</td>
                <td data-label=${t("proj_state")}>
                  <span class=${`badge ${s.state === "pending" ? "status-in_progress" : s.state === "refused" ? "status-rejected" : "status-decided"}`}
                    data-testid="spending-state">${pick(s.state_label, s.state_label_en)}</span>
                  ${s.approval_reason ? html`<br /><span class="muted">${s.approval_reason}</span>` : null}
                  ${fund && s.state === "pending"
                    ? html`<form class="stack" data-testid="overspend-decision" onSubmit=${(e) => {
                        e.preventDefault();
                        decide(s, true);
                      }}>
                        <label for=${`sp-reason-${s.spending_id}`}>${t("proj_reason")}</label>
                        <input id=${`sp-reason-${s.spending_id}`} required minlength="2" value=${reasons[s.spending_id] || ""}
                          onInput=${(e) => setReasons({ ...reasons, [s.spending_id]: e.target.value })} data-testid="overspend-reason" />
                        <div class="row">
                          <button type="submit" class="small" disabled=${busy} data-testid="overspend-approve">${t("proj_approve")}</button>
                          <button type="button" class="small secondary" disabled=${busy || (reasons[s.spending_id] || "").trim().length < 2}
                            data-testid="overspend-refuse" onClick=${() => decide(s, false)}>${t("proj_refuse")}</button>
                        </div>
                      </form>`
                    : null}
                </td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : null}
    ${may
      ? html`<form class="stack" data-testid="spending-form" onSubmit=${submit}>
          <h3>${t("proj_add_spending")}</h3>
          <div class="row">
            <div><label for="sp-line">${t("proj_line")}</label>
              <select id="sp-line" required value=${f.line_id} onChange=${set("line_id")} data-testid="spending-line">
                ${lines.map((l) => html`<option key=${l.line_id} value=${l.line_id}>${lineName(l.line_id)}（${t("proj_left", { amount: money(l.amount_fen - l.spent_fen) })}）</option>`)}
              </select></div>
            <div><label for="sp-yuan">${t("proj_amount_yuan")}</label>
              <input id="sp-yuan" required inputmode="decimal" size="12" value=${f.yuan} onInput=${set("yuan")} data-testid="spending-yuan" /></div>
            <div><label for="sp-date">${t("proj_spent_on")}</label>
              <input id="sp-date" type="date" required max=${todayInShanghai()} value=${f.spent_on} onInput=${set("spent_on")} data-testid="spending-date" /></div>
          </div>
          <label for="sp-note">${t("proj_note")}</label>
          <input id="sp-note" required minlength="2" maxlength="200" value=${f.note} onInput=${set("note")} data-testid="spending-note" />
          <label for="sp-receipt">${t("proj_receipt")}${t("optional")}</label>
          <input id="sp-receipt" type="file" accept="image/*" onChange=${(e) => setReceipt(e.target.files[0] || null)} data-testid="spending-receipt" />
          <p class="muted">${t("proj_overspend_hint")}</p>
          <button type="submit" disabled=${busy} data-testid="spending-add">${t("proj_add_spending")}</button>
          <${ErrorBox} error=${error} />
        </form>`
      : null}
  </section>`;
}

function Visits({ p, supervise, run, busy, act }) {
  const empty = { visited_on: todayInShanghai(), stage: p.round.phase === "midterm" ? "midterm" : p.round.phase === "evaluate" ? "closing" : "start", findings: "", recommendations: "", follow_up: "" };
  const [f, setF] = useState(empty);
  const [answers, setAnswers] = useState({});
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<section class="card" data-testid="visits">
    <h2>${t("proj_visits")}</h2>
    <p class="muted" data-testid="supervisor-names">${t("proj_supervisors")}${t("colon")}${(p.supervisor_names || []).length
      ? p.supervisor_names.map((a) => a.display_name).join(t("list_sep")) : t("none")}</p>
    ${!(p.visits || []).length ? html`<p class="muted">${t("none")}</p>` : null}
    ${(p.visits || []).map(
      (v) => html`<div class="panel" key=${v.visit_id} data-testid="visit" data-visit-id=${v.visit_id}>
        <p><strong>${v.visited_on}</strong> · ${pick(v.stage_label, v.stage_label_en)} · ${v.supervisor_name}</p>
        <p><strong>${t("proj_findings")}${t("colon")}</strong>${v.findings}</p>
        <p><strong>${t("proj_recommendations")}${t("colon")}</strong>${v.recommendations}</p>
        ${v.follow_up ? html`<p><strong>${t("proj_follow_up")}${t("colon")}</strong>${v.follow_up}</p>` : null}
        ${v.response
          ? html`<p data-testid="visit-response"><strong>${t("proj_response")}${t("colon")}</strong>${v.response}</p>`
          : v.follow_up && run
            ? html`<form class="stack" data-testid="visit-response-form" onSubmit=${(e) => {
                e.preventDefault();
                act(`/visits/${v.visit_id}/response`, "POST", { response: (answers[v.visit_id] || "").trim() }, t("saved"));
              }}>
                <label for=${`vr-${v.visit_id}`}>${t("proj_response")}</label>
                <textarea id=${`vr-${v.visit_id}`} required minlength="2" value=${answers[v.visit_id] || ""}
                  onInput=${(e) => setAnswers({ ...answers, [v.visit_id]: e.target.value })} data-testid="visit-response-text"></textarea>
                <button type="submit" disabled=${busy} data-testid="visit-respond">${t("proj_respond")}</button>
              </form>`
            : null}
      </div>`,
    )}
    ${supervise
      ? html`<form class="stack" data-testid="visit-form" onSubmit=${async (e) => {
          e.preventDefault();
          const body = { ...f, findings: f.findings.trim(), recommendations: f.recommendations.trim(), follow_up: f.follow_up.trim() || null };
          if (await act("/visits", "POST", body, t("saved"))) setF(empty);
        }}>
          <h3>${t("proj_add_visit")}</h3>
          <div class="row">
            <div><label for="v-date">${t("proj_visited_on")}</label>
              <input id="v-date" type="date" required max=${todayInShanghai()} value=${f.visited_on} onInput=${set("visited_on")} data-testid="visit-date" /></div>
            <div><label for="v-stage">${t("proj_visit_stage")}</label>
              <select id="v-stage" value=${f.stage} onChange=${set("stage")} data-testid="visit-stage">
                ${catalogue("visit_stage").map((k) => html`<option key=${k} value=${k}>${codeLabel("visit_stage", k)}</option>`)}
              </select></div>
          </div>
          <label for="v-findings">${t("proj_findings")}</label>
          <textarea id="v-findings" required minlength="2" value=${f.findings} onInput=${set("findings")} data-testid="visit-findings"></textarea>
          <label for="v-recs">${t("proj_recommendations")}</label>
          <textarea id="v-recs" required minlength="2" value=${f.recommendations} onInput=${set("recommendations")} data-testid="visit-recommendations"></textarea>
          <label for="v-follow">${t("proj_follow_up")}${t("optional")}</label>
          <textarea id="v-follow" value=${f.follow_up} onInput=${set("follow_up")} data-testid="visit-follow-up"></textarea>
          <button type="submit" disabled=${busy} data-testid="visit-add">${t("proj_add_visit")}</button>
        </form>`
      : null}
  </section>`;
}

function Review({ me, p, criteria, may, busy, act }) {
  const own = (p.reviews || []).find((r) => r.reviewer_account_id === me.account_id);
  const ownScores = own ? JSON.parse(own.scores || "{}") : {};
  const [scores, setScores] = useState(() => Object.fromEntries(Object.entries(ownScores).map(([k, v]) => [k, String(v)])));
  const [comment, setComment] = useState(own ? own.comment || "" : "");
  const [conflict, setConflict] = useState(own ? own.conflict : false);
  const total = criteria.reduce((n, c) => n + (Number(scores[c.key]) || 0), 0);
  const others = (p.reviews || []).filter((r) => r !== own || !may);
  return html`<section class="card" data-testid="review">
    <h2>${t("proj_review")}</h2>
    ${others.length
      ? html`<table class="cards-on-phone">
          <caption class="sr-only">${t("proj_reviews")}</caption>
          <thead><tr><th scope="col">${t("proj_reviewer")}</th><th scope="col">${t("proj_total")}</th><th scope="col">${t("proj_comment")}</th></tr></thead>
          <tbody>
            ${others.map(
              (r) => html`<tr key=${r.reviewer_account_id} data-testid="review-row">
                <td data-label=${t("proj_reviewer")}>${r.reviewer_name}</td>
                <td data-label=${t("proj_total")}>${r.conflict ? t("proj_conflict_declared") : r.total}</td>
                <td data-label=${t("proj_comment")}>${r.comment || ""}</td></tr>`,
            )}
          </tbody>
        </table>`
      : html`<p class="muted">${t("proj_no_reviews")}</p>`}
    ${may
      ? html`<form class="stack" data-testid="review-form" onSubmit=${(e) => {
          e.preventDefault();
          const body = { comment: comment.trim() || null, conflict };
          body.scores = conflict ? {} : Object.fromEntries(criteria.map((c) => [c.key, Number(scores[c.key])]));
          act("/review", "PUT", body, t("proj_review_saved"));
        }}>
          <h3>${own ? t("proj_review_change") : t("proj_review_score")}</h3>
          <label><input type="checkbox" checked=${conflict} onChange=${(e) => setConflict(e.target.checked)} data-testid="review-conflict" />
            ${t("proj_declare_conflict")}</label>
          ${!conflict
            ? criteria.map(
                (c) => html`<div key=${c.key}>
                  <label for=${`sc-${c.key}`}>${pick(c.label_zh, c.label_en)}${t("lp")}0–${c.max}${t("rp")}</label>
                  <input id=${`sc-${c.key}`} type="number" required min="0" max=${c.max} value=${scores[c.key] ?? ""}
                    onInput=${(e) => setScores({ ...scores, [c.key]: e.target.value })} data-testid="review-score" data-key=${c.key} />
                </div>`,
              )
            : null}
          ${!conflict ? html`<p data-testid="review-total">${t("proj_total")}${t("colon")}${total}</p>` : null}
          <label for="rv-comment">${t("proj_comment")}${conflict ? "" : t("optional")}</label>
          <textarea id="rv-comment" required=${conflict} value=${comment} onInput=${(e) => setComment(e.target.value)} data-testid="review-comment"></textarea>
          <button type="submit" disabled=${busy} data-testid="review-submit">${t("proj_review_submit")}</button>
        </form>`
      : null}
  </section>`;
}

function Decision({ p, busy, act }) {
  const [approved, setApproved] = useState(p.status !== "rejected");
  const [yuan, setYuan] = useState(fenToInput(p.awarded_fen ?? p.requested_fen));
  const [reason, setReason] = useState(p.decision_reason || "");
  const [bad, setBad] = useState("");
  return html`<form class="card stack" data-testid="decision-form" onSubmit=${(e) => {
    e.preventDefault();
    setBad("");
    const body = { approved, reason: reason.trim() };
    if (approved) {
      const fen = yuanToFen(yuan);
      if (!fen) return setBad(t("proj_bad_amount", { value: yuan }));
      body.awarded_fen = fen;
    }
    act("/decision", "POST", body, t("proj_decided"), true);
  }}>
    <h2>${t("proj_decision")}</h2>
    <fieldset>
      <legend>${t("proj_decision")}</legend>
      <label><input type="radio" name="dec" checked=${approved} onChange=${() => setApproved(true)} data-testid="decision-approve" /> ${t("proj_approve_project")}</label>
      <label><input type="radio" name="dec" checked=${!approved} onChange=${() => setApproved(false)} data-testid="decision-reject" /> ${t("proj_reject_project")}</label>
    </fieldset>
    ${approved
      ? html`<label for="dec-yuan">${t("proj_award_yuan")}</label>
          <input id="dec-yuan" required inputmode="decimal" aria-describedby="dec-yuan-hint" value=${yuan} onInput=${(e) => setYuan(e.target.value)} data-testid="decision-yuan" />
          <p class="muted" id="dec-yuan-hint">${t("proj_award_hint", { amount: money(p.requested_fen) })}</p>`
      : null}
    <label for="dec-reason">${t("proj_reason")}</label>
    <textarea id="dec-reason" required minlength="2" value=${reason} onInput=${(e) => setReason(e.target.value)} data-testid="decision-reason-input"></textarea>
    <button type="submit" disabled=${busy} data-testid="decision-submit">${t("proj_record_decision")}</button>
    ${bad ? html`<div class="error" role="alert">${bad}</div>` : null}
  </form>`;
}

function Supervisors({ me, p, busy, act }) {
  const staff = useStaffOfRole(me, "supervisor");
  const [chosen, setChosen] = useState(new Set(p.supervisors || []));
  useEffect(() => setChosen(new Set(p.supervisors || [])), [(p.supervisors || []).join(",")]);
  return html`<form class="card" data-testid="supervisors" onSubmit=${(e) => {
    e.preventDefault();
    act("/supervisors", "PUT", { account_ids: [...chosen] }, t("saved"));
  }}>
    <h2>${t("proj_supervisors")}</h2>
    <${StaffChoice} legend=${t("proj_supervisors_choose")} empty=${t("proj_no_supervisors")} staff=${staff}
      chosen=${chosen} setChosen=${setChosen} testid="supervisor-choice" />
    <button type="submit" disabled=${busy} data-testid="supervisors-save">${t("proj_supervisors_save")}</button>
  </form>`;
}

function Evaluation({ p, may, busy, act }) {
  const e0 = p.evaluation;
  const [f, setF] = useState({
    finance_score: e0 ? String(e0.finance_score) : "",
    finance_notes: e0 ? e0.finance_notes : "",
    operation_score: e0 ? String(e0.operation_score) : "",
    operation_notes: e0 ? e0.operation_notes : "",
    results_score: e0 ? String(e0.results_score) : "",
    results_notes: e0 ? e0.results_notes : "",
    grade: e0 ? e0.grade : "good",
  });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const parts = ["finance", "operation", "results"];
  return html`<section class="card" data-testid="evaluation">
    <h2>${t("proj_evaluation")}</h2>
    ${e0
      ? html`<table data-testid="evaluation-result">
          <caption class="sr-only">${t("proj_evaluation")}</caption>
          <tbody>
            ${parts.map((k) => html`<tr key=${k}><th scope="row">${t(`proj_eval_${k}`)}</th><td>${e0[`${k}_score`]}</td><td class="text">${e0[`${k}_notes`]}</td></tr>`)}
            <tr><th scope="row">${t("proj_grade")}</th><td colspan="2" data-testid="evaluation-grade">${pick(e0.grade_label, e0.grade_label_en)}${t("lp")}${t("proj_overall", { n: e0.overall })}${t("rp")}</td></tr>
          </tbody>
        </table>`
      : html`<p class="muted">${t("proj_not_evaluated")}</p>`}
    ${may
      ? html`<form class="stack" data-testid="evaluation-form" onSubmit=${(e) => {
          e.preventDefault();
          const body = { grade: f.grade };
          for (const k of parts) {
            body[`${k}_score`] = Number(f[`${k}_score`]);
            body[`${k}_notes`] = f[`${k}_notes`].trim();
          }
          act("/evaluation", "PUT", body, t("saved"));
        }}>
          ${parts.map(
            (k) => html`<fieldset key=${k}>
              <legend>${t(`proj_eval_${k}`)}</legend>
              <label for=${`ev-${k}-score`}>${t("proj_score_0_100")}</label>
              <input id=${`ev-${k}-score`} type="number" required min="0" max="100" value=${f[`${k}_score`]} onInput=${set(`${k}_score`)} data-testid=${`eval-${k}-score`} />
              <label for=${`ev-${k}-notes`}>${t("proj_narrative")}</label>
              <textarea id=${`ev-${k}-notes`} required minlength="2" value=${f[`${k}_notes`]} onInput=${set(`${k}_notes`)} data-testid=${`eval-${k}-notes`}></textarea>
            </fieldset>`,
          )}
          <label for="ev-grade">${t("proj_grade")}</label>
          <select id="ev-grade" value=${f.grade} onChange=${set("grade")} data-testid="eval-grade">
            ${catalogue("grade").map((k) => html`<option key=${k} value=${k}>${codeLabel("grade", k)}</option>`)}
          </select>
          <button type="submit" disabled=${busy} data-testid="eval-submit">${t("proj_save_evaluation")}</button>
        </form>`
      : null}
  </section>`;
}

// --- figures --------------------------------------------------------------------------------------

function figureValue(row) {
  if (row.unit === "fen") return money(row.value);
  if (row.unit === "hours") return t("hours", { n: Number(row.value).toFixed(1) });
  return String(row.value);
}

function FigureTable({ figures, caption, testid }) {
  if (!figures) return null;
  return html`<div data-testid=${testid}>
    <table class="data-table">
      <caption>${caption}</caption>
      <thead><tr><th scope="col">${t("proj_figure")}</th><th scope="col">${t("proj_value")}</th></tr></thead>
      <tbody>
        ${(figures.rows || []).map(
          (r) => html`<tr key=${r.key} data-testid="figure-row" data-key=${r.key} data-value=${r.value}>
            <th scope="row">${pick(r.label, r.label_en)}</th><td>${figureValue(r)}</td></tr>`,
        )}
      </tbody>
    </table>
    ${(figures.organisations_by_stage || []).length
      ? html`<table class="data-table">
          <caption>${t("proj_orgs_by_stage")}</caption>
          <thead><tr><th scope="col">${t("proj_org_stage")}</th><th scope="col">${t("proj_count")}</th></tr></thead>
          <tbody>
            ${figures.organisations_by_stage.map((s) => html`<tr key=${s.stage}><th scope="row">${pick(s.label, s.label_en)}</th><td>${s.count}</td></tr>`)}
          </tbody>
        </table>`
      : null}
  </div>`;
}

export function ProjectFigures({ me, query }) {
  const rounds = useResource("/rounds");
  const list = items(rounds.data);
  const [roundId, setRoundId] = useState(query && query.round ? String(query.round) : "");
  const chosen = roundId || (list.length ? String(list[0].round_id) : "");
  const roundFigures = useResource(chosen ? `/rounds/${chosen}/figures` : null);
  const hall = ["worker", "admin", "volunteer"].includes(me.role);
  const streets = useLoad(() => (me.role === "admin" && me.admin_district_id ? api("/admin/streets").then(items) : Promise.resolve([])), [me.role]);
  const [street, setStreet] = useState("");
  const area = useResource(hall ? "/project-figures" : null, { query: { street_id: street || undefined } });
  const [error, setError] = useState(null);
  usePage(t("proj_figures"));
  return html`<div>
    <${SubNav} me=${me} current="pfigures" />
    <div class="grid-half">
      <section class="card" data-testid="round-figures">
        <h1>${t("proj_figures")}</h1>
        <h2>${t("proj_round_figures")}</h2>
        <${ErrorBox} error=${rounds.error || roundFigures.error} />
        ${rounds.data && !list.length ? html`<p class="muted">${t("proj_no_rounds")}</p>` : null}
        ${list.length
          ? html`<div class="row">
              <div><label for="fg-round">${t("proj_round")}</label>
                <select id="fg-round" value=${chosen} onChange=${(e) => setRoundId(e.target.value)} data-testid="figures-round">
                  ${list.map((r) => html`<option key=${r.round_id} value=${r.round_id}>${r.name}</option>`)}
                </select></div>
              <button type="button" class="secondary" data-testid="round-export"
                onClick=${() => openFile(`/rounds/${chosen}/figures.xlsx`, `round-${chosen}.xlsx`).catch(setError)}>${t("export_xlsx")}</button>
            </div>`
          : null}
        <${FigureTable} figures=${roundFigures.data} caption=${t("proj_round_figures")} testid="round-figure-table" />
      </section>
      ${hall
        ? html`<section class="card" data-testid="area-figures">
            <h2>${t("proj_area_figures")}</h2>
            <${ErrorBox} error=${area.error} />
            <div class="row">
              ${(streets.data || []).length
                ? html`<div><label for="fg-street">${t("street")}</label>
                    <select id="fg-street" value=${street} onChange=${(e) => setStreet(e.target.value)} data-testid="figures-street">
                      <option value="">${me.admin_district_id ? t("proj_whole_district") : t("proj_whole_area")}</option>
                      ${streets.data.map((s) => html`<option key=${s.street_id} value=${s.street_id}>${s.name}</option>`)}
                    </select></div>`
                : null}
              <button type="button" class="secondary" data-testid="area-export"
                onClick=${() => openFile(`/project-figures.xlsx${street ? `?street_id=${street}` : ""}`, "project-figures.xlsx").catch(setError)}>${t("export_xlsx")}</button>
            </div>
            <${FigureTable} figures=${area.data} caption=${t("proj_area_figures")} testid="area-figure-table" />
          </section>`
        : null}
    </div>
    <${ErrorBox} error=${error} />
  </div>`;
}
