// The console in headless Chromium (Debian's chromium, driven by playwright-core), against a
// real server: each step of issue #15's "Done when", axe-core on the list, app and create
// pages, and a screenshot of the page whenever a step fails (in $SCREENSHOTS).
// Environment: BASE, ADMIN, MEMBER, AUTHENTICATOR, PLATFORM (tokens), FORGED (a token the
// server refuses, 401), EXPIRED (a token whose exp has passed), DEV_LINK (the sign-in link a
// second server, in development mode, printed at start), PLAYWRIGHT_CORE and AXE_CORE (paths
// to the packages' entry points), SCREENSHOTS, and DOCS_SCREENSHOTS (optional: where to save
// the pages for docs/).

import { readFileSync, mkdirSync } from "node:fs";

const { BASE, ADMIN, MEMBER, AUTHENTICATOR, PLATFORM, FORGED, EXPIRED, DEV_LINK, SCREENSHOTS, DOCS_SCREENSHOTS } = process.env;
const { chromium } = await import(process.env.PLAYWRIGHT_CORE);
const axeSource = readFileSync(process.env.AXE_CORE, "utf8");
mkdirSync(SCREENSHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const results = [];
let current = null;

async function step(name, page, fn) {
  current = name;
  try {
    await fn();
    results.push({ name, ok: true });
  } catch (e) {
    const file = `${SCREENSHOTS}/${name.replace(/[^a-z0-9]+/gi, "-")}.png`;
    if (page) await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    results.push({ name, ok: false, error: String(e && e.stack || e), screenshot: file });
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function api(method, path, token, body) {
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function events(clientId) {
  const r = await api("GET", `/api/oauth-applications/${clientId}/events?limit=100`, ADMIN);
  return r.body.items.map((e) => e.action);
}

// The time of `iso` as the page's zone and locale write it (the context's: en-GB, Kolkata).
function localTime(iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

// A timestamp of the API shown as a local, readable time, the exact value on hover.
async function showsTime(page, iso, where) {
  const time = page.locator(`time[datetime="${iso}"]`).first();
  await time.waitFor();
  const text = (await time.textContent()).trim();
  check(await time.getAttribute("title") === iso, `${where}: the exact value on hover (${await time.getAttribute("title")})`);
  check(!/\d{4}-\d{2}-\d{2}T/.test(text) && !/\.\d{4,}/.test(text), `${where}: readable, not ISO: ${text}`);
  check(text.includes(localTime(iso)), `${where}: local time ${localTime(iso)} in ${text}`);
}

async function authenticates(clientId, secret) {
  const r = await api("POST", "/api/client-authentication", AUTHENTICATOR, { clientId, clientSecret: secret });
  return r.body && r.body.valid === true;
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  const bad = found.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `${label}: axe found ${JSON.stringify(bad)}`);
  return found;
}

async function signIn(page, token) {
  await page.goto(`${BASE}/console`);
  await page.getByLabel("Bearer token").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: /Applications of acme/ }).waitFor();
}

async function docShot(page, name) {
  if (!DOCS_SCREENSHOTS) return;
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${DOCS_SCREENSHOTS}/${name}.png`, fullPage: true });
}

const looks = { viewport: { width: 1100, height: 900 }, locale: "en-GB", timezoneId: "Asia/Kolkata" };
const context = await browser.newContext(looks);
const page = await context.newPage();
const csp = [];
page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
let clientId = null;
let secret = null;
let previousSecret = null;

await step("sign in", page, async () => {
  const response = await page.goto(`${BASE}/console`);
  const policy = response.headers()["content-security-policy"] || "";
  check(policy.includes("script-src 'self'") && !policy.includes("unsafe"), `CSP: ${policy}`);
  await signIn(page, ADMIN);
  check(!page.url().includes(ADMIN.slice(0, 20)), "the token is not in the URL");
  await axe(page, "list page");
});

await step("the favicon is an image", page, async () => {
  for (const path of ["/favicon.ico", await page.locator('link[rel="icon"]').getAttribute("href")]) {
    const r = await fetch(`${BASE}${path}`);
    const type = r.headers.get("content-type") || "";
    const bytes = new Uint8Array(await r.arrayBuffer());
    check(r.status === 200 && type.startsWith("image/") && bytes.length > 0, `${path}: ${r.status} ${type}`);
  }
});

await step("a bad redirect URL is named by the form's words beside the field and writes nothing", page, async () => {
  await page.getByRole("link", { name: "New application" }).click();
  await page.getByRole("heading", { name: "New application" }).waitFor();
  await axe(page, "create page");
  await docShot(page, "console-create");
  await page.getByLabel("Name", { exact: true }).fill("Console app");
  await page.getByLabel("Redirect URLs").fill("https://console.example/ok\n\nhttp://evil.example/cb");
  await page.getByRole("button", { name: "Register" }).click();
  const error = page.locator("#f-redirectUrls-error");
  await error.waitFor();
  let text = await error.textContent();
  check(/line 3/.test(text) && text.includes("http://evil.example/cb"), `the line and the URL beside the field: ${text}`);
  check(!/redirectUrls/.test(text), `no API path beside the field: ${text}`);
  const summary = await page.locator("#status").textContent();
  check(!/redirectUrls|\[\d+\]/.test(summary) && /Redirect URLs/.test(summary), `the form's label in the summary: ${summary}`);
  check(await page.getByLabel("Redirect URLs").getAttribute("aria-invalid") === "true", "marked invalid");
  // A rule about a grant type the form does not show, in the form's words.
  await page.getByLabel("Redirect URLs").fill("");
  await page.getByRole("button", { name: "Register" }).click();
  await page.locator("#f-redirectUrls-error").getByText(/redirect URL/).waitFor();
  text = await page.locator("#f-redirectUrls-error").textContent();
  const all = text + (await page.locator("#status").textContent());
  check(!/authorization_code|grant|redirectUrls/.test(all), `no grant type or API path: ${all}`);
  const list = await api("GET", "/api/oauth-applications?ownerOrgId=acme&limit=100", ADMIN);
  check(!list.body.items.some((a) => a.name === "Console app"), "nothing was written");
});

await step("create an app and see its secret once", page, async () => {
  await page.getByLabel("Redirect URLs").fill("https://console.example/cb");
  await page.getByLabel("Scopes").fill("read");
  await page.getByRole("button", { name: "Register" }).click();
  await page.getByText("You will not see this secret again.").waitFor();
  secret = (await page.locator("#secret-value").textContent()).trim();
  check(secret.startsWith("oas_"), `a secret: ${secret}`);
  await docShot(page, "console-secret-once");
  const href = await page.getByRole("link", { name: "Open the application" }).getAttribute("href");
  clientId = href.split("/").pop();
  check(await authenticates(clientId, secret), "the secret authenticates");
  await page.reload();
  await page.getByRole("heading").first().waitFor();
  const html = await page.content();
  check(!html.includes(secret), "gone after a reload");
});

await step("the app page, its times local and readable", page, async () => {
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app" }).waitFor();
  await axe(page, "app page");
  await docShot(page, "console-app");
  const app = (await api("GET", `/api/oauth-applications/${clientId}`, ADMIN)).body;
  await showsTime(page, app.createdAt, "created");
  await showsTime(page, app.credentials.current.createdAt, "credential issued");
  const trail = (await api("GET", `/api/oauth-applications/${clientId}/events`, ADMIN)).body.items;
  await showsTime(page, trail[0].at, "audit trail");
});

await step("rotate with a grace period: both secrets authenticate", page, async () => {
  await page.getByLabel("Grace period (seconds)").fill("3600");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByText("You will not see this secret again.").waitFor();
  const fresh = (await page.locator("#secret-value").textContent()).trim();
  check(fresh !== secret, "a new secret");
  check(await authenticates(clientId, secret), "the old secret still works");
  check(await authenticates(clientId, fresh), "the new secret works");
  previousSecret = secret;
  secret = fresh;
});

// Opens the confirmation of `button`; the dialog, checked by axe once.
async function confirmation(page, button, title) {
  await page.getByRole("button", { name: button, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: title });
  await dialog.waitFor();
  return dialog;
}

await step("revoking the previous credential asks first; cancel writes nothing", page, async () => {
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app" }).waitFor();
  let dialog = await confirmation(page, "Revoke the previous credential", /Revoke the previous credential/);
  await axe(page, "confirmation dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  check(await authenticates(clientId, previousSecret), "cancelled: the previous secret still works");
  check(!(await events(clientId)).includes("previous_secret_revoked"), "nothing was written");
  dialog = await confirmation(page, "Revoke the previous credential", /Revoke the previous credential/);
  await dialog.getByRole("button", { name: "Revoke", exact: true }).click();
  await page.getByText("The previous credential was revoked.").waitFor();
  check(!(await authenticates(clientId, previousSecret)), "confirmed: the previous secret is refused");
  check(await authenticates(clientId, secret), "the current one still works");
});

await step("disable asks first (Escape and Cancel write nothing), then enable", page, async () => {
  let dialog = await confirmation(page, "Disable", /Disable Console app/);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  dialog = await confirmation(page, "Disable", /Disable Console app/);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  check(await authenticates(clientId, secret), "cancelled: still enabled");
  check(!(await events(clientId)).includes("disabled"), "nothing was written");
  dialog = await confirmation(page, "Disable", /Disable Console app/);
  await dialog.getByRole("button", { name: "Disable", exact: true }).click();
  await page.getByText("The application was disabled").waitFor();
  check(!(await authenticates(clientId, secret)), "a disabled app does not authenticate");
  await page.getByRole("button", { name: "Enable" }).click();
  await page.getByText("The application was enabled.").waitFor();
  check(await authenticates(clientId, secret), "enabled again");
});

await step("two tabs editing the same app: the second save is told of the conflict", page, async () => {
  const other = await context.newPage();
  await signIn(other, ADMIN);
  await other.goto(`${BASE}/console#/apps/${clientId}`);
  await other.getByRole("heading", { name: "Console app" }).waitFor();
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app" }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill("Console app, first tab");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("The changes were saved.").waitFor();
  await other.getByLabel("Name", { exact: true }).fill("Console app, second tab");
  await other.getByRole("button", { name: "Save changes" }).click();
  await other.getByText("Someone else changed this application").waitFor();
  await other.getByRole("heading", { name: "Console app, first tab" }).waitFor();
  const read = await api("GET", `/api/oauth-applications/${clientId}`, ADMIN);
  check(read.body.name === "Console app, first tab", `the first save stands: ${read.body.name}`);
  await other.close();
});

await step("a member sees no write action", null, async () => {
  const memberContext = await browser.newContext(looks);
  const p = await memberContext.newPage();
  try {
    await signIn(p, MEMBER);
    check(await p.getByRole("link", { name: "New application" }).count() === 0, "no New application");
    await p.goto(`${BASE}/console#/apps/${clientId}`);
    await p.getByText("You can read this application").waitFor();
    for (const name of ["Disable", "Enable", "Rotate secret", "Save changes", "Revoke the previous credential"]) {
      check(await p.getByRole("button", { name }).count() === 0, `no ${name}`);
    }
    await p.goto(`${BASE}/console#/new`);
    await p.getByText("Only the organisation's admins").waitFor();
  } catch (e) {
    await p.screenshot({ path: `${SCREENSHOTS}/member.png`, fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await memberContext.close();
  }
});

await step("the filter finds applications by name on the registry", page, async () => {
  await api("POST", "/api/oauth-applications", ADMIN, { ownerOrgId: "acme", name: "Unrelated", type: "web", redirectUrls: ["https://u.example/cb"] });
  await page.goto(`${BASE}/console#/`);
  await page.getByRole("heading", { name: /Applications of acme/ }).waitFor();
  await page.getByRole("link", { name: "Unrelated" }).waitFor();
  check(await page.getByRole("button", { name: "Load more" }).isHidden(), "one page: no Load more");
  await page.getByLabel("Filter by name").fill("FIRST TAB");
  await page.getByText("whose name holds “FIRST TAB”").waitFor();
  await page.getByRole("link", { name: "Console app, first tab" }).waitFor();
  check(await page.getByRole("link", { name: "Unrelated" }).count() === 0, "filtered out");
  const app = (await api("GET", `/api/oauth-applications/${clientId}`, ADMIN)).body;
  await showsTime(page, app.createdAt, "list");
});

await step("a platform admin switches organisation without signing out", null, async () => {
  const ctx = await browser.newContext(looks);
  const p = await ctx.newPage();
  try {
    await p.goto(`${BASE}/console`);
    await p.getByLabel("Bearer token").fill(PLATFORM);
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.getByRole("heading", { name: "Choose an organisation" }).waitFor();
    await p.getByLabel("Organisation id").fill("acme");
    await p.getByRole("button", { name: "Open" }).click();
    await p.getByRole("heading", { name: "Applications of acme" }).waitFor();
    await p.getByRole("button", { name: "Switch organisation" }).click();
    await p.getByRole("heading", { name: "Choose an organisation" }).waitFor();
    await axe(p, "organisation chooser");
    await p.getByLabel("Organisation id").fill("globex");
    await p.getByRole("button", { name: "Open" }).click();
    await p.getByRole("heading", { name: "Applications of globex" }).waitFor();
    await p.getByText("Signed in as root").waitFor();
    // The organisations opened in this tab stay in the picker.
    await p.getByLabel("Organisation", { exact: true }).selectOption("acme");
    await p.getByRole("heading", { name: "Applications of acme" }).waitFor();
    await p.getByRole("link", { name: "Unrelated" }).waitFor();
    // The header with the switch fits a phone.
    await p.setViewportSize({ width: 375, height: 800 });
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 376, `a platform admin's header: ${wide}px wide`);
  } catch (e) {
    await p.screenshot({ path: `${SCREENSHOTS}/platform-admin.png`, fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await ctx.close();
  }
});

await step("a refused token (401) goes back to sign-in and says why; nothing is written", page, async () => {
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app, first tab" }).waitFor();
  // The session's token stops being accepted (it expired, or its key was rotated).
  await page.evaluate((t) => sessionStorage.setItem("oauth-apps-token", t), FORGED);
  const dialog = await confirmation(page, "Disable", /Disable/);
  await dialog.getByRole("button", { name: "Disable", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const said = await page.locator("#status").textContent();
  check(/signed out/i.test(said) && /sign in again/i.test(said), `the reason: ${said}`);
  await axe(page, "sign-in page after a 401");
  check(await authenticates(clientId, secret), "not disabled");
  // Signing in again returns to the page the user was on.
  await page.getByLabel("Bearer token").fill(ADMIN);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "Console app, first tab" }).waitFor();
  // A token whose exp has passed is not even tried.
  await page.evaluate((t) => sessionStorage.setItem("oauth-apps-token", t), EXPIRED);
  await page.goto(`${BASE}/console#/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const expired = await page.locator("#status").textContent();
  check(/expired/i.test(expired), `the reason: ${expired}`);
  await signIn(page, ADMIN);
});

await step("the development sign-in link signs in once, and its code leaves the address bar", null, async () => {
  const ctx = await browser.newContext(looks);
  const p = await ctx.newPage();
  const other = await browser.newContext(looks);
  const q = await other.newPage();
  try {
    const dev = new URL(DEV_LINK);
    const code = dev.hash.slice("#code=".length);
    // Without the link's code: no one-click sign-in.
    await q.goto(`${dev.origin}/console`);
    await q.getByRole("heading", { name: "Sign in" }).waitFor();
    check(await q.getByRole("button", { name: "Sign in with the development token" }).count() === 0, "not offered without the code");
    await p.goto(DEV_LINK);
    const button = p.getByRole("button", { name: "Sign in with the development token" });
    await button.waitFor();
    check(!p.url().includes(code), `the code left the address bar: ${p.url()}`);
    await axe(p, "sign-in page with the development link");
    await button.click();
    await p.getByRole("heading", { name: "Choose an organisation" }).waitFor();
    await p.getByText("Signed in as dev-admin").waitFor();
    // The link works once: another browser that opens it is refused, and told why.
    await q.goto(DEV_LINK);
    await q.getByRole("button", { name: "Sign in with the development token" }).click();
    await q.getByText(/already used/).waitFor();
    check(await q.evaluate(() => sessionStorage.getItem("oauth-apps-token")) === null, "no token");
    check(await q.getByRole("button", { name: "Sign in with the development token" }).count() === 0, "offered no more");
  } catch (e) {
    await p.screenshot({ path: `${SCREENSHOTS}/dev-link.png`, fullPage: true }).catch(() => {});
    await q.screenshot({ path: `${SCREENSHOTS}/dev-link-again.png`, fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await ctx.close();
    await other.close();
  }
});

await step("at phone width nothing overflows", page, async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  const headings = { "#/": /Applications of acme/, [`#/apps/${clientId}`]: "Console app, first tab", "#/new": "New application" };
  for (const [hash, heading] of Object.entries(headings)) {
    await page.goto(`${BASE}/console${hash}`);
    await page.getByRole("heading", { name: heading }).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 376, `${hash}: ${wide}px wide`);
  }
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app, first tab" }).waitFor();
  const dialog = await confirmation(page, "Disable", /Disable/);
  const box = await dialog.boundingBox();
  check(box.x >= 0 && box.x + box.width <= 376, `the dialog fits: ${JSON.stringify(box)}`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.goto(`${BASE}/console#/`);
  await page.getByRole("heading", { name: /Applications of acme/ }).waitFor();
  await docShot(page, "console-list-phone");
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.goto(`${BASE}/console#/`);
  await page.getByRole("heading", { name: /Applications of acme/ }).waitFor();
  await docShot(page, "console-list");
});

await step("the page keeps to its Content-Security-Policy", page, async () => {
  check(csp.length === 0, `CSP reports: ${csp.join(" | ")}`);
});

await browser.close();
console.log(JSON.stringify({ results }));
process.exit(results.every((r) => r.ok) ? 0 : 1);
