// One topic (also where WeChat subscribe messages lead: pages/topic/topic?id=…): status,
// decision, timeline, residents' voices, support, and satisfaction once resolved.
const { client } = require('../../utils/api.js');
const { ANSWERS, when } = require('../../utils/format.js');

Page({
  data: { id: 0, loading: true, error: '', topic: null, timeline: [], decisions: [], voices: [], canRate: false, rated: '', choice: '', comment: '', answers: ANSWERS, busy: false },

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
        voices: (d.voices || []).slice(0, 20).map((v, i) => ({ i, text: v.text, author: v.author || '', photoIds: v.photo_ids || [], photos: [] })),
        canRate: !!d.can_rate,
        rated: mine ? mine.label : '',
        choice: mine ? mine.value : '',
        comment: (d.my_satisfaction && d.my_satisfaction.comment) || '',
      });
      this.loadPhotos();
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

  /** Photos a worker published, downloaded with the token. */
  async loadPhotos() {
    const voices = this.data.voices;
    for (let i = 0; i < voices.length; i += 1) {
      if (!voices[i].photoIds.length) continue;
      const paths = [];
      for (const id of voices[i].photoIds) {
        try {
          paths.push(await client().photo(id));
        } catch (e) {
          /* left out */
        }
      }
      this.setData({ ['voices[' + i + '].photos']: paths });
    }
  },

  preview(e) {
    const { index, src } = e.currentTarget.dataset;
    wx.previewImage({ current: src, urls: this.data.voices[Number(index)].photos });
  },

  choose(e) {
    this.setData({ choice: e.currentTarget.dataset.answer });
  },

  onComment(e) {
    this.setData({ comment: e.detail.value });
  },

  async rate() {
    const answer = this.data.choice;
    if (!answer) {
      wx.showToast({ title: '请先选择满意、基本满意或不满意', icon: 'none' });
      return;
    }
    try {
      await client().satisfaction(this.data.id, answer, (this.data.comment || '').trim() || undefined);
      this.setData({ rated: ANSWERS.find((a) => a.value === answer).label });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
  },
});
