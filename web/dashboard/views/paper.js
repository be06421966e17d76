// Paper forms: batches, keyboard-first entry (Enter = next field; Enter on the last field saves
// and starts the next form with the next serial), missing serials, close, CSV/XLSX import.
import { html, useState, useEffect, useRef, ErrorBox, Notice, Loading, todayInShanghai, usePage, focusEl } from "../ui.js";
import { request, items, errorText } from "../api.js";
import { useResource } from "../resource.js";
import { t, pick } from "../i18n.js";
import { useBuildings } from "./inbox.js";

const KINDS = ["suggestion_box", "door_to_door", "event", "other"];

export function BatchList({ communityId }) {
  const list = useResource("/paper-batches", { query: { community_id: communityId } });
  usePage(t("paper_title"));
  return html`<div class="grid2">
    <section class="card" data-testid="batch-list">
      <h1>${t("paper_title")}</h1>
      <${ErrorBox} error=${list.error} />
      ${list.loading && !list.data ? html`<${Loading} />` : null}
      <table class="cards-on-phone">
        <caption class="sr-only">${t("batches")}</caption>
        <thead><tr><th scope="col">${t("collection_point")}</th><th scope="col">${t("collection_kind")}</th>
          <th scope="col">${t("collected_on")}</th><th scope="col">${t("sheet_count")}</th><th scope="col">${t("batch_state")}</th></tr></thead>
        <tbody>
          ${items(list.data).map(
            (b) => html`<tr key=${b.paper_batch_id} class="clickable" data-testid="batch-row"
              onClick=${() => (location.hash = `#/batch/${b.paper_batch_id}`)}>
              <td data-label=${t("collection_point")}><a href=${`#/batch/${b.paper_batch_id}`}>#${b.paper_batch_id} ${b.collection_point}</a></td>
              <td data-label=${t("collection_kind")}>${t(`kind_${b.collection_kind}`)}</td>
              <td data-label=${t("collected_on")}>${b.collected_on}</td>
              <td data-label=${t("sheet_count")}>${b.sheet_count}</td>
              <td data-label=${t("batch_state")}>${b.status === "open" ? t("batch_open") : t("batch_closed")}</td>
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
  const [editing, setEditing] = useState(null);

  const data = batch.data;
  const head = data && (data.batch || data);
  usePage(head ? `#${head.paper_batch_id} ${head.collection_point}` : null);
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
        <h2 id="entries-heading" tabindex="-1">${t("entries")} (${entries.length})</h2>
        ${open && entries.some((e) => e.contact_visible)
          ? html`<p class="muted" data-testid="contacts-visible-hint">${t("contacts_visible_hint")}</p>`
          : null}
        <div class="table-wrap">
          <table data-testid="entries" class="cards-on-phone">
            <caption class="sr-only">${t("entries")}</caption>
            <thead><tr><th scope="col">${t("serial")}</th><th scope="col">${t("entry_text")}</th><th scope="col">${t("entry_building")}</th>
              <th scope="col">${t("resident_name")}</th><th scope="col">${t("resident_phone")}</th>
              ${open ? html`<th scope="col">${t("actions")}</th>` : null}</tr></thead>
            <tbody>
              ${[...entries].sort((x, y) => Number(x.serial) - Number(y.serial)).map((e) =>
                editing === e.id
                  ? html`<${CorrectEntry} key=${e.id} batchId=${id} entry=${e} buildings=${buildings}
                      onCancel=${() => {
                        setEditing(null);
                        setTimeout(() => focusEl(document.querySelector(`[data-testid="entry-edit"][data-entry-id="${e.id}"]`)), 0);
                      }}
                      onSaved=${async () => {
                        setEditing(null);
                        setNotice(t("entry_corrected", { serial: e.serial }));
                        await batch.reload();
                        setTimeout(() => focusEl(document.querySelector(`[data-testid="entry-edit"][data-entry-id="${e.id}"]`)), 0);
                      }} />`
                  : html`<tr key=${e.id} data-testid="entry-row" data-serial=${e.serial}>
                      <td data-label=${t("serial")}>${e.serial}</td><td data-label=${t("entry_text")} class="text title-cell">${e.text}</td>
                      <td data-label=${t("entry_building")}>${(buildings.find((x) => x.building_id === e.building_id) || {}).name || e.place || ""}</td>
                      <td data-label=${t("resident_name")} data-testid="entry-name">${e.name || ""}</td>
                      <td data-label=${t("resident_phone")} data-testid="entry-phone">${e.phone || ""}</td>
                      ${open
                        ? html`<td data-label=${t("actions")}><button class="small secondary" data-testid="entry-edit" data-entry-id=${e.id}
                            aria-label=${t("correct_entry", { serial: e.serial })} onClick=${() => setEditing(e.id)}>${t("correct")}</button></td>`
                        : null}
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
          (e, i) => html`<li key=${i} class="field-error">${t("import_row", { row: e.row, serial: e.serial || "—" })}${t("colon")}${pick(e.reason, e.reason_en)}</li>`,
        )}</ul>`
      : null}
    ${(report.ignored_columns || []).length
      ? html`<p class="muted">${t("import_ignored")}${t("colon")}${report.ignored_columns.join(t("list_sep"))}</p>`
      : null}
  </div>`;
}

// Enter moves along these; the optional category after them is reached with Tab (Enter in it
// saves too), so a volunteer's rhythm of five Enters per form stays.
const FIELDS = ["serial", "text", "building", "name", "phone"];
const EMPTY_ENTRY = { serial: "", text: "", building: "", name: "", phone: "", category: "" };

/** The serial to propose: the first missing one, else the one after the highest entered. */
function proposedSerial(entries, missing) {
  if (missing.length) return String(missing[0]);
  return nextSerial(entries.reduce((m, e) => Math.max(m, Number(e.serial) || 0), 0)) || "1";
}

/** A building typed by name ("3号楼", "3") or id. */
function findBuilding(buildings, typed) {
  const wanted = typed.trim();
  return buildings.find((b) => b.name === wanted || String(b.building_id) === wanted || b.name === `${wanted}号楼`);
}

function EntryForm({ batchId, buildings, entries, missing, onSaved }) {
  const [form, setForm] = useState({ ...EMPTY_ENTRY, serial: proposedSerial(entries, missing) });
  const [fieldErrors, setFieldErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // Whether the volunteer typed the serial themselves (then it is theirs to keep).
  const typedSerial = useRef(false);
  const refs = { serial: useRef(), text: useRef(), building: useRef(), name: useRef(), phone: useRef(), category: useRef() };

  useEffect(() => focus("serial"), []);
  // Entries came in from elsewhere (an import, another volunteer): a proposed serial that is
  // now taken is replaced by the next free one.
  const taken = entries.map((e) => String(e.serial).trim());
  useEffect(() => {
    setForm((f) => {
      if (!taken.includes(f.serial.trim())) return f;
      // Not the volunteer's own serial any more: the next free one after it, else the first gap.
      const after = nextSerial(f.serial);
      const proposal = after && !taken.includes(after) && !typedSerial.current ? after : proposedSerial(entries, missing);
      typedSerial.current = false;
      return { ...f, serial: proposal };
    });
  }, [taken.join(","), missing.join(",")]);

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
      const match = findBuilding(buildings, form.building);
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
    if (form.category.trim()) body.category = form.category.trim();
    setBusy(true);
    try {
      await request(`/paper-batches/${batchId}/entries`, { method: "POST", body });
      const saved = form.serial.trim();
      typedSerial.current = false;
      const next = nextSerial(saved);
      setForm({ ...EMPTY_ENTRY, serial: next && !taken.includes(next) ? next : proposedSerial([...entries, { serial: saved }], missing.filter((m) => String(m) !== saved)) });
      onSaved(saved);
      // Next form: the serial is filled in, the cursor waits in the text field.
      setTimeout(() => focus("text"), 0);
    } catch (e) {
      const p = (e && e.problem) || {};
      const errs2 = {};
      if (p.code === "duplicate_serial") errs2.serial = errorText(e);
      for (const fe of p.errors || []) {
        const key = { resident_name: "name", resident_phone: "phone", building_id: "building" }[fe.field] || fe.field;
        if ([...FIELDS, "category"].includes(key)) errs2[key] = pick(fe.message, fe.message_en);
      }
      if (Object.keys(errs2).length) {
        setFieldErrors(errs2);
        focus([...FIELDS, "category"].find((f) => errs2[f]));
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
      if (i >= 0 && i < FIELDS.length - 1) focus(FIELDS[i + 1]);
      else if (!busy) save();
    };
  }

  const field = (name, label, extra = {}) => html`
    <label for=${`entry-${name}`}>${label}</label>
    <input id=${`entry-${name}`} ref=${refs[name]} value=${form[name]} autocomplete="off" data-testid=${`entry-${name}`}
      aria-invalid=${fieldErrors[name] ? "true" : "false"}
      aria-describedby=${fieldErrors[name] ? `entry-${name}-error` : null}
      onInput=${(e) => {
        if (name === "serial") typedSerial.current = true;
        setForm((f) => ({ ...f, [name]: e.target.value }));
      }} onKeyDown=${onKeyDown(name)} ...${extra} />
    ${fieldErrors[name] ? html`<div class="field-error" role="alert" id=${`entry-${name}-error`} data-testid=${`entry-${name}-error`}>${fieldErrors[name]}</div>` : null}`;

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
      ${field("category", t("category") + t("optional"))}
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
    <label for="import-file">${t("import_choose")}</label>
    <input type="file" id="import-file" aria-describedby="import-hint"
      accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      onChange=${(e) => setFile(e.target.files[0] || null)} />
    <p class="muted" id="import-hint">${t("import_hint")}</p>
    <button type="submit" disabled=${busy || !file}>${t("import_upload")}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

/** Correct a typed-in entry in place (text, building, name, phone, with a reason). */
function CorrectEntry({ batchId, entry, buildings, onCancel, onSaved }) {
  const [text, setText] = useState(entry.text || "");
  const [building, setBuilding] = useState(entry.building_id ? String(entry.building_id) : "");
  const [name, setName] = useState(entry.contact_visible ? entry.name || "" : "");
  const [phone, setPhone] = useState(entry.contact_visible ? entry.phone || "" : "");
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const first = useRef(null);
  useEffect(() => focusEl(first.current), []);
  const p = `c-${entry.id}`;
  async function save(e) {
    e.preventDefault();
    const body = {};
    if (text.trim() !== (entry.text || "")) body.text = text.trim();
    if (building && Number(building) !== entry.building_id) body.building_id = Number(building);
    if (name.trim() && (!entry.contact_visible || name.trim() !== entry.name)) body.name = name.trim();
    if (phone.trim() && (!entry.contact_visible || phone.trim() !== entry.phone)) body.phone = phone.trim();
    if (!Object.keys(body).length) return onCancel();
    if (reason.trim()) body.reason = reason.trim();
    setBusy(true);
    setError(null);
    try {
      await request(`/paper-batches/${batchId}/entries/${entry.id}`, { method: "PATCH", body });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<tr data-testid="entry-correct" data-serial=${entry.serial}>
    <td colspan="6">
      <form class="stack" onSubmit=${save} aria-label=${t("correct_entry", { serial: entry.serial })}
        onKeyDown=${(e) => e.key === "Escape" && onCancel()}>
        <strong>${t("correct_entry", { serial: entry.serial })}</strong>
        <label for=${`${p}-text`}>${t("entry_text")}</label>
        <textarea id=${`${p}-text`} ref=${first} value=${text} onInput=${(e) => setText(e.target.value)} data-testid="correct-text"></textarea>
        <label for=${`${p}-building`}>${t("entry_building")}</label>
        <select id=${`${p}-building`} value=${building} onChange=${(e) => setBuilding(e.target.value)}>
          <option value="">—</option>
          ${buildings.map((b) => html`<option key=${b.building_id} value=${b.building_id}>${b.name}</option>`)}
        </select>
        <label for=${`${p}-name`}>${t("resident_name")}</label>
        <input id=${`${p}-name`} value=${name} placeholder=${entry.contact_visible ? "" : entry.name || ""} onInput=${(e) => setName(e.target.value)} />
        <label for=${`${p}-phone`}>${t("resident_phone")}</label>
        <input id=${`${p}-phone`} inputmode="tel" value=${phone} placeholder=${entry.contact_visible ? "" : entry.phone || ""}
          onInput=${(e) => setPhone(e.target.value)} data-testid="correct-phone" />
        <label for=${`${p}-reason`}>${t("correct_reason")}${t("optional")}</label>
        <input id=${`${p}-reason`} value=${reason} onInput=${(e) => setReason(e.target.value)} data-testid="correct-reason" />
        <div class="row">
          <button type="submit" disabled=${busy} data-testid="correct-save">${t("save")}</button>
          <button type="button" class="secondary" onClick=${onCancel}>${t("cancel")}</button>
        </div>
        <${ErrorBox} error=${error} />
      </form>
    </td>
  </tr>`;
}
