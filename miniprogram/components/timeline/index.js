// A topic's public timeline: what happened to the residents' voice, newest last.
const { timeline } = require('../../utils/format.js');

Component({
  properties: {
    entries: { type: Array, value: [] },
  },
  data: { items: [] },
  observers: {
    entries(v) {
      this.setData({ items: timeline(v) });
    },
  },
  lifetimes: {
    attached() {
      this.setData({ items: timeline(this.properties.entries) });
    },
  },
});
