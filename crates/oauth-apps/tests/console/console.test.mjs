// The console in headless Chromium (Debian's chromium, driven by playwright-core), against a
// real server: each step of issue #15's "Done when", axe-core on the list, app and create
// pages, and a screenshot of the page whenever a step fails (in $SCREENSHOTS).
// Environment: BASE, ADMIN, MEMBER, AUTHENTICATOR (tokens), PLAYWRIGHT_CORE and AXE_CORE
// (paths to the packages' entry points), SCREENSHOTS, and DOCS_SCREENSHOTS (optional: where
// to save the pages for docs/).

import { readFileSync, mkdirSync } from "node:fs";

const { BASE, ADMIN, MEMBER, AUTHENTICATOR, SCREENSHOTS, DOCS_SCREENSHOTS } = process.env;
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

const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
const page = await context.newPage();
const csp = [];
page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
let clientId = null;
let secret = null;

await step("sign in", page, async () => {
  const response = await page.goto(`${BASE}/console`);
  const policy = response.headers()["content-security-policy"] || "";
  check(policy.includes("script-src 'self'") && !policy.includes("unsafe"), `CSP: ${policy}`);
  await signIn(page, ADMIN);
  check(!page.url().includes(ADMIN.slice(0, 20)), "the token is not in the URL");
  await axe(page, "list page");
});

await step("a bad redirect URL shows the API's message beside the field and writes nothing", page, async () => {
  await page.getByRole("link", { name: "New application" }).click();
  await page.getByRole("heading", { name: "New application" }).waitFor();
  await axe(page, "create page");
  await docShot(page, "console-create");
  await page.getByLabel("Name", { exact: true }).fill("Console app");
  await page.getByLabel("Redirect URLs").fill("http://evil.example/cb");
  await page.getByRole("button", { name: "Register" }).click();
  const error = page.locator("#f-redirectUrls-error");
  await error.waitFor();
  const text = await error.textContent();
  check(/redirectUrls\[0\]/.test(text), `message beside the field: ${text}`);
  check(await page.getByLabel("Redirect URLs").getAttribute("aria-invalid") === "true", "marked invalid");
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

await step("the app page", page, async () => {
  await page.goto(`${BASE}/console#/apps/${clientId}`);
  await page.getByRole("heading", { name: "Console app" }).waitFor();
  await axe(page, "app page");
  await docShot(page, "console-app");
});

await step("rotate with a grace period: both secrets authenticate", page, async () => {
  await page.getByLabel("Grace period (seconds)").fill("3600");
  await page.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByText("You will not see this secret again.").waitFor();
  const fresh = (await page.locator("#secret-value").textContent()).trim();
  check(fresh !== secret, "a new secret");
  check(await authenticates(clientId, secret), "the old secret still works");
  check(await authenticates(clientId, fresh), "the new secret works");
  secret = fresh;
});

await step("disable, then enable", page, async () => {
  await page.getByRole("button", { name: "Disable" }).click();
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
  const memberContext = await browser.newContext({ viewport: { width: 1100, height: 900 } });
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
