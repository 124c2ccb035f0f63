import type { TenantEventOf, TenantEventType } from "../../domain/events.js";
import type { TenantEvent } from "../../domain/types.js";
import type { Queryable } from "../db.js";
import { toEvent } from "./rows.js";

/** An event to record: a type of {@link TenantEventMap} with its payload. */
export type NewEvent<T extends TenantEventType = TenantEventType> = {
  organizationId: string;
  tenantId: string;
  operationId?: string | null;
} & TenantEventOf<T>;

export async function appendEvent<T extends TenantEventType>(q: Queryable, e: NewEvent<T>): Promise<void> {
  await q.query(
    `insert into events (organization_id, tenant_id, operation_id, type, message, data)
     values ($1, $2, $3, $4, $5, $6)`,
    [e.organizationId, e.tenantId, e.operationId ?? null, e.type, e.message, e.data],
  );
}

export async function listEvents(
  q: Queryable,
  tenantId: string,
  options: { after?: number; limit: number },
): Promise<TenantEvent[]> {
  const { rows } = await q.query(
    "select * from events where tenant_id = $1 and id > $2 order by id limit $3",
    [tenantId, options.after ?? 0, options.limit],
  );
  return rows.map(toEvent);
}
