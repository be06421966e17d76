// Call-backs: paper submitters without an account, to be phoned about their topic's progress.
import { html, useState, ErrorBox, Notice, Loading } from "../ui.js";
import { request, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

export function Callbacks({ communityId }) {
  const [showDone, setShowDone] = useState(false);
  const list = useResource(`/communities/${communityId}/callbacks`, { query: { done: showDone ? "true" : "false" } });
  const { notice } = list;
  const error = list.actionError;

  function done(c) {
    return list.act(() => request(`/callbacks/${c.callback_id}/done`, { method: "POST" }));
  }

  const rows = items(list.data);
  return html`<section class="card" data-testid="callbacks">
    <h1>${t("callbacks_title")}</h1>
    <p class="muted">${t("callbacks_hint")}</p>
    <div class="tabs" role="tablist">
      <button role="tab" class=${showDone ? "" : "active"} onClick=${() => setShowDone(false)}>${t("callbacks_todo")}</button>
      <button role="tab" class=${showDone ? "active" : ""} onClick=${() => setShowDone(true)}>${t("callbacks_done")}</button>
    </div>
    <${ErrorBox} error=${error || list.error} />
    <${Notice} text=${notice} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data && !rows.length ? html`<p class="muted" data-testid="no-callbacks">${t("no_callbacks")}</p>` : null}
    <div class="table-wrap">
      <table>
        <tbody>
          ${rows.map(
            (c) => html`<tr key=${c.callback_id} data-testid="callback-row" data-callback-id=${c.callback_id} data-topic-id=${c.topic_id}>
              <td class="nowrap">${c.person_name || ""}<br /><a href=${`tel:${c.phone || ""}`}>${c.phone || ""}</a></td>
              <td><a href=${`#/topic/${c.topic_id}`}>#${c.topic_id} ${c.topic_title}</a>
                <div class="text">${c.timeline_body}</div></td>
              <td class="nowrap muted">${formatTime(c.created_at)}</td>
              <td>${c.done
                ? t("callbacks_done")
                : html`<button class="small" data-testid="callback-done" onClick=${() => done(c)}>${t("callback_mark_done")}</button>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}
