// Labels and times for display (Asia/Shanghai).
const STATUS = {
  new: '待分拣', accepted: '已受理', scheduled: '议事中', decided: '已决议',
  in_progress: '落实中', resolved: '已办结', rejected: '未采纳', merged: '已合并',
};
const KIND = {
  accepted: '已受理', scheduled: '列入议事会', decided: '议事会决议', in_progress: '开始落实',
  resolved: '已办结', rejected: '未采纳', merged: '已合并', reply: '社区回复', reopened: '发回重办',
};
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

function statusLabel(s) {
  return STATUS[s] || s;
}

function timeline(entries) {
  return (entries || []).map((e) => ({
    id: e.timeline_entry_id,
    kind: KIND[e.kind] || e.kind,
    body: e.body,
    time: when(e.created_at),
  }));
}

module.exports = { STATUS, KIND, ANSWERS, when, statusLabel, timeline };
