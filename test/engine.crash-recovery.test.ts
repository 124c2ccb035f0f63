import { describe, expect, it } from "vitest";
import { useEngineFixture } from "./support/engine-fixture.js";
import { GiveUp, probeCalls, probeObjects, probeViolations, waitFor } from "./support/probe-provider.js";

/**
 * Crash recovery across processes: a worker is SIGKILLed in the middle of a provider
 * call; another worker takes the operation over once the lease expires and finishes it
 * without creating anything twice.
 */

// Long enough that a takeover before the lease runs out can only come from seeing the
// worker's death (its worker lock gone), not from the lease's expiry.
const LEASE_SECONDS = 4;
const POLL_MS = 250;
const BLUEPRINT = "databases:\n  - name: a\n  - name: b\n  - name: c\n";

const engine = useEngineFixture({
  name: "crash",
  workerEnv: {
    TENANTRY_LEASE_SECONDS: String(LEASE_SECONDS),
    TENANTRY_POLL_INTERVAL_MS: String(POLL_MS),
    TENANTRY_WORKER_CONCURRENCY: "4",
    TENANTRY_RETRY_BASE_MS: "50",
    TENANTRY_RETRY_MAX_MS: "1000",
    PROBE_DELAY_MS: "0",
  },
});
const { startWorker } = engine;

async function createTenant(slug: string): Promise<{ tenantId: string; operationId: string }> {
  const { tenant, operation } = await engine.testDb.db.tx((q) =>
    engine.tenants.create(q, engine.principal, {
      name: slug,
      slug,
      blueprint: { source: BLUEPRINT },
      target: "probe",
    }),
  );
  return { tenantId: tenant.id, operationId: operation.id };
}

interface OpRow {
  status: string;
  lease_owner: string | null;
  lease_epoch: number;
  lease_expires_at: Date | null;
  attempt: number;
  now: Date;
}

async function operation(id: string): Promise<OpRow> {
  const { rows } = await engine.testDb.db.query<OpRow>(
    `select status, lease_owner, lease_epoch, lease_expires_at, attempt, clock_timestamp() as now
     from operations where id = $1`,
    [id],
  );
  return rows[0]!;
}

async function tenantStatus(id: string): Promise<string> {
  const { rows } = await engine.testDb.db.query<{ status: string; error_message: string | null }>(
    "select status, error_message from tenants where id = $1",
    [id],
  );
  const row = rows[0]!;
  if (row.status === "failed") throw new GiveUp(`tenant failed: ${row.error_message}`);
  return row.status;
}

/**
 * Runs the scenario shared by both tests: worker A hangs in the create of database:b,
 * worker B is started and must leave the operation alone while A renews its lease; A is
 * SIGKILLed; B must take over as soon as A's death shows (its worker lock is released
 * with its connection), long before A's lease would have run out, and finish.
 */
async function crashScenario(slug: string, hangEnv: Record<string, string>) {
  const { tenantId, operationId } = await createTenant(slug);
  const a = await startWorker("A", hangEnv);

  // A is inside the create of database:b (and, for a hang after, the object exists).
  await waitFor(
    "worker A to be inside the create of database:b",
    async () =>
      (await probeCalls(engine.testDb.db, { tenantId, key: "database:b", action: "create", worker: "A" }))[0],
    { timeoutMs: 15_000 },
  );
  if (hangEnv.PROBE_HANG_AFTER_KEY) {
    await waitFor("the probe to hold database:b", async () =>
      (await probeObjects(engine.testDb.db, [tenantId])).find((o) => o.key === "database:b"),
    );
  }
  const held = await operation(operationId);
  expect(held.status).toBe("running");
  expect(held.lease_owner).toBe(a.workerId);
  // Claimed once (plus once per transient retry: see below).
  expect(held.lease_epoch).toBe(1 + held.attempt);

  // B starts while A is alive: A's renewals must keep the operation with A, even past
  // the time its first lease would have run out.
  const b = await startWorker("B");
  const { rows: startedRows } = await engine.testDb.db.query<{ started_at: Date }>(
    "select started_at from operations where id = $1",
    [operationId],
  );
  const claimedAt = startedRows[0]!.started_at.getTime();
  await waitFor(
    "two lease lengths to pass since A's claim while B is running",
    async () => (await operation(operationId)).now.getTime() > claimedAt + 2 * LEASE_SECONDS * 1000 + POLL_MS,
    { timeoutMs: 15_000 },
  );
  const stillHeld = await operation(operationId);
  expect(stillHeld.lease_owner).toBe(a.workerId);
  expect(stillHeld.lease_epoch).toBe(held.lease_epoch);
  expect(await probeCalls(engine.testDb.db, { tenantId, worker: "B" })).toEqual([]);

  // Crash A. Its lease is no longer renewed from here on.
  await a.kill();
  const atKill = await operation(operationId);
  expect(atKill.lease_owner).toBe(a.workerId);
  const killedAt = atKill.now.getTime();
  const leaseEndsAt = atKill.lease_expires_at!.getTime();

  const started = Date.now();
  await waitFor(
    "the tenant to become active after the crash",
    async () => (await tenantStatus(tenantId)) === "active",
    { timeoutMs: LEASE_SECONDS * 1000 + 10_000 },
  );
  const recoverySeconds = (Date.now() - started) / 1000;

  const done = await operation(operationId);
  expect(done.status).toBe("succeeded");
  // Claimed twice: by A, then by B after the crash. (Plus once more per transient retry,
  // which only a shortage of connections on the shared test server may cause.)
  const { rows: retries } = await engine.testDb.db.query<{ message: string }>(
    "select message from events where operation_id = $1 and type = 'operation.retry_scheduled'",
    [operationId],
  );
  for (const r of retries) expect(r.message).toMatch(/too many clients|connection/i);
  expect(done.attempt).toBe(retries.length);
  expect(done.lease_epoch).toBe(2 + retries.length);

  // B's first platform call marks its claim; it came within a poll interval (plus slack)
  // of the crash, before A's lease had run out: A's death was seen, not waited out.
  const bCalls = await probeCalls(engine.testDb.db, { tenantId, worker: "B" });
  const firstB = bCalls[0]!;
  expect(firstB).toMatchObject({ key: "database:b", action: "observe" });
  const firstBAt = firstB.startedAt.getTime();
  expect(firstBAt).toBeLessThan(leaseEndsAt);
  const takeoverMs = firstBAt - killedAt;
  expect(takeoverMs).toBeLessThanOrEqual(POLL_MS + 2_000);

  // Every object exists once; nothing was created twice; no two workers overlapped.
  const objects = await probeObjects(engine.testDb.db, [tenantId]);
  expect(objects.map((o) => [o.key, o.createdCount, o.deleted])).toEqual([
    ["database:a", 1, false],
    ["database:b", 1, false],
    ["database:c", 1, false],
  ]);
  expect(await probeViolations(engine.testDb.db, [tenantId])).toEqual([]);

  // The engine recorded the platform's ids.
  const { rows: resources } = await engine.testDb.db.query<{
    key: string;
    status: string;
    provider_id: string;
  }>("select key, status, provider_id from resources where tenant_id = $1 order by key", [tenantId]);
  expect(resources.map((r) => [r.key, r.status, r.provider_id])).toEqual(
    objects.map((o) => [o.key, "ready", o.providerId]),
  );

  console.info(
    `[crash-recovery ${slug}] lease ${LEASE_SECONDS}s: B's first call ${takeoverMs} ms after the kill ` +
      `(${leaseEndsAt - firstBAt} ms before the lease would have run out); active ${recoverySeconds.toFixed(2)} s after the kill`,
  );
  return { tenantId, operationId, a, b, bCalls, objects };
}

describe("crash recovery (worker processes, SIGKILL mid-step)", () => {
  it("a worker killed before the platform created the object: another worker creates it once", async () => {
    const { tenantId, bCalls } = await crashScenario("crash-before", { PROBE_HANG_KEY: "database:b" });
    // B observed database:b (unknown outcome of A's create), found nothing, created it.
    expect(bCalls.filter((c) => c.key === "database:b").map((c) => c.action)).toEqual(["observe", "create"]);
    // database:a was done by A and not touched again; database:c was created by B.
    expect(bCalls.some((c) => c.key === "database:a")).toBe(false);
    const objects = await probeObjects(engine.testDb.db, [tenantId]);
    expect(objects.map((o) => [o.key, o.createdBy])).toEqual([
      ["database:a", "A"],
      ["database:b", "B"],
      ["database:c", "B"],
    ]);
    const { rows: adopted } = await engine.testDb.db.query(
      "select 1 from events where tenant_id = $1 and type = 'resource.adopted'",
      [tenantId],
    );
    expect(adopted).toHaveLength(0);
  });

  it("a worker killed after the platform created the object: another worker adopts it", async () => {
    const { tenantId, bCalls, objects } = await crashScenario("crash-after", {
      PROBE_HANG_AFTER_KEY: "database:b",
    });
    expect(bCalls.filter((c) => c.key === "database:b").map((c) => c.action)).toEqual(["observe", "adopt"]);
    const b = objects.find((o) => o.key === "database:b")!;
    expect(b).toMatchObject({ createdCount: 1, adoptedCount: 1, createdBy: "A" });
    const { rows: events } = await engine.testDb.db.query<{ data: { resource: string } }>(
      "select data from events where tenant_id = $1 and type = 'resource.adopted'",
      [tenantId],
    );
    expect(events.map((e) => e.data.resource)).toEqual(["database:b"]);
  });

  it("no step of a recovered operation is left running (after an adopt, the dead worker's create step stays open)", async () => {
    // Both operations above were taken over after a crash; each step the dead worker
    // opened must have been closed by the worker that finished the operation. Relies on
    // the two tests above having run (same file, same database).
    const { rows } = await engine.testDb.db.query<{ slug: string; name: string; status: string }>(
      `select t.slug, s.name, s.status from operation_steps s
       join operations o on o.id = s.operation_id join tenants t on t.id = o.tenant_id
       where o.status = 'succeeded' and s.status in ('running', 'waiting') order by t.slug, s.seq`,
    );
    expect(rows).toEqual([]);
  });
});
