import type { TenantEventOf, TenantEventType } from "../../domain/events.js";
import type { TenantEvent } from "../../domain/types.js";
import type { Queryable } from "../db.js";
import { toEvent } from "./rows.js";

/** An event to record: a type of {@link TenantEventMap} with its payload. */
export type NewEvent<T extends TenantEventType = TenantEventType> = {
  organizationId: string;
  tenantId: string;
  operationId?: string | null;
  /** For an event an API request records: its key (the name is looked up) and request id. */
  actor?: { apiKeyId: string; requestId?: string | null };
} & TenantEventOf<T>;

export async function appendEvent<T extends TenantEventType>(q: Queryable, e: NewEvent<T>): Promise<void> {
  await q.query(
    `insert into events (organization_id, tenant_id, operation_id, type, message, data, actor_id, actor_name, request_id)
     values ($1, $2, $3, $4, $5, $6, $7::uuid, (select name from api_keys where id = $7::uuid), $8)`,
    [
      e.organizationId,
      e.tenantId,
      e.operationId ?? null,
      e.type,
      e.message,
      e.data,
      e.actor?.apiKeyId ?? null,
      e.actor?.requestId ?? null,
    ],
  );
}

export async function listEvents(
  q: Queryable,
  tenantId: string,
  options: { after?: number; limit: number },
): Promise<TenantEvent[]> {
  // An engine's event has the request id of the operation it belongs to.
  const { rows } = await q.query(
    `select e.*, o.request_id as operation_request_id
       from events e left join operations o on o.id = e.operation_id
      where e.tenant_id = $1 and e.id > $2 order by e.id limit $3`,
    [tenantId, options.after ?? 0, options.limit],
  );
  return rows.map(toEvent);
}

/** Whose events to read: an organization's, optionally one tenant's and some types. */
export interface EventScope {
  organizationId: string;
  tenantId?: string;
  /** Exact types, or prefixes (`tenant.`) when they end in `.`; any of them. */
  types?: { exact: string[]; prefixes: string[] };
}

/**
 * The scope's events with an id above `after` (and at most `upTo`), oldest first, each
 * with its tenant id: up to `limit` of them.
 */
export async function listScopedEvents(
  q: Queryable,
  scope: EventScope,
  options: { after: number; upTo?: number; limit: number },
): Promise<TenantEvent[]> {
  const args: unknown[] = [scope.organizationId, options.after, options.limit];
  const where = ["e.organization_id = $1", "e.id > $2"];
  if (options.upTo !== undefined) {
    args.push(options.upTo);
    where.push(`e.id <= $${args.length}`);
  }
  if (scope.tenantId !== undefined) {
    args.push(scope.tenantId);
    where.push(`e.tenant_id = $${args.length}`);
  }
  if (scope.types) {
    const any: string[] = [];
    if (scope.types.exact.length > 0) {
      args.push(scope.types.exact);
      any.push(`e.type = any($${args.length}::text[])`);
    }
    for (const prefix of scope.types.prefixes) {
      args.push(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      any.push(`e.type like $${args.length}`);
    }
    if (any.length > 0) where.push(`(${any.join(" or ")})`);
  }
  const { rows } = await q.query(
    `select e.*, o.request_id as operation_request_id
       from events e left join operations o on o.id = e.operation_id
      where ${where.join(" and ")} order by e.id limit $3`,
    args,
  );
  return rows.map(toEvent);
}

/**
 * The largest event id committed now, and the transactions that may still be writing
 * events (they hold the `RowExclusiveLock` an insert takes on the table before it draws
 * its id), by virtual transaction id. One statement: the id is read in its snapshot, the
 * locks after it. The event streams' horizon (src/services/event-horizon.ts) is built on it.
 */
export async function eventWriters(q: Queryable): Promise<{ maxId: number; writers: string[] }> {
  const { rows } = await q.query<{ max_id: number; writers: string[] }>(
    `select (select coalesce(max(id), 0) from events) as max_id,
            coalesce(array(
              select virtualtransaction from pg_locks
               where locktype = 'relation' and relation = 'events'::regclass and mode = 'RowExclusiveLock'
                 and database = (select oid from pg_database where datname = current_database())
                 and pid is distinct from pg_backend_pid()), '{}') as writers`,
  );
  const row = rows[0];
  return { maxId: Number(row?.max_id ?? 0), writers: row?.writers ?? [] };
}
