import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/**
 * End to end through the real CLI: a `tenantry serve` child process on this file's own
 * database (tenant databases go on the test PostgreSQL server), and one CLI child process
 * per command.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 60_000;

let testDb: TestDatabase;
let tmpDir: string;
let blueprintFile: string;
let server: ChildProcess | undefined;
let serverOutput = "";
let baseUrl: string;
const apiKey = `tnt_test_${randomBytes(24).toString("base64url")}`;
/** Tenant databases and roles seen during the run, dropped in afterAll if a test left them. */
const created: { database: string; user: string }[] = [];

/** The environment without Tenantry settings inherited from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith("TENANTRY_") ||
      k === "PORT" ||
      k === "HOST" ||
      k === "DATABASE_URL" ||
      k === "LOG_LEVEL"
    )
      continue;
    env[k] = v;
  }
  return env;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const address = srv.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tenantry <args>` as a child process against the test server. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: projectRoot,
    env: {
      ...cleanEnv(),
      TENANTRY_URL: baseUrl,
      TENANTRY_API_KEY: apiKey,
      TENANTRY_DATA_DIR: tmpDir,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `tenantry ${args.join(" ")} did not finish within ${CLI_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, CLI_TIMEOUT_MS);
  });
  try {
    const [code] = (await Promise.race([once(child, "close"), timeout])) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Like {@link cli}, expecting exit code 0. */
async function ok(args: string[]): Promise<CliResult> {
  const result = await cli(args);
  if (result.code !== 0) {
    throw new Error(
      `tenantry ${args.join(" ")} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}

async function okJson<T = Record<string, unknown>>(args: string[]): Promise<{ json: T; stderr: string }> {
  const { stdout, stderr } = await ok([...args, "-o", "json"]);
  return { json: JSON.parse(stdout) as T, stderr };
}

async function exists(catalog: "pg_database" | "pg_roles", name: string): Promise<boolean> {
  const column = catalog === "pg_database" ? "datname" : "rolname";
  const client = new pg.Client({ connectionString: testDb.adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(`select 1 from ${catalog} where ${column} = $1`, [name]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

async function waitUntilReady(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server?.exitCode !== null) {
      throw new Error(
        `the server exited with code ${server?.exitCode} before it was ready:\n${serverOutput}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${serverOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-cli-e2e-"));
  blueprintFile = path.join(tmpDir, "blueprint.yaml");
  await fs.writeFile(blueprintFile, "databases:\n  - name: main\n");
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      ...cleanEnv(),
      DATABASE_URL: testDb.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      TENANTRY_DATA_DIR: path.join(tmpDir, "data"),
      TENANTRY_ADMIN_API_KEY: apiKey,
      TENANTRY_LOCAL_POSTGRES_URL: testDb.adminUrl,
      LOG_LEVEL: "warn",
      TENANTRY_LEASE_SECONDS: "2",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const capture = (d: Buffer) => {
    serverOutput += d.toString();
  };
  server.stdout?.on("data", capture);
  server.stderr?.on("data", capture);
  await waitUntilReady();
}, 90_000);

afterAll(async () => {
  await stopServer();
  if (testDb) {
    // Objects a failed test left on the shared server.
    const client = new pg.Client({ connectionString: testDb.adminUrl });
    await client.connect();
    for (const { database, user } of created) {
      await client.query(`drop database if exists "${database}" with (force)`).catch(() => {});
      await client.query(`drop role if exists "${user}"`).catch(() => {});
    }
    await client.end();
    await testDb.drop();
  }
  if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
}, 30_000);

interface TenantJson {
  id: string;
  slug: string;
  status: string;
  resources?: { key: string; outputs: Record<string, unknown> }[];
}

describe("tenantry CLI against a running server", () => {
  let names: { database: string; user: string };

  it("creates a tenant from a blueprint file and waits until it is active", async () => {
    const { json, stderr } = await okJson<TenantJson>([
      "tenants",
      "create",
      "Acme Corp",
      "--blueprint",
      blueprintFile,
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("active");
    expect(json.slug).toBe("acme-corp");
    // Progress lines on stderr: `[ 0.3s] active`, one per change.
    expect(stderr).toMatch(/^\[\s*\d+\.\ds\] \w+/m);
    expect(stderr).toMatch(/^\[\s*\d+\.\ds\] active\s*$/m);

    const { json: tenant } = await okJson<TenantJson>(["tenants", "get", "acme-corp"]);
    const outputs = tenant.resources?.[0]?.outputs ?? {};
    expect(typeof outputs["database"]).toBe("string");
    expect(typeof outputs["user"]).toBe("string");
    names = { database: outputs["database"] as string, user: outputs["user"] as string };
    created.push(names);
    expect(await exists("pg_database", names.database)).toBe(true);
    expect(await exists("pg_roles", names.user)).toBe(true);
  });

  it("lists the tenant and shows its status", async () => {
    const [{ json: list }, status] = await Promise.all([
      okJson<TenantJson[]>(["tenants", "list"]),
      ok(["tenants", "status", "acme-corp"]),
    ]);
    expect(list.map((t) => t.slug)).toContain("acme-corp");
    expect(status.stdout).toContain("active");
  });

  it("refuses a transition the lifecycle does not allow", async () => {
    const result = await cli(["tenants", "resume", "acme-corp"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("TRANSITION_NOT_ALLOWED");
  });

  it("suspends and resumes the tenant", async () => {
    const suspended = await ok(["tenants", "suspend", "acme-corp", "--wait", "--timeout", "20"]);
    expect(suspended.stdout).toContain("is suspended");
    expect(suspended.stderr).toMatch(/\] suspended\s*$/m);

    const { json } = await okJson<TenantJson>([
      "tenants",
      "resume",
      "acme-corp",
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("active");
  });

  it("deletes the tenant and its database and role", async () => {
    const { json } = await okJson<TenantJson>([
      "tenants",
      "delete",
      "acme-corp",
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("destroyed");
    expect(await exists("pg_database", names.database)).toBe(false);
    expect(await exists("pg_roles", names.user)).toBe(false);
  });

  it("reports validation and authentication errors with their codes", async () => {
    const [badSlug, wrongKey] = await Promise.all([
      cli(["tenants", "create", "Bad", "--blueprint", blueprintFile, "--slug", "Bad_Slug"]),
      cli(["tenants", "list"], { TENANTRY_API_KEY: "wrong" }),
    ]);
    expect(badSlug.code).toBe(1);
    expect(badSlug.stderr).toContain("VALIDATION_FAILED");
    expect(badSlug.stderr).toMatch(/^ {2}\/slug: /m);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("UNAUTHENTICATED");
  });
});
