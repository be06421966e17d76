// The API client: bearer tokens in sessionStorage, refresh before expiry, problem+json errors,
// ETag/If-Match, authenticated downloads, and the live event stream (SSE over fetch).
import { getLang, t } from "./i18n.js";

const BASE = "/api/v1";
const ACCESS = "minyi.access_token";
const REFRESH = "minyi.refresh_token";
const EXPIRES = "minyi.expires_at";

let refreshTimer = null;
let refreshing = null;
const sessionListeners = new Set();

/** An API error: the problem+json body plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.message || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code;
  }
}

/** The message to show for an error, in the chosen language. */
export function errorText(err) {
  if (err instanceof ApiError) {
    const p = err.problem;
    const en = getLang() === "en";
    const main = en ? p.message_en || p.message : p.message || p.message_en;
    // Each field's message in the chosen language (the field's machine name is not for people).
    const fields = (p.errors || []).map((e) => (en ? e.message_en || e.message : e.message)).join(en ? "; " : "；");
    return [main || p.title || `HTTP ${err.status}`, fields].filter(Boolean).join(" — ");
  }
  if (err instanceof TypeError) return t("error_network");
  return (err && err.message) || t("error_generic");
}

export function hasSession() {
  return !!sessionStorage.getItem(ACCESS);
}

/** Called with `false` when the session ends (logout, refresh refused). */
export function onSessionChange(fn) {
  sessionListeners.add(fn);
  return () => sessionListeners.delete(fn);
}

function storeTokens(tokens) {
  sessionStorage.setItem(ACCESS, tokens.access_token);
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH, tokens.refresh_token);
  const ttl = Number(tokens.expires_in) || 900;
  sessionStorage.setItem(EXPIRES, String(Date.now() + ttl * 1000));
  scheduleRefresh();
}

function clearTokens() {
  sessionStorage.removeItem(ACCESS);
  sessionStorage.removeItem(REFRESH);
  sessionStorage.removeItem(EXPIRES);
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
}

/** Refresh the access token one minute before it expires. */
export function scheduleRefresh() {
  if (refreshTimer) clearTimeout(refreshTimer);
  const expires = Number(sessionStorage.getItem(EXPIRES) || 0);
  if (!expires || !sessionStorage.getItem(REFRESH)) return;
  const wait = Math.max(5000, expires - Date.now() - 60000);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

async function refresh() {
  if (refreshing) return refreshing;
  const token = sessionStorage.getItem(REFRESH);
  if (!token) throw new ApiError(401, { message: t("login_failed") });
  refreshing = (async () => {
    try {
      const res = await fetch(`${BASE}/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      const body = await readBody(res);
      if (!res.ok) {
        clearTokens();
        sessionListeners.forEach((fn) => fn(false));
        throw new ApiError(res.status, body);
      }
      storeTokens(body);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function readBody(res) {
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  if (type.includes("json")) return res.json();
  const text = await res.text();
  return text ? { message: text } : null;
}

function authHeaders() {
  const token = sessionStorage.getItem(ACCESS);
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * One API call. Returns `{ data, etag, status }`.
 * options: method, body (JSON) or form (FormData), ifMatch (a version or ETag), query (object).
 */
export async function request(path, options = {}) {
  let url = `${BASE}${path}`;
  if (options.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) {
      if (v !== undefined && v !== null && v !== "" && v !== false) q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const send = () => {
    const headers = { ...authHeaders() };
    let body;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (options.ifMatch !== undefined && options.ifMatch !== null) {
      const v = String(options.ifMatch);
      headers["if-match"] = v.startsWith('"') || v.startsWith("W/") ? v : `"${v}"`;
    }
    return fetch(url, { method: options.method || "GET", headers, body });
  };
  let res = await send();
  if (res.status === 401 && sessionStorage.getItem(REFRESH) && !path.startsWith("/auth/")) {
    await refresh();
    res = await send();
  }
  const data = await readBody(res);
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get("etag"), status: res.status };
}

/** Shorthand: the response body only. */
export async function api(path, options) {
  return (await request(path, options)).data;
}

/** The list inside a `{items:[…]}` answer (or the answer itself when it is a list). */
export function items(data) {
  if (Array.isArray(data)) return data;
  return (data && data.items) || [];
}

export async function login(username, password) {
  const { data } = await request("/auth/login", { method: "POST", body: { username, password } });
  storeTokens(data);
}

export async function logout() {
  try {
    await request("/auth/logout", { method: "POST" });
  } catch (_) {
    // The session may already be gone.
  }
  clearTokens();
  sessionListeners.forEach((fn) => fn(false));
}

const blobs = new Map();
/** An object URL for a file the API serves only with the bearer token (kept for the session). */
export function blobUrl(path) {
  if (!blobs.has(path)) {
    const p = fetch(`${BASE}${path}`, { headers: authHeaders() }).then(async (res) => {
      if (!res.ok) throw new ApiError(res.status, await readBody(res));
      return URL.createObjectURL(await res.blob());
    });
    p.catch(() => blobs.delete(path));
    blobs.set(path, p);
  }
  return blobs.get(path);
}

/** Forget a cached file (its access changed). */
export function forgetBlob(path) {
  blobs.delete(path);
}

/** Fetch a file with the bearer token and hand it to the browser (download or new tab). */
export async function openFile(path, filename) {
  const res = await fetch(`${BASE}${path}`, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, await readBody(res));
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  if (filename) a.download = filename;
  else a.target = "_blank";
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/**
 * Follow a community's live events. `onEvent({id, event, data})` for each event,
 * `onState(connected)` when the connection opens or drops. Reconnects with Last-Event-ID.
 * Returns a function that stops it.
 */
export function followEvents(communityId, onEvent, onState) {
  const controller = new AbortController();
  let lastId = null;
  let delay = 1000;
  let stopped = false;

  async function connect() {
    while (!stopped) {
      try {
        const headers = { ...authHeaders(), accept: "text/event-stream" };
        if (lastId) headers["last-event-id"] = lastId;
        const res = await fetch(`${BASE}/communities/${communityId}/events`, {
          headers,
          signal: controller.signal,
          cache: "no-store",
        });
        if (res.status === 401 && sessionStorage.getItem(REFRESH)) {
          await refresh();
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        onState(true);
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const ev = parseEvent(block);
            if (!ev) continue;
            if (ev.id) lastId = ev.id;
            onEvent(ev);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onState(false);
      if (stopped) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  connect();
  return () => {
    stopped = true;
    controller.abort();
  };
}

function parseEvent(block) {
  let id = null;
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length && !id) return null;
  let parsed = null;
  try {
    parsed = data.length ? JSON.parse(data.join("\n")) : null;
  } catch (_) {
    parsed = data.join("\n");
  }
  return { id, event, data: parsed };
}
