// Server data in views. `useResource` is one resource (GET path?query) kept with its ETag, and
// the changes made to it: each sends If-Match, shows busy/error/notice, reloads after success,
// and turns a 412 (someone else changed it) into `conflict` or a reload. `useLoad` is for a value
// computed from several requests.
import { useState, useEffect, useCallback, useRef } from "../vendor/hooks.module.js";
import { request } from "./api.js";
import { t } from "./i18n.js";

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

const quoted = (v) => (v === undefined || v === null ? null : `"${v}"`);

/**
 * The resource at `path` (null: nothing to load yet), reloaded when `path` or `query` change.
 * options:
 *   query      the query string as an object;
 *   version    data → its version, for If-Match when the answer carried no ETag;
 *   onConflict "banner" (default: set `conflict`, the view offers a reload) or "reload" (show the
 *              412 as an error and load the current version at once).
 * Returns {data, etag, ifMatch, error, loading, reload, setData,
 *          act, busy, actionError, setActionError, notice, setNotice, conflict}.
 * `act(change, {done, reload})` runs `change(ifMatch)` (a request), then reloads (unless
 * `reload: false`) and shows `done` (default "saved"); resolves to the change's result, or null
 * when it failed.
 */
export function useResource(path, options = {}) {
  const key = path === null || path === undefined ? null : `${path}?${JSON.stringify(options.query || {})}`;
  const [state, setState] = useState({ data: null, etag: null, error: null, loading: key !== null });
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(null);
  const [notice, setNotice] = useState("");
  const seq = useRef(0);
  const latest = useRef(options);
  latest.current = options;

  const reload = useCallback(async () => {
    if (key === null) return null;
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const res = await request(path, { query: latest.current.query });
      if (mine === seq.current) {
        setState({ data: res.data, etag: res.etag, error: null, loading: false });
        setConflict(false);
      }
      return res.data;
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ ...s, error, loading: false }));
      return null;
    }
  }, [key]);

  useEffect(() => {
    reload();
  }, [reload]);

  const { version } = options;
  const ifMatch = state.etag || (state.data && version ? quoted(version(state.data)) : null);
  const ifMatchRef = useRef(ifMatch);
  ifMatchRef.current = ifMatch;

  const act = useCallback(
    async (change, { done, reload: again = true } = {}) => {
      setBusy(true);
      setActionError(null);
      setNotice("");
      try {
        const result = await change(ifMatchRef.current);
        if (again) await reload();
        setNotice(done || t("saved"));
        return result || true;
      } catch (e) {
        if (e.status === 412 && latest.current.onConflict !== "reload") {
          setConflict(true);
        } else {
          setActionError(e);
          if (e.status === 412) await reload();
        }
        return null;
      } finally {
        setBusy(false);
      }
    },
    [reload],
  );

  return {
    ...state,
    ifMatch,
    reload,
    setData: (data) => setState((s) => ({ ...s, data: typeof data === "function" ? data(s.data) : data })),
    act,
    busy,
    actionError,
    setActionError,
    notice,
    setNotice,
    conflict,
  };
}
