import type { Queryable } from "../store/db.js";
import { deleteOldRateWindows, hitRateWindow, RATE_WINDOW_SECONDS } from "../store/sql/rate-limits.js";

/**
 * The request-rate windows behind the HTTP layer's limiter (`src/http/rate-limit.ts`),
 * kept in PostgreSQL so that every API process on the database shares one count.
 */
export { RATE_WINDOW_SECONDS };

/** Counts one request against `key`'s current window: the count so far and the seconds left. */
export function countRequest(q: Queryable, key: string): Promise<{ count: number; resetSeconds: number }> {
  return hitRateWindow(q, key);
}

/** Deletes windows that ended; how many. */
export function forgetEndedWindows(q: Queryable): Promise<number> {
  return deleteOldRateWindows(q);
}
