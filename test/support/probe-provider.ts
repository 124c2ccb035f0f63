import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import {
  ABSENT,
  type ActionResult,
  type DriverLimits,
  type Observation,
  type Provider,
  type ProviderContext,
  type RecordedResource,
  type ResourceDriver,
} from "../../src/providers/provider.js";
import type { Queryable } from "../../src/store/db.js";

/**
 * A test provider (target `probe`) that keeps its "platform" in the test database itself,
 * in the schema `probe`, so that several worker processes share one platform and a test
 * can check afterwards what every worker did:
 *
 * - `probe.probe_objects`: the objects on the platform, keyed by external name, with how
 *   often each was created, adopted, updated and deleted;
 * - `probe.probe_calls`: every driver call, with the worker that made it and when;
 * - `probe.probe_active`: the tenant each call in flight acts on (one row per tenant);
 * - `probe.probe_violations`: broken invariants: `CONCURRENT` (two live workers acting on
 *   one tenant at the same time) and `DUPLICATE` (a create of an object that exists,
 *   which the engine must avoid by observing first after an unknown outcome).
 *
 * A call left in flight by a killed process leaves its `probe_active` row behind. To tell
 * such a stale row from a live one, every probe process holds a session advisory lock on
 * its own slot number on a dedicated connection; PostgreSQL releases it when the process
 * dies, so a row whose slot lock is free belongs to a dead process.
 */

export type ProbeAction = "observe" | "create" | "adopt" | "update" | "delete";

export interface ProbeCall {
  action: ProbeAction;
  kind: string;
  key: string;
  externalName: string;
  tenantId: string;
  tenantSlug: string;
  /** The probe's worker name. */
  worker: string;
}

export interface ProbeOptions {
  databaseUrl: string;
  /** Delay of every call, in ms. @default 0 */
  delayMs?: number;
  /** Per-call delay overriding `delayMs`; `Infinity` hangs the call forever (before its action). */
  delay?: (call: ProbeCall) => number | undefined;
  /** An error to throw instead of performing the action (after the delay). */
  failures?: (call: ProbeCall) => Error | undefined;
  /** After performing the action, hang forever (a crash after the platform did it, before the engine knew). */
  hangAfter?: (call: ProbeCall) => boolean;
  /** Name recorded in `probe_calls.worker`. @default host:pid */
  worker?: string | (() => string);
  /** Connections of the probe's pool. @default 4 */
  poolSize?: number;
  /** The provider's time limits (action timeout, maximum wait). */
  limits?: DriverLimits;
  /** Whether the probe is node-bound like the local target (`recoverOnStart`). @default false */
  nodeBound?: boolean;
}

export type ProbeProvider = Provider & {
  /** Creates the schema (if needed) and takes this process's liveness lock. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/** Advisory-lock class ids used by the probe (arbitrary, distinct from Tenantry's). */
const SCHEMA_LOCK = 4_711_000_001;
const LIVENESS_CLASS = 47_112;

const SCHEMA_SQL = `
create schema if not exists probe;
create table if not exists probe.probe_objects (
  external_name  text primary key,
  tenant_id      uuid not null,
  key            text not null,
  kind           text not null,
  provider_id    text not null,
  created_count  int not null default 1,
  adopted_count  int not null default 0,
  updated_count  int not null default 0,
  deleted_count  int not null default 0,
  deleted        boolean not null default false,
  created_by     text,
  created_at     timestamptz not null default clock_timestamp(),
  updated_at     timestamptz not null default clock_timestamp()
);
create table if not exists probe.probe_calls (
  id            bigserial primary key,
  tenant_id     uuid not null,
  key           text not null,
  kind          text not null,
  external_name text not null,
  action        text not null,
  worker        text not null,
  started_at    timestamptz not null default clock_timestamp(),
  ended_at      timestamptz,
  outcome       text
);
create index if not exists probe_calls_tenant on probe.probe_calls (tenant_id, id);
create table if not exists probe.probe_active (
  tenant_id  uuid primary key,
  worker     text not null,
  slot       int not null,
  call_id    bigint not null,
  since      timestamptz not null default clock_timestamp()
);
create table if not exists probe.probe_violations (
  id            bigserial primary key,
  kind          text not null,
  tenant_id     uuid not null,
  key           text,
  external_name text,
  action        text,
  worker        text,
  other_worker  text,
  detail        text,
  at            timestamptz not null default clock_timestamp()
);
create table if not exists probe.probe_workers (
  slot       serial primary key,
  name       text not null,
  started_at timestamptz not null default clock_timestamp()
);
`;

/** Creates the probe schema; safe to call from many processes at once. */
export async function ensureProbeSchema(db: {
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
}): Promise<void> {
  await db.tx(async (q) => {
    await q.query("select pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
    await q.query(SCHEMA_SQL);
  });
}

async function ensureSchemaWith(client: pg.ClientBase): Promise<void> {
  await client.query("begin");
  try {
    await client.query("select pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
    await client.query(SCHEMA_SQL);
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeps like a well-behaved driver waiting on its platform: stops when the engine aborts. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Connection trouble (server full, connection lost) rather than a bad statement. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && /^(53300|08...|57P0[123])$/.test(code)) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /too many clients|Connection terminated|ECONNRESET|ECONNREFUSED|timeout exceeded when trying to connect/i.test(
    message,
  );
}
/** Never resolves, but keeps the process alive (a pending promise alone would not). */
const forever = () => new Promise<void>(() => setInterval(() => {}, 60_000));

export function createProbeProvider(options: ProbeOptions): ProbeProvider {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 4,
    application_name: "tenantry-probe",
  });
  pool.on("error", () => {});
  /**
   * The probe's own bookkeeping must not get lost when the (shared) server is short of
   * connections: a lost violation would hide a bug, a lost cleanup would report one.
   */
  async function book<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const deadline = Date.now() + 30_000;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      try {
        return await pool.query<R>(text, values);
      } catch (err) {
        if (!isConnectionError(err) || Date.now() > deadline) throw err;
        await sleep(wait);
      }
    }
  }
  const workerName = () => {
    const w = options.worker;
    if (typeof w === "function") return w();
    return w ?? `${hostname()}:${process.pid}`;
  };
  let liveness: pg.Client | undefined;
  let slot = 0;
  let readyPromise: Promise<void> | undefined;
  let closed = false;

  const ready = () => {
    readyPromise ??= (async () => {
      const client = new pg.Client({
        connectionString: options.databaseUrl,
        application_name: "tenantry-probe-live",
      });
      client.on("error", () => {});
      await client.connect();
      await ensureSchemaWith(client);
      const { rows } = await client.query<{ slot: number }>(
        "insert into probe.probe_workers (name) values ($1) returning slot",
        [workerName()],
      );
      slot = rows[0]!.slot;
      // Held for the life of this process: released by PostgreSQL when the process dies.
      await client.query("select pg_advisory_lock($1, $2)", [LIVENESS_CLASS, slot]);
      liveness = client;
    })();
    return readyPromise;
  };

  async function violation(
    call: ProbeCall,
    kind: "CONCURRENT" | "DUPLICATE",
    detail: string,
    otherWorker: string | null = null,
  ): Promise<void> {
    await book(
      `insert into probe.probe_violations (kind, tenant_id, key, external_name, action, worker, other_worker, detail)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [kind, call.tenantId, call.key, call.externalName, call.action, call.worker, otherWorker, detail],
    );
  }

  /** Marks the tenant as acted on by this call; records a violation when a live worker already is. */
  async function enter(call: ProbeCall, callId: number): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      const inserted = await book(
        `insert into probe.probe_active (tenant_id, worker, slot, call_id) values ($1, $2, $3, $4)
         on conflict (tenant_id) do nothing returning tenant_id`,
        [call.tenantId, call.worker, slot, callId],
      );
      if (inserted.rowCount === 1) return;
      const { rows } = await book<{ worker: string; call_id: number; live: boolean }>(
        `select a.worker, a.call_id,
           exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.granted
                     and l.classid = $2 and l.objid = a.slot and l.objsubid = 2) as live
         from probe.probe_active a where a.tenant_id = $1`,
        [call.tenantId, LIVENESS_CLASS],
      );
      const other = rows[0];
      if (!other) continue; // it just ended: try again
      if (Number(other.call_id) === callId) return; // our insert went through before a connection error
      if (other.live) {
        await violation(
          call,
          "CONCURRENT",
          `${call.action} ${call.key} while ${other.worker} (call ${other.call_id}) acts on the same tenant`,
          other.worker,
        );
        return;
      }
      // Left behind by a process that died mid-call: take it over.
      const taken = await book(
        "update probe.probe_active set worker = $2, slot = $3, call_id = $4, since = clock_timestamp() where tenant_id = $1 and call_id = $5",
        [call.tenantId, call.worker, slot, callId, other.call_id],
      );
      if (taken.rowCount === 1) return;
    }
    throw new Error(`probe: could not mark tenant ${call.tenantId} active`);
  }

  async function create(call: ProbeCall): Promise<ActionResult> {
    const client = await pool.connect();
    try {
      await client.query("begin");
      const { rows } = await client.query<{ deleted: boolean; provider_id: string }>(
        "select deleted, provider_id from probe.probe_objects where external_name = $1 for update",
        [call.externalName],
      );
      const existing = rows[0];
      let providerId: string;
      if (!existing) {
        providerId = `probe-${randomUUID()}`;
        await client.query(
          `insert into probe.probe_objects (external_name, tenant_id, key, kind, provider_id, created_by)
           values ($1, $2, $3, $4, $5, $6)`,
          [call.externalName, call.tenantId, call.key, call.kind, providerId, call.worker],
        );
      } else {
        providerId = existing.provider_id;
        await client.query(
          `update probe.probe_objects set created_count = created_count + 1, deleted = false,
             updated_at = clock_timestamp() where external_name = $1`,
          [call.externalName],
        );
      }
      await client.query("commit");
      if (existing && !existing.deleted) {
        await violation(call, "DUPLICATE", `create of ${call.externalName}, which exists already`);
      }
      return { state: "done", providerId, outputs: { externalName: call.externalName } };
    } catch (err) {
      await client.query("rollback").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function perform(call: ProbeCall, resource: RecordedResource): Promise<ActionResult | Observation> {
    switch (call.action) {
      case "observe": {
        const { rows } = await pool.query<{ provider_id: string }>(
          "select provider_id from probe.probe_objects where external_name = $1 and not deleted",
          [resource.externalName],
        );
        const row = rows[0];
        return row
          ? { providerId: row.provider_id, state: "ready", outputs: { externalName: resource.externalName } }
          : ABSENT;
      }
      case "create":
        return create(call);
      case "adopt":
      case "update": {
        const column = call.action === "adopt" ? "adopted_count" : "updated_count";
        const { rows } = await pool.query<{ provider_id: string }>(
          `update probe.probe_objects set ${column} = ${column} + 1, updated_at = clock_timestamp()
           where external_name = $1 returning provider_id`,
          [resource.externalName],
        );
        const row = rows[0];
        if (!row) throw new Error(`probe: ${call.action} of ${resource.externalName}, which does not exist`);
        return {
          state: "done",
          providerId: row.provider_id,
          outputs: { externalName: resource.externalName },
        };
      }
      case "delete":
        await pool.query(
          `update probe.probe_objects set deleted = true, deleted_count = deleted_count + 1,
             updated_at = clock_timestamp() where external_name = $1`,
          [resource.externalName],
        );
        return { state: "done" };
    }
  }

  async function run(
    action: ProbeAction,
    ctx: ProviderContext,
    resource: RecordedResource,
  ): Promise<ActionResult | Observation> {
    if (closed) throw new Error("probe provider is closed");
    await ready();
    const call: ProbeCall = {
      action,
      kind: resource.kind,
      key: resource.key,
      externalName: resource.externalName,
      tenantId: ctx.tenant.id,
      tenantSlug: ctx.tenant.slug,
      worker: workerName(),
    };
    const { rows } = await book<{ id: number }>(
      `insert into probe.probe_calls (tenant_id, key, kind, external_name, action, worker)
       values ($1, $2, $3, $4, $5, $6) returning id`,
      [call.tenantId, call.key, call.kind, call.externalName, call.action, call.worker],
    );
    const callId = rows[0]!.id;
    await enter(call, callId);
    let outcome = "ok";
    try {
      const delay = options.delay?.(call) ?? options.delayMs ?? 0;
      if (delay === Number.POSITIVE_INFINITY) await forever();
      else if (delay > 0) await sleepUnlessAborted(delay, ctx.signal);
      const failure = options.failures?.(call);
      if (failure) {
        outcome = `error: ${failure.message}`;
        throw failure;
      }
      const result = await perform(call, resource);
      if (options.hangAfter?.(call)) {
        outcome = "hung after the action";
        await book("update probe.probe_calls set outcome = $2 where id = $1", [callId, outcome]);
        await forever();
      }
      return result;
    } catch (err) {
      if (outcome === "ok") outcome = `error: ${(err as Error).message}`;
      throw err;
    } finally {
      await book("delete from probe.probe_active where tenant_id = $1 and call_id = $2", [
        call.tenantId,
        callId,
      ]);
      await book("update probe.probe_calls set ended_at = clock_timestamp(), outcome = $2 where id = $1", [
        callId,
        outcome,
      ]);
    }
  }

  const driver: ResourceDriver = {
    observe: (ctx, r) => run("observe", ctx, r) as Promise<Observation>,
    // The probe books apply as what it meant: a create, an adoption or an update.
    apply: (ctx, r, observed) =>
      run(observed ? "adopt" : r.providerId === null ? "create" : "update", ctx, r) as Promise<ActionResult>,
    delete: (ctx, r) => run("delete", ctx, r) as Promise<ActionResult>,
  };

  return {
    name: "probe",
    drivers: { postgres: driver, web: driver, worker: driver },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.nodeBound ? { recoverOnStart: true } : {}),
    ready,
    async close() {
      if (closed) return;
      closed = true;
      await readyPromise?.catch(() => {});
      await liveness?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

// ---------------------------------------------------------------------------------------
// Reading the probe's records (from a test)

export interface ProbeObject {
  externalName: string;
  tenantId: string;
  key: string;
  kind: string;
  providerId: string;
  createdCount: number;
  adoptedCount: number;
  updatedCount: number;
  deletedCount: number;
  deleted: boolean;
  createdBy: string | null;
}

export interface ProbeCallRow {
  id: number;
  tenantId: string;
  key: string;
  action: ProbeAction;
  worker: string;
  startedAt: Date;
  endedAt: Date | null;
  outcome: string | null;
}

export interface ProbeViolation {
  kind: "CONCURRENT" | "DUPLICATE";
  tenantId: string;
  key: string | null;
  action: string | null;
  worker: string | null;
  otherWorker: string | null;
  detail: string | null;
}

export async function probeObjects(q: Queryable, tenantIds?: string[]): Promise<ProbeObject[]> {
  const { rows } = await q.query(
    `select * from probe.probe_objects where $1::uuid[] is null or tenant_id = any($1::uuid[])
     order by tenant_id, key`,
    [tenantIds ?? null],
  );
  return rows.map((r) => ({
    externalName: r.external_name,
    tenantId: r.tenant_id,
    key: r.key,
    kind: r.kind,
    providerId: r.provider_id,
    createdCount: r.created_count,
    adoptedCount: r.adopted_count,
    updatedCount: r.updated_count,
    deletedCount: r.deleted_count,
    deleted: r.deleted,
    createdBy: r.created_by,
  }));
}

export async function probeCalls(
  q: Queryable,
  filter: { tenantId?: string; key?: string; action?: ProbeAction; worker?: string } = {},
): Promise<ProbeCallRow[]> {
  const { rows } = await q.query(
    `select * from probe.probe_calls
     where ($1::uuid is null or tenant_id = $1) and ($2::text is null or key = $2)
       and ($3::text is null or action = $3) and ($4::text is null or worker = $4)
     order by id`,
    [filter.tenantId ?? null, filter.key ?? null, filter.action ?? null, filter.worker ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    key: r.key,
    action: r.action,
    worker: r.worker,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
  }));
}

export async function probeViolations(q: Queryable, tenantIds?: string[]): Promise<ProbeViolation[]> {
  const { rows } = await q.query(
    `select * from probe.probe_violations where $1::uuid[] is null or tenant_id = any($1::uuid[]) order by id`,
    [tenantIds ?? null],
  );
  return rows.map((r) => ({
    kind: r.kind,
    tenantId: r.tenant_id,
    key: r.key,
    action: r.action,
    worker: r.worker,
    otherWorker: r.other_worker,
    detail: r.detail,
  }));
}

/** Counts over the whole probe: objects, creates beyond the first, violations by kind, workers seen. */
export async function probeSummary(q: Queryable): Promise<{
  objects: number;
  extraCreates: number;
  deleted: number;
  duplicates: number;
  concurrent: number;
  workers: number;
}> {
  const { rows } = await q.query<{
    objects: number;
    extra_creates: number;
    deleted: number;
    duplicates: number;
    concurrent: number;
    workers: number;
  }>(
    `select
       (select count(*)::int from probe.probe_objects) as objects,
       (select coalesce(sum(created_count - 1), 0)::int from probe.probe_objects) as extra_creates,
       (select count(*)::int from probe.probe_objects where deleted) as deleted,
       (select count(*)::int from probe.probe_violations where kind = 'DUPLICATE') as duplicates,
       (select count(*)::int from probe.probe_violations where kind = 'CONCURRENT') as concurrent,
       (select count(distinct worker)::int from probe.probe_calls) as workers`,
  );
  const r = rows[0]!;
  return {
    objects: r.objects,
    extraCreates: r.extra_creates,
    deleted: r.deleted,
    duplicates: r.duplicates,
    concurrent: r.concurrent,
    workers: r.workers,
  };
}

/** Thrown by a `waitFor` check to stop waiting at once (the awaited state can no longer come). */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GiveUp";
  }
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after
 * `timeoutMs`. Errors thrown by `check` are retried (reported on timeout), except {@link GiveUp}.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : "";
      throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what}${why}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}
