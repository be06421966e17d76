// Topic detail: members, quotes, keywords, timeline, audit; corrections with If-Match.
import { html, useState, useEffect, useRef, ErrorBox, Notice, Loading, StatusBadge, Photos, usePage, focusEl } from "../ui.js";
import { request, api, items } from "../api.js";
import { useResource } from "../resource.js";
import { t, pick, formatTime, kindLabel, statusLabel } from "../i18n.js";

export function TopicPage({ id, communityId }) {
  // A stale version (412) shows the "someone else changed it" banner with a reload button.
  const res = useResource(`/topics/${id}`, { version: (d) => d.topic && d.topic.version });
  const { data, ifMatch, busy, conflict, notice } = res;
  const [selected, setSelected] = useState(new Set());
  const [created, setCreated] = useState(null);
  const statusLine = useRef(null);
  const membersHeading = useRef(null);
  const act = (change, done) => res.act(change, { done });
  usePage(data ? `#${data.topic.id} ${data.topic.title}` : null);

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
      ${created
        ? html`<p class="notice" data-testid="split-created">${t("split_created")}
            <a href=${`#/topic/${created.id}`} data-testid="split-link">#${created.id} ${created.title}</a></p>`
        : null}
      <div class="grid2">
        <div>
          <div class="card">
            <h1 data-testid="topic-title"><span class="muted">#${topic.id}</span> ${topic.title}</h1>
            <p ref=${statusLine} data-testid="topic-status-line">
              <span class="sr-only">${t("col_status")}${t("colon")}</span><${StatusBadge} status=${topic.status} />
              ${topic.overdue ? html`<span class="flag">${t("overdue")}</span>` : null}
              ${topic.reopened ? html`<span class="flag">${t("reopened")}</span>` : null}
              ${" "}<span class="muted" data-testid="topic-counts">
                ${t("online_paper", { online: topic.online_count ?? 0, paper: topic.paper_count ?? 0 })} ·
                ${t("supporters", { n: topic.supporter_count ?? 0 })}</span>
            </p>
            ${topic.status_reason ? html`<p class="text">${t("reason")}${t("colon")}${topic.status_reason}</p>` : null}
            ${["decided", "in_progress"].includes(topic.status)
              ? html`<p><a href=${`#/apply?topic=${topic.id}`} data-testid="topic-apply">${t("proj_apply_from_topic")}</a></p>`
              : null}
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
            <h2 ref=${membersHeading} tabindex="-1">${t("members")} (${members.length})</h2>
            <div class="table-wrap">
              <table data-testid="members" class="cards-on-phone">
                <thead><tr><th>${t("select")}</th><th>#</th><th>${t("entry_text")}</th><th>${t("filter_channel")}</th>
                  <th>${t("filter_building")}</th><th>${t("author")}</th><th>${t("actions")}</th></tr></thead>
                <tbody>
                  ${members.map(
                    (m) => html`<${MemberRow} key=${m.suggestion_id} m=${m} selected=${selected.has(m.suggestion_id)}
                      onToggle=${() => toggle(m.suggestion_id)} busy=${busy}
                      onPin=${() => act(() => request(`/suggestions/${m.suggestion_id}/pin`, { method: "POST", body: { pinned: !m.pinned }, ifMatch }))}
                      onPublish=${(uploadId, pub) =>
                        act(
                          () => request(`/suggestions/${m.suggestion_id}/photos/${uploadId}`, { method: "PATCH", body: { public: pub } }),
                          pub ? t("photo_published") : t("photo_unpublished"),
                        )}
                      onMove=${async (target) => {
                        const done = await act(async () => {
                          const head = await request(`/topics/${target}`);
                          return request(`/suggestions/${m.suggestion_id}/move`, {
                            method: "POST",
                            body: { topic_id: target },
                            ifMatch: head.etag || `"${head.data.topic.version}"`,
                          });
                        }, t("moved", { id: target }));
                        // The row is gone: the focus goes to the list it left.
                        if (done) setTimeout(() => focusEl(membersHeading.current), 0);
                        return done;
                      }} />`,
                  )}
                </tbody>
              </table>
            </div>
            <${SplitForm} selected=${selected} busy=${busy}
              onSplit=${async (title) => {
                setCreated(null);
                const done = await act(async () => {
                  const res = await request(`/topics/${topic.id}/split`, {
                    method: "POST",
                    body: { suggestion_ids: [...selected], ...(title ? { title } : {}) },
                    ifMatch,
                  });
                  setSelected(new Set());
                  return res;
                }, t("split_done"));
                if (done && done.data) {
                  setCreated({ id: done.data.id, title: done.data.title });
                  setTimeout(() => focusEl(document.querySelector('[data-testid="split-link"]')), 0);
                }
                return done;
              }} />
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
            ? html`<div class="card" data-testid="satisfaction"><h2>${t("satisfaction")}</h2>
                <p>${t("satisfied")} ${data.satisfaction.satisfied || 0} · ${t("basically_satisfied")} ${data.satisfaction.basically_satisfied || 0} ·
                ${t("unsatisfied")} ${data.satisfaction.unsatisfied || 0}</p>
                ${(data.satisfaction_comments || []).length
                  ? html`<h3>${t("satisfaction_comments")}</h3>
                      <ul data-testid="satisfaction-comments">${data.satisfaction_comments.map(
                        (c, i) => html`<li key=${i} class="text"><strong>${t(c.answer)}</strong>${t("colon")}${c.comment}
                          <span class="muted"> ${formatTime(c.created_at)}</span></li>`,
                      )}</ul>`
                  : null}</div>`
            : null}
          <details class="card" data-testid="audit">
            <summary>${t("audit")} (${(data.audit || []).length})</summary>
            <table class="cards-on-phone">
              <caption class="sr-only">${t("audit")}</caption>
              <thead><tr><th scope="col">${t("audit_time")}</th><th scope="col">${t("audit_actor")}</th>
                <th scope="col">${t("audit_action")}</th><th scope="col">${t("reason")}</th></tr></thead>
              <tbody>
                ${(data.audit || []).map(
                  (a) => html`<tr key=${a.audit_id} data-testid="audit-row">
                    <td data-label=${t("audit_time")} class="nowrap">${formatTime(a.at)}</td>
                    <td data-label=${t("audit_actor")}>${pick(a.actor_name, a.actor_name_en)}</td>
                    <td data-label=${t("audit_action")}>${pick(a.action_label, a.action_label_en)}</td>
                    <td data-label=${t("reason")} class="text">${a.reason || ""}</td>
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
              <${StatusForm} topic=${topic} next=${data.next_statuses || []} busy=${busy}
                onSubmit=${async (status, reason) => {
                  const done = await act(
                    () => request(`/topics/${topic.id}/status`, { method: "POST", body: { status, ...(reason ? { reason } : {}) }, ifMatch }),
                    t("status_changed", { status: statusLabel(status) }),
                  );
                  // The form changes with the status: the focus goes to the new status.
                  if (done) setTimeout(() => focusEl(statusLine.current), 0);
                  return done;
                }} />
              <${EditForm} topic=${topic} busy=${busy}
                onSubmit=${(body) => act(() => request(`/topics/${topic.id}`, { method: "PATCH", body, ifMatch }))} />
              <${SimilarTopics} topic=${topic} busy=${busy}
                onMerge=${(other) =>
                  act(() => request(`/topics/${other.id}/merge`, { method: "POST", body: { into_topic_id: topic.id }, ifMatch: other.version }),
                    t("similar_merged", { id: other.id }))} />
              <${MergeForm} topic=${topic} communityId=${communityId || topic.community_id} busy=${busy}
                onMerge=${(target) =>
                  act(() => request(`/topics/${topic.id}/merge`, { method: "POST", body: { into_topic_id: target.id }, ifMatch }))} />
              <${ReplyForm} busy=${busy}
                onSubmit=${(body) => act(() => request(`/topics/${topic.id}/replies`, { method: "POST", body: { body }, ifMatch }))} />`}
        </aside>
      </div>
    </section>`;
}

function MemberRow({ m, selected, onToggle, onPin, onMove, onPublish, busy }) {
  const [moving, setMoving] = useState(false);
  const [target, setTarget] = useState("");
  const photos = m.photos || [];
  return html`<tr data-testid="member-row" data-suggestion-id=${m.suggestion_id}>
    <td data-label=${t("select")}><input type="checkbox" checked=${selected} onChange=${onToggle}
      aria-label=${t("select_member", { id: m.suggestion_id })} data-testid="member-select" /></td>
    <td data-label="#">${m.suggestion_id}</td>
    <td data-label=${t("entry_text")} class="title-cell">
      ${m.title ? html`<strong class="text">${m.title}</strong><br />` : null}
      <span class="text member-text">${m.text}</span>
      <div class="muted">${formatTime(m.created_at)}</div>
      <${Photos} ids=${photos.map((p) => p.upload_id)} label=${`#${m.suggestion_id}`}
        extra=${(id) => {
          const p = photos.find((x) => x.upload_id === id);
          return html`<label class="inline small">
            <input type="checkbox" checked=${!!(p && p.public)} disabled=${busy} data-testid="photo-public"
              onChange=${(e) => onPublish(id, e.target.checked)} /> ${t("photo_public")}</label>`;
        }} />
    </td>
    <td data-label=${t("filter_channel")} class="nowrap">${m.channel === "paper" ? t("channel_paper") : t("channel_online")}</td>
    <td data-label=${t("filter_building")} class="nowrap">${m.building_name || ""}</td>
    <td data-label=${t("author")} class="nowrap">${m.author || t("anonymous")}${m.pinned ? html` <span class="badge">${t("pinned")}</span>` : null}</td>
    <td data-label=${t("actions")} class="nowrap">
      <button class="small secondary" disabled=${busy} onClick=${onPin} data-testid="pin"
        aria-label=${`${m.pinned ? t("unpin") : t("pin")} #${m.suggestion_id}`}>${m.pinned ? t("unpin") : t("pin")}</button>
      ${moving
        ? html`<form class="row" onSubmit=${(e) => {
            e.preventDefault();
            if (Number(target)) onMove(Number(target)).then(() => setMoving(false));
          }}>
            <input type="number" min="1" size="5" placeholder=${t("move_to_topic")} value=${target} aria-label=${t("move_to_topic")}
              onInput=${(e) => setTarget(e.target.value)} data-testid="move-target"
              ref=${(el) => el && moving && !el.dataset.focused && ((el.dataset.focused = "1"), el.focus())} />
            <button class="small" type="submit" disabled=${busy}>${t("confirm")}</button>
            <button class="small secondary" type="button" onClick=${() => setMoving(false)}>${t("cancel")}</button>
          </form>`
        : html`<button class="small secondary" onClick=${() => setMoving(true)} data-testid="move"
            aria-label=${t("move_member", { id: m.suggestion_id })}>${t("move")}</button>`}
    </td>
  </tr>`;
}

function Timeline({ entries }) {
  if (!entries.length) return html`<p class="muted">${t("none")}</p>`;
  return html`<ul class="timeline" data-testid="timeline">
    ${entries.map(
      (e) => html`<li key=${e.timeline_entry_id} data-kind=${e.kind}>
        <strong>${kindLabel(e.kind)}</strong> <span class="muted">${formatTime(e.created_at)}</span>
        ${e.body ? html`<div class="text">${e.body}</div>` : null}
      </li>`,
    )}
  </ul>`;
}

function StatusForm({ topic, next, busy, onSubmit }) {
  // The server's workflow: the statuses this topic can go to now.
  const options = next;
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
      ${options.map((s) => html`<option key=${s} value=${s}>${statusLabel(s)}</option>`)}
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

// Near misses the grouping engine did not join with this topic; one click merges one in.
// Reloaded whenever the topic changes (its version), so a merged one leaves the list.
function SimilarTopics({ topic, busy, onMerge }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    api(`/topics/${topic.id}/similar`)
      .then((data) => live && (setList(items(data)), setError(null)))
      .catch((err) => live && setError(err));
    return () => { live = false; };
  }, [topic.id, topic.version]);
  return html`<div class="panel card" data-testid="similar-topics" data-ready=${list !== null ? "true" : "false"}>
    <h3>${t("similar_topics")}</h3>
    <${ErrorBox} error=${error} />
    ${list === null && !error ? html`<${Loading} />` : null}
    ${list && list.length === 0 ? html`<p class="muted" data-testid="similar-none">${t("similar_none")}</p>` : null}
    <ul class="plain">
      ${(list || []).map(
        (s) => html`<li key=${s.topic.id} data-testid="similar-topic" data-topic-id=${s.topic.id}>
          <a href=${`#/topic/${s.topic.id}`}>#${s.topic.id} ${s.topic.title}</a>
          ${" "}<${StatusBadge} status=${s.topic.status} />
          <span class="muted">${" "}${t("similar_detail", { n: s.topic.member_count, pct: Math.round(s.similarity * 100) })}</span>
          ${" "}<button class="secondary" disabled=${busy} data-testid="similar-merge"
            aria-label=${t("similar_merge_label", { id: s.topic.id, title: s.topic.title })}
            onClick=${() => onMerge(s.topic)}>${t("similar_merge")}</button>
        </li>`,
      )}
    </ul>
  </div>`;
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
