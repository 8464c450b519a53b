// The OAuth applications console: plain modules, no build step, no third-party code.
// Everything it shows comes from the registry's own API (the flat surface), with the
// bearer token the user signed in with, kept in sessionStorage only.

const TOKEN_KEY = "oauth-apps-token";
const ORG_KEY = "oauth-apps-org";
// The organisations a platform admin opened in this tab, for the picker.
const RECENT_KEY = "oauth-apps-orgs";
// The one-time code of the development sign-in link, until it is used.
const CODE_KEY = "oauth-apps-sign-in-code";
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

// A message for the next view to show (why the user is back at sign-in, say).
let notice = null;

// Asks before an action that cannot be taken back by a click: a modal dialog, Cancel
// focused, Escape cancels. Resolves true when the user confirms.
function confirmAction({ title, text, confirm }) {
  const trigger = document.activeElement;
  return new Promise((resolve) => {
    const yes = h("button", { type: "button", class: "danger" }, confirm);
    const no = h("button", { type: "button", class: "secondary" }, "Cancel");
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h2", { id: "confirm-title" }, title),
      h("p", { id: "confirm-text" }, text),
      h("div", { class: "actions" }, yes, no));
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      if (!answer && trigger && trigger.isConnected) trigger.focus();
      resolve(answer);
    };
    yes.addEventListener("click", () => close(true));
    no.addEventListener("click", () => close(false));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// ---------------------------------------------------------------- times
// The API's timestamps (RFC 3339, UTC, microseconds) in the reader's zone and language;
// the exact value on hover and in the datetime attribute.
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function readable(iso) {
  const d = new Date(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(d.getTime()) ? String(iso) : timeFormat.format(d);
}

function when(iso, otherwise = "—") {
  if (!iso) return otherwise;
  return h("time", { datetime: iso, title: iso }, readable(iso));
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

function recentOrgs() {
  try {
    const list = JSON.parse(sessionStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list) ? list.filter((o) => typeof o === "string") : [];
  } catch {
    return [];
  }
}

function openOrg(org) {
  sessionStorage.setItem(ORG_KEY, org);
  if (isPlatformAdmin()) {
    sessionStorage.setItem(RECENT_KEY, JSON.stringify([org, ...recentOrgs().filter((o) => o !== org)].slice(0, 10)));
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ORG_KEY);
  sessionStorage.removeItem(RECENT_KEY);
  location.hash = "#/";
  route();
}

// The registry refused the token (401): back to sign-in, saying why. The page the user
// was on stays in the address, so signing in again returns to it.
function sessionEnded(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  notice = reason;
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
  const others = isPlatformAdmin() ? recentOrgs() : [];
  if (org && !orgs.includes(org) && !others.includes(org)) others.unshift(org);
  for (const o of others.filter((o) => !orgs.includes(o)).sort()) {
    options.push(h("option", { value: o, selected: o === org }, o));
  }
  select.replaceChildren(...options);
  select.hidden = options.length === 0;
  document.querySelector('label[for="org"]').hidden = options.length === 0;
  document.getElementById("switch-org").hidden = !isPlatformAdmin();
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
    const why = parsed?.detail ? ` (${parsed.detail})` : "";
    sessionEnded(`You were signed out: the registry no longer accepts your token${why}. Tokens expire; sign in again with a current one.`);
    // The view that asked is gone: nothing more happens in it.
    return new Promise(() => {});
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

// The API names fields by their wire names and list positions (`redirectUrls[1]`) and
// speaks of grant types; the form has labels, lines and words. `fields` maps a wire name
// to its input's id and, for a list, to how its n-th entry reads on the form.
const GRANT_WORDS = [
  [/^'authorization_code' needs at least one redirect URL$/, "At least one redirect URL is needed: users come back to one after signing in."],
  [/'authorization_code'/g, "signing users in"],
  [/'refresh_token'/g, "refresh tokens"],
  [/'client_credentials'/g, "service-to-service access"],
  [/'urn:ietf:params:oauth:grant-type:device_code'|the device code grant/g, "sign-in on another device"],
];
// Fields no form shows, by the words of the application's page.
const FIELD_WORDS = { ownerOrgId: "Organisation", grantTypes: "Sign-in flows", tokenEndpointAuthMethod: "Authentication",
  jwks: "Keys", jwksUri: "Keys", isFirstParty: "First party", accessLevel: "Access level" };

function formWords(message) {
  let text = String(message);
  for (const [pattern, words] of GRANT_WORDS) text = text.replace(pattern, words);
  return text;
}

function labelOf(base, fields) {
  const id = fields[base]?.id;
  const label = id && document.querySelector(`label[for="${id}"]`);
  if (label) return label.textContent.replace(/\s*\(optional\)$/, "");
  return FIELD_WORDS[base] || base.replace(/([A-Z])/g, " $1").replace(/^./, (c) => c.toUpperCase());
}

// One error as a sentence in the form's words: the entry it concerns, then the rule.
function errorText(e, fields) {
  const [, base, index] = String(e.field).match(/^([^[]*)(?:\[(\d+)\])?/);
  const rule = formWords(e.message);
  const entry = index === undefined ? null : fields[base]?.entry?.(Number(index));
  if (!entry || rule.includes(entry.value)) return rule.replace(/^./, (c) => c.toUpperCase());
  return `${entry.text} ${rule}`;
}

// Shows the API's field errors beside their inputs, and a summary naming the fields by
// their labels in the status line; errors of fields without an input go there in full.
function showErrors(form, r, fields) {
  clearErrors(form);
  const loose = [];
  const named = [];
  let first = null;
  for (const e of r.body?.errors || []) {
    const base = String(e.field).replace(/\[.*$/, "");
    const input = fields[base] && document.getElementById(fields[base].id);
    const text = errorText(e, fields);
    const label = labelOf(base, fields);
    if (!input) {
      loose.push(`${label}: ${text}`);
      continue;
    }
    if (!named.includes(label)) named.push(label);
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
  const check = named.length ? `Check ${named.join(", ")}.` : "";
  say([problemText(r), check, ...loose].filter(Boolean).join(" "), "bad");
  if (first) first.focus();
}

// How the n-th non-blank line of a textarea reads: its value and its line number.
function lineEntry(textarea) {
  return (n) => {
    const all = textarea.value.split("\n");
    const numbered = all.map((v, i) => [v.trim(), i + 1]).filter(([v]) => v);
    const [value, line] = numbered[n] || ["", n + 1];
    return { value, text: `${value} (line ${line})` };
  };
}

// How the n-th word of an input reads.
function wordEntry(input) {
  return (n) => {
    const value = words(input.value)[n] || "";
    return { value, text: `“${value}”` };
  };
}

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const words = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

// ---------------------------------------------------------------- views
// The development sign-in link (`/console#code=...`, printed by the server at start)
// carries a one-time code in the fragment, which no request line holds; it is taken out
// of the address bar at once and kept in the tab until used.
function takeSignInCode() {
  const m = location.hash.match(/^#code=([0-9A-Za-z_-]+)$/);
  if (!m) return;
  sessionStorage.setItem(CODE_KEY, m[1]);
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
}

async function devSignIn() {
  const code = sessionStorage.getItem(CODE_KEY);
  let r;
  try {
    r = await fetch("/console/dev-token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
      cache: "no-store",
    });
  } catch {
    say("The registry could not be reached.", "bad");
    return;
  }
  // Used or refused, the code is spent.
  sessionStorage.removeItem(CODE_KEY);
  const body = await r.json().catch(() => null);
  if (r.ok && body?.token) {
    sessionStorage.setItem(TOKEN_KEY, body.token);
    quiet();
  } else {
    notice = body?.detail || `The registry answered ${r.status}.`;
  }
  route();
}

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
  const view = [h("h2", {}, "Sign in")];
  if (sessionStorage.getItem(CODE_KEY)) {
    const button = h("button", { type: "button" }, "Sign in with the development token");
    button.addEventListener("click", devSignIn);
    view.push(h("p", { class: "hint" }, "Development mode: the link the server printed at start signs you in, once."),
      h("div", { class: "actions" }, button), h("p", {}, "Or paste a token:"));
  }
  view.push(form);
  show(...view);
  if (notice) {
    say(notice, "bad");
    notice = null;
  }
}

const ORG_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function chooseOrg() {
  const input = h("input", { type: "text", autocomplete: "off", value: currentOrg() || "" });
  const hint = isPlatformAdmin()
    ? "As a platform admin you manage any organisation: name the one to open."
    : "Your token names no organisation; name the one to open.";
  const form = h("form", { novalidate: true }, field("org-id", "Organisation id", input, hint),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Open"),
      currentOrg() ? h("a", { href: "#/" }, "Cancel") : null));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const org = input.value.trim();
    if (!ORG_ID.test(org)) {
      showErrors(form, { status: 400, body: { detail: "That is not an organisation id.",
        errors: [{ field: "org", message: "must be 1 to 64 letters, digits, '_', '.' or '-'" }] } }, { org: { id: "org-id" } });
      return;
    }
    openOrg(org);
    quiet();
    if (location.hash === "#/") route();
    else location.hash = "#/";
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
      h("td", { "data-label": "Created" }, when(a.createdAt)))));
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
  const fields = { name: { id: ids.name }, type: { id: ids.type }, description: { id: ids.description },
    redirectUrls: { id: ids.redirectUrls, entry: lineEntry(redirects) }, allowedScopes: { id: ids.allowedScopes, entry: wordEntry(scopes) } };
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
      showErrors(form, r, fields);
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
  return [c.kind, c.hint ? ` …${c.hint}` : "", ", issued ", when(c.createdAt),
    ...(c.lastUsedAt ? [", last used ", when(c.lastUsedAt)] : [", never used"]),
    ...(c.expiresAt ? [", works until ", when(c.expiresAt)] : [])];
}

// The application's actions: revoking the previous credential and disabling ask first
// (their clients stop authenticating at once); enabling does not.
function actionButtons(app, write, reload) {
  const buttons = [];
  if (app.credentials.previous) {
    const revoke = h("button", { type: "button", class: "secondary" }, "Revoke the previous credential");
    revoke.addEventListener("click", async () => {
      const sure = await confirmAction({ title: "Revoke the previous credential?",
        text: `Clients of ${app.name} that still use the previous secret or key set stop authenticating at once. The current one keeps working.`,
        confirm: "Revoke" });
      if (sure) await write("POST", "/revoke-previous-secret", undefined, () => reload("The previous credential was revoked."));
    });
    buttons.push(revoke);
  }
  const toggle = app.disabled
    ? h("button", { type: "button" }, "Enable")
    : h("button", { type: "button", class: "danger" }, "Disable");
  toggle.addEventListener("click", async () => {
    if (app.disabled) {
      await write("POST", "/enable", undefined, () => reload("The application was enabled."));
      return;
    }
    const sure = await confirmAction({ title: `Disable ${app.name}?`,
      text: "Its clients stop authenticating at once, until it is enabled again.", confirm: "Disable" });
    if (sure) await write("DELETE", "", undefined, () => reload("The application was disabled: its clients no longer authenticate."));
  });
  buttons.push(toggle);
  return buttons;
}

function auditTrail(items) {
  return h("table", {},
    h("thead", {}, h("tr", {}, ...["When", "What", "Who", "Fields"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...items.map((e) => h("tr", {},
      h("td", { "data-label": "When" }, when(e.at)), h("td", { "data-label": "What" }, e.action),
      h("td", { "data-label": "Who" }, e.actor), h("td", { "data-label": "Fields" }, e.changedFields.join(", ") || "—")))));
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
  const write = async (method, suffix, body, done, form, fields) => {
    const w = await api(method, `${path}${suffix}`, { body, etag });
    if (w.status === 412) {
      await reload("Someone else changed this application since you opened it. It was reloaded with their changes: check them and make your change again.", "bad");
      return null;
    }
    if (!w.ok) {
      if (form) showErrors(form, w, fields);
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
      ["Secret expires", when(app.clientSecretExpiresAt, "never")], ["Created", when(app.createdAt)], ["Updated", when(app.updatedAt)]]),
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
    const fields = { name: { id: ids.name }, description: { id: ids.description },
      redirectUrls: { id: ids.redirectUrls, entry: lineEntry(redirects) }, allowedScopes: { id: ids.allowedScopes, entry: wordEntry(scopes) } };
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
      await write("PATCH", "", body, () => reload("The changes were saved."), edit, fields);
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
      }, rotate, { gracePeriodSeconds: { id: "r-grace" } });
    });
    const buttons = actionButtons(app, write, reload);
    sections.push(h("h3", {}, "Actions"), h("div", { class: "actions" }, ...buttons), edit);
    if (app.tokenEndpointAuthMethod.startsWith("client_secret") && !app.disabled) sections.push(rotate);
  } else {
    sections.push(h("p", { class: "hint" }, "You can read this application; changing it takes an admin of its organisation."));
  }
  const events = await api("GET", `${path}/events?limit=50`);
  if (!live()) return;
  if (events.ok) sections.push(h("h3", {}, "Audit trail"), auditTrail(events.body.items));
  sections.push(h("p", {}, h("a", { href: "#/" }, "Back to the list")));
  show(...sections);
  etag = r.etag;
}

// ---------------------------------------------------------------- routing
async function route() {
  generation += 1;
  const exp = claims()?.exp;
  if (typeof exp === "number" && exp * 1000 <= Date.now()) {
    sessionStorage.removeItem(TOKEN_KEY);
    notice = `You were signed out: your token expired (${readable(new Date(exp * 1000).toISOString())}). Sign in again with a current one.`;
  }
  renderSession();
  if (!token() || !claims()) {
    await signIn();
    return;
  }
  const hash = location.hash || "#/";
  if (!currentOrg() || hash === "#/organisation") {
    chooseOrg();
    return;
  }
  const app = hash.match(/^#\/apps\/([^/]+)$/);
  if (app) await appView(decodeURIComponent(app[1]));
  else if (hash === "#/new") createView();
  else await listView();
  renderSession();
}

document.getElementById("org").addEventListener("change", (ev) => {
  openOrg(ev.target.value);
  quiet();
  location.hash = "#/";
  route();
});
document.getElementById("sign-out").addEventListener("click", signOut);
document.getElementById("switch-org").addEventListener("click", () => {
  quiet();
  location.hash = "#/organisation";
});
window.addEventListener("hashchange", () => {
  takeSignInCode();
  quiet();
  route();
});
takeSignInCode();
route();
