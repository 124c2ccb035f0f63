import type { Queryable } from "../db.js";

/** The length of a rate-limit window, in seconds (`TENANTRY_RATE_LIMIT_PER_MINUTE`). */
export const RATE_WINDOW_SECONDS = 60;

/**
 * Counts one request of `key` in the current fixed window (shared by every process on
 * this database: one upsert, race-free); returns the window's count so far, this request
 * included, and the seconds until the window ends.
 */
export async function hitRateWindow(
  q: Queryable,
  key: string,
): Promise<{ count: number; resetSeconds: number }> {
  const { rows } = await q.query<{ count: number; reset: number }>(
    `insert into rate_limit_windows as w (key, window_start, count)
     values ($1, to_timestamp(floor(extract(epoch from clock_timestamp()) / $2) * $2), 1)
     on conflict (key, window_start) do update set count = w.count + 1
     returning w.count,
       greatest(1, ceil(extract(epoch from w.window_start + make_interval(secs => $2) - clock_timestamp())))::int
         as reset`,
    [key, RATE_WINDOW_SECONDS],
  );
  const row = rows[0];
  if (!row) throw new Error("rate window: no row");
  return { count: row.count, resetSeconds: row.reset };
}

/** Deletes the windows that ended (kept one extra window for clock skew between servers). */
export async function deleteOldRateWindows(q: Queryable): Promise<number> {
  const { rowCount } = await q.query(
    "delete from rate_limit_windows where window_start < clock_timestamp() - make_interval(secs => $1)",
    [2 * RATE_WINDOW_SECONDS],
  );
  return rowCount ?? 0;
}
