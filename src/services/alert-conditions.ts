import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { formatDuration } from "../config/env.js";
import type { Db } from "../store/db.js";
import {
  type ConditionChange,
  clearResolvedConditions,
  raiseStuckOperations,
  raiseUnhealthyTenants,
} from "../store/sql/conditions.js";

/**
 * Alerting conditions (docs/observability.md, "Alerting conditions"): an operation queued
 * or running longer than `stuckOperationAfterMs` since it was requested puts
 * `operation_stuck` on its tenant; a tenant `failed` or `degraded` longer than
 * `unhealthyTenantAfterMs` gets `unhealthy`. Each is raised with a `condition.raised`
 * event and cleared, once resolved, with a `condition.cleared` event (which webhooks
 * deliver like every event). Every process that runs workers sweeps; the statements are
 * conditional updates, so whichever process gets there first writes the condition and its
 * event, and the others write nothing.
 */
export interface AlertThresholds {
  stuckOperationAfterMs: number;
  unhealthyTenantAfterMs: number;
}

export interface SweepOptions extends AlertThresholds {
  /** The time to judge by (tests). @default the database's clock */
  now?: Date;
  /** At most this many conditions raised or cleared per kind and sweep. @default 500 */
  limit?: number;
}

export interface SweepResult {
  raised: ConditionChange[];
  cleared: ConditionChange[];
}

/** The counter of raised conditions: `tenantry_conditions_raised_total{type}`. */
export interface ConditionMetrics {
  raised(type: string): void;
}

export function createConditionMetrics(registry: Registry): ConditionMetrics {
  const raised = new Counter({
    name: "tenantry_conditions_raised_total",
    help: "Conditions put on tenants by this process's alerting sweep (operation_stuck, unhealthy), by type",
    labelNames: ["type"],
    registers: [registry],
  });
  // Both series exist from the start, so that `increase()` sees the first one.
  for (const type of ["operation_stuck", "unhealthy"]) raised.inc({ type }, 0);
  return { raised: (type) => raised.inc({ type }) };
}

/** One sweep: clears what is resolved, then raises what is past its threshold. */
export async function sweepConditions(db: Db, options: SweepOptions): Promise<SweepResult> {
  const limit = options.limit ?? 500;
  const cleared = await clearResolvedConditions(db, limit);
  const stuck = await raiseStuckOperations(db, {
    afterMs: options.stuckOperationAfterMs,
    label: formatDuration(options.stuckOperationAfterMs),
    limit,
    now: options.now,
  });
  const unhealthy = await raiseUnhealthyTenants(db, {
    afterMs: options.unhealthyTenantAfterMs,
    label: formatDuration(options.unhealthyTenantAfterMs),
    limit,
    now: options.now,
  });
  return { raised: [...stuck, ...unhealthy], cleared };
}

export interface ConditionSweeperOptions extends AlertThresholds {
  /** Time between sweeps. @default a tenth of the smaller threshold, between 5 s and 60 s */
  intervalMs?: number;
  metrics?: ConditionMetrics;
}

/** Sweeps every `intervalMs` until stopped; a sweep that fails is logged and the next one tries again. */
export class ConditionSweeper {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #options: ConditionSweeperOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(db: Db, logger: Logger, options: ConditionSweeperOptions) {
    this.#db = db;
    this.#logger = logger;
    this.#options = options;
    const smaller = Math.min(options.stuckOperationAfterMs, options.unhealthyTenantAfterMs);
    this.#intervalMs = options.intervalMs ?? Math.min(60_000, Math.max(5_000, Math.floor(smaller / 10)));
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One sweep now, logged and counted. */
  async sweep(now?: Date): Promise<SweepResult> {
    const result = await sweepConditions(this.#db, { ...this.#options, now });
    for (const change of result.raised) {
      this.#options.metrics?.raised(change.data.condition);
      this.#logger.warn(
        { tenantId: change.tenantId, ...change.data },
        `condition raised: ${change.data.condition}`,
      );
    }
    for (const change of result.cleared) {
      this.#logger.info(
        { tenantId: change.tenantId, ...change.data },
        `condition cleared: ${change.data.condition}`,
      );
    }
    return result;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.sweep()
        .then(
          () => {},
          (err: unknown) =>
            this.#logger.error(
              { err: err instanceof Error ? err.message : String(err) },
              "alerting sweep failed; the next one tries again",
            ),
        )
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, this.#intervalMs);
    this.#timer.unref();
  }
}
