// Shown when the server refuses the silent WeChat login: says why and offers to try again.
const { client } = require('../../utils/api.js');

const HINTS = {
  forbidden: '您的账号已被停用，请联系社区工作人员。',
  wechat_not_configured: '服务尚未开通微信登录，请联系社区工作人员。',
  wechat_invalid_code: '登录凭证已失效，请点“重新登录”。',
  wechat_rate_limited: '登录的人太多了，请稍等一分钟再试。',
};

Page({
  data: { message: '', hint: '', code: '', busy: false },
  onLoad(q) {
    const code = decodeURIComponent(q.code || '');
    this.setData({
      code,
      message: decodeURIComponent(q.msg || '登录失败'),
      hint: HINTS[code] || '请检查网络后重试；仍不行请联系社区工作人员。',
    });
  },
  async retry() {
    this.setData({ busy: true });
    client().saveTokens(null);
    try {
      await getApp().me(true);
      wx.reLaunch({ url: '/pages/board/index' });
    } catch (e) {
      this.setData({ busy: false, message: e.message });
    }
  },
});
