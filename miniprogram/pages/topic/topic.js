// One topic (also where WeChat subscribe messages lead: pages/topic/topic?id=…): status,
// decision, timeline, residents' voices, support, and satisfaction once resolved.
const { client } = require('../../utils/api.js');
const { ANSWERS, when } = require('../../utils/format.js');

Page({
  data: { id: 0, loading: true, error: '', topic: null, timeline: [], decisions: [], voices: [], canRate: false, rated: '', answers: ANSWERS, busy: false },

  onLoad(q) {
    this.setData({ id: Number(q.id) });
    return this.load();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const d = await client().topic(this.data.id);
      const t = d.topic;
      const mine = d.my_satisfaction && ANSWERS.find((a) => a.value === d.my_satisfaction.answer);
      this.setData({
        loading: false,
        topic: {
          id: t.id,
          title: t.title,
          summary: t.summary || '',
          status: t.status,
          statusLabel: t.status_label,
          statusReason: t.status_reason || '',
          decision: t.decision || '',
          memberCount: t.member_count,
          supporterCount: t.supporter_count,
          supported: !!(d.supported !== undefined ? d.supported : t.supported),
        },
        timeline: d.timeline || [],
        decisions: (d.meetings || []).filter((m) => m.decision).map((m) => ({ id: m.meeting_id, title: m.title, time: when(m.held_at), decision: m.decision })),
        voices: (d.voices || []).slice(0, 20).map((v, i) => ({ i, text: v.text, author: v.author || '' })),
        canRate: !!d.can_rate,
        rated: mine ? mine.label : '',
      });
    } catch (e) {
      this.setData({ loading: false, error: e.message });
    }
  },

  async toggleSupport() {
    const t = this.data.topic;
    if (!t || this.data.busy) return;
    this.setData({ busy: true });
    try {
      const r = await client().support(t.id, !t.supported);
      this.setData({ 'topic.supported': r.supported, 'topic.supporterCount': r.supporter_count, busy: false });
    } catch (e) {
      this.setData({ busy: false });
      wx.showToast({ title: e.message, icon: 'none' });
    }
  },

  async rate(e) {
    const answer = e.currentTarget.dataset.answer;
    try {
      await client().satisfaction(this.data.id, answer);
      this.setData({ rated: ANSWERS.find((a) => a.value === answer).label });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
  },
});
