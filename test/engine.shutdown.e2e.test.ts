import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, ENCRYPTION_KEY } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { killSupervisedProcesses } from "./support/stray-processes.js";

/**
 * Aborts are not failures: a real `tenantry serve` stopped with SIGTERM while a local
 * service's build (a driver call) is running hands the create back without spending one
 * of the tenant's attempts, and the next `tenantry serve` on the same database and data
 * directory finishes it. Before the fix the local driver's retryable "aborted" error was
 * taken for a transient failure: attempt + 1 and an `operation.retry_scheduled` event per
 * restart.
 *
 * The build waits on a gate file the test opens only for the last pass, so a shutdown
 * always lands in the middle of the build however slow the machine is, and no fixed
 * sleep is needed.
 */

const MAX_ATTEMPTS = 3;
const WAIT_MS = 30_000;
const READY_MS = 60_000;

let database: TestDatabase;
let root: string;
let dataDir: string;
let appDir: string;
let port: number;
/** Every `tenantry serve` started, to be stopped whatever happens. */
const servers = new Set<Serve>();

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello"));
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

// Records each start in $BUILD_GATE/started, then waits (at most 60 s, so a build left
// behind by a failed run ends by itself) until $BUILD_GATE/open exists.
const BUILD = `
echo start >> "$BUILD_GATE/started"
i=0
while [ ! -f "$BUILD_GATE/open" ] && [ "$i" -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo built
`;

function blueprint(gate: string): string {
  return `
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    buildCommand: sh build.sh
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: BUILD_GATE
        value: ${gate}
`;
}

interface Serve {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** The environment without Tenantry settings inherited from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TENANTRY_.*|PORT|HOST|DATABASE_URL|LOG_LEVEL)$/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const address = srv.address();
  const free = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return free;
}

/** Starts `tenantry serve` on this file's database and data directory; resolves once /ready. */
async function startServe(): Promise<Serve> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      ...cleanEnv(),
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      TENANTRY_DATA_DIR: dataDir,
      TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
      TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
      TENANTRY_LOCAL_POSTGRES_URL: database.adminUrl,
      // Clean shutdowns hand the operation back at once, whatever the lease: a longer one
      // than the other tests' 2 s only keeps a loaded machine from abandoning passes (and
      // its engine statements from timing out) on its own.
      TENANTRY_LEASE_SECONDS: "5",
      TENANTRY_POLL_INTERVAL_MS: "200",
      TENANTRY_RETRY_BASE_MS: "20",
      TENANTRY_RETRY_MAX_MS: "200",
      TENANTRY_RETRY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      TENANTRY_WORKER_CONCURRENCY: "2",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const capture = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on("data", capture);
  child.stderr?.on("data", capture);
  const serve: Serve = { child, url: `http://127.0.0.1:${port}`, output: () => output };
  servers.add(serve);
  await until(serve, "tenantry serve to be ready", READY_MS, async () => {
    const res = await fetch(`${serve.url}/ready`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? true : undefined;
  });
  return serve;
}

/** SIGTERM, then waits for the exit (SIGKILL after 30 s); returns the exit code. */
async function sigterm(serve: Serve): Promise<number | null> {
  const { child } = serve;
  if (child.exitCode !== null || child.signalCode !== null) {
    servers.delete(serve);
    return child.exitCode;
  }
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const [code, signal] = await exited;
  clearTimeout(timer);
  servers.delete(serve);
  if (code !== 0) {
    throw new Error(
      `tenantry serve exited with ${code ?? signal} on SIGTERM:\n${serve.output().slice(-4000)}`,
    );
  }
  return code;
}

/** Thrown by an {@link until} check to stop polling at once. */
class Fatal extends Error {}

/**
 * Polls `check` every 100 ms until it returns a value other than undefined. Fails at once
 * when the server exits or `check` throws {@link Fatal}, else after `timeoutMs` (other
 * errors, such as a refused connection, are polled past); the error shows the end of the
 * server's output.
 */
async function until<T>(
  serve: Serve,
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const fail = (why: string) =>
    new Error(`${what}: ${why}\n--- tenantry serve output ---\n${serve.output().slice(-4000)}`);
  let last: unknown;
  for (;;) {
    const { exitCode, signalCode } = serve.child;
    if (exitCode !== null || signalCode !== null) throw fail(`the server exited (${exitCode ?? signalCode})`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof Fatal) throw fail(err.message);
      last = err;
    }
    if (Date.now() > deadline)
      throw fail(`timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(serve: Serve, method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${serve.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return text === "" ? null : JSON.parse(text);
}

async function waitForTenant(serve: Serve, id: string, status: string): Promise<any> {
  return until(serve, `tenant ${id} to be ${status}`, WAIT_MS, async () => {
    const tenant = await api(serve, "GET", `/v1/tenants/${id}`);
    if (tenant.status === "failed" && status !== "failed") throw new Fatal(`failed: ${tenant.error_message}`);
    return tenant.status === status ? tenant : undefined;
  });
}

/** How many times the build started, from the lines the build script appends. */
async function buildStarts(gate: string): Promise<number> {
  const text = await readFile(path.join(gate, "started"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).length;
}

/**
 * Waits until the operation has a running `create` step for the web service (the API's
 * view) and the build has started for the `n`th time: the driver call is in flight.
 * Returns that step's seq.
 */
async function waitForBuild(serve: Serve, operationId: string, gate: string, n: number): Promise<number> {
  return until(serve, `build #${n} of operation ${operationId} to be running`, WAIT_MS, async () => {
    const op = await api(serve, "GET", `/v1/operations/${operationId}`);
    if (op.status !== "queued" && op.status !== "running") throw new Fatal(`the operation is ${op.status}`);
    const step = op.steps.find(
      (s: any) => s.status === "running" && s.action === "create" && String(s.resource).endsWith("web"),
    );
    if (!step || (await buildStarts(gate)) < n) return undefined;
    return step.seq as number;
  });
}

interface OperationRow {
  status: string;
  attempt: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  lost_claims: number;
  error_code: string | null;
}

/** The operation as the database has it, with its retry events and its tenant's status. */
async function readOperation(
  operationId: string,
): Promise<{ op: OperationRow; retries: string[]; tenantStatus: string }> {
  const { rows } = await database.db.query<OperationRow>(
    `select status, attempt, max_attempts, lease_owner, lease_expires_at, lost_claims, error_code
       from operations where id = $1`,
    [operationId],
  );
  const events = await database.db.query<{ message: string }>(
    "select message from events where operation_id = $1 and type = 'operation.retry_scheduled' order by id",
    [operationId],
  );
  const tenant = await database.db.query<{ status: string }>(
    "select t.status from tenants t join operations o on o.tenant_id = t.id where o.id = $1",
    [operationId],
  );
  return { op: rows[0]!, retries: events.rows.map((r) => r.message), tenantStatus: tenant.rows[0]!.status };
}

/** After a clean shutdown mid-build: handed back, still open, no attempt spent. */
async function expectHandedBack(operationId: string): Promise<void> {
  const { op, retries, tenantStatus } = await readOperation(operationId);
  expect(op).toMatchObject({
    attempt: 0,
    max_attempts: MAX_ATTEMPTS,
    lease_owner: null,
    lease_expires_at: null,
    lost_claims: 0,
    error_code: null,
  });
  expect(retries).toEqual([]);
  expect(["queued", "running"]).toContain(op.status);
  expect(tenantStatus).toBe("provisioning");
}

async function newGate(name: string): Promise<string> {
  const gate = path.join(root, `gate-${name.toLowerCase().replace(/\W+/g, "-")}`);
  await mkdir(gate);
  return gate;
}

const openGate = (gate: string) => writeFile(path.join(gate, "open"), "");

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(os.tmpdir(), "tenantry-shutdown-"));
  dataDir = path.join(root, "data");
  appDir = path.join(root, "app");
  await mkdir(appDir);
  await writeFile(path.join(appDir, "server.js"), SERVER);
  await writeFile(path.join(appDir, "build.sh"), BUILD);
  port = await freePort();
});

afterAll(async () => {
  for (const serve of [...servers]) {
    await sigterm(serve).catch(() => {});
  }
  if (dataDir) await killSupervisedProcesses(dataDir);
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

/**
 * Creates a tenant, stops the server with SIGTERM in the middle of its build `shutdowns`
 * times in a row (each time on a fresh `tenantry serve` on the same database and data
 * directory), checking after each that no attempt was spent; then lets the build finish
 * and checks the tenant becomes active with the operation's attempt still 0, and
 * destroys it.
 */
async function shutdownMidBuild(name: string, shutdowns: number): Promise<void> {
  const gate = await newGate(name);
  let serve = await startServe();
  const created = await api(serve, "POST", "/v1/tenants", { name, blueprint: { source: blueprint(gate) } });
  const tenantId: string = created.tenant.id;
  const operationId: string = created.operation.id;
  expect(created.operation).toMatchObject({ kind: "create", attempt: 0, max_attempts: MAX_ATTEMPTS });
  try {
    let lastSeq = -1;
    for (let n = 1; n <= shutdowns; n++) {
      const seq = await waitForBuild(serve, operationId, gate, n);
      // Each pass opens its own step: this is the pass started by this server.
      expect(seq).toBeGreaterThan(lastSeq);
      lastSeq = seq;
      expect(await sigterm(serve)).toBe(0);
      await expectHandedBack(operationId);
      serve = await startServe();
    }
    await openGate(gate);
    await waitForTenant(serve, tenantId, "active");
    const { op, retries } = await readOperation(operationId);
    expect(retries).toEqual([]);
    expect(op).toMatchObject({ status: "succeeded", attempt: 0, error_code: null });
    // The build was cut off every time and ran again to completion (more than once more
    // when, on a loaded machine, the lease keeper also abandoned a pass: an abort too).
    expect(await buildStarts(gate)).toBeGreaterThanOrEqual(shutdowns + 1);
    expect(await api(serve, "GET", `/v1/operations/${operationId}`)).toMatchObject({
      status: "succeeded",
      attempt: 0,
      error: null,
    });

    await api(serve, "DELETE", `/v1/tenants/${tenantId}`);
    await waitForTenant(serve, tenantId, "destroyed");
    expect(await sigterm(serve)).toBe(0);
  } finally {
    // A failed run: let a build still waiting go, try to destroy the tenant, stop the
    // server (afterAll kills whatever the tenant left running).
    await openGate(gate).catch(() => {});
    if (servers.has(serve)) {
      const deleted = await api(serve, "DELETE", `/v1/tenants/${tenantId}`).then(
        () => true,
        () => false,
      );
      if (deleted) await waitForTenant(serve, tenantId, "destroyed").catch(() => {});
      await sigterm(serve).catch(() => {});
    }
  }
}

describe("a clean shutdown in the middle of a driver call", () => {
  it("hands the create back without spending an attempt, and the next server finishes it", async () => {
    await shutdownMidBuild("Halt Once", 1);
  }, 120_000);

  it("spends no attempt either when two passes in a row are shut down", async () => {
    await shutdownMidBuild("Halt Twice", 2);
  }, 150_000);
});
