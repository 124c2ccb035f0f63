import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceName, tenantDiscriminator } from "../src/domain/naming.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * Services that reference each other (test/fixtures/blueprints/*.render.yaml) on the
 * `render` target, against the fake Render API: both are created, and the one whose
 * variable waited for the other's Render-assigned host is updated (env vars replaced,
 * one more deploy) once that host is known.
 */

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;
const WAIT = { timeoutMs: 30_000 };

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 100, keyValueCreateMs: 100, buildMs: 300, deployMs: 100 },
  });
  const logger = pino({ level: "silent" });
  t = await startTestApp({
    logger,
    env: { TENANTRY_WORKER_CONCURRENCY: "4", TENANTRY_LEASE_SECONDS: "6" },
    providers: new ProviderRegistry().register(
      createRenderProvider({
        apiKey: fake.apiKey,
        baseUrl: fake.url,
        rateLimitScale: 3600,
        pollMs: 100,
        timeoutMs: 2000,
        logger,
      }),
    ),
  });
  api = apiClient(t);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

/** A fixture whose services are built from a repository Render can reach. */
async function blueprintOf(name: string): Promise<string> {
  const source = await readFile(
    new URL(`./fixtures/blueprints/${name}.render.yaml`, import.meta.url),
    "utf8",
  );
  return source.replace(/^( {4})runtime: node$/gm, "$1runtime: node\n$1repo: https://github.com/example/app");
}

async function provision(name: string, fixture: string) {
  const created = await api.call("POST", "/v1/tenants", {
    name,
    blueprint: { source: await blueprintOf(fixture) },
    target: "render",
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const tenant = await api.waitForTenant(created.body.tenant.slug, "active", WAIT);
  const services = fake.state.services();
  const service = (base: string) => {
    const wanted = resourceName(base, tenant.slug, tenantDiscriminator(t.app.installationId, tenant.id));
    const found = services.find((s) => s.name === wanted);
    if (!found) throw new Error(`no service ${wanted} on the fake Render`);
    return found;
  };
  const envOf = (base: string) =>
    Object.fromEntries(fake.state.envVars(service(base).id).map((v) => [v.key, v.value]));
  return { tenant, service, envOf };
}

async function destroy(slug: string) {
  await api.call("DELETE", `/v1/tenants/${slug}`);
  await api.waitForTenant(slug, "destroyed", WAIT);
}

describe("services that reference each other, on the render target", () => {
  it("a web app and its realtime service get each other's Render host", async () => {
    const { tenant, service, envOf } = await provision("Realtime Co", "web-realtime");
    try {
      const app = service("app");
      const realtime = service("realtime");
      // Render's hosts carry a suffix it chose (`<name>-xxxx`): only known once created.
      expect(realtime.slug).not.toBe(realtime.name);
      expect(envOf("app")["REALTIME_HOSTPORT"]).toBe(`${realtime.slug}:10000`);
      expect(envOf("realtime")["APP_HOST"]).toBe(app.slug);
      expect(envOf("realtime")["APP_NAME"]).toBe("Example");
      expect(envOf("realtime")["SESSION_SECRET"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(envOf("realtime")["SESSION_SECRET"]).toBe(envOf("app")["SESSION_SECRET"]);
      // Both were created without the other's host, then updated with it: one more deploy
      // each, the newest live.
      for (const s of [app, realtime]) {
        const deploys = fake.state.deploys(s.id);
        expect(deploys).toHaveLength(2);
        expect(deploys.filter((d) => d.status === "live")).toHaveLength(1);
      }
    } finally {
      await destroy(tenant.slug);
    }
  });

  it("two apps pointing at each other's host", async () => {
    const { tenant, service, envOf } = await provision("Two Apps", "two-apps");
    try {
      expect(envOf("shop")["ADMIN_HOST"]).toBe(service("admin").slug);
      expect(envOf("admin")["SHOP_HOST"]).toBe(service("shop").slug);
    } finally {
      await destroy(tenant.slug);
    }
  });

  it("a main service and its queue worker sharing a Key Value and each other's variables", async () => {
    const { tenant, service, envOf } = await provision("Queue Co", "queue-pair");
    try {
      expect(envOf("main")["QUEUE_NAME"]).toBe("jobs");
      expect(envOf("worker")["MODE"]).toBe("queue");
      expect(envOf("worker")["SECRET_KEY_OVERWRITE"]).toBe(envOf("main")["SECRET_KEY_OVERWRITE"]);
      expect(envOf("worker")["MAIN_HOST"]).toBe(service("main").slug);
      expect(envOf("main")["REDIS_URL"]).toMatch(/^rediss?:\/\//);
      // Nothing late: one deploy each.
      expect(fake.state.deploys(service("worker").id).length).toBe(1);
    } finally {
      await destroy(tenant.slug);
    }
  });
});
