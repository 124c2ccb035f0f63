import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../src/lib/crypto.js";
import { OWNER_MARKERS_KEY } from "../src/providers/local/keyvalue-driver.js";
import { OWNER_FILE } from "../src/providers/local/owner-files.js";
import { connectRedis, parseRedisUrl } from "../src/providers/local/redis-connection.js";
import { localServicePaths } from "../src/providers/local/service-driver.js";
import { generateApiKey } from "../src/services/bootstrap.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { isRunning } from "./support/stray-processes.js";

/**
 * Two organizations each with a tenant of the same slug (`acme`) on the local target,
 * through the API: both become active on objects of their own (names from each tenant's
 * id), and destroying one leaves every object of the other — its database and role, its
 * Redis ACL user and keys, its directory and its processes.
 */

const REDIS = process.env.TENANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
let reachable = false;
try {
  const c = await connectRedis(parseRedisUrl(REDIS), { connectTimeoutMs: 1000 });
  await c.call("PING");
  c.disconnect();
  reachable = true;
} catch {
  console.warn(`[local-same-slug] SKIPPED: no Redis at ${REDIS} (set TENANTRY_TEST_REDIS_URL)`);
}

const WEB = `
const http = require("node:http");
http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "org " + process.env.ORG_NAME))
  .listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

function blueprint(appDir: string, org: string): string {
  return `
databases:
  - name: main
services:
  - type: keyvalue
    name: cache
    plan: starter
    ipAllowList: []
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node web.js
    healthCheckPath: /health
    envVars:
      - key: ORG_NAME
        value: ${org}
`;
}

const WAIT = { timeoutMs: 60_000 };

let t: TestApp;
let base: string;
let appDir: string;
const apis: Record<"one" | "two", ApiClient> = {} as Record<"one" | "two", ApiClient>;

/** What a tenant has on this machine, from its resources' outputs and the supervisor's pid files. */
interface Owned {
  id: string;
  database: string;
  role: string;
  redisUser: string;
  keyPrefix: string;
  host: string;
  serviceDir: string;
  pgid: number;
}

async function ownedBy(tenant: any): Promise<Owned> {
  const outputs = (key: string) => tenant.resources.find((r: any) => r.key === key).outputs;
  const db = outputs("database:main");
  const kv = outputs("service:cache");
  const web = tenant.resources.find((r: any) => r.key === "service:web");
  const dir = path.join(t.dataDir, "supervisor");
  const pidFiles = await Promise.all(
    (await readdir(dir))
      .filter((f) => f.endsWith(".pid"))
      .map(
        async (f) => JSON.parse(await readFile(path.join(dir, f), "utf8")) as { id: string; pgid: number },
      ),
  );
  const pidFile = pidFiles.find((p) => p.id === `${tenant.id}/service:web`);
  if (!pidFile) throw new Error(`no pid file for ${tenant.id}/service:web`);
  const webResource = {
    key: "service:web",
    kind: "web",
    externalName: web.name,
    dependsOn: [],
    spec: {},
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
  return {
    id: tenant.id,
    database: db.database,
    role: db.user,
    redisUser: kv.user,
    keyPrefix: kv.keyPrefix,
    host: new URL(web.outputs.url).hostname,
    serviceDir: localServicePaths(t.dataDir, webResource, tenant).serviceDir,
    pgid: pidFile.pgid,
  };
}

async function adminQuery(sql: string, params: unknown[]): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: t.database.adminUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function exists(p: string): Promise<boolean> {
  return readdir(p).then(
    () => true,
    () => false,
  );
}

/** Every object of `o`, looked up where it lives. */
async function present(o: Owned) {
  const redis = await connectRedis(parseRedisUrl(REDIS));
  try {
    return {
      database: (await adminQuery("select 1 from pg_database where datname = $1", [o.database])).length,
      role: (await adminQuery("select 1 from pg_roles where rolname = $1", [o.role])).length,
      redisUser: (await redis.call("ACL", "GETUSER", o.redisUser)) !== null,
      redisKey: await redis.call("EXISTS", `${o.keyPrefix}visits`),
      directory: await exists(o.serviceDir),
      process: isRunning(o.pgid),
    };
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(!reachable)("two organizations with a tenant of the same slug on the local target", () => {
  const tenants: Record<"one" | "two", any> = {} as Record<"one" | "two", any>;
  const owned: Record<"one" | "two", Owned> = {} as Record<"one" | "two", Owned>;

  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-slug-app-"));
    await writeFile(path.join(appDir, "web.js"), WEB);
    t = await startTestApp({
      env: {
        PORT: "0",
        HOST: "127.0.0.1",
        BASE_DOMAIN: "tenants.test",
        TENANTRY_WORKER_CONCURRENCY: "4",
        TENANTRY_LOCAL_REDIS_URL: REDIS,
      },
    });
    base = await t.app.listen();
    apis.one = apiClient(t);
    // A second organization with an admin key of its own.
    const orgId = await insertOrganization(t.app.db, { slug: "second", name: "Second organization" });
    const key = generateApiKey();
    await insertApiKey(t.app.db, {
      organizationId: orgId,
      name: "admin",
      role: "admin",
      keyHash: sha256(key),
      keyPrefix: key.slice(0, 12),
    });
    apis.two = apiClient(t, key);
    for (const org of ["one", "two"] as const) {
      const res = await apis[org].call("POST", "/v1/tenants", {
        name: "Acme",
        blueprint: { source: blueprint(appDir, org) },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    for (const org of ["one", "two"] as const) {
      tenants[org] = await apis[org].waitForTenant("acme", "active", WAIT);
      expect(tenants[org].slug).toBe("acme");
      owned[org] = await ownedBy(tenants[org]);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (appDir) await rm(appDir, { recursive: true, force: true });
    const redis = await connectRedis(parseRedisUrl(REDIS)).catch(() => undefined);
    for (const o of Object.values(owned)) {
      await redis?.call("ACL", "DELUSER", o.redisUser).catch(() => {});
      await redis?.call("HDEL", OWNER_MARKERS_KEY, o.redisUser).catch(() => {});
      await redis?.call("DEL", `${o.keyPrefix}visits`).catch(() => {});
    }
    redis?.disconnect();
  });

  it("both are active, each on objects of its own, marked as its own", async () => {
    const { one, two } = owned;
    expect(tenants.one.id).not.toBe(tenants.two.id);
    for (const field of ["database", "role", "redisUser", "keyPrefix", "host", "serviceDir"] as const) {
      expect(one[field], field).not.toBe(two[field]);
    }
    for (const org of ["one", "two"] as const) {
      const o = owned[org];
      const res = await requestWithHost(base, `${o.host}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`org ${org}`);
      const [comment] = (await adminQuery(
        "select shobj_description(oid, 'pg_database') as c from pg_database where datname = $1",
        [o.database],
      )) as { c: string }[];
      expect(comment?.c).toMatch(new RegExp(`^tenantry:[^/]+/[^/]+/${o.id}$`));
      expect((await readFile(path.join(o.serviceDir, OWNER_FILE), "utf8")).trim()).toBe(comment?.c);
      const redis = await connectRedis(parseRedisUrl(REDIS));
      expect(await redis.call("HGET", OWNER_MARKERS_KEY, o.redisUser)).toBe(comment?.c);
      await redis.call("SET", `${o.keyPrefix}visits`, "1");
      redis.disconnect();
      expect(await present(o)).toEqual({
        database: 1,
        role: 1,
        redisUser: true,
        redisKey: 1,
        directory: true,
        process: true,
      });
    }
  });

  it("destroying one leaves every object of the other", async () => {
    expect((await apis.one.call("DELETE", "/v1/tenants/acme")).status).toBe(202);
    await apis.one.waitForTenant(tenants.one.id, "destroyed", WAIT);

    expect(await present(owned.one)).toEqual({
      database: 0,
      role: 0,
      redisUser: false,
      redisKey: 0,
      directory: false,
      process: false,
    });
    expect(await present(owned.two)).toEqual({
      database: 1,
      role: 1,
      redisUser: true,
      redisKey: 1,
      directory: true,
      process: true,
    });
    const other = await apis.two.call("GET", "/v1/tenants/acme");
    expect(other.body.status).toBe("active");
    const res = await requestWithHost(base, owned.two.host);
    expect(res.status).toBe(200);
    expect(res.body).toBe("org two");

    expect((await apis.two.call("DELETE", "/v1/tenants/acme")).status).toBe(202);
    await apis.two.waitForTenant(tenants.two.id, "destroyed", WAIT);
    expect(await present(owned.two)).toEqual({
      database: 0,
      role: 0,
      redisUser: false,
      redisKey: 0,
      directory: false,
      process: false,
    });
  });
});
