// The OAuth applications console: plain modules, no build step, no third-party code.
// Everything it shows comes from the registry's own API (the flat surface), with the
// bearer token the user signed in with, kept in sessionStorage only.

const TOKEN_KEY = "oauth-apps-token";
const ORG_KEY = "oauth-apps-org";
const main = document.getElementById("main");
const status = document.getElementById("status");

// ---------------------------------------------------------------- DOM helpers
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "on") {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === "text") {
      el.textContent = v;
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function say(message, kind = "") {
  status.replaceChildren(h("p", { class: `notice ${kind}` }, message));
}

function quiet() {
  status.replaceChildren();
}

// Each navigation starts a new generation: a view still waiting for the API when the user
// has moved on must not draw over the newer one.
let generation = 0;

function current() {
  const mine = generation;
  return () => mine === generation;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
  const heading = main.querySelector("h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

// ---------------------------------------------------------------- session
function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function claims() {
  const t = token();
  if (!t) return null;
  try {
    const part = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      atob(part).split("").map((c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function isPlatformAdmin() {
  const c = claims();
  return Array.isArray(c?.roles) && c.roles.includes("platform-admin");
}

function currentOrg() {
  return sessionStorage.getItem(ORG_KEY);
}

function isAdmin(org = currentOrg()) {
  const c = claims();
  return isPlatformAdmin() || (c?.orgs && c.orgs[org] === "admin");
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ORG_KEY);
  location.hash = "#/";
  route();
}

function renderSession() {
  const session = document.getElementById("session");
  const c = claims();
  if (!c) {
    session.hidden = true;
    return;
  }
  session.hidden = false;
  document.getElementById("who").textContent = `Signed in as ${c.sub}`;
  const select = document.getElementById("org");
  const orgs = Object.keys(c.orgs || {}).sort();
  let org = currentOrg();
  if (!org || (!orgs.includes(org) && !isPlatformAdmin())) {
    org = orgs[0] || null;
    if (org) sessionStorage.setItem(ORG_KEY, org);
  }
  const options = orgs.map((o) => h("option", { value: o, selected: o === org }, `${o} (${c.orgs[o]})`));
  if (org && !orgs.includes(org)) options.push(h("option", { value: org, selected: true }, org));
  select.replaceChildren(...options);
}

// ---------------------------------------------------------------- API
async function api(method, path, { body, etag } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return { ok: false, status: 0, body: { detail: "The registry could not be reached." } };
  }
  let parsed = null;
  const text = await response.text();
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { detail: text };
    }
  }
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
  }
  return { ok: response.ok, status: response.status, etag: response.headers.get("ETag"), body: parsed };
}

function problemText(r) {
  if (r.status === 0) return r.body.detail;
  return r.body?.detail || r.body?.title || `The registry answered ${r.status}.`;
}

// ---------------------------------------------------------------- forms
function field(id, label, input, hint) {
  input.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field", "data-field": id },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input);
}

function clearErrors(form) {
  for (const e of form.querySelectorAll(".field-error")) e.remove();
  for (const i of form.querySelectorAll("[aria-invalid]")) {
    i.removeAttribute("aria-invalid");
    const hint = document.getElementById(`${i.id}-hint`);
    if (hint) i.setAttribute("aria-describedby", hint.id);
    else i.removeAttribute("aria-describedby");
  }
}

// Shows the API's field errors beside their inputs; `ids` maps a field's name (without
// an index) to its input's id. Errors of fields without an input go to the status line.
function showErrors(form, r, ids) {
  clearErrors(form);
  const loose = [];
  let first = null;
  for (const e of r.body?.errors || []) {
    const base = String(e.field).replace(/\[.*$/, "");
    const input = ids[base] && document.getElementById(ids[base]);
    const text = `${e.field}: ${e.message}`;
    if (!input) {
      loose.push(text);
      continue;
    }
    const errId = `${input.id}-error`;
    let p = document.getElementById(errId);
    if (!p) {
      p = h("p", { class: "field-error", id: errId });
      input.insertAdjacentElement("afterend", p);
    }
    p.textContent = p.textContent ? `${p.textContent} ${text}` : text;
    input.setAttribute("aria-invalid", "true");
    const hint = document.getElementById(`${input.id}-hint`);
    input.setAttribute("aria-describedby", hint ? `${errId} ${hint.id}` : errId);
    first = first || input;
  }
  say([problemText(r), ...loose].join(" "), "bad");
  if (first) first.focus();
}

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const words = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

// ---------------------------------------------------------------- views
async function signIn() {
  const input = h("textarea", { rows: 4, autocomplete: "off", spellcheck: "false" });
  const form = h("form", {},
    field("token", "Bearer token", input,
      "A token of your identity provider for this registry. It is kept in this tab only and never put in a URL."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Sign in")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) {
      say("Paste a token to sign in.", "bad");
      input.focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, t);
    if (!claims()) {
      sessionStorage.removeItem(TOKEN_KEY);
      say("That is not a token this console can read (a JWT).", "bad");
      return;
    }
    quiet();
    route();
  });
  const view = [h("h2", {}, "Sign in"), form];
  const live = current();
  const dev = await fetch("/console/dev-token", { cache: "no-store" }).catch(() => null);
  if (!live()) return;
  if (dev && dev.ok) {
    const { token: devToken } = await dev.json();
    if (!live()) return;
    const button = h("button", { type: "button", class: "secondary" }, "Sign in with the development token");
    button.addEventListener("click", () => {
      sessionStorage.setItem(TOKEN_KEY, devToken);
      quiet();
      route();
    });
    view.push(h("p", { class: "hint" }, "Development mode on this machine:"), button);
  }
  show(...view);
}

function chooseOrg() {
  const input = h("input", { type: "text", autocomplete: "off" });
  const form = h("form", {}, field("org-id", "Organisation id", input,
    "Your token names no organisation; as a platform admin, name the one to manage."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Open")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    sessionStorage.setItem(ORG_KEY, input.value.trim());
    route();
  });
  show(h("h2", {}, "Choose an organisation"), form);
}

async function listView() {
  const org = currentOrg();
  const items = [];
  let cursor = null;
  const filter = h("input", { type: "search", autocomplete: "off" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "secondary" }, "Load more");
  const count = h("p", { class: "hint", "aria-live": "polite" });
  const draw = () => {
    const shown = items;
    body.replaceChildren(...shown.map((a) => h("tr", {},
      h("td", { "data-label": "Name" }, h("a", { href: `#/apps/${a.clientId}` }, a.name)),
      h("td", { "data-label": "Type" }, a.type),
      h("td", { "data-label": "Status" }, a.disabled ? h("span", { class: "tag disabled" }, "disabled") : h("span", { class: "tag" }, "active")),
      h("td", { "data-label": "Created" }, a.createdAt))));
    const needle = filter.value.trim();
    count.textContent = `${items.length} application${items.length === 1 ? "" : "s"}${needle ? ` whose name holds “${needle}”` : ""}${cursor ? ", more below" : ""}.`;
    more.hidden = !cursor;
  };
  const live = current();
  const load = async () => {
    const q = new URLSearchParams({ ownerOrgId: org, limit: "20" });
    if (cursor) q.set("cursor", cursor);
    if (filter.value.trim()) q.set("name", filter.value.trim());
    const r = await api("GET", `/api/oauth-applications?${q}`);
    if (!live()) return false;
    if (!r.ok) {
      say(problemText(r), "bad");
      return false;
    }
    items.push(...r.body.items);
    cursor = r.body.nextCursor || null;
    draw();
    return true;
  };
  // The filter asks the registry (every page), a moment after the last key.
  let typing = null;
  filter.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      items.length = 0;
      cursor = null;
      load();
    }, 250);
  });
  more.addEventListener("click", load);
  const heading = h("h2", {}, `Applications of ${org}`);
  const view = [heading];
  if (isAdmin()) view.push(h("div", { class: "actions" }, h("a", { class: "button", href: "#/new" }, "New application")));
  view.push(field("filter", "Filter by name", filter, "Shows the applications whose name holds this text."), count,
    h("table", {}, h("caption", { class: "hint" }, "Newest first"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Type"),
        h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Created"))), body),
    h("div", { class: "actions" }, more));
  show(...view);
  await load();
}

function secretPanel(secret, what) {
  const code = h("code", { id: "secret-value" }, secret);
  const copy = h("button", { type: "button", class: "secondary" }, "Copy secret");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret);
      say("The secret was copied to the clipboard.", "ok");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      say("Select and copy the secret: the clipboard is not available here.");
    }
  });
  return h("section", { class: "secret", "aria-labelledby": "secret-heading" },
    h("h3", { id: "secret-heading" }, `${what}: the client secret`),
    h("p", {}, h("strong", {}, "You will not see this secret again."), " Store it now; the registry keeps only its hash."),
    code, copy);
}

function createView() {
  if (!isAdmin()) {
    show(h("h2", {}, "New application"), h("p", {}, "Only the organisation's admins register applications."));
    return;
  }
  const ids = { name: "f-name", type: "f-type", redirectUrls: "f-redirectUrls", allowedScopes: "f-allowedScopes", description: "f-description" };
  const name = h("input", { type: "text", required: true, autocomplete: "off" });
  const type = h("select", {}, ...["web", "native", "public", "user-agent-based"].map((t) => h("option", { value: t }, t)));
  const redirects = h("textarea", { rows: 3 });
  const scopes = h("input", { type: "text", autocomplete: "off" });
  const description = h("textarea", { rows: 2 });
  const form = h("form", { novalidate: true },
    field(ids.name, "Name", name),
    field(ids.type, "Type", type, "web: a server that keeps a secret; native and public: apps that cannot."),
    field(ids.redirectUrls, "Redirect URLs", redirects, "One per line, e.g. https://app.example.com/callback."),
    field(ids.allowedScopes, "Scopes", scopes, "Separated by spaces or commas."),
    field(ids.description, "Description (optional)", description),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Register"), h("a", { href: "#/" }, "Cancel")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { ownerOrgId: currentOrg(), name: name.value, type: type.value, redirectUrls: lines(redirects.value) };
    if (words(scopes.value).length) body.allowedScopes = words(scopes.value);
    if (description.value.trim()) body.description = description.value;
    const r = await api("POST", "/api/oauth-applications", { body });
    if (!r.ok) {
      showErrors(form, r, ids);
      return;
    }
    const app = r.body.application;
    say(`${app.name} was registered.`, "ok");
    show(h("h2", {}, `${app.name} is registered`),
      r.body.clientSecret ? secretPanel(r.body.clientSecret, "New application") : h("p", {}, "Its method uses no secret."),
      h("p", {}, "Client id: ", h("code", {}, app.clientId)),
      h("div", { class: "actions" }, h("a", { class: "button", href: `#/apps/${app.clientId}` }, "Open the application")));
  });
  show(h("h2", {}, "New application"), form);
}

function dl(pairs) {
  return h("dl", {}, ...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

function credentialRows(c) {
  if (!c) return "—";
  return [c.kind, c.hint ? ` …${c.hint}` : "", `, issued ${c.createdAt}`, c.lastUsedAt ? `, last used ${c.lastUsedAt}` : ", never used",
    c.expiresAt ? `, works until ${c.expiresAt}` : ""].join("");
}

async function appView(clientId) {
  const live = current();
  const path = `/api/oauth-applications/${encodeURIComponent(clientId)}`;
  const r = await api("GET", path);
  if (!live()) return;
  if (!r.ok) {
    show(h("h2", {}, "Application"), h("p", {}, problemText(r)), h("a", { href: "#/" }, "Back to the list"));
    return;
  }
  const app = r.body;
  let etag = r.etag;
  const admin = isAdmin(app.ownerOrgId);
  const reload = async (message, kind = "ok") => {
    await appView(clientId);
    say(message, kind);
  };
  // A write: with If-Match; a conflict reloads the application.
  const write = async (method, suffix, body, done, form, ids) => {
    const w = await api(method, `${path}${suffix}`, { body, etag });
    if (w.status === 412) {
      await reload("Someone else changed this application since you opened it. It was reloaded with their changes: check them and make your change again.", "bad");
      return null;
    }
    if (!w.ok) {
      if (form) showErrors(form, w, ids);
      else say(problemText(w), "bad");
      return null;
    }
    if (done) await done(w);
    return w;
  };
  const sections = [h("h2", {}, app.name),
    dl([["Client id", h("code", {}, app.clientId)], ["Status", app.disabled ? "disabled" : "active"], ["Type", app.type],
      ["Organisation", app.ownerOrgId], ["Redirect URLs", app.redirectUrls.join(" ") || "—"],
      ["Scopes", app.allowedScopes.join(" ") || "—"], ["Grant types", app.grantTypes.join(" ")],
      ["Authentication", app.tokenEndpointAuthMethod], ["Description", app.description],
      ["Secret expires", app.clientSecretExpiresAt || "never"], ["Created", app.createdAt], ["Updated", app.updatedAt]]),
    h("h3", {}, "Credentials"),
    dl([["Current", credentialRows(app.credentials.current)], ["Previous", credentialRows(app.credentials.previous)]])];
  if (admin) {
    const ids = { name: "e-name", redirectUrls: "e-redirectUrls", allowedScopes: "e-allowedScopes", description: "e-description" };
    const name = h("input", { type: "text", value: app.name, autocomplete: "off" });
    const redirects = h("textarea", { rows: 3 });
    redirects.value = app.redirectUrls.join("\n");
    const scopes = h("input", { type: "text", value: app.allowedScopes.join(" "), autocomplete: "off" });
    const description = h("textarea", { rows: 2 });
    description.value = app.description || "";
    const edit = h("form", { novalidate: true },
      h("fieldset", {}, h("legend", {}, "Edit"),
        field(ids.name, "Name", name), field(ids.redirectUrls, "Redirect URLs", redirects, "One per line."),
        field(ids.allowedScopes, "Scopes", scopes, "Separated by spaces or commas."),
        field(ids.description, "Description", description),
        h("div", { class: "actions" }, h("button", { type: "submit" }, "Save changes"))));
    edit.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { name: name.value, redirectUrls: lines(redirects.value), allowedScopes: words(scopes.value),
        description: description.value.trim() ? description.value : null };
      await write("PATCH", "", body, () => reload("The changes were saved."), edit, ids);
    });
    const grace = h("input", { type: "number", min: "0", max: "604800", value: "3600" });
    const rotate = h("form", {},
      h("fieldset", {}, h("legend", {}, "Rotate the secret"),
        field("r-grace", "Grace period (seconds)", grace, "How long the current secret keeps working beside the new one (0 to 604800)."),
        h("div", { class: "actions" }, h("button", { type: "submit" }, "Rotate secret"))));
    rotate.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      await write("POST", "/rotate-secret", { gracePeriodSeconds: Number(grace.value || 0) }, async (w) => {
        await appView(clientId);
        main.prepend(secretPanel(w.body.clientSecret, "Rotated"));
        say("The secret was rotated. Store the new one now.", "ok");
      }, rotate, { gracePeriodSeconds: "r-grace" });
    });
    const buttons = [];
    if (app.credentials.previous) {
      const revoke = h("button", { type: "button", class: "secondary" }, "Revoke the previous credential");
      revoke.addEventListener("click", () => write("POST", "/revoke-previous-secret", undefined, () => reload("The previous credential was revoked.")));
      buttons.push(revoke);
    }
    const toggle = app.disabled
      ? h("button", { type: "button" }, "Enable")
      : h("button", { type: "button", class: "danger" }, "Disable");
    toggle.addEventListener("click", () => app.disabled
      ? write("POST", "/enable", undefined, () => reload("The application was enabled."))
      : write("DELETE", "", undefined, () => reload("The application was disabled: its clients no longer authenticate.")));
    buttons.push(toggle);
    sections.push(h("h3", {}, "Actions"), h("div", { class: "actions" }, ...buttons), edit);
    if (app.tokenEndpointAuthMethod.startsWith("client_secret") && !app.disabled) sections.push(rotate);
  } else {
    sections.push(h("p", { class: "hint" }, "You can read this application; changing it takes an admin of its organisation."));
  }
  const events = await api("GET", `${path}/events?limit=50`);
  if (!live()) return;
  if (events.ok) {
    sections.push(h("h3", {}, "Audit trail"), h("table", {},
      h("thead", {}, h("tr", {}, ...["When", "What", "Who", "Fields"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...events.body.items.map((e) => h("tr", {},
        h("td", { "data-label": "When" }, e.at), h("td", { "data-label": "What" }, e.action),
        h("td", { "data-label": "Who" }, e.actor), h("td", { "data-label": "Fields" }, e.changedFields.join(", ") || "—"))))));
  }
  sections.push(h("p", {}, h("a", { href: "#/" }, "Back to the list")));
  show(...sections);
  etag = r.etag;
}

// ---------------------------------------------------------------- routing
async function route() {
  generation += 1;
  renderSession();
  if (!token() || !claims()) {
    await signIn();
    return;
  }
  if (!currentOrg()) {
    chooseOrg();
    return;
  }
  const hash = location.hash || "#/";
  const app = hash.match(/^#\/apps\/([^/]+)$/);
  if (app) await appView(decodeURIComponent(app[1]));
  else if (hash === "#/new") createView();
  else await listView();
  renderSession();
}

document.getElementById("org").addEventListener("change", (ev) => {
  sessionStorage.setItem(ORG_KEY, ev.target.value);
  quiet();
  location.hash = "#/";
  route();
});
document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", () => {
  quiet();
  route();
});
route();
