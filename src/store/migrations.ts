import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Queryable } from "./db.js";

/** Numbered SQL migrations in `migrations/NNNN_name.sql`, applied in order and recorded. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: await readFile(path.join(dir, file), "utf8"),
    })),
  );
}

// Any constant works; it only has to be the same for every Tenantry process so that two
// processes starting at once apply migrations one after the other.
const MIGRATION_LOCK = 7_283_910_551;

/** Applies pending migrations in one transaction under an advisory lock; returns the versions applied. */
export async function migrate(db: {
  tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T>;
}): Promise<number[]> {
  const migrations = await loadMigrations();
  return db.tx(async (client) => {
    await client.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      `create table if not exists schema_migrations (
         version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query<{ version: number }>("select version from schema_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query("insert into schema_migrations (version, name) values ($1, $2)", [
        m.version,
        m.name,
      ]);
      done.push(m.version);
    }
    return done;
  });
}

let latestVersion: Promise<number> | undefined;

/** Whether every known migration has been applied (for `/ready`). */
export async function migrationsCurrent(db: Queryable): Promise<boolean> {
  // The files do not change while the process runs: read them once.
  latestVersion ??= loadMigrations().then((m) => m.at(-1)?.version ?? 0);
  const latest = await latestVersion;
  try {
    const { rows } = await db.query<{ v: number | null }>("select max(version) as v from schema_migrations");
    return (rows[0]?.v ?? 0) >= latest;
  } catch (err) {
    // No migrations table yet: not migrated. Anything else (the database is down) is for the caller.
    if ((err as { code?: string }).code === "42P01") return false;
    throw err;
  }
}
