// Personal data (PIPL): the access log — who saw which resident's unmasked phone or name, when
// and why — for admins of the area, and erasing a paper-form resident's data at their request
// (workers and admins of the community).
import { html, useState, useEffect, ErrorBox, Notice, Loading } from "../ui.js";
import { api, request, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, getLang, formatTime } from "../i18n.js";

function AccessLog({ me }) {
  const [community, setCommunity] = useState("");
  const list = useResource("/access-log", { query: { community_id: community, limit: 50 } });
  // Older pages, fetched with the cursor of the page before.
  const [more, setMore] = useState({ rows: [], cursor: undefined, busy: false, error: null });
  useEffect(() => setMore({ rows: [], cursor: undefined, busy: false, error: null }), [list.data]);
  const cursor = more.cursor !== undefined ? more.cursor : list.data && list.data.next_cursor;
  const rows = [...items(list.data), ...more.rows];
  const en = getLang() === "en";
  async function next() {
    setMore((m) => ({ ...m, busy: true, error: null }));
    try {
      const data = await api("/access-log", { query: { community_id: community, limit: 50, cursor } });
      setMore((m) => ({ rows: [...m.rows, ...data.items], cursor: data.next_cursor, busy: false, error: null }));
    } catch (error) {
      setMore((m) => ({ ...m, busy: false, error }));
    }
  }
  return html`<section class="card" data-testid="access-log">
    <h1>${t("access_log_title")}</h1>
    <p class="muted">${t("access_log_hint")}</p>
    <label for="access-community">${t("community")}</label>
    <select id="access-community" value=${community} onChange=${(e) => setCommunity(e.target.value)}>
      <option value="">${t("status_all")}</option>
      ${(me.communities || []).map((c) => html`<option key=${c.community_id} value=${c.community_id}>${c.name}</option>`)}
    </select>
    <${ErrorBox} error=${list.error || more.error} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data && !rows.length ? html`<p class="muted" data-testid="no-access">${t("access_log_empty")}</p>` : null}
    ${rows.length
      ? html`<div class="table-wrap"><table>
          <caption class="sr-only">${t("access_log_title")}</caption>
          <thead><tr>
            <th scope="col">${t("access_at")}</th><th scope="col">${t("access_staff")}</th>
            <th scope="col">${t("access_whose")}</th><th scope="col">${t("access_fields")}</th>
            <th scope="col">${t("access_why")}</th><th scope="col">${t("community")}</th>
          </tr></thead>
          <tbody>
            ${rows.map((r) => html`<tr key=${r.id} data-testid="access-row">
              <td class="nowrap">${formatTime(r.at)}</td>
              <td>${r.staff_name} <span class="muted">${t(`role_${r.staff_role}`)}</span></td>
              <td>${r.subject_name || t("access_erased")} <span class="muted">${t(`access_subject_${r.subject_kind}`)}</span></td>
              <td>${en ? r.fields.map((f) => t(`access_field_${f}`)).join(", ") : r.fields_label}</td>
              <td>${en ? r.purpose_label_en : r.purpose_label}${r.reason ? html`<div class="muted">${r.reason}</div>` : null}</td>
              <td>${r.community_name}</td>
            </tr>`)}
          </tbody></table></div>`
      : null}
    ${cursor ? html`<button class="ghost" data-testid="access-more" disabled=${more.busy} onClick=${next}>${t("load_more")}</button>` : null}
  </section>`;
}

function PersonErasure({ communityId }) {
  const [phone, setPhone] = useState("");
  const [entry, setEntry] = useState("");
  const [reason, setReason] = useState("");
  const [sure, setSure] = useState(false);
  // Nothing to load: the resource only runs the change and shows its busy state, error and notice.
  const action = useResource(null);
  async function submit(e) {
    e.preventDefault();
    const body = { reason };
    if (phone.trim()) body.phone = phone.trim();
    if (entry.trim()) body.suggestion_id = Number(entry.trim());
    const r = await action.act(() => request(`/communities/${communityId}/person-erasures`, { method: "POST", body }), { reload: false });
    if (r) {
      const s = r.data.summary;
      action.setNotice(t("erase_person_done", { persons: s.paper_persons_erased, kept: s.suggestions_kept_anonymous }));
      setPhone(""); setEntry(""); setReason(""); setSure(false);
    }
  }
  return html`<section class="card" data-testid="person-erasure">
    <h2>${t("erase_person_title")}</h2>
    <p class="muted">${t("erase_person_hint")}</p>
    <form onSubmit=${submit}>
      <label for="erase-phone">${t("erase_person_phone")}</label>
      <input id="erase-phone" inputmode="numeric" autocomplete="off" value=${phone} onInput=${(e) => setPhone(e.target.value)} />
      <label for="erase-entry">${t("erase_person_entry")}</label>
      <input id="erase-entry" inputmode="numeric" autocomplete="off" value=${entry} onInput=${(e) => setEntry(e.target.value)} />
      <label for="erase-reason">${t("erase_person_reason")}</label>
      <input id="erase-reason" required maxlength="200" value=${reason} onInput=${(e) => setReason(e.target.value)} />
      <label class="check"><input type="checkbox" id="erase-sure" checked=${sure} onChange=${(e) => setSure(e.target.checked)} /> ${t("erase_person_sure")}</label>
      <button type="submit" class="danger" data-testid="erase-person" disabled=${!sure || action.busy}>${t("erase_person_submit")}</button>
      <${ErrorBox} error=${action.actionError} />
      <${Notice} text=${action.notice} />
    </form>
  </section>`;
}

export function Privacy({ me, communityId }) {
  return html`<div data-testid="privacy">
    ${me.role === "admin" ? html`<${AccessLog} me=${me} />` : null}
    ${communityId ? html`<${PersonErasure} communityId=${communityId} />` : null}
  </div>`;
}
