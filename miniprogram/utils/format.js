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

/** Money in fen → `¥1234.50`, exactly (integer arithmetic, no floating point). */
function yuan(fen) {
  const n = Number(fen) || 0;
  const f = Math.abs(n);
  return (n < 0 ? '-' : '') + '¥' + Math.floor(f / 100) + '.' + pad(f % 100);
}

/** `2026-03-01` → `2026年3月1日`. */
function day(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
  return m ? Number(m[1]) + '年' + Number(m[2]) + '月' + Number(m[3]) + '日' : d || '';
}

/** A funded project as the topic page shows it (GET /topics/{id}/projects, one item). */
function project(p) {
  const pr = p.progress || {};
  const milestones = p.milestones || [];
  const r = p.residents || {};
  return {
    id: p.project_id,
    title: p.title,
    organisation: p.organisation_name,
    phase: p.phase,
    phaseLabel: p.phase_label,
    need: p.need,
    goals: p.goals,
    money: yuan(p.awarded_fen),
    dates: day(p.starts_on) + ' 至 ' + day(p.ends_on),
    percent: pr.percent || 0,
    progressText: '进度 ' + (pr.percent || 0) + '%（' + milestones.filter((m) => m.done_at).length + '/' +
      milestones.length + ' 个节点完成）· 已使用资金 ' + yuan(pr.spent_fen || 0),
    milestones: milestones.map((m) => ({
      id: m.milestone_id,
      title: m.title,
      due: day(m.due_on),
      state: m.done_at ? '已完成（' + when(m.done_at) + '）' + (m.done_note ? '，' + m.done_note : '') : '计划中',
    })),
    activities: (p.activities || []).map((a, i) => ({
      i,
      head: day(a.held_on) + ' · ' + a.place,
      summary: a.summary,
      counts: '参加 ' + a.participants + ' 人 · 受益 ' + a.beneficiaries + ' 人 · 志愿服务 ' + a.volunteer_hours + ' 小时',
      photoIds: a.photos || [],
      photos: [],
    })),
    evaluation: p.evaluation ? p.evaluation.grade_label + '（' + p.evaluation.overall + ' 分）' : '',
    residentsText: (r.participants || 0) + ' 位居民报名参加 · ' + (r.volunteers || 0) + ' 位志愿者' +
      (r.ratings ? ' · ' + r.ratings + ' 人评分，平均 ' + (r.rating_x10 / 10).toFixed(1) + ' 星' : ''),
    joined: (p.my_signups || []).indexOf('participant') >= 0,
    volunteered: (p.my_signups || []).indexOf('volunteer') >= 0,
    myRating: p.my_rating || 0,
    stars: p.my_rating || 0,
    canSignUp: !!p.can_sign_up,
    canRate: !!p.can_rate,
  };
}

module.exports = { ANSWERS, when, timeline, yuan, day, project };
