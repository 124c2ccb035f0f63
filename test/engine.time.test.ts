import type pg from "pg";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../src/domain/types.js";
import { clampWait, MAX_WAIT_DELAY_MS, MIN_WAIT_MS } from "../src/engine/reconciler.js";
import { Worker, type WorkerOptions } from "../src/engine/worker.js";
import type { SecretBox } from "../src/lib/crypto.js";
import {
  ABSENT,
  type ActionResult,
  type DriverLimits,
  type Observation,
  type Observed,
  type Provider,
  ProviderError,
  ProviderRegistry,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import { createDb, type Db } from "../src/store/db.js";
import { claimOperations } from "../src/store/sql/operations.js";
import {
  insertResource,
  listResources,
  mergeResourceOutputs,
  recordActionResult,
} from "../src/store/sql/resources.js";
import { TenantStatusChangedError, updateTenantStatus } from "../src/store/sql/tenants.js";
import type { TestDatabase } from "./support/db.js";
import { createEngineDatabase, type EngineDatabase } from "./support/engine-fixture.js";
import {
  createProbeProvider,
  GiveUp,
  type ProbeOptions,
  probeCalls,
  probeObjects,
  probeViolations,
  waitFor,
} from "./support/probe-provider.js";

/**
 * The engine's time rules (src/engine/README.md, "Time"): the lease deadline, the
 * engine's own connection for renewals, action timeouts, bounded waits, clamped delays,
 * aborts that spend no attempt, node placement, and writes outside the fence.
 */

const logger = pino({ level: "silent" });
const ONE_DB = "databases:\n  - name: main\n";
const LEASE_SECONDS = 2;

let engineDb: EngineDatabase | undefined;
let testDb: TestDatabase;
let secrets: SecretBox;
let principal: Principal;
const workers: Worker[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  engineDb = await createEngineDatabase("time");
  ({ testDb, secrets, principal } = engineDb);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  for (const close of closers.splice(0).reverse()) await close();
  await testDb.db.query(
    `update operations set status = 'canceled', lease_owner = null, lease_expires_at = null, finished_at = now()
     where status in ('queued', 'running')`,
  );
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await engineDb?.dispose();
});

function services(provider: Provider, maxAttempts = 5, nodeId?: string) {
  const providers = new ProviderRegistry().register(provider);
  return { providers, tenants: new TenantService({ providers, secrets, maxAttempts, nodeId }) };
}

function probe(options: Omit<ProbeOptions, "databaseUrl"> = {}) {
  const p = createProbeProvider({ databaseUrl: testDb.url, ...options });
  closers.push(() => p.close());
  return p;
}

async function startWorker(
  providers: ProviderRegistry,
  options: Partial<WorkerOptions> = {},
  db: Db = testDb.db,
): Promise<Worker> {
  const worker = new Worker(
    { db, providers, secrets, logger },
    {
      concurrency: 4,
      leaseSeconds: LEASE_SECONDS,
      pollIntervalMs: 100,
      retry: { baseMs: 10, maxMs: 40, maxAttempts: 5 },
      databaseUrl: testDb.url,
      ...options,
    },
  );
  workers.push(worker);
  await worker.start();
  return worker;
}

async function createTenant(tenants: TenantService, slug: string, target: string, source = ONE_DB) {
  return testDb.db.tx((q) =>
    tenants.create(q, principal, { name: slug, slug, blueprint: { source }, target }),
  );
}

interface Row {
  status: string;
  error_message: string | null;
}

async function waitForStatus(id: string, status: string, timeoutMs = 15_000): Promise<Row> {
  return waitFor(
    `tenant ${id} to be ${status}`,
    async () => {
      const { rows } = await testDb.db.query<Row>("select status, error_message from tenants where id = $1", [
        id,
      ]);
      const row = rows[0]!;
      if (row.status === "failed" && status !== "failed") throw new GiveUp(`failed: ${row.error_message}`);
      return row.status === status ? row : undefined;
    },
    { timeoutMs },
  );
}

async function operation(id: string) {
  const { rows } = await testDb.db.query<{
    status: string;
    attempt: number;
    lease_epoch: number;
    lease_owner: string | null;
    lease_expires_at: Date | null;
    run_at: Date;
    error_code: string | null;
    error_message: string | null;
  }>("select * from operations where id = $1", [id]);
  return rows[0]!;
}

/** An in-memory platform whose driver answers what the test says, for waits and repairs. */
function memoryProvider(
  name: string,
  behaviour: {
    create?: () => Promise<ActionResult>;
    observe?: () => Promise<Observation>;
    limits?: DriverLimits;
  },
): Provider & { calls: string[]; observedByApply: Observed[] } {
  const calls: string[] = [];
  const observedByApply: Observed[] = [];
  const driver: ResourceDriver = {
    async observe() {
      calls.push("observe");
      return behaviour.observe ? behaviour.observe() : ABSENT;
    },
    // apply is booked as what it means: an adoption (given what was observed), a create
    // (nothing known yet) or an update (of the recorded object).
    async apply(_ctx, r, observed) {
      if (observed) {
        calls.push("adopt");
        observedByApply.push(observed);
        return { state: "done", providerId: observed.providerId };
      }
      if (r.providerId === null) {
        calls.push("create");
        return behaviour.create ? behaviour.create() : { state: "done", providerId: "mem-1" };
      }
      calls.push("update");
      return { state: "done" };
    },
    async delete() {
      calls.push("delete");
      return { state: "done" };
    },
  };
  return {
    name,
    drivers: { postgres: driver },
    calls,
    observedByApply,
    ...(behaviour.limits ? { limits: behaviour.limits } : {}),
  };
}

describe("the lease deadline", () => {
  it("ends a provider call before the lease runs out when renewals hang, and nothing is created twice", async () => {
    // The first create is slow (4 leases) and stops when aborted; later ones are quick.
    let creates = 0;
    const p = probe({
      worker: "A",
      delay: (call) => (call.action === "create" && ++creates === 1 ? 4 * LEASE_SECONDS * 1000 : undefined),
    });
    await p.ready();
    const { providers, tenants } = services(p);
    await startWorker(providers);
    const { tenant, operation: op } = await createTenant(tenants, "slow-renewals", "probe");
    await waitFor("the slow create to start", async () =>
      (await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" })).length > 0 ? true : undefined,
    );

    // Renewals now hang: another session holds the operation's row lock (as a saturated
    // or stalled database would make them wait), for longer than the lease.
    const blocker = await testDb.db.pool.connect();
    let expiresAt: Date;
    try {
      await blocker.query("begin");
      const { rows } = await blocker.query<{ lease_expires_at: Date }>(
        "select lease_expires_at from operations where id = $1 for update",
        [op.id],
      );
      expiresAt = rows[0]!.lease_expires_at;
      await waitFor(
        "the slow create to end",
        async () => {
          const [call] = await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" });
          return call?.endedAt ?? undefined;
        },
        { timeoutMs: 3 * LEASE_SECONDS * 1000 },
      );
    } finally {
      await blocker.query("commit").catch(() => {});
      blocker.release();
    }
    const [first] = await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" });
    // No provider call after the lease deadline.
    expect(first!.endedAt!.getTime()).toBeLessThan(expiresAt.getTime());
    expect(first!.outcome).toMatch(/^error/);

    await waitForStatus(tenant.id, "active");
    const objects = await probeObjects(testDb.db, [tenant.id]);
    expect(objects.map((o) => o.createdCount)).toEqual([1]);
    expect(await probeViolations(testDb.db, [tenant.id])).toEqual([]);
    // The abandoned pass spent no attempt.
    expect((await operation(op.id)).attempt).toBe(0);
  });

  it("keeps renewing on its own connection while the engine's pool is saturated, so no one else takes over", async () => {
    const p = probe({
      worker: "A",
      delay: (call) => (call.action === "create" ? 3 * LEASE_SECONDS * 1000 : undefined),
    });
    await p.ready();
    const other = probe({ worker: "B" });
    await other.ready();
    const { providers, tenants } = services(p);
    const pool = createDb(testDb.url, { max: 2 });
    closers.push(() => pool.close());
    await startWorker(providers, {}, pool);
    const { tenant, operation: op } = await createTenant(tenants, "saturated", "probe");
    await waitFor("the create to start", async () =>
      (await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" })).length > 0 ? true : undefined,
    );
    // Every connection of worker A's pool is taken while its create runs.
    const held: pg.PoolClient[] = [await pool.pool.connect(), await pool.pool.connect()];
    // Worker B, on another pool, is ready to take over any lease that expires.
    await startWorker(services(other).providers, { id: "worker-b" });
    await new Promise((r) => setTimeout(r, 2.5 * LEASE_SECONDS * 1000));
    const during = await operation(op.id);
    for (const c of held) c.release();

    expect(during.lease_epoch).toBe(1);
    expect(during.lease_expires_at!.getTime()).toBeGreaterThan(Date.now() - 1000);
    await waitForStatus(tenant.id, "active");
    expect((await probeCalls(testDb.db, { tenantId: tenant.id, worker: "B" })).length).toBe(0);
    expect((await probeObjects(testDb.db, [tenant.id])).map((o) => o.createdCount)).toEqual([1]);
    expect((await operation(op.id)).lease_epoch).toBe(1);
  });
});

describe("action timeouts and bounded waits", () => {
  it("times out a hanging provider call, frees its worker slot, and retries it", async () => {
    let creates = 0;
    const p = probe({
      limits: { actionTimeoutMs: 400 },
      // The first create of tenant `hangs` never returns, whatever the signal says.
      delay: (call) =>
        call.action === "create" && call.tenantSlug === "hangs" && ++creates === 1
          ? Number.POSITIVE_INFINITY
          : undefined,
    });
    await p.ready();
    const { providers, tenants } = services(p);
    await startWorker(providers, { concurrency: 1 });
    const hangs = await createTenant(tenants, "hangs", "probe");
    const next = await createTenant(tenants, "next", "probe");
    await waitForStatus(next.tenant.id, "active");
    await waitForStatus(hangs.tenant.id, "active");
    expect((await operation(hangs.operation.id)).attempt).toBe(1);
    const { rows } = await testDb.db.query<{ message: string; data: { code: string } }>(
      "select message, data from events where tenant_id = $1 and type = 'operation.retry_scheduled'",
      [hangs.tenant.id],
    );
    expect(rows.map((r) => r.data.code)).toEqual(["ACTION_TIMEOUT"]);
    expect(rows[0]!.message).toMatch(/create database:main did not finish within 400 ms/);
  });

  it("fails a resource that stays pending longer than its kind's maximum wait, saying what it waited for", async () => {
    const mem = memoryProvider("mem-wait", {
      limits: { maxWaitMs: 600 },
      create: async () => ({ state: "pending", retryAfterMs: 100, detail: "the database is starting" }),
      observe: async () => ({
        providerId: "mem-1",
        state: "converging",
        retryAfterMs: 100,
        detail: "starting",
      }),
    });
    const { providers, tenants } = services(mem);
    await startWorker(providers);
    const { tenant, operation: op } = await createTenant(tenants, "never-ready", "mem-wait");
    const row = await waitForStatus(tenant.id, "failed");
    expect(row.error_message).toMatch(
      /database:main .* waited [\d.]+ (ms|s) for starting, longer than the 600 ms/,
    );
    expect((await operation(op.id)).error_code).toBe("WAIT_TIMEOUT");
  });

  it("starts a create with a provider whose request timeout is longer than the lease", async () => {
    const mem = { ...memoryProvider("mem-slow-requests", {}), requestTimeoutMs: 60_000 };
    const { providers, tenants } = services(mem);
    await startWorker(providers);
    const { tenant, operation: op } = await createTenant(tenants, "long-requests", "mem-slow-requests");
    await waitForStatus(tenant.id, "active");
    expect(mem.calls).toEqual(["create"]);
    expect((await operation(op.id)).attempt).toBe(0);
  });

  it("keeps a driver's retryAfterMs within bounds", async () => {
    expect(clampWait(10 * 3_600_000)).toBe(MAX_WAIT_DELAY_MS);
    expect(clampWait(0)).toBe(MIN_WAIT_MS);
    expect(clampWait(-5)).toBe(MIN_WAIT_MS);
    expect(clampWait(Number.NaN)).toBe(1000);
    expect(clampWait(250)).toBe(250);

    const mem = memoryProvider("mem-far", {
      create: async () => ({ state: "pending", retryAfterMs: 10 * 3_600_000, detail: "far away" }),
    });
    const { providers, tenants } = services(mem);
    await startWorker(providers);
    const { operation: op } = await createTenant(tenants, "far", "mem-far");
    const requeued = await waitFor("the wait to be recorded", async () => {
      const row = await operation(op.id);
      return row.lease_owner === null && row.run_at.getTime() > Date.now() ? row : undefined;
    });
    expect(requeued.run_at.getTime() - Date.now()).toBeLessThanOrEqual(MAX_WAIT_DELAY_MS + 1000);
  });

  it("repairs an object that exists but has diverged instead of waiting for it forever", async () => {
    let observed = 0;
    const mem = memoryProvider("mem-partial", {
      observe: async () => {
        observed++;
        return { providerId: "mem-1", state: "diverged", detail: "the role exists, the database does not" };
      },
    });
    const { providers, tenants } = services(mem);
    const { tenant } = await createTenant(tenants, "partial", "mem-partial");
    // A create whose outcome was never recorded, as a crash leaves it.
    await testDb.db.query(
      `insert into resources (id, tenant_id, key, kind, provider, external_name, status, spec, spec_hash)
       values (gen_random_uuid(), $1, 'database:main', 'postgres', 'mem-partial', 'main-partial', 'creating', '{}', 'x')`,
      [tenant.id],
    );
    await startWorker(providers);
    await waitForStatus(tenant.id, "active");
    expect(observed).toBe(1);
    // One apply, given the diverged object it must complete (before the contract's
    // `apply`, a create called again).
    expect(mem.calls).toEqual(["observe", "adopt"]);
    expect(mem.observedByApply).toEqual([
      { providerId: "mem-1", state: "diverged", detail: "the role exists, the database does not" },
    ]);
  });
});

describe("aborts", () => {
  it("a shutdown in the middle of a call spends no attempt, even when the driver throws a retryable error", async () => {
    let creates = 0;
    const p = probe({
      delay: (call) => (call.action === "create" && ++creates === 1 ? 60_000 : undefined),
    });
    await p.ready();
    const { providers, tenants } = services(p);
    const worker = await startWorker(providers);
    const { tenant, operation: op } = await createTenant(tenants, "shutdown", "probe");
    await waitFor("the create to start", async () =>
      (await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" })).length > 0 ? true : undefined,
    );
    await worker.stop();
    const stopped = await operation(op.id);
    expect(stopped.attempt).toBe(0);
    expect(stopped.lease_owner).toBeNull();
    expect(stopped.status).toBe("running");

    await startWorker(providers);
    await waitForStatus(tenant.id, "active");
    expect((await operation(op.id)).attempt).toBe(0);
  });

  it("a driver that turns the abort into a retryable error of its own spends no attempt either", async () => {
    let started: () => void = () => {};
    const callStarted = new Promise<void>((r) => {
      started = r;
    });
    let creates = 0;
    const mem = memoryProvider("mem-abort", {
      create: () =>
        ++creates === 1
          ? new Promise<ActionResult>((_, reject) => {
              started();
              // Ignores the engine's signal, then fails in its own words once it is stopped.
              setTimeout(
                () => reject(new ProviderError("connection closed", { retryable: true })),
                LEASE_SECONDS * 1000,
              );
            })
          : Promise.resolve({ state: "done", providerId: "mem-1" }),
    });
    const { providers, tenants } = services(mem);
    const worker = await startWorker(providers);
    const { tenant, operation: op } = await createTenant(tenants, "own-error", "mem-abort");
    await callStarted;
    await worker.stop();
    expect((await operation(op.id)).attempt).toBe(0);
    await startWorker(providers);
    await waitForStatus(tenant.id, "active");
    expect((await operation(op.id)).attempt).toBe(0);
  });
});

describe("placement", () => {
  it("an operation of a node-bound target is claimed only by workers of its node", async () => {
    const p = probe({ nodeBound: true });
    await p.ready();
    const { providers, tenants } = services(p, 5, "node-a");
    const { tenant, operation: op } = await createTenant(tenants, "placed", "probe");
    const { rows } = await testDb.db.query<{ node_id: string }>(
      "select node_id from operations where id = $1",
      [op.id],
    );
    expect(rows[0]!.node_id).toBe("node-a");
    // A worker of another node (or of none) finds nothing to claim.
    expect(await claimOperations(testDb.db, "elsewhere", 10, LEASE_SECONDS, "node-b")).toEqual([]);
    expect(await claimOperations(testDb.db, "nowhere", 10, LEASE_SECONDS, null)).toEqual([]);
    await startWorker(providers, { nodeId: "node-b", id: "worker-node-b" });
    await startWorker(providers, { nodeId: "node-a", id: "worker-node-a" });
    await waitForStatus(tenant.id, "active");
    const { rows: owners } = await testDb.db.query<{ worker: string }>(
      "select distinct worker from probe.probe_calls where tenant_id = $1",
      [tenant.id],
    );
    expect(owners.length).toBe(1);
    expect((await operation(op.id)).lease_epoch).toBe(1);
  });
});

describe("ownership", () => {
  it("a deleted resource forgets its provider id, so nothing made under its name later is ours by record", async () => {
    const mem = memoryProvider("mem-delete", {});
    const { providers, tenants } = services(mem);
    await startWorker(providers);
    const { tenant } = await createTenant(tenants, "forget", "mem-delete");
    await waitForStatus(tenant.id, "active");
    expect((await listResources(testDb.db, tenant.id)).map((r) => r.providerId)).toEqual(["mem-1"]);
    await testDb.db.tx((q) => tenants.request(q, principal, tenant.id, "destroy"));
    await waitForStatus(tenant.id, "destroyed");
    const [row] = await listResources(testDb.db, tenant.id);
    expect(row).toMatchObject({ status: "deleted", providerId: null });
  });
});

describe("writes outside the fence", () => {
  it("a cron job's outputs recorded while a pass replaces the resource's outputs are not lost", async () => {
    const mem = memoryProvider("mem-cron", {});
    const { tenants } = services(mem);
    const { tenant } = await createTenant(tenants, "cron-race", "mem-cron");
    const row = await insertResource(testDb.db, {
      tenantId: tenant.id,
      key: "service:job",
      kind: "cron",
      provider: "mem-cron",
      externalName: "job-cron-race",
      spec: {},
      specHash: "x",
      dependsOn: [],
      status: "updating",
    });
    // A pass loaded the row; a run finishes and is recorded; then the pass records its result.
    await mergeResourceOutputs(testDb.db, tenant.id, "service:job", { lastExitCode: 0, runs: 7 });
    const step = await testDb.db.query<{ id: string }>(
      `insert into operation_steps (id, operation_id, seq, name, resource_key, action, status)
       select gen_random_uuid(), id, 1, 'update service:job', 'service:job', 'update', 'running'
       from operations where tenant_id = $1 returning id`,
      [tenant.id],
    );
    await recordActionResult(testDb.db, {
      resourceId: row.id,
      change: { status: "ready", outputs: { ...row.outputs, schedule: "*/5 * * * *" } },
      stepId: step.rows[0]!.id,
      detail: null,
      event: {
        organizationId: tenant.organizationId,
        tenantId: tenant.id,
        operationId: (await testDb.db.query("select id from operations where tenant_id = $1", [tenant.id]))
          .rows[0].id,
        type: "resource.ready",
        message: "ready",
        data: { resource: row.key, action: "update", providerId: row.providerId },
      },
    });
    const [after] = await listResources(testDb.db, tenant.id);
    expect(after!.outputs).toEqual({ schedule: "*/5 * * * *", lastExitCode: 0, runs: 7 });
  });

  it("a status change outside an operation is compare-and-set", async () => {
    const mem = memoryProvider("mem-cas", {});
    const { tenants } = services(mem);
    const { tenant } = await createTenant(tenants, "cas", "mem-cas");
    await expect(
      updateTenantStatus(testDb.db, tenant.id, { status: "degraded", from: "active", errorMessage: "x" }),
    ).rejects.toBeInstanceOf(TenantStatusChangedError);
    const { rows } = await testDb.db.query<Row>("select status, error_message from tenants where id = $1", [
      tenant.id,
    ]);
    expect(rows[0]).toEqual({ status: "queued", error_message: null });
  });
});
