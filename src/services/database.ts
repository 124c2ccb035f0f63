/**
 * The database handles services take, and how to tell an unreachable database: what the
 * HTTP layer needs of the store without reaching into it (it passes `db` to services).
 */

export { isDatabaseUnavailable } from "../store/connection-errors.js";
export type { Db, Queryable } from "../store/db.js";
