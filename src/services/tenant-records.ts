import type { Resource, TenantEvent } from "../domain/types.js";
import type { Queryable } from "../store/db.js";
import { appendEvent, listEvents, type NewEvent } from "../store/sql/events.js";
import { listResources } from "../store/sql/resources.js";

/** What is recorded of a tenant besides the tenant itself: its resources and its timeline. */

/** The tenant's recorded resources (deleted ones too), oldest first. */
export function tenantResources(q: Queryable, tenantId: string): Promise<Resource[]> {
  return listResources(q, tenantId);
}

/** The tenant's timeline, oldest first: up to `limit` events with an id above `after`. */
export function tenantEvents(
  q: Queryable,
  tenantId: string,
  page: { after?: number; limit: number },
): Promise<TenantEvent[]> {
  return listEvents(q, tenantId, page);
}

/** Adds an event to a tenant's timeline. */
export function recordTenantEvent(q: Queryable, event: NewEvent): Promise<void> {
  return appendEvent(q, event);
}
