// Assist mode at a desk: a volunteer (or worker) types in a suggestion for a resident beside
// them, with the resident's consent (recorded with the suggestion). The client id is made once
// per form, so pressing "submit" again after a network failure never posts it twice.
import { html, useState, useRef, ErrorBox, Notice, usePage, focusEl } from "../ui.js";
import { request } from "../api.js";
import { t } from "../i18n.js";
import { useBuildings } from "./inbox.js";

function newClientId() {
  return crypto.randomUUID();
}

const EMPTY = { name: "", phone: "", text: "", building_id: "", consent: false };

export function Assist({ communityId }) {
  const buildings = useBuildings(communityId);
  const [form, setForm] = useState(EMPTY);
  const [clientId, setClientId] = useState(newClientId);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const first = useRef(null);
  usePage(t("assist_title"));
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value });

  async function submit(e) {
    e.preventDefault();
    setError(null);
    setNotice("");
    setBusy(true);
    try {
      const onBehalf = { consent: form.consent };
      if (form.name.trim()) onBehalf.name = form.name.trim();
      if (form.phone.trim()) onBehalf.phone = form.phone.trim();
      const body = { client_id: clientId, text: form.text.trim(), on_behalf: onBehalf, community_id: communityId, channel: "h5" };
      if (form.building_id) body.building_id = Number(form.building_id);
      const { data } = await request("/suggestions", { method: "POST", body });
      setNotice(t("assist_done", { id: data.id }));
      setForm(EMPTY);
      setClientId(newClientId());
      focusEl(first.current);
    } catch (err) {
      // The same client id is kept: submitting again is safe.
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="card narrow-wide" data-testid="assist">
    <h1>${t("assist_title")}</h1>
    <p class="muted">${t("assist_hint")}</p>
    <form class="stack" onSubmit=${submit} data-testid="assist-form">
      <label for="as-name">${t("assist_name")}${t("optional")}</label>
      <input id="as-name" ref=${first} value=${form.name} onInput=${set("name")} autocomplete="off" data-testid="assist-name" />
      <label for="as-phone">${t("assist_phone")}${t("optional")}</label>
      <input id="as-phone" inputmode="tel" value=${form.phone} onInput=${set("phone")} autocomplete="off"
        aria-describedby="as-phone-hint" data-testid="assist-phone" />
      <p class="muted" id="as-phone-hint">${t("assist_phone_hint")}</p>
      <label for="as-text">${t("assist_text")}</label>
      <textarea id="as-text" required minlength="5" value=${form.text} onInput=${set("text")} data-testid="assist-text"></textarea>
      <label for="as-building">${t("entry_building")}${t("optional")}</label>
      <select id="as-building" value=${form.building_id} onChange=${set("building_id")}>
        <option value="">—</option>
        ${buildings.map((b) => html`<option key=${b.building_id} value=${b.building_id}>${b.name}</option>`)}
      </select>
      <label class="inline"><input type="checkbox" checked=${form.consent} onChange=${set("consent")} data-testid="assist-consent" />
        ${t("assist_consent")}</label>
      <button type="submit" disabled=${busy} data-testid="assist-submit">${t("assist_submit")}</button>
      <${ErrorBox} error=${error} testid="assist-error" />
      <${Notice} text=${notice} testid="assist-done" />
    </form>
  </section>`;
}
