import type { ConditionEventData } from "../../domain/events.js";
import type { Queryable } from "../db.js";

/**
 * The alerting sweep's statements (src/services/alert-conditions.ts). Each raises or clears
 * conditions and records their events in one statement, with a conditional UPDATE: when
 * several processes sweep at once, the row lock makes the others re-check the condition on
 * the row as the first left it, so a condition and its event are written exactly once.
 * `now` is the database's clock unless given (tests).
 */

/** A condition raised or cleared, with its event's payload. */
export interface ConditionChange {
  tenantId: string;
  data: ConditionEventData;
}

export interface SweepWindow {
  /** How long before the condition is raised. */
  afterMs: number;
  /** The threshold as messages say it (`30m`). */
  label: string;
  /** At most this many conditions per statement: a sweep stays short, the next one goes on. */
  limit: number;
  /** The time to judge by. @default the database's now() */
  now?: Date;
}

/** An ISO timestamp in UTC with milliseconds, as conditions' `since` is written everywhere. */
const iso = (expr: string) => `to_char(${expr} at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const NOW = "coalesce($1::timestamptz, now())";
const CUTOFF = `(${NOW} - $2::bigint * interval '1 millisecond')`;

function windowParams(w: SweepWindow): unknown[] {
  return [w.now ?? null, Math.round(w.afterMs), w.limit, w.label];
}

/**
 * Operations queued or running since longer than `afterMs` after their request: their
 * tenant gets `operation_stuck` (the operation, its kind, its latest step) and a
 * `condition.raised` event. Walks the open operations only (partial index
 * `operations_ready`); a tenant already flagged for the operation is skipped.
 */
export async function raiseStuckOperations(q: Queryable, w: SweepWindow): Promise<ConditionChange[]> {
  const { rows } = await q.query<{ tenant_id: string; data: ConditionEventData }>(
    `with stuck as (
       select o.id, o.tenant_id, o.kind, o.status, o.created_at,
         (select s.name from operation_steps s where s.operation_id = o.id order by s.seq desc limit 1) as step
       from operations o join tenants t on t.id = o.tenant_id
       where o.status in ('queued', 'running') and o.created_at <= ${CUTOFF}
         and not t.conditions @> jsonb_build_array(jsonb_build_object('type', 'operation_stuck', 'operation_id', o.id::text))
       order by o.created_at limit $3),
     x as (
       select s.*, jsonb_build_object(
         'type', 'operation_stuck',
         'message', format('the %s operation has not finished %s after it was requested (%s%s)',
                           s.kind, $4::text, s.status, coalesce(', at step ' || s.step, '')),
         'since', ${iso("s.created_at")},
         'operation_id', s.id::text, 'kind', s.kind, 'step', s.step) as cond
       from stuck s),
     u as (
       update tenants t set conditions =
         (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(t.conditions) c
          where c->>'type' <> 'operation_stuck') || jsonb_build_array(x.cond)
       from x
       where t.id = x.tenant_id
         and not t.conditions @> jsonb_build_array(jsonb_build_object('type', 'operation_stuck', 'operation_id', x.id::text))
       returning t.id, t.organization_id, x.id as operation_id, x.cond)
     insert into events (organization_id, tenant_id, operation_id, type, message, data)
     select u.organization_id, u.id, u.operation_id, 'condition.raised', 'operation_stuck: ' || (u.cond->>'message'),
       jsonb_build_object('condition', 'operation_stuck', 'since', u.cond->'since', 'operation_id', u.cond->'operation_id',
         'kind', u.cond->'kind', 'step', u.cond->'step')
     from u
     returning tenant_id, data`,
    windowParams(w),
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, data: r.data }));
}

/**
 * Tenants `failed` or `degraded` since longer than `afterMs` (since their last
 * `tenant.status_changed` event into that status, else their last change) get `unhealthy`
 * and a `condition.raised` event. Walks the failed and degraded tenants only (partial index
 * `tenants_unhealthy`).
 */
export async function raiseUnhealthyTenants(q: Queryable, w: SweepWindow): Promise<ConditionChange[]> {
  const { rows } = await q.query<{ tenant_id: string; data: ConditionEventData }>(
    `with bad as (
       select t.id, t.status, t.error_message,
         coalesce((select e.created_at from events e
                   where e.tenant_id = t.id and e.type = 'tenant.status_changed' and e.data->>'to' = t.status
                   order by e.id desc limit 1), t.updated_at) as since
       from tenants t
       where t.status in ('failed', 'degraded') and not t.conditions @> '[{"type": "unhealthy"}]'),
     x as (
       select b.id, b.status, jsonb_build_object(
         'type', 'unhealthy',
         'message', format('%s for longer than %s%s', b.status, $4::text, coalesce(': ' || b.error_message, '')),
         'since', ${iso("b.since")},
         'status', b.status) as cond
       from bad b where b.since <= ${CUTOFF} order by b.since limit $3),
     u as (
       update tenants t set conditions = t.conditions || jsonb_build_array(x.cond)
       from x
       where t.id = x.id and t.status = x.status and not t.conditions @> '[{"type": "unhealthy"}]'
       returning t.id, t.organization_id, x.cond)
     insert into events (organization_id, tenant_id, type, message, data)
     select u.organization_id, u.id, 'condition.raised', 'unhealthy: ' || (u.cond->>'message'),
       jsonb_build_object('condition', 'unhealthy', 'since', u.cond->'since', 'status', u.cond->'status')
     from u
     returning tenant_id, data`,
    windowParams(w),
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, data: r.data }));
}

/**
 * Clears what is resolved: `operation_stuck` once its operation is no longer queued or
 * running, `unhealthy` once the tenant is neither failed nor degraded; each with a
 * `condition.cleared` event. Walks the tenants with a condition only (partial index
 * `tenants_with_conditions`).
 */
export async function clearResolvedConditions(q: Queryable, limit: number): Promise<ConditionChange[]> {
  const { rows } = await q.query<{ tenant_id: string; data: ConditionEventData }>(
    `with resolved as (
       select t.id, c.value as cond,
         case when c.value->>'type' = 'unhealthy' then t.status else coalesce(o.status, 'gone') end as now_status
       from tenants t
       cross join lateral jsonb_array_elements(t.conditions) c
       left join operations o on o.id = (c.value->>'operation_id')::uuid
       where t.conditions <> '[]'::jsonb
         and ((c.value->>'type' = 'operation_stuck' and (o.id is null or o.status not in ('queued', 'running')))
           or (c.value->>'type' = 'unhealthy' and t.status not in ('failed', 'degraded')))
       limit $1),
     u as (
       update tenants t set conditions =
         (select coalesce(jsonb_agg(c), '[]'::jsonb) from jsonb_array_elements(t.conditions) c where c <> r.cond)
       from resolved r
       where t.id = r.id and t.conditions @> jsonb_build_array(r.cond)
       returning t.id, t.organization_id, r.cond, r.now_status)
     insert into events (organization_id, tenant_id, operation_id, type, message, data)
     select u.organization_id, u.id, (u.cond->>'operation_id')::uuid, 'condition.cleared',
       case when u.cond->>'type' = 'operation_stuck'
         then format('operation_stuck cleared: the %s operation ended (%s)', u.cond->>'kind', u.now_status)
         else format('unhealthy cleared: the tenant is %s now', u.now_status) end,
       jsonb_strip_nulls(jsonb_build_object('condition', u.cond->'type', 'since', u.cond->'since',
         'operation_id', u.cond->'operation_id', 'kind', u.cond->'kind', 'status', u.now_status))
     from u
     returning tenant_id, data`,
    [limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, data: r.data }));
}
