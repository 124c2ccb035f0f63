import type { FastifyInstance, FastifyRequest } from "fastify";
import { type NewAuditEntry, outcomeOfStatus } from "../domain/audit.js";
import type { Principal } from "../domain/types.js";
import { isUuid } from "../lib/ids.js";
import { recordAudit } from "../services/audit-service.js";
import type { Queryable } from "../services/database.js";

/**
 * The audit entries of API calls: every authenticated call that may change something
 * (POST, PUT, PATCH, DELETE on a route that needs more than the viewer role) gets one,
 * also when it is refused (403, 404, 409, 422…) or fails (5xx). Calls without a known
 * caller (401: no key, or a key that is not valid) get none: there is no actor to name,
 * and anyone could fill the log with them.
 *
 * A call whose change runs in a transaction (`idempotent()`) writes its entry in that
 * transaction ({@link auditInTransaction}): the change and its entry commit together.
 * Every other call, and every refused or failed one, gets its entry after the answer
 * was sent (`onResponse`); a failure to write it is logged as an error.
 */

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent the request, once its key is known: also when the role was not enough (403). */
    caller?: Principal;
    /** Set once the call's entry was committed with its change. */
    audited?: boolean;
    /** The `code` of the problem answered, when the call was refused or failed. */
    problemCode?: string;
    /** What a handler adds to the entry: ids it learned, a summary of what it did. */
    auditNote?: { tenantId?: string; operationId?: string; summary?: Record<string, unknown> };
  }
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Action names by `METHOD route`; a route missing here is recorded as `METHOD route`. */
const ACTIONS: Record<string, string> = {
  "POST /v1/tenants": "tenant.create",
  "PATCH /v1/tenants/:id": "tenant.update",
  "DELETE /v1/tenants/:id": "tenant.delete",
  "POST /v1/tenants/:id/suspend": "tenant.suspend",
  "POST /v1/tenants/:id/resume": "tenant.resume",
  "POST /v1/tenants/:id/retry": "tenant.retry",
  "POST /v1/tenants/:id/resources/:name/runs": "tenant.run_job",
  "POST /v1/blueprints": "blueprint.push",
  "POST /v1/environments": "environment.create",
  "DELETE /v1/environments/:id": "environment.delete",
  "POST /v1/api-keys": "api_key.create",
  "DELETE /v1/api-keys/:id": "api_key.revoke",
  "POST /v1/api-keys/:id/rotate": "api_key.rotate",
  "POST /v1/organizations": "organization.create",
  "PATCH /v1/organizations/:id": "organization.rename",
  "DELETE /v1/organizations/:id": "organization.delete",
  "POST /v1/credentials": "credential.create",
  "DELETE /v1/credentials/:id": "credential.delete",
  "POST /v1/credentials/:id/check": "credential.check",
  "PUT /v1/organizations/:id/quotas": "organization.set_quotas",
  "PATCH /v1/organizations/:id/quotas": "organization.change_quotas",
  "POST /v1/webhooks": "webhook.create",
  "PATCH /v1/webhooks/:id": "webhook.update",
  "DELETE /v1/webhooks/:id": "webhook.delete",
  "POST /v1/webhooks/:id/rotate-secret": "webhook.rotate_secret",
  "POST /v1/webhooks/:id/deliveries/:delivery_id/redeliver": "webhook.redeliver",
};

/** The action of a call to `route` (its pattern) with `method`. */
export function auditAction(method: string, route: string): string {
  return ACTIONS[`${method} ${route}`] ?? `${method} ${route}`;
}

/** Field names whose values are never recorded (matched case-insensitively). */
const SENSITIVE = /secret|passw|token|credential|private|kubeconfig|api_?key$|(^|_|-)key$/i;
/** Strings longer than this are recorded by their length only (a blueprint's source). */
const MAX_STRING = 200;
const MAX_DEPTH = 8;

/**
 * A request body as the audit log keeps it: `secrets` by their names only, fields named
 * like a secret (`password`, `token`, `*_key`…) as `[redacted]`, long strings by length.
 */
export function redact(value: unknown, name = "", depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (name === "secrets" && typeof value === "object" && !Array.isArray(value)) {
    return Object.keys(value).sort();
  }
  if (name && SENSITIVE.test(name)) return "[redacted]";
  if (typeof value === "string") return value.length > MAX_STRING ? `[${value.length} characters]` : value;
  if (typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[…]";
  if (Array.isArray(value)) return value.map((v) => redact(v, "", depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k, depth + 1)]));
}

/** Whether the call gets an entry, and the caller it names. */
function auditedCaller(request: FastifyRequest): Principal | undefined {
  if (!MUTATING.has(request.method)) return undefined;
  const role = request.routeOptions.config.role;
  // Viewer routes only read (a plan, a validation), even when they are POSTs.
  if (!role || role === "viewer") return undefined;
  return request.caller;
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const stringAt = (o: Json | undefined, key: string): string | undefined =>
  typeof o?.[key] === "string" ? (o[key] as string) : undefined;

/** The entry of an API call answered with `status`; `result`: the handler's answer, when known. */
export function apiAuditEntry(
  request: FastifyRequest,
  status: number,
  result?: unknown,
  replayed = false,
): NewAuditEntry | undefined {
  const caller = auditedCaller(request);
  if (!caller) return undefined;
  const route = request.routeOptions.url ?? request.url;
  const params = asObject(request.params) ?? {};
  const answer = asObject(result);
  const note = request.auditNote;
  // The tenant: the answer's, else the path's id when the route is a tenant's (a slug is
  // kept in the summary's `path`).
  const pathId = stringAt(params, "id");
  const tenantRoute = /^\/v1\/(tenants|environments)\/:id/.test(route);
  const tenantId =
    note?.tenantId ??
    stringAt(asObject(answer?.["tenant"]), "id") ??
    stringAt(answer, "environment_id") ??
    (tenantRoute && pathId && isUuid(pathId) ? pathId : undefined);
  const operationId = note?.operationId ?? stringAt(asObject(answer?.["operation"]), "id");
  const created = stringAt(asObject(answer?.["api_key"]), "id");
  const summary: Json = {
    ...(Object.keys(params).length > 0 ? { path: params } : {}),
    ...(request.body !== undefined && request.body !== null ? { body: redact(request.body) } : {}),
    ...(created ? { api_key_id: created } : {}),
    ...(request.problemCode && status >= 400 ? { error: request.problemCode } : {}),
    ...(replayed ? { replayed: true } : {}),
    ...note?.summary,
  };
  return {
    actor: { type: "api_key", id: caller.apiKeyId },
    organizationId: caller.organizationId,
    requestId: request.id,
    tenantId: tenantId ?? null,
    operationId: operationId ?? null,
    action: auditAction(request.method, route),
    outcome: outcomeOfStatus(status),
    status,
    summary,
  };
}

/**
 * Writes the call's entry in the transaction of its change (`q`). The caller marks the
 * request `audited` once that transaction committed, so `onResponse` does not add another.
 */
export async function auditInTransaction(
  q: Queryable,
  request: FastifyRequest,
  status: number,
  result: unknown,
): Promise<void> {
  const entry = apiAuditEntry(request, status, result);
  if (entry) logAudit(request, entry, await recordAudit(q, entry));
}

/** The entry's fields on the request's log line too (it already carries the request id). */
function logAudit(request: FastifyRequest, entry: NewAuditEntry, id: string): void {
  request.log.info(
    {
      audit: {
        id,
        action: entry.action,
        outcome: entry.outcome,
        status: entry.status,
        actor: entry.actor.type === "api_key" ? entry.actor.id : "system",
        organizationId: entry.organizationId,
        tenantId: entry.tenantId,
        operationId: entry.operationId,
      },
    },
    "audit",
  );
}

/** Records every audited call not recorded with its change, once it was answered. */
export function registerAuditHook(app: FastifyInstance, db: Queryable): void {
  app.addHook("onResponse", async (request, reply) => {
    if (request.audited) return;
    const replayed = reply.getHeader("idempotent-replayed") === "true";
    const entry = apiAuditEntry(request, reply.statusCode, undefined, replayed);
    if (!entry) return;
    try {
      logAudit(request, entry, await recordAudit(db, entry));
    } catch (err) {
      // The answer is sent; the entry must not vanish without a trace.
      request.log.error(
        { err: (err as Error).message, action: entry.action, status: entry.status },
        "audit entry could not be written",
      );
    }
  });
}
