import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { AuditEntry } from "../../domain/audit.js";
import { TenantryError } from "../../domain/errors.js";
import { isUuid } from "../../lib/ids.js";
import { auditLog } from "../../services/audit-service.js";
import { principalOf } from "../auth.js";
import { AuditEntryView, AuditQuery, Page } from "../schemas.js";
import type { HttpDeps } from "../server.js";
import { decodeCursor, encodeCursor } from "./tenants.js";

export function auditEntryView(e: AuditEntry) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor:
      e.actor.type === "api_key"
        ? { type: e.actor.type, id: e.actor.id, name: e.actor.name }
        : { type: e.actor.type, id: null, name: "system" },
    organization_id: e.organizationId,
    request_id: e.requestId,
    tenant_id: e.tenantId,
    operation_id: e.operationId,
    action: e.action,
    outcome: e.outcome,
    status: e.status,
    summary: e.summary,
  };
}

function uuidOr422(value: string | undefined, pointer: string, what: string): string | undefined {
  if (value === undefined || isUuid(value)) return value;
  throw new TenantryError("VALIDATION_FAILED", `${pointer}: ${what}`, {
    errors: [{ pointer, message: what }],
  });
}

/** `GET /v1/audit`: the caller's organization's audit log (admin role). */
export const auditRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { db }) => {
  app.get(
    "/v1/audit",
    {
      config: { role: "admin" },
      schema: {
        operationId: "listAuditEntries",
        tags: ["audit"],
        summary: "The organization's audit log, oldest first",
        description:
          "Every mutating API call (also refused ones, once the key is known) and every provider action of the engine. Filters combine; `action` ending in `.` or `*` is a prefix (`tenant.`). Append-only: entries are never changed or removed.",
        querystring: AuditQuery,
        response: { 200: Page(AuditEntryView, "AuditEntryPage") },
      },
    },
    async (request) => {
      const query = request.query;
      const limit = query.limit ?? 100;
      const actor =
        query.actor === "system"
          ? "system"
          : uuidOr422(query.actor, "/query/actor", "an API key's id, or system");
      const rows = await auditLog(db, principalOf(request), {
        tenantId: uuidOr422(query.tenant, "/query/tenant", "a tenant's id"),
        actor,
        action: query.action,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
        requestId: query.request_id,
        after: decodeCursor(query.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map(auditEntryView),
        next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      };
    },
  );
};
