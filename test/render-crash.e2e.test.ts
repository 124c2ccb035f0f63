import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceName, tenantDiscriminator } from "../src/domain/naming.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, ENCRYPTION_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * A `tenantry worker` process provisioning the Django example on Render is SIGKILLed
 * right after Render created the first service (before or after Tenantry recorded it); a
 * second worker takes over once the lease expires and finishes the tenant with exactly
 * one of each object on Render: the name lookup before every create adopts what the
 * first worker left (it carries the tenant's ownership marker, or, for datastores, was
 * created after the engine asked for it).
 */

const DJANGO = await readFile(
  path.join(projectRoot, "examples/blueprints/django-four-services.render.yaml"),
  "utf8",
);

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;
let dataDir: string;
const children = new Set<ChildProcess>();

function startWorker(name: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "worker"], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: t.database.url,
      TENANTRY_DATA_DIR: path.join(dataDir, name),
      TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
      TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
      TENANTRY_LOCAL_POSTGRES_URL: t.database.adminUrl,
      // Two workers run at once here (and other files' in parallel): none serves metrics.
      TENANTRY_WORKER_METRICS_PORT: "0",
      // A create starts only with the Render provider's request timeout (4.5 s by default)
      // of lease left: a 12 s lease leaves at least 5.6 s between renewals.
      TENANTRY_LEASE_SECONDS: "12",
      TENANTRY_POLL_INTERVAL_MS: "200",
      TENANTRY_RETRY_BASE_MS: "50",
      TENANTRY_RETRY_MAX_MS: "500",
      LOG_LEVEL: "warn",
      RENDER_API_KEY: fake.apiKey,
      RENDER_API_URL: fake.url,
      RENDER_OWNER_ID: fake.ownerId,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  return { child, output: () => output };
}

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 300, keyValueCreateMs: 200, buildMs: 300, deployMs: 300 },
  });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-render-crash-"));
  // The API only: the workers are child processes.
  t = await startTestApp({ workers: false, env: { RENDER_API_KEY: fake.apiKey, RENDER_API_URL: fake.url } });
  api = apiClient(t);
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await t?.close();
  await fake?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("a worker killed while provisioning on Render", () => {
  it("is taken over by another worker, which creates nothing twice", async () => {
    const first = startWorker("first");
    await api.call("POST", "/v1/blueprints", { name: "django", source: DJANGO });
    const created = await api.call("POST", "/v1/tenants", {
      name: "Crashy",
      blueprint: "django",
      target: "render",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // Kill it as soon as Render has created the first service.
    await eventually(
      async () =>
        fake.requests.some((r) => r.method === "POST" && r.path === "/services" && r.status === 201) ||
        undefined,
      { timeoutMs: 60_000, intervalMs: 2, what: `the first service to be created\n${first.output()}` },
    );
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    const servicesAtKill = fake.state.services().length;
    expect(servicesAtKill).toBeGreaterThanOrEqual(1);

    const second = startWorker("second");
    const tenant = await eventually(
      async () => {
        const { body } = await api.call("GET", "/v1/tenants/crashy");
        if (body.status === "failed") throw new Error(body.error_message);
        return body.status === "active" ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `crashy active\n${second.output()}` },
    );
    expect(tenant.status).toBe("active");

    // Exactly one of each object, whatever the first worker had done.
    const nameOf = (base: string) =>
      resourceName(base, "crashy", tenantDiscriminator(t.app.installationId, tenant.id));
    const names = fake.state
      .services()
      .map((s) => s.name)
      .sort();
    expect(names).toEqual([
      nameOf("celery-beat"),
      nameOf("celery-worker"),
      nameOf("django-web"),
      nameOf("django-ws"),
    ]);
    expect(fake.state.postgres().map((p) => p.name)).toEqual([nameOf("django-db")]);
    expect(fake.state.keyValues().map((k) => k.name)).toEqual([nameOf("django-redis")]);
    expect(fake.state.envGroups().map((g) => g.name)).toEqual([nameOf("django-settings")]);
    const creates = fake.requests.filter(
      (r) => r.method === "POST" && r.path === "/services" && r.status === 201,
    );
    expect(creates).toHaveLength(4);
    // Every resource recorded with the id Render gave it.
    const ids = new Set(fake.state.services().map((s) => s.id));
    for (const r of tenant.resources.filter(
      (x: any) => x.kind !== "postgres" && x.kind !== "keyvalue" && x.kind !== "envgroup",
    )) {
      expect(ids.has(r.provider_id)).toBe(true);
    }
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
