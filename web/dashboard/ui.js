// Shared view helpers: htm bound to Preact and small components (server data: resource.js).
import { h, render } from "../vendor/preact.module.js";
import { useState, useEffect, useCallback, useRef, useMemo } from "../vendor/hooks.module.js";
import htm from "../vendor/htm.module.js";
import { errorText } from "./api.js";
import { t } from "./i18n.js";

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

export function Loading() {
  return html`<p class="muted">${t("loading")}</p>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`} data-status=${status}>${t(`status_${status}`)}</span>`;
}

/** Today's date (Asia/Shanghai) as YYYY-MM-DD. */
export function todayInShanghai() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}
