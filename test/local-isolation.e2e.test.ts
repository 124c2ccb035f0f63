import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, parseRedisUrl } from "../src/providers/local/redis-connection.js";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";
import { isRunning } from "./support/stray-processes.js";

/**
 * Two tenants on the local target, each with a web service backed by its own PostgreSQL
 * database and its own Key Value (an ACL user on the test Redis), end to end:
 * - each tenant's app counts visits in both stores and never sees the other's data, and
 *   neither tenant's credentials reach the other's database or keys;
 * - a tenant process killed from outside is restarted and serves again;
 * - a cron job runs on demand and its outputs are current without a reconcile;
 * - destroy leaves nothing: checked against pg_database, pg_roles, Redis ACL LIST and the
 *   keys, the process table and the file system.
 */

const REDIS = process.env.TENANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
let reachable = false;
try {
  const c = await connectRedis(parseRedisUrl(REDIS), { connectTimeoutMs: 1000 });
  await c.call("PING");
  c.disconnect();
  reachable = true;
} catch {
  console.warn(`[local-isolation] SKIPPED: no Redis at ${REDIS} (set TENANTRY_TEST_REDIS_URL)`);
}

/**
 * The tenant app: `pg` from Tenantry's own node_modules (NODE_PATH), Redis over a few
 * lines of RESP. Each visit inserts a row and increments a key under the tenant's prefix
 * (the ACL user's name), and answers with both counts, the database name and its pid.
 */
const WEB = `
const http = require("node:http");
const net = require("node:net");
const { Client } = require("pg");

function resp(args) {
  return "*" + args.length + "\\r\\n" + args.map((a) => "$" + Buffer.byteLength(a) + "\\r\\n" + a + "\\r\\n").join("");
}
function redis(url, args) {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let data = "";
    socket.on("data", (d) => {
      data += d;
      const lines = data.split("\\r\\n");
      if (lines.length >= 3) {
        socket.end();
        if (lines[0] !== "+OK") return reject(new Error("auth: " + lines[0]));
        if (lines[1].startsWith("-")) return reject(new Error(lines[1]));
        resolve(Number(lines[1].slice(1)));
      }
    });
    socket.on("error", reject);
    socket.write(resp(["AUTH", user, decodeURIComponent(u.password)]) + resp(args(user + ":")));
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok");
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  try {
    await db.connect();
    await db.query("create table if not exists visits (id serial primary key)");
    await db.query("insert into visits default values");
    const { rows } = await db.query("select count(*)::int as n, current_database() as db from visits");
    const cache = await redis(process.env.REDIS_URL, (prefix) => ["INCR", prefix + "visits"]);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ tenant: process.env.TENANT_SLUG, pid: process.pid, database: rows[0].db, pgVisits: rows[0].n, redisVisits: cache }));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err && err.message));
  } finally {
    await db.end().catch(() => {});
  }
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

function blueprint(appDir: string): string {
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
      - key: NODE_PATH
        value: ${path.join(projectRoot, "node_modules")}
      - key: SESSION_SECRET
        generateValue: true
      - key: DATABASE_URL
        fromDatabase:
          name: main
          property: connectionString
      - key: REDIS_URL
        fromService:
          type: keyvalue
          name: cache
          property: connectionString
  - type: cron
    name: tick
    runtime: node
    schedule: "0 0 1 1 *"
    repo: ${appDir}
    startCommand: echo tick for $TENANT_SLUG
`;
}

let t: TestApp;
let api: ApiClient;
/** Everything Tenantry logged (debug level): secrets must never be in it. */
let logText = "";
let base: string;
let appDir: string;

const WAIT = { timeoutMs: 60_000 };

/** Each tenant's web host (`<service>-<slug>-<discriminator>.tenants.test`), from its outputs. */
const hosts: Record<string, string> = {};
/** A tenant's web service through the host proxy. */
const visit = (slug: string) => requestWithHost(base, hosts[slug] ?? `web-${slug}.tenants.test`);
async function visitJson(slug: string) {
  const res = await visit(slug);
  if (res.status !== 200) throw new Error(`${slug}: ${res.status} ${res.body}`);
  return JSON.parse(res.body) as {
    tenant: string;
    pid: number;
    database: string;
    pgVisits: number;
    redisVisits: number;
  };
}

/** A tenant's sealed secret outputs (connection strings), as the engine stored them. */
async function secretsOf(tenantId: string, key: string): Promise<{ connectionString: string }> {
  const { rows } = await t.app.db.query<{ secret_outputs_enc: string }>(
    "select secret_outputs_enc from resources where tenant_id = $1 and key = $2",
    [tenantId, key],
  );
  return t.app.secrets.openJson<{ connectionString: string }>(rows[0]!.secret_outputs_enc);
}

interface PidFile {
  id: string;
  pid: number;
  pgid: number;
}
async function pidFiles(): Promise<PidFile[]> {
  const dir = path.join(t.dataDir, "supervisor");
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".pid"));
  return Promise.all(
    files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), "utf8")) as PidFile),
  );
}
/** The tenant's directories under `<data dir>/tenants/` (`<slug>-<hash of id>`). */
async function tenantDirs(slug: string): Promise<string[]> {
  const entries = await readdir(path.join(t.dataDir, "tenants")).catch(() => [] as string[]);
  return entries.filter((e) => e.startsWith(`${slug}-`));
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

describe.skipIf(!reachable)(
  "two local tenants with PostgreSQL, Key Value, a web service and a cron job",
  () => {
    const tenants: Record<string, any> = {};

    beforeAll(async () => {
      appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-iso-app-"));
      await writeFile(path.join(appDir, "web.js"), WEB);
      t = await startTestApp({
        logger: pino(
          { level: "debug" },
          {
            write: (line: string) => {
              logText += line;
            },
          },
        ),
        env: {
          PORT: "0",
          HOST: "127.0.0.1",
          BASE_DOMAIN: "tenants.test",
          TENANTRY_WORKER_CONCURRENCY: "4",
          TENANTRY_LOCAL_REDIS_URL: REDIS,
        },
      });
      base = await t.app.listen();
      api = apiClient(t);
      for (const name of ["Initech", "Hooli"]) {
        const res = await api.call("POST", "/v1/tenants", { name, blueprint: { source: blueprint(appDir) } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      tenants["initech"] = await api.waitForTenant("initech", "active", WAIT);
      tenants["hooli"] = await api.waitForTenant("hooli", "active", WAIT);
      for (const slug of ["initech", "hooli"]) {
        const web = tenants[slug].resources.find((r: any) => r.key === "service:web");
        hosts[slug] = new URL(web.outputs.url).hostname;
      }
    }, 120_000);

    afterAll(async () => {
      await t?.close();
      if (appDir) await rm(appDir, { recursive: true, force: true });
    });

    it("keeps each tenant's data in its own database and key prefix", async () => {
      for (let i = 0; i < 3; i++) await visitJson("initech");
      const initech = await visitJson("initech");
      const hooli = await visitJson("hooli");
      expect(initech).toMatchObject({ tenant: "initech", pgVisits: 4, redisVisits: 4 });
      expect(hooli).toMatchObject({ tenant: "hooli", pgVisits: 1, redisVisits: 1 });
      expect(initech.database).not.toBe(hooli.database);

      // Initech's credentials cannot reach Hooli's database…
      const initechDb = await secretsOf(tenants["initech"].id, "database:main");
      const crossUrl = new URL(initechDb.connectionString);
      crossUrl.pathname = `/${hooli.database}`;
      const cross = new pg.Client({ connectionString: crossUrl.toString() });
      const denied = await cross.connect().then(
        () => cross.query("select count(*) from visits").then(() => "read"),
        (err: Error) => err.message,
      );
      await cross.end().catch(() => {});
      expect(denied).toMatch(/permission denied|not permitted|does not have CONNECT/i);

      // …nor Hooli's keys, nor anything outside its own prefix.
      const initechKv = await secretsOf(tenants["initech"].id, "service:cache");
      const hooliUser = tenants["hooli"].resources.find((r: any) => r.key === "service:cache").outputs.user;
      const initechUser = tenants["initech"].resources.find((r: any) => r.key === "service:cache").outputs
        .user;
      const client = await connectRedis(parseRedisUrl(initechKv.connectionString));
      try {
        expect(await client.call("GET", `${initechUser}:visits`)).toBe("4");
        await expect(client.call("GET", `${hooliUser}:visits`)).rejects.toThrow(/NOPERM/);
        await expect(client.call("KEYS", "*")).rejects.toThrow(/NOPERM/);
      } finally {
        client.disconnect();
      }
    });

    it("restarts a tenant process that was killed, and it serves again", async () => {
      const before = await visitJson("initech");
      const files = await pidFiles();
      const web = files.find((f) => f.id === `${tenants["initech"].id}/service:web`);
      expect(web).toBeDefined();
      expect(isRunning(web!.pgid)).toBe(true);
      process.kill(-web!.pgid, "SIGKILL");
      const after = await eventually(
        async () => {
          const res = await visit("initech");
          if (res.status !== 200) return undefined;
          const body = JSON.parse(res.body) as { pid: number; pgVisits: number };
          return body.pid !== before.pid ? body : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: "the killed web process to be replaced" },
      );
      expect(isRunning(before.pid)).toBe(false);
      expect(isRunning(web!.pgid)).toBe(false);
      const replaced = (await pidFiles()).find((f) => f.id === web!.id);
      expect(replaced && isRunning(replaced.pgid)).toBe(true);
      expect(after.pgVisits).toBeGreaterThan(before.pgVisits);
      expect((await api.call("GET", "/v1/tenants/initech")).body.status).toBe("active");
    });

    it("runs a cron job on demand, with its outputs current at once", async () => {
      const web = await api.call("POST", "/v1/tenants/hooli/resources/web/runs");
      expect(web.status).toBe(422);
      expect(web.body.code).toBe("NOT_A_CRON_JOB");
      const missing = await api.call("POST", "/v1/tenants/hooli/resources/nope/runs");
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe("RESOURCE_NOT_FOUND");

      const run = await api.call("POST", "/v1/tenants/hooli/resources/tick/runs");
      expect(run.status).toBe(202);
      expect(run.body).toEqual({ resource: "service:tick", started: true, runs: 0 });
      // Recorded by the run itself: no operation ran for the tenant in between.
      const ops = (await api.call("GET", "/v1/tenants/hooli/operations")).body.data.length;
      const tick = await eventually(
        async () => {
          const { body } = await api.call("GET", "/v1/tenants/hooli");
          const r = body.resources.find((x: any) => x.key === "service:tick");
          return r.outputs.runs === 1 ? r : undefined;
        },
        { timeoutMs: 10_000, what: "the run's outputs" },
      );
      expect(tick.outputs).toMatchObject({ lastExitCode: 0, runs: 1, schedule: "0 0 1 1 *" });
      expect(typeof tick.outputs.lastRunAt).toBe("string");
      expect((await api.call("GET", "/v1/tenants/hooli/operations")).body.data.length).toBe(ops);
      const logs = await api.call("GET", "/v1/tenants/hooli/resources/tick/logs?tail=5");
      expect(logs.body.lines).toContain("[cron] tick for hooli");
      const events = (await api.call("GET", "/v1/tenants/hooli/events")).body.data;
      expect(events.map((e: any) => e.type)).toContain("resource.run_requested");

      await api.call("POST", "/v1/tenants/hooli/suspend");
      await api.waitForTenant("hooli", "suspended", WAIT);
      const suspended = await api.call("POST", "/v1/tenants/hooli/resources/tick/runs");
      expect(suspended.status).toBe(409);
      expect(suspended.body.code).toBe("JOB_NOT_RUNNABLE");
    });

    it("never writes a tenant's secrets to Tenantry's own logs", async () => {
      const secrets: string[] = [];
      for (const tenant of Object.values(tenants)) {
        for (const key of ["database:main", "service:cache"]) {
          const { connectionString } = await secretsOf(tenant.id, key);
          secrets.push(connectionString, decodeURIComponent(new URL(connectionString).password));
        }
        const { rows } = await t.app.db.query<{ generated_enc: string }>(
          "select generated_enc from tenants where id = $1",
          [tenant.id],
        );
        const generated = t.app.secrets.openJson<Record<string, string>>(rows[0]!.generated_enc);
        expect(Object.keys(generated)).toContain("service:web/SESSION_SECRET");
        secrets.push(...Object.values(generated));
      }
      expect(secrets.length).toBe(10);
      expect(secrets.every((v) => v.length >= 16)).toBe(true);
      expect(logText.length).toBeGreaterThan(10_000); // debug logs of two tenants' whole lives
      for (const secret of secrets) expect(logText.includes(secret)).toBe(false);
    });

    it("destroys both tenants and leaves no database, role, Redis user, key, process or file", async () => {
      const owned = Object.values(tenants).map((tenant) => {
        const db = tenant.resources.find((r: any) => r.key === "database:main").outputs;
        const kv = tenant.resources.find((r: any) => r.key === "service:cache").outputs;
        return {
          id: tenant.id as string,
          slug: tenant.slug as string,
          database: db.database,
          role: db.user,
          redisUser: kv.user,
        };
      });
      const processes = await pidFiles();
      // The supervised shells and process groups, and the app process itself.
      const pids = [...processes.flatMap((p) => [p.pid, p.pgid]), (await visitJson("initech")).pid];
      expect(processes.length).toBeGreaterThanOrEqual(1); // initech's web (hooli's is suspended)
      expect(pids.every(isRunning)).toBe(true);
      for (const { slug } of owned) {
        expect(await tenantDirs(slug)).toHaveLength(1);
        expect((await api.call("DELETE", `/v1/tenants/${slug}`)).status).toBe(202);
      }
      for (const { slug } of owned) await api.waitForTenant(slug, "destroyed", WAIT);

      const admin = await connectRedis(parseRedisUrl(REDIS));
      try {
        const acl = (await admin.call("ACL", "LIST")) as string[];
        for (const o of owned) {
          expect(await adminQuery("select 1 from pg_database where datname = $1", [o.database])).toEqual([]);
          expect(await adminQuery("select 1 from pg_roles where rolname = $1", [o.role])).toEqual([]);
          expect(acl.filter((line) => line.startsWith(`user ${o.redisUser} `))).toEqual([]);
          const [, keys] = (await admin.call("SCAN", "0", "MATCH", `${o.redisUser}:*`, "COUNT", "1000")) as [
            string,
            string[],
          ];
          expect(keys).toEqual([]);
          expect(await tenantDirs(o.slug)).toEqual([]);
        }
      } finally {
        admin.disconnect();
      }
      expect(pids.filter(isRunning)).toEqual([]);
      expect(await pidFiles()).toEqual([]);
      expect((await visit("initech")).status).toBe(404);
    });
  },
);
