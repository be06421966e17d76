// 我的资料与隐私: profile (name or nickname, building), phone change by SMS code, the privacy
// notice and consent (also the screen a new notice version opens), downloading all of one's
// data (sent to a chat as a file, to keep or forward to a computer), and erasing the account
// after a confirmation step.
const { client } = require('../../utils/api.js');
const config = require('../../utils/config.js');
const { when } = require('../../utils/format.js');

/** The notice's Markdown as plain paragraphs (headings and bullets marked by their text). */
function paragraphs(text) {
  return String(text || '')
    .split(/\n{2,}/)
    .map((p) => p.replace(/\*\*/g, '').replace(/^# /, '').replace(/\n- /g, '\n· ').replace(/^- /, '· '))
    .filter((p) => p.trim());
}

function message(e) {
  if (e && e.errors && e.errors.length) return e.message + '：' + e.errors.map((x) => x.message).join('；');
  return (e && e.message) || '出错了，请稍后再试';
}

Page({
  data: {
    loading: true,
    error: '',
    consentMode: false,
    notice: { version: '', paragraphs: [] },
    consent: { needs: false, text: '' },
    name: '',
    phoneMasked: '',
    buildings: [{ building_id: null, name: '不填' }],
    buildingIndex: 0,
    profileMsg: '',
    newPhone: '',
    code: '',
    phoneMsg: '',
    exportMsg: '',
    exporting: false,
    preview: null,
    withdraw: false,
    sure: false,
    eraseMsg: '',
    erased: false,
  },

  onLoad(options) {
    this.setData({ consentMode: !!(options && options.consent === '1') });
    return this.load();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const api = client();
      const [notice, consent, profile, me] = await Promise.all([
        api.request('GET', '/privacy/notice'),
        api.request('GET', '/me/consent'),
        api.request('GET', '/me/profile'),
        api.me(),
      ]);
      const c = me.communities && me.communities[0];
      const list = c ? await api.buildings(c.community_id).catch(() => []) : [];
      const buildings = [{ building_id: null, name: '不填' }].concat(Array.isArray(list) ? list : list.items || []);
      const index = Math.max(0, buildings.findIndex((b) => b.building_id === profile.building_id));
      this.setData({
        loading: false,
        notice: { version: notice.version, paragraphs: paragraphs(notice.text) },
        consent: {
          needs: consent.needs_consent,
          text: consent.accepted_version
            ? '您于 ' + when(consent.accepted_at) + ' 同意了第 ' + consent.accepted_version + ' 版隐私告知。'
            : '您还没有同意隐私告知。',
        },
        name: profile.name || '',
        phoneMasked: profile.phone || '',
        buildings,
        buildingIndex: index,
      });
    } catch (e) {
      this.setData({ loading: false, error: message(e) });
    }
  },

  onName(e) {
    this.setData({ name: e.detail.value });
  },
  onBuilding(e) {
    this.setData({ buildingIndex: Number(e.detail.value) });
  },

  async saveProfile() {
    const b = this.data.buildings[this.data.buildingIndex];
    try {
      const p = await client().request('PUT', '/me/profile', {
        name: this.data.name.trim() || null,
        building_id: b ? b.building_id : null,
      });
      this.setData({ name: p.name || '', profileMsg: '已保存' });
    } catch (e) {
      this.setData({ profileMsg: message(e) });
    }
  },

  onNewPhone(e) {
    this.setData({ newPhone: e.detail.value });
  },
  onCode(e) {
    this.setData({ code: e.detail.value });
  },
  async sendCode() {
    try {
      await client().request('POST', '/me/phone/code', { phone: this.data.newPhone.trim() });
      this.setData({ phoneMsg: '验证码已发送到新手机号' });
    } catch (e) {
      this.setData({ phoneMsg: message(e) });
    }
  },
  async changePhone() {
    try {
      const p = await client().request('PUT', '/me/phone', { phone: this.data.newPhone.trim(), code: this.data.code.trim() });
      this.setData({ phoneMasked: p.phone, newPhone: '', code: '', phoneMsg: '手机号已更换' });
    } catch (e) {
      this.setData({ phoneMsg: message(e) });
    }
  },

  async accept() {
    try {
      await client().request('POST', '/me/consent', { version: this.data.notice.version });
      this.setData({ 'consent.needs': false });
      if (this.data.consentMode) wx.navigateBack({ delta: 1 });
      else await this.load();
    } catch (e) {
      this.setData({ error: message(e) });
    }
  },

  /** Download the archive; a 202 names where it will be ready. */
  download(path) {
    const api = client();
    return new Promise((resolve, reject) => {
      wx.downloadFile({
        url: config.BASE_URL + path,
        header: { authorization: 'Bearer ' + api.tokens().access_token },
        success: resolve,
        fail: (e) => reject(new Error((e && e.errMsg) || '下载失败')),
      });
    });
  },

  async exportData() {
    this.setData({ exporting: true, exportMsg: '正在准备…' });
    try {
      await client().request('GET', '/me/consent'); // a fresh access token for the download
      let res = await this.download('/me/export');
      for (let i = 0; res.statusCode === 202 && i < 60; i += 1) {
        const body = JSON.parse(wx.getFileSystemManager().readFileSync(res.tempFilePath, 'utf8'));
        this.setData({ exportMsg: '数据较多，正在准备，请稍候…' });
        await new Promise((ok) => setTimeout(ok, 2000));
        res = await this.download(body.url.replace(/^\/api\/v1/, ''));
      }
      if (res.statusCode !== 200) throw new Error('下载失败，请稍后再试');
      this.setData({ exporting: false, exportMsg: '已下载。可以发送到聊天（例如“文件传输助手”）保存或在电脑上打开。' });
      if (wx.shareFileMessage) wx.shareFileMessage({ filePath: res.tempFilePath, fileName: 'minyi-data.zip' });
    } catch (e) {
      this.setData({ exporting: false, exportMsg: message(e) });
    }
  },

  async startErase() {
    try {
      const p = await client().request('POST', '/me/erasure', {});
      this.setData({ preview: p, sure: false, withdraw: false, eraseMsg: '' });
    } catch (e) {
      this.setData({ eraseMsg: message(e) });
    }
  },
  onWithdraw(e) {
    this.setData({ withdraw: !!e.detail.value });
  },
  onSure(e) {
    this.setData({ sure: !!e.detail.value });
  },
  cancelErase() {
    this.setData({ preview: null, sure: false });
  },
  async confirmErase() {
    if (!this.data.sure || !this.data.preview) return;
    try {
      await client().request('DELETE', '/me', {
        confirmation: this.data.preview.confirmation,
        withdraw_suggestions: this.data.withdraw,
      });
      client().saveTokens(null);
      getApp().globalData.me = null;
      this.setData({ erased: true, preview: null });
    } catch (e) {
      this.setData({ eraseMsg: message(e) });
    }
  },
});
