import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";
import { mysqlAdmin, mysqlReachable } from "./support/mysql.js";

/**
 * A tenant on the local target with a MariaDB database (`engine: mariadb`) and a web
 * service reading it through `fromDatabase` `connectionString`, end to end through the
 * HTTP API: the database and its user exist on the machine's MariaDB, the app writes and
 * reads it, a second tenant's app gets a database of its own, and destroy leaves nothing
 * (database, user, registry rows).
 */

const reachable = await mysqlReachable("local-tenant-mysql");

/** The tenant app: `mysql2` from Tenantry's own node_modules (NODE_PATH). */
const WEB = `
const http = require("node:http");
const mysql = require("mysql2/promise");

const server = http.createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok");
  let db;
  try {
    db = await mysql.createConnection(process.env.DATABASE_URL);
    await db.query("create table if not exists visits (id int auto_increment primary key, tenant varchar(64))");
    await db.query("insert into visits (tenant) values (?)", [process.env.TENANT_SLUG]);
    const [rows] = await db.query("select count(*) as n, database() as db, min(tenant) as who from visits");
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ database: rows[0].db, visits: Number(rows[0].n), who: rows[0].who, host: process.env.DB_HOST }));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err && err.message));
  } finally {
    if (db) await db.end().catch(() => {});
  }
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

function blueprint(appDir: string): string {
  return `
databases:
  - name: site-db
    engine: mariadb
    databaseName: frappe
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node web.js
    healthCheckPath: /health
    envVars:
      - key: NODE_PATH
        value: ${path.join(projectRoot, "node_modules")}
      - key: DATABASE_URL
        fromDatabase:
          name: site-db
          property: connectionString
      - key: DB_HOST
        fromDatabase:
          name: site-db
          property: host
`;
}

const WAIT = { timeoutMs: 60_000 };

let t: TestApp;
let api: ApiClient;
let base: string;
let appDir: string;
let admin: mysql.Connection;

async function count(sql: string, value: string): Promise<number> {
  const [rows] = await admin.query(sql, [value]);
  return Number((rows as { n: number }[])[0]?.n);
}

describe.skipIf(!reachable)("a local tenant with a MariaDB database", () => {
  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-mysql-app-"));
    await writeFile(path.join(appDir, "web.js"), WEB);
    t = await startTestApp({
      env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
    });
    base = await t.app.listen();
    api = apiClient(t);
    admin = await mysqlAdmin();
  });
  afterAll(async () => {
    await admin?.end().catch(() => {});
    await t?.close();
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  it("creates the database and user, the app uses them, tenants are apart, and destroy drops both", async () => {
    const tenants: { id: string; slug: string; host: string; database: string; user: string }[] = [];
    try {
      for (const name of ["Frappe One", "Frappe Two"]) {
        const created = await api.json("POST", "/v1/tenants", {
          name,
          blueprint: { source: blueprint(appDir) },
        });
        const slug = created.tenant.slug as string;
        const active = await api.waitForTenant(slug, "active", WAIT);
        const db = active.resources.find((r: any) => r.key === "database:site-db");
        expect(db).toMatchObject({ kind: "mysql", status: "ready" });
        expect(db.outputs).toMatchObject({ host: "127.0.0.1", port: 3306 });
        expect(db.outputs.database).toMatch(new RegExp(`^frappe_${slug.replace(/-/g, "_")}_[0-9a-f]{8}$`));
        expect(db.outputs.user).toMatch(/^site_db_frappe_[a-z_]+_[0-9a-f]{8}$/);
        expect(db.outputs.user.length).toBeLessThanOrEqual(32);
        // No password in what the API shows.
        expect(JSON.stringify(active)).not.toMatch(/password|mysql:\/\//i);
        const web = active.resources.find((r: any) => r.key === "service:web");
        tenants.push({
          id: created.tenant.id,
          slug,
          host: `${web.name}.tenants.test`,
          database: db.outputs.database,
          user: db.outputs.user,
        });
      }
      expect(tenants[0]!.database).not.toBe(tenants[1]!.database);

      for (const tenant of tenants) {
        for (const visits of [1, 2]) {
          const res = await requestWithHost(base, tenant.host);
          expect(res.status, res.body).toBe(200);
          // Each tenant's app sees its own database, with only its own rows.
          expect(JSON.parse(res.body)).toEqual({
            database: tenant.database,
            visits,
            who: tenant.slug,
            host: "127.0.0.1",
          });
        }
        expect(await count("select count(*) as n from mysql.user where user = ?", tenant.user)).toBe(1);
      }
    } finally {
      for (const tenant of tenants) await api.json("DELETE", `/v1/tenants/${tenant.slug}`);
      for (const tenant of tenants) await api.waitForTenant(tenant.id, "destroyed", WAIT);
    }
    // Verified gone: databases, users, and the registry's rows of them.
    for (const tenant of tenants) {
      expect(
        await count(
          "select count(*) as n from information_schema.schemata where schema_name = ?",
          tenant.database,
        ),
      ).toBe(0);
      expect(await count("select count(*) as n from mysql.user where user = ?", tenant.user)).toBe(0);
      expect(
        await count("select count(*) as n from `_tenantry`.`owners` where name = ?", tenant.database),
      ).toBe(0);
      expect(await count("select count(*) as n from `_tenantry`.`owners` where name = ?", tenant.user)).toBe(
        0,
      );
    }
  });
});
