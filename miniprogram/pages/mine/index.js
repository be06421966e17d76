// My suggestions: drafts waiting to be sent, then each suggestion with its topic and timeline;
// once the topic is resolved the resident says whether they are satisfied.
const { client } = require('../../utils/api.js');
const drafts = require('../../utils/drafts.js');
const { ANSWERS, when } = require('../../utils/format.js');
const join = require('../../utils/join.js');

function answerLabel(a) {
  const found = ANSWERS.find((x) => x.value === a);
  return found ? found.label : '';
}

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
    canRate: !!(s.can_rate || (t && t.status === 'resolved')),
    // The answer already given (and its comment), from the server.
    rated: s.my_satisfaction ? s.my_satisfaction.answer_label || answerLabel(s.my_satisfaction.answer) : '',
    comment: (s.my_satisfaction && s.my_satisfaction.comment) || '',
    choice: (s.my_satisfaction && s.my_satisfaction.answer) || '',
    photoIds: s.photo_ids || [],
    photos: [],
  };
}

Page({
  data: { loading: true, error: '', items: [], drafts: [], answers: ANSWERS, notices: [], community: '' },

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
      const items = (page.items || []).map(view);
      this.setData({ loading: false, items });
      this.loadPhotos(items);
      getApp().me().then((me) => {
        const c = me.communities && me.communities[0];
        this.setData({ community: c ? c.name : '' });
      }).catch(() => {});
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

  /** My photos, downloaded with the token (an <image> cannot send it). */
  async loadPhotos(items) {
    for (let i = 0; i < items.length; i += 1) {
      if (!items[i].photoIds.length) continue;
      const paths = [];
      for (const id of items[i].photoIds) {
        try {
          paths.push(await client().photo(id));
        } catch (e) {
          /* a photo that cannot be loaded is left out */
        }
      }
      this.setData({ ['items[' + i + '].photos']: paths });
    }
  },

  preview(e) {
    const { index, src } = e.currentTarget.dataset;
    wx.previewImage({ current: src, urls: this.data.items[Number(index)].photos });
  },

  choose(e) {
    const { index, answer } = e.currentTarget.dataset;
    this.setData({ ['items[' + index + '].choice']: answer });
  },

  onComment(e) {
    this.setData({ ['items[' + e.currentTarget.dataset.index + '].comment']: e.detail.value });
  },

  async rate(e) {
    const { index } = e.currentTarget.dataset;
    const item = this.data.items[Number(index)];
    const answer = item.choice;
    if (!answer) {
      wx.showToast({ title: '请先选择满意、基本满意或不满意', icon: 'none' });
      return;
    }
    try {
      await client().satisfaction(item.topic.id, answer, (item.comment || '').trim() || undefined);
      this.setData({ ['items[' + index + '].rated']: answerLabel(answer) });
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
  },

  /** Moving house: scan the new community's poster (no number to type). */
  async changeCommunity() {
    const code = await join.scan();
    if (!code) {
      wx.showToast({ title: '没有识别到社区二维码', icon: 'none' });
      return;
    }
    join.remember(code);
    wx.switchTab({ url: '/pages/board/index' });
  },
});
