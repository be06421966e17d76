// The residents' mini-program: silent WeChat login, drafts sent when the network returns.
const { client } = require('./utils/api.js');
const drafts = require('./utils/drafts.js');
const join = require('./utils/join.js');

App({
  globalData: { me: null },
  onLaunch(options) {
    // Opened from a community poster: keep its join code until the resident confirms.
    const launch = options || (wx.getLaunchOptionsSync ? wx.getLaunchOptionsSync() : null);
    join.remember(join.codeFromOptions(launch));
    wx.onNetworkStatusChange((res) => {
      if (res.isConnected) drafts.flush(client()).catch(() => {});
    });
  },
  onShow(options) {
    join.remember(join.codeFromOptions(options));
    drafts.flush(client()).catch(() => {});
    this.checkConsent();
  },
  /** A resident who has not accepted the current privacy notice is shown it (once per visit). */
  async checkConsent() {
    if (this.consentAsked) return;
    try {
      const state = await client().request('GET', '/me/consent');
      if (state && state.needs_consent) {
        this.consentAsked = true;
        wx.navigateTo({ url: '/pages/privacy/index?consent=1' });
      }
    } catch (e) {
      /* offline or not a resident: ask on the next visit */
    }
  },
  /** The logged-in resident (silent login on first use). */
  async me(force) {
    if (!this.globalData.me || force) this.globalData.me = await client().me();
    return this.globalData.me;
  },
});
