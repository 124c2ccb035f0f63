import { hostname } from "node:os";
import pg from "pg";
import type { Logger } from "pino";
import { transition } from "../domain/lifecycle.js";
import { type Placement, placementLogFields, placementOf } from "../domain/placement.js";
import type { Operation } from "../domain/types.js";
import type { ProviderCondition } from "../providers/provider.js";
import { createDb, type Db } from "../store/db.js";
import { appendEvent } from "../store/sql/events.js";
import { getOperationTenant, type OperationTenant } from "../store/sql/metrics.js";
import {
  type ClaimedOperation,
  claimOperations,
  finishOperation,
  type Lease,
  lastOpenStep,
  listenForWork,
  lockWorker,
  releaseLease,
  renewLease,
  requeueOperation,
} from "../store/sql/operations.js";
import { getTenantById, setTenantCondition, updateTenantStatus } from "../store/sql/tenants.js";
import { abortReason } from "./aborted.js";
import { backoffDelay, type RetryPolicy } from "./backoff.js";
import { AbortedError, classify, type FailureCode } from "./failures.js";
import type { EngineMetrics } from "./metrics.js";
import { fenced, type ReconcilerDeps, reconcilePass } from "./reconciler.js";

export interface WorkerOptions {
  /** Operations worked on at once by this worker. @default 8 */
  concurrency: number;
  /** Lease length; renewed every third of it while working. @default 15 */
  leaseSeconds: number;
  /** Fallback poll when no notification arrives. @default 1000 */
  pollIntervalMs: number;
  retry: RetryPolicy;
  /** Connection string for the LISTEN connection (the pool cannot hold one). */
  databaseUrl: string;
  /** Unique name of this worker; appears as `lease_owner`. @default host:pid:random */
  id?: string;
  /**
   * The node this worker runs on (`TENANTRY_NODE_ID`): it claims operations bound to this
   * node (the local target's) and unbound ones. Unset: unbound ones only.
   */
  nodeId?: string | null;
  /**
   * The installation's default of `max_concurrent_operations` (organizations' overrides
   * are read by the claim itself); 0 = unlimited. @default 0
   */
  maxConcurrentOperations?: number;
  metrics?: EngineMetrics;
}

/**
 * How long before the lease would run out the worker gives up a pass whose renewals
 * were not confirmed: a fifth of the lease, at least 200 ms, at most 3 s.
 */
export function leaseMarginMs(leaseMs: number): number {
  return Math.min(3000, Math.max(200, leaseMs / 5));
}

/** The statement timeout of the engine's queries: a quarter of the lease, at least 250 ms. */
export function engineStatementTimeoutMs(leaseSeconds: number): number {
  return Math.max(250, (leaseSeconds * 1000) / 4);
}

export interface WorkerDeps extends ReconcilerDeps {}

/**
 * A worker: claims ready operations with a lease, runs reconcile passes for them with
 * bounded concurrency, renews leases while working, and sleeps until notified.
 * See src/engine/README.md for the protocol.
 */
export class Worker {
  readonly id: string;
  readonly #deps: WorkerDeps;
  readonly #opts: WorkerOptions;
  readonly #log: Logger;
  readonly #inflight = new Map<string, { lease: Lease; abort: AbortController; done: Promise<void> }>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #listener: pg.Client | undefined;
  /** Whether the worker session holds the worker lock: only then does the worker claim. */
  #alive = false;
  #timers = new Set<NodeJS.Timeout>();
  /**
   * Lease renewals have their own connection, with a statement timeout well under a
   * third of the lease: a pool saturated by passes never delays them.
   */
  readonly #renewals: Db;

  constructor(deps: WorkerDeps, options: WorkerOptions) {
    this.#deps = deps;
    this.#opts = options;
    this.id = options.id ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.#log = deps.logger.child({ component: "worker", worker: this.id });
    this.#renewals = createDb(options.databaseUrl, {
      max: 2,
      applicationName: "tenantry-lease",
      statementTimeoutMs: engineStatementTimeoutMs(options.leaseSeconds),
    });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#listen();
    this.#loop = this.#run();
    this.#log.info({ concurrency: this.#opts.concurrency }, "worker started");
  }

  /**
   * Stops claiming, aborts work in progress at its next check and hands those
   * operations back at once (instead of waiting for their leases to expire).
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#poke();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const job of this.#inflight.values()) job.abort.abort(new AbortedError("worker shutting down"));
    await this.#loop;
    await Promise.all([...this.#inflight.values()].map((j) => j.done));
    const listener = this.#listener;
    this.#listener = undefined;
    this.#alive = false;
    await listener?.end().catch(() => {});
    await this.#renewals.close().catch(() => {});
    this.#log.info("worker stopped");
  }

  get activeCount(): number {
    return this.#inflight.size;
  }

  #poke(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * The worker's own session: it holds the worker lock (others see the worker alive as
   * long as it lasts, see `WORKER_LOCK_CLASS`) and listens for new work. When it is lost
   * (the database restarted, the connection dropped), other workers may take over this
   * worker's operations at once, so every pass in flight is aborted (handed back, no
   * attempt spent) and nothing is claimed until the session is back: reconnecting with
   * backoff, then a poke to look for work at once.
   */
  async #listen(attempt = 0): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#opts.databaseUrl,
      application_name: "tenantry-worker",
      connectionTimeoutMillis: 10_000,
    });
    const lost = (why: string) => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      this.#alive = false;
      client.end().catch(() => {});
      if (!this.#running) return;
      this.#log.warn(
        { err: why, passes: this.#inflight.size },
        "worker session lost: handing back the work in flight until it is back",
      );
      for (const job of this.#inflight.values()) {
        job.abort.abort(new AbortedError("the worker's database session was lost"));
      }
      this.#reconnect(1);
    };
    client.on("notification", () => this.#poke());
    client.on("error", (err) => lost(err.message));
    client.on("end", () => lost("connection closed"));
    try {
      await client.connect();
      if (!(await lockWorker(client, this.id))) {
        // The old session of this worker is still there (the server has not noticed it is
        // gone yet): wait for it to go.
        throw new Error("the worker's lock is still held by an earlier session");
      }
      await listenForWork(client);
      if (!this.#running) {
        await client.end().catch(() => {});
        return;
      }
      this.#listener = client;
      this.#alive = true;
      if (attempt > 0) this.#log.info({ attempts: attempt }, "worker session is back");
      this.#poke();
    } catch (err) {
      client.removeAllListeners("end");
      client.removeAllListeners("error");
      client.on("error", () => {});
      await client.end().catch(() => {});
      if (attempt === 0)
        this.#log.warn({ err: (err as Error).message }, "cannot open the worker session; retrying");
      this.#reconnect(attempt + 1);
    }
  }

  /** Tries the worker session again after a backoff (the poll interval, doubling, at most 10 s). */
  #reconnect(attempt: number): void {
    if (!this.#running) return;
    const delay = Math.min(10_000, this.#opts.pollIntervalMs * 2 ** Math.min(attempt - 1, 10));
    this.#later(delay, () => {
      if (this.#running && !this.#listener) this.#listen(attempt).catch(() => {});
    });
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref?.();
    this.#timers.add(t);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const free = this.#opts.concurrency - this.#inflight.size;
      let claimed: ClaimedOperation[] = [];
      // Reset on every turn, also when no slot is free: a wake-up that arrives while the
      // worker is full must lead to a sleep, not to a `continue` below without an await,
      // which would spin forever and starve the work in flight.
      this.#woken = false;
      if (free > 0 && this.#alive) {
        // The lease runs from the moment the claim was sent, as far as this worker knows.
        const sentAt = Date.now();
        try {
          claimed = await claimOperations(
            this.#deps.db,
            this.id,
            free,
            this.#opts.leaseSeconds,
            this.#opts.nodeId ?? null,
            this.#opts.maxConcurrentOperations ?? 0,
          );
        } catch (err) {
          this.#log.error({ err: (err as Error).message }, "claiming work failed; retrying");
        }
        for (const op of claimed) this.#start(op, sentAt);
        // A full batch means more may be waiting: claim again at once.
        if (claimed.length === free) continue;
      }
      if (!this.#running) break;
      if (this.#woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.#opts.pollIntervalMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #start(op: ClaimedOperation, claimedAt: number): void {
    const lease: Lease = { operationId: op.id, owner: this.id, epoch: op.leaseEpoch };
    const abort = new AbortController();
    if (op.previousOwner !== null) this.#opts.metrics?.tookOver(op);
    const done = this.#work(op, lease, abort, claimedAt).finally(() => {
      this.#inflight.delete(op.id);
      this.#poke();
    });
    this.#inflight.set(op.id, { lease, abort, done });
  }

  async #work(op: Operation, lease: Lease, abort: AbortController, claimedAt: number): Promise<void> {
    // `requestId`: the request that started the operation, as on its HTTP log line. The
    // tenant's slug, target and region are added once read (below): every line of the
    // pass has them, the lease keeper's too (docs/observability.md, "Logs").
    const log = this.#log.child({
      operation: op.id,
      tenantId: op.tenantId,
      organizationId: op.organizationId,
      kind: op.kind,
      ...(op.requestId ? { requestId: op.requestId } : {}),
    });
    const started = performance.now();
    this.#opts.metrics?.claimed(op);
    const keeper = this.#keepLease(lease, abort, log, claimedAt);
    const tenant = await this.#tenantOf(op, log);
    const ended = (status: "succeeded" | "failed") => this.#ended(op, status, started, tenant);
    try {
      if (op.lostClaims >= op.maxAttempts) {
        // Every pass of this operation so far ended with its worker gone (out of memory,
        // SIGKILL): running it again would only kill another one.
        const step = await lastOpenStep(this.#deps.db, op.id);
        await this.#markFailed(
          op,
          lease,
          "WORKER_DIED",
          `the worker died ${op.lostClaims} times while ${step ? `running "${step}"` : "working on this operation"}; not retried again (see the worker's logs: out of memory? killed?)`,
        );
        await ended("failed");
        log.error(
          { lostClaims: op.lostClaims, step, status: "failed" },
          "operation failed: its workers keep dying",
        );
        return;
      }
      const leaseMs = this.#opts.leaseSeconds * 1000;
      const outcome = await reconcilePass(
        this.#deps,
        op,
        lease,
        abort.signal,
        keeper.deadline,
        leaseMs - leaseMarginMs(leaseMs),
        log,
      );
      if (outcome.kind === "wait") {
        await fenced(this.#deps.db, lease, (q) => requeueOperation(q, lease, outcome.delayMs));
        this.#later(outcome.delayMs, () => this.#poke());
        log.debug({ delayMs: outcome.delayMs, reason: outcome.reason }, "waiting on the platform");
      } else {
        await ended("succeeded");
      }
    } catch (err) {
      // Whatever a driver threw once the pass was aborted (shutdown, lost lease, lease
      // deadline), it is the abort: not a failure, and it spends no attempt.
      await this.#fail(
        op,
        lease,
        abort.signal.aborted ? new AbortedError(abortReason(abort.signal)) : err,
        log,
        ended,
      );
    } finally {
      keeper.stop();
    }
  }

  /**
   * Renews the lease every third of its length, on its own connection, and keeps the
   * pass's deadline: `last confirmed renewal + lease − margin`. A timer aborts the pass
   * at that deadline whatever the renewals are doing (failing, or merely slow), so no
   * provider call goes on once another worker may have taken over; a renewal that finds
   * the lease gone aborts it at once.
   */
  #keepLease(
    lease: Lease,
    abort: AbortController,
    log: Logger,
    claimedAt: number,
  ): { stop(): void; deadline(): number } {
    const leaseMs = this.#opts.leaseSeconds * 1000;
    const margin = leaseMarginMs(leaseMs);
    let confirmed = claimedAt;
    let stopped = false;
    let inFlight = false;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = () => confirmed + leaseMs - margin;
    const arm = () => {
      clearTimeout(deadlineTimer);
      deadlineTimer = setTimeout(
        () => {
          if (stopped || abort.signal.aborted) return;
          log.warn(
            { leaseMs, marginMs: margin },
            "no renewal of the lease was confirmed in time; abandoning the pass before the lease runs out",
          );
          abort.abort(new AbortedError("the lease's deadline passed without a confirmed renewal"));
        },
        Math.max(0, deadline() - Date.now()),
      );
      deadlineTimer.unref?.();
    };
    arm();
    const timer = setInterval(() => {
      // A slow renewal is still out: do not pile more up behind it.
      if (inFlight || stopped) return;
      inFlight = true;
      const sentAt = Date.now();
      renewLease(this.#renewals, lease, this.#opts.leaseSeconds)
        .then((held) => {
          // A renewal that was in flight when the pass finished finds the operation
          // no longer running: that is not a lost lease.
          if (stopped) return;
          if (held) {
            confirmed = Math.max(confirmed, sentAt);
            arm();
          } else if (!abort.signal.aborted) {
            log.warn("lease lost; abandoning the operation to its new owner");
            abort.abort(new AbortedError("lease lost"));
          }
        })
        .catch((err) => {
          if (!stopped) log.warn({ err: (err as Error).message }, "could not renew lease");
        })
        .finally(() => {
          inFlight = false;
        });
    }, leaseMs / 3);
    timer.unref?.();
    return {
      stop() {
        stopped = true;
        clearInterval(timer);
        clearTimeout(deadlineTimer);
      },
      deadline,
    };
  }

  async #fail(
    op: Operation,
    lease: Lease,
    err: unknown,
    log: Logger,
    ended: (status: "failed") => Promise<void>,
  ): Promise<void> {
    const failure = classify(err);
    try {
      switch (failure.kind) {
        case "lease_lost":
          log.warn("lease lost; another worker owns this operation now");
          return;
        case "aborted":
          // Hand the operation back at once (a no-op when the lease is someone else's
          // now): no attempt is spent, and any worker may go on with it.
          await releaseLease(this.#renewals, lease);
          log.info({ reason: failure.message }, "pass aborted; operation handed back");
          return;
        case "wait": {
          // A platform's "not now" (rate limit): come back then; no attempt is spent.
          const delay = Math.max(failure.delayMs, 50);
          await fenced(this.#deps.db, lease, (q) => requeueOperation(q, lease, delay));
          this.#later(delay, () => this.#poke());
          log.info({ delayMs: delay, reason: failure.message }, "waiting for the platform's rate limit");
          return;
        }
        case "transient": {
          if (failure.code === "DATABASE_TRANSIENT") {
            // Tenantry's own database hiccuped (too many connections, a deadlock, a
            // failover): not the tenant's fault, so it does not spend an attempt.
            const delay = backoffDelay(this.#opts.retry, Math.max(1, op.attempt + 1));
            await fenced(this.#deps.db, lease, (q) => requeueOperation(q, lease, delay));
            this.#later(delay, () => this.#poke());
            log.warn({ delayMs: delay, err: failure.message }, "database error; operation requeued");
            return;
          }
          const attempt = op.attempt + 1;
          if (attempt < op.maxAttempts) {
            const delay = backoffDelay(this.#opts.retry, attempt);
            await fenced(this.#deps.db, lease, async (q) => {
              await requeueOperation(q, lease, delay, {
                attempt,
                errorCode: failure.code,
                errorMessage: failure.message,
              });
              await appendEvent(q, {
                organizationId: op.organizationId,
                tenantId: op.tenantId,
                operationId: op.id,
                type: "operation.retry_scheduled",
                message: `attempt ${attempt} of ${op.maxAttempts} failed: ${failure.message}; retrying in ${(delay / 1000).toFixed(1)} s`,
                data: { attempt, delayMs: delay, code: failure.code },
              });
            });
            this.#later(delay, () => this.#poke());
            log.warn({ attempt, delayMs: delay, err: failure.message }, "transient failure; retry scheduled");
            return;
          }
          await this.#markFailed(
            op,
            lease,
            failure.code,
            `gave up after ${attempt} attempts: ${failure.message}`,
          );
          break;
        }
        case "permanent":
          await this.#markFailed(op, lease, failure.code, failure.message, failure.condition);
          break;
      }
      await ended("failed");
      log.error(
        {
          err: failure.kind === "permanent" || failure.kind === "transient" ? failure.message : "",
          code: failure.code,
          status: "failed",
        },
        "operation failed",
      );
    } catch (inner) {
      // The lease is gone or the database is unreachable: the operation stays claimed
      // until its lease expires, and then another worker picks it up.
      log.error({ err: (inner as Error).message }, "could not record the failure; the lease will expire");
    }
  }

  async #markFailed(
    op: Operation,
    lease: Lease,
    code: FailureCode,
    message: string,
    condition?: ProviderCondition,
  ): Promise<void> {
    await fenced(this.#deps.db, lease, async (q) => {
      const tenant = await getTenantById(q, op.tenantId);
      if (tenant) {
        const next = transition(tenant.status, { type: "failed" });
        if (next.ok) {
          await updateTenantStatus(q, tenant.id, {
            status: next.status,
            from: tenant.status,
            errorMessage: message,
            failedOperationId: op.id,
          });
        }
        await appendEvent(q, {
          organizationId: op.organizationId,
          tenantId: op.tenantId,
          operationId: op.id,
          type: "tenant.status_changed",
          message: `${tenant.status} → failed: ${message}`,
          data: { from: tenant.status, to: "failed", code, error: message },
        });
      }
      if (condition === "access_error") {
        // The platform refused Tenantry's credentials (the provider's AccessError): a
        // condition someone has to act on.
        await setTenantCondition(q, op.tenantId, { type: "access_error", message }, op.id);
      }
      await finishOperation(q, op.id, { status: "failed", errorCode: code, errorMessage: message });
      return tenant?.target;
    }).then((target) => {
      if (condition === "access_error" && target) this.#opts.metrics?.accessError(target);
    });
  }

  /**
   * The operation's tenant as its log lines and metrics name it, read once per pass (one
   * indexed query) and bound to the pass's logger: slug, target, and the cloud and region
   * where the tenant's resources say. Unreadable (the database hiccuped): the lines go
   * without, and the pass goes on, which fails on its own if the database is gone.
   */
  async #tenantOf(op: Operation, log: Logger): Promise<OperationTenant | undefined> {
    const tenant = await getOperationTenant(this.#deps.db, op.tenantId).catch(() => null);
    if (!tenant) return undefined;
    log.setBindings({
      tenant: tenant.slug,
      target: tenant.target,
      ...placementLogFields(tenant.target, tenant.hints),
    });
    return tenant;
  }

  /**
   * Counts the operation's end. A failure's `cloud`/`region` are read again: resources
   * recorded during this pass (a first create) say where the tenant was being made.
   */
  async #ended(
    op: Operation,
    status: "succeeded" | "failed",
    started: number,
    atStart: OperationTenant | undefined,
  ): Promise<void> {
    const metrics = this.#opts.metrics;
    if (!metrics) return;
    const passSeconds = (performance.now() - started) / 1000;
    const at = Date.now();
    const tenant =
      status === "failed"
        ? ((await getOperationTenant(this.#deps.db, op.tenantId).catch(() => null)) ?? atStart)
        : atStart;
    const target = tenant?.target ?? "unknown";
    const placement: Placement = placementOf(target, tenant?.hints ?? []);
    metrics.finished(op, { status, passSeconds, target, placement, at });
  }
}
