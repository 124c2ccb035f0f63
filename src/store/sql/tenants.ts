import type { TenantEventOf } from "../../domain/events.js";
import type { TenantStatus } from "../../domain/lifecycle.js";
import type { DesiredState, Resource, Tenant, TenantCondition } from "../../domain/types.js";
import { isUuid } from "../../lib/ids.js";
import type { Queryable } from "../db.js";
import { TENANT_COLUMNS, toResource, toTenant } from "./rows.js";

export interface NewTenant {
  id: string;
  organizationId: string;
  name: string;
  slug: string;
  blueprintId: string;
  target: string;
  params: Record<string, unknown>;
  secretsEnc: string | null;
  generatedEnc: string | null;
  labels: Record<string, string>;
  /** Node-bound targets (local): the node whose workers alone work on this tenant. */
  nodeId?: string | null;
}

/** Inserts a queued tenant; `null` when a live tenant of the organization has the slug. */
export async function insertTenant(
  q: Queryable,
  t: NewTenant,
  blueprint: { name: string; version: number },
): Promise<Tenant | null> {
  const { rows } = await q.query(
    `insert into tenants (id, organization_id, name, slug, blueprint_id, target, params, secrets_enc, labels,
       desired_state, status, generated_enc, node_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', 'queued', $10, $11)
     on conflict (organization_id, slug) where status <> 'destroyed' do nothing
     returning *`,
    [
      t.id,
      t.organizationId,
      t.name,
      t.slug,
      t.blueprintId,
      t.target,
      t.params,
      t.secretsEnc,
      t.labels,
      t.generatedEnc,
      t.nodeId ?? null,
    ],
  );
  return rows[0]
    ? toTenant({ ...rows[0], blueprint_name: blueprint.name, blueprint_version: blueprint.version })
    : null;
}

const FROM = "from tenants t join blueprints b on b.id = t.blueprint_id";

/**
 * Finds a tenant of the organization by id or slug. A slug names the live tenant, or
 * failing that the most recently destroyed one that had it.
 */
export async function findTenant(
  q: Queryable,
  organizationId: string,
  idOrSlug: string,
  options: { forUpdate?: boolean } = {},
): Promise<Tenant | null> {
  const lock = options.forUpdate ? "for update of t" : "";
  const { rows } = isUuid(idOrSlug)
    ? await q.query(`select ${TENANT_COLUMNS} ${FROM} where t.organization_id = $1 and t.id = $2 ${lock}`, [
        organizationId,
        idOrSlug,
      ])
    : await q.query(
        `select ${TENANT_COLUMNS} ${FROM} where t.organization_id = $1 and t.slug = $2
         order by (t.status = 'destroyed'), t.id desc limit 1 ${lock}`,
        [organizationId, idOrSlug],
      );
  return rows[0] ? toTenant(rows[0]) : null;
}

export async function getTenantById(q: Queryable, id: string): Promise<Tenant | null> {
  const { rows } = await q.query(`select ${TENANT_COLUMNS} ${FROM} where t.id = $1`, [id]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** A tenant with its recorded resources, in one round trip (the reconciler's read). */
export async function getTenantWithResources(
  q: Queryable,
  id: string,
): Promise<{
  tenant: Tenant;
  resources: Resource[];
  secretsEnc: string | null;
  generatedEnc: string | null;
} | null> {
  const { rows } = await q.query(
    `select ${TENANT_COLUMNS}, t.secrets_enc, t.generated_enc,
       coalesce((select json_agg(r order by r.created_at, r.key) from resources r where r.tenant_id = t.id), '[]') as resources
     ${FROM} where t.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  // json_agg gives timestamps as strings; the mapper expects Dates.
  const resources = (row.resources as Record<string, unknown>[]).map((r) =>
    toResource({
      ...r,
      created_at: new Date(r.created_at as string),
      updated_at: new Date(r.updated_at as string),
    }),
  );
  return { tenant: toTenant(row), resources, secretsEnc: row.secrets_enc, generatedEnc: row.generated_enc };
}

/**
 * Locks a tenant's row to the end of the transaction and returns its organization and
 * status; null when there is no such tenant (or, with `statuses`, it is in none of them:
 * then it is not locked).
 */
export async function lockTenant(
  q: Queryable,
  id: string,
  options: { statuses?: readonly TenantStatus[] } = {},
): Promise<{ organizationId: string; status: TenantStatus } | null> {
  const { rows } = await q.query<{ organization_id: string; status: TenantStatus }>(
    options.statuses
      ? "select organization_id, status from tenants where id = $1 and status = any($2::text[]) for update"
      : "select organization_id, status from tenants where id = $1 for update",
    options.statuses ? [id, options.statuses] : [id],
  );
  const row = rows[0];
  return row ? { organizationId: row.organization_id, status: row.status } : null;
}

/**
 * The active and degraded tenants of `targets` that this node works on (its own and
 * those bound to no node), to bring back after a restart.
 */
export async function listTenantsToRecover(
  q: Queryable,
  filter: { targets: readonly string[]; nodeId: string },
): Promise<{ id: string; target: string }[]> {
  const { rows } = await q.query<{ id: string; target: string }>(
    `select id, target from tenants where target = any($1::text[]) and status in ('active', 'degraded')
       and (node_id is null or node_id = $2) order by id`,
    [filter.targets, filter.nodeId],
  );
  return rows;
}

/** The tenant's sealed secrets: write-only ones and generated ones. */
export async function getTenantSealed(
  q: Queryable,
  id: string,
): Promise<{ secretsEnc: string | null; generatedEnc: string | null }> {
  const { rows } = await q.query<{ secrets_enc: string | null; generated_enc: string | null }>(
    "select secrets_enc, generated_enc from tenants where id = $1",
    [id],
  );
  return { secretsEnc: rows[0]?.secrets_enc ?? null, generatedEnc: rows[0]?.generated_enc ?? null };
}

export async function liveSlugsLike(
  q: Queryable,
  organizationId: string,
  prefix: string,
): Promise<Set<string>> {
  const { rows } = await q.query<{ slug: string }>(
    "select slug from tenants where organization_id = $1 and status <> 'destroyed' and slug like $2",
    [organizationId, `${prefix.replace(/[\\%_]/g, "\\$&")}%`],
  );
  return new Set(rows.map((r) => r.slug));
}

export interface TenantFilter {
  statuses?: TenantStatus[];
  labels?: Record<string, string>;
  q?: string;
  /** Id of the last tenant of the previous page. */
  after?: string;
  limit: number;
}

export async function listTenants(q: Queryable, organizationId: string, f: TenantFilter): Promise<Tenant[]> {
  const where = ["t.organization_id = $1"];
  const args: unknown[] = [organizationId];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  if (f.statuses?.length) where.push(`t.status = any(${arg(f.statuses)}::text[])`);
  if (f.labels && Object.keys(f.labels).length > 0) where.push(`t.labels @> ${arg(f.labels)}::jsonb`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, "\\$&")}%`;
    where.push(`(t.name ilike ${arg(like)} or t.slug ilike $${args.length})`);
  }
  if (f.after) where.push(`t.id > ${arg(f.after)}`);
  const { rows } = await q.query(
    `select ${TENANT_COLUMNS} ${FROM} where ${where.join(" and ")} order by t.id limit ${arg(f.limit)}`,
    args,
  );
  return rows.map(toTenant);
}

export interface TenantStatusChange {
  status: TenantStatus;
  desiredState?: DesiredState;
  errorMessage?: string | null;
  failedOperationId?: string | null;
  bumpGeneration?: boolean;
  observedGeneration?: number;
  /** An event recorded with the change, in the same statement. */
  event?: { operationId: string | null } & TenantEventOf;
  /**
   * Compare-and-set: change only a tenant whose status is still this one; otherwise
   * nothing is written and {@link TenantStatusChangedError} is thrown.
   */
  from?: TenantStatus;
}

/** A compare-and-set status change found the tenant in another status than expected. */
export class TenantStatusChangedError extends Error {
  constructor(
    readonly tenantId: string,
    readonly expected: TenantStatus,
  ) {
    super(`tenant ${tenantId} is no longer ${expected}: its status changed meanwhile`);
    this.name = "TenantStatusChangedError";
  }
}

export async function updateTenantStatus(q: Queryable, id: string, c: TenantStatusChange): Promise<Tenant> {
  const { rows } = await q.query(
    `with before as (
       select id, (select c->'since' from jsonb_array_elements(conditions) c where c->>'type' = 'access_error' limit 1) as access_error_since
       from tenants where id = $1),
     u as (
       update tenants set status = $2,
         desired_state = coalesce($3, desired_state),
         error_message = case when $4 then $5 else error_message end,
         failed_operation_id = case when $6 then $7::uuid else failed_operation_id end,
         generation = generation + case when $8 then 1 else 0 end,
         observed_generation = coalesce($9, observed_generation),
         destroyed_at = case when $2 = 'destroyed' then now() else destroyed_at end,
         -- Settled again: the platform accepted Tenantry's credentials.
         conditions = case when $2 in ('active', 'suspended', 'destroyed') then
           (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(conditions) c
            where c->>'type' <> 'access_error')
           else conditions end,
         updated_at = now()
       where id = $1 and ($14::text is null or status = $14) returning *),
     e as (
       insert into events (organization_id, tenant_id, operation_id, type, message, data)
       select u.organization_id, u.id, $10, $11, $12, $13 from u where $11::text is not null),
     -- Settled again: the access error it had is cleared, and that is an event too.
     cleared as (
       insert into events (organization_id, tenant_id, operation_id, type, message, data)
       select u.organization_id, u.id, $10, 'condition.cleared', 'access_error cleared: the tenant is ' || u.status,
         jsonb_build_object('condition', 'access_error', 'since', b.access_error_since, 'status', u.status)
       from u join before b on b.id = u.id
       where b.access_error_since is not null and u.status in ('active', 'suspended', 'destroyed'))
     select ${TENANT_COLUMNS.replaceAll("t.", "u.")} from u join blueprints b on b.id = u.blueprint_id`,
    [
      id,
      c.status,
      c.desiredState ?? null,
      c.errorMessage !== undefined,
      c.errorMessage ?? null,
      c.failedOperationId !== undefined,
      c.failedOperationId ?? null,
      c.bumpGeneration ?? false,
      c.observedGeneration ?? null,
      c.event?.operationId ?? null,
      c.event?.type ?? null,
      c.event?.message ?? null,
      c.event?.data ?? {},
      c.from ?? null,
    ],
  );
  if (rows.length === 0 && c.from !== undefined) throw new TenantStatusChangedError(id, c.from);
  return toTenant(rows[0]);
}

/** Changes what a tenant is made of (not its status); returns the tenant as it is now. */
export async function updateTenantSpec(
  q: Queryable,
  id: string,
  c: {
    name?: string;
    labels?: Record<string, string>;
    blueprintId?: string;
    params?: Record<string, unknown>;
    generatedEnc?: string;
    /** The tenant's write-only secrets, sealed; null: none left. Undefined: unchanged. */
    secretsEnc?: string | null;
  },
): Promise<void> {
  await q.query(
    `update tenants set name = coalesce($2, name), labels = coalesce($3, labels),
       blueprint_id = coalesce($4, blueprint_id), params = coalesce($5, params),
       generated_enc = coalesce($6, generated_enc),
       secrets_enc = case when $7 then $8 else secrets_enc end, updated_at = now()
     where id = $1`,
    [
      id,
      c.name ?? null,
      c.labels ?? null,
      c.blueprintId ?? null,
      c.params ?? null,
      c.generatedEnc ?? null,
      c.secretsEnc !== undefined,
      c.secretsEnc ?? null,
    ],
  );
}

/** Records (or refreshes the message of) a condition on a tenant, keeping when it was first seen. */
export async function setTenantCondition(
  q: Queryable,
  tenantId: string,
  condition: { type: TenantCondition["type"]; message: string },
  /** The operation it came from (the raised event's). */
  operationId?: string,
): Promise<void> {
  // A condition the tenant did not have yet is raised with a `condition.raised` event
  // (webhooks deliver it); one it had keeps its `since` and gets its new message only.
  await q.query(
    `with before as (
       select id, not conditions @> jsonb_build_array(jsonb_build_object('type', $2::text)) as new
       from tenants where id = $1),
     u as (
       update tenants set conditions =
         (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(conditions) c where c->>'type' <> $2)
         || jsonb_build_array(jsonb_build_object('type', $2::text, 'message', $3::text, 'since',
              coalesce((select c->>'since' from jsonb_array_elements(conditions) c where c->>'type' = $2 limit 1),
                       to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))))
       where id = $1
       returning id, organization_id, conditions)
     insert into events (organization_id, tenant_id, operation_id, type, message, data)
     select u.organization_id, u.id, $4::uuid, 'condition.raised', $2 || ': ' || $3,
       jsonb_build_object('condition', $2::text, 'message', $3::text,
         'since', (select c->'since' from jsonb_array_elements(u.conditions) c where c->>'type' = $2 limit 1))
         || case when $4::uuid is null then '{}'::jsonb else jsonb_build_object('operation_id', $4::text) end
     from u join before b on b.id = u.id where b.new`,
    [tenantId, condition.type, condition.message, operationId ?? null],
  );
}
