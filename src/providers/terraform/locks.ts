import pg from "pg";

/**
 * Who holds advisory locks in the state database: the `pg` backend locks a workspace with
 * an advisory lock of the CLI's own session, and Tenantry names each CLI's session
 * (`application_name`: `tenantry <host> <pid> <tenant>`), so a held lock can be reported
 * with its holder and since when.
 */
export async function lockHolders(stateUrl: string): Promise<string[]> {
  const client = new pg.Client({
    connectionString: stateUrl,
    connectionTimeoutMillis: 5000,
    statement_timeout: 5000,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{
      application_name: string;
      backend_start: Date;
      client_addr: string | null;
    }>(
      `select distinct a.application_name, a.backend_start, a.client_addr::text as client_addr
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and a.datname = current_database()
        order by a.backend_start`,
    );
    return rows.map(
      (r) =>
        `${r.application_name || "an unnamed session"}${r.client_addr ? ` from ${r.client_addr}` : ""} (connected since ${r.backend_start.toISOString()})`,
    );
  } finally {
    await client.end();
  }
}
