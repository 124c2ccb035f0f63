import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MysqlSpec } from "../src/domain/resources.js";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { createLocalProvider } from "../src/providers/local/local-provider.js";
import { createMysqlDriver, nativePasswordHash } from "../src/providers/local/mysql-driver.js";
import { grantPattern, localMysqlNames, type MysqlNames } from "../src/providers/local/mysql-names.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type DesiredResource,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../src/providers/provider.js";
import {
  dropMysqlObjects,
  mysqlAdmin,
  mysqlOptions,
  mysqlReachable,
  TEST_MYSQL_URL,
} from "./support/mysql.js";
import { expectNameTaken, rejection } from "./support/ownership.js";

/**
 * The local target's MySQL/MariaDB driver against the machine's server (TENANTRY_TEST_MYSQL_URL,
 * default mysql://root@127.0.0.1:3306): create, what the tenant's user can and cannot do,
 * adopt, update, ownership refusals and verified delete.
 */

type Tenant = ProviderContext["tenant"];

const reachable = await mysqlReachable("local-mysql-driver");
// Every tenant slug of this file carries a random suffix (so parallel runs never clash).
const sfx = randomBytes(3).toString("hex");
const logger = pino({ level: "silent" });
const INSTALLATION = "test-installation";

let admin: mysql.Connection;
let driver: ReturnType<typeof createMysqlDriver>;
const tracked: MysqlNames[] = [];
const drivers: { close(): Promise<void> }[] = [];

function tenant(slug: string): Tenant {
  return { id: randomUUID(), slug, name: slug, organizationId: randomUUID() };
}

function ctxFor(t: Tenant, signal = new AbortController().signal): ProviderContext {
  return providerContext({ tenant: t, installationId: INSTALLATION, signal, logger });
}

function markerOf(t: Tenant, installationId = INSTALLATION): string {
  return ownerMarkerText(ownerMarker({ installationId, tenant: t }));
}

function resource(spec: Partial<MysqlSpec> = {}, name = "site-db"): RecordedResource<"mysql"> {
  return {
    key: `database:${name}`,
    kind: "mysql",
    externalName: `${name}-x`,
    dependsOn: [],
    spec: { name, engine: "mariadb", ...spec },
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
}

/** The names the driver will use, remembered for cleanup. */
function track(res: RecordedResource<"mysql">, t: Tenant): MysqlNames {
  const names = localMysqlNames(res, t);
  tracked.push(names);
  return names;
}

function found(observation: Observation): Observed {
  if (observation.state === "absent") throw new Error("expected observe to find the database");
  return observation;
}

async function rows<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const [result] = await admin.query(sql, values);
  return result as T[];
}
const dbCount = async (name: string) =>
  Number(
    (
      await rows<{ n: number }>(
        "select count(*) as n from information_schema.schemata where schema_name = ?",
        [name],
      )
    )[0]?.n,
  );
const userCount = async (name: string) =>
  Number((await rows<{ n: number }>("select count(*) as n from mysql.user where user = ?", [name]))[0]?.n);
async function markers(names: MysqlNames): Promise<{ database: string | null; user: string | null }> {
  const found = await rows<{ kind: string; marker: string }>(
    "select kind, marker from `_tenantry`.`owners` where (kind = 'database' and name = ?) or (kind = 'user' and name = ?)",
    [names.database, names.user],
  );
  return {
    database: found.find((r) => r.kind === "database")?.marker ?? null,
    user: found.find((r) => r.kind === "user")?.marker ?? null,
  };
}

/** A connection as the tenant's user (its connection string's parts), optionally to a database. */
async function connectAs(names: MysqlNames, password: string, database?: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection(mysqlOptions({ user: names.user, password, database }));
  conn.on("error", () => {});
  return conn;
}

beforeAll(async () => {
  if (!reachable) return;
  admin = await mysqlAdmin();
  driver = createMysqlDriver({ serverUrl: TEST_MYSQL_URL, logger });
});

afterAll(async () => {
  for (const d of drivers) await d.close().catch(() => {});
  await driver?.close();
  await admin?.end().catch(() => {});
  // Whatever this file created, even when a test failed half-way.
  if (reachable) await dropMysqlObjects(tracked);
});

describe("localMysqlNames", () => {
  const t = { id: "6f1c2a9e-0000-4000-8000-000000000001", slug: "acme" };
  const res = (spec: Partial<MysqlSpec>): DesiredResource<"mysql"> => ({
    key: `database:${String(spec.name)}`,
    kind: "mysql",
    externalName: "x",
    dependsOn: [],
    spec: { engine: "mariadb", ...spec } as MysqlSpec,
  });

  it("is deterministic, <base>_<slug>_<hash>, and honours databaseName and user", () => {
    const a = localMysqlNames(res({ name: "site-db" }), t);
    expect(localMysqlNames(res({ name: "site-db" }), { ...t })).toEqual(a);
    expect(a.database).toMatch(/^site_db_acme_[0-9a-f]{8}$/);
    expect(a.user).toBe(a.database);
    const b = localMysqlNames(res({ name: "site-db", databaseName: "frappe", user: "frappe_app" }), t);
    expect(b.database).toMatch(/^frappe_acme_[0-9a-f]{8}$/);
    expect(b.user).toMatch(/^frappe_app_acme_[0-9a-f]{8}$/);
  });

  it("differs across organizations with the same slug and across databases of one tenant", () => {
    const a = localMysqlNames(res({ name: "db" }), t);
    const other = localMysqlNames(res({ name: "db" }), {
      id: "6f1c2a9e-0000-4000-8000-000000000002",
      slug: "acme",
    });
    expect(other.database).not.toBe(a.database);
    expect(other.user).not.toBe(a.user);
    const one = localMysqlNames(res({ name: "one", user: "app" }), t);
    const two = localMysqlNames(res({ name: "two", user: "app" }), t);
    expect(one.user).not.toBe(two.user);
  });

  it("keeps users to 32 and databases to 64 characters of [a-z0-9_], keeping the hash", () => {
    const long = "A-very-Long-database-Name-".repeat(4);
    const slug = "an-extremely-long-tenant-slug-that-goes-on-and-on";
    const a = localMysqlNames(res({ name: long }), { id: "t1", slug });
    const b = localMysqlNames(res({ name: `${long}x` }), { id: "t1", slug });
    expect(a.user.length).toBeLessThanOrEqual(32);
    expect(a.database.length).toBeLessThanOrEqual(64);
    for (const n of [a.database, a.user, b.database, b.user])
      expect(n).toMatch(/^[a-z][a-z0-9_]*_[0-9a-f]{8}$/);
    expect(a.user).not.toBe(b.user);
    expect(localMysqlNames(res({ name: "9db" }), t).database).toMatch(/^t_9db_acme_/);
  });

  it("refuses a resource without a name, and escapes grant wildcards", () => {
    expect(() => localMysqlNames(res({ name: "" }), t)).toThrow(ProviderError);
    expect(grantPattern("main_acme_1a2b")).toBe("main\\_acme\\_1a2b");
  });
});

describe.skipIf(!reachable)("local mysql driver", () => {
  it("create makes a database and a user that can connect and write, with outputs and markers", async () => {
    const t = tenant(`create-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const result = await driver.apply(ctxFor(t), res);
    if (result.state !== "done") throw new Error("expected done");
    expect(result.providerId).toBe(names.database);
    const server = new URL(TEST_MYSQL_URL);
    const port = Number(server.port || 3306);
    expect(result.outputs).toEqual({
      host: server.hostname,
      port,
      database: names.database,
      user: names.user,
    });
    const password = result.secretOutputs?.["password"];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(result.outputs)).not.toContain(password!);
    expect(result.secretOutputs?.["connectionString"]).toBe(
      `mysql://${names.user}:${password}@${server.hostname}:${port}/${names.database}`,
    );

    // MariaDB was given the hash, never the password.
    const [user] = await rows<{ authentication_string: string; plugin: string }>(
      "select authentication_string, plugin from mysql.user where user = ? and host = '%'",
      [names.user],
    );
    expect(user?.authentication_string).toBe(nativePasswordHash(password!));
    const [schema] = await rows<{ charset: string; collation: string }>(
      "select default_character_set_name as charset, default_collation_name as collation from information_schema.schemata where schema_name = ?",
      [names.database],
    );
    expect(schema).toEqual({ charset: "utf8mb4", collation: "utf8mb4_unicode_ci" });
    expect(await markers(names)).toEqual({ database: markerOf(t), user: markerOf(t) });

    // The connection string works, for writing too.
    const conn = await mysql.createConnection(result.secretOutputs!["connectionString"]!);
    try {
      await conn.query("create table notes (id int primary key, body text)");
      await conn.query("insert into notes values (1, 'hello')");
      const [got] = await conn.query("select database() as db, body from notes");
      expect(got).toEqual([{ db: names.database, body: "hello" }]);
    } finally {
      await conn.end();
    }
    // Its grants: USAGE, and ALL on its own database only.
    const [grants] = await admin.query(`show grants for ${mysql.escape(names.user)}@'%'`);
    const lines = (grants as Record<string, string>[]).map((g) => Object.values(g)[0]);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      `GRANT ALL PRIVILEGES ON \`${grantPattern(names.database)}\`.* TO \`${names.user}\`@\`%\``,
    );
  });

  it("isolation: one tenant's user cannot read or change another tenant's database, nor the registry", async () => {
    // Same slug, different organizations: the names still differ.
    const a = tenant(`iso-${sfx}`);
    const b = tenant(`iso-${sfx}`);
    const res = resource();
    const na = track(res, a);
    const nb = track(res, b);
    expect(nb.database).not.toBe(na.database);
    const ra = await driver.apply(ctxFor(a), res);
    const rb = await driver.apply(ctxFor(b), res);
    if (ra.state !== "done" || rb.state !== "done") throw new Error("expected done");
    const ownA = await connectAs(na, ra.secretOutputs!["password"]!, na.database);
    await ownA.query("create table secrets (v text)");
    await ownA.query("insert into secrets values ('a-only')");
    await ownA.end();

    // B cannot connect to A's database...
    const denied = await rejection(connectAs(nb, rb.secretOutputs!["password"]!, na.database));
    expect((denied as { code?: string }).code).toBe("ER_DBACCESS_DENIED_ERROR");
    // ...nor read or write it from its own, nor see it, nor reach the registry or mysql.*.
    const ownB = await connectAs(nb, rb.secretOutputs!["password"]!, nb.database);
    try {
      for (const sql of [
        `select * from \`${na.database}\`.secrets`,
        `insert into \`${na.database}\`.secrets values ('b')`,
        `drop database \`${na.database}\``,
        "select * from `_tenantry`.`owners`",
        "select * from mysql.user",
      ]) {
        const err = await rejection(ownB.query(sql));
        expect((err as { code?: string }).code, sql).toMatch(/^ER_(DBACCESS|TABLEACCESS)_DENIED_ERROR$/);
      }
      const [dbs] = await ownB.query("show databases");
      const visible = (dbs as { Database: string }[]).map((d) => d.Database);
      expect(visible).toContain(nb.database);
      expect(visible).not.toContain(na.database);
      expect(visible).not.toContain("_tenantry");
    } finally {
      await ownB.end();
    }
    // A's data is untouched.
    expect(await rows(`select v from \`${na.database}\`.secrets`)).toEqual([{ v: "a-only" }]);
  });

  it("observe: absent before, ready after (no password in it)", async () => {
    const t = tenant(`observe-${sfx}`);
    const res = resource();
    const names = track(res, t);
    expect(await driver.observe(ctxFor(t), res)).toEqual(ABSENT);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const observed = found(await driver.observe(ctxFor(t), { ...res, providerId: names.database }));
    expect(observed).toEqual({ state: "ready", providerId: names.database, outputs: created.outputs });
    expect(JSON.stringify(observed)).not.toContain(created.secretOutputs!["password"]!);
  });

  it("update is idempotent: it keeps the password and re-grants what was revoked", async () => {
    const t = tenant(`update-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const recorded = { ...res, providerId: names.database, secretOutputs: created.secretOutputs! };
    const again = await driver.apply(ctxFor(t), recorded);
    expect(again).toEqual({
      state: "done",
      providerId: names.database,
      outputs: created.outputs,
      secretOutputs: created.secretOutputs,
    });
    await admin.query(
      `revoke all privileges on \`${grantPattern(names.database)}\`.* from ${mysql.escape(names.user)}@'%'`,
    );
    expect(found(await driver.observe(ctxFor(t), recorded))).toMatchObject({
      state: "diverged",
      detail: expect.stringMatching(/does not hold all privileges/),
    });
    expect(await driver.apply(ctxFor(t), recorded)).toEqual(again);
    expect((await driver.observe(ctxFor(t), recorded)).state).toBe("ready");
    const conn = await connectAs(names, created.secretOutputs!["password"]!, names.database);
    await conn.query("create table t (id int)");
    await conn.end();
    expect(await dbCount(names.database)).toBe(1);
    expect(await userCount(names.user)).toBe(1);
  });

  it("adopts what a lost create made: one database and user, the new password set", async () => {
    const t = tenant(`adopt-${sfx}`);
    const res = resource();
    const names = track(res, t);
    // The first create's answer never reached the engine (providerId stays null).
    const first = await driver.apply(ctxFor(t), res);
    if (first.state !== "done") throw new Error("expected done");
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("ready");
    const second = await driver.apply(ctxFor(t), res, observed);
    if (second.state !== "done") throw new Error("expected done");
    expect(second.providerId).toBe(first.providerId);
    expect(second.secretOutputs!["password"]).not.toBe(first.secretOutputs!["password"]);
    expect(await dbCount(names.database)).toBe(1);
    expect(await userCount(names.user)).toBe(1);
    const old = await rejection(connectAs(names, first.secretOutputs!["password"]!));
    expect((old as { code?: string }).code).toBe("ER_ACCESS_DENIED_ERROR");
    const conn = await connectAs(names, second.secretOutputs!["password"]!, names.database);
    await conn.end();
  });

  it("a half-made database (its user only, marked) observes as diverged, and apply completes it", async () => {
    const t = tenant(`half-${sfx}`);
    const res = resource();
    const names = track(res, t);
    await admin.query("insert into `_tenantry`.`owners` (kind, name, marker) values ('user', ?, ?)", [
      names.user,
      markerOf(t),
    ]);
    await admin.query(`create user ${mysql.escape(names.user)}@'%'`);
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed).toMatchObject({ state: "diverged", detail: expect.stringMatching(/does not exist/) });
    const done = await driver.apply(ctxFor(t), res, observed);
    if (done.state !== "done") throw new Error("expected done");
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
    expect(await markers(names)).toEqual({ database: markerOf(t), user: markerOf(t) });
    const conn = await connectAs(names, done.secretOutputs!["password"]!, names.database);
    await conn.end();
  });

  it("a database made by hand under the tenant's name is never adopted, changed or dropped", async () => {
    const t = tenant(`byhand-${sfx}`);
    const res = resource();
    const names = track(res, t);
    await admin.query(`create database \`${names.database}\``);
    await admin.query(`create table \`${names.database}\`.keep (id int)`);
    await expectNameTaken(driver.observe(ctxFor(t), res), names.database);
    await expectNameTaken(driver.apply(ctxFor(t), res), names.database);
    await expectNameTaken(
      driver.apply(ctxFor(t), res, { state: "ready", providerId: names.database }),
      names.database,
    );
    await expectNameTaken(
      driver.apply(ctxFor(t), { ...res, providerId: "another_database" }),
      names.database,
    );
    expect(await userCount(names.user)).toBe(0);
    expect(await markers(names)).toEqual({ database: null, user: null });
    const deleted = await driver.delete(ctxFor(t), res);
    expect(deleted.state).toBe("done");
    if (deleted.state === "done") expect(deleted.detail).toContain(names.database);
    expect(await dbCount(names.database)).toBe(1);
    expect(await rows(`select * from \`${names.database}\`.keep`)).toEqual([]);
  });

  it("a user marked for another tenant or installation is refused, even when the record names it", async () => {
    const t = tenant(`foreign-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const someoneElse = markerOf(tenant(`foreign-${sfx}`));
    await admin.query("insert into `_tenantry`.`owners` (kind, name, marker) values ('user', ?, ?)", [
      names.user,
      someoneElse,
    ]);
    await admin.query(`create user ${mysql.escape(names.user)}@'%'`);
    const recorded = { ...res, providerId: names.database };
    await expectNameTaken(driver.observe(ctxFor(t), recorded), names.user);
    await expectNameTaken(
      driver.apply(ctxFor(t), recorded, { state: "diverged", providerId: names.database }),
      names.user,
    );
    await expectNameTaken(driver.apply(ctxFor(t), recorded), names.user);
    expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
    expect(await userCount(names.user)).toBe(1);
    expect(await dbCount(names.database)).toBe(0);
    expect(await markers(names)).toEqual({ database: null, user: someoneElse });

    // A copy of the tenant under another installation does not own the tenant's objects.
    const mine = tenant(`inst-${sfx}`);
    const minesNames = track(res, mine);
    expect((await driver.apply(ctxFor(mine), res)).state).toBe("done");
    const other = providerContext({ tenant: mine, installationId: "another-installation", logger });
    await expectNameTaken(driver.observe(other, res), minesNames.database);
  });

  it("delete drops the database and user with a session open, verifies, forgets the markers, and is idempotent", async () => {
    const t = tenant(`delete-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const conn = await connectAs(names, created.secretOutputs!["password"]!, names.database);
    await conn.query("create table busy (id int)");
    await conn.beginTransaction();
    await conn.query("insert into busy values (1)");
    try {
      const recorded = { ...res, providerId: names.database };
      expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.database });
      expect(await dbCount(names.database)).toBe(0);
      expect(await userCount(names.user)).toBe(0);
      expect(await markers(names)).toEqual({ database: null, user: null });
      expect(await driver.observe(ctxFor(t), recorded)).toEqual(ABSENT);
      expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
      // Its session was ended.
      await expect(conn.query("select 1")).rejects.toThrow();
    } finally {
      conn.destroy();
    }
  });

  it("an aborted signal is the engine's AbortedError, before touching the server", async () => {
    const t = tenant(`abort-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const controller = new AbortController();
    controller.abort(new Error("lease lost"));
    for (const call of [
      () => driver.apply(ctxFor(t, controller.signal), res),
      () => driver.observe(ctxFor(t, controller.signal), res),
      () => driver.delete(ctxFor(t, controller.signal), res),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(AbortedError);
    }
    expect(await dbCount(names.database)).toBe(0);
    expect(await userCount(names.user)).toBe(0);
  });

  it("aborting a drop blocked on a lock returns at once and kills the blocked statement", async () => {
    const t = tenant(`hang-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    // An admin session (not the tenant's: those are ended) holds a lock on a table of it.
    await admin.query(`create table \`${names.database}\`.held (id int)`);
    const blocker = await mysqlAdmin();
    const blocked = async () =>
      (
        await rows<{ n: number }>(
          "select count(*) as n from information_schema.processlist where info like ? and command = 'Query'",
          [`drop database if exists \`${names.database}\`%`],
        )
      )[0]?.n ?? 0;
    try {
      await blocker.beginTransaction();
      await blocker.query(`select * from \`${names.database}\`.held for update`);
      const controller = new AbortController();
      const call = rejection(
        driver.delete(ctxFor(t, controller.signal), { ...res, providerId: names.database }),
      );
      for (let i = 0; i < 100 && Number(await blocked()) === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(Number(await blocked())).toBe(1);
      const started = Date.now();
      controller.abort(new Error("lease lost"));
      const err = await call;
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(err).toBeInstanceOf(AbortedError);
      for (let i = 0; i < 40 && Number(await blocked()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(Number(await blocked())).toBe(0);
    } finally {
      await blocker.rollback().catch(() => {});
      await blocker.end();
    }
    // The user went first; the next delete finishes the database and verifies.
    expect((await driver.delete(ctxFor(t), { ...res, providerId: names.database })).state).toBe("done");
    expect(await dbCount(names.database)).toBe(0);
    expect(await userCount(names.user)).toBe(0);
  });

  it("an unreachable server is a retryable error; bad credentials a permanent one", async () => {
    const down = createMysqlDriver({ serverUrl: "mysql://root@127.0.0.1:1", logger });
    drivers.push(down);
    const t = tenant(`down-${sfx}`);
    const err = await rejection(down.observe(ctxFor(t), resource()));
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
    const u = new URL(TEST_MYSQL_URL);
    u.username = `nobody_${sfx}`;
    u.password = "wrong";
    const refused = createMysqlDriver({ serverUrl: u.toString(), logger });
    drivers.push(refused);
    // A busy shared server may first answer something transient (too many connections):
    // ask again until it answers the login itself, which must be a permanent error.
    let denied: unknown;
    const deadline = Date.now() + 20_000;
    for (;;) {
      denied = await rejection(refused.observe(ctxFor(t), resource()));
      expect(denied).toBeInstanceOf(ProviderError);
      const message = (denied as ProviderError).message;
      if (!(denied as ProviderError).retryable || Date.now() > deadline) break;
      expect(message, "bad credentials reported as retryable").not.toMatch(/ER_ACCESS_DENIED/);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((denied as ProviderError).retryable, (denied as ProviderError).message).toBe(false);
    expect((denied as ProviderError).message).toMatch(/TENANTRY_LOCAL_MYSQL_URL/);
    expect((denied as ProviderError).message).not.toMatch(/wrong/);
  });
});

describe("local provider", () => {
  it("serves kind mysql only with TENANTRY_LOCAL_MYSQL_URL, and says what to set without it", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-local-mysql-"));
    const base = {
      postgresUrl: "postgres://x@127.0.0.1:1/x",
      logger,
      dataDir,
      baseDomain: "localhost",
      publicPort: 8080,
    };
    const without = createLocalProvider(base);
    const withMysql = createLocalProvider({ ...base, mysqlUrl: TEST_MYSQL_URL });
    try {
      expect(Object.keys(without.drivers ?? {})).not.toContain("mysql");
      expect(without.capabilities?.kinds["mysql"]).toBeUndefined();
      expect(without.explain?.("mysql")).toMatch(/TENANTRY_LOCAL_MYSQL_URL/);
      expect(Object.keys(withMysql.drivers ?? {})).toContain("mysql");
      expect(withMysql.capabilities?.kinds["mysql"]).toEqual({});
      expect(withMysql.explain?.("mysql")).toBeUndefined();
    } finally {
      await without.close?.();
      await withMysql.close?.();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
