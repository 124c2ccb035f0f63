import { createHash } from "node:crypto";
import { type DesiredResource, ProviderError } from "../provider.js";

/** MySQL's and MariaDB's limit on a database name, in characters. */
export const MAX_DATABASE_CHARS = 64;
/**
 * MySQL's limit on a user name (since 5.7.8; MariaDB allows 80): kept for both, so the
 * same names work on either server.
 */
export const MAX_USER_CHARS = 32;
const HASH_CHARS = 8;

export interface MysqlNames {
  database: string;
  user: string;
}

/**
 * The database and user names of one `mysql` resource of one tenant, as the local
 * PostgreSQL driver names its databases: `<base>_<tenant slug>_<hash>`, where `base` is
 * `spec.databaseName ?? spec.name` for the database and `spec.user ?? spec.name` for the
 * user, and `hash` is the first 8 hex digits of sha256(`<tenant id>\0<spec.name>`).
 *
 * - The tenant id in the hash keeps names apart across organizations on one shared server
 *   (two organizations may both have a tenant `acme`); `spec.name` keeps two databases of
 *   one tenant apart, even when they share a `user:` or differ only in case.
 * - Only `[a-z0-9_]` (other characters become `_` after lowercasing), starting with a
 *   letter (else a `t_` prefix): no quoting surprises, and the same name on servers with
 *   case-insensitive file systems (`lower_case_table_names`).
 * - At most 64 characters for the database and 32 for the user: the readable part is cut,
 *   the hash suffix kept.
 *
 * Deterministic and pure: a retry after a crash finds the objects by these names.
 */
export function localMysqlNames(
  resource: DesiredResource<"mysql">,
  tenant: { id: string; slug: string },
): MysqlNames {
  const name = resource.spec.name;
  if (!name) {
    throw new ProviderError(`mysql resource ${resource.key} has no name in its spec`, { retryable: false });
  }
  // An empty databaseName or user is as if there were none.
  const databaseBase = resource.spec.databaseName || name;
  const userBase = resource.spec.user || name;
  const hash = createHash("sha256").update(`${tenant.id}\0${name}`).digest("hex").slice(0, HASH_CHARS);
  return {
    database: identifier(databaseBase, tenant.slug, hash, MAX_DATABASE_CHARS),
    user: identifier(userBase, tenant.slug, hash, MAX_USER_CHARS),
  };
}

function identifier(base: string, slug: string, hash: string, max: number): string {
  let head = `${base}_${slug}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!/^[a-z]/.test(head)) head = `t_${head}`;
  const room = max - HASH_CHARS - 1;
  if (head.length > room) head = head.slice(0, room).replace(/_+$/, "");
  return `${head}_${hash}`;
}

/**
 * A database name as a pattern of a database-level GRANT, where `_` and `%` are wildcards:
 * escaped, so the grant covers exactly this database (`main_acme_…` must not also match
 * `mainXacmeX…`).
 */
export function grantPattern(database: string): string {
  return database.replace(/[\\_%]/g, (c) => `\\${c}`);
}
