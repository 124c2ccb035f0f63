import { randomBytes } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../src/domain/types.js";
import { backoffDelay, type RetryPolicy } from "../src/engine/backoff.js";
import { fenced } from "../src/engine/reconciler.js";
import { Worker, type WorkerOptions } from "../src/engine/worker.js";
import type { SecretBox } from "../src/lib/crypto.js";
import { ProviderError, ProviderRegistry } from "../src/providers/provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import type { Db } from "../src/store/db.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import {
  claimOperations,
  finishOperation,
  insertOperation,
  type Lease,
  LeaseLostError,
  lockWorker,
  renewLease,
} from "../src/store/sql/operations.js";
import type { TestDatabase } from "./support/db.js";
import { createEngineDatabase, type EngineDatabase } from "./support/engine-fixture.js";
import {
  createProbeProvider,
  GiveUp,
  type ProbeOptions,
  type ProbeProvider,
  probeCalls,
  probeObjects,
  probeViolations,
  waitFor,
} from "./support/probe-provider.js";

/** Leases, fencing, retries and wake-ups of the engine, in one process. */

const logger = pino({ level: "silent" });
const ONE_DB = "databases:\n  - name: main\n";
const TWO_DBS = "databases:\n  - name: a\n  - name: b\n";

let engineDb: EngineDatabase | undefined;
let testDb: TestDatabase;
let secrets: SecretBox;
let principal: Principal;
const workers: Worker[] = [];
const probes: ProbeProvider[] = [];

beforeAll(async () => {
  engineDb = await createEngineDatabase("leases");
  ({ testDb, secrets, principal } = engineDb);
});

/** Sessions holding a worker lock for a claim made by hand (an owner that is alive). */
const sessions: pg.Client[] = [];

/** Makes `owner` a live worker as far as claims can tell: it holds the worker lock. */
async function liveOwner(...owners: string[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDb.url });
  client.on("error", () => {});
  await client.connect();
  sessions.push(client);
  for (const owner of owners) expect(await lockWorker(client, owner)).toBe(true);
  return client;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((c) => c.end().catch(() => {})));
  // No worker outlives its test, and no test leaves work for the next one's workers.
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(probes.splice(0).map((p) => p.close()));
  await testDb.db.query(
    `update operations set status = 'canceled', lease_owner = null, lease_expires_at = null, finished_at = now()
     where status in ('queued', 'running')`,
  );
});

afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await engineDb?.dispose();
});

function setup(options: Omit<ProbeOptions, "databaseUrl"> = {}, maxAttempts = 5) {
  const probe = createProbeProvider({ databaseUrl: testDb.url, ...options });
  probes.push(probe);
  const providers = new ProviderRegistry().register(probe);
  const tenants = new TenantService({ providers, secrets, maxAttempts });
  return { probe, providers, tenants };
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
      leaseSeconds: 2,
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

async function createTenant(tenants: TenantService, slug: string, source = ONE_DB, who = principal) {
  return testDb.db.tx((q) =>
    tenants.create(q, who, { name: slug, slug, blueprint: { source }, target: "probe" }),
  );
}

interface TenantRow {
  status: string;
  error_message: string | null;
  failed_operation_id: string | null;
  name: string;
}

async function tenantRow(id: string): Promise<TenantRow> {
  const { rows } = await testDb.db.query<TenantRow>(
    "select status, error_message, failed_operation_id, name from tenants where id = $1",
    [id],
  );
  return rows[0]!;
}

async function waitForStatus(id: string, status: string, timeoutMs = 10_000): Promise<TenantRow> {
  return waitFor(
    `tenant ${id} to be ${status}`,
    async () => {
      const row = await tenantRow(id);
      if (row.status === "failed" && status !== "failed") throw new GiveUp(`failed: ${row.error_message}`);
      return row.status === status ? row : undefined;
    },
    { timeoutMs },
  );
}

interface OpRow {
  id: string;
  kind: string;
  status: string;
  attempt: number;
  lease_epoch: number;
  lease_owner: string | null;
  error_code: string | null;
  error_message: string | null;
  retry_of: string | null;
}

async function operationRow(id: string): Promise<OpRow> {
  const { rows } = await testDb.db.query<OpRow>("select * from operations where id = $1", [id]);
  return rows[0]!;
}

async function eventTypes(tenantId: string): Promise<string[]> {
  const { rows } = await testDb.db.query<{ type: string }>(
    "select type from events where tenant_id = $1 order by id",
    [tenantId],
  );
  return rows.map((r) => r.type);
}

async function openOperations(): Promise<number> {
  const { rows } = await testDb.db.query<{ n: number }>(
    "select count(*)::int as n from operations where status in ('queued', 'running')",
  );
  return rows[0]!.n;
}

const rename = (name: string, tenantId: string) => (q: Pick<pg.PoolClient, "query">) =>
  q.query("update tenants set name = $1 where id = $2", [name, tenantId]);

describe("leases and fencing", () => {
  it("a write under a lease that expired, or was taken over, is refused and changes nothing", async () => {
    const { tenants } = setup();
    const { tenant, operation } = await createTenant(tenants, "fence");
    expect(await openOperations()).toBe(1);
    await liveOwner("owner-x", "owner-y", "owner-z");

    const [claimed] = await claimOperations(testDb.db, "owner-x", 1, 1);
    expect(claimed).toMatchObject({
      id: operation.id,
      leaseOwner: "owner-x",
      leaseEpoch: 1,
      status: "running",
      previousOwner: null,
    });
    const leaseX: Lease = { operationId: operation.id, owner: "owner-x", epoch: 1 };
    await fenced(testDb.db, leaseX, rename("by x", tenant.id));
    expect((await tenantRow(tenant.id)).name).toBe("by x");

    // While X holds the lease, nobody else can claim the operation.
    expect(await claimOperations(testDb.db, "owner-y", 1, 30)).toEqual([]);

    // The lease (1 s) runs out; nobody has claimed the operation yet.
    await waitFor(
      "X's lease to expire",
      async () => {
        const { rows } = await testDb.db.query<{ expired: boolean }>(
          "select lease_expires_at < clock_timestamp() as expired from operations where id = $1",
          [operation.id],
        );
        return rows[0]!.expired;
      },
      { timeoutMs: 5_000 },
    );
    await expect(fenced(testDb.db, leaseX, rename("x after expiry", tenant.id))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await renewLease(testDb.db, leaseX, 30)).toBe(false);
    expect((await tenantRow(tenant.id)).name).toBe("by x");

    // Y claims it: the epoch goes up, and X is fenced off for good.
    const [reclaimed] = await claimOperations(testDb.db, "owner-y", 1, 30);
    // A takeover: the claim says whose lease it took (tenantry_lease_takeovers_total).
    expect(reclaimed).toMatchObject({
      id: operation.id,
      leaseOwner: "owner-y",
      leaseEpoch: 2,
      previousOwner: "owner-x",
    });
    const leaseY: Lease = { operationId: operation.id, owner: "owner-y", epoch: 2 };
    await expect(fenced(testDb.db, leaseX, rename("x after takeover", tenant.id))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    // Same owner name with the old epoch (a restarted worker reusing its id) is fenced off too.
    await expect(
      fenced(testDb.db, { ...leaseY, epoch: 1 }, rename("stale epoch", tenant.id)),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect((await tenantRow(tenant.id)).name).toBe("by x");
    await fenced(testDb.db, leaseY, rename("by y", tenant.id));
    expect((await tenantRow(tenant.id)).name).toBe("by y");

    // A fenced transaction that fails part-way leaves nothing behind.
    await expect(
      fenced(testDb.db, leaseY, async (q) => {
        await rename("half-done", tenant.id)(q);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await tenantRow(tenant.id)).name).toBe("by y");

    // A lease set to the past (clock jump, long pause) is as good as lost, and reclaimable.
    await testDb.db.query(
      "update operations set lease_expires_at = clock_timestamp() - interval '1 second' where id = $1",
      [operation.id],
    );
    await expect(fenced(testDb.db, leaseY, rename("y after expiry", tenant.id))).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    const [third] = await claimOperations(testDb.db, "owner-z", 1, 30);
    expect(third).toMatchObject({ leaseOwner: "owner-z", leaseEpoch: 3, previousOwner: "owner-y" });
    expect((await tenantRow(tenant.id)).name).toBe("by y");
  });

  it("a lease whose owner died (its worker lock is gone) is claimable at once; a live owner's is not", async () => {
    const { tenants } = setup();
    const { operation } = await createTenant(tenants, "dead-owner");
    const session = await liveOwner("owner-d");
    const [claimed] = await claimOperations(testDb.db, "owner-d", 1, 60);
    expect(claimed?.leaseOwner).toBe("owner-d");
    await liveOwner("owner-e");
    // A 60 s lease of a live owner: nobody takes it.
    expect(await claimOperations(testDb.db, "owner-e", 1, 60)).toEqual([]);
    // The owner's session ends (its process was killed): the lease is free long before it expires.
    await session.end();
    await waitFor("the dead owner's lease to be taken over", async () => {
      const [taken] = await claimOperations(testDb.db, "owner-e", 1, 5);
      return taken;
    });
    const row = await operationRow(operation.id);
    expect(row).toMatchObject({ lease_owner: "owner-e", lease_epoch: 2 });
    // A death counts towards WORKER_DIED, unless the database itself restarted within the
    // claimer's lease (then every worker lost its session and none died).
    const { rows } = await testDb.db.query<{ lost_claims: number; up: boolean }>(
      `select lost_claims, pg_postmaster_start_time() < now() - interval '5 seconds' as up
       from operations where id = $1`,
      [operation.id],
    );
    expect(rows[0]!.lost_claims).toBe(rows[0]!.up ? 1 : 0);
  });

  it("renewing keeps a lease past its first expiry; a stale epoch or another owner cannot renew", async () => {
    const { tenants } = setup();
    const { tenant, operation } = await createTenant(tenants, "renew");
    await liveOwner("owner-r", "owner-s");
    const [claimed] = await claimOperations(testDb.db, "owner-r", 1, 1);
    expect(claimed?.leaseEpoch).toBe(1);
    const lease: Lease = { operationId: operation.id, owner: "owner-r", epoch: 1 };
    const firstExpiry = claimed!.leaseExpiresAt!.getTime();

    // Renew every 300 ms until well past the first expiry.
    await waitFor(
      "the clock to pass the first expiry while renewing",
      async () => {
        expect(await renewLease(testDb.db, lease, 1)).toBe(true);
        const { rows } = await testDb.db.query<{ now: Date }>("select clock_timestamp() as now");
        return rows[0]!.now.getTime() > firstExpiry + 500;
      },
      { timeoutMs: 5_000, intervalMs: 300 },
    );
    // Still held: writes go through, nobody else can claim it.
    await fenced(testDb.db, lease, rename("renewed", tenant.id));
    expect(await claimOperations(testDb.db, "owner-s", 1, 30)).toEqual([]);

    expect(await renewLease(testDb.db, { ...lease, epoch: 0 }, 1)).toBe(false);
    expect(await renewLease(testDb.db, { ...lease, epoch: 2 }, 1)).toBe(false);
    expect(await renewLease(testDb.db, { ...lease, owner: "owner-s" }, 1)).toBe(false);
    expect((await operationRow(operation.id)).lease_owner).toBe("owner-r");

    // Once it has expired, it cannot be renewed back to life.
    await waitFor("the lease to expire", async () => !(await renewLease(testDb.db, lease, 1)) || undefined, {
      timeoutMs: 5_000,
      intervalMs: 1_100,
    });
    expect(await renewLease(testDb.db, lease, 30)).toBe(false);
  });

  it("only one unfinished operation per tenant: a second one is refused by the unique index", async () => {
    const { tenants } = setup();
    const { tenant, operation } = await createTenant(tenants, "one-at-a-time");
    const second = {
      organizationId: tenant.organizationId,
      tenantId: tenant.id,
      kind: "update" as const,
      effectiveKind: "update" as const,
      generation: 2,
      maxAttempts: 3,
    };
    await expect(insertOperation(testDb.db, second)).rejects.toMatchObject({
      code: "23505",
      constraint: "operations_one_open_per_tenant",
    });
    // Also while the first one runs.
    await claimOperations(testDb.db, "owner-o", 1, 30);
    await expect(insertOperation(testDb.db, second)).rejects.toMatchObject({ code: "23505" });
    // Once it is finished, the next one may be queued.
    await finishOperation(testDb.db, operation.id, { status: "succeeded" });
    const next = await insertOperation(testDb.db, second);
    expect(next.status).toBe("queued");
  });
});

/** A small deterministic PRNG (mulberry32), so the property loop is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("backoff", () => {
  const policy: RetryPolicy = { baseMs: 100, maxMs: 30_000, maxAttempts: 10 };
  const ceiling = (attempt: number) => Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));

  it("stays within [0, min(max, base·2^(n-1))] and uses the whole window", () => {
    const random = seeded(20240611);
    for (let attempt = 1; attempt <= 40; attempt++) {
      const top = ceiling(attempt);
      let highest = 0;
      for (let i = 0; i < 500; i++) {
        const d = backoffDelay(policy, attempt, random);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(top);
        highest = Math.max(highest, d);
      }
      // Full jitter spreads over the window, not just its bottom.
      expect(highest).toBeGreaterThan(top * 0.9);
    }
    expect(ceiling(1)).toBe(100);
    expect(ceiling(3)).toBe(400);
    expect(ceiling(20)).toBe(30_000);
  });

  it("is full jitter: random 0 gives 0, random ~1 gives the ceiling", () => {
    for (const attempt of [1, 2, 5, 9, 10, 30, 1000]) {
      expect(backoffDelay(policy, attempt, () => 0)).toBe(0);
      const top = backoffDelay(policy, attempt, () => 1 - 1e-12);
      expect(top).toBeGreaterThanOrEqual(ceiling(attempt) - 1);
      expect(top).toBeLessThanOrEqual(ceiling(attempt));
      expect(backoffDelay(policy, attempt, () => 0.5)).toBe(Math.floor(ceiling(attempt) / 2));
    }
    // Attempt 0 or below is treated as the first.
    expect(backoffDelay(policy, 0, () => 1 - 1e-12)).toBeLessThanOrEqual(policy.baseMs);
  });
});

describe("failures and retries", () => {
  it("transient errors are retried with backoff until the create succeeds", async () => {
    let creates = 0;
    const { providers, tenants } = setup({
      failures: (call) =>
        call.action === "create" && ++creates <= 2
          ? new ProviderError("platform busy", { retryable: true })
          : undefined,
    });
    await startWorker(providers);
    const { tenant, operation } = await createTenant(tenants, "transient");
    await waitForStatus(tenant.id, "active");

    const op = await operationRow(operation.id);
    expect(op).toMatchObject({ status: "succeeded", attempt: 2 });
    const events = await eventTypes(tenant.id);
    expect(events.filter((t) => t === "operation.retry_scheduled")).toHaveLength(2);
    // After each failed create the outcome is unknown to the engine: it observes first.
    const calls = await probeCalls(testDb.db, { tenantId: tenant.id });
    expect(calls.map((c) => c.action)).toEqual(["create", "observe", "create", "observe", "create"]);
    const objects = await probeObjects(testDb.db, [tenant.id]);
    expect(objects.map((o) => o.createdCount)).toEqual([1]);
    expect(await probeViolations(testDb.db, [tenant.id])).toEqual([]);
  });

  it("a failure that keeps coming fails the tenant after maxAttempts; a retry finishes the work", async () => {
    let failing = true;
    const { providers, tenants } = setup(
      {
        failures: (call) =>
          failing && call.action === "create" && call.key === "database:b"
            ? new ProviderError("quota exceeded, try later", { retryable: true })
            : undefined,
      },
      3,
    );
    await startWorker(providers);
    const { tenant, operation } = await createTenant(tenants, "exhausted", TWO_DBS);
    const failed = await waitForStatus(tenant.id, "failed");
    expect(failed.error_message).toContain("gave up after 3 attempts");
    expect(failed.error_message).toContain("quota exceeded");
    expect(failed.failed_operation_id).toBe(operation.id);
    const op = await operationRow(operation.id);
    expect(op).toMatchObject({ status: "failed", error_code: "PROVIDER_TRANSIENT" });
    expect((await eventTypes(tenant.id)).filter((t) => t === "operation.retry_scheduled")).toHaveLength(2);
    expect(
      await probeCalls(testDb.db, { tenantId: tenant.id, key: "database:b", action: "create" }),
    ).toHaveLength(3);

    // The platform recovers; a retry carries on where the create stopped.
    failing = false;
    const { operation: retry } = await testDb.db.tx((q) => tenants.request(q, principal, tenant.id, "retry"));
    await waitForStatus(tenant.id, "active");
    expect(await operationRow(retry.id)).toMatchObject({
      kind: "retry",
      status: "succeeded",
      retry_of: operation.id,
    });
    const objects = await probeObjects(testDb.db, [tenant.id]);
    expect(objects.map((o) => [o.key, o.createdCount])).toEqual([
      ["database:a", 1],
      ["database:b", 1],
    ]);
    expect(
      await probeCalls(testDb.db, { tenantId: tenant.id, key: "database:a", action: "create" }),
    ).toHaveLength(1);
    const after = await tenantRow(tenant.id);
    expect(after).toMatchObject({ error_message: null, failed_operation_id: null });
    expect(await probeViolations(testDb.db, [tenant.id])).toEqual([]);
  });

  it("a permanent error fails the tenant at once", async () => {
    const { providers, tenants } = setup({
      failures: (call) =>
        call.action === "create"
          ? new ProviderError("plan 'huge' does not exist", { retryable: false })
          : undefined,
    });
    await startWorker(providers);
    const { tenant, operation } = await createTenant(tenants, "permanent");
    const failed = await waitForStatus(tenant.id, "failed");
    expect(failed.error_message).toBe("plan 'huge' does not exist");
    expect(failed.failed_operation_id).toBe(operation.id);
    expect(await operationRow(operation.id)).toMatchObject({
      status: "failed",
      attempt: 0,
      error_code: "PROVIDER_PERMANENT",
    });
    expect(await probeCalls(testDb.db, { tenantId: tenant.id, action: "create" })).toHaveLength(1);
    expect(await eventTypes(tenant.id)).not.toContain("operation.retry_scheduled");
  });
});

describe("claiming", () => {
  it("is fair across organizations: a busy organization does not starve a small one", async () => {
    const { tenants } = setup();
    const orgB = await insertOrganization(testDb.db, { slug: "org-b", name: "Organization B" });
    const keyB = await insertApiKey(testDb.db, {
      organizationId: orgB,
      name: "b",
      role: "admin",
      keyHash: randomBytes(16).toString("hex"),
      keyPrefix: "tnt_b",
    });
    const principalB: Principal = { organizationId: orgB, apiKeyId: keyB, role: "admin" };
    expect(await openOperations()).toBe(0);
    await liveOwner("fair");

    // A queues 50 operations first, then B queues 5: B's are the newest of all.
    const opsA: string[] = [];
    for (let i = 0; i < 50; i++) opsA.push((await createTenant(tenants, `a-${i}`)).operation.id);
    const opsB: string[] = [];
    for (let i = 0; i < 5; i++)
      opsB.push((await createTenant(tenants, `b-${i}`, ONE_DB, principalB)).operation.id);

    const claimed = await claimOperations(testDb.db, "fair", 10, 30);
    expect(claimed).toHaveLength(10);
    const ids = new Set(claimed.map((o) => o.id));
    // All of B's, and A's five oldest: the k-th of every organization before the (k+1)-th of any.
    expect(opsB.filter((id) => ids.has(id))).toEqual(opsB);
    expect(opsA.filter((id) => ids.has(id))).toEqual(opsA.slice(0, 5));

    // The next claim takes A's next oldest.
    const next = await claimOperations(testDb.db, "fair", 3, 30);
    expect(next.map((o) => o.id).sort()).toEqual(opsA.slice(5, 8).sort());

    // One free slot goes to the organization with fewer operations running (B: 5, A: 8),
    // though A's queued operations are older.
    const newer = (await createTenant(tenants, "b-late", ONE_DB, principalB)).operation.id;
    const one = await claimOperations(testDb.db, "fair", 1, 30);
    expect(one.map((o) => o.id)).toEqual([newer]);
  });

  it("an idle worker is woken by the notification of new work, not by its poll", async () => {
    const { providers, tenants } = setup();
    // Count the worker's claim queries, to know when it has looked once and gone to sleep.
    let claims = 0;
    const query = testDb.db.query.bind(testDb.db) as (
      text: string,
      values?: unknown[],
    ) => Promise<pg.QueryResult>;
    const spied: Db = {
      ...testDb.db,
      query: ((text: string, values?: unknown[]) => {
        const result = query(text, values);
        if (typeof text === "string" && text.includes("for update of o skip locked")) {
          result.then(
            () => claims++,
            () => {},
          );
        }
        return result;
      }) as unknown as Db["query"],
    };
    await startWorker(providers, { pollIntervalMs: 60_000 }, spied);
    await waitFor("the worker's first claim", async () => claims >= 1);
    expect(claims).toBe(1);

    const started = Date.now();
    const { tenant, operation } = await createTenant(tenants, "wake-up");
    await waitFor(
      "the worker to claim the new operation",
      async () => (await operationRow(operation.id)).lease_epoch >= 1,
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    const pickupMs = Date.now() - started;
    expect(pickupMs).toBeLessThan(1_000);
    await waitForStatus(tenant.id, "active", 5_000);
    const { rows } = await testDb.db.query<{ ms: number }>(
      "select extract(epoch from started_at - created_at) * 1000 as ms from operations where id = $1",
      [operation.id],
    );
    expect(Number(rows[0]!.ms)).toBeLessThan(1_000);
    console.info(
      `[leases] notification wake-up: claimed ${pickupMs} ms after the create (poll interval 60 s)`,
    );
  });
});
