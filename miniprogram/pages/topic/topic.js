// One topic (also where WeChat subscribe messages lead: pages/topic/topic?id=…): status,
// decision, timeline, residents' voices, support, and satisfaction once resolved.
const { client } = require('../../utils/api.js');
const { ANSWERS, when, project } = require('../../utils/format.js');

Page({
  data: { id: 0, loading: true, error: '', topic: null, projects: [], starChoices: [1, 2, 3, 4, 5], timeline: [], decisions: [], voices: [], canRate: false, rated: '', choice: '', comment: '', answers: ANSWERS, busy: false },

  onLoad(q) {
    this.setData({ id: Number(q.id) });
    return this.load();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const d = await client().topic(this.data.id);
      // A topic that became a funded project shows it; the topic still shows if this fails.
      const funded = await client().topicProjects(this.data.id).then((r) => r.items || []).catch(() => []);
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
        projects: funded.map(project),
        decisions: (d.meetings || []).filter((m) => m.decision).map((m) => ({ id: m.meeting_id, title: m.title, time: when(m.held_at), decision: m.decision })),
        voices: (d.voices || []).slice(0, 20).map((v, i) => ({ i, text: v.text, author: v.author || '', photoIds: v.photo_ids || [], photos: [] })),
        canRate: !!d.can_rate,
        rated: mine ? mine.label : '',
        choice: mine ? mine.value : '',
        comment: (d.my_satisfaction && d.my_satisfaction.comment) || '',
      });
      this.loadPhotos();
      this.loadProjectPhotos();
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

  /** Photos of the projects' activities. */
  async loadProjectPhotos() {
    const projects = this.data.projects;
    for (let p = 0; p < projects.length; p += 1) {
      for (let a = 0; a < projects[p].activities.length; a += 1) {
        const ids = projects[p].activities[a].photoIds;
        if (!ids.length) continue;
        const paths = [];
        for (const id of ids) {
          try {
            paths.push(await client().photo(id));
          } catch (e) {
            /* left out */
          }
        }
        this.setData({ ['projects[' + p + '].activities[' + a + '].photos']: paths });
      }
    }
  },

  previewProject(e) {
    const { p, a, src } = e.currentTarget.dataset;
    wx.previewImage({ current: src, urls: this.data.projects[Number(p)].activities[Number(a)].photos });
  },

  /** Sign up to take part (`participant`) or volunteer (`volunteer`). */
  async signUp(e) {
    const { index, kind } = e.currentTarget.dataset;
    const p = this.data.projects[Number(index)];
    try {
      const r = await client().projectSignup(p.id, kind);
      this.setData({ ['projects[' + index + ']']: project(r) });
      wx.showToast({ title: '报名成功', icon: 'success' });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
  },

  chooseStars(e) {
    const { index, stars } = e.currentTarget.dataset;
    this.setData({ ['projects[' + index + '].stars']: Number(stars) });
  },

  async rateProject(e) {
    const index = Number(e.currentTarget.dataset.index);
    const p = this.data.projects[index];
    if (!p.stars) {
      wx.showToast({ title: '请先选择 1 至 5 星', icon: 'none' });
      return;
    }
    try {
      const r = await client().projectRating(p.id, p.stars);
      this.setData({ ['projects[' + index + ']']: project(r) });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
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
