// 我的资料与隐私 (/m/#/privacy): the resident's profile (name or nickname, building, phone by
// SMS code), the privacy notice and their consent, downloading everything minyi holds about
// them, and erasing the account after a confirmation step. The page helpers (el, show, …) come
// from app.js so both screens look and behave alike.
import { call, tokens } from './api.js';

const privacyApi = {
  notice: () => fetch('/api/v1/privacy/notice').then((r) => r.json()),
  consent: () => call('GET', '/me/consent'),
  accept: (version) => call('POST', '/me/consent', { version }),
  profile: () => call('GET', '/me/profile'),
  saveProfile: (body) => call('PUT', '/me/profile', body),
  phoneCode: (phone) => call('POST', '/me/phone/code', { phone }),
  changePhone: (phone, code) => call('PUT', '/me/phone', { phone, code }),
  preview: () => call('POST', '/me/erasure', {}),
  erase: (confirmation, withdraw) => call('DELETE', '/me', { confirmation, withdraw_suggestions: withdraw }),
};

/** The notice as paragraphs: its Markdown is shown as plain text (never parsed as HTML). */
function noticeBody(ui, text) {
  return text.split(/\n{2,}/).map((p) => {
    const line = p.replace(/\n/g, '').replace(/\*\*/g, '');
    if (line.startsWith('# ')) return ui.el('h3', {}, line.slice(2));
    if (line.startsWith('- ')) return ui.el('ul', {}, p.split('\n').map((l) => ui.el('li', {}, l.replace(/^- /, '').replace(/\*\*/g, ''))));
    return ui.el('p', {}, line);
  });
}

/**
 * Before anything else: a resident who has not accepted the current notice reads it and
 * accepts (or logs out). Resolves `true` when the screen was taken over.
 */
export async function consentGate(ui) {
  let state;
  try { state = await privacyApi.consent(); } catch { return false; /* offline: ask next time */ }
  if (!state.needs_consent) return false;
  const notice = await privacyApi.notice();
  const msg = ui.el('p', { role: 'alert' });
  document.getElementById('tabs').hidden = true;
  ui.show(
    ui.el('h2', {}, state.accepted_version ? '隐私告知已更新，请重新确认' : '个人信息保护告知'),
    // Scrolls on a small screen: focusable, so the keyboard can scroll it too.
    ui.el('section', { class: 'card notice-text', id: 'notice', tabindex: 0, 'aria-label': '隐私告知全文' }, noticeBody(ui, notice.text)),
    ui.el('p', { class: 'muted' }, `版本 ${notice.version}`),
    msg,
    ui.el('button', { type: 'button', class: 'block', id: 'accept-notice', onclick: async () => {
      try { await privacyApi.accept(notice.version); ui.restart(); }
      catch (e) { msg.className = 'error'; msg.textContent = ui.errorText(e); }
    } }, '我已阅读并同意'),
    ui.el('button', { type: 'button', class: 'secondary block', onclick: () => ui.logout() }, '不同意，退出登录'),
  );
  return true;
}

/** Save the archive the server sent (a zip) under its own name. */
function saveBlob(ui, blob, name) {
  const url = URL.createObjectURL(blob);
  const a = ui.el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function fetchArchive(path) {
  await call('GET', '/me/consent'); // refreshes the access token when it is about to expire
  return fetch('/api/v1' + path, { headers: { authorization: 'Bearer ' + tokens().access_token } });
}

function exportSection(ui) {
  const msg = ui.el('p', { id: 'export-msg', role: 'status' });
  const btn = ui.el('button', { type: 'button', class: 'secondary block', id: 'export' }, '下载我的全部数据');
  const fail = async (r) => {
    const body = await r.json().catch(() => ({}));
    msg.className = 'error';
    msg.textContent = body.message || '下载失败，请稍后再试';
    btn.disabled = false;
  };
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.className = ''; msg.textContent = '正在准备…';
    try {
      let r = await fetchArchive('/me/export');
      if (r.status === 202) {
        const where = (await r.json()).url.replace(/^\/api\/v1/, '');
        msg.textContent = '数据较多，正在后台准备，请不要离开本页…';
        for (;;) {
          await new Promise((ok) => setTimeout(ok, 2000));
          r = await fetchArchive(where);
          if (r.status !== 202) break;
        }
      }
      if (!r.ok) return fail(r);
      const name = (/filename="([^"]+)"/.exec(r.headers.get('content-disposition') || '') || [])[1] || 'minyi-data.zip';
      saveBlob(ui, await r.blob(), name);
      msg.className = 'okmsg';
      msg.textContent = `已下载 ${name}：其中 minyi-data.json 是全部数据，photos 文件夹是照片。`;
      btn.disabled = false;
    } catch (e) {
      msg.className = 'error'; msg.textContent = ui.errorText(e); btn.disabled = false;
    }
  });
  return ui.el('section', { class: 'card', 'aria-labelledby': 'export-h' },
    ui.el('h3', { id: 'export-h' }, '查看和下载我的数据'),
    ui.el('p', { class: 'muted' }, '包括账号、建议和照片、附议、评价、通知、同意记录、代您录入的纸质表单，以及工作人员查看您完整联系方式的记录。'),
    btn, msg);
}

function profileSection(ui, profile, buildings) {
  const name = ui.el('input', { id: 'profile-name', type: 'text', maxlength: 20, value: profile.name || '',
    autocomplete: 'nickname', 'aria-describedby': 'profile-hint' });
  const building = ui.el('select', { id: 'profile-building' }, ui.el('option', { value: '' }, '不填'),
    buildings.map((b) => ui.el('option', { value: b.building_id, selected: b.building_id === profile.building_id }, b.name)));
  const msg = ui.el('p', { id: 'profile-msg', role: 'status' });
  return ui.el('form', { class: 'card', novalidate: true, 'aria-labelledby': 'profile-h', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.className = ''; msg.textContent = '';
    try {
      const p = await privacyApi.saveProfile({ name: name.value.trim() || null, building_id: building.value ? Number(building.value) : null });
      name.value = p.name || '';
      msg.className = 'okmsg'; msg.textContent = '已保存';
    } catch (e) { msg.className = 'error'; msg.textContent = ui.errorText(e); }
  } },
  ui.el('h3', { id: 'profile-h' }, '我的资料'),
  ui.el('label', { for: 'profile-name' }, '姓名或昵称'),
  ui.el('p', { id: 'profile-hint', class: 'muted' }, '只有提建议时勾选“愿意公开我的姓名”，其他居民才会看到它；不勾选时匿名显示。'),
  name,
  ui.el('label', { for: 'profile-building' }, '所住楼栋'), building,
  msg,
  ui.el('button', { type: 'submit', class: 'block', id: 'save-profile' }, '保存资料'));
}

function phoneSection(ui, profile) {
  const current = ui.el('p', { id: 'phone-now' }, profile.phone ? `当前手机号：${profile.phone}` : '还没有绑定手机号');
  const phone = ui.el('input', { id: 'new-phone', type: 'tel', inputmode: 'numeric', maxlength: 20, autocomplete: 'tel' });
  const code = ui.el('input', { id: 'phone-code', type: 'text', inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code' });
  const msg = ui.el('p', { id: 'phone-msg', role: 'status' });
  const send = ui.el('button', { type: 'button', class: 'secondary', id: 'send-phone-code', onclick: async () => {
    msg.className = ''; msg.textContent = '';
    try { await privacyApi.phoneCode(phone.value.trim()); msg.className = 'okmsg'; msg.textContent = '验证码已发送到新手机号'; code.focus(); }
    catch (e) { msg.className = 'error'; msg.textContent = ui.errorText(e); }
  } }, '获取验证码');
  return ui.el('form', { class: 'card', novalidate: true, 'aria-labelledby': 'phone-h', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const p = await privacyApi.changePhone(phone.value.trim(), code.value.trim());
      current.textContent = `当前手机号：${p.phone}`;
      phone.value = ''; code.value = '';
      msg.className = 'okmsg'; msg.textContent = '手机号已更换，以后请用新手机号登录';
    } catch (e) { msg.className = 'error'; msg.textContent = ui.errorText(e); }
  } },
  ui.el('h3', { id: 'phone-h' }, '更换手机号'), current,
  ui.el('label', { for: 'new-phone' }, '新手机号'), ui.el('div', { class: 'row' }, phone, send),
  ui.el('label', { for: 'phone-code' }, '短信验证码'), code, msg,
  ui.el('button', { type: 'submit', class: 'block', id: 'change-phone' }, '确认更换'));
}

function consentSection(ui, state) {
  const at = state.accepted_at ? ui.when(state.accepted_at) : '';
  return ui.el('section', { class: 'card', 'aria-labelledby': 'consent-h' },
    ui.el('h3', { id: 'consent-h' }, '隐私告知'),
    ui.el('p', { id: 'consent-state' }, state.accepted_version
      ? `您于 ${at} 同意了第 ${state.accepted_version} 版隐私告知。` : '您还没有同意隐私告知。'),
    ui.el('a', { href: '#/privacy/notice' }, '阅读隐私告知全文'));
}

function eraseSection(ui) {
  const box = ui.el('div', { id: 'erase-box' });
  const start = ui.el('button', { type: 'button', class: 'danger block', id: 'erase-start', onclick: async () => {
    start.disabled = true;
    try {
      const p = await privacyApi.preview();
      const withdraw = ui.el('input', { id: 'erase-withdraw', type: 'checkbox' });
      const sure = ui.el('input', { id: 'erase-sure', type: 'checkbox' });
      const msg = ui.el('p', { role: 'alert' });
      const go = ui.el('button', { type: 'button', class: 'danger block', id: 'erase-confirm', disabled: true, onclick: async () => {
        go.disabled = true;
        try {
          await privacyApi.erase(p.confirmation, withdraw.checked);
          ui.erased();
        } catch (e) { msg.className = 'error'; msg.textContent = ui.errorText(e); go.disabled = false; }
      } }, '确认注销账号');
      sure.addEventListener('change', () => { go.disabled = !sure.checked; });
      box.replaceChildren(
        ui.el('p', { class: 'notice', id: 'erase-preview' }, p.message),
        ui.el('label', { class: 'switch', for: 'erase-withdraw' }, withdraw, `同时撤回我的 ${p.suggestions} 条建议（已列入议事会的不能撤回，会匿名保留）`),
        ui.el('label', { class: 'switch', for: 'erase-sure' }, sure, '我已了解：注销后数据删除，无法恢复'),
        msg, go,
        ui.el('button', { type: 'button', class: 'secondary block', onclick: () => { box.replaceChildren(); start.disabled = false; start.focus(); } }, '不注销了'));
      sure.focus();
    } catch (e) { box.replaceChildren(ui.el('p', { class: 'error', role: 'alert' }, ui.errorText(e))); start.disabled = false; }
  } }, '注销账号…');
  return ui.el('section', { class: 'card', 'aria-labelledby': 'erase-h' },
    ui.el('h3', { id: 'erase-h' }, '注销账号'),
    ui.el('p', { class: 'muted' }, '删除您的手机号、微信标识、姓名、楼栋、照片和登录记录。您的建议默认以匿名形式保留在议题中，让统计和议事记录保持真实。'),
    start, box);
}

/** `#/privacy` and `#/privacy/notice`. */
export async function privacyView(ui, sub) {
  if (sub === 'notice') {
    const notice = await privacyApi.notice();
    ui.show(ui.el('p', {}, ui.el('a', { href: '#/privacy' }, '‹ 返回')),
      ui.el('section', { id: 'notice' }, noticeBody(ui, notice.text)),
      ui.el('p', { class: 'muted' }, `版本 ${notice.version}`));
    return;
  }
  ui.show(ui.el('p', { class: 'muted' }, '正在加载…'));
  try {
    const [profile, state, buildings] = await Promise.all([
      privacyApi.profile(), privacyApi.consent(),
      ui.communityId() ? call('GET', `/communities/${ui.communityId()}/buildings`).catch(() => []) : [],
    ]);
    ui.show(ui.el('p', {}, ui.el('a', { href: '#/mine' }, '‹ 我的')),
      ui.el('h2', {}, '我的资料与隐私'),
      profileSection(ui, profile, buildings.items || buildings),
      phoneSection(ui, profile),
      exportSection(ui),
      consentSection(ui, state),
      eraseSection(ui));
  } catch (e) {
    ui.show(ui.el('p', { class: 'error', role: 'alert' }, ui.errorText(e)));
  }
}
