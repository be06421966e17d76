// Moderation: suggestions held for review (approve / reject with a reason) and failed ones (retry).
import { html, useState, ErrorBox, Notice, Loading } from "../ui.js";
import { request, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

export function Moderation({ communityId }) {
  const held = useResource("/moderation/suggestions", { query: { community_id: communityId } });
  const failed = useResource("/suggestions/failed", { query: { community_id: communityId } });
  const error = held.actionError || failed.actionError;
  const notice = held.notice || failed.notice;

  async function decide(s, approve, reason) {
    failed.setNotice("");
    failed.setActionError(null);
    const done = await held.act(() =>
      request(`/moderation/suggestions/${s.id}`, {
        method: "POST",
        // `approve` is what the service reads today; `decision` is the contract's spelling.
        body: { approve, decision: approve ? "approve" : "reject", ...(reason ? { reason } : {}) },
      }),
    );
    return done !== null;
  }

  async function retry(s) {
    held.setNotice("");
    held.setActionError(null);
    await failed.act(() => request(`/suggestions/${s.id}/retry`, { method: "POST" }));
  }

  return html`<div data-testid="moderation">
    <${ErrorBox} error=${error} />
    <${Notice} text=${notice} />
    <section class="card">
      <h1>${t("moderation_title")}</h1>
      <${ErrorBox} error=${held.error} />
      ${held.loading && !held.data ? html`<${Loading} />` : null}
      ${held.data && !items(held.data).length ? html`<p class="muted" data-testid="no-held">${t("no_held")}</p>` : null}
      ${items(held.data).map((s) => html`<${HeldItem} key=${s.id} s=${s} onDecide=${decide} />`)}
    </section>
    <section class="card">
      <h2>${t("failed_title")}</h2>
      <${ErrorBox} error=${failed.error} />
      ${failed.data && !items(failed.data).length ? html`<p class="muted">${t("no_failed")}</p>` : null}
      <table>
        <tbody>
          ${items(failed.data).map(
            (s) => html`<tr key=${s.id} data-testid="failed-row">
              <td>#${s.id}</td>
              <td class="text">${s.text}</td>
              <td>${t("attempts")} ${s.attempts}</td>
              <td class="text muted">${s.last_error || ""}</td>
              <td><button class="small" onClick=${() => retry(s)}>${t("retry")}</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
  </div>`;
}

function HeldItem({ s, onDecide }) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  return html`<div class="panel" data-testid="held-item" data-suggestion-id=${s.id}>
    <div class="muted">#${s.id} · ${s.channel === "paper" ? t("channel_paper") : t("channel_online")} · ${formatTime(s.created_at)}
      ${s.author_hint ? ` · ${s.author_hint}` : ""}</div>
    ${s.title ? html`<strong class="text">${s.title}</strong>` : null}
    <p class="text held-text">${s.text}</p>
    ${s.moderation_reason ? html`<p class="muted text">${s.moderation_reason}</p>` : null}
    ${rejecting
      ? html`<form class="row" onSubmit=${async (e) => {
          e.preventDefault();
          if (await onDecide(s, false, reason.trim())) setRejecting(false);
        }}>
          <div><label for=${`rr-${s.id}`}>${t("reject_reason")}</label>
            <input id=${`rr-${s.id}`} required size="30" value=${reason} onInput=${(e) => setReason(e.target.value)} /></div>
          <button type="submit" data-testid="reject-confirm">${t("reject")}</button>
          <button type="button" class="secondary" onClick=${() => setRejecting(false)}>${t("cancel")}</button>
        </form>`
      : html`<div class="row">
          <button data-testid="approve" onClick=${() => onDecide(s, true)}>${t("approve")}</button>
          <button class="secondary" data-testid="reject" onClick=${() => setRejecting(true)}>${t("reject")}</button>
        </div>`}
  </div>`;
}
