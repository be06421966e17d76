// Residents' mobile web version (/m/): log in by phone, the community's board of topics,
// post a suggestion (kept as a draft until sent), my suggestions with their timeline.
// Everything residents typed is put in the page as text nodes (never as HTML).
import { api, ApiError, NetworkError, loggedIn, logout, photoUrl } from './api.js';
import { createDraft, deleteDraft, flushDrafts, listDrafts, sendDraft } from './drafts.js';
import { consentGate, privacyView } from './privacy.js';

// Status, state and timeline labels come from the server with each item (`status_label`,
// `state_label`, `kind_label`): one source for every client, so this page keeps no table.
const ANSWERS = [['satisfied', '满意'], ['basically_satisfied', '基本满意'], ['unsatisfied', '不满意']];
const MAX_PHOTOS = 9;

let me = null;
const main = () => document.getElementById('main');

/** Build an element; strings become text nodes, so nothing typed is ever parsed as HTML. */
function el(tag, attrs, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k === 'class') n.className = v;
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

/**
 * Show a view. Its heading names the page (document.title), is said once through the polite
 * status region (#announce; the view itself is not a live region) and takes the focus, so a
 * screen reader starts at the new view.
 */
function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false && n !== ''));
  const heading = m.querySelector('h2');
  if (heading) {
    document.title = `${heading.textContent} · 民意 · 居民议事厅`;
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
    const say = document.getElementById('announce');
    if (say) {
      say.textContent = '';
      setTimeout(() => { say.textContent = heading.textContent; }, 50);
    }
  }
  window.scrollTo(0, 0);
}

/** Photo thumbnails (loaded with the token); a tap opens the photo large in a dialog. */
function photoStrip(ids, what) {
  if (!ids || !ids.length) return null;
  const dialog = el('dialog', { class: 'photo-dialog', 'aria-label': '照片' });
  const big = el('img', { alt: '' });
  let opener = null;
  const close = el('button', { type: 'button', class: 'block' }, '关闭');
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (opener) opener.focus(); });
  dialog.append(big, close);
  const strip = el('div', { class: 'photos', 'data-photos': '' }, ids.map((id, i) => {
    const img = el('img', { alt: '' });
    photoUrl(id).then((u) => { img.src = u; }).catch(() => { img.alt = '照片无法显示'; });
    const b = el('button', { type: 'button', class: 'thumb', 'data-photo': id, 'aria-label': `放大第 ${i + 1} 张照片（${what}）` }, img);
    b.addEventListener('click', async () => {
      opener = b;
      big.alt = `第 ${i + 1} 张照片（${what}）`;
      big.src = await photoUrl(id).catch(() => '');
      dialog.showModal();
    });
    return b;
  }), dialog);
  return strip;
}

function when(iso) {
  try {
    return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric',
      day: 'numeric', hour: '2-digit', minute: '2-digit' });
  } catch { return iso; }
}

function errorText(e) {
  if (e instanceof ApiError && e.errors.length) return e.message + '：' + e.errors.map((x) => x.message).join('；');
  return e.message || '出错了，请稍后再试';
}

function statusBadge(status, label) {
  return el('span', { class: 'status ' + status }, label);
}

function communityId() { return me && me.communities && me.communities[0] && me.communities[0].community_id; }

const JOIN_KEY = 'minyi.m.join';

/** A join code from a link (`…/m/?c=<code>`, the community poster's QR code), or null. */
function codeFromLink(text) {
  const v = String(text || '').trim();
  if (!v) return null;
  let code = v;
  try { code = new URL(v, location.href).searchParams.get('c') || v; } catch { /* not a link */ }
  return /^\d+\.[A-Za-z0-9_-]{20}$/.test(code) ? code : null;
}

/** The join code this page was opened with (kept until used), or null. */
function pendingCode() {
  const c = codeFromLink(new URLSearchParams(location.search).get('c'));
  if (c) {
    localStorage.setItem(JOIN_KEY, c);
    // The code is kept; the address bar loses it (a shared screenshot does not carry it).
    history.replaceState(null, '', location.pathname + location.hash);
  }
  return localStorage.getItem(JOIN_KEY);
}

// --- login -------------------------------------------------------------------------------
function loginView() {
  const phone = el('input', { id: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel', maxlength: 20,
    placeholder: '11 位手机号', 'aria-describedby': 'login-msg' });
  const code = el('input', { id: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: 6, placeholder: '6 位数字', 'aria-describedby': 'login-msg' });
  const msg = el('p', { id: 'login-msg', role: 'alert' });
  const sendBtn = el('button', { type: 'button', class: 'secondary', id: 'send-code' }, '获取验证码');
  let timer = null;
  sendBtn.addEventListener('click', async () => {
    msg.className = ''; msg.textContent = '';
    sendBtn.disabled = true;
    try {
      await api.sendCode(phone.value.trim());
      msg.className = 'okmsg'; msg.textContent = '验证码已发送，5 分钟内有效';
      let left = 60;
      sendBtn.textContent = `${left} 秒后可重发`;
      timer = setInterval(() => {
        left -= 1;
        if (left <= 0) { clearInterval(timer); sendBtn.disabled = false; sendBtn.textContent = '重新获取'; }
        else sendBtn.textContent = `${left} 秒后可重发`;
      }, 1000);
      code.focus();
    } catch (e) {
      sendBtn.disabled = false;
      msg.className = 'error';
      msg.textContent = e instanceof ApiError && e.status === 429 && e.retryAfter
        ? `${e.message}（约 ${e.retryAfter} 秒后）` : errorText(e);
    }
  });
  const form = el('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    msg.className = ''; msg.textContent = '';
    try {
      await api.smsLogin(phone.value.trim(), code.value.trim(), pendingCode());
      if (timer) clearInterval(timer);
      await start();
    } catch (e) {
      msg.className = 'error'; msg.textContent = errorText(e);
    }
  } },
  el('label', { for: 'phone' }, '手机号'),
  el('div', { class: 'row' }, phone, sendBtn),
  el('label', { for: 'code' }, '短信验证码'),
  code,
  msg,
  el('button', { type: 'submit', class: 'block', id: 'login' }, '登录'));
  document.getElementById('tabs').hidden = true;
  show(el('h2', {}, '手机号登录'), el('p', { class: 'muted' }, '登录后可以查看社区议题、提建议、了解办理进展。'), form);
}

/** A form to paste the poster's link (for those who cannot scan); never a community number. */
function linkForm(msg, onCode) {
  const input = el('input', { id: 'join-link', type: 'text', inputmode: 'url', autocomplete: 'off', 'aria-describedby': 'join-link-hint' });
  return el('form', { novalidate: true, onsubmit: (ev) => {
    ev.preventDefault();
    const code = codeFromLink(input.value);
    if (!code) { msg.className = 'error'; msg.textContent = '这不是社区二维码的链接，请检查后再试'; input.focus(); return; }
    onCode(code);
  } },
  el('label', { for: 'join-link' }, '或粘贴二维码下方的链接'),
  el('p', { id: 'join-link-hint', class: 'muted' }, '海报上二维码下方印有一行链接，以 /m/?c= 开头。'),
  input, el('button', { type: 'submit', class: 'secondary block' }, '使用这个链接'));
}

/** No community yet: scan the poster (the phone's camera opens this page with the code). */
function communityView() {
  const msg = el('p', { role: 'alert' });
  show(el('h2', {}, '加入您所在的社区'),
    el('p', {}, '请用手机相机或微信“扫一扫”，扫描社区公告栏上张贴的“民意 · 居民议事厅”二维码，即可加入本社区。'),
    el('p', { class: 'muted' }, '没有看到二维码？请向社区居委会或志愿者询问。'),
    msg, linkForm(msg, (code) => { localStorage.setItem(JOIN_KEY, code); joinView(code); }));
}

/** A code is waiting: show which community it is, join on confirmation. */
async function joinView(code) {
  const current = me && me.communities && me.communities[0];
  show(el('p', { class: 'muted' }, '正在查询二维码…'));
  let c;
  try {
    c = await api.joinPreview(code);
  } catch (e) {
    localStorage.removeItem(JOIN_KEY);
    const msg = el('p', { class: 'error', role: 'alert' }, errorText(e));
    show(el('h2', {}, '二维码无法使用'), msg, el('p', {}, '请扫描社区公告栏上最新张贴的二维码。'),
      current ? el('a', { class: 'btn', href: '#/board' }, '返回议题') : linkForm(msg, joinView));
    return;
  }
  if (current && current.community_id === c.community_id) {
    localStorage.removeItem(JOIN_KEY);
    return route();
  }
  const msg = el('p', { role: 'alert' });
  const yes = el('button', { type: 'button', class: 'block', id: 'join-confirm' }, current ? `换到${c.name}` : `加入${c.name}`);
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api.joinCommunity(code);
      localStorage.removeItem(JOIN_KEY);
      // The new community's board (without a hashchange: start() routes).
      history.replaceState(null, '', location.pathname + '#/board');
      await start();
    } catch (e) {
      yes.disabled = false;
      msg.className = 'error'; msg.textContent = errorText(e);
    }
  });
  const no = el('button', { type: 'button', class: 'secondary block' }, '不加入');
  no.addEventListener('click', () => { localStorage.removeItem(JOIN_KEY); route(); });
  show(el('h2', {}, current ? '更换社区' : '加入社区'),
    el('p', { class: 'join-name' }, el('strong', {}, c.name), ' ', el('span', { class: 'muted' }, c.street_name)),
    current ? el('p', {}, `您现在是${current.name}的居民。换到${c.name}后，可以参与新社区的议题；已提的建议仍在原社区办理。`)
      : el('p', {}, '加入后可以查看本社区的议题、提建议、了解办理进展。'),
    msg, yes, no);
}

// --- board -------------------------------------------------------------------------------
function supportButton(topic, onChange) {
  const b = el('button', { type: 'button', class: topic.supported ? '' : 'secondary', 'aria-pressed': String(!!topic.supported),
    'data-support': topic.id }, topic.supported ? '已支持' : '我也支持');
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const r = await api.support(topic.id, !topic.supported);
      topic.supported = r.supported;
      topic.supporter_count = r.supporter_count;
      onChange();
    } catch (e) { alertBox(errorText(e)); b.disabled = false; }
  });
  return b;
}

function alertBox(text) {
  const box = el('p', { class: 'notice', role: 'alert' }, text);
  main().prepend(box);
}

function topicCard(t) {
  const counts = el('p', { class: 'counts' });
  const slot = el('div', { class: 'row' });
  const card = el('article', { class: 'card topic', 'data-topic': t.id },
    el('h3', {}, el('a', { href: `#/topic/${t.id}` }, t.title)),
    el('p', {}, statusBadge(t.status, t.status_label)),
    t.summary ? el('p', {}, t.summary) : null,
    t.status_reason ? el('p', { class: 'muted' }, '说明：', t.status_reason) : null,
    t.decision ? el('p', {}, el('strong', {}, '决议：'), t.decision) : null,
    counts, slot);
  const render = () => {
    counts.textContent = `${t.member_count} 条建议 · ${t.supporter_count} 人支持`;
    slot.replaceChildren(supportButton(t, render));
  };
  render();
  return card;
}

async function boardView() {
  const c = communityId();
  const list = el('div', { id: 'topics' }, el('p', { class: 'muted' }, '正在加载…'));
  show(el('h2', {}, '社区议题'), el('p', { class: 'muted' }, '居民提出的建议按议题归类。看到关心的事，点“我也支持”。'), list);
  try {
    const page = await api.topics(c);
    const items = (page.items || []).filter((t) => t.status !== 'merged');
    list.replaceChildren(...(items.length ? items.map(topicCard)
      : [el('p', {}, '还没有议题。'), el('a', { class: 'btn', href: '#/post' }, '提第一条建议')]));
  } catch (e) {
    list.replaceChildren(el('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
}

function timelineList(entries) {
  if (!entries || !entries.length) return el('p', { class: 'muted' }, '还没有进展记录。');
  return el('ol', { class: 'timeline' }, entries.map((x) => el('li', {},
    el('time', { datetime: x.created_at }, when(x.created_at)),
    el('strong', {}, x.kind_label), '：', x.body)));
}

/** Say whether one is satisfied, with an optional comment; the answer given is shown. */
function satisfactionForm(topicId, current) {
  const box = el('fieldset', { class: 'card satisfaction', 'data-satisfaction': topicId }, el('legend', {}, '这件事办得您满意吗？'));
  const label = (a) => (ANSWERS.find((x) => x[0] === a) || [a, '已评价'])[1];
  let chosen = current ? current.answer : null;
  const msg = el('p', { role: 'status', class: current ? 'okmsg' : '' },
    current ? `您的评价：${label(current.answer)}${current.comment ? `；您的意见：${current.comment}` : ''}` : '');
  const buttons = ANSWERS.map(([value, text]) => el('button', { type: 'button', class: 'secondary', 'data-answer': value,
    'aria-pressed': String(chosen === value), onclick: (ev) => {
      chosen = value;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === ev.currentTarget));
    } }, text));
  const id = `comment-${topicId}`;
  const comment = el('textarea', { id, maxlength: 500, rows: 3 });
  if (current && current.comment) comment.value = current.comment;
  const send = el('button', { type: 'button', class: 'block', 'data-send-answer': topicId }, current ? '修改评价' : '提交评价');
  send.addEventListener('click', async () => {
    if (!chosen) { msg.className = 'error'; msg.textContent = '请先选择满意、基本满意或不满意'; return; }
    send.disabled = true;
    try {
      await api.satisfaction(topicId, chosen, comment.value.trim() || undefined);
      msg.className = 'okmsg';
      msg.textContent = `谢谢！您的评价：${label(chosen)}${comment.value.trim() ? `；您的意见：${comment.value.trim()}` : ''}`;
      send.textContent = '修改评价';
    } catch (e) { msg.className = 'error'; msg.textContent = errorText(e); }
    send.disabled = false;
  });
  box.append(el('div', { class: 'choices' }, buttons),
    el('label', { for: id }, '想对社区说的话（可选）'), comment, send, msg);
  return box;
}

/** Money in fen as yuan, exactly (no floating point). */
function yuan(fen) {
  const f = Math.abs(Number(fen) || 0);
  return `${fen < 0 ? '-' : ''}¥${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`;
}

/** A day (YYYY-MM-DD) as residents read it. */
function day(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
  return m ? `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日` : d;
}

/** A progress bar with its text (the text carries the meaning; the bar repeats it). */
function bar(percent, text) {
  const p = Math.max(0, Math.min(100, Number(percent) || 0));
  return el('div', { class: 'progress' }, el('progress', { max: 100, value: p, 'aria-hidden': 'true' }),
    el('p', { class: 'muted' }, text));
}

/** Sign up to take part or volunteer (once each). */
function signupButtons(p, rerender) {
  const kinds = [['participant', '我要参加', '已报名参加'], ['volunteer', '我当志愿者', '已报名当志愿者']];
  const msg = el('p', { role: 'status' });
  const buttons = kinds.map(([kind, text, signed]) => {
    const done = (p.my_signups || []).includes(kind);
    const b = el('button', { type: 'button', class: done ? '' : 'secondary', 'data-signup': kind,
      'aria-pressed': String(done), disabled: done }, done ? signed : text);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { Object.assign(p, await api.projectSignup(p.project_id, kind)); rerender(); }
      catch (e) { msg.className = 'error'; msg.textContent = errorText(e); b.disabled = false; }
    });
    return b;
  });
  return el('div', {}, el('div', { class: 'choices' }, buttons), msg);
}

/** Rate a finished project, 1–5 stars, with an optional comment. */
function ratingForm(p, rerender) {
  const box = el('fieldset', { class: 'card', 'data-rating': p.project_id }, el('legend', {}, '给这个项目打分'));
  let stars = p.my_rating || 0;
  const msg = el('p', { role: 'status', class: p.my_rating ? 'okmsg' : '' }, p.my_rating ? `您的评分：${p.my_rating} 星` : '');
  const buttons = [1, 2, 3, 4, 5].map((n) => el('button', { type: 'button', class: 'secondary', 'data-stars': n,
    'aria-pressed': String(stars === n), 'aria-label': `${n} 星`, onclick: (ev) => {
      stars = n;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === ev.currentTarget));
    } }, '★'.repeat(n)));
  const id = `rating-comment-${p.project_id}`;
  const comment = el('textarea', { id, maxlength: 500, rows: 2 });
  const send = el('button', { type: 'button', class: 'block', 'data-send-rating': p.project_id }, p.my_rating ? '修改评分' : '提交评分');
  send.addEventListener('click', async () => {
    if (!stars) { msg.className = 'error'; msg.textContent = '请先选择 1 至 5 星'; return; }
    send.disabled = true;
    try { Object.assign(p, await api.projectRating(p.project_id, stars, comment.value.trim() || undefined)); rerender(); }
    catch (e) { msg.className = 'error'; msg.textContent = errorText(e); send.disabled = false; }
  });
  box.append(el('div', { class: 'choices' }, buttons), el('label', { for: id }, '想说的话（可选）'), comment, send, msg);
  return box;
}

/** A funded project that answers this topic: what it does, its progress, timeline and photos. */
function projectCard(p) {
  const card = el('article', { class: 'card project', 'data-project': p.project_id });
  const render = () => {
    const pr = p.progress || {};
    const done = (p.milestones || []).filter((m) => m.done_at).length;
    card.replaceChildren(...[
      el('h4', {}, p.title),
      el('p', {}, statusBadge(p.phase, p.phase_label), ' ', p.organisation_name),
      el('p', {}, el('strong', {}, '要解决的问题：'), p.need),
      el('p', {}, el('strong', {}, '目标：'), p.goals),
      el('p', { class: 'muted' }, `资助 ${yuan(p.awarded_fen)} · ${day(p.starts_on)} 至 ${day(p.ends_on)}`),
      bar(pr.percent, `进度 ${pr.percent || 0}%（${done}/${(p.milestones || []).length} 个节点完成）· 已使用资金 ${yuan(pr.spent_fen || 0)}`),
      (p.milestones || []).length ? el('ol', { class: 'timeline' }, p.milestones.map((m) => el('li', { 'data-milestone': m.milestone_id },
        el('time', { datetime: m.due_on }, day(m.due_on)), ' ',
        el('strong', {}, m.title), m.done_at ? `：已完成（${when(m.done_at)}）${m.done_note ? '，' + m.done_note : ''}` : '：计划中'))) : null,
      (p.activities || []).length ? el('section', {}, el('h4', {}, '活动记录'), p.activities.map((a, i) => el('div', { class: 'card activity' },
        el('p', {}, el('strong', {}, `${day(a.held_on)} · ${a.place}`)),
        el('p', {}, a.summary),
        el('p', { class: 'muted' }, `参加 ${a.participants} 人 · 受益 ${a.beneficiaries} 人 · 志愿服务 ${a.volunteer_hours} 小时`),
        photoStrip(a.photos, `第 ${i + 1} 次活动`)))) : null,
      p.evaluation ? el('p', {}, el('strong', {}, '结项评估：'), `${p.evaluation.grade_label}（${p.evaluation.overall} 分）`) : null,
      el('p', { class: 'muted' }, `${p.residents.participants} 位居民报名参加 · ${p.residents.volunteers} 位志愿者`
        + (p.residents.ratings ? ` · ${p.residents.ratings} 人评分，平均 ${(p.residents.rating_x10 / 10).toFixed(1)} 星` : '')),
      p.can_sign_up ? signupButtons(p, render) : null,
      p.can_rate ? ratingForm(p, render) : null].filter(Boolean));
  };
  render();
  return card;
}

async function topicView(id) {
  show(el('p', { class: 'muted' }, '正在加载…'));
  try {
    const d = await api.topic(id);
    const t = d.topic;
    if (d.supported !== undefined) t.supported = d.supported;
    const counts = el('p', { class: 'counts' });
    const slot = el('div');
    const render = () => {
      counts.textContent = `${t.member_count} 条建议 · ${t.supporter_count} 人支持`;
      slot.replaceChildren(supportButton(t, render));
    };
    render();
    const decisions = (d.meetings || []).filter((m) => m.decision);
    // A topic that became a funded project shows it; the topic still shows if this fails.
    const projects = await api.topicProjects(id).then((r) => r.items || []).catch(() => []);
    show(el('p', {}, el('a', { href: '#/board' }, '‹ 返回议题')),
      el('h2', {}, t.title), el('p', {}, statusBadge(t.status, t.status_label)),
      t.summary ? el('p', {}, t.summary) : null,
      t.status_reason ? el('p', { class: 'muted' }, '说明：', t.status_reason) : null,
      t.decision ? el('p', {}, el('strong', {}, '决议：'), t.decision) : null,
      counts, slot,
      decisions.length ? el('section', {}, el('h3', {}, '议事会决议'),
        decisions.map((m) => el('p', {}, `${m.title}（${when(m.held_at)}）：`, m.decision))) : null,
      projects.length ? el('section', { 'data-projects': '' }, el('h3', {}, '社区公益项目'), projects.map(projectCard)) : null,
      el('h3', {}, '进展'), timelineList(d.timeline),
      (d.voices || []).length ? el('section', {}, el('h3', {}, '居民的声音'),
        d.voices.slice(0, 10).map((v, i) => el('div', { class: 'card voice' }, el('p', {}, v.text, v.author ? el('span', { class: 'muted' }, ' —— ', v.author) : null),
          photoStrip(v.photo_ids, `第 ${i + 1} 条居民的声音`)))) : null,
      d.can_rate ? satisfactionForm(t.id, d.my_satisfaction) : null);
  } catch (e) {
    show(el('p', { class: 'error', role: 'alert' }, errorText(e)), el('a', { href: '#/board' }, '返回议题'));
  }
}

// --- post --------------------------------------------------------------------------------
async function postView() {
  const text = el('textarea', { id: 'text', maxlength: 2000, required: true, 'aria-describedby': 'text-hint' });
  const building = el('select', { id: 'building' }, el('option', { value: '' }, '不选'));
  const photos = el('input', { id: 'photos', type: 'file', accept: 'image/jpeg,image/png,image/webp', multiple: true });
  const preview = el('div', { class: 'photos', 'aria-live': 'polite' });
  const showName = el('input', { id: 'show-name', type: 'checkbox' });
  const msg = el('div', { id: 'post-msg', role: 'alert' });
  let chosen = [];
  photos.addEventListener('change', () => {
    chosen = Array.from(photos.files || []).slice(0, MAX_PHOTOS);
    preview.replaceChildren(...chosen.map((f, i) => el('img', { src: URL.createObjectURL(f), alt: `第 ${i + 1} 张照片` })));
    if ((photos.files || []).length > MAX_PHOTOS) msg.replaceChildren(el('p', { class: 'notice' }, `最多 ${MAX_PHOTOS} 张照片，已选前 ${MAX_PHOTOS} 张`));
  });
  const submit = el('button', { type: 'submit', class: 'block', id: 'submit' }, '提交建议');
  const form = el('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const value = text.value.trim();
    if ([...value].length < 5) { msg.replaceChildren(el('p', { class: 'error' }, '请至少写 5 个字，说清楚是什么事、在哪里')); text.focus(); return; }
    submit.disabled = true;
    const d = await createDraft({ text: value, building_id: building.value, show_name: showName.checked, photos: chosen });
    const r = await sendDraft(api, d);
    submit.disabled = false;
    if (r.ok) {
      form.reset(); chosen = []; preview.replaceChildren();
      msg.replaceChildren(el('p', { class: 'okmsg', id: 'post-ok' }, '已提交，谢谢您！社区会把相同的建议归为一个议题，进展可在“我的”里查看。'),
        el('a', { class: 'btn', href: '#/mine' }, '查看我的建议'));
    } else if (r.draft.status === 'pending') {
      form.reset(); chosen = []; preview.replaceChildren();
      msg.replaceChildren(el('p', { class: 'notice', id: 'post-draft' }, '已保存为草稿：', r.draft.reason, '。'),
        el('a', { class: 'btn', href: '#/mine' }, '查看待发送'));
    } else {
      await deleteDraft(d.client_id);
      msg.replaceChildren(el('p', { class: 'error' }, errorText(r.error)));
    }
  } },
  el('label', { for: 'text' }, '您的建议（必填）'),
  el('p', { id: 'text-hint', class: 'muted' }, '说清楚是什么事、在哪里，例如“3 号楼 2 单元楼道灯坏了”。'),
  text,
  el('label', { for: 'building' }, '楼栋（可选）'), building,
  el('label', { for: 'photos' }, `照片（可选，最多 ${MAX_PHOTOS} 张）`), photos, preview,
  el('label', { class: 'switch', for: 'show-name' }, showName, '愿意公开我的姓名（显示“我的资料”里的姓名或昵称；不勾选则匿名显示）'),
  msg, submit);
  show(el('h2', {}, '提建议'), form);
  try {
    const list = await api.buildings(communityId());
    for (const b of list.items || list) building.append(el('option', { value: b.building_id }, b.name));
  } catch { /* the building is optional; the list can fail offline */ }
}

// --- mine --------------------------------------------------------------------------------
async function draftsSection(rerender) {
  const drafts = await listDrafts();
  if (!drafts.length) return null;
  return el('section', { id: 'drafts', 'aria-label': '待发送' }, el('h3', {}, `待发送（${drafts.length}）`),
    drafts.map((d) => el('article', { class: 'card draft', 'data-draft': d.client_id },
      el('p', {}, d.text),
      d.photos.length ? el('p', { class: 'muted' }, `${d.photos.length} 张照片`) : null,
      el('p', { class: d.status === 'error' ? 'error' : 'notice' }, d.status === 'error' ? '未能提交：' : '未发送：', d.reason || '等待发送'),
      el('div', { class: 'row' },
        el('button', { type: 'button', 'data-retry': d.client_id, onclick: async () => {
          d.status = 'pending'; await sendDraft(api, d); rerender();
        } }, '重新发送'),
        el('button', { type: 'button', class: 'danger', onclick: async () => {
          if (confirm('删除这条未发送的建议？')) { await deleteDraft(d.client_id); rerender(); }
        } }, '删除')))));
}

function suggestionCard(s) {
  const t = s.topic;
  return el('article', { class: 'card mine', 'data-suggestion': s.id },
    el('p', { class: 'muted' }, when(s.created_at), ' · ', s.state_label),
    el('p', {}, s.text),
    photoStrip(s.photo_ids, '我的建议'),
    s.moderation_reason ? el('p', { class: 'notice' }, s.moderation_reason) : null,
    t ? el('div', {},
      el('p', {}, '所属议题：', el('a', { href: `#/topic/${t.topic_id}` }, t.title), ' ', statusBadge(t.status, t.status_label)),
      t.status_reason ? el('p', { class: 'muted' }, '说明：', t.status_reason) : null,
      el('p', { class: 'counts' }, `${t.member_count} 条建议 · ${t.supporter_count} 人支持`)) : null,
    timelineList(s.timeline),
    t && (s.can_rate || t.status === 'resolved') ? satisfactionForm(t.topic_id, s.my_satisfaction) : null);
}

async function mineView() {
  const rerender = () => { if (location.hash === '#/mine') mineView(); };
  const list = el('div', { id: 'mine' }, el('p', { class: 'muted' }, '正在加载…'));
  const out = el('button', { type: 'button', class: 'secondary block', onclick: () => {
    logout(); localStorage.removeItem('minyi.m.me'); me = null; location.hash = '#/board'; route();
  } }, '退出登录');
  const news = el('div', { id: 'news' });
  const current = me && me.communities && me.communities[0];
  const msg = el('p', { role: 'alert' });
  const change = el('section', { class: 'card', id: 'change-community', 'aria-labelledby': 'change-h' },
    el('h3', { id: 'change-h' }, '我的社区'),
    el('p', {}, current ? `${current.name}（${current.street_name}）` : '尚未加入社区'),
    el('p', { class: 'muted' }, '搬家了？请扫描新社区公告栏上的二维码，确认后即可更换。'),
    msg, linkForm(msg, (code) => { localStorage.setItem(JOIN_KEY, code); joinView(code); }));
  const privacy = el('a', { class: 'btn secondary-link', href: '#/privacy', id: 'privacy-link' }, '我的资料与隐私');
  show(el('h2', {}, '我的建议'), news, (await draftsSection(rerender)) || '', list, change, privacy, out);
  api.notifications().then(async (n) => {
    const unread = (n.items || []).filter((x) => !x.read);
    if (!unread.length) return;
    news.replaceChildren(el('section', { class: 'card', 'aria-label': '新消息' }, el('h3', {}, `新消息（${unread.length}）`),
      unread.map((x) => el('p', {}, el('time', { class: 'muted', datetime: x.created_at }, when(x.created_at)), ' ',
        el('a', { href: `#/topic/${x.topic_id}` }, x.title), '：', x.body))));
    await api.markRead(unread.map((x) => x.notification_id));
  }).catch(() => { /* news can wait for the next visit */ });
  try {
    const page = await api.mine();
    list.replaceChildren(...(page.items.length ? page.items.map(suggestionCard) : [el('p', {}, '您还没有提过建议。')]));
  } catch (e) {
    list.replaceChildren(e instanceof NetworkError
      ? el('p', { class: 'muted' }, '暂时没有网络，联网后显示已提交建议的最新进展。')
      : el('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
}

// --- routing and start -------------------------------------------------------------------
/** What the privacy screens (privacy.js) share with these. */
const ui = {
  el, show, when, errorText, communityId,
  restart: () => start(),
  logout() { logout(); localStorage.removeItem('minyi.m.me'); me = null; location.hash = '#/board'; route(); },
  erased() {
    logout(); localStorage.removeItem('minyi.m.me'); me = null;
    document.getElementById('tabs').hidden = true;
    show(el('h2', { id: 'erased' }, '账号已注销'),
      el('p', {}, '您的个人信息已删除。谢谢您参与社区议事。'),
      el('a', { class: 'btn', href: '#/board', onclick: () => setTimeout(route, 0) }, '返回首页'));
  },
};

function route() {
  if (!loggedIn()) return loginView();
  const code = localStorage.getItem(JOIN_KEY);
  if (code) return joinView(code);
  if (!communityId()) return communityView();
  const [, name, arg] = (location.hash || '#/board').split('/');
  document.getElementById('tabs').hidden = false;
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (name === 'post') return postView();
  if (name === 'mine') return mineView();
  if (name === 'privacy') return privacyView(ui, arg);
  if (name === 'topic' && /^\d+$/.test(arg || '')) return topicView(Number(arg));
  return boardView();
}

async function retryDrafts() {
  if (!loggedIn() || !navigator.onLine) return;
  const sent = await flushDrafts(api).catch(() => 0);
  if (sent && (location.hash === '#/mine' || location.hash === '#/post')) route();
}

async function start() {
  me = null;
  if (loggedIn()) {
    try {
      me = await api.me();
      localStorage.setItem('minyi.m.me', JSON.stringify(me));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { logout(); localStorage.removeItem('minyi.m.me'); }
      else {
        // Offline: the last known account is enough to write a draft.
        try { me = JSON.parse(localStorage.getItem('minyi.m.me') || 'null'); } catch { me = null; }
        if (!me) { show(el('p', { class: 'error', role: 'alert' }, errorText(e)), el('button', { onclick: start }, '重试')); return; }
      }
    }
    // A resident who has not accepted the current privacy notice reads it first.
    if (me && me.role === 'resident' && await consentGate(ui)) return;
  }
  route();
  retryDrafts();
}

function netBanner() { document.getElementById('net').hidden = navigator.onLine; }

window.addEventListener('hashchange', route);
// The skip link moves the focus; it must not change the hash (the hash is the route).
document.querySelector('.skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main().focus();
});
window.addEventListener('online', () => { netBanner(); retryDrafts(); });
window.addEventListener('offline', netBanner);
window.addEventListener('pageshow', retryDrafts);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') retryDrafts(); });
pendingCode();
netBanner();
start();
