// The staff dashboard: login, community choice, navigation and hash routes. Each view is a
// module loaded when it is first opened, so the login screen loads none of them.
import { html, render, useState, useEffect, ErrorBox, Loading, requestFocus, focusEl, usePage } from "./ui.js";
import { api, hasSession, login, logout, onSessionChange, scheduleRefresh } from "./api.js";
import { t, getLang, setLang, onLangChange, ensureLang, loadLabels } from "./i18n.js";

const COMMUNITY_KEY = "minyi.community";

/** Each route's view: `[module, export]`, imported when first shown. */
const VIEWS = {
  inbox: () => import("./views/inbox.js").then((m) => m.Inbox),
  topic: () => import("./views/topic.js").then((m) => m.TopicPage),
  meetings: () => import("./views/meetings.js").then((m) => m.MeetingList),
  meeting: () => import("./views/meetings.js").then((m) => m.MeetingPage),
  paper: () => import("./views/paper.js").then((m) => m.BatchList),
  batch: () => import("./views/paper.js").then((m) => m.BatchPage),
  assist: () => import("./views/assist.js").then((m) => m.Assist),
  callbacks: () => import("./views/callbacks.js").then((m) => m.Callbacks),
  moderation: () => import("./views/moderation.js").then((m) => m.Moderation),
  synonyms: () => import("./views/synonyms.js").then((m) => m.Synonyms),
  stats: () => import("./views/stats.js").then((m) => m.Stats),
  join: () => import("./views/join.js").then((m) => m.JoinCode),
  admin: () => import("./views/admin.js").then((m) => m.Admin),
  privacy: () => import("./views/privacy.js").then((m) => m.Privacy),
  projects: () => import("./views/projects.js").then((m) => m.ProjectsHome),
  round: () => import("./views/projects.js").then((m) => m.RoundPage),
  apply: () => import("./views/projects.js").then((m) => m.ApplicationForm),
  project: () => import("./views/projects.js").then((m) => m.ProjectPage),
  orgs: () => import("./views/projects.js").then((m) => m.Organisations),
  pfigures: () => import("./views/projects.js").then((m) => m.ProjectFigures),
};
const loaded = {};

/** The section a route belongs to in the navigation. */
const SECTION = {
  topic: "inbox",
  meeting: "meetings",
  batch: "paper",
  round: "projects",
  apply: "projects",
  project: "projects",
  orgs: "projects",
  pfigures: "projects",
};

/** Roles that serve community projects only (no community's hall): they land on projects. */
const PROJECT_ONLY = ["reviewer", "supervisor", "org_lead"];

function parseRoute() {
  const [path, search] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const query = Object.fromEntries(new URLSearchParams(search || ""));
  return { name: parts[0] || "", id: parts[1] ? Number(parts[1]) : null, query };
}

function navFor(role) {
  if (role === "volunteer") return ["paper", "assist"];
  if (PROJECT_ONLY.includes(role)) return ["projects"];
  const items = ["inbox", "meetings", "paper", "assist", "callbacks", "moderation", "synonyms", "stats", "projects", "join", "privacy"];
  if (role === "admin") items.push("admin");
  return items;
}

function LoginForm({ onDone }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  usePage(t("login_title"));
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      requestFocus();
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <div class="narrow card">
      <h1>${t("login_title")}</h1>
      <form onSubmit=${submit} data-testid="login-form">
        <label for="username">${t("username")}</label>
        <input id="username" name="username" autocomplete="username" required
          value=${username} onInput=${(e) => setUsername(e.target.value)} />
        <label for="password">${t("password")}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.target.value)} />
        <button type="submit" disabled=${busy} data-testid="login-submit">${t("login")}</button>
        <${ErrorBox} error=${error} />
      </form>
      <p class="muted">${t("api_docs")}: <a href="/api/docs/">/api/docs/</a></p>
    </div>`;
}

function CommunityPicker({ me, onPick }) {
  usePage(t("choose_community"));
  return html`
    <div class="narrow card" data-testid="community-picker">
      <h1>${t("choose_community")}</h1>
      <p>${t("choose_community_hint")}</p>
      <ul class="plain">
        ${me.communities.map(
          (c) => html`<li key=${c.community_id}>
            <button class="link-button" onClick=${() => onPick(c.community_id)}>
              ${c.name}${c.street_name ? html` <span class="muted">${t("lp")}${c.street_name}${t("rp")}</span>` : null}
            </button>
          </li>`,
        )}
      </ul>
    </div>`;
}

function Header({ me, community, onSwitch, onLogout }) {
  const route = parseRoute();
  const current = SECTION[route.name] || route.name || (me ? navFor(me.role)[0] : "");
  return html`
    <header class="topbar">
      <a class="skip" href="#main" data-testid="skip-link"
        onClick=${(e) => {
          e.preventDefault();
          focusEl(document.getElementById("main"));
        }}>${t("skip_to_main")}</a>
      <div class="brand">${t("brand")}</div>
      ${me
        ? html`<nav class="nav" aria-label=${t("nav_label")}>
            ${navFor(me.role).map(
              (n) => html`<a key=${n} href=${`#/${n}`} data-testid=${`nav-${n}`}
                aria-current=${current === n ? "page" : null} class=${current === n ? "active" : ""}>
                ${t(`nav_${n}`)}</a>`,
            )}
          </nav>`
        : null}
      <div class="topbar-right">
        ${community
          ? html`<span class="community" data-testid="current-community">${community.name}</span>
              ${me.communities.length > 1
                ? html`<button class="ghost" onClick=${onSwitch}>${t("switch_community")}</button>`
                : null}`
          : null}
        ${me ? html`<span class="muted-light">${t("hello", { name: me.display_name })}</span>` : null}
        <button class="ghost" data-testid="lang-toggle" lang=${getLang() === "en" ? "zh-CN" : "en"}
          onClick=${() => setLang(getLang() === "en" ? "zh" : "en")}>
          ${t("lang_toggle")}
        </button>
        ${me ? html`<button class="ghost" data-testid="logout" onClick=${onLogout}>${t("logout")}</button>` : null}
      </div>
    </header>`;
}

/** A view loaded on first use. */
function LazyView({ name, props }) {
  const [View, setView] = useState(() => loaded[name] || null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (loaded[name]) {
      setView(() => loaded[name]);
      return;
    }
    let alive = true;
    VIEWS[name]()
      .then((c) => {
        loaded[name] = c;
        if (alive) setView(() => c);
      })
      .catch((e) => alive && setError(e));
    return () => {
      alive = false;
    };
  }, [name]);
  if (error) return html`<section class="card"><${ErrorBox} error=${error} /></section>`;
  if (!View) return html`<${Loading} />`;
  return html`<${View} ...${props} />`;
}

function Page({ me, communityId }) {
  const route = parseRoute();
  const allowed = navFor(me.role);
  const section = SECTION[route.name] || route.name;
  const name = VIEWS[route.name] && allowed.includes(section) ? route.name : allowed[0];
  const props = { me, communityId, id: route.id, query: route.query };
  const search = new URLSearchParams(route.query).toString();
  return html`<${LazyView} key=${`${name}/${route.id || ""}?${search}`} name=${name} props=${props} />`;
}

function App() {
  const [, setLangTick] = useState(0);
  const [, setRouteTick] = useState(0);
  const [signedIn, setSignedIn] = useState(hasSession());
  const [me, setMe] = useState(null);
  const [error, setError] = useState(null);
  const [communityId, setCommunityId] = useState(Number(localStorage.getItem(COMMUNITY_KEY)) || null);

  useEffect(() => onLangChange(() => setLangTick((n) => n + 1)), []);
  useEffect(() => onSessionChange((on) => setSignedIn(on)), []);
  useEffect(() => {
    const onHash = () => {
      requestFocus();
      setRouteTick((n) => n + 1);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    if (!signedIn) {
      setMe(null);
      return;
    }
    scheduleRefresh();
    api("/me")
      .then((m) => {
        setMe(m);
        setError(null);
      })
      .catch((e) => setError(e));
  }, [signedIn]);

  function pick(id) {
    localStorage.setItem(COMMUNITY_KEY, String(id));
    requestFocus();
    setCommunityId(id);
  }

  let body;
  let community = null;
  if (!signedIn) body = html`<${LoginForm} onDone=${() => setSignedIn(true)} />`;
  else if (error) body = html`<div class="card"><${ErrorBox} error=${error} /></div>`;
  else if (!me) body = html`<${Loading} />`;
  else {
    const communities = me.communities || [];
    community = communities.find((c) => c.community_id === communityId) || null;
    if (!community && communities.length === 1) community = communities[0];
    if (!communities.length && me.role !== "admin" && !PROJECT_ONLY.includes(me.role)) body = html`<div class="card"><p>${t("no_community")}</p></div>`;
    else if (!community && communities.length > 1) body = html`<${CommunityPicker} me=${me} onPick=${pick} />`;
    else body = html`<${Page} me=${me} communityId=${community ? community.community_id : null} />`;
  }

  return html`
    <${Header} me=${me} community=${community}
      onSwitch=${() => {
        localStorage.removeItem(COMMUNITY_KEY);
        requestFocus();
        setCommunityId(null);
      }}
      onLogout=${async () => {
        await logout();
        requestFocus();
        location.hash = "";
      }} />
    <main id="main" tabindex="-1">${body}</main>`;
}

// English (when chosen) and the labels of statuses and timeline entries (from the server) are
// loaded before the first render, so nothing raw is shown meanwhile.
Promise.all([
  ensureLang().catch(() => localStorage.setItem("minyi.lang", "zh")),
  loadLabels().catch((err) => console.error("labels not loaded", err)),
])
  .finally(() => {
    document.documentElement.lang = getLang() === "en" ? "en" : "zh-CN";
    document.title = t("app_title");
    const root = document.getElementById("app");
    root.textContent = "";
    render(html`<${App} />`, root);
  });
