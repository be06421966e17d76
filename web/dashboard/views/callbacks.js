// Call-backs: paper submitters without an account, to be phoned about their topic's progress.
// One row per person and topic, with everything to tell them since the last call.
import { html, useState, ErrorBox, Notice, Loading, Tabs, usePage } from "../ui.js";
import { request, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

export function Callbacks({ communityId }) {
  const [showDone, setShowDone] = useState(false);
  const list = useResource(`/communities/${communityId}/callbacks`, { query: { done: showDone ? "true" : "false" } });
  const { notice } = list;
  const error = list.actionError;
  usePage(t("callbacks_title"));

  function done(c) {
    return list.act(() => request(`/callbacks/${c.callback_id}/done`, { method: "POST" }), {
      done: t("callback_marked", { name: c.person_name || c.phone || "" }),
    });
  }

  const rows = items(list.data);
  return html`<section class="card" data-testid="callbacks">
    <h1>${t("callbacks_title")}</h1>
    <p class="muted">${t("callbacks_hint")}</p>
    <${ErrorBox} error=${error || list.error} />
    <${Notice} text=${notice} />
    <${Tabs} id="callbacks" label=${t("callbacks_title")} selected=${showDone ? "done" : "todo"}
      onSelect=${(k) => setShowDone(k === "done")}
      tabs=${[
        { key: "todo", label: t("callbacks_todo"), testid: "callbacks-todo" },
        { key: "done", label: t("callbacks_done"), testid: "callbacks-done" },
      ]}>
      ${list.loading && !list.data ? html`<${Loading} />` : null}
      ${list.data && !rows.length ? html`<p class="muted" data-testid="no-callbacks">${t("no_callbacks")}</p>` : null}
      <div class="table-wrap">
        <table class="cards-on-phone">
          <caption class="sr-only">${showDone ? t("callbacks_done") : t("callbacks_todo")}</caption>
          <thead><tr><th scope="col">${t("callback_person")}</th><th scope="col">${t("callback_what")}</th>
            <th scope="col">${t("callback_since")}</th><th scope="col">${t("actions")}</th></tr></thead>
          <tbody>
            ${rows.map(
              (c) => html`<tr key=${c.callback_id} data-testid="callback-row" data-callback-id=${c.callback_id} data-topic-id=${c.topic_id}>
                <td data-label=${t("callback_person")} class="nowrap">${c.person_name || ""}<br /><a href=${`tel:${c.phone || ""}`}>${c.phone || ""}</a></td>
                <td data-label=${t("callback_what")} class="title-cell"><a href=${`#/topic/${c.topic_id}`}>#${c.topic_id} ${c.topic_title}</a>
                  <ol class="notices" data-testid="callback-notices">
                    ${(c.notices || [{ body: c.timeline_body, created_at: c.created_at }]).map(
                      (n, i) => html`<li key=${i}><span class="text">${n.body}</span> <span class="muted">${formatTime(n.created_at)}</span></li>`,
                    )}
                  </ol></td>
                <td data-label=${t("callback_since")} class="nowrap muted">${formatTime(c.created_at)}</td>
                <td data-label=${t("actions")}>${c.done
                  ? t("callbacks_done")
                  : html`<button class="small" data-testid="callback-done" onClick=${() => done(c)}
                      aria-label=${t("callback_mark_done_for", { name: c.person_name || c.phone || "" })}>${t("callback_mark_done")}</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </${Tabs}>
  </section>`;
}
