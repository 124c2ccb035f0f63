import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";

/** A webhook endpoint as stored (its secret sealed). */
export interface WebhookEndpointRow {
  id: string;
  organizationId: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  secretEnc: string;
  cursor: number;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookDeliveryRow {
  id: string;
  endpointId: string;
  eventId: number;
  eventType: string | null;
  status: DeliveryStatus;
  attempt: number;
  responseCode: number | null;
  durationMs: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
  redeliveryOf: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;

function toEndpoint(r: Row): WebhookEndpointRow {
  return {
    id: r["id"] as string,
    organizationId: r["organization_id"] as string,
    url: r["url"] as string,
    description: (r["description"] as string | null) ?? null,
    events: (r["events"] as string[]) ?? [],
    enabled: r["enabled"] as boolean,
    secretEnc: r["secret_enc"] as string,
    cursor: Number(r["cursor"]),
    consecutiveFailures: r["consecutive_failures"] as number,
    failingSince: (r["failing_since"] as Date | null) ?? null,
    createdAt: r["created_at"] as Date,
    updatedAt: r["updated_at"] as Date,
  };
}

function toDelivery(r: Row): WebhookDeliveryRow {
  return {
    id: r["id"] as string,
    endpointId: r["endpoint_id"] as string,
    eventId: Number(r["event_id"]),
    eventType: (r["event_type"] as string | null | undefined) ?? null,
    status: r["status"] as DeliveryStatus,
    attempt: r["attempt"] as number,
    responseCode: (r["response_code"] as number | null) ?? null,
    durationMs: (r["duration_ms"] as number | null) ?? null,
    error: (r["error"] as string | null) ?? null,
    nextAttemptAt: (r["next_attempt_at"] as Date | null) ?? null,
    redeliveryOf: (r["redelivery_of"] as string | null) ?? null,
    createdAt: r["created_at"] as Date,
    updatedAt: r["updated_at"] as Date,
  };
}

/** Creates an endpoint whose cursor is the newest event's: it gets what happens from now on. */
export async function insertEndpoint(
  q: Queryable,
  e: { organizationId: string; url: string; description: string | null; events: string[]; secretEnc: string },
): Promise<WebhookEndpointRow> {
  const { rows } = await q.query(
    `insert into webhook_endpoints (id, organization_id, url, description, events, secret_enc, cursor)
     values ($1, $2, $3, $4, $5, $6, coalesce((select max(id) from events), 0))
     returning *`,
    [newId(), e.organizationId, e.url, e.description, e.events, e.secretEnc],
  );
  return toEndpoint(rows[0] as Row);
}

export async function listEndpoints(q: Queryable, organizationId: string): Promise<WebhookEndpointRow[]> {
  const { rows } = await q.query("select * from webhook_endpoints where organization_id = $1 order by id", [
    organizationId,
  ]);
  return rows.map(toEndpoint);
}

export async function findEndpoint(
  q: Queryable,
  organizationId: string,
  id: string,
  forUpdate = false,
): Promise<WebhookEndpointRow | null> {
  const { rows } = await q.query(
    `select * from webhook_endpoints where organization_id = $1 and id = $2${forUpdate ? " for update" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toEndpoint(rows[0] as Row) : null;
}

export async function updateEndpoint(
  q: Queryable,
  id: string,
  change: {
    url?: string;
    description?: string | null;
    events?: string[];
    enabled?: boolean;
    secretEnc?: string;
  },
): Promise<WebhookEndpointRow> {
  const { rows } = await q.query(
    `update webhook_endpoints set
       url = coalesce($2, url),
       description = case when $3::boolean then $4 else description end,
       events = coalesce($5, events),
       enabled = coalesce($6, enabled),
       secret_enc = coalesce($7, secret_enc),
       updated_at = now()
     where id = $1 returning *`,
    [
      id,
      change.url ?? null,
      change.description !== undefined,
      change.description ?? null,
      change.events ?? null,
      change.enabled ?? null,
      change.secretEnc ?? null,
    ],
  );
  return toEndpoint(rows[0] as Row);
}

export async function deleteEndpoint(q: Queryable, id: string): Promise<void> {
  await q.query("delete from webhook_endpoints where id = $1", [id]);
}

const DELIVERY_COLUMNS = "d.*, e.type as event_type";

export async function listDeliveries(
  q: Queryable,
  endpointId: string,
  options: { after?: string; limit: number },
): Promise<WebhookDeliveryRow[]> {
  const { rows } = await q.query(
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d left join events e on e.id = d.event_id
      where d.endpoint_id = $1 and ($2::uuid is null or d.id > $2::uuid) order by d.id limit $3`,
    [endpointId, options.after ?? null, options.limit],
  );
  return rows.map(toDelivery);
}

export async function findDelivery(
  q: Queryable,
  endpointId: string,
  id: string,
): Promise<WebhookDeliveryRow | null> {
  const { rows } = await q.query(
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d left join events e on e.id = d.event_id
      where d.endpoint_id = $1 and d.id = $2`,
    [endpointId, id],
  );
  return rows[0] ? toDelivery(rows[0] as Row) : null;
}

/** A new delivery of `eventId`, due now. */
export async function insertDelivery(
  q: Queryable,
  d: { endpointId: string; eventId: number; redeliveryOf?: string | null },
): Promise<WebhookDeliveryRow> {
  const { rows } = await q.query(
    `with d as (
       insert into webhook_deliveries (id, endpoint_id, event_id, next_attempt_at, redelivery_of)
       values ($1, $2, $3, now(), $4) returning *)
     select ${DELIVERY_COLUMNS} from d left join events e on e.id = d.event_id`,
    [newId(), d.endpointId, d.eventId, d.redeliveryOf ?? null],
  );
  return toDelivery(rows[0] as Row);
}

/**
 * Locks one enabled endpoint that has something due, skipping those another process holds
 * (`FOR UPDATE SKIP LOCKED`): the lock is held while its delivery is attempted, so one
 * delivery per endpoint is in flight across all processes. `skip`: endpoints this process
 * is already working on.
 */
export async function lockDueEndpoint(q: Queryable, skip: string[]): Promise<WebhookEndpointRow | null> {
  const { rows } = await q.query(
    `select w.* from webhook_endpoints w
      where w.enabled and not (w.id = any($1::uuid[]))
        and (exists (select 1 from webhook_deliveries d
                      where d.endpoint_id = w.id and d.status = 'pending' and d.next_attempt_at <= now())
             or (not exists (select 1 from webhook_deliveries d
                              where d.endpoint_id = w.id and d.status = 'pending')
                 and exists (select 1 from events e
                              where e.organization_id = w.organization_id and e.id > w.cursor)))
      order by w.id
      limit 1
      for update of w skip locked`,
    [skip],
  );
  return rows[0] ? toEndpoint(rows[0] as Row) : null;
}

/** The endpoint's oldest pending delivery (the head of its queue: nothing after it is sent before it). */
export async function headDelivery(q: Queryable, endpointId: string): Promise<WebhookDeliveryRow | null> {
  const { rows } = await q.query(
    `select ${DELIVERY_COLUMNS} from webhook_deliveries d left join events e on e.id = d.event_id
      where d.endpoint_id = $1 and d.status = 'pending' order by d.id limit 1`,
    [endpointId],
  );
  return rows[0] ? toDelivery(rows[0] as Row) : null;
}

export interface OutboxEvent {
  id: number;
  type: string;
  tenantId: string;
  tenantSlug: string | null;
  organizationId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * How long an id left free below a committed event may still be an event whose
 * transaction has not committed yet. Event ids come from a sequence: a transaction can
 * take id 10, another id 11 and commit first. Taking 11 and moving the cursor past 10
 * would lose 10 for good, so past a hole the cursor only moves over events older than
 * this (a hole that stays is a rolled-back insert). Transactions that record events are
 * short; one open longer than this could still see its event skipped.
 */
export const OUTBOX_GAP_GRACE_SECONDS = 10;

/** Whether every id in (after, upTo] is a committed event (no hole an open transaction may fill). */
async function noHoles(q: Queryable, after: number, upTo: number): Promise<boolean> {
  if (upTo <= after) return true;
  const { rows } = await q.query<{ n: number }>(
    "select count(*)::int as n from events where id > $1 and id <= $2",
    [after, upTo],
  );
  return (rows[0]?.n ?? 0) === upTo - after;
}

/**
 * The next event of the organization after `cursor` that matches `filter` (exact types,
 * prefixes ending in "."; empty: all), and how far the cursor may move (past events that
 * do not match). Holes in the ids hold both back for {@link OUTBOX_GAP_GRACE_SECONDS}.
 */
export async function nextEvent(
  q: Queryable,
  endpoint: Pick<WebhookEndpointRow, "organizationId" | "cursor" | "events">,
): Promise<{ event: OutboxEvent | null; scannedTo: number }> {
  const exact = endpoint.events.filter((e) => !e.endsWith("."));
  const prefixes = endpoint.events
    .filter((e) => e.endsWith("."))
    .map((p) => `${p.replace(/[\\%_]/g, "\\$&")}%`);
  const all = endpoint.events.length === 0;
  const { rows } = await q.query(
    `select e.id, e.type, e.tenant_id, t.slug, e.organization_id, e.data, e.created_at,
            e.created_at < now() - make_interval(secs => $6) as settled
       from events e left join tenants t on t.id = e.tenant_id
      where e.organization_id = $1 and e.id > $2
        and ($3::boolean or e.type = any($4::text[]) or e.type like any($5::text[]))
      order by e.id limit 1`,
    [endpoint.organizationId, endpoint.cursor, all, exact, prefixes, OUTBOX_GAP_GRACE_SECONDS],
  );
  const r = rows[0] as Row | undefined;
  if (r) {
    const id = Number(r["id"]);
    if (!(r["settled"] as boolean) && !(await noHoles(q, endpoint.cursor, id))) {
      return { event: null, scannedTo: endpoint.cursor };
    }
    return {
      event: {
        id,
        type: r["type"] as string,
        tenantId: r["tenant_id"] as string,
        tenantSlug: (r["slug"] as string | null) ?? null,
        organizationId: r["organization_id"] as string,
        data: (r["data"] as Record<string, unknown>) ?? {},
        createdAt: r["created_at"] as Date,
      },
      scannedTo: id,
    };
  }
  const { rows: max } = await q.query<{ max: number | null; settled: number | null }>(
    `select max(id) as max,
            max(id) filter (where created_at < now() - make_interval(secs => $3)) as settled
       from events where organization_id = $1 and id > $2`,
    [endpoint.organizationId, endpoint.cursor, OUTBOX_GAP_GRACE_SECONDS],
  );
  const newest = max[0]?.max == null ? endpoint.cursor : Number(max[0].max);
  if (await noHoles(q, endpoint.cursor, newest)) return { event: null, scannedTo: newest };
  return { event: null, scannedTo: max[0]?.settled == null ? endpoint.cursor : Number(max[0].settled) };
}

export async function findOutboxEvent(q: Queryable, eventId: number): Promise<OutboxEvent | null> {
  const { rows } = await q.query(
    `select e.id, e.type, e.tenant_id, t.slug, e.organization_id, e.data, e.created_at
       from events e left join tenants t on t.id = e.tenant_id where e.id = $1`,
    [eventId],
  );
  const r = rows[0] as Row | undefined;
  if (!r) return null;
  return {
    id: Number(r["id"]),
    type: r["type"] as string,
    tenantId: r["tenant_id"] as string,
    tenantSlug: (r["slug"] as string | null) ?? null,
    organizationId: r["organization_id"] as string,
    data: (r["data"] as Record<string, unknown>) ?? {},
    createdAt: r["created_at"] as Date,
  };
}

export async function setCursor(q: Queryable, endpointId: string, cursor: number): Promise<void> {
  await q.query("update webhook_endpoints set cursor = greatest(cursor, $2) where id = $1", [
    endpointId,
    cursor,
  ]);
}

/** Records an attempt's outcome on the delivery, and the endpoint's run of failures. */
export async function recordAttempt(
  q: Queryable,
  d: {
    id: string;
    endpointId: string;
    status: DeliveryStatus;
    attempt: number;
    responseCode: number | null;
    durationMs: number;
    error: string | null;
    nextAttemptAt: Date | null;
  },
): Promise<void> {
  await q.query(
    `update webhook_deliveries set status = $2, attempt = $3, response_code = $4, duration_ms = $5,
            error = $6, next_attempt_at = $7, updated_at = now()
      where id = $1`,
    [d.id, d.status, d.attempt, d.responseCode, d.durationMs, d.error, d.nextAttemptAt],
  );
  if (d.status === "succeeded") {
    await q.query(
      "update webhook_endpoints set consecutive_failures = 0, failing_since = null where id = $1",
      [d.endpointId],
    );
  } else if (d.status === "failed") {
    await q.query(
      `update webhook_endpoints set consecutive_failures = consecutive_failures + 1,
              failing_since = coalesce(failing_since, now()) where id = $1`,
      [d.endpointId],
    );
  }
}
