import { createHash, createHmac, pbkdf2Sync, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PostgresSpec } from "../src/domain/resources.js";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { createLocalProvider } from "../src/providers/local/local-provider.js";
import { createPostgresDriver, localDatabaseNames } from "../src/providers/local/postgres-driver.js";
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
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { expectNameTaken, rejection } from "./support/ownership.js";

type Tenant = ProviderContext["tenant"];
type Names = { database: string; user: string };

const runId = inject("runId");
// Every name this file creates contains the run id (so the global teardown drops leftovers)
// and a per-file random suffix (so parallel files never clash).
const sfx = randomBytes(3).toString("hex");
const base = `tenantry_${runId}_main`;
const logger = pino({ level: "silent" });

let testDb: TestDatabase;
let admin: pg.Client;
let driver: ReturnType<typeof createPostgresDriver>;
const tracked: Names[] = [];
const extraRoles: string[] = [];
const drivers: { close(): Promise<void> }[] = [];

function tenant(slug: string): Tenant {
  return { id: randomUUID(), slug, name: slug, organizationId: randomUUID() };
}

const INSTALLATION = "test-installation";

function ctxFor(t: Tenant, signal = new AbortController().signal): ProviderContext {
  return providerContext({ tenant: t, installationId: INSTALLATION, signal, logger });
}

/** The comment the driver puts on a tenant's role and database. */
function markerOf(t: Tenant, installationId = INSTALLATION): string {
  return ownerMarkerText(ownerMarker({ installationId, tenant: t }));
}

async function comments(names: Names): Promise<{ role: string | null; database: string | null }> {
  const { rows } = await admin.query<{ role: string | null; database: string | null }>(
    `select (select shobj_description(oid, 'pg_authid') from pg_roles where rolname = $1) as role,
            (select shobj_description(oid, 'pg_database') from pg_database where datname = $2) as database`,
    [names.user, names.database],
  );
  return rows[0] ?? { role: null, database: null };
}

/** What observe found; fails the test when it found nothing. */
function found(observation: Observation): Observed {
  if (observation.state === "absent") throw new Error("expected observe to find the database");
  return observation;
}

function resource(spec: Partial<PostgresSpec> = {}, name = base): RecordedResource<"postgres"> {
  return {
    key: `database:${name}`,
    kind: "postgres",
    externalName: name,
    dependsOn: [],
    spec: { name, ...spec },
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
}

/** The names the driver will use, remembered for cleanup. */
function track(res: RecordedResource<"postgres">, t: Tenant): Names {
  const names = localDatabaseNames(res, t);
  tracked.push(names);
  return names;
}

function urlAs(user: string, password: string, database: string): string {
  const u = new URL(testDb.adminUrl);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = `/${database}`;
  return u.toString();
}

async function count(sql: string, value: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(sql, [value]);
  return rows[0]?.n ?? -1;
}
const roleCount = (name: string) => count("select count(*)::int as n from pg_roles where rolname = $1", name);
const dbCount = (name: string) =>
  count("select count(*)::int as n from pg_database where datname = $1", name);
const rolesStartingWith = (prefix: string) =>
  count("select count(*)::int as n from pg_roles where starts_with(rolname, $1)", prefix);
const dbsStartingWith = (prefix: string) =>
  count("select count(*)::int as n from pg_database where starts_with(datname, $1)", prefix);

/** Checks `password` against the SCRAM verifier PostgreSQL stored for `role`. */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const { rows } = await admin.query<{ rolpassword: string | null }>(
    "select rolpassword from pg_authid where rolname = $1",
    [role],
  );
  const stored = rows[0]?.rolpassword ?? "";
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
  if (!m) throw new Error(`role ${role} has no SCRAM verifier`);
  const salted = pbkdf2Sync(password, Buffer.from(m[2]!, "base64"), Number(m[1]), 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return createHash("sha256").update(clientKey).digest("base64") === m[3];
}

async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function connectError(connectionString: string): Promise<unknown> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (err) {
    return err;
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = new pg.Client({ connectionString: testDb.adminUrl });
  await admin.connect();
  driver = createPostgresDriver({ serverUrl: testDb.adminUrl, logger });
});

afterAll(async () => {
  // Drop whatever this file created, even when a test failed half-way.
  for (const d of drivers) await d.close().catch(() => {});
  await driver?.close();
  if (admin) {
    for (const { database, user } of tracked) {
      await admin
        .query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`)
        .catch(() => {});
      await admin.query(`drop role if exists ${pg.escapeIdentifier(user)}`).catch(() => {});
    }
    for (const role of extraRoles) {
      await admin.query(`drop role if exists ${pg.escapeIdentifier(role)}`).catch(() => {});
    }
    await admin.end();
  }
  await testDb?.drop();
});

describe("localDatabaseNames", () => {
  const t = { id: "6f1c2a9e-0000-4000-8000-000000000001", slug: "acme" };
  const res = (spec: PostgresSpec): DesiredResource<"postgres"> => ({
    key: `database:${String(spec.name)}`,
    kind: "postgres",
    externalName: "x",
    dependsOn: [],
    spec,
  });

  it("is deterministic and follows <base>_<slug>_<hash>", () => {
    const a = localDatabaseNames(res({ name: "main" }), t);
    expect(localDatabaseNames(res({ name: "main" }), { ...t })).toEqual(a);
    expect(a.database).toMatch(/^main_acme_[0-9a-f]{8}$/);
    expect(a.user).toBe(a.database);
  });

  it("differs for two tenants with the same slug in different organizations", () => {
    const a = localDatabaseNames(res({ name: "main" }), t);
    const b = localDatabaseNames(res({ name: "main" }), {
      id: "6f1c2a9e-0000-4000-8000-000000000002",
      slug: "acme",
    });
    expect(b.database).not.toBe(a.database);
    expect(b.user).not.toBe(a.user);
  });

  it("differs for two databases of one tenant, even sharing a user or names differing only in case", () => {
    const a = localDatabaseNames(res({ name: "one", user: "app" }), t);
    const b = localDatabaseNames(res({ name: "two", user: "app" }), t);
    expect(a.user).not.toBe(b.user);
    const c = localDatabaseNames(res({ name: "Main" }), t);
    const d = localDatabaseNames(res({ name: "main" }), t);
    expect(c.database).not.toBe(d.database);
  });

  it("honours databaseName and user", () => {
    const n = localDatabaseNames(res({ name: "main", databaseName: "orders_db", user: "orders_app" }), t);
    expect(n.database).toMatch(/^orders_db_acme_[0-9a-f]{8}$/);
    expect(n.user).toMatch(/^orders_app_acme_[0-9a-f]{8}$/);
  });

  it("keeps to 63 bytes of [a-z0-9_] for long and odd names, keeping the hash", () => {
    const long = "A-very-Long-database-Name-".repeat(4);
    const slug = "an-extremely-long-tenant-slug-that-goes-on-and-on-and-on";
    const a = localDatabaseNames(res({ name: long }), { id: "t1", slug });
    const b = localDatabaseNames(res({ name: `${long}x` }), { id: "t1", slug });
    for (const n of [a.database, a.user, b.database, b.user]) {
      expect(Buffer.byteLength(n)).toBeLessThanOrEqual(63);
      expect(n).toMatch(/^[a-z][a-z0-9_]*_[0-9a-f]{8}$/);
    }
    expect(a.database).not.toBe(b.database);
    expect(localDatabaseNames(res({ name: long }), { id: "t1", slug })).toEqual(a);
    const odd = localDatabaseNames(res({ name: "9Ü-db.x" }), { id: "t2", slug: "acme" });
    expect(odd.database).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(localDatabaseNames(res({ name: "pg" }), t).user.startsWith("pg_")).toBe(false);
  });

  it("refuses a resource without a name", () => {
    expect(() => localDatabaseNames(res({ name: "" }), t)).toThrow(ProviderError);
    // A spec stored without one (not a valid render, but data can be wrong).
    expect(() => localDatabaseNames(res({} as PostgresSpec), t)).toThrow(ProviderError);
  });
});

describe("local postgres driver", () => {
  it("create makes a role and a database the tenant can use", async () => {
    const t = tenant(`create-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const result = await driver.apply(ctxFor(t), res);
    if (result.state !== "done") throw new Error("expected done");
    expect(result.providerId).toBe(names.database);

    const role = await admin.query(
      "select rolcanlogin, rolsuper, rolcreatedb from pg_roles where rolname = $1",
      [names.user],
    );
    expect(role.rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreatedb: false }]);
    const db = await admin.query(
      "select pg_get_userbyid(datdba) as owner from pg_database where datname = $1",
      [names.database],
    );
    expect(db.rows).toEqual([{ owner: names.user }]);

    const port = Number(new URL(testDb.adminUrl).port || 5432);
    expect(result.outputs).toEqual({
      host: new URL(testDb.adminUrl).hostname,
      port,
      database: names.database,
      user: names.user,
    });
    const password = result.secretOutputs?.["password"];
    const connectionString = result.secretOutputs?.["connectionString"];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.stringify(result.outputs)).not.toContain(password!);
    expect(connectionString).toBe(
      `postgres://${names.user}:${password}@${new URL(testDb.adminUrl).hostname}:${port}/${names.database}`,
    );
    expect(await passwordMatches(names.user, password!)).toBe(true);

    const client = await connect(connectionString!);
    try {
      await client.query("create table notes (id int primary key, body text)");
      await client.query("insert into notes values (1, 'hello')");
      const { rows } = await client.query("select current_user as me, body from notes");
      expect(rows).toEqual([{ me: names.user, body: "hello" }]);
    } finally {
      await client.end();
    }

    const publicConnect = await admin.query(
      "select has_database_privilege('public', $1, 'CONNECT') as p, has_database_privilege($2, $1, 'CONNECT') as o",
      [names.database, names.user],
    );
    expect(publicConnect.rows).toEqual([{ p: false, o: true }]);
  });

  it("another tenant's role cannot connect to this tenant's database", async () => {
    // Same slug, different organizations: the names must still differ.
    const a = tenant(`acme-${sfx}`);
    const b = tenant(`acme-${sfx}`);
    const res = resource();
    const na = track(res, a);
    const nb = track(res, b);
    expect(nb.database).not.toBe(na.database);
    expect(nb.user).not.toBe(na.user);
    const ra = await driver.apply(ctxFor(a), res);
    const rb = await driver.apply(ctxFor(b), res);
    if (ra.state !== "done" || rb.state !== "done") throw new Error("expected done");

    // B can use its own database...
    const own = await connect(rb.secretOutputs!["connectionString"]!);
    await own.end();
    // ...but not A's, even with valid credentials of its own.
    const err = await connectError(urlAs(nb.user, rb.secretOutputs!["password"]!, na.database));
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe("42501");
    expect(String(err)).toMatch(/permission denied for database/);
  });

  it("observe finds a created database, returns absent for a missing one, and never leaks a password", async () => {
    const t = tenant(`observe-${sfx}`);
    const res = resource();
    const names = track(res, t);
    expect(await driver.observe(ctxFor(t), res)).toEqual(ABSENT);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const observed = found(await driver.observe(ctxFor(t), { ...res, providerId: names.database }));
    expect(observed).toEqual({
      state: "ready",
      providerId: names.database,
      outputs: created.outputs,
    });
    expect(observed.secretOutputs).toBeUndefined();
    expect(JSON.stringify(observed)).not.toContain(created.secretOutputs!["password"]!);

    const never = tenant(`never-${sfx}`);
    expect(await driver.observe(ctxFor(never), resource())).toEqual(ABSENT);
  });

  it("a half-created database (role only) observes as diverged, and apply completes it", async () => {
    const t = tenant(`half-${sfx}`);
    const res = resource();
    const names = track(res, t);
    // What a create cut off between its role and its database leaves: the role, with its marker.
    await admin.query(`create role ${pg.escapeIdentifier(names.user)} login`);
    await admin.query(
      `comment on role ${pg.escapeIdentifier(names.user)} is ${pg.escapeLiteral(markerOf(t))}`,
    );

    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("diverged");
    expect(observed.providerId).toBe(names.database);
    expect(observed.detail).toMatch(/does not exist/);

    // The engine applies with what it found.
    const created = await driver.apply(ctxFor(t), res, observed);
    if (created.state !== "done") throw new Error("expected done");
    expect(created.providerId).toBe(names.database);
    expect(await passwordMatches(names.user, created.secretOutputs!["password"]!)).toBe(true);
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
    expect(await comments(names)).toEqual({ role: markerOf(t), database: markerOf(t) });

    const prefix = `${base}_half_${sfx}_`;
    expect(await dbCount(names.database)).toBe(1);
    expect(await dbsStartingWith(prefix)).toBe(1);
    expect(await rolesStartingWith(prefix)).toBe(1);
    const client = await connect(created.secretOutputs!["connectionString"]!);
    await client.end();
  });

  it("a half-created database (database only, with the marker) is completed with its ownership fixed", async () => {
    const t = tenant(`half2-${sfx}`);
    const res = resource();
    const names = track(res, t);
    await admin.query(`create database ${pg.escapeIdentifier(names.database)}`);
    await admin.query(
      `comment on database ${pg.escapeIdentifier(names.database)} is ${pg.escapeLiteral(markerOf(t))}`,
    );

    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("diverged");
    const created = await driver.apply(ctxFor(t), res, observed);
    expect(created.state).toBe("done");
    const db = await admin.query(
      "select pg_get_userbyid(datdba) as owner from pg_database where datname = $1",
      [names.database],
    );
    expect(db.rows).toEqual([{ owner: names.user }]);
    expect(await roleCount(names.user)).toBe(1);
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
  });

  it("create marks the role and the database with the tenant's ownership marker", async () => {
    const t = tenant(`marked-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    expect(created.state).toBe("done");
    expect(markerOf(t)).toBe(`tenantry:${INSTALLATION}/${t.organizationId}/${t.id}`);
    expect(await comments(names)).toEqual({ role: markerOf(t), database: markerOf(t) });
    // Another installation's tenant with the same id (a copied database) does not own them.
    const other = providerContext({ tenant: t, installationId: "another-installation", logger });
    await expectNameTaken(driver.observe(other, res), names.database);
  });

  it("a database made by hand with the tenant's name is never adopted, changed or dropped", async () => {
    const t = tenant(`byhand-${sfx}`);
    const res = resource();
    const names = track(res, t);
    await admin.query(`create database ${pg.escapeIdentifier(names.database)}`);
    const owner = async () =>
      (
        await admin.query<{ owner: string }>(
          "select pg_get_userbyid(datdba) as owner from pg_database where datname = $1",
          [names.database],
        )
      ).rows;
    const before = await owner();
    expect(before).toHaveLength(1);

    // The resource is `creating` with no provider id: only its name ties it to the tenant.
    await expectNameTaken(driver.observe(ctxFor(t), res), names.database);
    await expectNameTaken(
      driver.apply(ctxFor(t), res, { state: "ready", providerId: names.database }),
      names.database,
    );
    await expectNameTaken(driver.apply(ctxFor(t), res), names.database);
    // An update of a record that names another database does not make this one the tenant's.
    await expectNameTaken(
      driver.apply(ctxFor(t), { ...res, providerId: "another_database" }),
      names.database,
    );
    expect(await owner()).toEqual(before);
    expect(await comments(names)).toEqual({ role: null, database: null });
    expect(await roleCount(names.user)).toBe(0);

    // Deleting the tenant's resource leaves it: it was never the tenant's.
    const deleted = await driver.delete(ctxFor(t), res);
    expect(deleted.state).toBe("done");
    if (deleted.state === "done") expect(deleted.detail).toContain(names.database);
    expect(await dbCount(names.database)).toBe(1);
    expect(await owner()).toEqual(before);
  });

  it("a role and database marked for another tenant are refused even when the record names them", async () => {
    const t = tenant(`foreign-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const someoneElse = markerOf(tenant(`foreign-${sfx}`));
    await admin.query(`create role ${pg.escapeIdentifier(names.user)} login`);
    await admin.query(
      `comment on role ${pg.escapeIdentifier(names.user)} is ${pg.escapeLiteral(someoneElse)}`,
    );
    const recorded = { ...res, providerId: names.database };
    await expectNameTaken(driver.observe(ctxFor(t), recorded), names.user);
    // Neither taken over (adopted or completed) nor updated.
    await expectNameTaken(
      driver.apply(ctxFor(t), recorded, { state: "diverged", providerId: names.database }),
      names.user,
    );
    await expectNameTaken(driver.apply(ctxFor(t), recorded), names.user);
    expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
    expect(await roleCount(names.user)).toBe(1);
    expect(await comments(names)).toEqual({ role: someoneElse, database: null });
  });

  it("objects made before ownership markers are the tenant's by its record, and get the marker", async () => {
    const t = tenant(`legacy-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    // As an older Tenantry left them: no comments.
    await admin.query(`comment on role ${pg.escapeIdentifier(names.user)} is null`);
    await admin.query(`comment on database ${pg.escapeIdentifier(names.database)} is null`);

    // By name only (no provider id recorded): not provably the tenant's.
    await expectNameTaken(driver.observe(ctxFor(t), res), names.database);
    // The record says the tenant created them: update re-asserts and marks them.
    const recorded = { ...res, providerId: names.database, secretOutputs: created.secretOutputs! };
    expect((await driver.observe(ctxFor(t), recorded)).state).toBe("ready");
    expect((await driver.apply(ctxFor(t), recorded)).state).toBe("done");
    expect(await comments(names)).toEqual({ role: markerOf(t), database: markerOf(t) });
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
    expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
    expect(await dbCount(names.database)).toBe(0);
    expect(await roleCount(names.user)).toBe(0);
  });

  it("create twice (a retry) leaves one role and one database, and the latest password is set", async () => {
    const t = tenant(`retry-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const first = await driver.apply(ctxFor(t), res);
    const second = await driver.apply(ctxFor(t), res);
    if (first.state !== "done" || second.state !== "done") throw new Error("expected done");
    expect(second.providerId).toBe(first.providerId);
    expect(second.secretOutputs!["password"]).not.toBe(first.secretOutputs!["password"]);

    const prefix = `${base}_retry_${sfx}_`;
    expect(await dbsStartingWith(prefix)).toBe(1);
    expect(await rolesStartingWith(prefix)).toBe(1);
    expect(await passwordMatches(names.user, second.secretOutputs!["password"]!)).toBe(true);
    expect(await passwordMatches(names.user, first.secretOutputs!["password"]!)).toBe(false);
    const client = await connect(second.secretOutputs!["connectionString"]!);
    const { rows } = await client.query("select current_database() as db");
    expect(rows).toEqual([{ db: names.database }]);
    await client.end();
  });

  it("update re-asserts privileges and passes the secret outputs back unchanged", async () => {
    const t = tenant(`update-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    await admin.query(`grant connect on database ${pg.escapeIdentifier(names.database)} to public`);

    const recorded = { ...res, providerId: names.database, secretOutputs: created.secretOutputs! };
    const updated = await driver.apply(ctxFor(t), recorded);
    expect(updated).toEqual({
      state: "done",
      providerId: names.database,
      outputs: created.outputs,
      secretOutputs: created.secretOutputs,
    });
    expect(await passwordMatches(names.user, created.secretOutputs!["password"]!)).toBe(true);
    const { rows } = await admin.query("select has_database_privilege('public', $1, 'CONNECT') as p", [
      names.database,
    ]);
    expect(rows).toEqual([{ p: false }]);
  });

  it("delete drops the database while a client is connected, verifies it, and is idempotent", async () => {
    const t = tenant(`delete-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await driver.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const client = await connect(created.secretOutputs!["connectionString"]!);
    await client.query("select 1");
    try {
      const recorded = { ...res, providerId: names.database };
      expect(await driver.delete(ctxFor(t), recorded)).toEqual({ state: "done", providerId: names.database });
      expect(await dbCount(names.database)).toBe(0);
      expect(await roleCount(names.user)).toBe(0);
      expect(await driver.observe(ctxFor(t), recorded)).toEqual(ABSENT);
      expect((await driver.delete(ctxFor(t), recorded)).state).toBe("done");
      await expect(client.query("select 1")).rejects.toThrow();
    } finally {
      await client.end().catch(() => {});
    }
  });

  it("an aborted signal is the engine's AbortedError, not a provider failure, before touching the server", async () => {
    const t = tenant(`abort-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const controller = new AbortController();
    controller.abort(new Error("lease lost"));
    for (const call of [
      () => driver.apply(ctxFor(t, controller.signal), res),
      () => driver.observe(ctxFor(t, controller.signal), res),
      () => driver.apply(ctxFor(t, controller.signal), { ...res, providerId: names.database }),
      () => driver.delete(ctxFor(t, controller.signal), res),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(AbortedError);
      expect(err).not.toBeInstanceOf(ProviderError);
    }
    expect(await roleCount(names.user)).toBe(0);
    expect(await dbCount(names.database)).toBe(0);
  });

  it("aborting a create blocked on a lock returns at once and cancels the blocked query", async () => {
    const t = tenant(`hang-${sfx}`);
    const res = resource();
    const names = track(res, t);
    // Another transaction renames a scratch database to the tenant's database name and
    // stays open: CREATE DATABASE then waits on pg_database's unique index for it.
    const scratch = `tenantry_${runId}_scratch_${sfx}`;
    tracked.push({ database: scratch, user: `tenantry_${runId}_none_${sfx}` });
    await admin.query(`create database ${pg.escapeIdentifier(scratch)}`);
    const blocker = await connect(testDb.adminUrl);
    const blocked = async () =>
      (
        await admin.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where application_name = 'tenantry-local-postgres' and state = 'active'
              and starts_with(query, $1)`,
          [`create database ${pg.escapeIdentifier(names.database)}`],
        )
      ).rows[0]?.n ?? 0;
    try {
      await blocker.query("begin");
      await blocker.query(
        `alter database ${pg.escapeIdentifier(scratch)} rename to ${pg.escapeIdentifier(names.database)}`,
      );
      const controller = new AbortController();
      const call = rejection(driver.apply(ctxFor(t, controller.signal), res));
      // Wait until the driver's CREATE DATABASE really waits for the lock.
      for (let i = 0; i < 100 && (await blocked()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await blocked()).toBe(1);
      const started = Date.now();
      controller.abort(new Error("lease lost"));
      // Before the fix the call only returned once the blocker gave up: give up for it after 5 s.
      const timer = setTimeout(() => void blocker.query("rollback").catch(() => {}), 5_000);
      const err = await call;
      clearTimeout(timer);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(err).toBeInstanceOf(AbortedError);
      // The server is no longer running it.
      for (let i = 0; i < 20 && (await blocked()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await blocked()).toBe(0);
    } finally {
      await blocker.query("rollback").catch(() => {});
      await blocker.end();
      await admin.query(`drop database if exists ${pg.escapeIdentifier(scratch)}`);
    }
    // What the aborted create left (its role) is diverged; the next apply completes it.
    expect(await dbCount(names.database)).toBe(0);
    const observed = found(await driver.observe(ctxFor(t), res));
    expect(observed.state).toBe("diverged");
    expect((await driver.apply(ctxFor(t), res, observed)).state).toBe("done");
    expect((await driver.observe(ctxFor(t), res)).state).toBe("ready");
  });

  it("works with a non-superuser server user that has CREATEDB and CREATEROLE", async () => {
    const adminRole = `tenantry_${runId}_adm_${sfx}`;
    const adminPassword = randomBytes(12).toString("hex");
    extraRoles.push(adminRole);
    await admin.query(
      `create role ${pg.escapeIdentifier(adminRole)} login createdb createrole password ${pg.escapeLiteral(adminPassword)}`,
    );
    const limited = createPostgresDriver({ serverUrl: urlAs(adminRole, adminPassword, "postgres"), logger });
    drivers.push(limited);

    const t = tenant(`limited-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const created = await limited.apply(ctxFor(t), res);
    if (created.state !== "done") throw new Error("expected done");
    const client = await connect(created.secretOutputs!["connectionString"]!);
    await client.query("create table t (id int)");
    await client.end();
    expect((await limited.observe(ctxFor(t), res)).state).toBe("ready");
    expect((await limited.delete(ctxFor(t), res)).state).toBe("done");
    expect(await dbCount(names.database)).toBe(0);
    expect(await roleCount(names.user)).toBe(0);
  });

  it("a server user without privileges yields a non-retryable error that says what to fix", async () => {
    const weakRole = `tenantry_${runId}_weak_${sfx}`;
    const weakPassword = randomBytes(12).toString("hex");
    extraRoles.push(weakRole);
    await admin.query(
      `create role ${pg.escapeIdentifier(weakRole)} login password ${pg.escapeLiteral(weakPassword)}`,
    );
    const weak = createPostgresDriver({ serverUrl: urlAs(weakRole, weakPassword, "postgres"), logger });
    drivers.push(weak);

    const t = tenant(`weak-${sfx}`);
    const res = resource();
    const names = track(res, t);
    const err = await weak.apply(ctxFor(t), res).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toMatch(/CREATEDB and CREATEROLE/);
    expect(await roleCount(names.user)).toBe(0);
    expect(await dbCount(names.database)).toBe(0);
  });

  it("an unreachable server is a retryable error", async () => {
    const u = new URL(testDb.adminUrl);
    u.port = "1"; // nothing listens on port 1
    const down = createPostgresDriver({ serverUrl: u.toString(), logger });
    drivers.push(down);
    const t = tenant(`down-${sfx}`);
    const err = await down.observe(ctxFor(t), resource()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
  });
});

describe("local provider", () => {
  it("exposes the postgres driver (and Key Value when configured) under the name local", async () => {
    const providerDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-local-provider-"));
    const provider = createLocalProvider({
      postgresUrl: testDb.adminUrl,
      logger,
      dataDir: providerDir,
      baseDomain: "localhost",
      publicPort: 8080,
    });
    try {
      expect(provider.name).toBe("local");
      // Key Value needs TENANTRY_LOCAL_REDIS_URL or redis-server on the PATH.
      expect(Object.keys(provider.drivers ?? {})).toContain("postgres");
      const withRedis = createLocalProvider({
        postgresUrl: testDb.adminUrl,
        logger,
        dataDir: providerDir,
        baseDomain: "localhost",
        publicPort: 8080,
        redisUrl: "redis://127.0.0.1:6379",
      });
      expect(Object.keys(withRedis.drivers ?? {}).sort()).toEqual([
        "cron",
        "envgroup",
        "keyvalue",
        "postgres",
        "pserv",
        "web",
        "worker",
      ]);
      await withRedis.close?.();
      const t = tenant(`provider-${sfx}`);
      expect(await provider.drivers?.postgres?.observe(ctxFor(t), resource())).toEqual(ABSENT);
    } finally {
      await provider.close?.();
    }
  });
});
