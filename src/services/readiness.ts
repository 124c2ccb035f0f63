import type { Queryable } from "../store/db.js";
import { migrationsCurrent } from "../store/migrations.js";

/** Whether the database answers and every migration is applied (`GET /ready`); throws when it cannot be reached. */
export function databaseReady(db: Queryable): Promise<boolean> {
  return migrationsCurrent(db);
}
