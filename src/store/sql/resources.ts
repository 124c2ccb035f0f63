import type { TenantEventOf } from "../../domain/events.js";
import type { Resource, ResourceStatus } from "../../domain/types.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";
import { toResource } from "./rows.js";

export async function listResources(q: Queryable, tenantId: string): Promise<Resource[]> {
  const { rows } = await q.query("select * from resources where tenant_id = $1 order by created_at, key", [
    tenantId,
  ]);
  return rows.map(toResource);
}

export interface NewResource {
  tenantId: string;
  key: string;
  kind: string;
  provider: string;
  externalName: string;
  spec: object;
  specHash: string;
  dependsOn: string[];
  status?: ResourceStatus;
}

/** Records a resource the tenant now wants; its platform name is fixed from here on. */
export async function insertResource(q: Queryable, r: NewResource): Promise<Resource> {
  const { rows } = await q.query(
    `insert into resources (id, tenant_id, key, kind, provider, external_name, status, spec, spec_hash, depends_on,
       create_requested_at)
     values ($1, $2, $3, $4, $5, $6, $10, $7, $8, $9, case when $10 = 'creating' then now() end)
     on conflict (tenant_id, key) do update set updated_at = now()
     returning *`,
    [
      newId(),
      r.tenantId,
      r.key,
      r.kind,
      r.provider,
      r.externalName,
      r.spec,
      r.specHash,
      r.dependsOn,
      r.status ?? "pending",
    ],
  );
  return toResource(rows[0]);
}

export interface ResourceChange {
  status: ResourceStatus;
  providerId?: string | null;
  outputs?: Record<string, unknown>;
  secretOutputsEnc?: string | null;
  spec?: object;
  specHash?: string;
  dependsOn?: string[];
}

export async function updateResource(q: Queryable, id: string, c: ResourceChange): Promise<Resource> {
  const { rows } = await q.query(
    `update resources set status = $2,
       provider_id = case when $3 then $4 else provider_id end,
       outputs = coalesce($5, outputs),
       secret_outputs_enc = case when $6 then $7 else secret_outputs_enc end,
       spec = coalesce($8, spec), spec_hash = coalesce($9, spec_hash), depends_on = coalesce($10, depends_on),
       create_requested_at = case when $2 = 'creating' and status <> 'creating' then now()
                                  else create_requested_at end,
       pending_since = case when $2 = status then pending_since end,
       live_outputs = case when $2 = 'deleted' then '{}' else live_outputs end,
       updated_at = now()
     where id = $1 returning *`,
    [
      id,
      c.status,
      c.providerId !== undefined,
      c.providerId ?? null,
      c.outputs ?? null,
      c.secretOutputsEnc !== undefined,
      c.secretOutputsEnc ?? null,
      c.spec ?? null,
      c.specHash ?? null,
      c.dependsOn ?? null,
    ],
  );
  return toResource(rows[0]);
}

/**
 * Records that a resource waits on the platform (its status unchanged): since when, at
 * the first wait, and what the platform reported meanwhile.
 */
export async function markWaiting(
  q: Queryable,
  id: string,
  c: { providerId?: string; outputs?: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `update resources set pending_since = coalesce(pending_since, now()),
       provider_id = coalesce($2, provider_id), outputs = coalesce($3, outputs), updated_at = now()
     where id = $1`,
    [id, c.providerId ?? null, c.outputs ?? null],
  );
}

/**
 * Records a provider action's result in one statement: the resource's new state, the
 * step closed as succeeded, and the event for the timeline.
 */
export async function recordActionResult(
  q: Queryable,
  r: {
    resourceId: string;
    change: ResourceChange;
    stepId: string;
    detail: string | null;
    event: { organizationId: string; tenantId: string; operationId: string } & TenantEventOf;
  },
): Promise<void> {
  const c = r.change;
  await q.query(
    `with res as (
       update resources set status = $2,
         provider_id = case when $3 then $4 else provider_id end,
         outputs = coalesce($5, outputs),
         secret_outputs_enc = case when $6 then $7 else secret_outputs_enc end,
         pending_since = null,
         live_outputs = case when $2 = 'deleted' then '{}' else live_outputs end,
         updated_at = now()
       where id = $1 returning id),
     step as (
       update operation_steps set status = 'succeeded', detail = coalesce($9, detail), error_message = null,
         finished_at = now()
       where id = $8 returning id)
     insert into events (organization_id, tenant_id, operation_id, type, message, data)
     values ($10, $11, $12, $13, $14, $15)`,
    [
      r.resourceId,
      c.status,
      c.providerId !== undefined,
      c.providerId ?? null,
      c.outputs ?? null,
      c.secretOutputsEnc !== undefined,
      c.secretOutputsEnc ?? null,
      r.stepId,
      r.detail,
      r.event.organizationId,
      r.event.tenantId,
      r.event.operationId,
      r.event.type,
      r.event.message,
      r.event.data,
    ],
  );
}

/**
 * Merges outputs a provider reported between operations (a cron job's last run) into a
 * live resource's `live_outputs`, read over its outputs. The reconciler never writes
 * `live_outputs`, and this never writes `outputs`, so a pass replacing a resource's
 * outputs under its lease and a cron run finishing at the same moment lose nothing. A
 * deleted or missing resource is left alone.
 */
export async function mergeResourceOutputs(
  q: Queryable,
  tenantId: string,
  key: string,
  outputs: Record<string, unknown>,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `update resources set live_outputs = live_outputs || $3::jsonb, updated_at = now()
     where tenant_id = $1 and key = $2 and status not in ('deleting', 'deleted')`,
    [tenantId, key, JSON.stringify(outputs)],
  );
  return (rowCount ?? 0) > 0;
}
