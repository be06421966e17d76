// Paper forms: batches, keyboard-first entry (Enter = next field; Enter on the last field saves
// and starts the next form with the next serial), missing serials, close, CSV/XLSX import.
import { html, useState, useEffect, useRef, useCallback, ErrorBox, Notice, Loading, todayInShanghai } from "../ui.js";
import { request, items, errorText } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";
import { useBuildings } from "./inbox.js";

const KINDS = ["suggestion_box", "door_to_door", "event", "other"];

export function BatchList({ communityId }) {
  const list = useResource("/paper-batches", { query: { community_id: communityId } });
  return html`<div class="grid2">
    <section class="card" data-testid="batch-list">
      <h1>${t("paper_title")}</h1>
      <${ErrorBox} error=${list.error} />
      ${list.loading && !list.data ? html`<${Loading} />` : null}
      <table>
        <tbody>
          ${items(list.data).map(
            (b) => html`<tr key=${b.paper_batch_id} class="clickable" data-testid="batch-row"
              onClick=${() => (location.hash = `#/batch/${b.paper_batch_id}`)}>
              <td><a href=${`#/batch/${b.paper_batch_id}`}>#${b.paper_batch_id} ${b.collection_point}</a></td>
              <td>${t(`kind_${b.collection_kind}`)}</td>
              <td>${b.collected_on}</td>
              <td>${t("sheet_count")} ${b.sheet_count}</td>
              <td>${b.status === "open" ? t("batch_open") : t("batch_closed")}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <${NewBatch} communityId=${communityId} />
  </div>`;
}

function NewBatch({ communityId }) {
  const [form, setForm] = useState({ collection_kind: "suggestion_box", collection_point: "", collected_on: todayInShanghai(), sheet_count: "", note: "" });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        community_id: communityId,
        collection_kind: form.collection_kind,
        collection_point: form.collection_point,
        collected_on: form.collected_on,
        sheet_count: Number(form.sheet_count) || 0,
      };
      if (form.note.trim()) body.note = form.note.trim();
      const { data } = await request("/paper-batches", { method: "POST", body });
      location.hash = `#/batch/${data.id ?? data.paper_batch_id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="card stack" onSubmit=${submit} data-testid="batch-form">
    <h2>${t("batch_new")}</h2>
    <label for="b-kind">${t("collection_kind")}</label>
    <select id="b-kind" value=${form.collection_kind} onChange=${set("collection_kind")}>
      ${KINDS.map((k) => html`<option key=${k} value=${k}>${t(`kind_${k}`)}</option>`)}
    </select>
    <label for="b-point">${t("collection_point")}</label>
    <input id="b-point" required value=${form.collection_point} onInput=${set("collection_point")} data-testid="batch-point" />
    <label for="b-date">${t("collected_on")}</label>
    <input id="b-date" type="date" required value=${form.collected_on} onInput=${set("collected_on")} />
    <label for="b-count">${t("sheet_count")}</label>
    <input id="b-count" type="number" min="0" required value=${form.sheet_count} onInput=${set("sheet_count")} data-testid="batch-sheets" />
    <label for="b-note">${t("note")}${t("optional")}</label>
    <input id="b-note" value=${form.note} onInput=${set("note")} />
    <button type="submit" disabled=${busy} data-testid="batch-create">${t("batch_create")}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

/** The next serial after `serial` (numbers increment; other serials are left for the volunteer). */
function nextSerial(serial) {
  const n = Number(String(serial).trim());
  return Number.isInteger(n) ? String(n + 1) : "";
}

export function BatchPage({ id, communityId }) {
  const batch = useResource(`/paper-batches/${id}`);
  const buildings = useBuildings(communityId);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const [closing, setClosing] = useState(false);
  const [report, setReport] = useState(null);

  const data = batch.data;
  if (batch.error && !data) return html`<section class="card"><${ErrorBox} error=${batch.error} /></section>`;
  if (!data) return html`<section class="card"><${Loading} /></section>`;
  const b = data.batch || data;
  const entries = data.entries || [];
  const missing = data.missing_serials || [];
  const open = b.status === "open";

  async function close() {
    setError(null);
    try {
      await request(`/paper-batches/${id}/close`, { method: "POST" });
      setClosing(false);
      await batch.reload();
    } catch (e) {
      setError(e);
    }
  }

  return html`<section data-testid="batch-page" data-batch-id=${id}>
    <p><a href="#/paper">${t("back_to_batches")}</a></p>
    <div class="card">
      <h1>#${b.paper_batch_id} ${b.collection_point}</h1>
      <p>${t(`kind_${b.collection_kind}`)} · ${b.collected_on} ·
        <span data-testid="batch-progress">${t("batch_entered", { n: entries.length, total: b.sheet_count })}</span> ·
        <span data-testid="batch-status">${open ? t("batch_open") : t("batch_closed")}</span></p>
      <div data-testid="missing">
        <strong>${t("missing_serials")}${t("colon")}</strong>
        ${missing.length
          ? html`<span class="serials" data-testid="missing-serials">${missing.map((s) => html`<span key=${s} data-serial=${s}>${s}</span>`)}</span>`
          : html`<span class="muted" data-testid="missing-none">${t("missing_none")}</span>`}
      </div>
      ${open
        ? html`<div class="row" style="margin-top: 8px">
            ${closing
              ? html`<span>${t("close_batch_confirm")}</span>
                  <button onClick=${close} data-testid="close-confirm">${t("confirm")}</button>
                  <button class="secondary" onClick=${() => setClosing(false)}>${t("cancel")}</button>`
              : html`<button class="secondary" onClick=${() => setClosing(true)} data-testid="close-batch">${t("close_batch")}</button>`}
          </div>`
        : null}
      <${ErrorBox} error=${error} />
      <${Notice} text=${notice} />
    </div>
    <div class="grid2">
      <div class="card">
        <h2>${t("entries")} (${entries.length})</h2>
        <div class="table-wrap">
          <table data-testid="entries">
            <thead><tr><th>${t("serial")}</th><th>${t("entry_text")}</th><th>${t("entry_building")}</th><th>${t("resident_name")}</th><th>${t("resident_phone")}</th></tr></thead>
            <tbody>
              ${[...entries].sort((x, y) => Number(x.serial) - Number(y.serial)).map(
                (e) => html`<tr key=${e.id} data-testid="entry-row" data-serial=${e.serial}>
                  <td>${e.serial}</td><td class="text">${e.text}</td>
                  <td>${(buildings.find((x) => x.building_id === e.building_id) || {}).name || ""}</td><td>${e.name || ""}</td><td>${e.phone || ""}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </div>
      <div>
        ${open
          ? html`<${EntryForm} batchId=${id} buildings=${buildings} entries=${entries} missing=${missing}
              onSaved=${(serial) => {
                setNotice(t("entry_saved", { serial }));
                batch.reload();
              }} />
              <${ImportForm} batchId=${id} onDone=${(r) => {
                setReport(r);
                setNotice(t("import_done"));
                batch.reload();
              }} />
              <${ImportReport} report=${report} />`
          : null}
      </div>
    </div>
  </section>`;
}

/** The import report: rows read, accepted, already there, and each refused row with its reason. */
function ImportReport({ report }) {
  if (!report) return null;
  const errors = report.errors || [];
  return html`<div class="panel" data-testid="import-report">
    <p>${t("import_summary", {
      total: report.rows_total ?? 0,
      accepted: report.accepted ?? 0,
      already: report.already_imported ?? 0,
      errors: errors.length,
    })}</p>
    ${errors.length
      ? html`<ul>${errors.map(
          (e, i) => html`<li key=${i} class="field-error">${t("import_row", { row: e.row, serial: e.serial || "—" })}${t("colon")}${e.reason}</li>`,
        )}</ul>`
      : null}
    ${(report.ignored_columns || []).length
      ? html`<p class="muted">${t("import_ignored")}${t("colon")}${report.ignored_columns.join(t("list_sep"))}</p>`
      : null}
  </div>`;
}

const FIELDS = ["serial", "text", "building", "name", "phone"];
const EMPTY_ENTRY = { serial: "", text: "", building: "", name: "", phone: "" };

function EntryForm({ batchId, buildings, entries, missing, onSaved }) {
  const first = missing.length ? String(missing[0]) : nextSerial(entries.reduce((m, e) => Math.max(m, Number(e.serial) || 0), 0));
  const [form, setForm] = useState({ ...EMPTY_ENTRY, serial: first || "1" });
  const [fieldErrors, setFieldErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const refs = { serial: useRef(), text: useRef(), building: useRef(), name: useRef(), phone: useRef() };

  useEffect(() => focus("serial"), []);

  function focus(name) {
    const el = refs[name].current;
    if (el) {
      el.focus();
      if (el.select) el.select();
    }
  }

  async function save() {
    setError(null);
    setFieldErrors({});
    const errs = {};
    let buildingId;
    if (form.building.trim()) {
      const wanted = form.building.trim();
      const match = buildings.find((b) => b.name === wanted || String(b.building_id) === wanted || b.name === `${wanted}号楼`);
      if (!match) errs.building = t("unknown_building");
      else buildingId = match.building_id;
    }
    if (Object.keys(errs).length) {
      setFieldErrors(errs);
      focus(Object.keys(errs)[0]);
      return;
    }
    const body = { serial: form.serial.trim(), text: form.text.trim() };
    if (buildingId) body.building_id = buildingId;
    if (form.name.trim()) {
      body.name = form.name.trim();
      body.resident_name = body.name;
    }
    if (form.phone.trim()) {
      body.phone = form.phone.trim();
      body.resident_phone = body.phone;
    }
    setBusy(true);
    try {
      await request(`/paper-batches/${batchId}/entries`, { method: "POST", body });
      const saved = form.serial.trim();
      setForm({ ...EMPTY_ENTRY, serial: nextSerial(saved) });
      onSaved(saved);
      // Next form: the serial is filled in, the cursor waits in the text field.
      setTimeout(() => focus("text"), 0);
    } catch (e) {
      const p = (e && e.problem) || {};
      const errs2 = {};
      if (p.code === "duplicate_serial") errs2.serial = errorText(e);
      for (const fe of p.errors || []) {
        const key = { resident_name: "name", resident_phone: "phone", building_id: "building" }[fe.field] || fe.field;
        if (FIELDS.includes(key)) errs2[key] = fe.message;
      }
      if (Object.keys(errs2).length) {
        setFieldErrors(errs2);
        focus(FIELDS.find((f) => errs2[f]));
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(name) {
    return (e) => {
      if (e.key !== "Enter" || e.isComposing || e.shiftKey) return;
      e.preventDefault();
      const i = FIELDS.indexOf(name);
      if (i < FIELDS.length - 1) focus(FIELDS[i + 1]);
      else if (!busy) save();
    };
  }

  const field = (name, label, extra = {}) => html`
    <label for=${`entry-${name}`}>${label}</label>
    <input id=${`entry-${name}`} ref=${refs[name]} value=${form[name]} autocomplete="off" data-testid=${`entry-${name}`}
      aria-invalid=${fieldErrors[name] ? "true" : "false"}
      onInput=${(e) => setForm((f) => ({ ...f, [name]: e.target.value }))} onKeyDown=${onKeyDown(name)} ...${extra} />
    ${fieldErrors[name] ? html`<div class="field-error" role="alert" data-testid=${`entry-${name}-error`}>${fieldErrors[name]}</div>` : null}`;

  return html`<div class="card">
    <h2>${t("entry_form")}</h2>
    <form class="entry-form" data-testid="entry-form" onSubmit=${(e) => {
      e.preventDefault();
      save();
    }}>
      ${field("serial", t("serial"), { inputmode: "numeric", size: 6 })}
      ${field("text", t("entry_text"))}
      ${field("building", t("entry_building") + t("optional"), { list: "building-names" })}
      ${field("name", t("resident_name") + t("optional"))}
      ${field("phone", t("resident_phone") + t("optional"), { inputmode: "tel" })}
      <span></span>
      <button type="submit" disabled=${busy} data-testid="entry-save">${t("save")}</button>
    </form>
    <datalist id="building-names">${buildings.map((b) => html`<option key=${b.building_id} value=${b.name} />`)}</datalist>
    <${ErrorBox} error=${error} testid="entry-error" />
  </div>`;
}

function ImportForm({ batchId, onDone }) {
  const [file, setFile] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  return html`<form class="card stack" data-testid="import-form" onSubmit=${async (e) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const form = new FormData();
      form.append("file", file);
      const { data } = await request(`/paper-batches/${batchId}/import`, { method: "POST", form });
      onDone(data);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }}>
    <h3>${t("import_file")}</h3>
    <input type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      onChange=${(e) => setFile(e.target.files[0] || null)} />
    <button type="submit" disabled=${busy || !file}>${t("import_upload")}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}
