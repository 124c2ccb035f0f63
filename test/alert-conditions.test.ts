import pg from "pg";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABSENT, type Provider, ProviderRegistry } from "../src/providers/provider.js";
import {
  ConditionSweeper,
  createConditionMetrics,
  type SweepOptions,
  sweepConditions,
} from "../src/services/alert-conditions.js";
import { applyHealthEvent } from "../src/services/health-events.js";
import { createDb, type Db } from "../src/store/db.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { parseMetrics, scrape, value } from "./support/metrics.js";

/**
 * Alerting conditions (src/services/alert-conditions.ts): an operation open longer than
 * the stuck threshold and a tenant failed or degraded longer than the unhealthy one get a
 * condition and a `condition.raised` event, once, however many processes sweep; both are
 * cleared with a `condition.cleared` event when resolved; the gauges and the counter say
 * so. An API-only app (no workers, so no sweeper of its own): operations stay where the
 * test puts them, and the test sweeps with the time it chooses.
 */

const idle: Provider = {
  name: "idle",
  drivers: {
    postgres: {
      observe: async () => ABSENT,
      apply: async () => ({ state: "done" }),
      delete: async () => ({ state: "done" }),
    },
  },
};

const MINUTE = 60_000;
const thresholds = { stuckOperationAfterMs: 30 * MINUTE, unhealthyTenantAfterMs: 15 * MINUTE };
const logger = pino({ level: "silent" });

let t: TestApp;
let api: ApiClient;
let other: Db;

beforeAll(async () => {
  t = await startTestApp({ providers: new ProviderRegistry().register(idle), workers: false });
  api = apiClient(t);
  // A second process's pool: the racing sweeper's.
  other = createDb(t.database.url, { max: 3 });
});
afterAll(async () => {
  await other?.close();
  await t?.close();
});

async function createTenant(name: string): Promise<{ id: string; operationId: string }> {
  const res = await api.call("POST", "/v1/tenants", {
    name,
    target: "idle",
    blueprint: { source: "databases:\n  - name: main\n" },
  });
  expect(res.status).toBe(201);
  return { id: res.body.tenant.id, operationId: res.body.operation.id };
}

/** The operation as if requested `minutes` ago. */
async function requestedAgo(operationId: string, minutes: number): Promise<Date> {
  const { rows } = await t.app.db.query<{ created_at: Date }>(
    "update operations set created_at = now() - $2::int * interval '1 minute' where id = $1 returning created_at",
    [operationId, minutes],
  );
  return rows[0]!.created_at;
}

async function events(tenantId: string, type: string) {
  const { rows } = await t.app.db.query<{
    message: string;
    data: Record<string, unknown>;
    operation_id: string;
  }>("select message, data, operation_id from events where tenant_id = $1 and type = $2 order by id", [
    tenantId,
    type,
  ]);
  return rows;
}

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

describe("stuck operations", () => {
  it("raises operation_stuck past the deadline (not before), once, shows it in the views and gauges, and clears it when the operation ends", async () => {
    const { id, operationId } = await createTenant("Stuck");
    const requested = await requestedAgo(operationId, 31);
    await t.app.db.query(
      `insert into operation_steps (id, operation_id, seq, name, action, status)
       values (gen_random_uuid(), $1, 1, 'database main', 'create', 'waiting')`,
      [operationId],
    );

    // 29 minutes after the request: not yet.
    const early = await sweepConditions(t.app.db, { ...thresholds, now: at(requested, 29 * MINUTE) });
    expect(early.raised).toEqual([]);
    expect((await api.json("GET", `/v1/tenants/${id}`)).conditions).toEqual([]);

    const opts: SweepOptions = { ...thresholds, now: at(requested, 31 * MINUTE) };
    const first = await sweepConditions(t.app.db, opts);
    expect(first.raised).toHaveLength(1);
    expect((await sweepConditions(t.app.db, opts)).raised).toEqual([]);

    const since = requested.toISOString();
    const expected = {
      type: "operation_stuck",
      message:
        "the create operation has not finished 30m after it was requested (queued, at step database main)",
      since,
      operation_id: operationId,
      kind: "create",
      step: "database main",
    };
    expect((await api.json("GET", `/v1/tenants/${id}`)).conditions).toEqual([expected]);
    expect((await api.json("GET", `/v1/tenants/${id}/status`)).conditions).toEqual([expected]);
    const raised = await events(id, "condition.raised");
    expect(raised).toEqual([
      {
        message: `operation_stuck: ${expected.message}`,
        operation_id: operationId,
        data: {
          condition: "operation_stuck",
          since,
          operation_id: operationId,
          kind: "create",
          step: "database main",
        },
      },
    ]);
    // Through the API's timeline as well (what webhooks deliver).
    const timeline = await api.json("GET", `/v1/tenants/${id}/events`);
    expect(timeline.data.map((e: { type: string }) => e.type)).toContain("condition.raised");

    let s = (await scrape(t)).samples;
    expect(value(s, "tenantry_stuck_operations")).toBe(1);
    expect(value(s, "tenantry_tenant_conditions", { type: "operation_stuck" })).toBe(1);
    expect(value(s, "tenantry_tenant_conditions", { type: "unhealthy" })).toBe(0);

    // The operation ends: cleared, with an event.
    await t.app.db.query("update operations set status = 'succeeded', finished_at = now() where id = $1", [
      operationId,
    ]);
    const resolved = await sweepConditions(t.app.db, opts);
    expect(resolved.cleared).toEqual([
      {
        tenantId: id,
        data: {
          condition: "operation_stuck",
          since,
          operation_id: operationId,
          kind: "create",
          status: "succeeded",
        },
      },
    ]);
    expect((await sweepConditions(t.app.db, opts)).cleared).toEqual([]);
    expect((await api.json("GET", `/v1/tenants/${id}`)).conditions).toEqual([]);
    expect((await events(id, "condition.cleared")).map((e) => e.message)).toEqual([
      "operation_stuck cleared: the create operation ended (succeeded)",
    ]);
    s = (await scrape(t)).samples;
    expect(value(s, "tenantry_stuck_operations")).toBe(0);
    expect(value(s, "tenantry_tenant_conditions", { type: "operation_stuck" })).toBe(0);
  });

  it("raises one condition and one event when two sweepers race, and counts it once", async () => {
    const { id, operationId } = await createTenant("Raced");
    await requestedAgo(operationId, 45);
    const registries = [new Registry(), new Registry()];
    const sweepers = [t.app.db, other].map(
      (db, i) =>
        new ConditionSweeper(db, logger, { ...thresholds, metrics: createConditionMetrics(registries[i]!) }),
    );

    // Both sweepers find the operation stuck, then wait on the tenant's row, which a third
    // session holds; let go, the one that updates first wins and the other re-checks.
    const holder = new pg.Client({ connectionString: t.database.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from tenants where id = $1 for update", [id]);
      const racing = Promise.all(sweepers.map((s) => s.sweep()));
      const deadline = Date.now() + 10_000;
      for (;;) {
        // (Not on the holder's session: its transaction would see one snapshot of the view.)
        const { rows } = await t.app.db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query like 'with stuck as%'`,
        );
        if (rows[0]!.n >= 2) break;
        if (Date.now() > deadline) {
          const all = await t.app.db.query(
            "select state, wait_event_type, wait_event, left(query, 80) as q from pg_stat_activity where datname = current_database()",
          );
          throw new Error(`the two sweeps never waited on the tenant's row: ${JSON.stringify(all.rows)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await holder.query("commit");
      const results = await racing;
      expect(results.map((r) => r.raised.filter((c) => c.tenantId === id).length).sort()).toEqual([0, 1]);
    } finally {
      await holder.end();
    }

    const { rows } = await t.app.db.query<{ conditions: { type: string }[] }>(
      "select conditions from tenants where id = $1",
      [id],
    );
    expect(rows[0]!.conditions.map((c) => c.type)).toEqual(["operation_stuck"]);
    expect(await events(id, "condition.raised")).toHaveLength(1);
    let counted = 0;
    for (const r of registries) {
      counted += value(parseMetrics(await r.metrics()), "tenantry_conditions_raised_total", {
        type: "operation_stuck",
      })!;
    }
    expect(counted).toBe(1);
  });
});

describe("unhealthy tenants", () => {
  it("raises unhealthy for a tenant degraded longer than the threshold, and clears it when it heals", async () => {
    const { id } = await createTenant("Wobbly");
    await t.app.db.query(
      "update operations set status = 'succeeded', finished_at = now() where tenant_id = $1",
      [id],
    );
    await t.app.db.query("update tenants set status = 'active' where id = $1", [id]);
    const unhealthy = new Map<string, Set<string>>();
    const health = (healthy: boolean) =>
      applyHealthEvent(
        t.app.db,
        { tenantId: id, resourceKey: "database:main", healthy, reason: healthy ? "back" : "crash-looping" },
        unhealthy,
        logger,
      );
    await health(false);
    const { rows } = await t.app.db.query<{ created_at: Date }>(
      "select created_at from events where tenant_id = $1 and type = 'tenant.status_changed' order by id desc limit 1",
      [id],
    );
    const degradedAt = rows[0]!.created_at;

    const mine = (r: { raised: { tenantId: string }[] }) => r.raised.filter((c) => c.tenantId === id);
    expect(
      mine(await sweepConditions(t.app.db, { ...thresholds, now: at(degradedAt, 14 * MINUTE) })),
    ).toEqual([]);
    const later = { ...thresholds, now: at(degradedAt, 16 * MINUTE) };
    expect(mine(await sweepConditions(t.app.db, later))).toHaveLength(1);
    expect(mine(await sweepConditions(t.app.db, later))).toEqual([]);

    const since = degradedAt.toISOString();
    expect((await api.json("GET", `/v1/tenants/${id}/status`)).conditions).toEqual([
      {
        type: "unhealthy",
        message: "degraded for longer than 15m: crash-looping",
        since,
        status: "degraded",
      },
    ]);
    expect((await events(id, "condition.raised")).map((e) => e.data)).toEqual([
      { condition: "unhealthy", since, status: "degraded" },
    ]);
    expect(value((await scrape(t)).samples, "tenantry_tenant_conditions", { type: "unhealthy" })).toBe(1);

    await health(true);
    const healed = await sweepConditions(t.app.db, later);
    expect(healed.cleared.filter((c) => c.tenantId === id)).toEqual([
      { tenantId: id, data: { condition: "unhealthy", since, status: "active" } },
    ]);
    expect((await api.json("GET", `/v1/tenants/${id}`)).conditions).toEqual([]);
    expect((await events(id, "condition.cleared")).map((e) => e.message)).toEqual([
      "unhealthy cleared: the tenant is active now",
    ]);
    expect(value((await scrape(t)).samples, "tenantry_tenant_conditions", { type: "unhealthy" })).toBe(0);
  });

  it("raises unhealthy for a failed tenant, from when it failed", async () => {
    const { id } = await createTenant("Broken");
    await t.app.db.query(
      "update operations set status = 'failed', finished_at = now() where tenant_id = $1",
      [id],
    );
    await t.app.db.query(
      "update tenants set status = 'failed', error_message = 'quota exceeded' where id = $1",
      [id],
    );
    // It failed 20 minutes ago (the engine's event says so); an unrelated change since.
    await t.app.db.query(
      `insert into events (organization_id, tenant_id, type, message, data, created_at)
       select organization_id, id, 'tenant.status_changed', 'provisioning → failed: quota exceeded',
         '{"from": "provisioning", "to": "failed"}', now() - interval '20 minutes' from tenants where id = $1`,
      [id],
    );
    const raised = (await sweepConditions(t.app.db, thresholds)).raised.filter((c) => c.tenantId === id);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.data).toMatchObject({ condition: "unhealthy", status: "failed" });
    const [condition] = (await api.json("GET", `/v1/tenants/${id}`)).conditions;
    expect(condition.message).toBe("failed for longer than 15m: quota exceeded");
    const ago = Date.now() - Date.parse(condition.since);
    expect(ago).toBeGreaterThan(19 * MINUTE);
    expect(ago).toBeLessThan(21 * MINUTE);
  });
});

describe("the sweep in a process", () => {
  it("runs where workers run, counting on the process's /metrics; not in an API-only process", async () => {
    expect(t.app.conditions).toBeUndefined();
    const withWorkers = await startTestApp({
      providers: new ProviderRegistry().register(idle),
      env: { TENANTRY_WORKER_CONCURRENCY: "1", TENANTRY_UNHEALTHY_TENANT_AFTER: "2m" },
    });
    try {
      expect(withWorkers.app.conditions).toBeDefined();
      const before = (await scrape(withWorkers)).samples;
      expect(value(before, "tenantry_conditions_raised_total", { type: "unhealthy" })).toBe(0);
      // A tenant failed 3 minutes ago: past this process's 2m threshold.
      const res = await apiClient(withWorkers).call("POST", "/v1/tenants", {
        name: "Late",
        target: "idle",
        blueprint: { source: "databases:\n  - name: main\n" },
      });
      const id = res.body.tenant.id as string;
      await apiClient(withWorkers).waitForTenant(id, "active");
      await withWorkers.app.db.query("update tenants set status = 'failed' where id = $1", [id]);
      await withWorkers.app.db.query(
        `insert into events (organization_id, tenant_id, type, message, data, created_at)
         select organization_id, id, 'tenant.status_changed', 'active → failed', '{"to": "failed"}',
           now() - interval '3 minutes' from tenants where id = $1`,
        [id],
      );
      const swept = await withWorkers.app.conditions!.sweep();
      expect(swept.raised.map((c) => c.data.condition)).toEqual(["unhealthy"]);
      const after = (await scrape(withWorkers)).samples;
      expect(value(after, "tenantry_conditions_raised_total", { type: "unhealthy" })).toBe(1);
      expect(value(after, "tenantry_tenant_conditions", { type: "unhealthy" })).toBe(1);
    } finally {
      await withWorkers.close();
    }
  });
});
