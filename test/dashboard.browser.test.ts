import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";
import { buildDashboard, CHROMIUM, chromiumAvailable, launchChromium } from "./support/dashboard.js";

/**
 * The web dashboard in a real browser (Playwright driving Debian's Chromium) against a
 * running Tenantry on the local target: sign-in, the create form generated from a
 * blueprint's parameters, provisioning followed live, suspend and resume, a failed
 * tenant's error, delete, the tenants table updating by itself, the blueprint views.
 *
 * TENANTRY_SCREENSHOTS=<dir> (`npm run screenshots`) saves the main pages there as PNG.
 */

if (!chromiumAvailable)
  console.warn(
    `[dashboard browser tests] SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set TENANTRY_TEST_CHROMIUM)`,
  );

const SCREENSHOTS = process.env.TENANTRY_SCREENSHOTS
  ? path.resolve(projectRoot, process.env.TENANTRY_SCREENSHOTS)
  : undefined;
const WAIT = 20_000;

const DATABASE_BLUEPRINT = `# A database per tenant, sized by a parameter.
parameters:
  plan:
    type: enum
    values: [basic-256mb, basic-1gb, basic-4gb]
    default: basic-256mb
    description: The database's plan
  database_name:
    type: string
    pattern: "^[a-z_]+$"
    required: true
    description: The name applications connect to
databases:
  - name: main
    plan: \${{ params.plan }}
    databaseName: \${{ params.database_name }}
`;

let t: TestApp;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let appDir: string;
let dashboardDir: string;

async function api(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function screenshot(name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** The status badge in the page's heading. */
const headStatus = () => page.locator(".page-head .badge").first();

async function waitForHeadStatus(status: string): Promise<void> {
  await page.locator(".page-head .badge", { hasText: new RegExp(`^${status}$`) }).waitFor({ timeout: WAIT });
}

describe.skipIf(!chromiumAvailable)("the web dashboard in Chromium", () => {
  // A test is a user's whole task (several pages, a tenant's provisioning): a minute each.
  vi.setConfig({ testTimeout: 60_000 });
  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-dashboard-app-"));
    // This checkout's dashboard, built as `npm run build` does.
    dashboardDir = await buildDashboard();
    t = await startTestApp({
      env: {
        PORT: "0",
        HOST: "127.0.0.1",
        TENANTRY_WORKER_CONCURRENCY: "2",
        TENANTRY_RETRY_MAX_ATTEMPTS: "1",
      },
      dashboardDir,
    });
    base = await t.app.listen();
    await api("POST", "/v1/blueprints", { name: "database", source: DATABASE_BLUEPRINT });
    await api("POST", "/v1/blueprints", {
      name: "database",
      source: DATABASE_BLUEPRINT.replace("default: basic-256mb", "default: basic-1gb"),
    });
    await api("POST", "/v1/blueprints", {
      name: "broken-site",
      source: `services:
  - type: web
    name: site
    runtime: static
    repo: ${appDir}
    buildCommand: echo "the theme folder is missing" >&2; exit 3
    staticPublishPath: public
`,
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: "reduce" });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    // What the page's own scripts report goes to the test's output.
    page.on("pageerror", (err) => console.error(`[dashboard] page error: ${err.message}`));
    page.on("response", (r) => {
      if (r.status() >= 400) console.error(`[dashboard] ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on("console", (m) => {
      if (m.type() === "error") console.error(`[dashboard] console: ${m.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (appDir) await rm(appDir, { recursive: true, force: true });
    if (dashboardDir) await rm(dashboardDir, { recursive: true, force: true });
  }, 60_000);

  it("refuses a wrong key, and signs in with a good one kept in the tab's session only", async () => {
    await page.goto(`${base}/`);
    await page.getByLabel("API key").fill("tnt_not_a_key_0000000000000000000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "That key was not accepted" }).waitFor({ timeout: WAIT });
    await screenshot("sign-in");

    await page.getByLabel("API key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Tenants", level: 1 }).waitFor({ timeout: WAIT });
    // (Code for the page is a string: it runs in the browser, with the browser's globals.)
    const stored = await page.evaluate(
      "({ session: sessionStorage.length, local: localStorage.length, cookies: document.cookie })",
    );
    expect(stored).toEqual({ session: 1, local: 0, cookies: "" });
    // A reload keeps the session (the tab is the same); a new tab of another context does not.
    await page.reload();
    await page.getByRole("heading", { name: "Tenants", level: 1 }).waitFor({ timeout: WAIT });
    const other = await browser.newPage();
    await other.goto(`${base}/tenants`);
    await other.getByLabel("API key").waitFor({ timeout: WAIT });
    await other.close();
  });

  it("creates a tenant from the form generated from the blueprint's parameters, and follows it live to active", async () => {
    await page.getByRole("link", { name: "New tenant" }).click();
    await page.getByRole("heading", { name: "New tenant" }).waitFor();
    await page.getByLabel("Blueprint").selectOption("database");
    // The parameters' fields: an enum is a select with its values and default, a required string a text input.
    const plan = page.getByLabel(/^plan/);
    await plan.waitFor();
    expect(await plan.locator("option").allTextContents()).toEqual(["basic-256mb", "basic-1gb", "basic-4gb"]);
    expect(await plan.inputValue()).toBe("basic-1gb");
    const dbName = page.getByLabel(/^database_name/);
    expect(await dbName.getAttribute("required")).not.toBeNull();
    await page.getByLabel("Name", { exact: false }).first().fill("Acme Corp");
    // Without the required parameter: said at its field, nothing is created.
    await page.getByRole("button", { name: "Create tenant" }).click();
    await page.locator("#param-database_name-error", { hasText: "required" }).waitFor();
    expect((await api("GET", "/v1/tenants")).data).toHaveLength(0);

    await dbName.fill("acme_app");
    await plan.selectOption("basic-4gb");
    await page.getByLabel("Labels").fill("plan=pro, region=eu");
    // The monthly cost of what it creates, for these parameters.
    await page.locator("aside .cost caption", { hasText: "Monthly cost" }).waitFor({ timeout: WAIT });
    await page.locator("aside .cost td", { hasText: "basic-4gb" }).waitFor({ timeout: WAIT });
    await screenshot("new-tenant");
    await page.getByRole("button", { name: "Create tenant" }).click();

    await page.getByRole("heading", { name: "Acme Corp", level: 1 }).waitFor({ timeout: WAIT });
    // No reload from here on: the page follows the tenant's events.
    await page.evaluate("window.notReloaded = true");
    await waitForHeadStatus("active");
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    await page.locator(".timeline li", { hasText: "active" }).first().waitFor({ timeout: WAIT });
    // Its resource, its steps and its params, as the API has them.
    await page.locator("table", { hasText: "database" }).first().waitFor();
    await page.locator(".operations details summary", { hasText: "create" }).first().waitFor();
    await page.locator(".operations td", { hasText: "succeeded" }).first().waitFor();
    const tenant = (await api("GET", "/v1/tenants?q=acme")).data[0];
    expect(tenant).toMatchObject({
      status: "active",
      params: { plan: "basic-4gb", database_name: "acme_app" },
    });
    expect(tenant.labels).toEqual({ plan: "pro", region: "eu" });
    // Its outputs, and never a credential: no URL with a password in clear.
    const text = await page.locator("main").innerText();
    expect(text).toMatch(/acme_app/);
    expect(text).not.toMatch(/\/\/[^\s/:@]+:(?!••••@)[^\s@/]+@/);
    await screenshot("tenant");
  });

  it("suspends and resumes the tenant after confirmation, following each change live", async () => {
    // Escape closes the dialog and nothing happens.
    await page.getByRole("button", { name: "Suspend" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await headStatus().innerText()).toBe("active");

    await page.getByRole("button", { name: "Suspend" }).click();
    await dialog.getByRole("button", { name: "Suspend" }).click();
    await waitForHeadStatus("suspended");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Resume" }).click();
    await waitForHeadStatus("active");
    const kinds = (await api("GET", "/v1/tenants?q=acme")).data[0];
    const ops = await api("GET", `/v1/tenants/${kinds.id}/operations`);
    expect(ops.data.map((o: { kind: string }) => o.kind).slice(0, 2)).toEqual(["resume", "suspend"]);
  });

  it("shows a failed tenant's error, and the step it failed in", async () => {
    const created = await api("POST", "/v1/tenants", { name: "Broken Site", blueprint: "broken-site" });
    await page.goto(`${base}/tenants/${created.tenant.id}`);
    const error = page.getByTestId("tenant-error");
    await error.waitFor({ timeout: WAIT });
    expect(await error.innerText()).toContain("the theme folder is missing");
    await waitForHeadStatus("failed");
    // Retry is offered (it is failed); suspend is not.
    expect(await page.getByRole("button", { name: "Retry" }).isEnabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Suspend" }).isEnabled()).toBe(false);
    await page.locator(".operations .error-text").first().waitFor();
    await screenshot("failed-tenant");
    // Its build log, where the target keeps one, followed live.
    await page.getByRole("button", { name: "Logs" }).click();
    await page.locator("pre.logs", { hasText: "the theme folder is missing" }).waitFor({ timeout: WAIT });
    await page.getByRole("button", { name: "Hide logs" }).click();
  });

  it("updates the tenants table by itself as tenants change, with filters", async () => {
    await page.goto(`${base}/`);
    await page.locator("tr[data-tenant='acme-corp']").waitFor({ timeout: WAIT });
    const created = await api("POST", "/v1/tenants", {
      name: "Globex",
      blueprint: "database",
      params: { database_name: "globex" },
    });
    // A new row, then its status as it goes, without a reload.
    const row = page.locator(`tr[data-tenant='${created.tenant.slug}']`);
    await row.waitFor({ timeout: WAIT });
    await row.locator(".badge", { hasText: /^active$/ }).waitFor({ timeout: WAIT });
    // Filters: status, and search.
    await page.getByLabel("Status").selectOption("attention");
    await page.locator("tr[data-tenant='broken-site']").waitFor();
    expect(await page.locator("tr[data-tenant='acme-corp']").count()).toBe(0);
    await page.getByLabel("Status").selectOption("");
    await page.getByRole("searchbox").fill("glob");
    await page.locator("tr[data-tenant='acme-corp']").waitFor({ state: "detached", timeout: WAIT });
    expect(await row.count()).toBe(1);
    await page.getByRole("searchbox").fill("");
    await page.locator("tr[data-tenant='acme-corp']").waitFor({ timeout: WAIT });
    await screenshot("tenants");
  });

  it("deletes a tenant after its slug is typed", async () => {
    await page.locator("tr[data-tenant='acme-corp'] a").first().click();
    await page.getByRole("heading", { name: "Acme Corp", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Delete the tenant" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/Type/).fill("acme-corp");
    await confirm.click();
    await waitForHeadStatus("destroyed");
    const tenant = (await api("GET", "/v1/tenants?q=acme")).data[0];
    expect(tenant.status).toBe("destroyed");
  });

  it("shows a blueprint's source, the changes between two versions and its monthly cost", async () => {
    await page.getByRole("link", { name: "Blueprints", exact: true }).click();
    await page.getByRole("link", { name: "database" }).click();
    await page.getByRole("heading", { name: "database", level: 1 }).waitFor();
    await page.locator(".source .line", { hasText: "databaseName" }).waitFor();
    await page.getByRole("tab", { name: "Changes" }).click();
    await page.locator(".diff .diff-del", { hasText: "default: basic-256mb" }).waitFor();
    await page.locator(".diff .diff-add", { hasText: "default: basic-1gb" }).waitFor();
    await screenshot("blueprint-diff");
    await page.getByRole("tab", { name: "Cost" }).click();
    await page.getByLabel(/^database_name/).fill("x");
    await page.locator(".cost caption", { hasText: "Monthly cost" }).waitFor({ timeout: WAIT });
  });

  it("validates a blueprint, showing each error at its line and column", async () => {
    await page.getByRole("link", { name: "Validate", exact: true }).click();
    await page
      .getByLabel("Blueprint (render.yaml)")
      .fill("services:\n  - type: web\n    name: web\n    runtime: nodejs\n");
    await page.getByRole("button", { name: "Validate" }).click();
    const note = page.locator(".source .diagnostic-error").first();
    await note.waitFor({ timeout: WAIT });
    expect(await note.innerText()).toMatch(/line 4, column \d+/);
    await screenshot("validate");
  });

  it("shows the audit log", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.locator("table td code", { hasText: "tenant.create" }).first().waitFor({ timeout: WAIT });
  });

  it("gives a viewer key the pages to read, and no button that changes anything", async () => {
    const viewer = await api("POST", "/v1/api-keys", { name: "support", role: "viewer" });
    const own = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await own.newPage();
      p.setDefaultTimeout(WAIT);
      await p.goto(`${base}/`);
      await p.getByLabel("API key").fill(viewer.key);
      await p.getByRole("button", { name: "Sign in" }).click();
      await p.locator("tr[data-tenant='globex']").waitFor();
      expect(await p.getByRole("link", { name: "New tenant" }).count()).toBe(0);
      expect(await p.getByRole("link", { name: "Audit log" }).count()).toBe(0);
      expect(await p.locator(".whoami").innerText()).toContain("viewer");
      await p.locator("tr[data-tenant='globex'] a").first().click();
      await p.getByRole("heading", { name: "Globex", level: 1 }).waitFor();
      await p.locator(".timeline li").first().waitFor();
      for (const name of ["Suspend", "Resume", "Retry", "Delete"])
        expect(await p.getByRole("button", { name }).count(), name).toBe(0);
    } finally {
      await own.close();
    }
  });

  it("labels every field, and moves the focus by keyboard", async () => {
    for (const url of ["/", "/new", "/validate", "/audit", "/blueprints/database"]) {
      await page.goto(`${base}${url}`);
      await page.locator("main h1").first().waitFor({ timeout: WAIT });
      await page.locator("[aria-busy='true']").first().waitFor({ state: "detached" });
      const unlabelled = await page.evaluate(`[...document.querySelectorAll("input, select, textarea")]
        .filter((e) => e.type !== "hidden" && (e.labels?.length ?? 0) === 0 && !e.getAttribute("aria-label"))
        .map((e) => e.outerHTML.slice(0, 80))`);
      expect(unlabelled, url).toEqual([]);
    }
    // The first Tab reaches the skip link, Enter moves to the content.
    await page.goto(`${base}/`);
    await page.locator("main h1").waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
  });
});
