import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTenantry, type Tenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { apiClient, requestWithHost } from "./support/api.js";
import { ADMIN_KEY, ENCRYPTION_KEY, eventually } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { killSupervisedProcesses } from "./support/stray-processes.js";

/**
 * Restarting Tenantry: a tenant's processes that survived keep running, one that died
 * while Tenantry was down is started again from its current release without rebuilding,
 * and the tenant goes back to `active` on its own.
 */

let database: TestDatabase;
let dataDir: string;
let appDir: string;
let app: Tenantry | undefined;

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "pid " + process.pid));
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

async function start(): Promise<{ app: Tenantry; base: string }> {
  const config = loadConfig({
    DATABASE_URL: database.url,
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
    TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
    TENANTRY_LOCAL_POSTGRES_URL: database.adminUrl,
    TENANTRY_LEASE_SECONDS: "2",
    TENANTRY_POLL_INTERVAL_MS: "200",
    TENANTRY_WORKER_CONCURRENCY: "2",
    BASE_DOMAIN: "tenants.test",
    PORT: "0",
    HOST: "127.0.0.1",
  });
  const started = await startTenantry({ config, logger: pino({ level: "silent" }) });
  return { app: started, base: await started.listen() };
}

/** The API of whichever Tenantry is running now. */
const api = apiClient({
  get app() {
    return app!;
  },
});

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-restart-"));
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-restart-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
});
afterAll(async () => {
  await app?.close();
  await killSupervisedProcesses(dataDir);
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(appDir, { recursive: true, force: true });
});

describe("restarting Tenantry", () => {
  it("brings a tenant's dead process back from its current release, without rebuilding, and the tenant to active", async () => {
    let { app: first, base } = await start();
    app = first;
    const blueprint = `
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    buildCommand: echo built >> build-count.txt
    startCommand: node server.js
    healthCheckPath: /health
  - type: worker
    name: jobs
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
`;
    const created = await api.json("POST", "/v1/tenants", {
      name: "Phoenix",
      blueprint: { source: blueprint },
    });
    try {
      const phoenix = await api.waitForTenant("phoenix", "active", { timeoutMs: 30_000 });
      const host = new URL(phoenix.resources.find((r: any) => r.key === "service:web").outputs.url).hostname;
      const before = await requestWithHost(base, host);
      expect(before.status).toBe(200);
      const oldPid = Number(before.body.replace("pid ", ""));

      // Tenantry stops; while it is down the web process dies.
      await first.close();
      app = undefined;
      process.kill(oldPid, "SIGKILL");
      await eventually(async () => {
        try {
          process.kill(oldPid, 0);
          return undefined;
        } catch {
          return true;
        }
      });

      ({ app: first, base } = await start());
      app = first;
      const healed = await eventually(
        async () => {
          const r = await requestWithHost(base, host);
          return r.status === 200 ? r : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(Number(healed.body.replace("pid ", ""))).not.toBe(oldPid);
      const tenant = await api.waitForTenant("phoenix", "active");
      const path1 = await api.json("GET", "/v1/tenants/phoenix/events");
      const statuses = path1.data
        .filter((e: any) => e.type === "tenant.status_changed")
        .map((e: any) => e.data.to);
      expect(statuses.slice(-3)).toEqual(["degraded", "updating", "active"]);
      expect(tenant.generation).toBe(1);
      // Each service was built once, when it was created: healing did not rebuild.
      const ops = (await api.json("GET", "/v1/tenants/phoenix/operations")).data;
      expect(ops[0]).toMatchObject({ kind: "heal", status: "succeeded" });
      expect(ops[0].steps.map((s: any) => s.action)).toEqual(["heal", "heal"]);
      const webDir = path.join(dataDir, "tenants");
      const counts = await readBuildCounts(webDir);
      expect(counts).toEqual([1]);
    } finally {
      if (!app) ({ app } = await start());
      await api.json("DELETE", `/v1/tenants/${created.tenant.id}`);
      await api.waitForTenant(created.tenant.id, "destroyed", { timeoutMs: 30_000 });
    }
  });
});

describe("restart recovery is proportional to what needs it", () => {
  it("heals no tenant whose processes still run or that has none; heals the one whose process died", async () => {
    let { app: first } = await start();
    app = first;
    const quiet = await api.json("POST", "/v1/tenants", {
      name: "Quiet",
      blueprint: { source: "databases:\n  - name: main\n" },
    });
    const steady = await api.json("POST", "/v1/tenants", {
      name: "Steady",
      blueprint: {
        source: `services:\n  - type: worker\n    name: jobs\n    runtime: node\n    repo: ${appDir}\n    startCommand: node server.js\n`,
      },
    });
    const kinds = async (slug: string) =>
      (await api.json("GET", `/v1/tenants/${slug}/operations`)).data.map((o: any) => o.kind);
    try {
      await api.waitForTenant("quiet", "active", { timeoutMs: 30_000 });
      await api.waitForTenant("steady", "active", { timeoutMs: 30_000 });

      // A restart with nothing wrong: no heal operation at all.
      await first.close();
      ({ app: first } = await start());
      app = first;
      expect(await kinds("quiet")).toEqual(["create"]);
      expect(await kinds("steady")).toEqual(["create"]);

      // Steady's worker dies while Tenantry is down: only Steady is healed.
      await first.close();
      app = undefined;
      const pid = await workerPid(steady.tenant.id);
      process.kill(-pid, "SIGKILL");
      await eventually(async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
      ({ app: first } = await start());
      app = first;
      expect(await kinds("quiet")).toEqual(["create"]);
      expect((await kinds("steady"))[0]).toBe("heal");
      await api.waitForTenant("steady", "active", { timeoutMs: 30_000 });
    } finally {
      if (!app) ({ app } = await start());
      for (const t of [quiet, steady]) await api.json("DELETE", `/v1/tenants/${t.tenant.id}`);
      for (const t of [quiet, steady])
        await api.waitForTenant(t.tenant.id, "destroyed", { timeoutMs: 30_000 });
    }
  });
});

/** The process group of a tenant's supervised process, from the supervisor's pid files. */
async function workerPid(tenantId: string): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  const dir = path.join(dataDir, "supervisor");
  for (const f of (await readdir(dir)).filter((f) => f.endsWith(".pid"))) {
    const data = JSON.parse(await readFile(path.join(dir, f), "utf8")) as { id?: string; pgid: number };
    if (data.id?.startsWith(`${tenantId}/`)) return data.pgid;
  }
  throw new Error(`no supervised process of tenant ${tenantId}`);
}

/** How many times the web service's build ran, from the file its build command appends to. */
async function readBuildCounts(tenantsDir: string): Promise<number[]> {
  const { readdir } = await import("node:fs/promises");
  const out: number[] = [];
  for (const tenant of await readdir(tenantsDir)) {
    const web = path.join(tenantsDir, tenant, "web");
    for (const entry of await readdir(web).catch(() => [] as string[])) {
      if (!entry.startsWith("release-")) continue;
      const text = await readFile(path.join(web, entry, "build-count.txt"), "utf8").catch(() => "");
      out.push(text.split("\n").filter(Boolean).length);
    }
  }
  return out;
}
