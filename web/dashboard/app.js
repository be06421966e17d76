// The staff dashboard: login, community choice, navigation and hash routes.
import { html, render, useState, useEffect, ErrorBox, Loading } from "./ui.js";
import { api, hasSession, login, logout, onSessionChange, scheduleRefresh } from "./api.js";
import { t, getLang, setLang, onLangChange, loadLabels } from "./i18n.js";
import { Inbox } from "./views/inbox.js";
import { TopicPage } from "./views/topic.js";
import { MeetingList, MeetingPage } from "./views/meetings.js";
import { BatchList, BatchPage } from "./views/paper.js";
import { Moderation } from "./views/moderation.js";
import { Stats } from "./views/stats.js";
import { Admin } from "./views/admin.js";
import { Callbacks } from "./views/callbacks.js";

const COMMUNITY_KEY = "minyi.community";

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  return { name: parts[0] || "", id: parts[1] ? Number(parts[1]) : null };
}

function navFor(role) {
  if (role === "volunteer") return ["paper"];
  const items = ["inbox", "meetings", "paper", "callbacks", "moderation", "stats"];
  if (role === "admin") items.push("admin");
  return items;
}

function LoginForm({ onDone }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <main class="narrow card">
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
    </main>`;
}

function CommunityPicker({ me, onPick }) {
  return html`
    <main class="narrow card" data-testid="community-picker">
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
    </main>`;
}

function Header({ me, community, onSwitch, onLogout }) {
  const route = parseRoute();
  return html`
    <header class="topbar">
      <div class="brand">${t("brand")}</div>
      ${me
        ? html`<nav class="nav">
            ${navFor(me.role).map(
              (n) => html`<a key=${n} href=${`#/${n}`} data-testid=${`nav-${n}`}
                class=${route.name === n || (route.name === "topic" && n === "inbox") || (route.name === "meeting" && n === "meetings") || (route.name === "batch" && n === "paper") ? "active" : ""}>
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
        <button class="ghost" data-testid="lang-toggle" onClick=${() => setLang(getLang() === "en" ? "zh" : "en")}>
          ${t("lang_toggle")}
        </button>
        ${me ? html`<button class="ghost" data-testid="logout" onClick=${onLogout}>${t("logout")}</button>` : null}
      </div>
    </header>`;
}

function Page({ me, communityId }) {
  const route = parseRoute();
  const allowed = navFor(me.role);
  const name = route.name || allowed[0];
  const props = { me, communityId, id: route.id };
  switch (name) {
    case "inbox":
      return html`<${Inbox} ...${props} />`;
    case "topic":
      return html`<${TopicPage} key=${route.id} ...${props} />`;
    case "meetings":
      return html`<${MeetingList} ...${props} />`;
    case "meeting":
      return html`<${MeetingPage} key=${route.id} ...${props} />`;
    case "paper":
      return html`<${BatchList} ...${props} />`;
    case "batch":
      return html`<${BatchPage} key=${route.id} ...${props} />`;
    case "callbacks":
      return html`<${Callbacks} ...${props} />`;
    case "moderation":
      return html`<${Moderation} ...${props} />`;
    case "stats":
      return html`<${Stats} ...${props} />`;
    case "admin":
      return html`<${Admin} ...${props} />`;
    default:
      return html`<${Inbox} ...${props} />`;
  }
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
    const onHash = () => setRouteTick((n) => n + 1);
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
    setCommunityId(id);
  }

  let body;
  let community = null;
  if (!signedIn) body = html`<${LoginForm} onDone=${() => setSignedIn(true)} />`;
  else if (error) body = html`<main class="card"><${ErrorBox} error=${error} /></main>`;
  else if (!me) body = html`<main><${Loading} /></main>`;
  else {
    const communities = me.communities || [];
    community = communities.find((c) => c.community_id === communityId) || null;
    if (!community && communities.length === 1) community = communities[0];
    if (!communities.length && me.role !== "admin") body = html`<main class="card"><p>${t("no_community")}</p></main>`;
    else if (!community && communities.length > 1) body = html`<${CommunityPicker} me=${me} onPick=${pick} />`;
    else body = html`<main><${Page} me=${me} communityId=${community ? community.community_id : null} /></main>`;
  }

  return html`
    <${Header} me=${me} community=${community}
      onSwitch=${() => {
        localStorage.removeItem(COMMUNITY_KEY);
        setCommunityId(null);
      }}
      onLogout=${async () => {
        await logout();
        location.hash = "";
      }} />
    ${body}`;
}

document.documentElement.lang = getLang() === "en" ? "en" : "zh-CN";
document.title = t("app_title");
const root = document.getElementById("app");
// The labels of statuses and timeline entries come from the server; show nothing raw meanwhile.
loadLabels()
  .catch((err) => console.error("labels not loaded", err))
  .finally(() => {
    root.textContent = "";
    render(html`<${App} />`, root);
  });
