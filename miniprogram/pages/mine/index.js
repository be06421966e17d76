// My suggestions: drafts waiting to be sent, then each suggestion with its topic and timeline;
// once the topic is resolved the resident says whether they are satisfied.
const { client } = require('../../utils/api.js');
const drafts = require('../../utils/drafts.js');
const { ANSWERS, when } = require('../../utils/format.js');

function view(s) {
  const t = s.topic;
  return {
    id: s.id,
    text: s.text,
    stateLabel: s.state_label,
    time: when(s.created_at),
    moderationReason: s.moderation_reason || '',
    topic: t
      ? {
          id: t.topic_id,
          title: t.title,
          status: t.status,
          statusLabel: t.status_label,
          statusReason: t.status_reason || '',
          memberCount: t.member_count,
          supporterCount: t.supporter_count,
        }
      : null,
    timeline: s.timeline || [],
    canRate: !!(t && t.status === 'resolved'),
    rated: '',
  };
}

Page({
  data: { loading: true, error: '', items: [], drafts: [], answers: ANSWERS, notices: [] },

  onShow() {
    return this.load();
  },

  refreshDrafts() {
    this.setData({
      drafts: drafts.list().map((d) => ({
        clientId: d.client_id,
        text: d.text,
        photoCount: d.photos.length,
        status: d.status,
        reason: d.reason || '等待发送',
      })),
    });
  },

  async load() {
    this.refreshDrafts();
    this.setData({ loading: true, error: '' });
    try {
      const page = await client().mySuggestions();
      this.setData({ loading: false, items: (page.items || []).map(view) });
    } catch (e) {
      this.setData({ loading: false, error: e.message });
    }
    return this.loadNotices();
  },

  /** News about my topics that I have not seen yet; marked read once shown. */
  async loadNotices() {
    try {
      const n = await client().notifications();
      const unread = (n.items || []).filter((x) => !x.read);
      this.setData({
        notices: unread.map((x) => ({ id: x.notification_id, topicId: x.topic_id, title: x.title, body: x.body, time: when(x.created_at) })),
      });
      if (unread.length) await client().markRead(unread.map((x) => x.notification_id));
    } catch (e) {
      /* news can wait for the next visit */
    }
  },

  async retry(e) {
    const id = e.currentTarget.dataset.id;
    const d = drafts.list().find((x) => x.client_id === id);
    if (!d) return;
    d.status = 'pending';
    const r = await drafts.send(client(), d);
    if (!r.ok) wx.showToast({ title: r.draft.reason, icon: 'none' });
    return this.load();
  },

  openTopic(e) {
    wx.navigateTo({ url: '/pages/topic/topic?id=' + e.currentTarget.dataset.id });
  },

  removeDraft(e) {
    drafts.remove(e.currentTarget.dataset.id);
    this.refreshDrafts();
  },

  async rate(e) {
    const { index, answer } = e.currentTarget.dataset;
    const item = this.data.items[Number(index)];
    try {
      await client().satisfaction(item.topic.id, answer);
      const label = ANSWERS.find((a) => a.value === answer).label;
      this.setData({ ['items[' + index + '].rated']: label });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
  },
});
