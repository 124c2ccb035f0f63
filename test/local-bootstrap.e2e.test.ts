import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";

/**
 * `hooks.bootstrap` on the local target, end to end: a starter-like tenant (a database and a
 * web service whose release holds a seed script) runs its hook in the service's release,
 * with the service's environment and OS user, through `bootstrapping` to `active`, the row
 * it wrote in the tenant's own database; a failing hook fails the tenant with its exit
 * status and output, and a retry after the fix runs it again; a hook past its timeout is
 * killed. (The test lease is 2 s: each call waits ~0.1 s, so every hook here is followed
 * over several passes.)
 */

let t: TestApp;
let api: ApiClient;
let appDir: string;
const WAIT = { timeoutMs: 60_000 };

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  res.end(JSON.stringify({ uid: process.getuid(), user: process.env.USER ?? null }));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/** Writes a row into the tenant's database; with `--gated`, exits 3 unless table `gate` exists. */
const SEED = `
const { Client } = require("pg");
(async () => {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  console.log("seeding " + process.env.TENANT_SLUG);
  if (process.argv.includes("--gated")) {
    const { rows } = await db.query("select to_regclass('gate') as gate");
    if (!rows[0].gate) {
      console.error("the gate is closed");
      process.exit(3);
    }
  }
  await db.query("create table if not exists seeds (slug text primary key, runs int, uid int, cwd text, greeting text, home text)");
  await db.query(
    "insert into seeds values ($1, 1, $2, $3, $4, $5) on conflict (slug) do update set runs = seeds.runs + 1",
    [process.env.TENANT_SLUG, process.getuid(), process.cwd(), process.env.GREETING, process.env.HOME],
  );
  console.log("seeded " + process.env.TENANT_SLUG);
  await db.end();
})().catch((err) => {
  console.error("seed failed: " + err.message);
  process.exit(1);
});
`;

function blueprint(hook: string): string {
  return `
databases:
  - name: main
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: NODE_PATH
        value: ${path.join(projectRoot, "node_modules")}
      - key: GREETING
        value: welcome
      - key: DATABASE_URL
        fromDatabase:
          name: main
          property: connectionString
hooks:
  bootstrap:
${hook}
`;
}

/** A query in the tenant's own database, as the server's admin. */
async function inTenantDb<T extends pg.QueryResultRow>(tenant: any, sql: string): Promise<T[]> {
  const db = tenant.resources.find((r: any) => r.key === "database:main");
  const url = new URL(t.database.adminUrl);
  url.pathname = `/${db.outputs.database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function bootstrapSteps(slug: string): Promise<any[]> {
  const ops = (await api.json("GET", `/v1/tenants/${slug}/operations`)).data as any[];
  return ops
    .slice()
    .reverse()
    .flatMap((op) => op.steps.filter((s: any) => s.action === "bootstrap"));
}

async function logLines(slug: string): Promise<string[]> {
  return (await api.json("GET", `/v1/tenants/${slug}/resources/web/logs?tail=200`)).lines;
}

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bootstrap-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
  await writeFile(path.join(appDir, "seed.js"), SEED);
  t = await startTestApp({
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
  });
  await t.app.listen();
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("bootstrap hooks on the local target", () => {
  it("runs the hook in the web service's release, with its env and user, through bootstrapping to active", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Seeded",
      blueprint: { source: blueprint("    command: sleep 2 && node seed.js") },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // While it runs: bootstrapping, the step waiting on the hook.
    const running = await eventually(
      async () => {
        const steps = await bootstrapSteps("seeded");
        return steps[0]?.status === "waiting" ? steps[0] : undefined;
      },
      { ...WAIT, intervalMs: 20, what: "the bootstrap step waiting on the hook" },
    );
    expect((await api.json("GET", "/v1/tenants/seeded")).status).toBe("bootstrapping");
    const tenant = await api.waitForTenant("seeded", "active", WAIT);

    const [row] = await inTenantDb<{
      slug: string;
      runs: number;
      uid: number;
      cwd: string;
      greeting: string;
      home: string;
    }>(tenant, "select * from seeds");
    const web = tenant.resources.find((r: any) => r.key === "service:web");
    // The service's own process, for its uid and user.
    const res = await fetch(`http://127.0.0.1:${web.outputs.port}/`);
    const proc = (await res.json()) as { uid: number; user: string | null };
    expect(row).toMatchObject({ slug: "seeded", runs: 1, greeting: "welcome", uid: proc.uid });
    expect(row!.cwd).toMatch(/\/web\/release-1$/);
    if (proc.user !== null) {
      // Isolated: the tenant's own user, HOME in the tenant's directory, not root.
      expect(proc.uid).not.toBe(0);
      expect(row!.home).toMatch(/\/\.home$/);
    }

    const events = await api.json("GET", "/v1/tenants/seeded/events");
    const path_ = events.data
      .filter((e: any) => e.type === "tenant.status_changed")
      .map((e: any) => e.data.to);
    expect(path_).toEqual(["provisioning", "bootstrapping", "active"]);
    // Followed over several passes (each call waits ~0.1 s), one step: its exit status on it.
    const steps = await bootstrapSteps("seeded");
    expect(steps).toEqual([
      expect.objectContaining({
        status: "succeeded",
        detail: expect.stringMatching(/^bootstrap hook exited with code 0 after [\d.]+ s in service:web$/),
      }),
    ]);
    expect(steps[0].attempts).toBeGreaterThan(1);
    expect(running.detail).toMatch(
      /^bootstrap hook running in service:web for [\d.]+ s \(pid \d+; its output: tenantry logs seeded web\)$/,
    );
    // Its output is in the service's logs.
    const lines = await logLines("seeded");
    expect(lines).toContain("[bootstrap] seeded seeded");
    expect(
      lines.some((l) => /^\[bootstrap\] ==> .* bootstrap \(run .*\): sleep 2 && node seed\.js$/.test(l)),
    ).toBe(true);
  });

  it("fails the tenant with the exit status and output, and a retry after the fix runs it again", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Gated",
      blueprint: { source: blueprint("    command: node seed.js --gated\n    service: web") },
    });
    const failed = await api.waitForTenant("gated", "failed", WAIT);
    expect(failed.error_message).toContain("exited with code 3");
    expect(failed.error_message).toContain("node seed.js --gated");
    expect(failed.error_message).toContain("the gate is closed");
    expect(failed.error_message).toContain("tenantry tenants retry gated");
    // Permanent: no attempt spent on retries by the engine.
    const [op] = (await api.json("GET", "/v1/tenants/gated/operations")).data;
    expect(op).toMatchObject({ status: "failed", attempt: 0 });
    expect(op.steps.filter((s: any) => s.action === "bootstrap").at(-1)).toMatchObject({
      status: "failed",
      error_message: expect.stringContaining("exited with code 3"),
    });

    // The fix: the table the hook needs, owned by the tenant's role.
    const db = failed.resources.find((r: any) => r.key === "database:main");
    await inTenantDb(
      failed,
      `create table gate (open boolean); alter table gate owner to "${db.outputs.user}"`,
    );
    const retry = await api.call("POST", "/v1/tenants/gated/retry");
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    const active = await api.waitForTenant("gated", "active", WAIT);
    expect(active.error_message).toBeNull();
    expect(await inTenantDb(active, "select slug, runs from seeds")).toEqual([{ slug: "gated", runs: 1 }]);
    // Two runs in the log: the failed one, then the one that seeded.
    const lines = await logLines("gated");
    expect(lines.filter((l) => l.startsWith("[bootstrap] ==> "))).toHaveLength(2);
    expect(lines).toContain("[bootstrap] the gate is closed");
    expect(lines.at(-1)).toBe("[bootstrap] seeded gated");
  });

  it("kills a hook that outlives its timeoutSeconds and fails the tenant", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Slow",
      blueprint: { source: blueprint("    command: echo starting; sleep 60\n    timeoutSeconds: 1") },
    });
    const failed = await api.waitForTenant("slow", "failed", WAIT);
    expect(failed.error_message).toMatch(/the bootstrap hook timed out after 1 s .* and was killed/);
    expect(failed.error_message).toContain("starting");
    // Nothing of it is left running.
    await eventually(async () => {
      const { execFileSync } = await import("node:child_process");
      const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
      return ps.includes("echo starting; sleep 60") ? undefined : true;
    });
  });
});
