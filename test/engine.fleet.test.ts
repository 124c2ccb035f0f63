import { describe, expect, it } from "vitest";
import { putBlueprintVersion } from "../src/store/sql/blueprints.js";
import { useEngineFixture } from "./support/engine-fixture.js";
import {
  GiveUp,
  probeCalls,
  probeObjects,
  probeSummary,
  probeViolations,
  waitFor,
} from "./support/probe-provider.js";

/**
 * A fleet of worker processes on one database: many tenants, every object created once,
 * never two workers on one tenant at a time, the work spread over the workers.
 */

const TENANTS = 300;
const FLEET_BLUEPRINT = "databases:\n  - name: db\nservices:\n  - name: web\n    type: web\n";

const engine = useEngineFixture({
  name: "fleet",
  workerEnv: {
    TENANTRY_LEASE_SECONDS: "2",
    TENANTRY_POLL_INTERVAL_MS: "500",
    TENANTRY_RETRY_BASE_MS: "50",
    TENANTRY_RETRY_MAX_MS: "1000",
  },
});
const { startWorker } = engine;

/** Leaves no open operation behind from an earlier (failed) test of this file. */
async function cancelOpenOperations(): Promise<void> {
  await engine.testDb.db.query(
    `update operations set status = 'canceled', lease_owner = null, lease_expires_at = null, finished_at = now()
     where status in ('queued', 'running')`,
  );
}

async function statusCounts(ids: string[]): Promise<Record<string, number>> {
  const { rows } = await engine.testDb.db.query<{ status: string; n: number }>(
    "select status, count(*)::int as n from tenants where id = any($1::uuid[]) group by status",
    [ids],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Waits until every tenant of `ids` is `status`; fails at once when one has failed. */
async function waitForAll(ids: string[], status: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `${ids.length} tenants to be ${status}`,
    async () => {
      const counts = await statusCounts(ids);
      if (counts.failed) {
        const { rows } = await engine.testDb.db.query<{ slug: string; error_message: string }>(
          "select slug, error_message from tenants where id = any($1::uuid[]) and status = 'failed' limit 3",
          [ids],
        );
        throw new GiveUp(`${counts.failed} tenants failed, e.g. ${JSON.stringify(rows)}`);
      }
      return counts[status] === ids.length;
    },
    { timeoutMs, intervalMs: 200 },
  ).catch(async (err) => {
    // Fail on the first failure instead of waiting out the deadline.
    throw new Error(`${(err as Error).message}; statuses: ${JSON.stringify(await statusCounts(ids))}`);
  });
}

/**
 * What went wrong, if anything, printed before asserting: the violations the probe saw
 * (with the calls of their tenants) and how many operations were claimed more than once.
 */
async function diagnostics(ids: string[], phase: string) {
  const violations = await probeViolations(engine.testDb.db);
  const { rows } = await engine.testDb.db.query<{
    reclaimed: number;
    retries: number;
    reasons: string[] | null;
  }>(
    `select (select count(*)::int from operations where tenant_id = any($1::uuid[]) and lease_epoch > 1) as reclaimed,
       (select count(*)::int from events where tenant_id = any($1::uuid[]) and type = 'operation.retry_scheduled')
         as retries,
       (select array_agg(distinct regexp_replace(message, '^.*failed: (.*); retrying.*$', '\\1'))
          from events where tenant_id = any($1::uuid[]) and type = 'operation.retry_scheduled') as reasons`,
    [ids],
  );
  const { reclaimed, retries, reasons } = rows[0]!;
  if (violations.length > 0) {
    const tenantIds = [...new Set(violations.map((v) => v.tenantId))];
    const { rows: history } = await engine.testDb.db.query(
      `select c.tenant_id, c.key, c.action, c.worker, to_char(c.started_at, 'HH24:MI:SS.MS') as started,
         to_char(c.ended_at, 'HH24:MI:SS.MS') as ended, c.outcome
       from probe.probe_calls c where c.tenant_id = any($1::uuid[]) order by c.tenant_id, c.id`,
      [tenantIds],
    );
    const { rows: events } = await engine.testDb.db.query(
      `select tenant_id, type, message, to_char(created_at, 'HH24:MI:SS.MS') as at
       from events where tenant_id = any($1::uuid[]) order by tenant_id, id`,
      [tenantIds],
    );
    console.error(`[fleet ${phase}] violations: ${JSON.stringify({ violations, history, events }, null, 1)}`);
  }
  if (retries > 0) console.info(`[fleet ${phase}] ${retries} transient retries: ${JSON.stringify(reasons)}`);
  return { violations, reclaimed, retries };
}

describe("a fleet of worker processes", () => {
  it("a worker whose slots are all busy keeps working when it is notified of new work", async () => {
    // Concurrency 1 and slow calls: the second tenant's notification arrives while the
    // worker is full and asleep. It must go back to sleep, not spin (the loop used to
    // `continue` without awaiting anything, blocking the process for good).
    await cancelOpenOperations();
    await startWorker("S", { TENANTRY_WORKER_CONCURRENCY: "1", PROBE_DELAY_MS: "400" });
    const create = (slug: string) =>
      engine.testDb.db.tx((q) =>
        engine.tenants.create(q, engine.principal, {
          name: slug,
          slug,
          blueprint: { source: "databases:\n  - name: only\n" },
          target: "probe",
        }),
      );
    const first = await create("busy-first");
    await waitFor("the first tenant's create call to start", async () =>
      (await probeCalls(engine.testDb.db, { tenantId: first.tenant.id, action: "create" })).at(0),
    );
    const second = await create("busy-second");
    await waitForAll([first.tenant.id, second.tenant.id], "active", 10_000);
  });

  it(`provisions and destroys ${TENANTS} tenants with 3 workers: each object once, one worker per tenant at a time`, {
    timeout: 120_000,
  }, async () => {
    await cancelOpenOperations();
    await engine.testDb.db.query(
      "truncate probe.probe_objects, probe.probe_calls, probe.probe_active, probe.probe_violations",
    );
    const workers = await Promise.all(
      ["W1", "W2", "W3"].map((name) =>
        startWorker(name, { TENANTRY_WORKER_CONCURRENCY: "8", PROBE_DELAY_MS: "5" }),
      ),
    );
    await engine.testDb.db.tx((q) =>
      putBlueprintVersion(q, engine.principal.organizationId, "fleet", FLEET_BLUEPRINT),
    );

    // Created in bulk: transactions of 25 tenants, each committing (and notifying) at once.
    const started = Date.now();
    const ids: string[] = [];
    for (let batch = 0; batch < TENANTS / 25; batch++) {
      const created = await engine.testDb.db.tx(async (q) => {
        const out: string[] = [];
        for (let i = 0; i < 25; i++) {
          const n = batch * 25 + i;
          const { tenant } = await engine.tenants.create(q, engine.principal, {
            name: `Fleet ${n}`,
            slug: `fleet-${n}`,
            blueprint: "fleet",
            target: "probe",
          });
          out.push(tenant.id);
        }
        return out;
      });
      ids.push(...created);
    }
    await waitForAll(ids, "active", 90_000);
    const provisionSeconds = (Date.now() - started) / 1000;

    // (The probe's tables hold this test's records only: they were emptied above.)
    const afterCreate = await diagnostics(ids, "provisioning");
    expect(afterCreate.violations).toEqual([]);
    let summary = await probeSummary(engine.testDb.db);
    expect(summary).toMatchObject({
      objects: 2 * TENANTS,
      extraCreates: 0,
      duplicates: 0,
      concurrent: 0,
      deleted: 0,
    });
    const objects = await probeObjects(engine.testDb.db);
    expect(objects.filter((o) => o.createdCount !== 1)).toEqual([]);
    expect(new Set(objects.map((o) => o.kind))).toEqual(new Set(["postgres", "web"]));
    // The web service was created only after its database was ready.
    const { rows: early } = await engine.testDb.db.query(
      `select w.tenant_id from probe.probe_objects w join probe.probe_objects d
           on d.tenant_id = w.tenant_id and d.key = 'database:db'
         where w.key = 'service:web' and w.created_at < d.created_at`,
    );
    expect(early).toEqual([]);
    const { rows: ops } = await engine.testDb.db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from operations where tenant_id = any($1::uuid[]) group by status",
      [ids],
    );
    expect(ops.map((o) => [o.status, o.n])).toEqual([["succeeded", TENANTS]]);

    // Spread over the workers.
    const { rows: perWorker } = await engine.testDb.db.query<{ worker: string; tenants: number }>(
      "select worker, count(distinct tenant_id)::int as tenants from probe.probe_calls group by worker order by worker",
    );
    expect(perWorker.length).toBeGreaterThanOrEqual(2);
    expect(summary.workers).toBeGreaterThanOrEqual(2);

    // Destroy all of them.
    const destroyStarted = Date.now();
    for (let batch = 0; batch < TENANTS / 25; batch++) {
      await engine.testDb.db.tx(async (q) => {
        for (const id of ids.slice(batch * 25, batch * 25 + 25))
          await engine.tenants.request(q, engine.principal, id, "destroy");
      });
    }
    await waitForAll(ids, "destroyed", 90_000);
    const destroySeconds = (Date.now() - destroyStarted) / 1000;

    const afterDestroy = await diagnostics(ids, "destroying");
    expect(afterDestroy.violations).toEqual([]);
    summary = await probeSummary(engine.testDb.db);
    expect(summary).toMatchObject({
      objects: 2 * TENANTS,
      deleted: 2 * TENANTS,
      extraCreates: 0,
      duplicates: 0,
      concurrent: 0,
    });
    // Every object was deleted. A delete may be repeated (it is idempotent, and repeated
    // when the engine could not record its result, e.g. with the server out of connections).
    const { rows: deletes } = await engine.testDb.db.query<{ never: number; repeated: number }>(
      `select count(*) filter (where deleted_count = 0)::int as never,
         count(*) filter (where deleted_count > 1)::int as repeated from probe.probe_objects`,
    );
    expect(deletes[0]!.never).toBe(0);
    if (afterDestroy.retries === 0) expect(deletes[0]!.repeated).toBe(0);
    const { rows: resources } = await engine.testDb.db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from resources where tenant_id = any($1::uuid[]) group by status",
      [ids],
    );
    expect(resources.map((r) => [r.status, r.n])).toEqual([["deleted", 2 * TENANTS]]);

    console.info(
      `[fleet] ${TENANTS} tenants × 2 resources, 3 workers × 8: active in ${provisionSeconds.toFixed(1)} s, ` +
        `destroyed in ${destroySeconds.toFixed(1)} s; tenants per worker: ` +
        perWorker.map((w) => `${w.worker}=${w.tenants}`).join(", ") +
        `; operations claimed more than once: ${afterDestroy.reclaimed} (transient retries: ${afterDestroy.retries}` +
        `, repeated deletes: ${deletes[0]!.repeated})`,
    );
    expect(workers.every((w) => w.process.exitCode === null)).toBe(true);
  });
});
