import mysql from "mysql2/promise";

/**
 * The MySQL/MariaDB server of the tests: `TENANTRY_TEST_MYSQL_URL`, else the machine's
 * MariaDB (`mysql://root@127.0.0.1:3306`). Tests that need it skip, saying so, when it
 * cannot be reached.
 */
export const TEST_MYSQL_URL = process.env.TENANTRY_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

/** Connection options of {@link TEST_MYSQL_URL} (or of `url`), optionally as another user or on a database. */
export function mysqlOptions(
  overrides: { user?: string; password?: string; database?: string } = {},
  url = TEST_MYSQL_URL,
): mysql.ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: u.port ? Number(u.port) : 3306,
    user: overrides.user ?? (decodeURIComponent(u.username) || "root"),
    password: overrides.password ?? decodeURIComponent(u.password),
    ...(overrides.database ? { database: overrides.database } : {}),
    connectTimeout: 2_000,
  };
}

/** An admin connection to the test server. */
export async function mysqlAdmin(): Promise<mysql.Connection> {
  const conn = await mysql.createConnection(mysqlOptions());
  conn.on("error", () => {});
  return conn;
}

let reachable: Promise<boolean> | undefined;

/** Whether the test server answers (once per file); warns `[label] SKIPPED: …` when it does not. */
export function mysqlReachable(label?: string): Promise<boolean> {
  reachable ??= (async () => {
    try {
      const conn = await mysqlAdmin();
      await conn.query("select 1");
      await conn.end();
      return true;
    } catch {
      return false;
    }
  })();
  return reachable.then((ok) => {
    if (!ok && label)
      console.warn(`[${label}] SKIPPED: no MySQL/MariaDB at ${TEST_MYSQL_URL} (set TENANTRY_TEST_MYSQL_URL)`);
    return ok;
  });
}

/**
 * Drops databases and users (`'<user>'@'%'`) the tests' tenants left, and their rows in the
 * driver's registry (`_tenantry.owners`). Names are the driver's (`[a-z0-9_]`).
 */
export async function dropMysqlObjects(objects: { database?: string; user?: string }[]): Promise<void> {
  if (objects.length === 0) return;
  const conn = await mysqlAdmin();
  try {
    for (const { database, user } of objects) {
      if (database && /^[a-z0-9_]+$/.test(database)) {
        await conn.query(`drop database if exists \`${database}\``).catch(() => {});
        await conn
          .query("delete from `_tenantry`.`owners` where kind = 'database' and name = ?", [database])
          .catch(() => {});
      }
      if (user && /^[a-z0-9_]+$/.test(user)) {
        await conn.query(`drop user if exists ${mysql.escape(user)}@'%'`).catch(() => {});
        await conn
          .query("delete from `_tenantry`.`owners` where kind = 'user' and name = ?", [user])
          .catch(() => {});
      }
    }
  } finally {
    await conn.end().catch(() => {});
  }
}
