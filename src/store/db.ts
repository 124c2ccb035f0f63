import { createHash } from "node:crypto";
import pg from "pg";

/**
 * The one narrow door to the database: a pool plus explicit transactions.
 * SQL lives in small functions under `src/store/sql/` that take a {@link Queryable}.
 */
export type Queryable = Pick<pg.PoolClient, "query">;

export interface Db extends Queryable {
  pool: pg.Pool;
  /**
   * Runs `fn` in a transaction; commits when it resolves, rolls back when it throws.
   * `opening` (literal SQL, no parameters) is sent together with `begin` in one round
   * trip, and `checkOpening` sees its result first (e.g. to refuse a lost lease).
   */
  tx<T>(
    fn: (client: pg.PoolClient) => Promise<T>,
    options?: { opening: string; checkOpening: (result: pg.QueryResult) => void },
  ): Promise<T>;
  close(): Promise<void>;
}

// Return bigint columns (generation, lease_epoch, bigserial ids) as JS numbers: they stay
// far below 2^53 in practice and numbers keep the API's JSON simple.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createDb(
  connectionString: string,
  options: {
    max?: number;
    applicationName?: string;
    /**
     * Every statement is cancelled by the server after this long, and given up on by
     * the client a moment later (a server that stopped answering). Also the longest wait
     * for a free connection. Unset: no limit but the 10 s connection timeout.
     */
    statementTimeoutMs?: number;
  } = {},
): Db {
  const limit = options.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "tenantry",
    // Fail fast instead of hanging forever when the server is unreachable.
    connectionTimeoutMillis: limit ?? 10_000,
    ...(limit !== undefined
      ? { statement_timeout: Math.ceil(limit), query_timeout: Math.ceil(limit) + 1000 }
      : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => preparedStatements(client));
  return {
    pool,
    query: pool.query.bind(pool) as Queryable["query"],
    async tx(fn, options) {
      const client = await pool.connect();
      // While a client is checked out the pool does not listen for its errors: a
      // connection the server drops (a restart) would emit an unhandled `error` and end
      // the process. The failure reaches the caller through the query that was running.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on("error", onError);
      try {
        if (options) {
          const results = (await client.query(`begin; ${options.opening}`)) as unknown as pg.QueryResult[];
          const opened = results[1];
          if (!opened) throw new Error("the transaction's opening statement returned nothing");
          options.checkOpening(opened);
        } else {
          await client.query("begin");
        }
        const result = await fn(client);
        await client.query("commit");
        return result;
      } catch (err) {
        if (!broken) await client.query("rollback").catch(() => {});
        throw err;
      } finally {
        client.off("error", onError);
        // A broken connection is closed, not handed to the next caller.
        client.release(broken ?? undefined);
      }
    },
    close: () => (pool.ended ? Promise.resolve() : pool.end()),
  };
}

/**
 * Makes every parameterised query a named prepared statement on its connection, so
 * PostgreSQL parses and plans each distinct SQL text once per connection instead of on
 * every call (the engine runs the same dozen statements for every tenant). The name is
 * a hash of the text, so one name never means two statements.
 */
function preparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === "string" && Array.isArray(values) && values.length > 0) {
      let name = names.get(config);
      if (!name) {
        name = `t_${createHash("sha1").update(config).digest("hex").slice(0, 20)}`;
        names.set(config, name);
      }
      return query({ name, text: config, values }, callback);
    }
    return query(config, values, callback);
  };
}
