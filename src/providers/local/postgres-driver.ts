import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { AbortedError } from "../../engine/aborted.js";
import { isOwnerMarkerText, nameTaken, ownerMarker, ownerMarkerText } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type DesiredResource,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { bounded } from "./waits.js";

/** PostgreSQL's limit on identifier length (NAMEDATALEN - 1), in bytes. */
const MAX_IDENTIFIER_BYTES = 63;
const HASH_CHARS = 8;

/**
 * The role and database names of one `postgres` resource of one tenant:
 * `<base>_<tenant slug>_<hash>`, where `base` is `spec.databaseName ?? spec.name` for the
 * database and `spec.user ?? spec.name` for the role, and `hash` is the first 8 hex digits
 * of sha256(`<tenant id>\0<spec.name>`).
 *
 * - The tenant id in the hash keeps names apart across organizations on one shared server
 *   (two organizations may both have a tenant `acme`); `spec.name` in the hash keeps two
 *   databases of one tenant apart even when they share a `user:` or names that differ
 *   only in case or punctuation.
 * - Characters other than `[a-z0-9_]` become `_` (after lowercasing); a name that would not
 *   start with a letter or would start with `pg_` (reserved for roles) gets a `t_` prefix.
 * - Longer than 63 bytes: the readable part is cut and the hash suffix kept.
 *
 * Deterministic and pure: a retry after a crash finds the objects by these names.
 */
export function localDatabaseNames(
  resource: DesiredResource<"postgres">,
  tenant: { id: string; slug: string },
): { database: string; user: string } {
  const spec = resource.spec;
  const name = spec.name;
  if (!name) {
    throw new ProviderError(`postgres resource ${resource.key} has no name in its spec`, {
      retryable: false,
    });
  }
  // An empty databaseName or user is as if there were none.
  const databaseBase = spec.databaseName || name;
  const userBase = spec.user || name;
  const hash = createHash("sha256").update(`${tenant.id}\0${name}`).digest("hex").slice(0, HASH_CHARS);
  return {
    database: identifier(databaseBase, tenant.slug, hash),
    user: identifier(userBase, tenant.slug, hash),
  };
}

function identifier(base: string, slug: string, hash: string): string {
  let head = `${base}_${slug}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  if (!/^[a-z]/.test(head) || head.startsWith("pg_")) head = `t_${head}`;
  const room = MAX_IDENTIFIER_BYTES - HASH_CHARS - 1;
  if (head.length > room) head = head.slice(0, room).replace(/_+$/, "");
  return `${head}_${hash}`;
}

/**
 * A SCRAM-SHA-256 verifier for `password` (RFC 5802 / 7677, the format PostgreSQL stores).
 * Sending the verifier instead of the password keeps the plaintext out of the server's
 * statement logs (`log_statement`, `log_min_error_statement`), as psql's `\password` does.
 */
function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** PostgreSQL error codes (SQLSTATE) that a retry cannot fix: the setup or the input must change. */
const PERMANENT_CODES: Record<string, string> = {
  "42501":
    "insufficient privilege: the user of TENANTRY_LOCAL_POSTGRES_URL needs CREATEDB and CREATEROLE (or SUPERUSER)",
  "28000":
    "invalid authorization: check the user of TENANTRY_LOCAL_POSTGRES_URL and the server's pg_hba.conf",
  "28P01": "password authentication failed: check the password in TENANTRY_LOCAL_POSTGRES_URL",
  "42602": "invalid name: check the database's name, databaseName and user in the blueprint",
  "42939": "reserved name: check the database's name, databaseName and user in the blueprint",
  "3D000": "database does not exist: check the database named in TENANTRY_LOCAL_POSTGRES_URL",
  "3F000": "schema does not exist: check the PostgreSQL server TENANTRY_LOCAL_POSTGRES_URL points at",
  "0LP01": "invalid grant: check the roles on the PostgreSQL server TENANTRY_LOCAL_POSTGRES_URL points at",
};

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Wraps a failure as a {@link ProviderError}; never includes SQL text (which may hold a password). */
function toProviderError(err: unknown, action: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const permanent = code ? PERMANENT_CODES[code] : undefined;
  if (permanent) {
    return new ProviderError(`postgres driver: could not ${action}: ${message} (${code}: ${permanent})`, {
      retryable: false,
      cause: err,
    });
  }
  // Connection failures (ECONNREFUSED, 08xxx, 57P01 admin shutdown, 53300 too many
  // connections, timeouts) and anything unknown are transient.
  return new ProviderError(`postgres driver: could not ${action}: ${message}${code ? ` (${code})` : ""}`, {
    retryable: true,
    cause: err,
  });
}

/** "Already exists" as reported by CREATE ROLE / CREATE DATABASE racing another create. */
function isAlreadyExists(err: unknown): boolean {
  const code = errorCode(err);
  return code === "42710" || code === "42P04" || code === "23505";
}

/** Throws `err` as it is when it is the engine's abort or already a provider error, else wrapped. */
function rethrow(err: unknown, action: string): never {
  if (err instanceof AbortedError || err instanceof ProviderError) throw err;
  throw toProviderError(err, action);
}

const q = pg.escapeIdentifier;
const lit = pg.escapeLiteral;

/** The pool's `application_name`: how a create still running on the server is recognised. */
const APPLICATION_NAME = "tenantry-local-postgres";
/**
 * How long a query cancelled because its call was aborted gets to end before its
 * connection is closed (a cancel reaches a backend waiting on a lock at once; more than
 * a second means the server is not answering, and the call must return anyway).
 */
const CANCEL_GRACE_MS = 1_000;
/** How soon to look again at a role or database another session is still creating. */
const BUSY_RETRY_MS = 1_000;

interface Names {
  database: string;
  user: string;
}

/** What the server has under a resource's names. */
interface Found {
  role: { super: boolean; login: boolean; comment: string | null } | null;
  database: { owner: string; comment: string | null } | null;
  /** A Tenantry driver's CREATE ROLE or CREATE DATABASE of these names is still running. */
  busy: boolean;
}

/** Whether an existing role or database is the tenant's (see {@link judge}). */
type Owner = { ours: true; marked: boolean } | { ours: false; why: string };

/** A function running one statement on a checked-out connection; pg errors come through raw. */
type Run = (sql: string, values?: unknown[]) => Promise<pg.QueryResult>;

export interface PostgresDriverOptions {
  /**
   * Connection string of an administrative connection to the server that hosts tenant
   * databases (usually its `postgres` database). Its user needs `CREATEDB` and `CREATEROLE`
   * (or `SUPERUSER`): it creates a LOGIN role and a database owned by it per resource,
   * and, when not a superuser, grants itself membership in each role it creates (needed
   * to create, alter and drop a database owned by that role).
   */
  serverUrl: string;
  logger?: Logger;
}

/**
 * A {@link ResourceDriver} for kind `postgres` giving each `databases:` entry of a tenant a
 * real database on a shared PostgreSQL server: a LOGIN role with a generated password and
 * a database owned by it, with CONNECT revoked from PUBLIC so tenants cannot connect to
 * each other's databases. Uses its own small pool (at most 4 connections), opened on first
 * use; `close()` ends it.
 *
 * Ownership: the role and the database carry the tenant's marker as their comment
 * (`COMMENT ON ROLE` / `COMMENT ON DATABASE`, `tenantry:<installation>/<organization>/<tenant>`),
 * the role's set in the same transaction that creates it. An existing role or database is
 * the tenant's when its comment is that marker, or when it has no comment and the
 * resource's record names it (`providerId`: made by an older Tenantry, before markers; the
 * marker is added on the next create or update), or — a database only — when it has no
 * comment and is owned by the tenant's role (a create cut off between CREATE DATABASE and
 * its COMMENT). Anything else under the tenant's names is refused with `NAME_TAKEN` and
 * never changed; `delete` leaves it in place and says so in its detail.
 *
 * Every query is bounded by the call's context: an abort (or the deadline) cancels the
 * running statement with `pg_cancel_backend` from another connection, so a statement
 * waiting on a lock does not outlive the call.
 *
 * The serverUrl user needs `CREATEDB` and `CREATEROLE` (or `SUPERUSER`).
 */
export function createPostgresDriver(
  options: PostgresDriverOptions,
): ResourceDriver<"postgres"> & { close(): Promise<void> } {
  const server = parseServerUrl(options.serverUrl);
  const baseLogger = options.logger;
  let pool: pg.Pool | undefined;

  function getPool(): pg.Pool {
    if (!pool) {
      pool = new pg.Pool({
        connectionString: options.serverUrl,
        max: 4,
        connectionTimeoutMillis: 10_000,
        idleTimeoutMillis: 30_000,
        application_name: APPLICATION_NAME,
      });
      // An idle client losing its connection must not crash the process; the pool replaces it.
      pool.on("error", (err) =>
        baseLogger?.warn({ err: err.message }, "local postgres: idle connection error"),
      );
    }
    return pool;
  }

  /** Cancels what backend `pid` is running, from a connection of its own (not the pool's). */
  async function cancelBackend(pid: number): Promise<void> {
    const client = new pg.Client({
      connectionString: options.serverUrl,
      connectionTimeoutMillis: CANCEL_GRACE_MS,
      application_name: `${APPLICATION_NAME}-cancel`,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("select pg_cancel_backend($1)", [pid]);
    } catch (err) {
      baseLogger?.warn({ pid, code: errorCode(err) }, "local postgres: could not cancel an aborted query");
    } finally {
      await client.end().catch(() => {});
    }
  }

  /**
   * Runs `fn` with a connection of the pool. Each statement is bounded by the context (see
   * the driver's description); a connection whose call failed is closed, not reused (it may
   * hold an open transaction or a statement the server is still running).
   */
  async function withClient<T>(
    ctx: ProviderContext,
    action: string,
    fn: (run: Run) => Promise<T>,
  ): Promise<T> {
    ctx.throwIfAborted();
    const connecting = getPool().connect();
    let client: pg.PoolClient;
    try {
      client = await bounded(ctx, `postgres driver: ${action}`, connecting);
    } catch (err) {
      // A connection that arrives after the call gave up goes back to the pool.
      connecting.then(
        (c) => c.release(),
        () => {},
      );
      rethrow(err, action);
    }
    // The pool does not listen for a checked-out client's errors: without this, a server
    // restart during a call would end Tenantry with an unhandled `error` event.
    const onError = () => {};
    client.on("error", onError);
    const pid = (client as unknown as { processID?: number | null }).processID;
    const run: Run = (sql, values) =>
      bounded(ctx, `postgres driver: ${action}`, client.query(sql, values), {
        cancel: () => (pid ? cancelBackend(pid) : undefined),
        graceMs: CANCEL_GRACE_MS,
      });
    let failed = true;
    try {
      const result = await fn(run);
      failed = false;
      return result;
    } finally {
      client.off("error", onError);
      client.release(failed);
    }
  }

  /** One statement; failures as provider errors. */
  async function exec(ctx: ProviderContext, action: string, sql: string, values?: unknown[]) {
    try {
      return await withClient(ctx, action, (run) => run(sql, values));
    } catch (err) {
      rethrow(err, action);
    }
  }

  /** Statements in one transaction; pg errors come through raw (callers look at their codes). */
  function inTransaction(ctx: ProviderContext, action: string, statements: string[]): Promise<void> {
    return withClient(ctx, action, async (run) => {
      await run("begin");
      for (const sql of statements) await run(sql);
      await run("commit");
    });
  }

  function logFor(ctx: ProviderContext, names: Names): Logger {
    return ctx.logger.child({ driver: "local-postgres", database: names.database, role: names.user });
  }

  function namesFor(ctx: ProviderContext, resource: RecordedResource<"postgres">): Names {
    const names = localDatabaseNames(resource, ctx.tenant);
    if (resource.providerId && resource.providerId !== names.database) {
      ctx.logger.warn(
        { recorded: resource.providerId, expected: names.database },
        "local postgres: recorded provider id differs from the derived database name; using the derived name",
      );
    }
    return names;
  }

  function publicOutputs(names: Names): Record<string, unknown> {
    return { host: server.host, port: server.port, database: names.database, user: names.user };
  }

  async function lookup(ctx: ProviderContext, names: Names): Promise<Found> {
    const { rows } = await exec(
      ctx,
      `look up database ${names.database}`,
      `select r.rolsuper as role_super, r.rolcanlogin as role_login,
              shobj_description(r.oid, 'pg_authid') as role_comment,
              pg_get_userbyid(d.datdba) as db_owner,
              shobj_description(d.oid, 'pg_database') as db_comment,
              exists (select 1 from pg_stat_activity a
                       where a.application_name = $3 and a.state = 'active' and a.pid <> pg_backend_pid()
                         and (starts_with(a.query, $4) or starts_with(a.query, $5))) as busy
         from (select 1) one
         left join pg_roles r on r.rolname = $1
         left join pg_database d on d.datname = $2`,
      [
        names.user,
        names.database,
        APPLICATION_NAME,
        `create database ${q(names.database)}`,
        `create role ${q(names.user)}`,
      ],
    );
    const row = rows[0] as
      | {
          role_super: boolean | null;
          role_login: boolean | null;
          role_comment: string | null;
          db_owner: string | null;
          db_comment: string | null;
          busy: boolean;
        }
      | undefined;
    return {
      role:
        row?.role_super == null
          ? null
          : { super: row.role_super, login: row.role_login === true, comment: row.role_comment },
      database: row?.db_owner == null ? null : { owner: row.db_owner, comment: row.db_comment },
      busy: row?.busy === true,
    };
  }

  /** Whose the role and database under the tenant's names are (see the driver's description). */
  function judge(
    ctx: ProviderContext,
    names: Names,
    found: Found,
    resource: RecordedResource<"postgres">,
  ): { role?: Owner; database?: Owner } {
    const marker = ownerMarker(ctx);
    const recorded = resource.providerId === names.database;
    const ownerOf = (comment: string | null): Owner => {
      if (isOwnerMarkerText(comment, marker)) return { ours: true, marked: true };
      if (comment === null || comment.trim() === "") {
        if (recorded) return { ours: true, marked: false };
        return {
          ours: false,
          why: "it has no Tenantry ownership marker and no record ties it to this tenant",
        };
      }
      return {
        ours: false,
        why: comment.startsWith("tenantry:")
          ? "its comment marks it as another Tenantry tenant's or installation's"
          : "its comment is not this tenant's ownership marker",
      };
    };
    const role = found.role ? ownerOf(found.role.comment) : undefined;
    let database = found.database ? ownerOf(found.database.comment) : undefined;
    if (
      database &&
      !database.ours &&
      !found.database?.comment?.trim() &&
      found.database?.owner === names.user &&
      role?.ours
    ) {
      // Created by the tenant's own role's create, cut off before its COMMENT.
      database = { ours: true, marked: false };
    }
    return { ...(role ? { role } : {}), ...(database ? { database } : {}) };
  }

  /** {@link judge}, throwing `NAME_TAKEN` for an object that is not the tenant's. */
  function assertOurs(
    ctx: ProviderContext,
    names: Names,
    found: Found,
    resource: RecordedResource<"postgres">,
  ) {
    const owners = judge(ctx, names, found, resource);
    if (owners.database && !owners.database.ours) {
      throw nameTaken("PostgreSQL database", names.database, undefined, owners.database.why);
    }
    if (owners.role && !owners.role.ours) {
      throw nameTaken("PostgreSQL role", names.user, undefined, owners.role.why);
    }
    return owners;
  }

  /** Why the tenant's role and database are not complete (or not as asked), or undefined. */
  function incompleteness(names: Names, found: Found): string | undefined {
    if (!found.role) return `database ${names.database} exists but role ${names.user} does not exist`;
    if (!found.database) return `role ${names.user} exists but database ${names.database} does not exist`;
    if (found.role.super) return `role ${names.user} is a superuser`;
    if (!found.role.login) return `role ${names.user} cannot log in`;
    if (found.database.owner !== names.user) {
      return `database ${names.database} is owned by ${found.database.owner}, not by ${names.user}`;
    }
    return undefined;
  }

  function stillCreating(names: Names): ActionResult & { state: "pending" } {
    return {
      state: "pending",
      retryAfterMs: BUSY_RETRY_MS,
      providerId: names.database,
      detail: `a create of role ${names.user} or database ${names.database} is still running on the server`,
    };
  }

  /** Makes the role and database exist with a fresh password: create, and adopt or complete what was found. */
  async function converge(
    ctx: ProviderContext,
    resource: RecordedResource<"postgres">,
  ): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const log = logFor(ctx, names);
    const marker = ownerMarkerText(ownerMarker(ctx));
    const password = randomBytes(24).toString("base64url");
    const verifier = scramVerifier(password);
    const role = q(names.user);
    const db = q(names.database);

    let found = await lookup(ctx, names);
    if (found.busy) return stillCreating(names);
    assertOurs(ctx, names, found, resource);
    if (found.role?.super) {
      throw new ProviderError(
        `postgres driver: refusing to take over role ${names.user}: it is a superuser`,
        {
          retryable: false,
        },
      );
    }

    // 1. The role, with the new password (as a SCRAM verifier: the plaintext never leaves
    //    here) and its marker, in one transaction: a role of ours never exists unmarked.
    let roleCreated = false;
    if (!found.role) {
      try {
        await inTransaction(ctx, `create role ${names.user}`, [
          `create role ${role} login password ${lit(verifier)}`,
          `comment on role ${role} is ${lit(marker)}`,
        ]);
        roleCreated = true;
      } catch (err) {
        if (!isAlreadyExists(err)) rethrow(err, `create role ${names.user}`);
        // Made meanwhile by someone else: go on only if it is the tenant's.
        found = await lookup(ctx, names);
        assertOurs(ctx, names, found, resource);
      }
    }
    if (!roleCreated) {
      await exec(
        ctx,
        `set the password of role ${names.user}`,
        `alter role ${role} with login password ${lit(verifier)}`,
      );
      await exec(ctx, `mark role ${names.user}`, `comment on role ${role} is ${lit(marker)}`);
    }

    // 2. A non-superuser admin must be a member of the role to own a database as it.
    const me = await exec(
      ctx,
      "check the server user",
      "select rolsuper from pg_roles where rolname = current_user",
    );
    const adminIsSuper = (me.rows[0] as { rolsuper?: boolean } | undefined)?.rolsuper === true;
    if (!adminIsSuper) {
      await exec(ctx, `grant role ${names.user} to the server user`, `grant ${role} to current_user`);
    }

    // 3. The database (CREATE DATABASE cannot run in a transaction: its marker follows).
    const databaseCreated = !found.database;
    if (!found.database) {
      try {
        await withClient(ctx, `create database ${names.database}`, (run) =>
          run(`create database ${db} owner ${role} template template0`),
        );
      } catch (err) {
        if (!isAlreadyExists(err)) rethrow(err, `create database ${names.database}`);
        found = await lookup(ctx, names);
        assertOurs(ctx, names, found, resource);
      }
    }

    // 4. Marker, ownership and who may connect.
    await assertPrivileges(ctx, names, marker);
    log.info({ created: { role: roleCreated, database: databaseCreated } }, "local postgres: database ready");
    return {
      state: "done",
      providerId: names.database,
      outputs: publicOutputs(names),
      secretOutputs: { password, connectionString: server.connectionString(names, password) },
    };
  }

  async function assertPrivileges(ctx: ProviderContext, names: Names, marker: string): Promise<void> {
    const role = q(names.user);
    const db = q(names.database);
    await exec(ctx, `set the owner of database ${names.database}`, `alter database ${db} owner to ${role}`);
    await exec(ctx, `mark database ${names.database}`, `comment on database ${db} is ${lit(marker)}`);
    await exec(
      ctx,
      `revoke connect on ${names.database} from public`,
      `revoke connect on database ${db} from public`,
    );
    await exec(ctx, `grant connect on ${names.database}`, `grant connect on database ${db} to ${role}`);
  }

  /** Applies the spec to the recorded role and database, keeping the password (converges what is missing). */
  async function update(ctx: ProviderContext, resource: RecordedResource<"postgres">): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const found = await lookup(ctx, names);
    if (found.busy) return stillCreating(names);
    assertOurs(ctx, names, found, resource);
    if (incompleteness(names, found)) {
      // Someone dropped or changed part of it: converge (this sets a new password).
      logFor(ctx, names).warn(
        { role: !!found.role, database: !!found.database },
        "local postgres: role or database missing or changed on update; converging",
      );
      return converge(ctx, resource);
    }
    const marker = ownerMarkerText(ownerMarker(ctx));
    await exec(ctx, `mark role ${names.user}`, `comment on role ${q(names.user)} is ${lit(marker)}`);
    await assertPrivileges(ctx, names, marker);
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
      const found = await lookup(ctx, names);
      const base = { providerId: names.database, outputs: publicOutputs(names) };
      if (found.busy) {
        const { detail, retryAfterMs } = stillCreating(names);
        return { ...base, state: "converging", retryAfterMs, detail };
      }
      if (!found.role && !found.database) return ABSENT;
      const owners = assertOurs(ctx, names, found, resource);
      const missing = incompleteness(names, found);
      if (missing) return { ...base, state: "diverged", detail: missing };
      // Ours only because the database's owner is the tenant's role: its marker is missing.
      if (owners.database?.ours && !owners.database.marked && resource.providerId !== names.database) {
        return {
          ...base,
          state: "diverged",
          detail: `database ${names.database} has no ownership marker yet`,
        };
      }
      return { ...base, state: "ready" };
    },

    // Create and adopt are one: make the role and database exist with a fresh password (the
    // old one cannot be read back). Only an update of the recorded database keeps it.
    apply: (ctx, resource, observed?: Observed) =>
      observed || resource.providerId === null ? converge(ctx, resource) : update(ctx, resource),

    async delete(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const log = logFor(ctx, names);
      const found = await lookup(ctx, names);
      if (found.busy) return stillCreating(names);
      const owners = judge(ctx, names, found, resource);
      const left: string[] = [];
      if (owners.database && !owners.database.ours)
        left.push(`database ${names.database} (${owners.database.why})`);
      if (owners.role && !owners.role.ours) left.push(`role ${names.user} (${owners.role.why})`);
      if (owners.database?.ours) {
        // Best effort: DROP ... WITH (FORCE) below terminates sessions too, and reports properly
        // when it may not (a non-superuser cannot terminate a superuser's session).
        try {
          await withClient(ctx, `disconnect from ${names.database}`, (run) =>
            run(
              "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
              [names.database],
            ),
          );
        } catch (err) {
          if (err instanceof AbortedError || err instanceof ProviderError) throw err;
          log.debug({ code: errorCode(err) }, "local postgres: could not terminate every connection");
        }
        await exec(
          ctx,
          `drop database ${names.database}`,
          `drop database if exists ${q(names.database)} with (force)`,
        );
      }
      if (owners.role?.ours) {
        await exec(ctx, `drop role ${names.user}`, `drop role if exists ${q(names.user)}`);
      }
      const after = await lookup(ctx, names);
      const still = [
        owners.database?.ours && after.database ? `database ${names.database}` : undefined,
        owners.role?.ours && after.role ? `role ${names.user}` : undefined,
      ].find((x) => x !== undefined);
      if (still) {
        throw new ProviderError(`postgres driver: ${still} still exists after drop`, { retryable: true });
      }
      if (left.length > 0) {
        log.warn({ left }, "local postgres: left objects under the tenant's names that are not its own");
        return {
          state: "done",
          providerId: names.database,
          detail: `left in place, not this tenant's: ${left.join("; ")}`,
        };
      }
      log.info("local postgres: database deleted");
      return { state: "done", providerId: names.database };
    },

    async close(): Promise<void> {
      const p = pool;
      pool = undefined;
      await p?.end();
    },
  };
}

function parseServerUrl(serverUrl: string) {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new ProviderError("postgres driver: TENANTRY_LOCAL_POSTGRES_URL is not a valid URL", {
      retryable: false,
    });
  }
  // `[::1]` in a URL, `::1` as a host output.
  const hostForUrl = url.hostname || "localhost";
  const host = hostForUrl.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : 5432;
  const sslmode = url.searchParams.get("sslmode");
  return {
    host,
    port,
    connectionString(names: Names, password: string): string {
      const auth = `${encodeURIComponent(names.user)}:${encodeURIComponent(password)}`;
      const query = sslmode ? `?sslmode=${encodeURIComponent(sslmode)}` : "";
      return `postgres://${auth}@${hostForUrl}:${port}/${encodeURIComponent(names.database)}${query}`;
    },
  };
}
