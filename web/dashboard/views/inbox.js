// Topic inbox: status tabs with counts, filters, sort, cursor paging and live updates (SSE).
import { html, useState, useEffect, useRef, useCallback, ErrorBox, Loading, StatusBadge, Tabs, usePage } from "../ui.js";
import { api, items, followEvents } from "../api.js";
import { t, formatTime, statuses, statusLabel } from "../i18n.js";

const EMPTY_FILTERS = { category: "", channel: "", building_id: "", from: "", to: "", q: "", overdue: false };

/** Buildings of a community (for filters and forms). */
export function useBuildings(communityId) {
  const [buildings, setBuildings] = useState([]);
  useEffect(() => {
    if (!communityId) return;
    api(`/communities/${communityId}/buildings`)
      .then((d) => setBuildings(items(d)))
      .catch(() => setBuildings([]));
  }, [communityId]);
  return buildings;
}

export function Inbox({ communityId }) {
  const [status, setStatus] = useState("");
  const [sort, setSort] = useState("heat");
  const [draft, setDraft] = useState(EMPTY_FILTERS);
  const [filters, setFilters] = useState(EMPTY_FILTERS);
  const [list, setList] = useState({ items: [], counts: {}, overdue_count: 0, next_cursor: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [live, setLive] = useState(false);
  const [flash, setFlash] = useState(new Set());
  const buildings = useBuildings(communityId);
  usePage(t("inbox_title"));
  const loadedCount = useRef(0);
  const shown = useRef([]);

  const query = useCallback(
    (extra) => ({
      status: status || undefined,
      sort,
      category: filters.category,
      channel: filters.channel,
      building_id: filters.building_id,
      from: filters.from,
      to: filters.to,
      q: filters.q,
      overdue: filters.overdue ? "true" : undefined,
      ...extra,
    }),
    [status, sort, filters],
  );

  const load = useCallback(
    async (opts = {}) => {
      if (!communityId) return;
      setError(null);
      if (!opts.silent) setLoading(true);
      try {
        // A live refresh reloads as many rows as are shown, so paging is kept.
        const limit = opts.keep ? Math.min(100, Math.max(30, loadedCount.current)) : 30;
        const data = await api(`/communities/${communityId}/topics`, { query: query({ limit }) });
        const rows = items(data);
        if (opts.flashChanged) {
          // Highlight the rows that are new or changed since the last load.
          const before = new Map(shown.current.map((r) => [r.id, r]));
          const changed = rows.filter((r) => {
            const o = before.get(r.id);
            return !o || o.version !== r.version || o.member_count !== r.member_count || o.status !== r.status;
          });
          setFlash(new Set(changed.map((r) => r.id)));
        }
        setList({ items: rows, counts: data.counts || {}, overdue_count: data.overdue_count || 0, next_cursor: data.next_cursor });
        shown.current = rows;
        loadedCount.current = rows.length;
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [communityId, query],
  );

  useEffect(() => {
    load();
  }, [load]);

  // Live updates: refresh rows and counts (debounced) whenever the community's events arrive.
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (!communityId) return undefined;
    let timer = null;
    const stop = followEvents(
      communityId,
      () => {
        clearTimeout(timer);
        timer = setTimeout(() => loadRef.current({ silent: true, keep: true, flashChanged: true }), 250);
      },
      setLive,
    );
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [communityId]);

  async function more() {
    try {
      const data = await api(`/communities/${communityId}/topics`, { query: query({ cursor: list.next_cursor, limit: 30 }) });
      const rows = [...shown.current, ...items(data)];
      shown.current = rows;
      loadedCount.current = rows.length;
      setList((old) => ({ ...old, items: rows, next_cursor: data.next_cursor }));
    } catch (e) {
      setError(e);
    }
  }

  const total = Object.entries(list.counts || {})
    .filter(([k]) => k !== "merged")
    .reduce((a, [, n]) => a + (Number(n) || 0), 0);

  return html`
    <section class="card" data-testid="inbox">
      <div class="row" style="justify-content: space-between; align-items: center;">
        <h1>${t("inbox_title")}</h1>
        <span class=${`live ${live ? "on" : "off"}`} data-testid="live-state" data-live=${live ? "on" : "off"}>
          ${live ? t("live_on") : t("live_off")}
        </span>
      </div>
      <${Tabs} id="inbox" label=${t("status_tabs")} testid="status-tabs" selected=${status} onSelect=${setStatus}
        tabs=${[
          { key: "", label: t("status_all"), testid: "tab-all", extra: html`<span class="count">${total}</span>` },
          ...statuses().map((s) => ({
            key: s,
            label: statusLabel(s),
            testid: `tab-${s}`,
            extra: html`<span class="count" data-testid=${`count-${s}`}>${list.counts[s] || 0}</span>`,
          })),
        ]}>
      <form class="row" data-testid="filters"
        onSubmit=${(e) => {
          e.preventDefault();
          setFilters({ ...draft });
        }}>
        <div>
          <label for="f-q">${t("filter_q")}</label>
          <input id="f-q" type="search" value=${draft.q} data-testid="filter-q"
            onInput=${(e) => setDraft({ ...draft, q: e.target.value })} />
        </div>
        <div>
          <label for="f-category">${t("filter_category")}</label>
          <input id="f-category" size="8" value=${draft.category} onInput=${(e) => setDraft({ ...draft, category: e.target.value })} />
        </div>
        <div>
          <label for="f-channel">${t("filter_channel")}</label>
          <select id="f-channel" value=${draft.channel} onChange=${(e) => setDraft({ ...draft, channel: e.target.value })}>
            <option value="">${t("channel_all")}</option>
            <option value="online">${t("channel_online")}</option>
            <option value="paper">${t("channel_paper")}</option>
          </select>
        </div>
        <div>
          <label for="f-building">${t("filter_building")}</label>
          <select id="f-building" value=${draft.building_id} onChange=${(e) => setDraft({ ...draft, building_id: e.target.value })}>
            <option value="">${t("building_all")}</option>
            ${buildings.map((b) => html`<option key=${b.building_id} value=${b.building_id}>${b.name}</option>`)}
          </select>
        </div>
        <div>
          <label for="f-from">${t("filter_from")}</label>
          <input id="f-from" type="date" value=${draft.from} onInput=${(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div>
          <label for="f-to">${t("filter_to")}</label>
          <input id="f-to" type="date" value=${draft.to} onInput=${(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div>
          <label><input type="checkbox" checked=${draft.overdue} onChange=${(e) => setDraft({ ...draft, overdue: e.target.checked })} />
            ${t("filter_overdue")}</label>
        </div>
        <div class="row">
          <button type="submit" data-testid="filter-apply">${t("filter_apply")}</button>
          <button type="button" class="secondary" onClick=${() => {
            setDraft(EMPTY_FILTERS);
            setFilters(EMPTY_FILTERS);
          }}>${t("filter_reset")}</button>
        </div>
        <div>
          <label for="f-sort">${t("sort")}</label>
          <select id="f-sort" value=${sort} data-testid="sort" onChange=${(e) => setSort(e.target.value)}>
            <option value="heat">${t("sort_heat")}</option>
            <option value="newest">${t("sort_newest")}</option>
            <option value="waiting">${t("sort_waiting")}</option>
          </select>
        </div>
      </form>
      ${list.overdue_count ? html`<p><span class="flag">${t("overdue_count", { n: list.overdue_count })}</span></p>` : null}
      <${ErrorBox} error=${error} />
      ${loading && !list.items.length ? html`<${Loading} />` : null}
      <div class="table-wrap">
        <table data-testid="topic-table" class="cards-on-phone">
          <caption class="sr-only">${t("inbox_caption")}</caption>
          <thead>
            <tr>
              <th>#</th><th>${t("col_title")}</th><th>${t("col_status")}</th><th>${t("col_members")}</th>
              <th>${t("col_supporters")}</th><th>${t("col_heat")}</th><th>${t("col_last_activity")}</th>
            </tr>
          </thead>
          <tbody>
            ${list.items.map(
              (row) => html`<tr key=${row.id} class=${`clickable ${flash.has(row.id) ? "flash" : ""}`}
                data-testid="topic-row" data-topic-id=${row.id}
                onClick=${() => (location.hash = `#/topic/${row.id}`)}>
                <td data-label="#">${row.id}</td>
                <td data-label=${t("col_title")} class="title-cell">
                  <a href=${`#/topic/${row.id}`} class="topic-title">${row.title}</a>
                  ${row.overdue ? html`<span class="flag" data-testid="overdue-flag">${t("overdue")}</span>` : null}
                  ${row.reopened ? html`<span class="flag">${t("reopened")}</span>` : null}
                  ${row.summary ? html`<div class="muted text">${row.summary}</div>` : null}
                </td>
                <td data-label=${t("col_status")}><${StatusBadge} status=${row.status} /></td>
                <td data-label=${t("col_members")} data-testid="member-count">${row.member_count}
                  <div class="muted">${t("online_paper", { online: row.online_count ?? 0, paper: row.paper_count ?? 0 })}</div></td>
                <td data-label=${t("col_supporters")}>${row.supporter_count}</td>
                <td data-label=${t("col_heat")}>${row.heat != null ? Number(row.heat).toFixed(1) : ""}</td>
                <td data-label=${t("col_last_activity")}>${formatTime(row.last_activity_at || row.created_at)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${!loading && !list.items.length ? html`<p class="muted" data-testid="no-topics">${t("no_topics")}</p>` : null}
      ${list.next_cursor
        ? html`<div class="pager"><button class="secondary" data-testid="load-more" onClick=${more}>${t("load_more")}</button></div>`
        : null}
      </${Tabs}>
    </section>`;
}
