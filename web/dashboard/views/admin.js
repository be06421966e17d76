// Administration (admins only): communities, buildings, staff accounts.
import { html, useState, useEffect, ErrorBox, Notice, Loading, usePage } from "../ui.js";
import { api, request, items } from "../api.js";
import { useLoad, useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

export function Admin({ me, communityId }) {
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const communities = useLoad(() => api("/admin/communities").catch((e) => (e.status === 403 ? { items: me.communities || [] } : Promise.reject(e))), []);
  const staff = useResource("/admin/staff");
  const streets = useLoad(() => api("/admin/streets").then(items), []);
  usePage(t("admin_title"));
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
      <${Communities} list=${communityList} loading=${communities.loading} error=${communities.error} streets=${streets.data || []}
        onCreate=${(body) => run(() => request("/admin/communities", { method: "POST", body }), communities.reload)}
        onPremoderate=${(c, premoderate) =>
          run(() => request(`/communities/${c.community_id}/settings`, { method: "PATCH", body: { premoderate } }), communities.reload)} />
      ${communityList.length ? html`<${Buildings} communities=${communityList} initial=${communityId} run=${run} />` : null}
    </div>
    <${ModerationWords} me=${me} communities=${communityList} initial=${communityId} />
    <${Staff} me=${me} list=${items(staff.data)} error=${staff.error} communities=${communityList} nameOf=${nameOf} run=${run} reload=${staff.reload} />
  </section>`;
}

function Communities({ list, loading, error, streets, onCreate, onPremoderate }) {
  const [streetId, setStreetId] = useState("");
  const [name, setName] = useState("");
  const street = streetId || (streets.length === 1 ? String(streets[0].street_id) : "");
  return html`<div class="card">
    <h2>${t("communities")}</h2>
    <${ErrorBox} error=${error} />
    ${loading && !list.length ? html`<${Loading} />` : null}
    <table class="cards-on-phone">
      <caption class="sr-only">${t("communities")}</caption>
      <thead><tr><th scope="col">${t("community_name")}</th><th scope="col">${t("street")}</th><th scope="col">${t("premoderate")}</th></tr></thead>
      <tbody>
        ${list.map(
          (c) => html`<tr key=${c.community_id} data-testid="community-row">
            <td data-label=${t("community_name")}>${c.name}</td><td data-label=${t("street")} class="muted">${c.street_name || ""}</td>
            <td data-label=${t("premoderate")}><label><input type="checkbox" checked=${!!c.premoderate} onChange=${(e) => onPremoderate(c, e.target.checked)} />
              ${t("premoderate_of", { name: c.name })}</label></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h3>${t("add_community")}</h3>
    <form class="row" data-testid="community-form" onSubmit=${async (e) => {
      e.preventDefault();
      if (await onCreate({ street_id: Number(street), name: name.trim() })) setName("");
    }}>
      <div><label for="c-street">${t("street")}</label>
        <select id="c-street" required value=${street} onChange=${(e) => setStreetId(e.target.value)} data-testid="community-street">
          ${streets.length === 1 ? null : html`<option value="">${t("choose_street")}</option>`}
          ${streets.map((s) => html`<option key=${s.street_id} value=${s.street_id}>${s.name}</option>`)}
        </select></div>
      <div><label for="c-name">${t("community_name")}</label>
        <input id="c-name" required value=${name} onInput=${(e) => setName(e.target.value)} data-testid="community-name" /></div>
      <button type="submit">${t("add_community")}</button>
    </form>
  </div>`;
}

/** The buildings of the chosen community (the panel says which). */
function Buildings({ communities, initial, run }) {
  const [chosen, setChosen] = useState(String(initial || communities[0].community_id));
  const community = communities.find((c) => String(c.community_id) === chosen) || communities[0];
  const list = useResource(`/communities/${community.community_id}/buildings`);
  const [name, setName] = useState("");
  return html`<div class="card" data-testid="admin-buildings">
    <h2 data-testid="buildings-heading">${t("buildings_of", { name: community.name })}</h2>
    ${communities.length > 1
      ? html`<label for="bd-community">${t("community")}</label>
          <select id="bd-community" value=${chosen} onChange=${(e) => setChosen(e.target.value)} data-testid="buildings-community">
            ${communities.map((c) => html`<option key=${c.community_id} value=${c.community_id}>${c.name}</option>`)}
          </select>`
      : null}
    <${ErrorBox} error=${list.error} />
    <p>${items(list.data).map((b) => html`<span key=${b.building_id} class="kw">${b.name}</span>`)}
      ${list.data && !items(list.data).length ? html`<span class="muted">${t("no_buildings")}</span>` : null}</p>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      if (await run(() => request(`/communities/${community.community_id}/buildings`, { method: "POST", body: { name: name.trim() } }), list.reload)) setName("");
    }}>
      <div><label for="bd-name">${t("building_name_in", { name: community.name })}</label>
        <input id="bd-name" required value=${name} onInput=${(e) => setName(e.target.value)} /></div>
      <button type="submit">${t("add_building")}</button>
    </form>
  </div>`;
}

/** One moderation word list: words one per line, saved with the version read. */
function WordList({ path, title, canEdit, testid }) {
  const res = useResource(path);
  const [text, setText] = useState("");
  const v = res.data;
  useEffect(() => {
    if (v) setText((v.words || []).join("\n"));
  }, [v && v.version]);
  const id = `${testid}-words`;
  return html`<div class="panel" data-testid=${testid}>
    <h3>${title}</h3>
    <${ErrorBox} error=${res.error || res.actionError} />
    <${Notice} text=${res.notice} />
    ${res.conflict ? html`<div class="conflict" role="alert">${t("words_conflict")} <button onClick=${res.reload}>${t("reload")}</button></div>` : null}
    ${v
      ? html`<form class="stack" onSubmit=${(e) => {
          e.preventDefault();
          const words = text.split(/[\n,，、]/).map((w) => w.trim()).filter(Boolean);
          res.act((ifMatch) => request(path, { method: "PUT", body: { words }, ifMatch: ifMatch || `"${v.version}"` }));
        }}>
          <label for=${id}>${t("words_label")}</label>
          <textarea id=${id} rows="5" value=${text} readonly=${!canEdit} aria-describedby=${`${id}-hint`}
            onInput=${(e) => setText(e.target.value)} data-testid=${`${testid}-text`}></textarea>
          <p class="muted" id=${`${id}-hint`}>${t("words_hint")}
            ${v.updated_at ? ` ${t("words_updated", { when: formatTime(v.updated_at), who: v.updated_by || "" })}` : ""}</p>
          ${canEdit ? html`<button type="submit" disabled=${res.busy} data-testid=${`${testid}-save`}>${t("save")}</button>` : null}
        </form>`
      : html`<${Loading} />`}
  </div>`;
}

function ModerationWords({ me, communities, initial }) {
  const [chosen, setChosen] = useState(String(initial || (communities[0] && communities[0].community_id) || ""));
  const community = communities.find((c) => String(c.community_id) === chosen) || communities[0];
  const district = communities[0] && communities[0].district_id;
  return html`<div class="card" data-testid="moderation-words">
    <h2>${t("words_title")}</h2>
    <p class="muted">${t("words_intro")}</p>
    <div class="grid-half">
      ${community
        ? html`<div>
            ${communities.length > 1
              ? html`<label for="mw-community">${t("community")}</label>
                  <select id="mw-community" value=${chosen} onChange=${(e) => setChosen(e.target.value)}>
                    ${communities.map((c) => html`<option key=${c.community_id} value=${c.community_id}>${c.name}</option>`)}
                  </select>`
              : null}
            <${WordList} key=${community.community_id} path=${`/communities/${community.community_id}/moderation-words`}
              title=${t("words_of_community", { name: community.name })} canEdit=${true} testid="words-community" />
          </div>`
        : null}
      ${district
        ? html`<${WordList} path=${`/districts/${district}/moderation-words`} title=${t("words_of_district")}
            canEdit=${!!me.admin_district_id} testid="words-district" />`
        : null}
    </div>
  </div>`;
}

const PROJECT_ROLES = ["reviewer", "supervisor", "org_lead"];

function Staff({ me, list, error, communities, nameOf, run, reload }) {
  const empty = { username: "", password: "", display_name: "", role: "worker", community_ids: [], street_id: "" };
  const [form, setForm] = useState(empty);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  // Street admins are created by district admins for one of the district's streets; workers and
  // volunteers for communities. The server refuses anything wider than the caller's authority.
  const streets = [...new Map(communities.map((c) => [c.street_id, c.street_name || `#${c.street_id}`])).entries()];
  const body = () => {
    const { street_id, community_ids, ...rest } = form;
    if (form.role === "admin") return { ...rest, street_id: Number(street_id) };
    // Reviewers, supervisors and organisation leads are assigned to rounds and projects.
    return PROJECT_ROLES.includes(form.role) ? rest : { ...rest, community_ids };
  };
  return html`<div class="card" data-testid="admin-staff">
    <h2>${t("staff")}</h2>
    <${ErrorBox} error=${error} />
    <div class="table-wrap">
      <table>
        <caption class="sr-only">${t("staff")}</caption>
        <thead><tr><th>#</th><th>${t("username")}</th><th>${t("display_name")}</th><th>${t("role")}</th><th>${t("communities")}</th><th>${t("actions")}</th></tr></thead>
        <tbody>
          ${list.map((s) => html`<${StaffRow} key=${s.account_id} s=${s} self=${s.account_id === me.account_id} communities=${communities} nameOf=${nameOf} run=${run} reload=${reload} />`)}
        </tbody>
      </table>
    </div>
    <h3>${t("add_staff")}</h3>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      if (await run(() => request("/admin/staff", { method: "POST", body: body() }), reload)) {
        setForm(empty);
      }
    }}>
      <div><label for="st-user">${t("username")}</label><input id="st-user" required value=${form.username} onInput=${set("username")} /></div>
      <div><label for="st-pass">${t("password")}</label><input id="st-pass" type="password" required minlength="10" maxlength="128"
        autocomplete="new-password" aria-describedby="st-pass-rule" value=${form.password} onInput=${set("password")} />
        <span class="muted small-text" id="st-pass-rule">${t("password_rule")}</span></div>
      <div><label for="st-name">${t("display_name")}</label><input id="st-name" required value=${form.display_name} onInput=${set("display_name")} /></div>
      <div><label for="st-role">${t("role")}</label>
        <select id="st-role" value=${form.role} onChange=${set("role")}>
          ${(me.admin_district_id ? ["worker", "volunteer", "admin", ...PROJECT_ROLES] : ["worker", "volunteer", ...PROJECT_ROLES]).map((r) => html`<option key=${r} value=${r}>${t(`role_${r}`)}</option>`)}
        </select></div>
      ${form.role === "admin"
        ? html`<div><label for="st-street">${t("admin_street")}</label>
            <select id="st-street" required value=${form.street_id} onChange=${set("street_id")}>
              <option value="">—</option>
              ${streets.map(([id, name]) => html`<option key=${id} value=${id}>${name}</option>`)}
            </select></div>`
        : PROJECT_ROLES.includes(form.role)
        ? null
        : html`<div>
            <span>${t("communities")}</span>
            ${communities.map((c) => html`<label key=${c.community_id}><input type="checkbox" checked=${form.community_ids.includes(c.community_id)}
              onChange=${(e) => setForm({
                ...form,
                community_ids: e.target.checked ? [...form.community_ids, c.community_id] : form.community_ids.filter((x) => x !== c.community_id),
              })} /> ${c.name}</label>`)}
          </div>`}
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
      ${s.role === "admin" && s.admin_street_id
        ? html`<span class="kw">${(communities.find((c) => c.street_id === s.admin_street_id) || {}).street_name || `#${s.admin_street_id}`}</span>`
        : null}
      ${others.length && s.role !== "admin"
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
      ${self
        ? null
        : resetting
        ? html`<form class="row" onSubmit=${async (e) => {
            e.preventDefault();
            if (await run(() => request(`/admin/staff/${s.account_id}/reset-password`, { method: "POST", body: { password } }))) {
              setResetting(false);
              setPassword("");
            }
          }}>
            <input type="password" required minlength="10" maxlength="128" autocomplete="new-password" placeholder=${t("new_password")}
              aria-label=${`${t("new_password")}${t("lp")}${t("password_rule")}${t("rp")}`} value=${password} onInput=${(e) => setPassword(e.target.value)} />
            <button class="small" type="submit">${t("save")}</button>
          </form>`
        : html` <button class="small secondary" onClick=${() => setResetting(true)}>${t("reset_password")}</button>`}
    </td>
  </tr>`;
}
