import { QUOTA_NAMES, type QuotaLimits, type QuotaOverrides } from "../../domain/quotas.js";
import type { Queryable } from "../db.js";

/**
 * The advisory-lock class of an organization's quota checks (tenant creates, new
 * blueprint names): `(QUOTA_LOCK_CLASS, hashtext(<organization id>))`, held to the end of
 * the transaction, so that two requests at the limit cannot both pass. Distinct from the
 * worker lock (728_391_055) and the claim lock of `tenantry_claim_headroom` (728_391_056).
 */
export const QUOTA_LOCK_CLASS = 728_391_057;

/** Takes the organization's quota lock until the transaction ends (waits for it). */
export async function lockOrganizationQuotas(q: Queryable, organizationId: string): Promise<void> {
  await q.query("select pg_advisory_xact_lock($1, hashtext($2::text))", [QUOTA_LOCK_CLASS, organizationId]);
}

const NO_OVERRIDES: QuotaOverrides = {
  max_tenants: null,
  max_concurrent_operations: null,
  max_blueprints: null,
  creates_per_minute: null,
};

/** The organization's overrides (all null when it has none). */
export async function getQuotaOverrides(q: Queryable, organizationId: string): Promise<QuotaOverrides> {
  const { rows } = await q.query<QuotaOverrides>(
    `select ${QUOTA_NAMES.join(", ")} from organization_quotas where organization_id = $1`,
    [organizationId],
  );
  return rows[0] ?? { ...NO_OVERRIDES };
}

/** Replaces the organization's overrides. */
export async function putQuotaOverrides(
  q: Queryable,
  organizationId: string,
  overrides: QuotaOverrides,
): Promise<void> {
  await q.query(
    `insert into organization_quotas (organization_id, ${QUOTA_NAMES.join(", ")})
     values ($1, $2, $3, $4, $5)
     on conflict (organization_id) do update set
       ${QUOTA_NAMES.map((n) => `${n} = excluded.${n}`).join(", ")}, updated_at = now()`,
    [organizationId, ...QUOTA_NAMES.map((n) => overrides[n])],
  );
}

/** What the organization uses of each quota now. */
export async function quotaUsage(q: Queryable, organizationId: string): Promise<QuotaLimits> {
  const { rows } = await q.query<QuotaLimits>(
    `select
       (select count(*)::int from tenants where organization_id = $1 and status <> 'destroyed') as max_tenants,
       (select count(*)::int from operations where organization_id = $1 and status = 'running')
         as max_concurrent_operations,
       (select count(distinct name)::int from blueprints where organization_id = $1) as max_blueprints,
       (select count(*)::int from tenants where organization_id = $1 and created_at > now() - interval '60 seconds')
         as creates_per_minute`,
    [organizationId],
  );
  const row = rows[0];
  if (!row) throw new Error("quota usage: no row");
  return row;
}

/** Tenants of the organization not destroyed. */
export async function countLiveTenants(q: Queryable, organizationId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    "select count(*)::int as n from tenants where organization_id = $1 and status <> 'destroyed'",
    [organizationId],
  );
  return rows[0]?.n ?? 0;
}

/** The organization's blueprint names. */
export async function countBlueprintNames(q: Queryable, organizationId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    "select count(distinct name)::int as n from blueprints where organization_id = $1",
    [organizationId],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Tenant creates of the organization in the last 60 seconds, and, when there are at
 * least `limit`, the seconds until the oldest of the last `limit` leaves the window (the
 * next create may pass then).
 */
export async function recentCreates(
  q: Queryable,
  organizationId: string,
  limit: number,
): Promise<{ count: number; retryAfterSeconds: number }> {
  const { rows } = await q.query<{ count: number; retry_after: number | null }>(
    `select (select count(*)::int from tenants where organization_id = $1
               and created_at > now() - interval '60 seconds') as count,
            (select ceil(extract(epoch from created_at + interval '60 seconds' - now()))::int from tenants
              where organization_id = $1 and created_at > now() - interval '60 seconds'
              order by created_at desc offset greatest($2::int - 1, 0) limit 1) as retry_after`,
    [organizationId, limit],
  );
  const row = rows[0];
  return { count: row?.count ?? 0, retryAfterSeconds: Math.max(1, row?.retry_after ?? 1) };
}
