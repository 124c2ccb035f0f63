import type { Logger } from "pino";
import { transition } from "../domain/lifecycle.js";
import type { HealthEvent } from "../providers/provider.js";
import type { Db } from "../store/db.js";
import { lockTenant, updateTenantStatus } from "../store/sql/tenants.js";

export type { HealthEvent };

/**
 * Applies a health event to the tenant's lifecycle: an unhealthy resource makes an
 * `active` tenant `degraded` (with the reason in `error_message`), and once every
 * resource reported healthy again it is `active` (healed). A tenant in the middle of an
 * operation is left to it: the operation's own outcome decides its status.
 */
export async function applyHealthEvent(
  db: Db,
  event: HealthEvent,
  unhealthy: Map<string, Set<string>>,
  logger: Logger,
): Promise<void> {
  const set = unhealthy.get(event.tenantId) ?? new Set<string>();
  if (event.healthy) set.delete(event.resourceKey);
  else set.add(event.resourceKey);
  if (set.size === 0) unhealthy.delete(event.tenantId);
  else unhealthy.set(event.tenantId, set);

  await db.tx(async (q) => {
    const status = (await lockTenant(q, event.tenantId))?.status;
    if (status === undefined) return;
    if (!event.healthy && status === "active") {
      const next = transition("active", { type: "degraded" });
      if (!next.ok) return;
      await updateTenantStatus(q, event.tenantId, {
        status: next.status,
        from: "active",
        errorMessage: event.reason,
        event: {
          operationId: null,
          type: "tenant.status_changed",
          message: `active → degraded: ${event.reason}`,
          data: { from: "active", to: "degraded", resource: event.resourceKey, reason: event.reason },
        },
      });
      logger.warn({ tenantId: event.tenantId, resource: event.resourceKey }, "tenant degraded");
    } else if (event.healthy && status === "degraded" && set.size === 0) {
      const next = transition("degraded", { type: "healed" });
      if (!next.ok) return;
      await updateTenantStatus(q, event.tenantId, {
        status: next.status,
        from: "degraded",
        errorMessage: null,
        event: {
          operationId: null,
          type: "tenant.status_changed",
          message: `degraded → active: ${event.reason}`,
          data: { from: "degraded", to: "active", resource: event.resourceKey, reason: event.reason },
        },
      });
      logger.info({ tenantId: event.tenantId, resource: event.resourceKey }, "tenant healed");
    }
  });
}
