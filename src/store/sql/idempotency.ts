import type { Queryable } from "../db.js";

export interface StoredResponse {
  requestHash: string;
  method: string;
  path: string;
  statusCode: number;
  response: unknown;
}

/** Takes a per-key transaction lock so two concurrent requests with one key run one after the other. */
export async function lockIdempotencyKey(q: Queryable, organizationId: string, key: string): Promise<void> {
  await q.query("select pg_advisory_xact_lock(hashtextextended($1 || '/idem/' || $2, 0))", [
    organizationId,
    key,
  ]);
}

export async function findIdempotentResponse(
  q: Queryable,
  organizationId: string,
  key: string,
): Promise<StoredResponse | null> {
  const { rows } = await q.query(
    `select request_hash, method, path, status_code, response from idempotency_keys
     where organization_id = $1 and key = $2 and created_at > now() - interval '24 hours'`,
    [organizationId, key],
  );
  const r = rows[0];
  return r
    ? {
        requestHash: r.request_hash,
        method: r.method,
        path: r.path,
        statusCode: r.status_code,
        response: r.response,
      }
    : null;
}

export async function saveIdempotentResponse(
  q: Queryable,
  organizationId: string,
  key: string,
  stored: StoredResponse,
): Promise<void> {
  await q.query(
    `insert into idempotency_keys (organization_id, key, method, path, request_hash, status_code, response)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (organization_id, key) do update set method = excluded.method, path = excluded.path,
       request_hash = excluded.request_hash, status_code = excluded.status_code, response = excluded.response,
       created_at = now()`,
    [organizationId, key, stored.method, stored.path, stored.requestHash, stored.statusCode, stored.response],
  );
}
