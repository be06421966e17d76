// The community's own synonyms for grouping: what workers' corrections propose (a suggestion
// moved or merged into a topic named its problem in a word the engine did not know) and what
// workers accepted or rejected. Accepted ones apply to every suggestion grouped from now on.
import { html, useState, ErrorBox, Notice, Loading, usePage } from "../ui.js";
import { request, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

export function Synonyms({ communityId }) {
  const list = useResource(`/communities/${communityId}/synonyms`);
  usePage(t("syn_title"));
  const all = items(list.data);
  const proposed = all.filter((s) => s.status === "proposed");
  const decided = all.filter((s) => s.status !== "proposed");

  const decide = (s, accepted) =>
    list.act(
      () => request(`/communities/${communityId}/synonyms`, {
        method: "POST",
        body: { surface: s.surface, canonical: s.canonical, accepted },
      }),
      { done: t(accepted ? "syn_accepted_notice" : "syn_rejected_notice", { surface: s.surface, canonical: s.canonical }) },
    );
  const remove = (s) =>
    list.act(
      () => request(`/communities/${communityId}/synonyms/${s.synonym_id}`, { method: "DELETE" }),
      { done: t("syn_removed_notice", { surface: s.surface }) },
    );

  return html`<div data-testid="synonyms" data-ready=${list.data ? "true" : "false"}>
    <${ErrorBox} error=${list.actionError} />
    <${Notice} text=${list.notice} />
    <section class="card">
      <h1>${t("syn_title")}</h1>
      <p class="muted">${t("syn_intro")}</p>
      <${ErrorBox} error=${list.error} />
      ${list.loading && !list.data ? html`<${Loading} />` : null}
      <h2>${t("syn_proposed")}</h2>
      ${list.data && !proposed.length ? html`<p class="muted" data-testid="syn-none">${t("syn_none")}</p>` : null}
      ${proposed.length ? html`<table class="cards-on-phone">
        <caption class="sr-only">${t("syn_proposed")}</caption>
        <thead><tr><th scope="col">${t("syn_surface")}</th><th scope="col">${t("syn_canonical")}</th>
          <th scope="col">${t("syn_evidence")}</th><th scope="col">${t("syn_examples")}</th><th scope="col">${t("actions")}</th></tr></thead>
        <tbody>
          ${proposed.map(
            (s) => html`<tr key=${s.surface} data-testid="syn-proposal" data-surface=${s.surface}>
              <td data-label=${t("syn_surface")}><strong>${s.surface}</strong></td>
              <td data-label=${t("syn_canonical")}>${s.canonical}</td>
              <td data-label=${t("syn_evidence")}>${t("syn_evidence_n", { n: s.evidence })}</td>
              <td data-label=${t("syn_examples")}>${s.examples.map(
                (e) => html`<div key=${e.suggestion_id}>${e.topic_id
                  ? html`<a href=${`#/topic/${e.topic_id}`}>#${e.topic_id} ${e.topic_title || ""}</a>`
                  : html`<span class="muted">${t("syn_example_suggestion", { id: e.suggestion_id })}</span>`}</div>`,
              )}</td>
              <td data-label=${t("actions")}>
                <button class="small" disabled=${list.busy} data-testid="syn-accept"
                  aria-label=${t("syn_accept_label", { surface: s.surface, canonical: s.canonical })}
                  onClick=${() => decide(s, true)}>${t("syn_accept")}</button>
                ${" "}<button class="small secondary" disabled=${list.busy} data-testid="syn-reject"
                  aria-label=${t("syn_reject_label", { surface: s.surface, canonical: s.canonical })}
                  onClick=${() => decide(s, false)}>${t("syn_reject")}</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>` : null}
    </section>
    <section class="card">
      <h2>${t("syn_add")}</h2>
      <${AddForm} busy=${list.busy} onAdd=${(s) => decide(s, true)} />
    </section>
    <section class="card">
      <h2>${t("syn_decided")}</h2>
      ${list.data && !decided.length ? html`<p class="muted">${t("syn_none_decided")}</p>` : null}
      ${decided.length ? html`<table class="cards-on-phone">
        <caption class="sr-only">${t("syn_decided")}</caption>
        <thead><tr><th scope="col">${t("syn_surface")}</th><th scope="col">${t("syn_canonical")}</th>
          <th scope="col">${t("syn_status")}</th><th scope="col">${t("syn_decided_by")}</th><th scope="col">${t("actions")}</th></tr></thead>
        <tbody>
          ${decided.map(
            (s) => html`<tr key=${s.synonym_id} data-testid="syn-decided" data-surface=${s.surface} data-status=${s.status}>
              <td data-label=${t("syn_surface")}><strong>${s.surface}</strong></td>
              <td data-label=${t("syn_canonical")}>${s.canonical}</td>
              <td data-label=${t("syn_status")}>${t(s.status === "accepted" ? "syn_status_accepted" : "syn_status_rejected")}</td>
              <td data-label=${t("syn_decided_by")}>${s.decided_by || ""} <span class="muted">${formatTime(s.decided_at)}</span></td>
              <td data-label=${t("actions")}><button class="small secondary" disabled=${list.busy} data-testid="syn-remove"
                aria-label=${t("syn_remove_label", { surface: s.surface })}
                onClick=${() => remove(s)}>${t("syn_remove")}</button></td>
            </tr>`,
          )}
        </tbody>
      </table>` : null}
    </section>
  </div>`;
}

function AddForm({ busy, onAdd }) {
  const [surface, setSurface] = useState("");
  const [canonical, setCanonical] = useState("");
  return html`<form class="row" data-testid="syn-add" onSubmit=${async (e) => {
      e.preventDefault();
      const done = await onAdd({ surface: surface.trim(), canonical: canonical.trim() });
      if (done !== null) {
        setSurface("");
        setCanonical("");
      }
    }}>
    <div><label for="syn-surface">${t("syn_surface")}</label>
      <input id="syn-surface" required maxlength="12" size="12" value=${surface} onInput=${(e) => setSurface(e.target.value)} /></div>
    <div><label for="syn-canonical">${t("syn_canonical")}</label>
      <input id="syn-canonical" required maxlength="12" size="12" value=${canonical} onInput=${(e) => setCanonical(e.target.value)} /></div>
    <button type="submit" disabled=${busy} data-testid="syn-add-submit">${t("syn_add_submit")}</button>
  </form>`;
}
