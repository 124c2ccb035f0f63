import { escapeLiteral } from "pg";
import type { TenantEventOf } from "../../domain/events.js";
import type { OperationKind, WorkKind } from "../../domain/lifecycle.js";
import type { Operation, OperationStep } from "../../domain/types.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";
import { toOperation, toStep } from "./rows.js";

/** The channel that wakes idle workers when work is queued. */
export const WORK_CHANNEL = "tenantry_work";

/**
 * Every worker holds the session advisory lock `(WORKER_LOCK_CLASS, hashtext(<worker
 * id>))` on its own connection while it is alive. PostgreSQL releases it the moment that
 * connection dies (the process was killed), so other workers can take over its
 * operations at once instead of waiting for the lease to run out; a live worker, however
 * slow, keeps its lock and its leases.
 */
export const WORKER_LOCK_CLASS = 728_391_055;

/** The SQL of the live workers' lock keys in this database (see {@link WORKER_LOCK_CLASS}). */
export const LIVE_WORKERS = `select l.objid::bigint as key from pg_locks l
   where l.locktype = 'advisory' and l.classid = ${WORKER_LOCK_CLASS} and l.objsubid = 2 and l.granted
     and l.database = (select oid from pg_database where datname = current_database())`;

/** Whether the operation row `o`'s lease owner holds no worker lock (it died). */
export const OWNER_GONE = "(hashtext(o.lease_owner)::bigint & 4294967295) not in (select key from live)";

/** Takes this worker's lock on its own session; false while another session holds it. */
export async function lockWorker(q: Queryable, workerId: string): Promise<boolean> {
  const { rows } = await q.query<{ locked: boolean }>(
    "select pg_try_advisory_lock($1, hashtext($2)) as locked",
    [WORKER_LOCK_CLASS, workerId],
  );
  return rows[0]?.locked === true;
}

/** What a worker holds while it works on an operation; every write it makes carries it. */
export interface Lease {
  operationId: string;
  owner: string;
  epoch: number;
}

export class LeaseLostError extends Error {
  constructor(lease: Lease) {
    super(
      `lease on operation ${lease.operationId} (epoch ${lease.epoch}) is no longer held by ${lease.owner}`,
    );
    this.name = "LeaseLostError";
  }
}

export interface NewOperation {
  organizationId: string;
  tenantId: string;
  kind: OperationKind;
  effectiveKind: WorkKind;
  retryOf?: string | null;
  generation: number;
  maxAttempts: number;
  requestedBy?: string | null;
  /** The id of the API request that asked for it (`X-Request-Id`). */
  requestId?: string | null;
  /** An event for the tenant's timeline, recorded in the same statement (with the requester). */
  event?: TenantEventOf;
}

export async function insertOperation(q: Queryable, op: NewOperation): Promise<Operation> {
  // The notification is delivered on commit: an idle worker wakes as soon as the request is durable.
  const { rows } = await q.query(
    `with o as (
       insert into operations (id, organization_id, tenant_id, kind, effective_kind, retry_of, status, generation,
         max_attempts, requested_by, node_id, request_id, requested_by_name)
       values ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, (select node_id from tenants where id = $3), $13,
         (select name from api_keys where id = $9))
       returning *),
     e as (
       insert into events (organization_id, tenant_id, operation_id, type, message, data, actor_id, actor_name, request_id)
       select o.organization_id, o.tenant_id, o.id, $10, $11, $12, o.requested_by, o.requested_by_name, o.request_id
         from o where $10::text is not null)
     select o.*, pg_notify('${WORK_CHANNEL}', '') from o`,
    [
      newId(),
      op.organizationId,
      op.tenantId,
      op.kind,
      op.effectiveKind,
      op.retryOf ?? null,
      op.generation,
      op.maxAttempts,
      op.requestedBy ?? null,
      op.event?.type ?? null,
      op.event?.message ?? null,
      op.event?.data ?? {},
      op.requestId ?? null,
    ],
  );
  return toOperation(rows[0]);
}

/**
 * A claimed operation, and who held its lease before: set exactly when the claim took the
 * operation over from a worker that did not hand it back (its lease ran out, or it died);
 * null for queued work and for work handed back (a wait, a retry, a clean shutdown).
 */
export type ClaimedOperation = Operation & { previousOwner: string | null };

/**
 * Claims up to `limit` ready operations for `owner`, fairly across organizations: an
 * organization's k-th oldest ready operation ranks as its running operations + k, so the
 * oldest of every organization comes before the second of any, and a claim of one free
 * slot goes to the organization with the fewest operations running, not to the oldest
 * queue (without that, slots freed one at a time would serve organizations first come,
 * first served: bench/fairness.ts).
 * `SKIP LOCKED` lets many workers claim at once without blocking each other; the epoch
 * is bumped so that writes from any earlier holder are fenced off.
 *
 * An organization's `max_concurrent_operations` (its override, else `maxConcurrentDefault`;
 * 0 = unlimited) caps how many of its operations are `running`: a queued one starts only
 * while there is room (`tenantry_claim_headroom`, migration 0008, which also makes claims
 * for one organization take turns across workers). Operations already running (resumed
 * after a wait, taken over from a dead worker) are always claimable, and the other
 * organizations' work is ranked as before, so an organization at its limit slows no one.
 */
export async function claimOperations(
  q: Queryable,
  owner: string,
  limit: number,
  leaseSeconds: number,
  /** Operations bound to a node (the local target's) are claimed only by workers of that node. */
  nodeId: string | null = null,
  maxConcurrentDefault = 0,
): Promise<ClaimedOperation[]> {
  const claimable = `o.run_at <= now()
           and (o.lease_expires_at is null or o.lease_expires_at < now() or ${OWNER_GONE})
           and (o.node_id is null or o.node_id = $4)`;
  const { rows } = await q.query(
    // The organizations with unfinished work, by a loose index scan (one index probe per
    // organization, however long the queue), then the first `limit` ready operations of
    // each, ranked within their organization. This keeps a claim cheap with thousands
    // of queued operations, where ranking the whole queue would be O(queue) per claim.
    `with recursive live as materialized (${LIVE_WORKERS}),
     orgs(org) as (
       (select organization_id from operations where status in ('queued', 'running')
        order by organization_id limit 1)
       union all
       select (select organization_id from operations where status in ('queued', 'running')
                 and organization_id > orgs.org order by organization_id limit 1)
       from orgs where orgs.org is not null
     ), room as materialized (
       select org, tenantry_claim_headroom(org, $5) as headroom,
         (select count(*) from operations r where r.organization_id = orgs.org and r.status = 'running') as running
       from orgs where org is not null
     ), ready as (
       select c.id, c.run_at, room.running + c.rn as rank from room cross join lateral (
         select r.id, r.run_at, row_number() over (order by r.run_at, r.id) as rn from (
           (select o.id, o.run_at from operations o
             where o.organization_id = room.org and o.status = 'running' and ${claimable}
             order by o.run_at, o.id limit $2)
           union all
           (select o.id, o.run_at from operations o
             where o.organization_id = room.org and o.status = 'queued' and ${claimable}
             order by o.run_at, o.id limit least($2, room.headroom))
         ) r
         order by r.run_at, r.id
         limit $2
       ) c
     ), picked as (
       select o.id, o.lease_owner as previous_owner from operations o join ready r on r.id = o.id
       where o.status in ('queued', 'running') and o.run_at <= now()
         and (o.lease_expires_at is null or o.lease_expires_at < now() or ${OWNER_GONE})
         and (o.node_id is null or o.node_id = $4)
       order by r.rank, r.run_at, o.id
       limit $2
       for update of o skip locked
     )
     update operations o
        set lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3),
            lease_epoch = o.lease_epoch + 1, status = 'running',
            -- A lease still set whose owner holds no worker lock: the worker died in the
            -- middle of the pass. Not counted in the first lease after the database
            -- itself restarted (every worker lost its session then, none died).
            lost_claims = o.lost_claims + case
              when o.lease_owner is not null and ${OWNER_GONE}
                and pg_postmaster_start_time() < now() - make_interval(secs => $3) then 1 else 0 end,
            started_at = coalesce(o.started_at, now()), updated_at = now()
       from picked where o.id = picked.id
     returning o.*, picked.previous_owner`,
    [owner, limit, leaseSeconds, nodeId, maxConcurrentDefault],
  );
  return rows.map((r) => ({ ...toOperation(r), previousOwner: r.previous_owner ?? null }));
}

/** Extends a held lease; false when it was lost (expired and claimed by someone else). */
export async function renewLease(q: Queryable, lease: Lease, leaseSeconds: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `update operations set lease_expires_at = clock_timestamp() + make_interval(secs => $4)
     where id = $1 and lease_owner = $2 and lease_epoch = $3 and status = 'running'
       and lease_expires_at > clock_timestamp()`,
    [lease.operationId, lease.owner, lease.epoch, leaseSeconds],
  );
  return rowCount === 1;
}

/** {@link lockLease} as literal SQL, to send in one round trip with `begin`. */
export function lockLeaseSql(lease: Lease): string {
  if (!Number.isSafeInteger(lease.epoch)) throw new Error("bad lease epoch");
  return `select 1 from operations where id = ${escapeLiteral(lease.operationId)} and lease_owner = ${escapeLiteral(lease.owner)}
    and lease_epoch = ${lease.epoch} and status = 'running' and lease_expires_at > clock_timestamp() for update`;
}

/**
 * The fence: locks the operation row if and only if the lease is still held, so no one
 * can take it over until the surrounding transaction ends. Call first in every write
 * transaction a worker makes; throws {@link LeaseLostError} otherwise.
 */
export async function lockLease(q: Queryable, lease: Lease): Promise<void> {
  const { rowCount } = await q.query(
    `select 1 from operations where id = $1 and lease_owner = $2 and lease_epoch = $3
       and status = 'running' and lease_expires_at > clock_timestamp() for update`,
    [lease.operationId, lease.owner, lease.epoch],
  );
  if (rowCount !== 1) throw new LeaseLostError(lease);
}

/** Gives the operation back to the queue, to run again after `delayMs` (same attempt). */
export async function requeueOperation(
  q: Queryable,
  lease: Lease,
  delayMs: number,
  options: { attempt?: number; errorCode?: string | null; errorMessage?: string | null } = {},
): Promise<void> {
  await q.query(
    `update operations set run_at = clock_timestamp() + make_interval(secs => $2 / 1000.0),
       lease_owner = null, lease_expires_at = null, updated_at = now(), lost_claims = 0,
       attempt = coalesce($3, attempt), error_code = coalesce($4, error_code), error_message = coalesce($5, error_message)
     where id = $1`,
    [
      lease.operationId,
      delayMs,
      options.attempt ?? null,
      options.errorCode ?? null,
      options.errorMessage ?? null,
    ],
  );
}

/** How an operation ended; canceled and failed ones say why. */
export type OperationOutcome =
  | { status: "succeeded" }
  | { status: "failed" | "canceled"; errorCode: string; errorMessage: string };

/**
 * The one place an operation ends (succeeded, failed or canceled): its lease cleared, and
 * steps still open closed as interrupted (they belong to passes that died before closing
 * them). `which` is the operation's id, or `{ queuedOf: tenantId }` for the tenant's
 * operation while it is still queued (a cancel: nothing once a worker has claimed it).
 * Returns whether an operation was finished.
 */
export async function finishOperation(
  q: Queryable,
  which: string | { queuedOf: string },
  outcome: OperationOutcome,
): Promise<boolean> {
  // By id (the engine), or the tenant's queued one (a cancel, which loses to a claim).
  const [where, key] =
    typeof which === "string" ? ["id = $1", which] : ["tenant_id = $1 and status = 'queued'", which.queuedOf];
  const { rows } = await q.query(
    `with op as (
       update operations set status = $2, finished_at = now(), updated_at = now(), lease_owner = null,
         lease_expires_at = null, error_code = $3, error_message = $4
       where ${where} returning id),
     closed as (
       update operation_steps set status = 'interrupted', finished_at = now(),
         error_message = coalesce(error_message, 'interrupted: the worker running it stopped')
       where operation_id in (select id from op) and status in ('running', 'waiting'))
     select id from op`,
    [
      key,
      outcome.status,
      outcome.status === "succeeded" ? null : outcome.errorCode,
      outcome.status === "succeeded" ? null : outcome.errorMessage,
    ],
  );
  return rows.length > 0;
}

/** Wakes idle workers when work is queued: `LISTEN` on the worker's own session. */
export async function listenForWork(q: Queryable): Promise<void> {
  await q.query(`listen ${WORK_CHANNEL}`);
}

/** On a clean shutdown: hand the operation back at once instead of waiting for the lease to expire. */
export async function releaseLease(q: Queryable, lease: Lease): Promise<void> {
  await q.query(
    `update operations set lease_owner = null, lease_expires_at = null, run_at = least(run_at, now()),
       lost_claims = 0
     where id = $1 and lease_owner = $2 and lease_epoch = $3 and status = 'running'`,
    [lease.operationId, lease.owner, lease.epoch],
  );
  await q.query(`select pg_notify('${WORK_CHANNEL}', '')`);
}

export async function getOperation(
  q: Queryable,
  organizationId: string,
  id: string,
): Promise<Operation | null> {
  const { rows } = await q.query("select * from operations where id = $1 and organization_id = $2", [
    id,
    organizationId,
  ]);
  return rows[0] ? toOperation(rows[0]) : null;
}

export async function getOperationById(q: Queryable, id: string): Promise<Operation | null> {
  const { rows } = await q.query("select * from operations where id = $1", [id]);
  return rows[0] ? toOperation(rows[0]) : null;
}

export async function listTenantOperations(
  q: Queryable,
  tenantId: string,
  options: { before?: string; limit: number },
): Promise<Operation[]> {
  const { rows } = await q.query(
    `select * from operations where tenant_id = $1 and ($2::uuid is null or id < $2)
     order by id desc limit $3`,
    [tenantId, options.before ?? null, options.limit],
  );
  return rows.map(toOperation);
}

export async function listSteps(q: Queryable, operationIds: string[]): Promise<OperationStep[]> {
  if (operationIds.length === 0) return [];
  const { rows } = await q.query(
    "select * from operation_steps where operation_id = any($1::uuid[]) order by operation_id, seq",
    [operationIds],
  );
  return rows.map(toStep);
}

/**
 * Opens a step, or reopens the unfinished step of the same action on the same resource.
 * An unfinished step of another action on that resource was left by a pass that died
 * (its create was followed by this adopt, say): it is closed as `interrupted`.
 */
export async function startStep(
  q: Queryable,
  operationId: string,
  step: { name: string; resourceKey: string | null; action: string },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `with closed as (
       update operation_steps set status = 'interrupted', finished_at = now(),
         error_message = 'interrupted: the worker running it stopped; a later pass went on with ' || $3
       where operation_id = $1 and resource_key is not distinct from $2 and action <> $3
         and status in ('running', 'waiting')
       returning id
     ), reopened as (
       update operation_steps set status = 'running', attempts = attempts + 1, error_message = null
       where operation_id = $1 and resource_key is not distinct from $2 and action = $3
         and status in ('running', 'waiting')
       returning id
     ), inserted as (
       insert into operation_steps (id, operation_id, seq, name, resource_key, action, status)
       select $4, $1, (select coalesce(max(seq), 0) + 1 from operation_steps where operation_id = $1), $5, $2, $3, 'running'
       where not exists (select 1 from reopened)
       returning id
     )
     select id from reopened union all select id from inserted`,
    [operationId, step.resourceKey, step.action, newId(), step.name],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("could not open a step");
  return id;
}

export async function endStep(
  q: Queryable,
  stepId: string,
  outcome: {
    status: "succeeded" | "waiting" | "failed";
    detail?: string | null;
    errorMessage?: string | null;
  },
): Promise<void> {
  await q.query(
    `update operation_steps set status = $2, detail = coalesce($3, detail), error_message = $4,
       finished_at = case when $2 = 'waiting' then null else now() end
     where id = $1`,
    [stepId, outcome.status, outcome.detail ?? null, outcome.errorMessage ?? null],
  );
}

/** The name of the newest step of an operation still open (left by a pass that died). */
export async function lastOpenStep(q: Queryable, operationId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ name: string }>(
    `select name from operation_steps where operation_id = $1 and status in ('running', 'waiting')
     order by seq desc limit 1`,
    [operationId],
  );
  return rows[0]?.name;
}
