// The community's board: topics with their status and counts; "我也支持" toggles support.
const { client } = require('../../utils/api.js');

function view(t) {
  return {
    id: t.id,
    title: t.title,
    summary: t.summary || '',
    status: t.status,
    statusLabel: t.status_label,
    statusReason: t.status_reason || '',
    decision: t.decision || '',
    memberCount: t.member_count,
    supporterCount: t.supporter_count,
    supported: !!t.supported,
    busy: false,
  };
}

Page({
  data: { loading: true, error: '', topics: [], communityMissing: false },

  onShow() {
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const me = await getApp().me();
      const c = me.communities && me.communities[0];
      if (!c) {
        this.setData({ loading: false, communityMissing: true, topics: [] });
        return;
      }
      const page = await client().topics(c.community_id);
      const topics = (page.items || []).filter((t) => t.status !== 'merged').map(view);
      this.setData({ loading: false, topics, communityMissing: false });
    } catch (e) {
      this.setData({ loading: false, error: e.message });
    }
  },

  async toggleSupport(ev) {
    const id = Number(ev.currentTarget.dataset.id);
    const i = this.data.topics.findIndex((t) => t.id === id);
    if (i < 0 || this.data.topics[i].busy) return;
    const t = this.data.topics[i];
    const on = !t.supported;
    this.setData({ ['topics[' + i + '].busy']: true });
    try {
      const r = await client().support(id, on);
      this.setData({
        ['topics[' + i + '].supported']: r.supported,
        ['topics[' + i + '].supporterCount']: r.supporter_count,
        ['topics[' + i + '].busy']: false,
      });
    } catch (e) {
      this.setData({ ['topics[' + i + '].busy']: false });
      wx.showToast({ title: e.message, icon: 'none' });
    }
  },

  open(ev) {
    wx.navigateTo({ url: '/pages/topic/topic?id=' + ev.currentTarget.dataset.id });
  },

  goPost() {
    wx.switchTab({ url: '/pages/post/index' });
  },
});
