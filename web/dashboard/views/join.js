// The community's QR code for the notice board: residents scan it to join the community (the
// mini-program reads the same code as its scene; phones' cameras open /m/?c=…). Staff print the
// poster; admins can replace the code when a poster was misused (old posters stop working).
import { html, useState, ErrorBox, Notice, Loading, AuthImage, usePage } from "../ui.js";
import { request, openFile, forgetBlob } from "../api.js";
import { useResource } from "../resource.js";
import { t } from "../i18n.js";

export function JoinCode({ me, communityId }) {
  const code = useResource(`/communities/${communityId}/join-code`);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  usePage(t("join_title"));
  const v = code.data;
  const qr = `/communities/${communityId}/join-qr.svg`;
  return html`<section class="card" data-testid="join">
    <h1>${t("join_title")}</h1>
    <p>${t("join_hint")}</p>
    <${ErrorBox} error=${code.error || error || code.actionError} />
    <${Notice} text=${code.notice} />
    ${!v ? html`<${Loading} />` : html`
      <div class="join-grid">
        <div class="qr-box">
          <${AuthImage} key=${version} path=${`${qr}?v=${version}`} alt=${t("join_qr_alt", { name: v.name })} className="qr" />
        </div>
        <div class="stack">
          <p><strong>${v.name}</strong> <span class="muted">${v.street_name}</span></p>
          <p>${t("join_link")}${t("colon")}<code data-testid="join-url">${v.url}</code></p>
          <div class="row">
            <button data-testid="join-poster" onClick=${() => openFile(`/communities/${communityId}/join-poster`).catch(setError)}>
              ${t("join_print")}</button>
          </div>
          ${me.role === "admin"
            ? html`<div class="panel">
                <h2>${t("join_rotate")}</h2>
                <p class="muted">${t("join_rotate_hint")}</p>
                ${confirming
                  ? html`<div class="row">
                      <button data-testid="join-rotate-confirm" onClick=${async () => {
                        const ok = await code.act(() => request(`/communities/${communityId}/join-code/rotate`, { method: "POST" }), {
                          done: t("join_rotated"),
                        });
                        if (ok) {
                          forgetBlob(`${qr}?v=${version}`);
                          setVersion((n) => n + 1);
                        }
                        setConfirming(false);
                      }}>${t("confirm")}</button>
                      <button class="secondary" onClick=${() => setConfirming(false)}>${t("cancel")}</button>
                    </div>`
                  : html`<button class="secondary" data-testid="join-rotate" onClick=${() => setConfirming(true)}>${t("join_rotate")}</button>`}
              </div>`
            : null}
        </div>
      </div>`}
  </section>`;
}
