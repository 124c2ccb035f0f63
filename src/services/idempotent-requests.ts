import { TenantryError } from "../domain/errors.js";
import { sha256 } from "../lib/crypto.js";
import type { Db, Queryable } from "../store/db.js";
import {
  findIdempotentResponse,
  lockIdempotencyKey,
  saveIdempotentResponse,
} from "../store/sql/idempotency.js";

/** A mutating request, as far as `Idempotency-Key` is concerned. */
export interface MutatingRequest {
  method: string;
  path: string;
  body: unknown;
  /** The `Idempotency-Key` sent (already checked for its length) and its organization; none: just run. */
  idempotency?: { organizationId: string; key: string };
}

/** What to answer: the handler's result, or the stored answer of an earlier identical request. */
export interface IdempotentAnswer<T> {
  statusCode: number;
  response: T;
  replayed: boolean;
}

/**
 * Runs a mutating handler in one transaction, honouring its idempotency key: the same key
 * with the same request replays the stored response; the same key with a different
 * request is a 422 `IDEMPOTENCY_KEY_REUSED`. Keys are kept 24 hours.
 */
export async function runIdempotent<T>(
  db: Db,
  request: MutatingRequest,
  statusOf: (result: T) => number,
  handler: (q: Queryable) => Promise<T>,
): Promise<IdempotentAnswer<T>> {
  if (!request.idempotency) {
    const result = await db.tx(handler);
    return { statusCode: statusOf(result), response: result, replayed: false };
  }
  const { organizationId: orgId, key } = request.idempotency;
  const requestHash = sha256(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`);
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
      return { statusCode: stored.statusCode, response: stored.response as T, replayed: true };
    }
    const result = await handler(q);
    // Store the JSON as it will be sent, so a replay is byte-for-byte the same document.
    const response = JSON.parse(JSON.stringify(result));
    const statusCode = statusOf(result);
    await saveIdempotentResponse(q, orgId, key, {
      requestHash,
      method: request.method,
      path: request.path,
      statusCode,
      response,
    });
    return { statusCode, response: response as T, replayed: false };
  });
}
