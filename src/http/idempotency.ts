import type { FastifyReply, FastifyRequest } from "fastify";
import { TenantryError } from "../domain/errors.js";
import { sha256 } from "../lib/crypto.js";
import type { Db, Queryable } from "../store/db.js";
import {
  findIdempotentResponse,
  lockIdempotencyKey,
  saveIdempotentResponse,
} from "../store/sql/idempotency.js";
import { principalOf } from "./auth.js";

/**
 * Runs a mutating handler in one transaction, honouring `Idempotency-Key`: the same key
 * with the same request replays the stored response; the same key with a different
 * request is a 422. Keys are kept 24 hours.
 */
export async function idempotent<T>(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  statusOf: number | ((result: T) => number),
  handler: (q: Queryable) => Promise<T>,
): Promise<T> {
  const status = (result: T) => (typeof statusOf === "number" ? statusOf : statusOf(result));
  const key = request.headers["idempotency-key"];
  if (key === undefined) {
    const result = await db.tx(handler);
    reply.status(status(result));
    return result;
  }
  if (typeof key !== "string" || key.length === 0 || key.length > 255) {
    throw new TenantryError("VALIDATION_FAILED", "Idempotency-Key must be 1 to 255 characters", {
      errors: [{ pointer: "/header/idempotency-key", message: "1 to 255 characters" }],
    });
  }
  const orgId = principalOf(request).organizationId;
  const requestHash = sha256(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`);
  return db.tx(async (q) => {
    await lockIdempotencyKey(q, orgId, key);
    const stored = await findIdempotentResponse(q, orgId, key);
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new TenantryError(
          "IDEMPOTENCY_KEY_REUSED",
          `Idempotency-Key "${key}" was already used for a different request (${stored.method} ${stored.path})`,
        );
      }
      reply.status(stored.statusCode).header("idempotent-replayed", "true");
      return stored.response as T;
    }
    const result = await handler(q);
    // Store the JSON as it will be sent, so a replay is byte-for-byte the same document.
    const response = JSON.parse(JSON.stringify(result));
    await saveIdempotentResponse(q, orgId, key, {
      requestHash,
      method: request.method,
      path: request.url,
      statusCode: status(result),
      response,
    });
    reply.status(status(result));
    return response as T;
  });
}
