import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import {
  type ActionResult,
  type DesiredResource,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";

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
  resource: DesiredResource,
  tenant: { id: string; slug: string },
): { database: string; user: string } {
  const spec = resource.spec;
  const name = spec["name"];
  if (typeof name !== "string" || name === "") {
    throw new ProviderError(`postgres resource ${resource.key} has no name in its spec`, {
      retryable: false,
    });
  }
  const databaseBase = optionalString(spec["databaseName"], "databaseName", resource.key) ?? name;
  const userBase = optionalString(spec["user"], "user", resource.key) ?? name;
  const hash = createHash("sha256").update(`${tenant.id}\0${name}`).digest("hex").slice(0, HASH_CHARS);
  return {
    database: identifier(databaseBase, tenant.slug, hash),
    user: identifier(userBase, tenant.slug, hash),
  };
}

function optionalString(value: unknown, field: string, key: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw new ProviderError(`postgres resource ${key}: spec.${field} must be a string`, { retryable: false });
  }
  return value;
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

function checkAborted(ctx: ProviderContext): void {
  if (ctx.signal.aborted) {
    throw new ProviderError("postgres driver: aborted (lease lost or shutting down)", { retryable: true });
  }
}

const q = pg.escapeIdentifier;
const lit = pg.escapeLiteral;

interface Names {
  database: string;
  user: string;
}

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
 * The serverUrl user needs `CREATEDB` and `CREATEROLE` (or `SUPERUSER`).
 */
export function createPostgresDriver(
  options: PostgresDriverOptions,
): ResourceDriver & { close(): Promise<void> } {
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
        application_name: "tenantry-local-postgres",
      });
      // An idle client losing its connection must not crash the process; the pool replaces it.
      pool.on("error", (err) =>
        baseLogger?.warn({ err: err.message }, "local postgres: idle connection error"),
      );
    }
    return pool;
  }

  async function run(ctx: ProviderContext, action: string, sql: string, values?: unknown[]) {
    checkAborted(ctx);
    try {
      return await getPool().query(sql, values);
    } catch (err) {
      throw toProviderError(err, action);
    }
  }

  function logFor(ctx: ProviderContext, names: Names): Logger {
    return ctx.logger.child({ driver: "local-postgres", database: names.database, role: names.user });
  }

  function namesFor(ctx: ProviderContext, resource: RecordedResource): Names {
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

  async function lookup(
    ctx: ProviderContext,
    names: Names,
  ): Promise<{ role: { super: boolean } | null; database: { owner: string } | null }> {
    const { rows } = await run(
      ctx,
      `look up database ${names.database}`,
      `select
         (select r.rolsuper from pg_roles r where r.rolname = $1) as role_super,
         (select pg_get_userbyid(d.datdba) from pg_database d where d.datname = $2) as db_owner`,
      [names.user, names.database],
    );
    const row = rows[0] as { role_super: boolean | null; db_owner: string | null } | undefined;
    return {
      role: row?.role_super == null ? null : { super: row.role_super },
      database: row?.db_owner == null ? null : { owner: row.db_owner },
    };
  }

  /** Makes the role and database exist with a fresh password; the core of create and adopt. */
  async function converge(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const log = logFor(ctx, names);
    const password = randomBytes(24).toString("base64url");
    const verifier = scramVerifier(password);
    const role = q(names.user);
    const db = q(names.database);

    const found = await lookup(ctx, names);
    if (found.role?.super) {
      throw new ProviderError(
        `postgres driver: refusing to take over role ${names.user}: it is a superuser`,
        {
          retryable: false,
        },
      );
    }

    // 1. The role, with the new password (as a SCRAM verifier: the plaintext never leaves here).
    let roleCreated = false;
    if (!found.role) {
      try {
        await getPool().query(`create role ${role} login password ${lit(verifier)}`);
        roleCreated = true;
      } catch (err) {
        if (!isAlreadyExists(err)) throw toProviderError(err, `create role ${names.user}`);
      }
      checkAborted(ctx);
    }
    if (!roleCreated) {
      await run(
        ctx,
        `set the password of role ${names.user}`,
        `alter role ${role} with login password ${lit(verifier)}`,
      );
    }

    // 2. A non-superuser admin must be a member of the role to own a database as it.
    const me = await run(
      ctx,
      "check the server user",
      "select rolsuper from pg_roles where rolname = current_user",
    );
    const adminIsSuper = (me.rows[0] as { rolsuper?: boolean } | undefined)?.rolsuper === true;
    if (!adminIsSuper) {
      await run(ctx, `grant role ${names.user} to the server user`, `grant ${role} to current_user`);
    }

    // 3. The database (CREATE DATABASE cannot run in a transaction: a plain pool query is autocommit).
    if (!found.database) {
      checkAborted(ctx);
      try {
        await getPool().query(`create database ${db} owner ${role} template template0`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw toProviderError(err, `create database ${names.database}`);
      }
    }

    // 4. Ownership and who may connect.
    await assertPrivileges(ctx, names);
    log.info({ created: { role: roleCreated, database: !found.database } }, "local postgres: database ready");
    return {
      state: "done",
      providerId: names.database,
      outputs: publicOutputs(names),
      secretOutputs: { password, connectionString: server.connectionString(names, password) },
    };
  }

  async function assertPrivileges(ctx: ProviderContext, names: Names): Promise<void> {
    const role = q(names.user);
    const db = q(names.database);
    await run(ctx, `set the owner of database ${names.database}`, `alter database ${db} owner to ${role}`);
    await run(
      ctx,
      `revoke connect on ${names.database} from public`,
      `revoke connect on database ${db} from public`,
    );
    await run(ctx, `grant connect on ${names.database}`, `grant connect on database ${db} to ${role}`);
  }

  return {
    async observe(ctx, resource): Promise<Observed | null> {
      const names = namesFor(ctx, resource);
      const found = await lookup(ctx, names);
      if (!found.role && !found.database) return null;
      if (found.role && found.database) {
        return { state: "ready", providerId: names.database, outputs: publicOutputs(names) };
      }
      return {
        state: "pending",
        providerId: names.database,
        outputs: publicOutputs(names),
        detail: found.role
          ? `role ${names.user} exists but database ${names.database} does not`
          : `database ${names.database} exists but role ${names.user} does not`,
      };
    },

    create: (ctx, resource) => converge(ctx, resource),

    adopt: (ctx, resource) => converge(ctx, resource),

    async update(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const found = await lookup(ctx, names);
      if (!found.role || !found.database) {
        // Someone dropped part of it: recreate what is missing (this sets a new password).
        logFor(ctx, names).warn(
          { role: !!found.role, database: !!found.database },
          "local postgres: role or database missing on update; recreating",
        );
        return converge(ctx, resource);
      }
      await assertPrivileges(ctx, names);
      return {
        state: "done",
        providerId: names.database,
        outputs: publicOutputs(names),
        secretOutputs: resource.secretOutputs,
      };
    },

    async delete(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const log = logFor(ctx, names);
      // Best effort: DROP ... WITH (FORCE) below terminates sessions too, and reports properly
      // when it may not (a non-superuser cannot terminate a superuser's session).
      try {
        checkAborted(ctx);
        await getPool().query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [names.database],
        );
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        log.debug({ code: errorCode(err) }, "local postgres: could not terminate every connection");
      }
      await run(
        ctx,
        `drop database ${names.database}`,
        `drop database if exists ${q(names.database)} with (force)`,
      );
      await run(ctx, `drop role ${names.user}`, `drop role if exists ${q(names.user)}`);
      const found = await lookup(ctx, names);
      if (found.role || found.database) {
        throw new ProviderError(
          `postgres driver: ${found.database ? `database ${names.database}` : `role ${names.user}`} still exists after drop`,
          { retryable: true },
        );
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
