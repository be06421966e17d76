// Volunteer assist mode: a volunteer (staff account) types in a suggestion for a resident beside
// them. The resident's consent is required and recorded; the client id is made once per form,
// so a retry after a network failure never creates a second suggestion.
const { createClient } = require('../../utils/api.js');
const drafts = require('../../utils/drafts.js');

let staff = null;
function staffClient() {
  if (!staff) staff = createClient({ tokenKey: 'minyi.staff.tokens', silentLogin: false });
  return staff;
}

Page({
  data: {
    loggedIn: false,
    username: '',
    password: '',
    name: '',
    phone: '',
    text: '',
    consent: false,
    sending: false,
    message: '',
    messageKind: '',
    clientId: '',
  },

  onLoad() {
    const t = staffClient().tokens();
    this.setData({ loggedIn: !!t });
    return this.newForm();
  },

  /** A new client id for the next form (kept across retries of the same form). */
  newForm() {
    return drafts.newClientId().then(
      (clientId) => this.setData({ clientId }),
      (e) => this.setData({ clientId: '', message: e.message, messageKind: 'error' })
    );
  },

  onInput(e) {
    this.setData({ [e.currentTarget.dataset.field]: e.detail.value });
  },
  onConsent(e) {
    this.setData({ consent: !!e.detail.value });
  },

  async login() {
    try {
      await staffClient().passwordLogin(this.data.username.trim(), this.data.password);
      this.setData({ loggedIn: true, password: '', message: '' });
    } catch (e) {
      this.setData({ message: e.message, messageKind: 'error' });
    }
  },

  logout() {
    staffClient().logout();
    this.setData({ loggedIn: false });
  },

  async submit() {
    if (!this.data.consent) {
      this.setData({ message: '请先征得居民本人同意，并打开“居民已同意”', messageKind: 'error' });
      return;
    }
    if (Array.from(this.data.text.trim()).length < 5) {
      this.setData({ message: '请至少写 5 个字', messageKind: 'error' });
      return;
    }
    this.setData({ sending: true, message: '' });
    if (!this.data.clientId) await this.newForm();
    if (!this.data.clientId) {
      this.setData({ sending: false });
      return;
    }
    const onBehalf = { consent: true };
    if (this.data.name.trim()) onBehalf.name = this.data.name.trim();
    if (this.data.phone.trim()) onBehalf.phone = this.data.phone.trim();
    try {
      const r = await staffClient().post({
        client_id: this.data.clientId,
        text: this.data.text.trim(),
        on_behalf: onBehalf,
      });
      this.setData({
        sending: false, name: '', phone: '', text: '', consent: false, clientId: '',
        message: '已代为提交（编号 ' + r.id + '），请告诉居民可以在社区公告栏查看进展。', messageKind: 'ok',
      });
      await this.newForm();
    } catch (e) {
      // The same client id is kept: pressing submit again is safe.
      this.setData({ sending: false, message: e.message, messageKind: 'error' });
    }
  },
});
