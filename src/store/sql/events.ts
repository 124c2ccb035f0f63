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
