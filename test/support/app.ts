import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type Logger, pino } from "pino";
import { startTenantry, type Tenantry } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import type { ProviderRegistry } from "../../src/providers/provider.js";
import { projectRoot } from "./cli-harness.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { dropMysqlObjects, TEST_MYSQL_URL } from "./mysql.js";
import { killSupervisedProcesses } from "./stray-processes.js";
import { removeTenantUsers } from "./tenant-users.js";

export const ADMIN_KEY = "tnt_test_admin_key_0123456789abcdefghij";
export const ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

export interface TestApp {
  app: Tenantry;
  database: TestDatabase;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Whether other OS users can reach the project's `node_modules` (every parent searchable):
 * tenant apps of the tests load `pg` from there (NODE_PATH), and as root they run as a
 * tenant user of their own. A clone under `/root` (0700) cannot serve them: the tests' local
 * tenants then run unisolated, said once.
 */
function projectReachableByOthers(): boolean {
  for (let dir = projectRoot; ; dir = path.dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dir === path.dirname(dir)) return true;
  }
}
let isolationDefault: string | undefined;
function testIsolation(): string {
  if (isolationDefault === undefined) {
    isolationDefault = process.getuid?.() !== 0 || projectReachableByOthers() ? "auto" : "off";
    if (isolationDefault === "off")
      console.warn(
        `[tests] ${projectRoot} is not reachable by other users: local tenants of the tests run as root (TENANTRY_LOCAL_ISOLATION=off); test/local-os-users.e2e.test.ts still checks isolation`,
      );
  }
  return isolationDefault;
}

/** Tenantry in-process on this test file's own database. */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    providers?: ProviderRegistry;
    workers?: boolean;
    logger?: Logger;
    /** `/metrics`' reuse of its database reading. @default 0 (tests see each change at once) */
    metricsCacheMs?: number;
    /** The dashboard's build to serve (test/support/dashboard.ts builds one). */
    dashboardDir?: string;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-test-"));
  const config = loadConfig({
    DATABASE_URL: database.url,
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
    TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
    TENANTRY_LOCAL_POSTGRES_URL: database.adminUrl,
    // The machine's MariaDB (or TENANTRY_TEST_MYSQL_URL): tests that use it skip when it is down.
    TENANTRY_LOCAL_MYSQL_URL: TEST_MYSQL_URL,
    TENANTRY_LEASE_SECONDS: "2",
    TENANTRY_RETRY_BASE_MS: "20",
    TENANTRY_RETRY_MAX_MS: "200",
    TENANTRY_POLL_INTERVAL_MS: "200",
    TENANTRY_LOCAL_ISOLATION: testIsolation(),
    // Tests poll the API every 50 ms (`waitForTenant`): far above the default 600 a minute.
    // Still counted (the hook runs); test/http.rate-limit.test.ts sets a low one.
    TENANTRY_RATE_LIMIT_PER_MINUTE: "1000000",
    LOG_LEVEL: "silent",
    ...options.env,
  });
  const app = await startTenantry({
    config,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    providers: options.providers,
    workers: options.workers,
    metricsCacheMs: options.metricsCacheMs ?? 0,
    dashboardDir: options.dashboardDir,
  });
  return {
    app,
    database,
    dataDir,
    async close() {
      // Tenant databases and roles live on the shared server, outside this file's database:
      // drop what the file's tenants left (tests that do not destroy their tenants).
      const { rows } = await app.db
        .query<{ outputs: { database?: string; user?: string } }>(
          "select outputs from resources where provider = 'local' and kind = 'postgres' and status <> 'deleted'",
        )
        .catch(() => ({ rows: [] as { outputs: { database?: string; user?: string } }[] }));
      // The same for MySQL/MariaDB databases, on the MySQL server.
      const mysqlLeft = await app.db
        .query<{ outputs: { database?: string; user?: string } }>(
          "select outputs from resources where provider = 'local' and kind = 'mysql' and status <> 'deleted'",
        )
        .catch(() => ({ rows: [] as { outputs: { database?: string; user?: string } }[] }));
      await app.close();
      if (mysqlLeft.rows.length > 0)
        await dropMysqlObjects(mysqlLeft.rows.map((r) => r.outputs)).catch(() => {});
      await killSupervisedProcesses(dataDir);
      // Tenants' OS users (as root) that the file's tenants left.
      await removeTenantUsers({ under: dataDir });
      if (rows.length > 0) {
        const admin = new pg.Client({ connectionString: database.adminUrl });
        await admin.connect();
        for (const { outputs } of rows) {
          if (outputs.database)
            await admin.query(
              `drop database if exists ${pg.escapeIdentifier(outputs.database)} with (force)`,
            );
          if (outputs.user)
            await admin.query(`drop role if exists ${pg.escapeIdentifier(outputs.user)}`).catch(() => {});
        }
        await admin.end();
      }
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 50, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
