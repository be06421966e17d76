// Shared view helpers: htm bound to Preact and small components (server data: resource.js).
import { h, render } from "../vendor/preact.module.js";
import { useState, useEffect, useCallback, useRef, useMemo } from "../vendor/hooks.module.js";
import htm from "../vendor/htm.module.js";
import { errorText, blobUrl } from "./api.js";
import { t, statusLabel } from "./i18n.js";

export const html = htm.bind(h);
export { h, render, useState, useEffect, useCallback, useRef, useMemo };

// --- announcements and focus ----------------------------------------------------------------

/**
 * Say `text` to screen readers through the page's one polite live region (#announcer, present
 * from the start: a region created at the moment of the message is often not read).
 */
export function announce(text) {
  const el = document.getElementById("announcer");
  if (!el || !text) return;
  el.textContent = "";
  // A new text node after a tick, so the same message twice is read twice.
  setTimeout(() => {
    el.textContent = text;
  }, 50);
}

let focusPending = false;
/** The next page that shows its heading takes the focus (after login or a navigation). */
export function requestFocus() {
  focusPending = true;
}

/** Focus an element (made focusable for the purpose) without scrolling past it. */
export function focusEl(el) {
  if (!el) return;
  if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) el.setAttribute("tabindex", "-1");
  el.focus();
}

/**
 * A page: sets `document.title` to `title` and, after a navigation, moves the focus to the
 * page's main heading once it is shown (not while the page is still loading).
 */
export function usePage(title) {
  useEffect(() => {
    if (!title) return;
    document.title = `${title} · ${t("brand")}`;
    if (focusPending) {
      const heading = document.querySelector("main h1");
      const active = document.activeElement;
      // A page that put the focus in its own form (the paper entry form) keeps it there.
      const placed = active && active.closest && active.closest("main") && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
      if (placed) focusPending = false;
      else if (heading) {
        focusPending = false;
        focusEl(heading);
      }
    }
  }, [title]);
}

// --- small components -------------------------------------------------------------------------

/** An error line (problem+json message), or nothing. */
export function ErrorBox({ error, testid }) {
  if (!error) return null;
  return html`<div class="error" role="alert" data-testid=${testid || "error"}>${errorText(error)}</div>`;
}

/** A success/info line, or nothing; announced through the page's live region. */
export function Notice({ text, children, testid }) {
  useEffect(() => {
    if (text) announce(text);
  }, [text]);
  if (!text) return null;
  return html`<div class="notice" data-testid=${testid || "notice"}>${text}${children || null}</div>`;
}

export function Loading() {
  return html`<p class="muted">${t("loading")}</p>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`} data-status=${status}>${statusLabel(status)}</span>`;
}

/**
 * Tabs (WAI-ARIA tabs pattern): `role=tablist`, each tab `aria-selected` and controlling the
 * one panel; the selected tab is the only one in the Tab order, arrow keys, Home and End move
 * between tabs and select them. `tabs`: [{key, label, extra}].
 */
export function Tabs({ id, label, tabs, selected, onSelect, children, testid }) {
  const refs = useRef({});
  function onKeyDown(e) {
    const i = tabs.findIndex((x) => x.key === selected);
    let next = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next === null) return;
    e.preventDefault();
    const key = tabs[next].key;
    onSelect(key);
    const el = refs.current[key];
    if (el) el.focus();
  }
  return html`<div>
    <div class="tabs" role="tablist" aria-label=${label} data-testid=${testid}>
      ${tabs.map(
        (x) => html`<button type="button" role="tab" key=${x.key} id=${`${id}-tab-${x.key || "all"}`}
          ref=${(el) => (refs.current[x.key] = el)}
          aria-selected=${x.key === selected ? "true" : "false"} aria-controls=${`${id}-panel`}
          tabindex=${x.key === selected ? "0" : "-1"} class=${x.key === selected ? "active" : ""}
          data-testid=${x.testid} onClick=${() => onSelect(x.key)} onKeyDown=${onKeyDown}>
          ${x.label}${x.extra || null}
        </button>`,
      )}
    </div>
    <div role="tabpanel" id=${`${id}-panel`} aria-labelledby=${`${id}-tab-${selected || "all"}`}>${children}</div>
  </div>`;
}

/** An image the API serves only with the bearer token (photos): loaded as a blob. */
export function AuthImage({ path, alt, className }) {
  const [src, setSrc] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let alive = true;
    blobUrl(path)
      .then((u) => alive && setSrc(u))
      .catch(() => alive && setFailed(true));
    return () => {
      alive = false;
    };
  }, [path]);
  if (failed) return html`<span class="muted">${t("photo_unavailable")}</span>`;
  if (!src) return html`<span class="thumb-placeholder" aria-hidden="true"></span>`;
  return html`<img src=${src} alt=${alt} class=${className || ""} loading="lazy" />`;
}

/**
 * Photo thumbnails; a click (or Enter) opens the photo large in a modal dialog, Esc or the
 * close button closes it and the focus returns to the thumbnail.
 */
export function Photos({ ids, label, extra }) {
  const [open, setOpen] = useState(null);
  const dialog = useRef(null);
  const opener = useRef(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open !== null && !d.open) d.showModal();
    if (open === null && d.open) d.close();
  }, [open]);
  if (!ids || !ids.length) return null;
  return html`<div class="photos" data-testid="photos">
    ${ids.map(
      (id, i) => html`<span class="photo-item" key=${id}>
        <button type="button" class="thumb" data-testid="photo-thumb" data-upload-id=${id}
          aria-label=${t("photo_open", { n: i + 1, of: label })}
          onClick=${(e) => {
            opener.current = e.currentTarget;
            setOpen(id);
          }}>
          <${AuthImage} path=${`/uploads/${id}`} alt="" />
        </button>
        ${extra ? extra(id) : null}
      </span>`,
    )}
    <dialog ref=${dialog} class="photo-dialog" data-testid="photo-dialog" aria-label=${t("photo_large")}
      onClose=${() => {
        setOpen(null);
        if (opener.current) opener.current.focus();
      }}>
      ${open !== null
        ? html`<${AuthImage} path=${`/uploads/${open}`} alt=${t("photo_n", { n: ids.indexOf(open) + 1, of: label })} className="large" />`
        : null}
      <form method="dialog"><button type="submit" data-testid="photo-close">${t("close")}</button></form>
    </dialog>
  </div>`;
}

/** Today's date (Asia/Shanghai) as YYYY-MM-DD. */
/** A copy of a set of ids with one id in it (`on`) or not: what a ticked box changes. */
export function withId(set, id, on) {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

export function todayInShanghai() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}
