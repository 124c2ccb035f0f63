// The app's database: one connection pool per process and the tables all three processes share.
import pg from "pg";

/** An arbitrary key for the advisory lock that serialises schema creation across processes. */
const SCHEMA_LOCK = 7_342_001;

const SCHEMA = `
create table if not exists visits (
  id integer primary key default 1 check (id = 1),
  count bigint not null default 0
);

create table if not exists jobs (
  id bigserial primary key,
  kind text not null default 'echo',
  payload jsonb not null default '{}'::jsonb,
  status text not null default 'queued' check (status in ('queued', 'done', 'failed')),
  result jsonb,
  created_at timestamptz not null default now(),
  done_at timestamptz
);

create index if not exists jobs_queued on jobs (id) where status = 'queued';

create table if not exists heartbeats (
  id bigserial primary key,
  at timestamptz not null default now()
);
`;

/** A pool on `DATABASE_URL`; exits with a clear message when it is not set. */
export function createPool(options = {}) {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    console.error("DATABASE_URL is not set");
    process.exit(1);
  }
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 5_000, max: 5, ...options });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on("error", (err) => console.error(`database connection lost: ${err.message}`));
  return pool;
}

/**
 * Creates the tables if they are missing. The web service and the worker may start at the
 * same moment, and concurrent `create table if not exists` can still collide, so the
 * statements run in one transaction under an advisory lock.
 */
export async function ensureSchema(pool) {
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    await client.query("commit");
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
