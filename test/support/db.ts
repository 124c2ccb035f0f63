import pg from "pg";
import { inject } from "vitest";
import { createDb, type Db } from "../../src/store/db.js";

let counter = 0;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  /** Connection string of this file's own database. */
  url: string;
  /** Connection string of the server's `postgres` database (for checks on pg_database, pg_roles). */
  adminUrl: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("adminUrl");
  const template = inject("templateDb");
  const runId = inject("runId");
  const name = `tenantry_t_${runId}_${process.pid}_${++counter}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Cloning from a template fails while anyone else is connected to the template;
  // nothing connects to it after the global setup, but retry briefly to be safe.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database "${name}" template "${template}"`);
      break;
    } catch (err) {
      if (attempt >= 20 || !String(err).includes("being accessed")) throw err;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 10 });
  return {
    url,
    adminUrl,
    name,
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}
