import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDb } from "../../src/store/db.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../../src/store/embedded-postgres.js";
import { migrate } from "../../src/store/migrations.js";
import { removeTenantUsers } from "./tenant-users.js";

/**
 * One PostgreSQL for the whole run: `DATABASE_URL` when set (CI points it at the
 * machine's server), otherwise an embedded one started here. A template database is
 * migrated once; each test file clones it (see ./db.ts).
 */
declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
    runId: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let embeddedDir: string | undefined;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embeddedDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-test-pg-"));
    await chmod(embeddedDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: embeddedDir });
    adminUrl = embedded.url;
    console.log(`[tests] DATABASE_URL is not set: using an embedded PostgreSQL on port ${embedded.port}`);
  } else {
    console.log(`[tests] using the PostgreSQL at DATABASE_URL`);
  }
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const templateDb = `tenantry_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${templateDb}`);
  const db = createDb(withDatabase(adminUrl, templateDb), { max: 1 });
  await migrate(db);
  await db.close();
  await admin.end();

  project.provide("adminUrl", adminUrl);
  project.provide("templateDb", templateDb);
  project.provide("runId", runId);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like $1",
      [`tenantry_%${runId}%`],
    );
    for (const { datname } of rows) {
      await client.query(`drop database if exists "${datname}" with (force)`);
    }
    // Roles a test file's local provider left behind (a failing test) are dropped too.
    const roles = await client.query<{ rolname: string }>(
      "select rolname from pg_roles where rolname like $1",
      [`%${runId}%`],
    );
    for (const { rolname } of roles.rows)
      await client.query(`drop role if exists "${rolname}"`).catch(() => {});
    await client.end();
    // Tenant OS users (as root) whose tenant directory a test removed without destroying them.
    await removeTenantUsers({ orphans: true });
    await embedded?.stop();
    if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true });
  };
}
