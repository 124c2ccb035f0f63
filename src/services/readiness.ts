import type { Queryable } from "../store/db.js";
import { migrationsCurrent } from "../store/migrations.js";

/**
 * What `GET /ready` answers (the API's, and a worker's metrics server's): ready when the
 * database answers and every migration is applied, else why not.
 */
export async function readiness(db: Queryable): Promise<{ ready: true } | { ready: false; reason: string }> {
  try {
    return (await migrationsCurrent(db))
      ? { ready: true }
      : { ready: false, reason: "migrations are not current" };
  } catch (err) {
    return { ready: false, reason: `database unreachable: ${(err as Error).message}` };
  }
}
