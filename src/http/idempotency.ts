import type { FastifyReply, FastifyRequest } from "fastify";
import { TenantryError } from "../domain/errors.js";
import type { Db, Queryable } from "../services/database.js";
import { runIdempotent } from "../services/idempotent-requests.js";
import { auditInTransaction } from "./audit.js";
import { principalOf } from "./auth.js";

/**
 * Runs a mutating handler in one transaction, honouring `Idempotency-Key`: the same key
 * with the same request replays the stored response; the same key with a different
 * request is a 422. Keys are kept 24 hours. The call's audit entry is written in the same
 * transaction (a replay's, which changes nothing, after the answer: see audit.ts).
 */
export async function idempotent<T>(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  statusOf: number | ((result: T) => number),
  handler: (q: Queryable) => Promise<T>,
  /**
   * What of the body the stored request hash is made of: a body with write-only values
   * gives them as keyed digests (`TenantService.hashableBody`), so the hash kept for 24
   * hours cannot be used to guess them. @default the body
   */
  hashable: (body: unknown) => unknown = (body) => body,
): Promise<T> {
  const status = (result: T) => (typeof statusOf === "number" ? statusOf : statusOf(result));
  const key = request.headers["idempotency-key"];
  if (key !== undefined && (typeof key !== "string" || key.length === 0 || key.length > 255)) {
    throw new TenantryError("VALIDATION_FAILED", "Idempotency-Key must be 1 to 255 characters", {
      errors: [{ pointer: "/header/idempotency-key", message: "1 to 255 characters" }],
    });
  }
  const answer = await runIdempotent(
    db,
    {
      method: request.method,
      path: request.url,
      body: hashable(request.body),
      ...(key === undefined
        ? {}
        : { idempotency: { organizationId: principalOf(request).organizationId, key } }),
    },
    status,
    async (q) => {
      const result = await handler(q);
      await auditInTransaction(q, request, status(result), result);
      return result;
    },
  );
  // Committed: the entry is in, unless this was a replay (the handler did not run).
  if (!answer.replayed) request.audited = true;
  reply.status(answer.statusCode);
  if (answer.replayed) reply.header("idempotent-replayed", "true");
  // Where the answer's object lives, also on a replay (whose handler did not run).
  const location = locationOf(answer.statusCode, answer.response);
  if (location && !reply.hasHeader("location")) reply.header("location", location);
  return answer.response;
}

const idOf = (value: unknown): string | undefined => {
  const id = (value as { id?: unknown } | null | undefined)?.id;
  return typeof id === "string" ? id : undefined;
};

/**
 * The `Location` of a 201 (what was created) or a 202 (the operation that does the work,
 * else the object it works on).
 */
export function locationOf(status: number, response: unknown): string | undefined {
  if (status !== 201 && status !== 202) return undefined;
  const r = (response ?? {}) as Record<string, unknown>;
  const operation = idOf(r["operation"]);
  if (status === 202 && operation) return `/v1/operations/${operation}`;
  const tenant = idOf(r["tenant"]);
  if (tenant) return `/v1/tenants/${tenant}`;
  const key = idOf(r["api_key"]);
  if (key) return `/v1/api-keys/${key}`;
  const organization = idOf(r["organization"]);
  if (organization) return `/v1/organizations/${organization}`;
  if (typeof r["environment_id"] === "string") return `/v1/environments/${r["environment_id"]}`;
  return undefined;
}
