// Post a suggestion: text, building, up to 9 photos (compressed before upload), show-name switch.
// The suggestion is saved as a draft first and sent; on submit the resident is asked for the
// subscribe-message grants, so they hear back when something happens to their topic.
const { client } = require('../../utils/api.js');
const drafts = require('../../utils/drafts.js');

const MAX_PHOTOS = 9;

function compress(src) {
  return new Promise((resolve) => {
    wx.compressImage({
      src,
      quality: 70,
      success: (r) => resolve(r.tempFilePath),
      fail: () => resolve(src),
    });
  });
}

Page({
  data: {
    text: '',
    buildings: [{ building_id: 0, name: '不选' }],
    buildingIndex: 0,
    photos: [],
    showName: false,
    sending: false,
    message: '',
    messageKind: '',
    templateIds: [],
  },

  async onLoad() {
    try {
      const me = await getApp().me();
      const c = me.communities && me.communities[0];
      if (c) {
        const list = await client().buildings(c.community_id);
        this.setData({ buildings: [{ building_id: 0, name: '不选' }].concat(list.items || list) });
      }
    } catch (e) {
      /* the building is optional */
    }
    try {
      const t = await client().subscribeTemplates();
      this.setData({ templateIds: (t.templates || []).map((x) => x.template_id) });
    } catch (e) {
      /* no subscribe messages: residents still see news in the mini-program */
    }
  },

  onText(e) {
    this.setData({ text: e.detail.value });
  },
  onBuilding(e) {
    this.setData({ buildingIndex: Number(e.detail.value) });
  },
  onShowName(e) {
    this.setData({ showName: !!e.detail.value });
  },

  choosePhotos() {
    const left = MAX_PHOTOS - this.data.photos.length;
    if (left <= 0) {
      wx.showToast({ title: '最多 9 张照片', icon: 'none' });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      wx.chooseMedia({
        count: left,
        mediaType: ['image'],
        sizeType: ['compressed'],
        success: async (r) => {
          const paths = [];
          for (const f of r.tempFiles.slice(0, left)) paths.push(await compress(f.tempFilePath));
          this.setData({ photos: this.data.photos.concat(paths).slice(0, MAX_PHOTOS) });
          resolve();
        },
        fail: () => resolve(),
      });
    });
  },

  removePhoto(e) {
    const i = Number(e.currentTarget.dataset.index);
    const photos = this.data.photos.slice();
    photos.splice(i, 1);
    this.setData({ photos });
  },

  /** Ask for subscribe-message grants (must run from the tap) and record the accepted ones. */
  askSubscriptions() {
    const ids = this.data.templateIds;
    if (!ids.length || !wx.requestSubscribeMessage) return Promise.resolve([]);
    return new Promise((resolve) => {
      wx.requestSubscribeMessage({
        tmplIds: ids,
        success: (res) => resolve(ids.filter((id) => res[id] === 'accept')),
        fail: () => resolve([]),
      });
    }).then((accepted) => {
      if (accepted.length) client().subscriptions(accepted).catch(() => {});
      return accepted;
    });
  },

  async submit() {
    const text = (this.data.text || '').trim();
    if (Array.from(text).length < 5) {
      this.setData({ message: '请至少写 5 个字，说清楚是什么事、在哪里', messageKind: 'error' });
      return;
    }
    if (this.data.sending) return;
    const subscribing = this.askSubscriptions();
    this.setData({ sending: true, message: '' });
    const b = this.data.buildings[this.data.buildingIndex];
    let d;
    try {
      d = await drafts.create({
        text,
        building_id: b && b.building_id ? b.building_id : null,
        show_name: this.data.showName,
        photos: this.data.photos,
      });
    } catch (e) {
      // No secure random source for the client id (a very old WeChat): nothing was saved.
      await subscribing;
      this.setData({ sending: false, message: e.message, messageKind: 'error' });
      return;
    }
    const r = await drafts.send(client(), d);
    await subscribing;
    if (r.ok) {
      this.setData({
        sending: false, text: '', photos: [], buildingIndex: 0, showName: false,
        message: '已提交，谢谢您！进展可在“我的”里查看。', messageKind: 'ok',
      });
    } else if (r.draft.status === 'pending') {
      this.setData({
        sending: false, text: '', photos: [], buildingIndex: 0,
        message: '已保存为草稿：' + r.draft.reason, messageKind: 'notice',
      });
    } else {
      drafts.remove(d.client_id);
      this.setData({ sending: false, message: r.draft.reason, messageKind: 'error' });
    }
  },
});
