// The community's board: topics with their status and counts; "我也支持" toggles support.
const { client } = require('../../utils/api.js');
const join = require('../../utils/join.js');

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
  data: { loading: true, error: '', topics: [], communityMissing: false, joining: null, joinBusy: false, communityName: '' },

  /** A mini-program code can point at this page with `scene`. */
  onLoad(options) {
    join.remember(join.codeFromOptions(options));
  },

  onShow() {
    return this.load();
  },

  /** A poster's code is waiting: show its community and ask. */
  async offerJoin(code, current) {
    try {
      const c = await client().joinPreview(code);
      if (current && current.community_id === c.community_id) {
        join.clear();
        return false;
      }
      this.setData({
        loading: false,
        joining: { code, name: c.name, street: c.street_name, from: current ? current.name : '' },
      });
      return true;
    } catch (e) {
      join.clear();
      this.setData({ error: e.message });
      return false;
    }
  },

  async confirmJoin() {
    const j = this.data.joining;
    if (!j || this.data.joinBusy) return;
    this.setData({ joinBusy: true });
    try {
      await client().joinCommunity(j.code);
      join.clear();
      await getApp().me(true);
      this.setData({ joining: null, joinBusy: false });
      wx.showToast({ title: '已加入' + j.name, icon: 'none' });
      await this.load();
    } catch (e) {
      this.setData({ joinBusy: false, error: e.message });
    }
  },

  declineJoin() {
    join.clear();
    this.setData({ joining: null });
    return this.load();
  },

  /** Scan the poster on the notice board (no community number to type). */
  async scanToJoin() {
    const code = await join.scan();
    if (!code) {
      wx.showToast({ title: '没有识别到社区二维码', icon: 'none' });
      return;
    }
    join.remember(code);
    await this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const me = await getApp().me();
      const c = me.communities && me.communities[0];
      const code = join.pending();
      if (code && (await this.offerJoin(code, c))) return;
      if (!c) {
        this.setData({ loading: false, communityMissing: true, topics: [] });
        return;
      }
      const page = await client().topics(c.community_id);
      const topics = (page.items || []).filter((t) => t.status !== 'merged').map(view);
      this.setData({ loading: false, topics, communityMissing: false, communityName: c.name });
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
