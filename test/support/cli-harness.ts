import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "./db.js";

/**
 * Harness for the CLI end-to-end tests: a `tenantry serve` child process on the test
 * file's own database (tenant databases go on the test PostgreSQL server), and one CLI
 * child process per command.
 */

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 60_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliServer {
  /** Base URL of the running server. */
  url: string;
  /** The admin API key the server accepts and the CLI sends. */
  apiKey: string;
  /** Connection string of the test server's `postgres` database. */
  adminUrl: string;
  testDb: TestDatabase;
  /** Scratch directory, removed by {@link CliServer.stop}; also the CLI's data directory. */
  tmpDir: string;
  /** Runs `tenantry <args>` as a child process against the server. */
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Like {@link CliServer.cli}, expecting exit code 0. */
  ok(args: string[]): Promise<CliResult>;
  /** Like {@link CliServer.ok} with `-o json`, parsing stdout. */
  okJson<T = Record<string, unknown>>(args: string[]): Promise<{ json: T; stderr: string }>;
  /** Records a tenant database and role, dropped by {@link CliServer.stop} if a test left them. */
  track(names: { database: string; user: string }): void;
  /** Stops the server, drops leftover tenant objects and the test database, removes tmpDir. */
  stop(): Promise<void>;
}

/** The environment without Tenantry settings inherited from the developer's shell. */
export function cleanEnv(): NodeJS.ProcessEnv {
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

/**
 * Creates a test database and a scratch directory (named with `tmpPrefix`), starts
 * `tenantry serve` on a free port and waits until it answers /ready. On failure it
 * cleans up what it started before rethrowing.
 */
export async function startCliServer(options: { tmpPrefix: string }): Promise<CliServer> {
  const apiKey = `tnt_test_${randomBytes(24).toString("base64url")}`;
  const created: { database: string; user: string }[] = [];
  let testDb: TestDatabase | undefined;
  let tmpDir: string | undefined;
  let server: ChildProcess | undefined;
  let serverOutput = "";
  let url = "";

  async function stopServer(): Promise<void> {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  async function stop(): Promise<void> {
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
        const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${serverOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  try {
    testDb = await createTestDatabase();
    tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), options.tmpPrefix));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
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
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }

  const cliDataDir = tmpDir;

  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: projectRoot,
      env: {
        ...cleanEnv(),
        TENANTRY_URL: url,
        TENANTRY_API_KEY: apiKey,
        TENANTRY_DATA_DIR: cliDataDir,
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

  return {
    url,
    apiKey,
    adminUrl: testDb.adminUrl,
    testDb,
    tmpDir: cliDataDir,
    cli,
    ok,
    okJson,
    track: (names) => {
      created.push(names);
    },
    stop,
  };
}

/**
 * Registers the calling file's `beforeAll` (start the server, then `setup`, e.g. to write
 * files into tmpDir) and `afterAll` (stop it) hooks; returns the server once started.
 */
export function useCliServer(options: {
  tmpPrefix: string;
  setup?: (server: CliServer) => Promise<void>;
}): () => CliServer {
  let server: CliServer | undefined;
  // Every command is a child process (tsx loading the CLI, seconds on a loaded machine),
  // and a test runs several in a row: the file's tests get 2 minutes, not the default 30 s.
  vi.setConfig({ testTimeout: 120_000 });
  beforeAll(async () => {
    server = await startCliServer({ tmpPrefix: options.tmpPrefix });
    await options.setup?.(server);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);
  return () => {
    if (!server) throw new Error("the CLI server is started in beforeAll");
    return server;
  };
}
