// Meetings (议事会): list, create with an agenda, and the meeting page (attendance, decisions,
// action items, minutes, print page and XLSX export).
import { html, useState, ErrorBox, Notice, Loading, StatusBadge, todayInShanghai, usePage, withId } from "../ui.js";
import { api, request, items, openFile } from "../api.js";
import { useLoad, useResource } from "../resource.js";
import { t, pick, formatTime } from "../i18n.js";

/** A Shanghai local date and time as RFC 3339 (+08:00). */
function shanghaiTime(date, time) {
  return `${date}T${time || "00:00"}:00+08:00`;
}

export function MeetingList({ communityId }) {
  const list = useResource(`/communities/${communityId}/meetings`);
  usePage(t("meetings_title"));
  return html`
    <div class="grid2">
      <section class="card" data-testid="meeting-list">
        <h1>${t("meetings_title")}</h1>
        <${ErrorBox} error=${list.error} />
        ${list.loading && !list.data ? html`<${Loading} />` : null}
        ${list.data && !items(list.data).length ? html`<p class="muted">${t("no_meetings")}</p>` : null}
        <table class="cards-on-phone">
          <caption class="sr-only">${t("meetings_title")}</caption>
          <thead><tr><th scope="col">${t("meeting_title")}</th><th scope="col">${t("meeting_date")}</th>
            <th scope="col">${t("meeting_place")}</th><th scope="col">${t("meeting_status")}</th></tr></thead>
          <tbody>
            ${items(list.data).map(
              (m) => html`<tr key=${m.meeting_id} class="clickable" data-testid="meeting-row" onClick=${() => (location.hash = `#/meeting/${m.meeting_id}`)}>
                <td data-label=${t("meeting_title")}><a href=${`#/meeting/${m.meeting_id}`}>${m.title}</a></td>
                <td data-label=${t("meeting_date")}>${formatTime(m.held_at)}</td>
                <td data-label=${t("meeting_place")}>${m.place}</td>
                <td data-label=${t("meeting_status")}>${m.status ? t(`meeting_${m.status}`) : ""}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <${NewMeeting} communityId=${communityId} />
    </div>`;
}

function NewMeeting({ communityId }) {
  const [title, setTitle] = useState("");
  const [date, setDate] = useState(todayInShanghai());
  const [time, setTime] = useState("19:00");
  const [place, setPlace] = useState("");
  const [chosen, setChosen] = useState(new Set());
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const topics = useLoad(async () => {
    // Topics that can go on an agenda: new, accepted (and already scheduled ones).
    const lists = await Promise.all(
      ["new", "accepted", "scheduled"].map((status) =>
        api(`/communities/${communityId}/topics`, { query: { status, limit: 100, sort: "heat" } }).then(items),
      ),
    );
    return lists.flat();
  }, [communityId]);

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await request(`/communities/${communityId}/meetings`, {
        method: "POST",
        body: { title, held_at: shanghaiTime(date, time), place, topic_ids: [...chosen] },
      });
      const id = data.meeting_id ?? data.id;
      location.hash = `#/meeting/${id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card stack" onSubmit=${submit} data-testid="meeting-form">
    <h2>${t("meeting_new")}</h2>
    <label for="m-title">${t("meeting_title")}</label>
    <input id="m-title" required value=${title} onInput=${(e) => setTitle(e.target.value)} data-testid="meeting-title" />
    <div class="row">
      <div><label for="m-date">${t("meeting_date")}</label>
        <input id="m-date" type="date" required value=${date} onInput=${(e) => setDate(e.target.value)} data-testid="meeting-date" /></div>
      <div><label for="m-time">${t("meeting_time")}</label>
        <input id="m-time" type="time" required value=${time} onInput=${(e) => setTime(e.target.value)} data-testid="meeting-time" /></div>
    </div>
    <label for="m-place">${t("meeting_place")}</label>
    <input id="m-place" required value=${place} onInput=${(e) => setPlace(e.target.value)} data-testid="meeting-place" />
    <fieldset>
      <legend>${t("meeting_agenda")}</legend>
      <${ErrorBox} error=${topics.error} />
      ${(topics.data || []).map(
        (tp) => html`<label key=${tp.id}>
          <input type="checkbox" data-testid="agenda-topic" data-topic-id=${tp.id} checked=${chosen.has(tp.id)}
            onChange=${(e) => setChosen(withId(chosen, tp.id, e.target.checked))} />
          #${tp.id} ${tp.title} <${StatusBadge} status=${tp.status} />
        </label>`,
      )}
      ${topics.data && !topics.data.length ? html`<p class="muted">${t("no_topics")}</p>` : null}
    </fieldset>
    <button type="submit" disabled=${busy} data-testid="meeting-create">${t("meeting_create")}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

export function MeetingPage({ id }) {
  // A stale version (412) is shown as an error and the current meeting is loaded at once.
  const res = useResource(`/meetings/${id}`, { version: (m) => m.version, onConflict: "reload" });
  const { busy, notice, ifMatch } = res;
  const act = (change, done) => res.act(change, { done }).then((r) => r !== null);
  const error = res.actionError;
  const setError = res.setActionError;

  const m = res.data;
  usePage(m ? m.title : null);
  if (res.error && !m) return html`<section class="card"><${ErrorBox} error=${res.error} /></section>`;
  if (!m) return html`<section class="card"><${Loading} /></section>`;

  return html`<section data-testid="meeting-page" data-meeting-id=${m.meeting_id}>
    <p><a href="#/meetings">${t("back_to_meetings")}</a></p>
    <div class="card">
      <h1>${m.title}</h1>
      <p>${formatTime(m.held_at)} · ${m.place} · ${t(`meeting_${m.status}`)}</p>
      <div class="row">
        <button class="secondary" data-testid="print-link"
          onClick=${() => openFile(`/meetings/${m.meeting_id}/print`).catch(setError)}>${t("print_page")}</button>
        <button class="secondary" data-testid="export-link"
          onClick=${() => openFile(`/meetings/${m.meeting_id}/export.xlsx`, `meeting-${m.meeting_id}.xlsx`).catch(setError)}>${t("export_xlsx")}</button>
      </div>
    </div>
    <${ErrorBox} error=${error} testid="meeting-error" />
    <${Notice} text=${notice} />
    <div class="grid2">
      <div>
        <div class="card">
          <h2>${t("meeting_agenda")}</h2>
          ${(m.agenda || []).map(
            (a) => html`<${AgendaItem} key=${a.topic_id} item=${a} busy=${busy} attendance=${m.attendance_count || 0}
              onDecide=${(body) =>
                act(() => request(`/meetings/${m.meeting_id}/decisions`, { method: "POST", body: { topic_id: a.topic_id, ...body } }), t("decision_recorded"))} />`,
          )}
          <${AddToAgenda} meeting=${m} busy=${busy}
            onAdd=${(topicId) =>
              act(() =>
                request(`/meetings/${m.meeting_id}/agenda`, {
                  method: "PUT",
                  body: { topic_ids: [...(m.agenda || []).map((a) => a.topic_id), topicId] },
                }),
              )} />
        </div>
        <${Actions} meeting=${m} busy=${busy}
          onAdd=${(body) => act(() => request(`/meetings/${m.meeting_id}/actions`, { method: "POST", body }))}
          onDone=${(action, done) => act(() => request(`/meeting-actions/${action.action_id}`, { method: "PATCH", body: { done } }))} />
      </div>
      <${MeetingRecord} meeting=${m} busy=${busy}
        onSave=${(body) => act(() => request(`/meetings/${m.meeting_id}`, { method: "PATCH", body, ifMatch }))} />
    </div>
  </section>`;
}

/** Put one more waiting topic (new or accepted) on the agenda of a planned meeting. */
function AddToAgenda({ meeting, busy, onAdd }) {
  const [chosen, setChosen] = useState("");
  const topics = useLoad(async () => {
    const lists = await Promise.all(
      ["new", "accepted"].map((status) =>
        api(`/communities/${meeting.community_id}/topics`, { query: { status, limit: 100, sort: "heat" } }).then(items),
      ),
    );
    const on = new Set((meeting.agenda || []).map((a) => a.topic_id));
    return lists.flat().filter((tp) => !on.has(tp.id));
  }, [meeting.community_id, meeting.version]);
  if (meeting.status !== "planned" || !topics.data || !topics.data.length) return null;
  return html`<form class="row" data-testid="agenda-add"
    onSubmit=${(e) => {
      e.preventDefault();
      if (chosen) onAdd(Number(chosen)).then((ok) => ok && setChosen(""));
    }}>
    <label>${t("agenda_pick")}
      <select value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
        <option value="">—</option>
        ${topics.data.map((tp) => html`<option key=${tp.id} value=${tp.id}>#${tp.id} ${tp.title}</option>`)}
      </select>
    </label>
    <button type="submit" disabled=${busy || !chosen} data-testid="agenda-add-submit">${t("agenda_add")}</button>
  </form>`;
}

function AgendaItem({ item, busy, onDecide, attendance }) {
  const [decision, setDecision] = useState(item.decision || "");
  const [mode, setMode] = useState(item.decision_mode || "consensus");
  const [votes, setVotes] = useState({
    for: item.votes_for ?? "",
    against: item.votes_against ?? "",
    abstain: item.votes_abstain ?? "",
  });
  const num = (v) => (v === "" || v == null ? undefined : Number(v));
  const counted = ["for", "against", "abstain"].reduce((n, k) => n + (Number(votes[k]) || 0), 0);
  const over = mode === "vote" && attendance > 0 && counted > attendance;
  return html`<form class="panel" data-testid="agenda-item" data-topic-id=${item.topic_id}
    onSubmit=${(e) => {
      e.preventDefault();
      const body = { decision: decision.trim(), decision_mode: mode };
      if (mode === "vote") {
        body.votes_for = num(votes.for);
        body.votes_against = num(votes.against);
        body.votes_abstain = num(votes.abstain);
      }
      onDecide(body);
    }}>
    <h3><a href=${`#/topic/${item.topic_id}`}>#${item.topic_id} ${item.title}</a> <${StatusBadge} status=${item.status} /></h3>
    ${item.decision ? html`<p class="text" data-testid="recorded-decision"><strong>${t("decision")}${t("colon")}</strong>${item.decision}
      ${item.decision_mode === "vote"
        ? html` <span class="muted">${t("lp")}${pick(item.decision_mode_label, item.decision_mode_label_en)}${t("colon")}${t("votes_for")} ${item.votes_for ?? 0} / ${t("votes_against")} ${item.votes_against ?? 0} / ${t("votes_abstain")} ${item.votes_abstain ?? 0}${t("rp")}</span>`
        : html` <span class="muted">${t("lp")}${pick(item.decision_mode_label, item.decision_mode_label_en)}${t("rp")}</span>`}</p>` : null}
    <label for=${`d-${item.topic_id}`}>${t("decision_text")}</label>
    <textarea id=${`d-${item.topic_id}`} required value=${decision} onInput=${(e) => setDecision(e.target.value)} data-testid="decision-text"></textarea>
    <div class="row">
      <div>
        <label for=${`mode-${item.topic_id}`}>${t("decision_mode")}</label>
        <select id=${`mode-${item.topic_id}`} value=${mode} onChange=${(e) => setMode(e.target.value)} data-testid="decision-mode">
          <option value="consensus">${t("consensus")}</option>
          <option value="vote">${t("vote")}</option>
        </select>
      </div>
      ${mode === "vote"
        ? ["for", "against", "abstain"].map(
            (k) => html`<div key=${k}><label>${t(`votes_${k}`)}
              <input type="number" min="0" max=${attendance || null} size="4" value=${votes[k]} data-testid=${`votes-${k}`}
                aria-describedby=${`tally-${item.topic_id}`} aria-invalid=${over ? "true" : "false"}
                onInput=${(e) => setVotes({ ...votes, [k]: e.target.value })} /></label></div>`,
          )
        : null}
      <button type="submit" disabled=${busy || over} data-testid="decision-submit">${t("record_decision")}</button>
    </div>
    ${mode === "vote"
      ? html`<p id=${`tally-${item.topic_id}`} class=${over ? "field-error" : "muted"} data-testid="tally-hint">
          ${attendance > 0 ? t("tally_hint", { n: counted, max: attendance }) : t("tally_needs_attendance")}</p>`
      : null}
  </form>`;
}

function Actions({ meeting, busy, onAdd, onDone }) {
  const [description, setDescription] = useState("");
  const [owner, setOwner] = useState("");
  const [due, setDue] = useState("");
  const [topicId, setTopicId] = useState("");
  return html`<div class="card" data-testid="actions">
    <h2>${t("action_items")}</h2>
    <table>
      <thead><tr><th>${t("action_done")}</th><th>${t("action_description")}</th><th>${t("action_owner")}</th><th>${t("action_due")}</th><th>${t("action_topic")}</th></tr></thead>
      <tbody>
        ${(meeting.actions || []).map(
          (a) => html`<tr key=${a.action_id}>
            <td><input type="checkbox" checked=${a.done} disabled=${busy} aria-label=${t("action_done")}
              onChange=${(e) => onDone(a, e.target.checked)} /></td>
            <td class="text">${a.description}</td><td>${a.owner}</td><td>${a.due_on}</td>
            <td>${a.topic_id ? html`<a href=${`#/topic/${a.topic_id}`}>#${a.topic_id}</a>` : ""}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form class="row" onSubmit=${async (e) => {
      e.preventDefault();
      const body = { description: description.trim(), owner: owner.trim(), due_on: due };
      if (topicId) body.topic_id = Number(topicId);
      if (await onAdd(body)) {
        setDescription("");
        setOwner("");
        setDue("");
      }
    }}>
      <div><label for="a-desc">${t("action_description")}</label>
        <input id="a-desc" required value=${description} onInput=${(e) => setDescription(e.target.value)} /></div>
      <div><label for="a-owner">${t("action_owner")}</label>
        <input id="a-owner" required size="8" value=${owner} onInput=${(e) => setOwner(e.target.value)} /></div>
      <div><label for="a-due">${t("action_due")}</label>
        <input id="a-due" type="date" required value=${due} onInput=${(e) => setDue(e.target.value)} /></div>
      <div><label for="a-topic">${t("action_topic")}</label>
        <select id="a-topic" value=${topicId} onChange=${(e) => setTopicId(e.target.value)}>
          <option value="">—</option>
          ${(meeting.agenda || []).map((a) => html`<option key=${a.topic_id} value=${a.topic_id}>#${a.topic_id} ${a.title}</option>`)}
        </select></div>
      <button type="submit" disabled=${busy}>${t("action_add")}</button>
    </form>
  </div>`;
}

function MeetingRecord({ meeting, busy, onSave }) {
  const [status, setStatus] = useState(meeting.status || "planned");
  const [count, setCount] = useState(meeting.attendance_count ?? "");
  const [names, setNames] = useState(
    Array.isArray(meeting.attendance_names) ? meeting.attendance_names.join("、") : meeting.attendance_names || "",
  );
  const [minutes, setMinutes] = useState(meeting.minutes || "");
  return html`<form class="card stack" data-testid="meeting-record" onSubmit=${(e) => {
    e.preventDefault();
    const body = { status, attendance_names: names.trim(), minutes };
    if (count !== "") body.attendance_count = Number(count);
    onSave(body);
  }}>
    <h2>${t("attendance")} · ${t("minutes")}</h2>
    <label for="mt-status">${t("meeting_status")}</label>
    <select id="mt-status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
      ${["planned", "held", "cancelled"].map((s) => html`<option key=${s} value=${s}>${t(`meeting_${s}`)}</option>`)}
    </select>
    <label for="mt-count">${t("attendance_count")}</label>
    <input id="mt-count" type="number" min="0" value=${count} onInput=${(e) => setCount(e.target.value)} data-testid="attendance-count" />
    <label for="mt-names">${t("attendance_names")}</label>
    <textarea id="mt-names" value=${names} onInput=${(e) => setNames(e.target.value)}></textarea>
    <label for="mt-minutes">${t("minutes")}</label>
    <textarea id="mt-minutes" rows="8" value=${minutes} onInput=${(e) => setMinutes(e.target.value)} data-testid="minutes"></textarea>
    <button type="submit" disabled=${busy} data-testid="meeting-save">${t("save")}</button>
  </form>`;
}
