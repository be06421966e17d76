// All user-visible strings of the dashboard, Simplified Chinese first, English second.
// `t(key, params)` looks a key up in the chosen language (falling back to Chinese, then the key).

const zh = {
  app_title: "民意 · 居民议事厅 工作台",
  brand: "民意 · 居民议事厅",
  lang_toggle: "English",
  loading: "加载中…",
  error_generic: "出错了，请稍后再试",
  error_network: "网络连接失败",
  save: "保存",
  cancel: "取消",
  confirm: "确认",
  reload: "重新加载",
  close: "关闭",
  none: "无",
  yes: "是",
  no: "否",
  load_more: "加载更多",
  saved: "已保存",
  optional: "（选填）",
  colon: "：",
  list_sep: "、",
  lp: "（",
  rp: "）",
  // login
  login_title: "工作人员登录",
  username: "用户名",
  password: "密码",
  login: "登录",
  logout: "退出登录",
  login_failed: "登录失败",
  api_docs: "API 文档",
  // navigation
  nav_inbox: "议题收件箱",
  nav_meetings: "议事会",
  nav_paper: "纸质意见录入",
  nav_moderation: "审核",
  nav_stats: "统计",
  nav_admin: "管理",
  community: "社区",
  choose_community: "请选择社区",
  choose_community_hint: "您服务多个社区，请选择要处理的社区：",
  switch_community: "切换社区",
  hello: "您好，{name}",
  role_worker: "社工",
  role_volunteer: "志愿者",
  role_admin: "管理员",
  admin_street: "负责的街道（街道管理员）",
  role_resident: "居民",
  no_community: "您的账号尚未分配社区，请联系管理员。",
  status_all: "全部",
  // inbox
  inbox_title: "议题收件箱",
  filter_category: "类别",
  filter_channel: "渠道",
  filter_building: "楼栋",
  filter_from: "起始日期",
  filter_to: "截止日期",
  filter_q: "搜索标题、内容",
  filter_overdue: "只看超期",
  filter_apply: "筛选",
  filter_reset: "清除筛选",
  channel_all: "全部渠道",
  channel_online: "线上",
  channel_paper: "纸质",
  building_all: "全部楼栋",
  sort: "排序",
  sort_heat: "热度",
  sort_newest: "最新",
  sort_waiting: "等待最久",
  col_title: "议题",
  col_status: "状态",
  col_members: "意见数",
  col_supporters: "附议",
  col_heat: "热度",
  col_last_activity: "最近动态",
  overdue: "超期",
  overdue_count: "超期 {n} 个",
  reopened: "发回重办",
  no_topics: "暂无议题",
  live_on: "实时更新已连接",
  live_off: "实时更新重连中…",
  updated_live: "有新动态，已刷新",
  // topic detail
  back_to_inbox: "← 返回收件箱",
  topic_summary: "摘要",
  keywords: "关键词",
  online_paper: "线上 {online} 条 · 纸质 {paper} 条",
  supporters: "附议 {n} 人",
  due_at: "办理期限",
  merged_into: "已合并到议题 #{id}",
  members: "成员意见",
  quotes: "代表性意见",
  timeline: "进展时间线",
  audit: "操作记录",
  meetings_of_topic: "相关议事会",
  satisfaction: "满意度",
  satisfied: "满意",
  basically_satisfied: "基本满意",
  unsatisfied: "不满意",
  author: "署名",
  anonymous: "匿名",
  pinned: "已固定",
  pin: "固定",
  unpin: "取消固定",
  move: "移到…",
  move_to_topic: "移到议题编号",
  select: "选择",
  actions: "操作",
  edit_topic: "修改标题 / 摘要",
  title: "标题",
  summary: "摘要",
  category: "类别",
  change_status: "变更状态",
  new_status: "新状态",
  reason: "理由",
  reason_required_rejected: "不采纳必须填写理由（会公开）",
  apply: "提交",
  merge: "合并到其他议题",
  merge_search: "搜索目标议题",
  merge_into: "合并到此议题",
  merge_confirm: "确认把本议题合并到 #{id}「{title}」？",
  similar_topics: "相似议题",
  similar_none: "暂无相似议题",
  similar_detail: "{n} 条建议 · 相似度 {pct}%",
  similar_merge: "并入本议题",
  similar_merge_label: "把议题 #{id}「{title}」并入本议题",
  similar_merged: "议题 #{id} 已并入本议题",
  unmerge: "撤销合并",
  split: "拆分选中的意见为新议题",
  split_title: "新议题标题",
  split_none: "请先勾选要拆分的意见",
  reply: "公开答复",
  reply_body: "答复内容（居民可见）",
  send: "发送",
  conflict_412: "其他人刚刚修改了这个议题，请重新加载后再操作。",
  no_transitions: "当前状态不能再变更",
  // meetings
  meetings_title: "议事会",
  meeting_new: "新建议事会",
  meeting_title: "会议名称",
  meeting_date: "日期",
  meeting_time: "时间",
  meeting_place: "地点",
  meeting_agenda: "议程（选择议题）",
  agenda_add: "加入议程",
  scope: "统计范围",
  scope_community: "本社区",
  scope_street: "全街道",
  scope_district: "全区",
  agenda_pick: "待议的议题",
  meeting_create: "创建议事会",
  meeting_status: "会议状态",
  meeting_planned: "计划中",
  meeting_held: "已召开",
  meeting_cancelled: "已取消",
  no_meetings: "暂无议事会",
  attendance: "出席",
  attendance_count: "出席人数",
  attendance_names: "出席人员（选填）",
  minutes: "会议纪要",
  decision: "决议",
  decision_text: "决议内容",
  decision_mode: "表决方式",
  consensus: "协商一致",
  vote: "投票表决",
  votes_for: "赞成",
  votes_against: "反对",
  votes_abstain: "弃权",
  record_decision: "记录决议",
  decision_recorded: "已记录决议",
  action_items: "落实事项",
  action_description: "事项",
  action_owner: "负责人",
  action_due: "完成期限",
  action_done: "已完成",
  action_add: "添加事项",
  action_topic: "关联议题",
  print_page: "打印页",
  export_xlsx: "导出 XLSX",
  back_to_meetings: "← 返回议事会列表",
  // paper
  paper_title: "纸质意见录入",
  batch_new: "新建批次",
  collection_kind: "收集方式",
  kind_suggestion_box: "意见箱",
  kind_door_to_door: "入户走访",
  kind_event: "活动现场",
  kind_other: "其他",
  collection_point: "收集地点",
  collected_on: "收集日期",
  sheet_count: "表单张数",
  note: "备注",
  batch_create: "创建批次",
  batches: "批次",
  batch_open: "录入中",
  batch_closed: "已关闭",
  batch_entered: "已录 {n} / {total} 张",
  missing_serials: "尚缺编号",
  missing_none: "编号齐全",
  entry_form: "录入表单（回车跳到下一项，最后一项回车保存并开始下一张）",
  serial: "编号",
  entry_text: "意见内容",
  entry_building: "楼栋",
  resident_name: "居民姓名",
  resident_phone: "联系电话",
  entry_saved: "第 {serial} 号已保存",
  entries: "已录入",
  close_batch: "关闭批次",
  close_batch_confirm: "关闭后不能再录入，确定？",
  import_file: "导入 CSV / XLSX",
  import_upload: "上传导入",
  import_done: "导入完成",
  import_summary: "共 {total} 行：新增 {accepted} 条，已导入过 {already} 条，有问题 {errors} 行",
  import_row: "第 {row} 行（编号 {serial}）",
  import_ignored: "未识别的列",
  back_to_batches: "← 返回批次列表",
  unknown_building: "找不到这个楼栋",
  // call-backs
  nav_callbacks: "电话回访",
  callbacks_title: "电话回访",
  callbacks_hint: "纸质意见的提交人没有账号，议题有进展时请电话告知。",
  callbacks_todo: "待回访",
  callbacks_done: "已回访",
  callback_mark_done: "标记已回访",
  no_callbacks: "没有待回访的居民",
  // moderation
  moderation_title: "待审核意见",
  failed_title: "处理失败的意见",
  approve: "通过",
  reject: "不通过",
  reject_reason: "不通过理由（告知居民）",
  retry: "重试",
  no_held: "没有待审核的意见",
  no_failed: "没有处理失败的意见",
  attempts: "尝试次数",
  last_error: "错误",
  // stats
  stats_title: "统计",
  suggestions_total: "意见总数",
  no_answers: "暂无满意度评价",
  overdue_now: "当前超期议题",
  stats_per_day: "每日意见数（按渠道）",
  stats_by_status: "议题状态分布",
  stats_satisfaction: "满意度",
  median_decision: "收到建议到形成决议（中位）",
  median_resolution: "收到建议到办结（中位）",
  hours: "{n} 小时",
  on_time_rate: "按期处理率",
  satisfaction_rate: "满意率",
  top_buildings: "意见最多的楼栋",
  top_categories: "意见最多的类别",
  refresh: "刷新",
  // admin
  admin_title: "管理",
  queue_backlog: "最早一条未归类的意见已等待 {seconds} 秒（待发送 {outbox} 条）",
  queue_backlog_degraded: "处理积压：",
  communities: "社区",
  street_id: "街道编号",
  community_name: "社区名称",
  add_community: "添加社区",
  buildings: "楼栋",
  building_name: "楼栋名称",
  add_building: "添加楼栋",
  staff: "工作人员",
  display_name: "姓名",
  role: "角色",
  add_staff: "添加工作人员",
  disabled: "已停用",
  disable: "停用",
  enable: "启用",
  reset_password: "重置密码",
  new_password: "新密码",
  assign: "分配社区",
  unassign: "移出",
  premoderate: "先审后发",
  created: "已创建",
  skip_to_main: "跳到主要内容",
  nav_label: "主菜单",
  nav_assist: "代居民提交",
  nav_join: "社区二维码",
  photo_unavailable: "照片无法显示",
  photo_open: "放大查看第 {n} 张照片（{of}）",
  photo_large: "照片",
  photo_n: "第 {n} 张照片（{of}）",
  photo_public: "向居民公开",
  photo_published: "照片已向居民公开",
  photo_unpublished: "照片已取消公开",
  street: "街道",
  premoderate_of: "{name}先审后发",
  choose_street: "请选择街道",
  buildings_of: "楼栋 · {name}",
  no_buildings: "还没有楼栋",
  building_name_in: "在{name}添加楼栋",
  words_conflict: "其他管理员刚刚修改了这个词表，请重新加载后再改。",
  words_label: "审核词（每行一个）",
  words_hint: "建议中含有这些词时，先由工作人员审核再进入议题。",
  words_updated: "最近由{who}于 {when} 修改。",
  words_title: "审核词表",
  words_intro: "除系统配置的词表外，管理员可以为本区和各社区维护审核词；每次修改都记入操作记录。",
  words_of_community: "{name}的审核词",
  words_of_district: "全区审核词（仅区级管理员可修改）",
  password_rule: "密码须为 10–128 位",
  assist_title: "代居民提交建议",
  assist_done: "已代为提交（编号 {id}）。请告诉居民可以在社区公告栏或“民意”小程序查看进展。",
  assist_hint: "居民在身边、不方便自己提交时，由志愿者或社工代为录入。须先征得居民本人同意。",
  assist_name: "居民称呼",
  assist_phone: "联系电话",
  assist_phone_hint: "仅工作人员可见，用于电话回访。",
  assist_text: "居民的建议（必填，至少 5 个字）",
  assist_consent: "居民本人已同意由我代为提交",
  assist_submit: "提交",
  callback_marked: "已标记回访：{name}",
  callback_person: "居民",
  callback_what: "议题与要告知的进展",
  callback_since: "最近进展",
  callback_mark_done_for: "标记已回访：{name}",
  status_tabs: "按状态筛选议题",
  inbox_caption: "议题列表",
  join_title: "社区二维码",
  join_hint: "居民扫描张贴在公告栏的二维码，即可加入本社区、提出建议。请打印海报张贴。",
  join_qr_alt: "加入{name}的二维码",
  join_link: "二维码中的链接",
  join_print: "打印海报",
  join_rotate: "更换二维码",
  join_rotate_hint: "更换后，旧海报上的二维码将不能再用于加入社区，请重新打印张贴。",
  join_rotated: "二维码已更换，请重新打印海报",
  tally_hint: "已填 {n} 票，出席 {max} 人（票数不能超过出席人数）",
  tally_needs_attendance: "请先在“出席”里填写出席人数，再记录表决票数。",
  batch_state: "状态",
  contacts_visible_hint: "您录入的姓名、电话在批次关闭前完整显示给您本人，便于核对；其他人看到的是遮挡后的信息。",
  entry_corrected: "第 {serial} 号已更正",
  correct_entry: "更正第 {serial} 号表单",
  correct: "更正",
  correct_reason: "更正原因",
  import_choose: "选择 CSV 或 XLSX 文件",
  import_hint: "第一行为列名：编号、建议内容（必填），标题、楼栋、地点、姓名、电话、类别（选填）。",
  figures_of: "主要数字 · {scope}",
  note_suggestions_total: "本期收到的建议，线上与纸质，不含撤回的",
  note_overdue_now: "已过办理期限、仍未进入下一环节的议题",
  note_median_decision: "本期形成决议的 {n} 个议题，从第一条建议到决议",
  note_median_resolution: "本期办结的 {n} 个议题，从第一条建议到办结",
  note_on_time: "各环节在期限内完成 {met} 个 / 应完成 {due} 个（含当前超期 {overdue} 个）",
  note_on_time_none: "本期没有到期的环节，无法计算",
  note_satisfaction: "（满意 + 基本满意）/ 评价 {n} 条",
  chart_of: "图表：{name}（数据见下表）",
  day: "日期",
  no_suggestions_in_range: "本期没有收到建议",
  topics_count: "议题数",
  answer: "评价",
  people_count: "人数",
  n_suggestions: "{n} 条",
  uncategorised: "未分类",
  split_created: "已拆分为新议题：",
  moved: "已移到议题 #{id}",
  split_done: "已拆分",
  satisfaction_comments: "居民的意见",
  audit_time: "时间",
  audit_actor: "操作人",
  audit_action: "操作",
  status_changed: "状态已变更为“{status}”",
  select_member: "选择意见 #{id}",
  move_member: "移到… #{id}",
  // personal data (PIPL)
  nav_privacy: "个人信息",
  access_log_title: "个人信息查看记录",
  access_log_hint: "工作人员为电话回访或核对纸质表单查看居民完整电话、姓名的记录：谁、何时、看了谁的、为什么。居民在导出的数据中也能看到。",
  access_log_empty: "还没有查看记录",
  access_at: "时间",
  access_staff: "工作人员",
  access_whose: "居民",
  access_fields: "内容",
  access_why: "用途",
  access_erased: "（已删除）",
  access_subject_person: "纸质表单",
  access_subject_account: "账号",
  access_field_name: "姓名",
  access_field_phone: "电话",
  erase_person_title: "删除纸质表单居民的个人信息",
  erase_person_hint: "没有账号的居民可以请社区删除其纸质表单上的姓名和电话（及表单照片）。其建议会匿名保留。请填写电话或表单编号（意见编号），并写明原因；原因会记入审计日志，请勿填写个人信息。",
  erase_person_phone: "电话",
  erase_person_entry: "或：表单的意见编号",
  erase_person_reason: "原因（必填）",
  erase_person_sure: "我已核实是居民本人的要求，删除后无法恢复",
  erase_person_submit: "删除个人信息",
  erase_person_done: "已删除 {persons} 份表单的个人信息，{kept} 条意见匿名保留",
};

const dictionaries = { zh, en: null };
const STORAGE_KEY = "minyi.lang";
const listeners = new Set();

export function getLang() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === "en" ? "en" : "zh";
}

/** Load the English table when English is chosen (Chinese is built in). */
export async function ensureLang() {
  if (getLang() === "en" && !dictionaries.en) dictionaries.en = (await import("./i18n-en.js")).en;
}

export async function setLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang === "en" ? "en" : "zh");
  await ensureLang();
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  listeners.forEach((fn) => fn(getLang()));
}

/** Called with the new language whenever it changes; returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key, params) {
  const dict = (getLang() === "en" && dictionaries.en) || zh;
  const text = dict[key] ?? zh[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? "").toString());
}

/** The one of a server's two labels (`label`, `label_en`) for the chosen language. */
export function pick(zhText, enText) {
  return getLang() === "en" ? enText || zhText || "" : zhText || enText || "";
}

// Status, state and timeline labels are the server's (GET /api/v1/labels, and `*_label` /
// `*_label_en` on each item): one source for the dashboard, the mobile web and the mini-program.
let labels = { topic_status: [], suggestion_state: [], timeline_kind: [] };

/** Load the server's label catalogue; called once before the first render. */
export async function loadLabels() {
  const res = await fetch("/api/v1/labels", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET /api/v1/labels: HTTP ${res.status}`);
  labels = await res.json();
}

function labelIn(set, code) {
  const entry = (labels[set] || []).find((l) => l.code === code);
  if (!entry) return code == null ? "" : String(code);
  return getLang() === "en" ? entry.label_en : entry.label;
}

/** Topic statuses in workflow order, as the server lists them. */
export function statuses() {
  return labels.topic_status.map((l) => l.code);
}

export function statusLabel(status) {
  return labelIn("topic_status", status);
}

export function stateLabel(state) {
  return labelIn("suggestion_state", state);
}

export function kindLabel(kind) {
  return labelIn("timeline_kind", kind);
}

/** A date-time shown in Asia/Shanghai. */
export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(getLang() === "en" ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}
