import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Db } from "../store/db.js";
import { type DatabaseGauges, readDatabaseGauges } from "../store/sql/metrics.js";

export interface DatabaseGaugeOptions {
  /** A reading is reused for this long: scrapes, however frequent, never hammer the database. @default 5000 */
  cacheMs?: number;
  /** The reading's statements give up after this long. @default 2000 */
  timeoutMs?: number;
  /** An open operation requested longer ago than this counts in `tenantry_stuck_operations`. @default 30 minutes */
  stuckOperationAfterMs?: number;
}

/** The condition types `tenantry_tenant_conditions` always shows (0 when no tenant has one). */
const CONDITION_TYPES = ["access_error", "operation_stuck", "unhealthy"];

/**
 * The gauges that come from the database, so that every process shows the same values
 * whichever did the work (in PromQL take `max` over instances, not `sum`): tenants by
 * status and target, the queue (ready, oldest ready, running, waiting), stuck operations
 * and tenants with each condition (docs/observability.md). They are read
 * on scrape, in one short transaction (`readDatabaseGauges`) shared by all of them and
 * reused for `cacheMs`. A reading that fails is logged and counted
 * (`tenantry_metrics_database_errors_total`), the gauges keep their last values (none
 * before a first good reading), and the scrape of every other metric goes on.
 */
export function registerDatabaseGauges(
  registry: Registry,
  db: Db,
  logger: Logger,
  options: DatabaseGaugeOptions = {},
): void {
  const cacheMs = options.cacheMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const stuckAfterMs = options.stuckOperationAfterMs ?? 30 * 60_000;
  const registers = [registry];

  let last: DatabaseGauges | undefined;
  let reading: Promise<DatabaseGauges | undefined> | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let pending = false;
  const errors = new Counter({
    name: "tenantry_metrics_database_errors_total",
    help: "Readings of the database's gauges (tenants, queue) that failed; those gauges then show their last values",
    registers,
    // Waits for the scrape's reading, so that its failure is counted in the same scrape.
    async collect() {
      await read();
    },
  });
  /** The current reading: one per scrape at most (every gauge waits on the same), and none within `cacheMs` of the last. */
  function read(): Promise<DatabaseGauges | undefined> {
    if (reading && (pending || Date.now() - readAt < cacheMs)) return reading;
    readAt = Date.now();
    pending = true;
    reading = readDatabaseGauges(db, timeoutMs, stuckAfterMs)
      .then(
        (value) => {
          last = value;
          return value;
        },
        (err: unknown) => {
          errors.inc();
          logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            "metrics: could not read the tenants and queue gauges from the database; they keep their last values",
          );
          return last;
        },
      )
      .finally(() => {
        pending = false;
      });
    return reading;
  }

  /** A gauge filled from the reading; it shows no value at all until a reading succeeded. */
  function gauge<L extends string>(
    config: { name: string; help: string; labelNames?: L[] },
    fill: (g: Gauge<L>, value: DatabaseGauges) => void,
  ): void {
    const g: Gauge<L> = new Gauge<L>({
      ...config,
      labelNames: config.labelNames ?? [],
      registers,
      async collect() {
        const value = await read();
        if (value) fill(g, value);
      },
    });
    const get = g.get.bind(g);
    g.get = async () => {
      const metric = await get();
      return last ? metric : { ...metric, values: [] };
    };
  }

  gauge(
    {
      name: "tenantry_tenants",
      help: "Tenants that exist (not destroyed), by status and target, from the database",
      labelNames: ["status", "target"],
    },
    (g, value) => {
      // Combinations that emptied since the last reading go to no series, not to a stale count.
      g.reset();
      for (const row of value.tenants) g.set({ status: row.status, target: row.target }, row.count);
    },
  );
  gauge(
    {
      name: "tenantry_queue_ready_operations",
      help: "Open operations due now with no live lease: what the next claims may take",
    },
    (g, value) => g.set(value.queue.ready),
  );
  gauge(
    {
      name: "tenantry_queue_oldest_ready_age_seconds",
      help: "How long the longest-waiting ready operation has been due (0 when none is ready)",
    },
    (g, value) => g.set(value.queue.oldestReadySeconds),
  );
  gauge(
    {
      name: "tenantry_queue_running_operations",
      help: "Open operations a live worker holds the lease of",
    },
    (g, value) => g.set(value.queue.leased),
  );
  gauge(
    {
      name: "tenantry_queue_waiting_operations",
      help: "Open operations due later (a platform's wait, a retry's backoff, a rate limit), with no live lease",
    },
    (g, value) => g.set(value.queue.waiting),
  );
  gauge(
    {
      name: "tenantry_stuck_operations",
      help: "Open operations (queued or running) requested longer ago than TENANTRY_STUCK_OPERATION_AFTER",
    },
    (g, value) => g.set(value.stuckOperations),
  );
  gauge(
    {
      name: "tenantry_tenant_conditions",
      help: "Tenants (not destroyed) with each condition (access_error, operation_stuck, unhealthy), from the database",
      labelNames: ["type"],
    },
    (g, value) => {
      g.reset();
      for (const type of CONDITION_TYPES) g.set({ type }, 0);
      for (const row of value.conditions) g.set({ type: row.type }, row.count);
    },
  );
}
