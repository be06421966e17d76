// Statistics: ECharts charts (suggestions per day by channel, topics by status, satisfaction)
// and the key figures; XLSX export.
import { html, useState, useEffect, useRef, ErrorBox, Loading } from "../ui.js";
import { openFile } from "../api.js";
import { useResource } from "../resource.js";
import { t, STATUSES } from "../i18n.js";

let echartsLoading = null;

/** ECharts is a UMD file loaded once as a classic script from /static (allowed by the CSP). */
function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsLoading) {
    echartsLoading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/static/vendor/echarts.common.min.js";
      s.onload = () => resolve(window.echarts);
      s.onerror = () => reject(new Error("echarts failed to load"));
      document.head.appendChild(s);
    });
  }
  return echartsLoading;
}

function Chart({ option, testid }) {
  const el = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    let alive = true;
    loadECharts().then((echarts) => {
      if (!alive || !el.current) return;
      if (!chart.current) chart.current = echarts.init(el.current);
      chart.current.setOption(option, true);
    });
    return () => {
      alive = false;
    };
  }, [option]);
  useEffect(() => {
    const onResize = () => chart.current && chart.current.resize();
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      if (chart.current) chart.current.dispose();
      chart.current = null;
    };
  }, []);
  return html`<div class="chart" ref=${el} data-testid=${testid}></div>`;
}

function daysAgo(n) {
  const d = new Date(Date.now() - n * 86400000);
  return d.toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

const pct = (x) => (x == null ? "—" : `${(Number(x) * (Number(x) <= 1 ? 100 : 1)).toFixed(1)}%`);
const hours = (x) => (x == null ? "—" : t("hours", { n: Number(x).toFixed(1) }));

/** The scopes a caller can report on: their community, and for admins their street or district. */
function scopes(me, communityId) {
  const out = [{ key: "community", label: t("scope_community"), query: { community_id: communityId } }];
  if (me && me.admin_street_id) out.push({ key: "street", label: t("scope_street"), query: { street_id: me.admin_street_id } });
  if (me && me.admin_district_id) out.push({ key: "district", label: t("scope_district"), query: { district_id: me.admin_district_id } });
  return out;
}

export function Stats({ me, communityId }) {
  const choices = scopes(me, communityId);
  const [scopeKey, setScopeKey] = useState("community");
  const scope = (choices.find((c) => c.key === scopeKey) || choices[0]).query;
  const [from, setFrom] = useState(daysAgo(29));
  const [to, setTo] = useState(daysAgo(0));
  const [range, setRange] = useState({ from: daysAgo(29), to: daysAgo(0) });
  const [exportError, setExportError] = useState(null);
  const stats = useResource("/stats", { query: { ...scope, ...range } });
  const s = stats.data;

  const perDay = s && {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t("channel_online"), t("channel_paper")] },
    grid: { left: 40, right: 16, bottom: 30, top: 40 },
    xAxis: { type: "category", data: (s.suggestions_per_day || []).map((d) => d.day) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t("channel_online"), type: "bar", stack: "all", data: (s.suggestions_per_day || []).map((d) => d.online || 0) },
      { name: t("channel_paper"), type: "bar", stack: "all", data: (s.suggestions_per_day || []).map((d) => d.paper || 0) },
    ],
  };
  const byStatus = s && {
    tooltip: { trigger: "item" },
    series: [{
      type: "pie",
      radius: ["35%", "65%"],
      data: STATUSES.filter((k) => (s.topics_by_status || {})[k]).map((k) => ({ name: t(`status_${k}`), value: s.topics_by_status[k] })),
    }],
  };
  const answers = s && s.satisfaction
    ? (s.satisfaction.satisfied || 0) + (s.satisfaction.basically_satisfied || 0) + (s.satisfaction.unsatisfied || 0)
    : 0;
  const sat = answers > 0 && {
    tooltip: { trigger: "item" },
    series: [{
      type: "pie",
      radius: "60%",
      data: ["satisfied", "basically_satisfied", "unsatisfied"].map((k) => ({ name: t(k), value: s.satisfaction[k] || 0 })),
    }],
  };

  return html`<section data-testid="stats">
    <div class="card">
      <h1>${t("stats_title")}</h1>
      <form class="row" onSubmit=${(e) => {
        e.preventDefault();
        setRange({ from, to });
      }}>
        ${choices.length > 1
          ? html`<div><label for="s-scope">${t("scope")}</label>
              <select id="s-scope" data-testid="stats-scope" value=${scopeKey} onChange=${(e) => setScopeKey(e.currentTarget.value)}>
                ${choices.map((c) => html`<option key=${c.key} value=${c.key}>${c.label}</option>`)}
              </select></div>`
          : null}
        <div><label for="s-from">${t("filter_from")}</label><input id="s-from" type="date" value=${from} onInput=${(e) => setFrom(e.target.value)} /></div>
        <div><label for="s-to">${t("filter_to")}</label><input id="s-to" type="date" value=${to} onInput=${(e) => setTo(e.target.value)} /></div>
        <button type="submit">${t("refresh")}</button>
        <button type="button" class="secondary" data-testid="stats-export"
          onClick=${() => {
            setExportError(null);
            const q = new URLSearchParams({ ...scope, ...range }).toString();
            openFile(`/stats/export.xlsx?${q}`, `stats-${range.from}-${range.to}.xlsx`).catch(setExportError);
          }}>${t("export_xlsx")}</button>
      </form>
      <${ErrorBox} error=${stats.error || exportError} />
    </div>
    ${stats.loading && !s ? html`<${Loading} />` : null}
    ${s
      ? html`
        <div class="card figures" data-testid="figures">
          ${s.suggestions_total != null
            ? html`<div class="figure"><div class="muted">${t("suggestions_total")}</div><div class="value" data-testid="suggestions-total">${s.suggestions_total}</div></div>`
            : null}
          ${s.overdue_now != null
            ? html`<div class="figure"><div class="muted">${t("overdue_now")}</div><div class="value">${s.overdue_now}</div></div>`
            : null}
          <div class="figure"><div class="muted">${t("median_decision")}</div><div class="value">${hours(s.median_hours_to_decision)}</div></div>
          <div class="figure"><div class="muted">${t("median_resolution")}</div><div class="value">${hours(s.median_hours_to_resolution)}</div></div>
          <div class="figure"><div class="muted">${t("on_time_rate")}</div><div class="value">${pct(s.on_time_rate)}</div></div>
          <div class="figure"><div class="muted">${t("satisfaction_rate")}</div><div class="value">${pct(s.satisfaction && s.satisfaction.rate)}</div></div>
        </div>
        <div class="card"><h2>${t("stats_per_day")}</h2><${Chart} option=${perDay} testid="chart-per-day" /></div>
        <div class="grid-half">
          <div class="card"><h2>${t("stats_by_status")}</h2><${Chart} option=${byStatus} testid="chart-status" /></div>
          <div class="card"><h2>${t("stats_satisfaction")}</h2>${sat ? html`<${Chart} option=${sat} testid="chart-satisfaction" />` : html`<p class="muted">${t("no_answers")}</p>`}</div>
        </div>
        <div class="grid-half">
          <div class="card"><h2>${t("top_buildings")}</h2>
            <ol>${(s.top_buildings || []).map((b) => html`<li key=${b.building_id}>${b.name}${t("lp")}${b.count}${t("rp")}</li>`)}</ol></div>
          <div class="card"><h2>${t("top_categories")}</h2>
            <ol>${(s.top_categories || []).map((c) => html`<li key=${c.category}>${c.category}${t("lp")}${c.count}${t("rp")}</li>`)}</ol></div>
        </div>`
      : null}
  </section>`;
}
