import { existsSync } from "node:fs";
import { mkdtemp, readdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * A tenant with a real web service and worker on the local target, end to end: built,
 * supervised, reachable through the host proxy with its database URL, suspended (503),
 * resumed, and destroyed with nothing left.
 */

let t: TestApp;
let api: ApiClient;
let base: string;
let appDir: string;

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  res.end("hello " + process.env.TENANT_NAME + " " + process.env.GREETING + " " + (process.env.DATABASE_URL ? "with-db" : "no-db"));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;
const WORKER = `
setInterval(() => {}, 1000);
process.on("SIGTERM", () => process.exit(0));
`;

const WAIT = { timeoutMs: 60_000 };

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
  await writeFile(path.join(appDir, "worker.js"), WORKER);
  t = await startTestApp({
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
  });
  base = await t.app.listen();
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("local services", () => {
  it("runs a tenant's web service and worker, serves it through the proxy, suspends, resumes and destroys it", async () => {
    const blueprint = `
databases:
  - name: main
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    buildCommand: echo building
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: GREETING
        value: welcome
      - key: DATABASE_URL
        fromDatabase:
          name: main
          property: connectionString
  - type: worker
    name: jobs
    runtime: node
    repo: ${appDir}
    startCommand: node worker.js
`;
    const created = await api.json("POST", "/v1/tenants", { name: "Acme", blueprint: { source: blueprint } });
    let host = "web-acme.tenants.test";
    expect(created.tenant).toMatchObject({ slug: "acme", status: "queued" });
    try {
      const active = await api.waitForTenant("acme", "active", WAIT);
      const web = active.resources.find((r: any) => r.key === "service:web");
      expect(web).toMatchObject({ kind: "web", status: "ready" });
      // The platform name: <service>-<slug>-<discriminator> (see src/domain/naming.ts).
      expect(web.name).toMatch(/^web-acme-[a-z0-9]+$/);
      host = `${web.name}.tenants.test`;
      const status = await api.json("GET", "/v1/tenants/acme/status");
      expect(status.site_url).toMatch(new RegExp(`^http://${web.name}\\.tenants\\.test:\\d+$`));

      expect(await requestWithHost(base, host)).toMatchObject({
        status: 200,
        body: "hello Acme welcome with-db",
      });

      await api.json("POST", "/v1/tenants/acme/suspend");
      await api.waitForTenant("acme", "suspended", WAIT);
      await eventually(async () => ((await requestWithHost(base, host)).status === 503 ? true : undefined));

      await api.json("POST", "/v1/tenants/acme/resume");
      await api.waitForTenant("acme", "active", WAIT);
      await eventually(async () => ((await requestWithHost(base, host)).status === 200 ? true : undefined));
    } finally {
      await api.json("DELETE", "/v1/tenants/acme");
      await api.waitForTenant(created.tenant.id, "destroyed", WAIT);
    }
    await eventually(async () => ((await requestWithHost(base, host)).status === 404 ? true : undefined));
    // No files left for the tenant, and no supervised process.
    const tenants = path.join(t.dataDir, "tenants");
    const left = existsSync(tenants) ? await readdir(tenants) : [];
    expect(left).toEqual([]);
    const pidFiles = existsSync(path.join(t.dataDir, "supervisor"))
      ? await readdir(path.join(t.dataDir, "supervisor"))
      : [];
    expect(pidFiles.filter((f) => f.endsWith(".pid"))).toEqual([]);
  });

  it("builds a static site and serves its publish directory through the proxy, never outside it", async () => {
    const blueprint = `
services:
  - type: web
    name: site
    runtime: static
    repo: ${appDir}
    buildCommand: mkdir -p public/docs && echo "<h1>$TENANT_NAME</h1>" > public/index.html && echo guide > public/docs/guide.txt
    staticPublishPath: public
`;
    let host = "site-statica.tenants.test";
    const created = await api.json("POST", "/v1/tenants", {
      name: "Statica",
      blueprint: { source: blueprint },
    });
    try {
      const active = await api.waitForTenant("statica", "active", WAIT);
      expect(active.resources[0].outputs.url).toMatch(/^http:\/\/site-statica-[a-z0-9]+\.tenants\.test:/);
      host = new URL(active.resources[0].outputs.url).hostname;
      expect(await requestWithHost(base, host)).toMatchObject({
        status: 200,
        body: "<h1>Statica</h1>\n",
      });
      expect((await requestWithHost(base, host, "/docs/guide.txt")).body).toBe("guide\n");
      expect((await requestWithHost(base, host, "/../../../etc/passwd")).status).toBe(404);
      expect((await requestWithHost(base, host, "/%2e%2e/%2e%2e/server.js")).status).toBe(404);
      // A link put in place of the publish directory after the deploy (a process of the
      // tenant's could) leads nowhere outside the release.
      const root = active.resources[0].outputs.staticRoot as string;
      await writeFile(path.join(t.dataDir, "private.txt"), "Tenantry's own\n", { mode: 0o600 });
      await rename(root, `${root}.orig`);
      await symlink(t.dataDir, root);
      try {
        expect((await requestWithHost(base, host, "/private.txt")).status).toBe(404);
      } finally {
        await rm(root);
        await rename(`${root}.orig`, root);
      }
      expect((await requestWithHost(base, host, "/docs/guide.txt")).body).toBe("guide\n");
      await api.json("POST", "/v1/tenants/statica/suspend");
      await api.waitForTenant("statica", "suspended", WAIT);
      await eventually(async () => ((await requestWithHost(base, host)).status === 503 ? true : undefined));
    } finally {
      await api.json("DELETE", `/v1/tenants/${created.tenant.id}`);
      await api.waitForTenant(created.tenant.id, "destroyed", WAIT);
    }
    await eventually(async () => ((await requestWithHost(base, host)).status === 404 ? true : undefined));
  });

  it("refuses a static site whose build makes the publish directory a link out of the release", async () => {
    const created = await api.json("POST", "/v1/tenants", {
      name: "Linky",
      blueprint: {
        source: `
services:
  - type: web
    name: site
    runtime: static
    repo: ${appDir}
    buildCommand: ln -s / public
    staticPublishPath: public
`,
      },
    });
    try {
      const failed = await api.waitForTenant("linky", "failed", WAIT);
      expect(failed.error_message).toMatch(
        /staticPublishPath public is a link that leads out of the release/,
      );
    } finally {
      await api.json("DELETE", `/v1/tenants/${created.tenant.id}`);
      await api.waitForTenant(created.tenant.id, "destroyed", WAIT);
    }
  });

  it("updates a service with no failed request during the switch", async () => {
    const source = (greeting: string) => `
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: GREETING
        value: ${greeting}
`;
    const created = await api.json("POST", "/v1/tenants", {
      name: "Steady",
      blueprint: { name: "steady", source: source("one") },
    });
    try {
      const steady = await api.waitForTenant("steady", "active", WAIT);
      const host = new URL(steady.resources.find((r: any) => r.key === "service:web").outputs.url).hostname;
      const seen: { status: number; body: string }[] = [];
      let running = true;
      const load = (async () => {
        while (running) {
          seen.push(await requestWithHost(base, host).catch(() => ({ status: 0, body: "" })));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const patched = await api.json("PATCH", "/v1/tenants/steady", {
        blueprint: { name: "steady", source: source("two") },
      });
      expect(patched.operation).toMatchObject({ kind: "update" });
      await api.waitForTenant("steady", "active", WAIT);
      await eventually(async () => (seen.at(-1)?.body.includes(" two ") ? true : undefined), {
        timeoutMs: 15_000,
      });
      // Keep the load on past the old process's retirement.
      await new Promise((r) => setTimeout(r, 6000));
      running = false;
      await load;
      expect(seen.length).toBeGreaterThan(50);
      expect(seen.filter((r) => r.status !== 200)).toEqual([]);
      expect(seen.some((r) => r.body.includes(" one "))).toBe(true);
      expect(seen.at(-1)?.body).toContain(" two ");
    } finally {
      await api.json("DELETE", `/v1/tenants/${created.tenant.id}`);
      await api.waitForTenant(created.tenant.id, "destroyed", WAIT);
    }
  }, 60_000);
});
