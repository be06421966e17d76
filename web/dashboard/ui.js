// Shared view helpers: htm bound to Preact, small components, data hooks.
import { h, render } from "../vendor/preact.module.js";
import { useState, useEffect, useCallback, useRef, useMemo } from "../vendor/hooks.module.js";
import htm from "../vendor/htm.module.js";
import { errorText } from "./api.js";
import { t, statusLabel } from "./i18n.js";

export const html = htm.bind(h);
export { h, render, useState, useEffect, useCallback, useRef, useMemo };

/** An error line (problem+json message), or nothing. */
export function ErrorBox({ error, testid }) {
  if (!error) return null;
  return html`<div class="error" role="alert" data-testid=${testid || "error"}>${errorText(error)}</div>`;
}

/** A success/info line, or nothing. */
export function Notice({ text }) {
  if (!text) return null;
  return html`<div class="notice" role="status">${text}</div>`;
}

/** Load data with `fn`; reloads when `deps` change. Returns {data, error, loading, reload, setData}. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const load = useCallback(async () => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await fn();
      if (mine === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    load();
  }, [load]);
  return {
    ...state,
    reload: load,
    setData: (data) => setState((s) => ({ ...s, data: typeof data === "function" ? data(s.data) : data })),
  };
}

/** Run an action, tracking busy state and its error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = useCallback(async (fn) => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export function Loading() {
  return html`<p class="muted">${t("loading")}</p>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`} data-status=${status}>${statusLabel(status)}</span>`;
}

/** Today's date (Asia/Shanghai) as YYYY-MM-DD. */
export function todayInShanghai() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}
