import pg from "pg";

/**
 * A scratch database for one benchmark run on the PostgreSQL server in `DATABASE_URL`,
 * dropped afterwards; without `DATABASE_URL`, none (Tenantry starts its embedded one).
 */
export async function scratchDatabase(
  prefix: string,
  options: { asyncCommit?: boolean } = {},
): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { url: undefined, drop: async () => {} };
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  if (options.asyncCommit) await admin.query(`alter database ${name} set synchronous_commit = off`);
  await admin.end();
  const u = new URL(server);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
