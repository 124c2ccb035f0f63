import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, parseRedisUrl } from "../src/providers/local/redis-connection.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * Services that reference each other (test/fixtures/blueprints/*.render.yaml) provisioned
 * on the local target: both are created, then the one whose variable waited for the
 * other's address is updated once, and every process sees the other's real, current
 * value (a port it can connect to; the same generated secret).
 */

const REDIS = process.env.TENANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
let redis = false;
try {
  const c = await connectRedis(parseRedisUrl(REDIS), { connectTimeoutMs: 1000 });
  await c.call("PING");
  c.disconnect();
  redis = true;
} catch {
  console.warn(`[local-mutual-references] SKIPPED the Key Value case: no Redis at ${REDIS}`);
}

// Every service runs this: it writes its environment next to itself and serves it on $PORT.
const APP = `
const fs = require("node:fs");
const http = require("node:http");
fs.writeFileSync("env.json", JSON.stringify(process.env));
const server = http.createServer((req, res) => res.end(JSON.stringify(process.env)));
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

let t: TestApp;
let api: ApiClient;
let appDir: string;
const WAIT = { timeoutMs: 90_000 };

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-mutual-"));
  await writeFile(path.join(appDir, "server.js"), APP);
  await writeFile(path.join(appDir, "worker.js"), APP);
  t = await startTestApp({
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      BASE_DOMAIN: "tenants.test",
      TENANTRY_WORKER_CONCURRENCY: "2",
      ...(redis ? { TENANTRY_LOCAL_REDIS_URL: REDIS } : {}),
    },
  });
  await t.app.listen();
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

/** A fixture with every service built from `appDir` (the fixtures name no repository). */
async function blueprintOf(name: string): Promise<string> {
  const source = await readFile(
    new URL(`./fixtures/blueprints/${name}.render.yaml`, import.meta.url),
    "utf8",
  );
  return source.replace(/^( {4})runtime: node$/gm, `$1runtime: node\n$1repo: ${appDir}`);
}

/**
 * The environment the service's current process started with (its latest release; a worker
 * has no health check, so its process may still be starting when the tenant is active).
 */
function envOf(tenant: { id: string; slug: string }, service: string): Promise<Record<string, string>> {
  return eventually(() => readEnv(tenant, service), { what: `${service}'s env.json` });
}

async function readEnv(
  tenant: { id: string; slug: string },
  service: string,
): Promise<Record<string, string>> {
  const tenants = path.join(t.dataDir, "tenants");
  const dir = (await readdir(tenants)).find((d) => d.startsWith(`${tenant.slug}-`));
  const serviceDir = path.join(tenants, dir ?? "", service);
  const releases = (await readdir(serviceDir))
    .filter((d) => d.startsWith("release-"))
    .map((d) => Number(d.slice("release-".length)))
    .sort((a, b) => b - a);
  return JSON.parse(await readFile(path.join(serviceDir, `release-${releases[0]}`, "env.json"), "utf8"));
}

/** The provider steps the create ran, in order (`create service:app`, `update service:app`…). */
async function stepsOf(slug: string): Promise<string[]> {
  const ops = await api.json("GET", `/v1/tenants/${slug}/operations`);
  const create = ops.data.find((o: any) => o.kind === "create");
  return create.steps.filter((s: any) => s.status === "succeeded").map((s: any) => s.name);
}

async function provision(name: string, blueprint: string) {
  const created = await api.json("POST", "/v1/tenants", { name, blueprint: { source: blueprint } });
  expect(created.tenant?.status, JSON.stringify(created)).toBe("queued");
  const active = await api.waitForTenant(created.tenant.slug, "active", WAIT);
  const outputs = Object.fromEntries(active.resources.map((r: any) => [r.key, r.outputs]));
  return { tenant: active, outputs };
}

async function destroy(slug: string) {
  await api.json("DELETE", `/v1/tenants/${slug}`);
  await api.waitForTenant(slug, "destroyed", WAIT);
}

describe("services that reference each other, on the local target", () => {
  it("a web app and its realtime service: each sees the other's live address and the app's secret", async () => {
    const { tenant, outputs } = await provision("Realtime Co", await blueprintOf("web-realtime"));
    try {
      const app = await envOf(tenant, "app");
      const realtime = await envOf(tenant, "realtime");
      // The app waited for the realtime service's host:port and was updated with it.
      expect(app["REALTIME_HOSTPORT"]).toBe(outputs["service:realtime"].hostport);
      const seen = (await (await fetch(`http://${app["REALTIME_HOSTPORT"]}/`)).json()) as Record<
        string,
        string
      >;
      expect(seen["APP_HOST"]).toBe(outputs["service:app"].host);
      // The realtime service reads the app's declared variables: no waiting needed.
      expect(realtime["APP_HOST"]).toBe("127.0.0.1");
      expect(realtime["APP_NAME"]).toBe("Example");
      expect(realtime["SESSION_SECRET"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(realtime["SESSION_SECRET"]).toBe(app["SESSION_SECRET"]);
      // And the app's process answering now is the one with that env (its current port).
      const appNow = (await (
        await fetch(`http://127.0.0.1:${outputs["service:app"].port}/`)
      ).json()) as Record<string, string>;
      expect(appNow["REALTIME_HOSTPORT"]).toBe(outputs["service:realtime"].hostport);
      // Both created, then the app updated once: no more.
      expect(await stepsOf(tenant.slug)).toEqual([
        "create service:app",
        "create service:realtime",
        "update service:app",
      ]);
    } finally {
      await destroy(tenant.slug);
    }
  });

  it("two apps pointing at each other's host", async () => {
    const { tenant, outputs } = await provision("Two Apps", await blueprintOf("two-apps"));
    try {
      expect((await envOf(tenant, "shop"))["ADMIN_HOST"]).toBe(outputs["service:admin"].host);
      expect((await envOf(tenant, "admin"))["SHOP_HOST"]).toBe(outputs["service:shop"].host);
      expect(await stepsOf(tenant.slug)).toEqual([
        "create service:shop",
        "create service:admin",
        "update service:shop",
      ]);
    } finally {
      await destroy(tenant.slug);
    }
  });

  it("fails clearly when two local services read each other's port, which every deploy moves", async () => {
    const service = (name: string, peer: string) => `
  - type: pserv
    name: ${name}
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    envVars:
      - key: PEER
        fromService: { type: pserv, name: ${peer}, property: hostport }`;
    const created = await api.json("POST", "/v1/tenants", {
      name: "Ports",
      blueprint: { source: `services:${service("a", "b")}${service("b", "a")}\n` },
    });
    try {
      const failed = await api.waitForTenant(created.tenant.slug, "failed", WAIT);
      expect(failed.error_message).toContain("do not settle");
      expect(failed.error_message).toContain("service:a, service:b");
    } finally {
      await destroy(created.tenant.slug);
    }
  });

  it.skipIf(!redis)(
    "a main service and its queue worker sharing a Key Value and each other's variables",
    async () => {
      const { tenant, outputs } = await provision("Queue Co", await blueprintOf("queue-pair"));
      try {
        const main = await envOf(tenant, "main");
        const worker = await envOf(tenant, "worker");
        expect(main["QUEUE_NAME"]).toBe("jobs");
        expect(worker["MODE"]).toBe("queue");
        expect(worker["SECRET_KEY_OVERWRITE"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(worker["SECRET_KEY_OVERWRITE"]).toBe(main["SECRET_KEY_OVERWRITE"]);
        expect(worker["MAIN_HOST"]).toBe(outputs["service:main"].host);
        expect(main["REDIS_URL"]).toMatch(/^redis:\/\//);
        expect(worker["REDIS_URL"]).toBe(main["REDIS_URL"]);
        // Nothing late here: every service created once, in order.
        expect(await stepsOf(tenant.slug)).toEqual([
          "create service:queue",
          "create service:main",
          "create service:worker",
        ]);
      } finally {
        await destroy(tenant.slug);
      }
    },
  );
});
