import pg from "pg";
import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ABSENT, type Provider, ProviderRegistry } from "../src/providers/provider.js";
import { registerDatabaseGauges } from "../src/services/database-gauges.js";
import { createDb, type Db } from "../src/store/db.js";
import { lockWorker } from "../src/store/sql/operations.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { parseMetrics, samples, scrape, value } from "./support/metrics.js";

/**
 * The gauges `/metrics` reads from the database (src/services/database-gauges.ts): the
 * queue's states as the claim sees them (a dead owner's lease is no lease), tenants by
 * status and target, one reading per scrape for all of them and none within the cache's
 * time, and a database that fails: the scrape goes on, the gauges keep their last values.
 * An API-only app (no workers), so the operations stay where the test puts them.
 */

/** A target whose drivers are never called here (no workers). */
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

let t: TestApp;
let api: ApiClient;
let session: pg.Client;
let broken: Db;

beforeAll(async () => {
  t = await startTestApp({ providers: new ProviderRegistry().register(idle), workers: false });
  api = apiClient(t);
  for (const name of ["Alpha", "Bravo", "Charlie"]) {
    const res = await api.call("POST", "/v1/tenants", {
      name,
      target: "idle",
      blueprint: { source: "databases:\n  - name: main\n" },
    });
    expect(res.status).toBe(201);
  }
  // A database that does not exist: every query fails, as a real outage's would.
  const url = new URL(t.database.url);
  url.pathname = "/tenantry_no_such_database";
  broken = createDb(url.toString(), { max: 1 });
});
afterAll(async () => {
  await session?.end().catch(() => {});
  await broken?.close().catch(() => {});
  await t?.close();
});

const setOp = (slug: string, set: string) =>
  t.app.db.query(
    `update operations o set ${set} from tenants t where t.id = o.tenant_id and t.slug = $1 and o.status in ('queued', 'running')`,
    [slug],
  );

describe("gauges read from the database", () => {
  it("shows tenants by status and target, and the queue as the claim sees it", async () => {
    let s = (await scrape(t)).samples;
    expect(samples(s, "tenantry_tenants")).toEqual([
      { name: "tenantry_tenants", labels: { status: "queued", target: "idle" }, value: 3 },
    ]);
    expect(value(s, "tenantry_queue_ready_operations")).toBe(3);
    expect(value(s, "tenantry_queue_running_operations")).toBe(0);
    expect(value(s, "tenantry_queue_waiting_operations")).toBe(0);

    // alpha has been due for 90 s; bravo is due in a minute; charlie is leased by a live worker.
    await setOp("alpha", "run_at = now() - interval '90 seconds'");
    await setOp("bravo", "run_at = now() + interval '60 seconds'");
    session = new pg.Client({ connectionString: t.database.url });
    await session.connect();
    expect(await lockWorker(session, "live-worker")).toBe(true);
    await setOp(
      "charlie",
      "status = 'running', lease_owner = 'live-worker', lease_expires_at = now() + interval '60 seconds'",
    );
    s = (await scrape(t)).samples;
    expect(value(s, "tenantry_queue_ready_operations")).toBe(1);
    expect(value(s, "tenantry_queue_waiting_operations")).toBe(1);
    expect(value(s, "tenantry_queue_running_operations")).toBe(1);
    const oldest = value(s, "tenantry_queue_oldest_ready_age_seconds") ?? 0;
    expect(oldest).toBeGreaterThanOrEqual(90);
    expect(oldest).toBeLessThan(300);

    // A lease whose owner died (no worker lock) is no lease: ready again, as for the claim.
    await setOp("charlie", "lease_owner = 'dead-worker'");
    s = (await scrape(t)).samples;
    expect(value(s, "tenantry_queue_ready_operations")).toBe(2);
    expect(value(s, "tenantry_queue_running_operations")).toBe(0);
    // An expired lease of a live owner: ready too.
    await setOp("charlie", "lease_owner = 'live-worker', lease_expires_at = now() - interval '1 second'");
    s = (await scrape(t)).samples;
    expect(value(s, "tenantry_queue_ready_operations")).toBe(2);
    expect(value(s, "tenantry_queue_running_operations")).toBe(0);
  });

  it("reads once per scrape for every gauge, and not again within the cache's time", async () => {
    let reads = 0;
    const counting: Db = {
      ...t.app.db,
      tx: (fn, options) => {
        reads++;
        return t.app.db.tx(fn, options);
      },
    };
    const uncached = new Registry();
    registerDatabaseGauges(uncached, counting, pino({ level: "silent" }), { cacheMs: 0 });
    await uncached.metrics();
    expect(reads).toBe(1);
    await uncached.metrics();
    expect(reads).toBe(2);

    reads = 0;
    const cached = new Registry();
    registerDatabaseGauges(cached, counting, pino({ level: "silent" }), { cacheMs: 60_000 });
    const first = parseMetrics(await cached.metrics());
    expect(value(first, "tenantry_queue_waiting_operations")).toBe(1);
    await setOp("bravo", "run_at = now()");
    const second = parseMetrics(await cached.metrics());
    expect(reads).toBe(1);
    // The cached reading: bravo still waiting.
    expect(value(second, "tenantry_queue_waiting_operations")).toBe(1);
    // The app's own registry (no cache in tests) sees the change.
    expect(value((await scrape(t)).samples, "tenantry_queue_waiting_operations")).toBe(0);
  });

  it("keeps the scrape going when the database fails: last values kept, the failure logged and counted", async () => {
    let failing = false;
    const switchable: Db = {
      ...t.app.db,
      tx: (fn, options) => (failing ? broken : t.app.db).tx(fn, options),
    };
    const warnings: Record<string, unknown>[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const registry = new Registry();
    new Counter({ name: "probe_events_total", help: "a metric of another part", registers: [registry] }).inc(
      7,
    );
    registerDatabaseGauges(registry, switchable, logger, { cacheMs: 0 });

    const good = parseMetrics(await registry.metrics());
    expect(value(good, "tenantry_tenants", { status: "queued", target: "idle" })).toBe(3);
    expect(value(good, "tenantry_metrics_database_errors_total")).toBe(0);

    failing = true;
    const bad = parseMetrics(await registry.metrics());
    expect(value(bad, "probe_events_total")).toBe(7);
    expect(value(bad, "tenantry_metrics_database_errors_total")).toBe(1);
    expect(value(bad, "tenantry_tenants", { status: "queued", target: "idle" })).toBe(3);
    expect(value(bad, "tenantry_queue_ready_operations")).toBe(
      value(good, "tenantry_queue_ready_operations"),
    );
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toMatch(/could not read the tenants and queue gauges/);
    expect(String(warnings[0]?.err)).toMatch(/tenantry_no_such_database/);

    // Never read successfully: no values at all (not zeros), the rest as usual.
    const fresh = new Registry();
    new Counter({ name: "probe_events_total", help: "a metric of another part", registers: [fresh] }).inc(2);
    registerDatabaseGauges(fresh, broken, pino({ level: "silent" }), { cacheMs: 0 });
    const none = parseMetrics(await fresh.metrics());
    expect(value(none, "probe_events_total")).toBe(2);
    expect(value(none, "tenantry_metrics_database_errors_total")).toBe(1);
    for (const name of [
      "tenantry_tenants",
      "tenantry_queue_ready_operations",
      "tenantry_queue_oldest_ready_age_seconds",
      "tenantry_queue_running_operations",
      "tenantry_queue_waiting_operations",
      "tenantry_stuck_operations",
      "tenantry_tenant_conditions",
    ]) {
      expect(samples(none, name), name).toEqual([]);
    }
  });
});
