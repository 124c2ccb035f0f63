import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadMigrations } from "../src/store/migrations.js";

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const srv = net.createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Runs `tenantry <args>` from the sources; resolves with the exit code and output. */
async function tenantry(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      env: { ...process.env, LOG_LEVEL: "info", ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * Starts `tenantry <args>` from the sources (JSON logs at info) and waits, at most 60 s,
 * until its stdout says `line`; `stop` sends SIGTERM (if it still runs) and gives the exit code.
 */
async function startUntil(args: string[], line: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return (await exited)[0];
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${line}" within 60 s:\n${stdout}\n${stderr}`)),
        60_000,
      );
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes(line)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) =>
        reject(new Error(`tenantry ${args.join(" ")} exited with ${code}:\n${stdout}\n${stderr}`)),
      );
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { stdout: () => stdout, stderr: () => stderr, stop };
}

describe("tenantry migrate / serve start-up", () => {
  const name = `tenantry_migrate_${inject("runId")}`;
  let url: string;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject("adminUrl") });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(inject("adminUrl"));
    u.pathname = `/${name}`;
    url = u.toString();
  });
  afterAll(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("applies the migrations to an empty database, and is a no-op the second time", async () => {
    const first = await tenantry(["migrate"], { DATABASE_URL: url });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("applied migrations");
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query("select version from schema_migrations order by version");
      const files = (await loadMigrations()).map((m) => m.version);
      expect(files.length).toBeGreaterThanOrEqual(2);
      expect(rows.map((r) => r.version)).toEqual(files);
      const tables = await db.query(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          "tenants",
          "operations",
          "operation_steps",
          "resources",
          "events",
          "api_keys",
        ]),
      );
    } finally {
      await db.end();
    }
    const second = await tenantry(["migrate"], { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("migrations are current");
  });

  it("stops start-up on a bad setting, naming the variable, before touching anything", async () => {
    const res = await tenantry(["serve"], { DATABASE_URL: url, TENANTRY_LEASE_SECONDS: "soon" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("invalid configuration: TENANTRY_LEASE_SECONDS: expected a whole number");
  });

  it("logs one JSON object per line with the level's name when stdout is not a terminal (tenantry serve)", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-serve-log-"));
    const serve = await startUntil(["serve"], "Tenantry is listening", {
      DATABASE_URL: url,
      PORT: "0",
      HOST: "127.0.0.1",
      TENANTRY_DATA_DIR: dataDir,
      TENANTRY_WORKER_CONCURRENCY: "0",
    });
    try {
      await serve.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    const lines = serve.stdout().trimEnd().split("\n");
    const records = lines.map((l) => JSON.parse(l) as { level: unknown; msg: string });
    expect(
      records.every((r) => typeof r.level === "string"),
      serve.stdout(),
    ).toBe(true);
    expect(records.find((r) => r.msg.startsWith("Tenantry is listening"))?.level).toBe("info");
    expect(records.find((r) => r.msg === "shutting down")?.level).toBe("info");
  });

  it("serves /metrics, /health and /ready from a worker process, on TENANTRY_WORKER_METRICS_PORT", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-worker-"));
    // Its own database: the one above holds values sealed with the serve test's key.
    await admin.query(`create database ${name}_worker`);
    const workerDb = new URL(url);
    workerDb.pathname = `/${name}_worker`;
    try {
      const worker = await startUntil(["worker"], "worker running", {
        DATABASE_URL: workerDb.toString(),
        HOST: "127.0.0.1",
        TENANTRY_DATA_DIR: dataDir,
        TENANTRY_WORKER_CONCURRENCY: "1",
        TENANTRY_WORKER_METRICS_PORT: String(port),
      });
      try {
        const running = worker
          .stdout()
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l) as { msg: string; metrics?: string })
          .find((r) => r.msg === "worker running");
        expect(running?.metrics).toBe(`http://127.0.0.1:${port}/metrics`);
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
        const text = await metrics.text();
        // The process's own metrics, the engine's counters (this process has the workers) and the database's gauges.
        expect(text).toContain("process_cpu_user_seconds_total");
        expect(text).toContain("tenantry_lease_takeovers_total");
        expect(text).toContain("tenantry_queue_ready_operations");
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
        expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toMatchObject({ status: "ok" });
        // Not the API.
        expect((await fetch(`http://127.0.0.1:${port}/v1/tenants`)).status).toBe(404);
      } finally {
        expect(await worker.stop(), worker.stderr()).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await admin.query(`drop database if exists ${name}_worker with (force)`);
    }
  });

  it("refuses a worker process with no workers", async () => {
    const res = await tenantry(["worker"], { DATABASE_URL: url, TENANTRY_WORKER_CONCURRENCY: "0" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("TENANTRY_WORKER_CONCURRENCY is 0");
  });
});
