import type { PlacementHint } from "../../domain/placement.js";
import type { Db, Queryable } from "../db.js";
import { LIVE_WORKERS, OWNER_GONE } from "./operations.js";

/** Tenants that exist (not destroyed), by status and target. */
export interface TenantCount {
  status: string;
  target: string;
  count: number;
}

/**
 * The open operations (queued or running) by where they are: `ready` (due, no live lease:
 * the next claim may take them), `leased` (a live worker holds them), `waiting` (due
 * later: a platform's wait, a retry's backoff, a rate limit); `oldestReadySeconds` is how
 * long the longest-ready one has been due (0 when none is).
 */
export interface QueueCounts {
  ready: number;
  leased: number;
  waiting: number;
  oldestReadySeconds: number;
}

export interface DatabaseGauges {
  tenants: TenantCount[];
  queue: QueueCounts;
  /** Open operations requested longer ago than the stuck threshold. */
  stuckOperations: number;
  /** Tenants (not destroyed) with each condition, by type (types no tenant has are absent). */
  conditions: { type: string; count: number }[];
}

/**
 * What `/metrics` shows from the database, in one short transaction whose statements give
 * up after `timeoutMs` (a scrape never waits long on a busy database). One grouped scan
 * of `tenants`; one pass over the open operations (the partial index `operations_ready`),
 * which also counts the stuck ones (requested more than `stuckOperationAfterMs` ago); the
 * tenants with conditions (the partial index `tenants_with_conditions`).
 */
export async function readDatabaseGauges(
  db: Db,
  timeoutMs: number,
  stuckOperationAfterMs: number,
): Promise<DatabaseGauges> {
  return db.tx(async (q) => {
    await q.query(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const tenants = await q.query<TenantCount>(
      `select status, target, count(*)::int as count from tenants
       where status <> 'destroyed' group by status, target order by status, target`,
    );
    const leased = `o.lease_owner is not null and o.lease_expires_at >= now() and not ${OWNER_GONE}`;
    const ready = `o.run_at <= now() and not coalesce(${leased}, false)`;
    const queue = await q.query<QueueCounts & { stuck: number }>(
      `with live as materialized (${LIVE_WORKERS})
       select count(*) filter (where ${ready})::int as ready,
         count(*) filter (where coalesce(${leased}, false))::int as leased,
         count(*) filter (where o.run_at > now() and not coalesce(${leased}, false))::int as waiting,
         coalesce(extract(epoch from now() - min(o.run_at) filter (where ${ready})), 0)::float8
           as "oldestReadySeconds",
         count(*) filter (where o.created_at <= now() - $1::bigint * interval '1 millisecond')::int as stuck
       from operations o where o.status in ('queued', 'running')`,
      [Math.round(stuckOperationAfterMs)],
    );
    const conditions = await q.query<{ type: string; count: number }>(
      `select c->>'type' as type, count(distinct t.id)::int as count
       from tenants t cross join lateral jsonb_array_elements(t.conditions) c
       where t.conditions <> '[]'::jsonb and t.status <> 'destroyed' group by 1 order by 1`,
    );
    const { stuck = 0, ...counts } = queue.rows[0] ?? {};
    return {
      tenants: tenants.rows,
      queue: { ready: 0, leased: 0, waiting: 0, oldestReadySeconds: 0, ...counts },
      stuckOperations: stuck,
      conditions: conditions.rows,
    };
  });
}

/** What the engine's log lines and metrics of an operation say about its tenant. */
export interface OperationTenant {
  slug: string;
  target: string;
  status: string;
  /** `spec.cloud` and `spec.region` of the tenant's resources that set either (see placementOf). */
  hints: PlacementHint[];
}

/** One indexed read: the tenant, and where its recorded resources say they run. */
export async function getOperationTenant(q: Queryable, tenantId: string): Promise<OperationTenant | null> {
  const { rows } = await q.query<OperationTenant>(
    `select t.slug, t.target, t.status,
       coalesce((select json_agg(json_build_object('cloud', r.spec->'cloud', 'region', r.spec->'region')
                   order by r.key)
                 from resources r
                 where r.tenant_id = t.id and r.status <> 'deleted' and (r.spec ? 'cloud' or r.spec ? 'region')),
                '[]'::json) as hints
     from tenants t where t.id = $1`,
    [tenantId],
  );
  return rows[0] ?? null;
}
