import { createHash, randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import type { Logger } from "pino";
import { AbortedError } from "../../engine/aborted.js";
import { isOwnerMarkerText, nameTaken, ownerMarker, ownerMarkerText } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { grantPattern, localMysqlNames, type MysqlNames } from "./mysql-names.js";
import { bounded, within } from "./waits.js";

/** What `explain("mysql")` says when the local target has no MySQL/MariaDB server. */
export const MYSQL_SETUP_HINT =
  "set TENANTRY_LOCAL_MYSQL_URL to a MySQL 8 or MariaDB 10.5+ server whose user may create databases and users (for example mysql://root@127.0.0.1:3306)";

/**
 * The schema on the server where the driver records whose each database and user is (see
 * {@link createMysqlDriver}). Tenant names always start with a letter, so no tenant
 * database is ever called this, and no tenant user is granted anything on it.
 */
export const REGISTRY_SCHEMA = "_tenantry";
/** `<REGISTRY_SCHEMA>.owners`: one row per database and per user, with its owner's marker. */
export const REGISTRY_TABLE = "owners";
const REGISTRY = `\`${REGISTRY_SCHEMA}\`.\`${REGISTRY_TABLE}\``;

/** The character set and collation of tenant databases (what Frappe and most apps want). */
const CHARSET = "utf8mb4";
const COLLATION = "utf8mb4_unicode_ci";

/** How long opening a connection may take (less when the call's deadline is sooner). */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a statement cancelled because its call was aborted gets to end (`KILL QUERY`
 * reaches a statement waiting on a lock at once) before its connection is closed anyway.
 */
const CANCEL_GRACE_MS = 1_000;
/** How long a connection's orderly close (COM_QUIT) may take before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/** The privileges of `ALL PRIVILEGES` on a database whose presence `mysql.db` shows. */
const GRANTED_PRIVILEGES = [
  "Select_priv",
  "Insert_priv",
  "Update_priv",
  "Delete_priv",
  "Create_priv",
  "Drop_priv",
  "Index_priv",
  "Alter_priv",
];

/**
 * Server error codes that a retry cannot fix: the setup or the input must change. The
 * rest (connection refused or lost, lock wait timeouts, deadlocks, too many connections)
 * are transient.
 */
const PERMANENT_CODES: Record<string, string> = {
  ER_ACCESS_DENIED_ERROR:
    "access denied: check the user and password in TENANTRY_LOCAL_MYSQL_URL (and that the server lets it in from this host)",
  ER_DBACCESS_DENIED_ERROR: "insufficient privilege",
  ER_TABLEACCESS_DENIED_ERROR: "insufficient privilege",
  ER_COLUMNACCESS_DENIED_ERROR: "insufficient privilege",
  ER_SPECIFIC_ACCESS_DENIED_ERROR: "insufficient privilege",
  ER_CANT_CREATE_USER_WITH_GRANT: "insufficient privilege",
  ER_PASSWORD_NOT_ALLOWED: "insufficient privilege",
  ER_WRONG_DB_NAME: "invalid name: check the database's name, databaseName and user in the blueprint",
  ER_TOO_LONG_IDENT: "invalid name: check the database's name, databaseName and user in the blueprint",
  ER_WRONG_STRING_LENGTH: "invalid name: check the database's name, databaseName and user in the blueprint",
  ER_NOT_SUPPORTED_AUTH_MODE:
    "the server asks for an authentication method the client does not support: check the user of TENANTRY_LOCAL_MYSQL_URL",
  ER_PASSWORD_FORMAT: "the server does not take mysql_native_password hashes: check the server's version",
  ER_PLUGIN_IS_NOT_LOADED: "the server does not have the authentication plugin the driver uses",
  ER_UNKNOWN_COLLATION: `the server does not know the collation ${COLLATION}: use MySQL 5.7+ or MariaDB 10.5+`,
  ER_UNKNOWN_CHARACTER_SET: `the server does not know the character set ${CHARSET}: use MySQL 5.7+ or MariaDB 10.5+`,
};

const PRIVILEGE_HINT =
  "the user of TENANTRY_LOCAL_MYSQL_URL needs ALL PRIVILEGES ON *.* WITH GRANT OPTION (root, for example)";

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Wraps a failure as a {@link ProviderError}. Never includes SQL text: mysql2 puts the
 * statement on its errors (`sql`), and a statement may carry a password.
 */
function toProviderError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (err && typeof err === "object" && "sql" in err) delete (err as { sql?: unknown }).sql;
  const permanent = code ? PERMANENT_CODES[code] : undefined;
  if (permanent) {
    const hint = permanent === "insufficient privilege" ? `${permanent}: ${PRIVILEGE_HINT}` : permanent;
    return new ProviderError(`mysql driver: could not ${action}: ${message} (${code}: ${hint})`, {
      retryable: false,
      cause: err,
    });
  }
  return new ProviderError(`mysql driver: could not ${action}: ${message}${code ? ` (${code})` : ""}`, {
    retryable: true,
    cause: err,
  });
}

/** Throws `err` as it is when it is the engine's abort or already a provider error, else wrapped. */
function rethrow(err: unknown, action: string): never {
  if (err instanceof AbortedError || err instanceof ProviderError) throw err;
  throw toProviderError(err, action);
}

/** A backquoted identifier; the driver's names are `[a-z0-9_]`, anything else is refused. */
function id(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new ProviderError(`mysql driver: refusing the identifier ${JSON.stringify(name)}`, {
      retryable: false,
    });
  }
  return `\`${name}\``;
}

/** The account of a tenant user: `'<user>'@'%'` (any host; skip-name-resolve friendly). */
function account(user: string): string {
  return `${mysql.escape(user)}@'%'`;
}

/** mysql_native_password's stored form of `password`: `*` + upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash("sha1").update(password).digest();
  return `*${createHash("sha1").update(inner).digest("hex").toUpperCase()}`;
}

/** A function running one statement on the call's connection; server errors come through raw. */
type Run = (sql: string, values?: unknown[], options?: { secret?: boolean }) => Promise<unknown[]>;

/** What the server has under a resource's names. */
interface Found {
  database: { charset: string | null } | null;
  user: boolean;
  /** The tenant user holds ALL PRIVILEGES on exactly its database. */
  granted: boolean;
  /** The markers recorded in the registry (null: none). */
  markers: { database: string | null; user: string | null };
}

/** Whose an object (or its name) is; `marked`: its registry row has the tenant's marker. */
type Ours = { ours: true; marked: boolean };
type Owner = Ours | { ours: false; why: string };

interface Server {
  /** Host and port as the tenant's outputs give them. */
  host: string;
  port: number;
  connection: mysql.ConnectionOptions;
  ssl: boolean;
  connectionString(names: MysqlNames, password: string): string;
}

export interface MysqlDriverOptions {
  /**
   * `mysql://user:password@host:port` (or `mariadb://…`; `?ssl=true` for TLS) of a MySQL 8
   * or MariaDB 10.5+ server: TENANTRY_LOCAL_MYSQL_URL. Its user needs ALL PRIVILEGES ON *.*
   * WITH GRANT OPTION (root, for example): it creates databases and users, grants, reads
   * `mysql.user`/`mysql.db` and the process list, and kills a deleted user's sessions.
   */
  serverUrl: string;
  logger?: Logger;
}

/**
 * A {@link ResourceDriver} for kind `mysql` (`databases:` with `engine: mysql` or
 * `engine: mariadb`) giving each such database of a tenant a real database on a shared
 * MySQL or MariaDB server: a database (utf8mb4, utf8mb4_unicode_ci) and a user
 * `'<user>'@'%'` with a generated password and ALL PRIVILEGES on that database only (the
 * grant's pattern escaped, so `_` matches only `_`), so a tenant's user cannot read or
 * change another's database. One connection per call, closed at its end.
 *
 * Ownership: neither MySQL users nor (on MySQL) databases can carry a comment, and a
 * marker inside the tenant's database would be the tenant's to change. So the driver keeps
 * a registry on the server, `_tenantry.owners` (made on first use; no tenant user can
 * reach it): one row per database and per user with the tenant's marker
 * (`tenantry:<installation>/<organization>/<tenant>`), written *before* the object is
 * created, so an object of ours never exists unmarked, and removed only once a delete has
 * verified the object gone. An existing database or user is the tenant's when its row has
 * the tenant's marker, or when it has no row and the resource's record names it
 * (`providerId`: the registry row was lost; the row is written again on the next apply).
 * Anything else under the tenant's names is refused with `NAME_TAKEN` and never changed;
 * `delete` leaves it in place and says so in its detail. A create that finds the name
 * taken by someone else after writing its marker takes the marker back.
 *
 * The password never reaches the server in clear on MariaDB (the user is given its
 * mysql_native_password hash, `IDENTIFIED BY PASSWORD`); MySQL 8 is sent the password
 * (`IDENTIFIED BY`, which it keeps out of its logs) so that it stores it its own way.
 *
 * Every statement is bounded by the call's context: an abort (or the deadline) kills the
 * running statement with `KILL QUERY` from another connection and closes the call's.
 */
export function createMysqlDriver(
  options: MysqlDriverOptions,
): ResourceDriver<"mysql"> & { close(): Promise<void> } {
  const server = parseMysqlUrl(options.serverUrl);
  const baseLogger = options.logger;
  /** Set once the registry exists and the server's flavour is known (looked up again after a failure). */
  let prepared: { mariadb: boolean } | undefined;
  /** Connections of calls in flight: `close()` ends them. */
  const open = new Set<mysql.Connection>();

  function connect(timeoutMs: number): Promise<mysql.Connection> {
    return mysql.createConnection({ ...server.connection, connectTimeout: timeoutMs });
  }

  /** Closes a connection: orderly when the server answers soon, destroyed otherwise. */
  async function release(conn: mysql.Connection, failed: boolean): Promise<void> {
    open.delete(conn);
    if (!failed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        conn.end().catch(() => {}),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    conn.destroy();
  }

  /** Kills what connection `threadId` is running, from a connection of its own. */
  async function killQuery(threadId: number): Promise<void> {
    let conn: mysql.Connection | undefined;
    try {
      conn = await connect(CANCEL_GRACE_MS);
      conn.on("error", () => {});
      await conn.query(`kill query ${Number(threadId)}`);
    } catch (err) {
      baseLogger?.warn(
        { threadId, code: errorCode(err) },
        "local mysql: could not kill an aborted statement",
      );
    } finally {
      conn?.destroy();
    }
  }

  /**
   * Runs `fn` with a connection of its own, the registry made and the server's flavour
   * known. Each statement is bounded by the context (see the driver's description).
   */
  async function withConnection<T>(
    ctx: ProviderContext,
    action: string,
    fn: (run: Run, server: { mariadb: boolean }) => Promise<T>,
  ): Promise<T> {
    ctx.throwIfAborted();
    const what = `mysql driver: ${action}`;
    const connecting = connect(within(ctx, CONNECT_TIMEOUT_MS));
    let conn: mysql.Connection;
    try {
      conn = await bounded(ctx, what, connecting);
    } catch (err) {
      // A connection that arrives after the call gave up is closed at once.
      connecting.then(
        (c) => c.destroy(),
        () => {},
      );
      rethrow(err, action);
    }
    open.add(conn);
    // An idle connection losing the server must not end Tenantry with an unhandled `error`.
    conn.on("error", () => {});
    const threadId = conn.threadId;
    const run: Run = async (sql, values, runOptions) => {
      try {
        const [rows] = await bounded(ctx, what, conn.query(sql, values), {
          cancel: () => killQuery(threadId),
          graceMs: CANCEL_GRACE_MS,
        });
        return Array.isArray(rows) ? (rows as unknown[]) : [];
      } catch (err) {
        // A statement carrying a password: only the error's code leaves here.
        if (runOptions?.secret && !(err instanceof AbortedError) && !(err instanceof ProviderError)) {
          const code = errorCode(err) ?? "error";
          const safe = new Error(`the server refused the statement (${code})`) as Error & { code?: string };
          safe.code = code;
          throw safe;
        }
        throw err;
      }
    };
    let failed = true;
    try {
      if (!prepared) prepared = await prepare(run);
      const result = await fn(run, prepared);
      failed = false;
      return result;
    } finally {
      await release(conn, failed);
    }
  }

  /** Makes the registry exist and learns whether the server is MariaDB. */
  async function prepare(run: Run): Promise<{ mariadb: boolean }> {
    const rows = (await run("select version() as version")) as { version?: string }[];
    const mariadb = /mariadb/i.test(String(rows[0]?.version ?? ""));
    await run(
      `create database if not exists ${id(REGISTRY_SCHEMA)} character set ${CHARSET} collate ${COLLATION}`,
    );
    await run(
      `create table if not exists ${REGISTRY} (
         kind varchar(16) not null,
         name varchar(80) not null,
         marker varchar(255) not null,
         created_at timestamp not null default current_timestamp,
         primary key (kind, name)
       ) engine = InnoDB`,
    );
    return { mariadb };
  }

  /** Statements on one connection; failures as provider errors. */
  async function session<T>(
    ctx: ProviderContext,
    action: string,
    fn: (run: Run, server: { mariadb: boolean }) => Promise<T>,
  ): Promise<T> {
    try {
      return await withConnection(ctx, action, fn);
    } catch (err) {
      // The registry was dropped behind the driver's back: made again on the next call.
      const code = errorCode(err);
      if (code === "ER_NO_SUCH_TABLE" || code === "ER_BAD_DB_ERROR") prepared = undefined;
      rethrow(err, action);
    }
  }

  function logFor(ctx: ProviderContext, names: MysqlNames): Logger {
    return ctx.logger.child({ driver: "local-mysql", database: names.database, user: names.user });
  }

  function namesFor(ctx: ProviderContext, resource: RecordedResource<"mysql">): MysqlNames {
    const names = localMysqlNames(resource, ctx.tenant);
    if (resource.providerId && resource.providerId !== names.database) {
      ctx.logger.warn(
        { recorded: resource.providerId, expected: names.database },
        "local mysql: recorded provider id differs from the derived database name; using the derived name",
      );
    }
    return names;
  }

  function publicOutputs(names: MysqlNames): Record<string, unknown> {
    return { host: server.host, port: server.port, database: names.database, user: names.user };
  }

  async function lookup(run: Run, names: MysqlNames): Promise<Found> {
    const rows = (await run(
      `select
         (select default_character_set_name from information_schema.schemata where schema_name = ?) as db_charset,
         (select count(*) from information_schema.schemata where schema_name = ?) as db_count,
         (select count(*) from mysql.user where user = ? and host = '%') as user_count,
         (select count(*) from mysql.db where user = ? and host = '%' and db = ?
             and ${GRANTED_PRIVILEGES.map((p) => `${p} = 'Y'`).join(" and ")}) as grant_count,
         (select marker from ${REGISTRY} where kind = 'database' and name = ?) as db_marker,
         (select marker from ${REGISTRY} where kind = 'user' and name = ?) as user_marker`,
      [
        names.database,
        names.database,
        names.user,
        names.user,
        grantPattern(names.database),
        names.database,
        names.user,
      ],
    )) as {
      db_charset: string | null;
      db_count: number | string;
      user_count: number | string;
      grant_count: number | string;
      db_marker: string | null;
      user_marker: string | null;
    }[];
    const row = rows[0];
    return {
      database: Number(row?.db_count ?? 0) > 0 ? { charset: row?.db_charset ?? null } : null,
      user: Number(row?.user_count ?? 0) > 0,
      granted: Number(row?.grant_count ?? 0) > 0,
      markers: { database: row?.db_marker ?? null, user: row?.user_marker ?? null },
    };
  }

  /** Whose the database and user under the tenant's names are (see the driver's description). */
  function judge(
    ctx: ProviderContext,
    names: MysqlNames,
    found: Found,
    resource: RecordedResource<"mysql">,
  ): { database: Owner; user: Owner } {
    const marker = ownerMarker(ctx);
    const recorded = resource.providerId === names.database;
    const ownerOf = (exists: boolean, recordedMarker: string | null): Owner => {
      if (recordedMarker !== null) {
        if (isOwnerMarkerText(recordedMarker, marker)) return { ours: true, marked: true };
        return {
          ours: false,
          why: recordedMarker.startsWith("tenantry:")
            ? `${REGISTRY_SCHEMA}.${REGISTRY_TABLE} records it as another Tenantry tenant's or installation's`
            : `${REGISTRY_SCHEMA}.${REGISTRY_TABLE} records another owner for it`,
        };
      }
      if (!exists || recorded) return { ours: true, marked: false };
      return {
        ours: false,
        why: `${REGISTRY_SCHEMA}.${REGISTRY_TABLE} has no marker for it and no record ties it to this tenant`,
      };
    };
    return {
      database: ownerOf(found.database !== null, found.markers.database),
      user: ownerOf(found.user, found.markers.user),
    };
  }

  /** {@link judge}, throwing `NAME_TAKEN` for a name that is not the tenant's. */
  function assertOurs(
    ctx: ProviderContext,
    names: MysqlNames,
    found: Found,
    resource: RecordedResource<"mysql">,
  ): { database: Ours; user: Ours } {
    const { database, user } = judge(ctx, names, found, resource);
    if (!database.ours) throw nameTaken("MySQL database", names.database, undefined, database.why);
    if (!user.ours) throw nameTaken("MySQL user", names.user, undefined, user.why);
    return { database, user };
  }

  /** Why the tenant's database and user are not complete, or undefined. */
  function incompleteness(names: MysqlNames, found: Found): string | undefined {
    if (!found.user) return `database ${names.database} exists but user ${names.user} does not exist`;
    if (!found.database) return `user ${names.user} exists but database ${names.database} does not exist`;
    if (!found.granted)
      return `user ${names.user} does not hold all privileges on database ${names.database}`;
    return undefined;
  }

  /**
   * Records the tenant's marker for an object (before creating it); throws `NAME_TAKEN`
   * when a row of another owner appeared meanwhile.
   */
  async function mark(
    ctx: ProviderContext,
    run: Run,
    kind: "database" | "user",
    name: string,
  ): Promise<void> {
    const marker = ownerMarkerText(ownerMarker(ctx));
    await run(`insert ignore into ${REGISTRY} (kind, name, marker) values (?, ?, ?)`, [kind, name, marker]);
    const rows = (await run(`select marker from ${REGISTRY} where kind = ? and name = ?`, [kind, name])) as {
      marker: string;
    }[];
    if (!isOwnerMarkerText(rows[0]?.marker, ownerMarker(ctx))) {
      throw nameTaken(
        kind === "database" ? "MySQL database" : "MySQL user",
        name,
        undefined,
        `${REGISTRY_SCHEMA}.${REGISTRY_TABLE} records another owner for it`,
      );
    }
  }

  /** Removes the tenant's marker of an object (only the tenant's own row). */
  async function unmark(
    ctx: ProviderContext,
    run: Run,
    kind: "database" | "user",
    name: string,
  ): Promise<void> {
    await run(`delete from ${REGISTRY} where kind = ? and name = ? and marker = ?`, [
      kind,
      name,
      ownerMarkerText(ownerMarker(ctx)),
    ]);
  }

  /** Sets the user's password (creating the user when `create`). */
  async function setPassword(run: Run, mariadb: boolean, user: string, password: string, create: boolean) {
    const verb = create ? "create user" : "alter user";
    // MariaDB takes the hash: the plaintext never leaves here. MySQL 8 stores passwords
    // its own way (caching_sha2_password) and keeps them out of its logs.
    if (mariadb) {
      await run(`${verb} ${account(user)} identified by password ?`, [nativePasswordHash(password)], {
        secret: true,
      });
    } else {
      await run(`${verb} ${account(user)} identified by ?`, [password], { secret: true });
    }
  }

  /** ALL PRIVILEGES on the tenant's database, and on nothing else (see {@link grantPattern}). */
  async function grant(run: Run, names: MysqlNames): Promise<void> {
    id(names.database);
    await run(`grant all privileges on \`${grantPattern(names.database)}\`.* to ${account(names.user)}`);
  }

  /** Makes the database and user exist with a fresh password: create, and adopt or complete what was found. */
  async function converge(ctx: ProviderContext, resource: RecordedResource<"mysql">): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const log = logFor(ctx, names);
    const password = randomBytes(24).toString("base64url");
    const created = { user: false, database: false };
    await session(ctx, `create database ${names.database}`, async (run, flavour) => {
      const found = await lookup(run, names);
      const owners = assertOurs(ctx, names, found, resource);

      // 1. The markers, before anything is created: an object of ours never exists unmarked.
      //    `wrote`: marked by this call for an object that does not exist yet.
      const wrote = {
        user: !owners.user.marked && !found.user,
        database: !owners.database.marked && !found.database,
      };
      if (!owners.user.marked) await mark(ctx, run, "user", names.user);
      if (!owners.database.marked) await mark(ctx, run, "database", names.database);

      // 2. The user, with the new password.
      if (!found.user) {
        try {
          await setPassword(run, flavour.mariadb, names.user, password, true);
          created.user = true;
        } catch (err) {
          if (errorCode(err) !== "ER_CANNOT_USER") throw err;
          // Made meanwhile by someone else: not ours; our marker goes.
          if (wrote.user) await unmark(ctx, run, "user", names.user);
          if (wrote.database) await unmark(ctx, run, "database", names.database);
          throw nameTaken("MySQL user", names.user, undefined, "it was created by someone else meanwhile");
        }
      } else {
        await setPassword(run, flavour.mariadb, names.user, password, false);
      }

      // 3. The database.
      if (!found.database) {
        try {
          await run(`create database ${id(names.database)} character set ${CHARSET} collate ${COLLATION}`);
          created.database = true;
        } catch (err) {
          if (errorCode(err) !== "ER_DB_CREATE_EXISTS") throw err;
          if (wrote.database) await unmark(ctx, run, "database", names.database);
          throw nameTaken(
            "MySQL database",
            names.database,
            undefined,
            "it was created by someone else meanwhile",
          );
        }
      }

      // 4. All privileges on that database only.
      await grant(run, names);
    });
    log.info({ created }, "local mysql: database ready");
    return {
      state: "done",
      providerId: names.database,
      outputs: publicOutputs(names),
      secretOutputs: { password, connectionString: server.connectionString(names, password) },
    };
  }

  /** Applies the spec to the recorded database and user, keeping the password (converges what is missing). */
  async function update(ctx: ProviderContext, resource: RecordedResource<"mysql">): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const complete = await session(ctx, `update database ${names.database}`, async (run) => {
      const found = await lookup(run, names);
      const owners = assertOurs(ctx, names, found, resource);
      if (incompleteness(names, found) && (!found.user || !found.database)) return false;
      if (!resource.secretOutputs["password"]) return false;
      if (!owners.user.marked) await mark(ctx, run, "user", names.user);
      if (!owners.database.marked) await mark(ctx, run, "database", names.database);
      await grant(run, names);
      return true;
    });
    if (!complete) {
      // Someone dropped part of it, or the password is not known: converge (a new password).
      logFor(ctx, names).warn("local mysql: database or user missing on update; converging");
      return converge(ctx, resource);
    }
    return {
      state: "done",
      providerId: names.database,
      outputs: publicOutputs(names),
      secretOutputs: resource.secretOutputs,
    };
  }

  return {
    async observe(ctx, resource): Promise<Observation> {
      const names = namesFor(ctx, resource);
      const found = await session(ctx, `look up database ${names.database}`, (run) => lookup(run, names));
      if (!found.user && !found.database) return ABSENT;
      assertOurs(ctx, names, found, resource);
      const base = { providerId: names.database, outputs: publicOutputs(names) };
      const missing = incompleteness(names, found);
      if (missing) return { ...base, state: "diverged", detail: missing };
      return { ...base, state: "ready" };
    },

    // Create and adopt are one: make the database and user exist with a fresh password (the
    // old one cannot be read back). Only an update of the recorded database keeps it.
    apply: (ctx, resource, observed?: Observed) =>
      observed || resource.providerId === null ? converge(ctx, resource) : update(ctx, resource),

    async delete(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const log = logFor(ctx, names);
      const left = await session(ctx, `drop database ${names.database}`, async (run) => {
        const found = await lookup(run, names);
        const owners = judge(ctx, names, found, resource);
        const left: string[] = [];
        if (!owners.database.ours) left.push(`database ${names.database} (${owners.database.why})`);
        if (!owners.user.ours) left.push(`user ${names.user} (${owners.user.why})`);
        // The user first: no new session can start; then its sessions end (a dropped user's
        // sessions live on), so nothing holds the database's locks when it is dropped.
        // Sessions are found by user name only (the process list has no account host): only
        // while the name is provably ours (the user exists as ours, or its marker is there
        // after a delete cut off between its DROP USER and the end of its sessions).
        if (owners.user.ours && (found.user || owners.user.marked)) {
          if (found.user) await run(`drop user if exists ${account(names.user)}`);
          await killSessions(run, names.user, log);
        }
        if (owners.database.ours && found.database) {
          await run(`drop database if exists ${id(names.database)}`);
        }
        // Verify, then forget the markers (while they stay, a retry knows the objects were ours).
        const after = await lookup(run, names);
        const still = [
          owners.database.ours && after.database ? `database ${names.database}` : undefined,
          owners.user.ours && after.user ? `user ${names.user}` : undefined,
        ].find((x) => x !== undefined);
        if (still) {
          throw new ProviderError(`mysql driver: ${still} still exists after drop`, { retryable: true });
        }
        if (owners.user.ours) await unmark(ctx, run, "user", names.user);
        if (owners.database.ours) await unmark(ctx, run, "database", names.database);
        return left;
      });
      if (left.length > 0) {
        log.warn({ left }, "local mysql: left objects under the tenant's names that are not its own");
        return {
          state: "done",
          providerId: names.database,
          detail: `left in place, not this tenant's: ${left.join("; ")}`,
        };
      }
      log.info("local mysql: database deleted");
      return { state: "done", providerId: names.database };
    },

    async close(): Promise<void> {
      for (const conn of open) conn.destroy();
      open.clear();
    },
  };
}

/** Ends every session of `user` (best effort: the server may not let the admin see or kill them). */
async function killSessions(run: Run, user: string, log: Logger): Promise<void> {
  let ids: number[] = [];
  try {
    const rows = (await run("select id from information_schema.processlist where user = ?", [user])) as {
      id: number | string;
    }[];
    ids = rows.map((r) => Number(r.id)).filter((n) => Number.isInteger(n));
  } catch (err) {
    if (err instanceof AbortedError || err instanceof ProviderError) throw err;
    log.debug({ code: errorCode(err) }, "local mysql: could not list the user's sessions");
    return;
  }
  for (const threadId of ids) {
    try {
      await run(`kill connection ${threadId}`);
    } catch (err) {
      if (err instanceof AbortedError || err instanceof ProviderError) throw err;
      // ER_NO_SUCH_THREAD: it ended by itself.
      if (errorCode(err) !== "ER_NO_SUCH_THREAD")
        log.debug({ code: errorCode(err) }, "local mysql: could not end a session of the user");
    }
  }
}

/** TENANTRY_LOCAL_MYSQL_URL, read: connection options and what the tenant's outputs say. */
export function parseMysqlUrl(serverUrl: string): Server {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new ProviderError("mysql driver: TENANTRY_LOCAL_MYSQL_URL is not a valid URL", {
      retryable: false,
    });
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
    throw new ProviderError("mysql driver: TENANTRY_LOCAL_MYSQL_URL must be a mysql:// or mariadb:// URL", {
      retryable: false,
    });
  }
  // `[::1]` in a URL, `::1` as a host.
  const hostForUrl = url.hostname || "localhost";
  const host = hostForUrl.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : 3306;
  const sslParam = (url.searchParams.get("ssl") ?? "").toLowerCase();
  const ssl = sslParam === "true" || sslParam === "1" || sslParam === "required";
  return {
    host,
    port,
    ssl,
    connection: {
      host,
      port,
      user: decodeURIComponent(url.username) || "root",
      password: decodeURIComponent(url.password),
      ...(ssl ? { ssl: {} } : {}),
      // The registry's and lookups' statements only: no multiple statements, dates as text.
      multipleStatements: false,
      dateStrings: true,
    },
    connectionString(names, password) {
      const auth = `${encodeURIComponent(names.user)}:${encodeURIComponent(password)}`;
      const query = ssl ? "?ssl=true" : "";
      return `mysql://${auth}@${hostForUrl}:${port}/${encodeURIComponent(names.database)}${query}`;
    },
  };
}
