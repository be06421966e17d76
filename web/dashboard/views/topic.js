// Topic detail: members, quotes, keywords, timeline, audit; corrections with If-Match.
import { html, useState, useEffect, ErrorBox, Notice, Loading, StatusBadge } from "../ui.js";
import { request, api, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, formatTime } from "../i18n.js";

/** Status changes a worker may make from each status (the API's rule). */
const TRANSITIONS = {
  new: ["accepted", "rejected"],
  accepted: ["scheduled", "rejected"],
  scheduled: ["decided", "accepted"],
  decided: ["in_progress", "resolved"],
  in_progress: ["resolved"],
  resolved: ["in_progress"],
  rejected: ["accepted"],
  merged: [],
};

export function TopicPage({ id, communityId }) {
  // A stale version (412) shows the "someone else changed it" banner with a reload button.
  const res = useResource(`/topics/${id}`, { version: (d) => d.topic && d.topic.version });
  const { data, ifMatch, busy, conflict, notice } = res;
  const [selected, setSelected] = useState(new Set());
  const act = (change, done) => res.act(change, { done });

  if (res.error && !data) return html`<section class="card"><${ErrorBox} error=${res.error} /></section>`;
  if (!data) return html`<section class="card"><${Loading} /></section>`;
  const topic = data.topic;

  const members = data.members || [];
  const toggle = (sid) => {
    const next = new Set(selected);
    if (next.has(sid)) next.delete(sid);
    else next.add(sid);
    setSelected(next);
  };

  return html`
    <section data-testid="topic-page" data-topic-id=${topic.id} data-status=${topic.status}>
      <p><a href="#/inbox">${t("back_to_inbox")}</a></p>
      ${conflict
        ? html`<div class="conflict" role="alert" data-testid="conflict">
            <span>${t("conflict_412")}</span>
            <button onClick=${res.reload} data-testid="conflict-reload">${t("reload")}</button>
          </div>`
        : null}
      <${ErrorBox} error=${res.actionError} testid="action-error" />
      <${Notice} text=${notice} />
      <div class="grid2">
        <div>
          <div class="card">
            <h1 data-testid="topic-title"><span class="muted">#${topic.id}</span> ${topic.title}</h1>
            <p>
              <${StatusBadge} status=${topic.status} />
              ${topic.overdue ? html`<span class="flag">${t("overdue")}</span>` : null}
              ${topic.reopened ? html`<span class="flag">${t("reopened")}</span>` : null}
              ${" "}<span class="muted" data-testid="topic-counts">
                ${t("online_paper", { online: topic.online_count ?? 0, paper: topic.paper_count ?? 0 })} ·
                ${t("supporters", { n: topic.supporter_count ?? 0 })}</span>
            </p>
            ${topic.status_reason ? html`<p class="text">${t("reason")}${t("colon")}${topic.status_reason}</p>` : null}
            ${topic.merged_into
              ? html`<p data-testid="merged-into"><a href=${`#/topic/${topic.merged_into}`}>${t("merged_into", { id: topic.merged_into })}</a></p>`
              : null}
            ${topic.due_at ? html`<p class="muted">${t("due_at")}${t("colon")}${formatTime(topic.due_at)}</p>` : null}
            ${topic.summary ? html`<p class="text"><strong>${t("topic_summary")}${t("colon")}</strong>${topic.summary}</p>` : null}
            ${(topic.keywords || []).length
              ? html`<p>${t("keywords")}${t("colon")}${topic.keywords.map((k) => html`<span class="kw">${k}</span>`)}</p>`
              : null}
            ${topic.category ? html`<p class="muted">${t("category")}${t("colon")}${topic.category}</p>` : null}
          </div>

          ${(data.quotes || []).length
            ? html`<div class="card"><h2>${t("quotes")}</h2>
                <ul>${data.quotes.map((q, i) => html`<li key=${i} class="text">${typeof q === "string" ? q : q.text}</li>`)}</ul>
              </div>`
            : null}

          <div class="card">
            <h2>${t("members")} (${members.length})</h2>
            <div class="table-wrap">
              <table data-testid="members">
                <thead><tr><th>${t("select")}</th><th>#</th><th>${t("entry_text")}</th><th>${t("filter_channel")}</th>
                  <th>${t("filter_building")}</th><th>${t("author")}</th><th>${t("actions")}</th></tr></thead>
                <tbody>
                  ${members.map(
                    (m) => html`<${MemberRow} key=${m.suggestion_id} m=${m} selected=${selected.has(m.suggestion_id)}
                      onToggle=${() => toggle(m.suggestion_id)} busy=${busy}
                      onPin=${() => act(() => request(`/suggestions/${m.suggestion_id}/pin`, { method: "POST", body: { pinned: !m.pinned }, ifMatch }))}
                      onMove=${async (target) =>
                        act(async () => {
                          const head = await request(`/topics/${target}`);
                          return request(`/suggestions/${m.suggestion_id}/move`, {
                            method: "POST",
                            body: { topic_id: target },
                            ifMatch: head.etag || `"${head.data.topic.version}"`,
                          });
                        })} />`,
                  )}
                </tbody>
              </table>
            </div>
            <${SplitForm} selected=${selected} busy=${busy}
              onSplit=${(title) =>
                act(async () => {
                  const res = await request(`/topics/${topic.id}/split`, {
                    method: "POST",
                    body: { suggestion_ids: [...selected], ...(title ? { title } : {}) },
                    ifMatch,
                  });
                  setSelected(new Set());
                  return res;
                })} />
          </div>

          <div class="card">
            <h2>${t("timeline")}</h2>
            <${Timeline} entries=${data.timeline || []} />
          </div>
          ${(data.meetings || []).length
            ? html`<div class="card"><h2>${t("meetings_of_topic")}</h2>
                <ul>${data.meetings.map(
                  (m) => html`<li key=${m.meeting_id}><a href=${`#/meeting/${m.meeting_id}`}>${m.title}</a>
                    <span class="muted"> ${formatTime(m.held_at)}</span>
                    ${m.decision ? html`<div class="text">${t("decision")}${t("colon")}${m.decision}</div>` : null}</li>`,
                )}</ul></div>`
            : null}
          ${data.satisfaction
            ? html`<div class="card"><h2>${t("satisfaction")}</h2>
                <p>${t("satisfied")} ${data.satisfaction.satisfied || 0} · ${t("basically_satisfied")} ${data.satisfaction.basically_satisfied || 0} ·
                ${t("unsatisfied")} ${data.satisfaction.unsatisfied || 0}</p></div>`
            : null}
          <details class="card" data-testid="audit">
            <summary>${t("audit")} (${(data.audit || []).length})</summary>
            <table>
              <tbody>
                ${(data.audit || []).map(
                  (a) => html`<tr key=${a.audit_id}>
                    <td>${formatTime(a.created_at)}</td><td>${a.actor_name || a.actor_account_id}</td>
                    <td>${a.action}</td><td class="text">${a.reason || ""}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </details>
        </div>

        <aside>
          ${topic.status === "merged"
            ? html`<div class="panel card">
                <h3>${t("unmerge")}</h3>
                <button data-testid="unmerge" disabled=${busy}
                  onClick=${() => act(() => request(`/topics/${topic.id}/unmerge`, { method: "POST", body: {}, ifMatch }), t("saved"))}>
                  ${t("unmerge")}</button>
              </div>`
            : html`
              <${StatusForm} topic=${topic} busy=${busy}
                onSubmit=${(status, reason) =>
                  act(() => request(`/topics/${topic.id}/status`, { method: "POST", body: { status, ...(reason ? { reason } : {}) }, ifMatch }))} />
              <${EditForm} topic=${topic} busy=${busy}
                onSubmit=${(body) => act(() => request(`/topics/${topic.id}`, { method: "PATCH", body, ifMatch }))} />
              <${MergeForm} topic=${topic} communityId=${communityId || topic.community_id} busy=${busy}
                onMerge=${(target) =>
                  act(() => request(`/topics/${topic.id}/merge`, { method: "POST", body: { into_topic_id: target.id }, ifMatch }))} />
              <${ReplyForm} busy=${busy}
                onSubmit=${(body) => act(() => request(`/topics/${topic.id}/replies`, { method: "POST", body: { body }, ifMatch }))} />`}
        </aside>
      </div>
    </section>`;
}

function MemberRow({ m, selected, onToggle, onPin, onMove, busy }) {
  const [moving, setMoving] = useState(false);
  const [target, setTarget] = useState("");
  return html`<tr data-testid="member-row" data-suggestion-id=${m.suggestion_id}>
    <td><input type="checkbox" checked=${selected} onChange=${onToggle} aria-label=${t("select")} data-testid="member-select" /></td>
    <td>${m.suggestion_id}</td>
    <td>
      ${m.title ? html`<strong class="text">${m.title}</strong><br />` : null}
      <span class="text member-text">${m.text}</span>
      <div class="muted">${formatTime(m.created_at)}</div>
    </td>
    <td class="nowrap">${m.channel === "paper" ? t("channel_paper") : t("channel_online")}</td>
    <td class="nowrap">${m.building_name || ""}</td>
    <td class="nowrap">${m.author || t("anonymous")}${m.pinned ? html` <span class="badge">${t("pinned")}</span>` : null}</td>
    <td class="nowrap">
      <button class="small secondary" disabled=${busy} onClick=${onPin} data-testid="pin">${m.pinned ? t("unpin") : t("pin")}</button>
      ${moving
        ? html`<form class="row" onSubmit=${(e) => {
            e.preventDefault();
            if (Number(target)) onMove(Number(target)).then(() => setMoving(false));
          }}>
            <input type="number" min="1" size="5" placeholder=${t("move_to_topic")} value=${target} aria-label=${t("move_to_topic")}
              onInput=${(e) => setTarget(e.target.value)} data-testid="move-target" />
            <button class="small" type="submit" disabled=${busy}>${t("confirm")}</button>
          </form>`
        : html`<button class="small secondary" onClick=${() => setMoving(true)} data-testid="move">${t("move")}</button>`}
    </td>
  </tr>`;
}

function Timeline({ entries }) {
  if (!entries.length) return html`<p class="muted">${t("none")}</p>`;
  return html`<ul class="timeline" data-testid="timeline">
    ${entries.map(
      (e) => html`<li key=${e.timeline_entry_id} data-kind=${e.kind}>
        <strong>${t(`timeline_${e.kind}`)}</strong> <span class="muted">${formatTime(e.created_at)}</span>
        ${e.body ? html`<div class="text">${e.body}</div>` : null}
      </li>`,
    )}
  </ul>`;
}

function StatusForm({ topic, busy, onSubmit }) {
  const options = TRANSITIONS[topic.status] || [];
  const [status, setStatus] = useState(options[0] || "");
  const [reason, setReason] = useState("");
  useEffect(() => setStatus(options[0] || ""), [topic.status]);
  if (!options.length) return null;
  return html`<form class="panel card stack" data-testid="status-form"
    onSubmit=${async (e) => {
      e.preventDefault();
      if (await onSubmit(status, reason.trim())) setReason("");
    }}>
    <h3>${t("change_status")}</h3>
    <label for="new-status">${t("new_status")}</label>
    <select id="new-status" value=${status} onChange=${(e) => setStatus(e.target.value)} data-testid="status-select">
      ${options.map((s) => html`<option key=${s} value=${s}>${t(`status_${s}`)}</option>`)}
    </select>
    <label for="status-reason">${t("reason")}${status === "rejected" ? "" : t("optional")}</label>
    <textarea id="status-reason" value=${reason} required=${status === "rejected"} onInput=${(e) => setReason(e.target.value)}></textarea>
    ${status === "rejected" ? html`<div class="muted">${t("reason_required_rejected")}</div>` : null}
    <button type="submit" disabled=${busy} data-testid="status-submit">${t("apply")}</button>
  </form>`;
}

function EditForm({ topic, busy, onSubmit }) {
  const [title, setTitle] = useState(topic.title || "");
  const [summary, setSummary] = useState(topic.summary || "");
  const [category, setCategory] = useState(topic.category || "");
  useEffect(() => {
    setTitle(topic.title || "");
    setSummary(topic.summary || "");
    setCategory(topic.category || "");
  }, [topic.version]);
  return html`<form class="panel card stack" data-testid="edit-form"
    onSubmit=${(e) => {
      e.preventDefault();
      const body = {};
      if (title !== (topic.title || "")) body.title = title;
      if (summary !== (topic.summary || "")) body.summary = summary;
      if (category !== (topic.category || "")) body.category = category;
      if (Object.keys(body).length) onSubmit(body);
    }}>
    <h3>${t("edit_topic")}</h3>
    <label for="edit-title">${t("title")}</label>
    <input id="edit-title" value=${title} maxlength="60" onInput=${(e) => setTitle(e.target.value)} data-testid="edit-title" />
    <label for="edit-summary">${t("summary")}</label>
    <textarea id="edit-summary" value=${summary} onInput=${(e) => setSummary(e.target.value)}></textarea>
    <label for="edit-category">${t("category")}</label>
    <input id="edit-category" value=${category} onInput=${(e) => setCategory(e.target.value)} />
    <button type="submit" disabled=${busy} data-testid="edit-submit">${t("save")}</button>
  </form>`;
}

function MergeForm({ topic, communityId, busy, onMerge }) {
  const [q, setQ] = useState("");
  const [results, setResults] = useState([]);
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState(null);
  async function search(e) {
    e.preventDefault();
    setError(null);
    setChosen(null);
    try {
      const data = await api(`/communities/${communityId}/topics`, { query: { q: q.trim(), limit: 20, sort: "newest" } });
      setResults(items(data).filter((r) => r.id !== topic.id && r.status !== "merged"));
    } catch (err) {
      setError(err);
    }
  }
  return html`<div class="panel card" data-testid="merge-form">
    <h3>${t("merge")}</h3>
    <form class="row" onSubmit=${search}>
      <input type="search" value=${q} placeholder=${t("merge_search")} aria-label=${t("merge_search")}
        onInput=${(e) => setQ(e.target.value)} data-testid="merge-search" />
      <button type="submit" class="secondary" data-testid="merge-search-submit">${t("filter_apply")}</button>
    </form>
    <${ErrorBox} error=${error} />
    <ul class="plain">
      ${results.map(
        (r) => html`<li key=${r.id}>
          <button class="link-button" data-testid="merge-candidate" data-topic-id=${r.id} onClick=${() => setChosen(r)}>
            #${r.id} ${r.title}</button> <${StatusBadge} status=${r.status} />
        </li>`,
      )}
    </ul>
    ${chosen
      ? html`<div class="conflict">
          <span>${t("merge_confirm", { id: chosen.id, title: chosen.title })}</span>
          <button disabled=${busy} data-testid="merge-confirm"
            onClick=${async () => {
              if (await onMerge(chosen)) {
                setChosen(null);
                setResults([]);
              }
            }}>${t("merge_into")}</button>
          <button class="secondary" onClick=${() => setChosen(null)}>${t("cancel")}</button>
        </div>`
      : null}
  </div>`;
}

function SplitForm({ selected, busy, onSplit }) {
  const [title, setTitle] = useState("");
  return html`<form class="row" style="margin-top: 10px" data-testid="split-form"
    onSubmit=${async (e) => {
      e.preventDefault();
      if (selected.size && (await onSplit(title.trim()))) setTitle("");
    }}>
    <div>
      <label for="split-title">${t("split_title")}${t("optional")}</label>
      <input id="split-title" value=${title} onInput=${(e) => setTitle(e.target.value)} />
    </div>
    <button type="submit" disabled=${busy || !selected.size} data-testid="split-submit">${t("split")}</button>
    ${!selected.size ? html`<span class="muted">${t("split_none")}</span>` : null}
  </form>`;
}

function ReplyForm({ busy, onSubmit }) {
  const [body, setBody] = useState("");
  return html`<form class="panel card stack" data-testid="reply-form"
    onSubmit=${async (e) => {
      e.preventDefault();
      if (body.trim() && (await onSubmit(body.trim()))) setBody("");
    }}>
    <h3>${t("reply")}</h3>
    <label for="reply-body">${t("reply_body")}</label>
    <textarea id="reply-body" value=${body} onInput=${(e) => setBody(e.target.value)}></textarea>
    <button type="submit" disabled=${busy}>${t("send")}</button>
  </form>`;
}
