// The residents' mini-program: silent WeChat login, drafts sent when the network returns.
const { client } = require('./utils/api.js');
const drafts = require('./utils/drafts.js');

App({
  globalData: { me: null },
  onLaunch() {
    wx.onNetworkStatusChange((res) => {
      if (res.isConnected) drafts.flush(client()).catch(() => {});
    });
  },
  onShow() {
    drafts.flush(client()).catch(() => {});
  },
  /** The logged-in resident (silent login on first use). */
  async me(force) {
    if (!this.globalData.me || force) this.globalData.me = await client().me();
    return this.globalData.me;
  },
});
