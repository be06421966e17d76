// Administration (admins only): communities, buildings, staff accounts.
import { html, useState, ErrorBox, Notice, Loading } from "../ui.js";
import { api, request, items } from "../api.js";
import { useLoad, useResource } from "../resource.js";
import { t } from "../i18n.js";

export function Admin({ me, communityId }) {
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const communities = useLoad(() => api("/admin/communities").catch((e) => (e.status === 403 ? { items: me.communities || [] } : Promise.reject(e))), []);
  const staff = useResource("/admin/staff");
  const queue = useResource("/admin/queue");

  async function run(fn, after) {
    setError(null);
    setNotice("");
    try {
      await fn();
      setNotice(t("saved"));
      if (after) after();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  }

  if (me.role !== "admin") return html`<section class="card"><p>403</p></section>`;
  const communityList = items(communities.data);
  const nameOf = (id) => (communityList.find((c) => c.community_id === id) || {}).name || `#${id}`;

  return html`<section data-testid="admin">
    <h1>${t("admin_title")}</h1>
    ${queue.data
      ? html`<p data-testid="queue-backlog" class=${queue.data.status === "degraded" ? "error" : "muted"}>
          ${queue.data.status === "degraded" ? t("queue_backlog_degraded") : ""}${t("queue_backlog", {
            seconds: queue.data.oldest_unprocessed_seconds,
            outbox: queue.data.outbox_pending,
          })}
        </p>`
      : null}
    <${ErrorBox} error=${error} />
    <${Notice} text=${notice} />
    <div class="grid-half">
      <${Communities} list=${communityList} loading=${communities.loading} error=${communities.error}
        onCreate=${(body) => run(() => request("/admin/communities", { method: "POST", body }), communities.reload)}
        onPremoderate=${(c, premoderate) =>
          run(() => request(`/communities/${c.community_id}/settings`, { method: "PATCH", body: { premoderate } }), communities.reload)} />
      ${communityId ? html`<${Buildings} communityId=${communityId} run=${run} />` : null}
    </div>
    <${Staff} me=${me} list=${items(staff.data)} error=${staff.error} communities=${communityList} nameOf=${nameOf} run=${run} reload=${staff.reload} />
  </section>`;
}

function Communities({ list, loading, error, onCreate, onPremoderate }) {
  const [streetId, setStreetId] = useState("");
  const [name, setName] = useState("");
  return html`<div class="card">
    <h2>${t("communities")}</h2>
    <${ErrorBox} error=${error} />
    ${loading && !list.length ? html`<${Loading} />` : null}
    <table>
      <tbody>
        ${list.map(
          (c) => html`<tr key=${c.community_id}>
            <td>#${c.community_id}</td><td>${c.name}</td><td class="muted">${c.street_name || ""}</td>
            <td><label><input type="checkbox" checked=${!!c.premoderate} onChange=${(e) => onPremoderate(c, e.target.checked)} /> ${t("premoderate")}</label></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      if (await onCreate({ street_id: Number(streetId), name: name.trim() })) setName("");
    }}>
      <div><label for="c-street">${t("street_id")}</label>
        <input id="c-street" type="number" required size="4" value=${streetId}
          placeholder=${list[0] ? String(list[0].street_id) : ""} onInput=${(e) => setStreetId(e.target.value)} /></div>
      <div><label for="c-name">${t("community_name")}</label>
        <input id="c-name" required value=${name} onInput=${(e) => setName(e.target.value)} /></div>
      <button type="submit">${t("add_community")}</button>
    </form>
  </div>`;
}

function Buildings({ communityId, run }) {
  const list = useResource(`/communities/${communityId}/buildings`);
  const [name, setName] = useState("");
  return html`<div class="card" data-testid="admin-buildings">
    <h2>${t("buildings")}</h2>
    <${ErrorBox} error=${list.error} />
    <p>${items(list.data).map((b) => html`<span key=${b.building_id} class="kw">${b.name}</span>`)}</p>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      if (await run(() => request(`/communities/${communityId}/buildings`, { method: "POST", body: { name: name.trim() } }), list.reload)) setName("");
    }}>
      <div><label for="bd-name">${t("building_name")}</label>
        <input id="bd-name" required value=${name} onInput=${(e) => setName(e.target.value)} /></div>
      <button type="submit">${t("add_building")}</button>
    </form>
  </div>`;
}

function Staff({ me, list, error, communities, nameOf, run, reload }) {
  const [form, setForm] = useState({ username: "", password: "", display_name: "", role: "worker", community_ids: [] });
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  return html`<div class="card" data-testid="admin-staff">
    <h2>${t("staff")}</h2>
    <${ErrorBox} error=${error} />
    <div class="table-wrap">
      <table>
        <thead><tr><th>#</th><th>${t("username")}</th><th>${t("display_name")}</th><th>${t("role")}</th><th>${t("communities")}</th><th>${t("actions")}</th></tr></thead>
        <tbody>
          ${list.map((s) => html`<${StaffRow} key=${s.account_id} s=${s} self=${s.account_id === me.account_id} communities=${communities} nameOf=${nameOf} run=${run} reload=${reload} />`)}
        </tbody>
      </table>
    </div>
    <h3>${t("add_staff")}</h3>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      if (await run(() => request("/admin/staff", { method: "POST", body: form }), reload)) {
        setForm({ username: "", password: "", display_name: "", role: "worker", community_ids: [] });
      }
    }}>
      <div><label for="st-user">${t("username")}</label><input id="st-user" required value=${form.username} onInput=${set("username")} /></div>
      <div><label for="st-pass">${t("password")}</label><input id="st-pass" type="password" required autocomplete="new-password" value=${form.password} onInput=${set("password")} /></div>
      <div><label for="st-name">${t("display_name")}</label><input id="st-name" required value=${form.display_name} onInput=${set("display_name")} /></div>
      <div><label for="st-role">${t("role")}</label>
        <select id="st-role" value=${form.role} onChange=${set("role")}>
          ${["worker", "volunteer", "admin"].map((r) => html`<option key=${r} value=${r}>${t(`role_${r}`)}</option>`)}
        </select></div>
      <div>
        <span>${t("communities")}</span>
        ${communities.map((c) => html`<label key=${c.community_id}><input type="checkbox" checked=${form.community_ids.includes(c.community_id)}
          onChange=${(e) => setForm({
            ...form,
            community_ids: e.target.checked ? [...form.community_ids, c.community_id] : form.community_ids.filter((x) => x !== c.community_id),
          })} /> ${c.name}</label>`)}
      </div>
      <button type="submit">${t("add_staff")}</button>
    </form>
  </div>`;
}

function StaffRow({ s, self, communities, nameOf, run, reload }) {
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState("");
  const [assign, setAssign] = useState("");
  const others = communities.filter((c) => !(s.communities || []).includes(c.community_id));
  return html`<tr data-testid="staff-row" data-account-id=${s.account_id}>
    <td>${s.account_id}</td><td>${s.username}</td><td>${s.display_name}</td><td>${t(`role_${s.role}`)}
      ${s.disabled ? html` <span class="badge">${t("disabled")}</span>` : null}</td>
    <td>${(s.communities || []).map((c) => html`<span key=${c} class="kw">${nameOf(c)}
      <button class="small link-button" onClick=${() => run(() => request(`/admin/staff/${s.account_id}/communities/${c}`, { method: "DELETE" }), reload)}>${t("unassign")}</button></span>`)}
      ${others.length
        ? html`<form class="row" onSubmit=${(e) => {
            e.preventDefault();
            if (assign) run(() => request(`/admin/staff/${s.account_id}/communities/${assign}`, { method: "PUT" }), reload);
          }}>
            <select value=${assign} onChange=${(e) => setAssign(e.target.value)} aria-label=${t("assign")}>
              <option value="">—</option>
              ${others.map((c) => html`<option key=${c.community_id} value=${c.community_id}>${c.name}</option>`)}
            </select>
            <button class="small" type="submit">${t("assign")}</button>
          </form>`
        : null}
    </td>
    <td>
      ${self
        ? null
        : s.disabled
        ? html`<button class="small" onClick=${() => run(() => request(`/admin/staff/${s.account_id}/enable`, { method: "POST" }), reload)}>${t("enable")}</button>`
        : html`<button class="small secondary" onClick=${() => run(() => request(`/admin/staff/${s.account_id}/disable`, { method: "POST", body: {} }), reload)}>${t("disable")}</button>`}
      ${resetting
        ? html`<form class="row" onSubmit=${async (e) => {
            e.preventDefault();
            if (await run(() => request(`/admin/staff/${s.account_id}/reset-password`, { method: "POST", body: { password } }))) {
              setResetting(false);
              setPassword("");
            }
          }}>
            <input type="password" required autocomplete="new-password" placeholder=${t("new_password")} aria-label=${t("new_password")}
              value=${password} onInput=${(e) => setPassword(e.target.value)} />
            <button class="small" type="submit">${t("save")}</button>
          </form>`
        : html` <button class="small secondary" onClick=${() => setResetting(true)}>${t("reset_password")}</button>`}
    </td>
  </tr>`;
}
