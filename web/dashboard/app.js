const $ = (id) => document.getElementById(id);
async function api(path, options = {}) {
  const token = sessionStorage.getItem("access_token");
  const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(`/api/v1${path}`, { ...options, headers });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw body;
  return body;
}
async function showHome() {
  const me = await api("/me");
  $("welcome").textContent = `您好，${me.display_name}`;
  $("me").textContent = JSON.stringify(me, null, 2);
  $("login").hidden = true;
  $("home").hidden = false;
}
$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("error").textContent = "";
  try {
    const t = await api("/auth/login", { method: "POST", body: JSON.stringify({ username: $("username").value, password: $("password").value }) });
    sessionStorage.setItem("access_token", t.access_token);
    await showHome();
  } catch (p) {
    $("error").textContent = p && p.message ? `${p.message}（${p.message_en}）` : "登录失败";
  }
});
$("logout").addEventListener("click", async () => {
  try { await api("/auth/logout", { method: "POST" }); } catch (_) { /* already gone */ }
  sessionStorage.removeItem("access_token");
  location.reload();
});
if (sessionStorage.getItem("access_token")) showHome().catch(() => sessionStorage.removeItem("access_token"));
