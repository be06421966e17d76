// Times for display (Asia/Shanghai) and the satisfaction answers. Status, state and timeline
// labels are not kept here: the server sends them with each item (`status_label`,
// `state_label`, `kind_label`), the one source for every client.
const ANSWERS = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
];

function pad(n) {
  return n < 10 ? '0' + n : '' + n;
}

/** RFC 3339 UTC → `2026-11-26 20:30` in Beijing time. */
function when(iso) {
  const t = Date.parse(iso);
  if (isNaN(t)) return iso || '';
  const d = new Date(t + 8 * 3600 * 1000);
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
    pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}

function timeline(entries) {
  return (entries || []).map((e) => ({
    id: e.timeline_entry_id,
    kind: e.kind_label,
    body: e.body,
    time: when(e.created_at),
  }));
}

module.exports = { ANSWERS, when, timeline };
