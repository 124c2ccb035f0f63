import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { MAXMEMORY_POLICIES } from "../../domain/resources.js";
import { AbortedError } from "../../engine/aborted.js";
import { findFreePort } from "../../store/free-port.js";
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
import { assertDirNotForeign, claimDir, dirOwnership } from "./owner-files.js";
import {
  closeRedis,
  createRedis,
  openRedis,
  parseRedisUrl,
  type Redis,
  type RedisEndpoint,
  replyCode,
  withRedis,
} from "./redis-connection.js";
import { type KeyValueNames, localKeyValueNames } from "./redis-names.js";
import { runAsSpawn, type TenantUsers } from "./tenant-users.js";
import { bounded, sleep, within } from "./waits.js";

/**
 * The local target's driver for kind `keyvalue` (Render's Key Value / `redis` services).
 * Three modes, chosen when the driver is created:
 *
 * - **Shared Redis** (`redisUrl`, from TENANTRY_LOCAL_REDIS_URL): one ACL user per tenant
 *   resource with a generated password, confined to its own key prefix (see
 *   {@link tenantAclRules}). Needs Redis 7+ (subcommand rules, `&` channel patterns, and SORT
 *   refusing BY/GET patterns without full key access) and an admin user that may run
 *   ACL SETUSER/GETUSER/DELUSER, SCAN, UNLINK and HGET/HSET/HDEL on {@link OWNER_MARKERS_KEY}.
 *   An ACL user carries no comment, so whose it is is recorded in that hash (see there).
 * - **Private redis-server** (no URL, `redis-server` on the PATH or at `redisServerPath`):
 *   one server per tenant resource on its own free 127.0.0.1 port, in
 *   `<dataDir>/tenants/<slug>/redis-<name>-<hash>/`, run as a detached child in its own
 *   process group (it outlives Tenantry; the pid file finds it again after a restart). The
 *   directory holds the tenant's marker file (see `owner-files.ts`): a directory that is
 *   not the tenant's is never used, its pid never signalled, nothing in it removed.
 * - **Neither**: every verb fails with a non-retryable error saying what to configure.
 *
 * Spec fields: `maxmemoryPolicy` is applied to a private server (config file, and CONFIG SET
 * when it is already running); on a shared Redis it is a server-wide setting and is left alone.
 * `plan` sets no memory limit locally, and `ipAllowList` does not apply: private servers listen on
 * 127.0.0.1 only, and a shared Redis is reachable as its operator configured it.
 */
export interface KeyValueDriverOptions {
  /** Admin URL of a shared Redis 7+ (TENANTRY_LOCAL_REDIS_URL), e.g. `redis://127.0.0.1:6379`. */
  redisUrl?: string;
  /** Tenantry's data directory; private servers live under `<dataDir>/tenants/`. */
  dataDir: string;
  logger?: Logger;
  /** The redis-server binary for private servers; default: `redis-server` found on the PATH. */
  redisServerPath?: string;
  /** The tenants' OS users (isolation when Tenantry runs as root): private servers run as them. */
  users?: TenantUsers;
}

export const KEYVALUE_SETUP_HINT =
  "set TENANTRY_LOCAL_REDIS_URL to a Redis 7+ URL whose user may run ACL commands, or install redis-server";

/**
 * The hash on a shared Redis recording whose each tenant ACL user is: field = the user's
 * name, value = its tenant's ownership marker (`tenantry:<installation>/<organization>/<tenant>`).
 * It lies outside every tenant's key prefix (those start with `t_`), so no tenant can read
 * or change it; a marker key inside the user's own prefix would be the tenant's to delete.
 * The marker is written before the user is created, so a user of ours never exists
 * without it.
 */
export const OWNER_MARKERS_KEY = "tenantry:owner-markers";

/** What the admin user of the shared Redis must be allowed to run. */
const ADMIN_NEEDS = `its user must be allowed ACL SETUSER/GETUSER/DELUSER, SCAN, UNLINK, HGET/HSET/HDEL and HELLO on all keys (e.g. the \`default\` user, or \`+@all ~* &*\`)`;

/**
 * The ACL rules of a tenant user on a shared Redis, applied in one `ACL SETUSER` (atomic,
 * and `reset` first so a retry or an adopt converges whatever the user had before):
 *
 * - `~<prefix>*` and `&<prefix>*`: keys and pub/sub channels under the prefix only
 *   (read and write; `%R~`/`%W~` are not needed since both are allowed).
 * - `+@all -@admin -@dangerous`: every command except server administration and the
 *   dangerous ones (FLUSHALL/FLUSHDB, KEYS, CONFIG, DEBUG, MONITOR, CLIENT LIST/KILL, SORT,
 *   RESTORE, MIGRATE, SWAPDB, …), then `+info`, which client libraries call on connect
 *   (ioredis' ready check, BullMQ's version check); it shows server-wide statistics, no
 *   key names or values.
 * - Removed because they reach beyond the prefix although not admin/dangerous:
 *   SCAN, RANDOMKEY and DBSIZE (other tenants' key names or counts), CLIENT TRACKING (its
 *   BCAST mode reports every modified key name), PUBSUB (lists every channel), SELECT, MOVE
 *   and COPY (other logical databases, which delete would not clean), FUNCTION (libraries
 *   are server-wide: FLUSH/DELETE would remove other tenants'), SCRIPT FLUSH and SCRIPT KILL
 *   (other tenants' scripts; SCRIPT LOAD/EXISTS, EVAL, EVALSHA and FCALL stay).
 * - When the admin URL selects database N ≠ 0, `+select|N` so clients can select it.
 *
 * The password is given as `#<sha256>` so the plaintext is never sent to the server.
 */
export function tenantAclRules(keyPrefix: string, passwordSha256: string, db = 0): string[] {
  return [
    "reset",
    "on",
    `#${passwordSha256}`,
    `~${keyPrefix}*`,
    "resetchannels",
    `&${keyPrefix}*`,
    "+@all",
    "-@admin",
    "-@dangerous",
    "+info",
    "-scan",
    "-randomkey",
    "-dbsize",
    "-client|tracking",
    "-pubsub",
    "-select",
    "-move",
    "-copy",
    "-function",
    "-script|flush",
    "-script|kill",
    ...(db !== 0 ? [`+select|${db}`] : []),
  ];
}

type KeyValueDriver = ResourceDriver<"keyvalue"> & { close(): Promise<void> };
type KeyValueResource = RecordedResource<"keyvalue">;

/** Creates the `keyvalue` driver in the mode the options allow (see {@link KeyValueDriverOptions}). */
export function createKeyValueDriver(options: KeyValueDriverOptions): KeyValueDriver {
  if (options.redisUrl) return createSharedDriver(options.redisUrl);
  const serverPath = options.redisServerPath ?? findOnPath("redis-server");
  if (serverPath)
    return createPrivateDriver(serverPath, path.resolve(options.dataDir), options.logger, options.users);
  return createUnconfiguredDriver();
}

// ---------------------------------------------------------------------------------------
// Shared helpers

function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}

function connectionString(
  endpoint: { host: string; port: number; tls: boolean; db: number },
  user: string,
  password: string,
): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  const db = endpoint.db !== 0 ? `/${endpoint.db}` : "";
  return `${endpoint.tls ? "rediss" : "redis"}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${endpoint.port}${db}`;
}

/** Reply error codes a retry cannot fix, with what to do about them. */
const PERMANENT_REPLIES: Record<string, string> = {
  NOAUTH: "the Redis server requires a password: put the user and password in TENANTRY_LOCAL_REDIS_URL",
  WRONGPASS: "check the user and password in TENANTRY_LOCAL_REDIS_URL",
  NOPERM: `the user of TENANTRY_LOCAL_REDIS_URL may not run this: ${ADMIN_NEEDS}`,
  READONLY: "TENANTRY_LOCAL_REDIS_URL points at a read-only replica: point it at the primary",
  WRONGTYPE: "a key under the tenant's prefix has an unexpected type",
};

/** Wraps a failure as a {@link ProviderError}; the message never holds a password (see `secrets`). */
function toProviderError(err: unknown, action: string, secrets: readonly string[] = []): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = redact(err instanceof Error ? err.message : String(err), secrets);
  const code = replyCode(err);
  if (code !== undefined) {
    const permanent = PERMANENT_REPLIES[code];
    if (permanent) {
      return new ProviderError(`keyvalue driver: could not ${action}: ${message} (${permanent})`, {
        retryable: false,
      });
    }
    if (/unknown command|unknown subcommand|Error in ACL SETUSER modifier/i.test(message)) {
      return new ProviderError(
        `keyvalue driver: could not ${action}: ${message} (the Redis at TENANTRY_LOCAL_REDIS_URL must be version 7 or later)`,
        { retryable: false },
      );
    }
  }
  // Connection failures (refused, reset, timeouts), LOADING, BUSY, TRYAGAIN and anything unknown.
  return new ProviderError(`keyvalue driver: could not ${action}: ${message}`, { retryable: true });
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Neither a shared Redis nor redis-server

function createUnconfiguredDriver(): KeyValueDriver {
  const refuse = (): never => {
    throw new ProviderError(`keyvalue driver: no Redis for the local target: ${KEYVALUE_SETUP_HINT}`, {
      retryable: false,
      code: "KEYVALUE_NOT_CONFIGURED",
    });
  };
  return {
    observe: async () => refuse(),
    apply: async () => refuse(),
    delete: async () => refuse(),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------
// Shared Redis: one ACL user per tenant resource

/** The parts of `ACL GETUSER` the driver checks. */
interface AclUser {
  flags: string[];
  /** Key patterns as one string, e.g. `~t_acme_cache_1a2b3c4d:*`. */
  keys: string;
  /** Channel patterns as one string; undefined when the server does not say. */
  channels: string | undefined;
}

/** Whose an ACL user under the tenant's name is; `none`: no user and no marker. */
type Owner = { state: "ours"; marked: boolean } | { state: "foreign"; why: string } | { state: "none" };

function parseAclUser(reply: unknown): AclUser {
  const fields: unknown[] = Array.isArray(reply) ? reply : [];
  const field = (name: string): unknown => {
    const i = fields.indexOf(name);
    return i >= 0 ? fields[i + 1] : undefined;
  };
  const text = (v: unknown): string | undefined =>
    typeof v === "string"
      ? v
      : Array.isArray(v)
        ? v.filter((x) => typeof x === "string").join(" ")
        : undefined;
  const flags = field("flags");
  return {
    flags: Array.isArray(flags) ? flags.filter((f): f is string => typeof f === "string") : [],
    keys: text(field("keys")) ?? "",
    channels: text(field("channels")),
  };
}

function createSharedDriver(redisUrl: string): KeyValueDriver {
  let endpoint: RedisEndpoint;
  try {
    endpoint = parseRedisUrl(redisUrl);
  } catch (err) {
    throw new ProviderError(
      `keyvalue driver: TENANTRY_LOCAL_REDIS_URL is not a valid Redis URL: ${(err as Error).message}`,
      { retryable: false },
    );
  }
  const where = `${endpoint.host}:${endpoint.port}`;
  /** The admin connection: opened on first use, and again after it was lost (it never reconnects itself). */
  let admin: { client: Redis; opened: Promise<Redis> } | undefined;
  let versionChecked = false;

  function adminClient(): Promise<Redis> {
    if (admin && !["close", "end", "reconnecting"].includes(admin.client.status)) return admin.opened;
    if (admin) closeRedis(admin.client);
    const client = createRedis(endpoint, { connectTimeoutMs: 5_000, commandTimeoutMs: 15_000 });
    const opened = openRedis(client, endpoint).then(() => client);
    const current = { client, opened };
    admin = current;
    // A failed connect is not kept: the next command opens another.
    opened.catch(() => {
      closeRedis(client);
      if (admin === current) admin = undefined;
    });
    return opened;
  }

  async function cmd(ctx: ProviderContext, action: string, ...args: string[]): Promise<unknown> {
    ctx.throwIfAborted();
    const send = async () => {
      const [command, ...rest] = args as [string, ...string[]];
      return (await adminClient()).call(command, ...rest);
    };
    try {
      // Commands are pipelined in order: one given up on is answered later and dropped.
      return await bounded(ctx, `keyvalue driver: ${action}`, send());
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      const secrets = args.filter((a) => a.startsWith("#") || a.startsWith(">"));
      throw toProviderError(err, `${action} (Redis at ${where})`, secrets);
    }
  }

  async function checkVersion(ctx: ProviderContext): Promise<void> {
    if (versionChecked) return;
    const hello = await cmd(ctx, "read the server version", "HELLO", "2");
    const fields = Array.isArray(hello) ? hello : [];
    const version = String(fields[fields.indexOf("version") + 1] ?? "");
    const major = Number(version.split(".")[0]);
    if (!(major >= 7)) {
      throw new ProviderError(
        `keyvalue driver: the Redis at TENANTRY_LOCAL_REDIS_URL (${where}) is version ${version || "unknown"}; per-tenant ACL users need Redis 7 or later: ${KEYVALUE_SETUP_HINT}`,
        { retryable: false },
      );
    }
    versionChecked = true;
  }

  function namesFor(ctx: ProviderContext, resource: KeyValueResource): KeyValueNames {
    return localKeyValueNames(resource, ctx.tenant);
  }

  function logFor(ctx: ProviderContext, names: KeyValueNames): Logger {
    return ctx.logger.child({ driver: "local-keyvalue", mode: "shared", user: names.user });
  }

  function publicOutputs(names: KeyValueNames): Record<string, unknown> {
    return { host: endpoint.host, port: endpoint.port, user: names.user, keyPrefix: names.keyPrefix };
  }

  /** The ACL user under the tenant's name (null: none) and whose it is (see {@link OWNER_MARKERS_KEY}). */
  async function inspect(
    ctx: ProviderContext,
    names: KeyValueNames,
    resource: KeyValueResource,
  ): Promise<{ user: AclUser | null; owner: Owner }> {
    const reply = await cmd(ctx, `look up ACL user ${names.user}`, "ACL", "GETUSER", names.user);
    const user = reply === null ? null : parseAclUser(reply);
    const marker = await cmd(
      ctx,
      `look up the owner of ACL user ${names.user}`,
      "HGET",
      OWNER_MARKERS_KEY,
      names.user,
    );
    const recorded = resource.providerId === names.user;
    let owner: Owner;
    if (typeof marker === "string") {
      owner = isOwnerMarkerText(marker, ownerMarker(ctx))
        ? { state: "ours", marked: true }
        : {
            state: "foreign",
            why: `${OWNER_MARKERS_KEY} records it as another Tenantry tenant's or installation's`,
          };
    } else if (recorded) {
      // Made before markers, by the record's word.
      owner = { state: "ours", marked: false };
    } else if (user) {
      owner = {
        state: "foreign",
        why: `${OWNER_MARKERS_KEY} has no marker for it and no record ties it to this tenant`,
      };
    } else {
      owner = { state: "none" };
    }
    return { user, owner };
  }

  function assertNotForeign(names: KeyValueNames, owner: Owner): void {
    if (owner.state === "foreign") throw nameTaken("Redis ACL user", names.user, undefined, owner.why);
  }

  /** Records the tenant's marker for the user (before creating it: never an unmarked user of ours). */
  async function mark(ctx: ProviderContext, names: KeyValueNames, owner: Owner): Promise<void> {
    if (owner.state === "ours" && owner.marked) return;
    await cmd(
      ctx,
      `record the owner of ACL user ${names.user}`,
      "HSET",
      OWNER_MARKERS_KEY,
      names.user,
      ownerMarkerText(ownerMarker(ctx)),
    );
  }

  /** What differs from the rules the driver sets, or undefined when nothing does. */
  function aclProblem(names: KeyValueNames, user: AclUser): string | undefined {
    if (!user.flags.includes("on")) return `ACL user ${names.user} is off`;
    if (user.keys !== `~${names.keyPrefix}*`) {
      return `ACL user ${names.user} may use keys ${user.keys || "(none)"}, not only ~${names.keyPrefix}*`;
    }
    if (user.channels !== undefined && user.channels !== `&${names.keyPrefix}*`) {
      return `ACL user ${names.user} may use channels ${user.channels || "(none)"}, not only &${names.keyPrefix}*`;
    }
    return undefined;
  }

  /** Best effort: persists ACL changes when the server uses an ACL file (otherwise a no-op error). */
  async function saveAcl(ctx: ProviderContext, log: Logger): Promise<void> {
    try {
      await cmd(ctx, "save the ACL file", "ACL", "SAVE");
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      log.debug({ err: (err as Error).message }, "local keyvalue: ACL SAVE skipped");
    }
  }

  async function setUser(ctx: ProviderContext, names: KeyValueNames, password: string): Promise<void> {
    const hash = createHash("sha256").update(password).digest("hex");
    await cmd(
      ctx,
      `set up ACL user ${names.user}`,
      "ACL",
      "SETUSER",
      names.user,
      ...tenantAclRules(names.keyPrefix, hash, endpoint.db),
    );
  }

  /** Makes the user exist with the rules and a fresh password: create, and adopt or complete what was found. */
  async function converge(ctx: ProviderContext, resource: KeyValueResource): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const log = logFor(ctx, names);
    await checkVersion(ctx);
    const { owner } = await inspect(ctx, names, resource);
    assertNotForeign(names, owner);
    await mark(ctx, names, owner);
    const password = newPassword();
    await setUser(ctx, names, password);
    await saveAcl(ctx, log);
    log.info({ keyPrefix: names.keyPrefix }, "local keyvalue: ACL user ready");
    return {
      state: "done",
      providerId: names.user,
      outputs: publicOutputs(names),
      secretOutputs: { password, connectionString: connectionString(endpoint, names.user, password) },
    };
  }

  /** Visits every key under the prefix (SCAN MATCH; the prefix has no glob characters). */
  async function scanPrefix(
    ctx: ProviderContext,
    names: KeyValueNames,
    visit: (keys: string[]) => Promise<void>,
  ): Promise<void> {
    let cursor = "0";
    do {
      const reply = await cmd(
        ctx,
        `scan the keys of ${names.user}`,
        "SCAN",
        cursor,
        "MATCH",
        `${names.keyPrefix}*`,
        "COUNT",
        "1000",
      );
      if (!Array.isArray(reply) || typeof reply[0] !== "string" || !Array.isArray(reply[1])) {
        throw new ProviderError("keyvalue driver: unexpected SCAN reply", { retryable: true });
      }
      cursor = reply[0];
      const keys = reply[1].filter((k): k is string => typeof k === "string");
      if (keys.length > 0) await visit(keys);
    } while (cursor !== "0");
  }

  /** Re-asserts the recorded user's rules, keeping its password (recreates it when missing). */
  async function update(ctx: ProviderContext, resource: KeyValueResource): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const password = resource.secretOutputs["password"];
    const { user, owner } = await inspect(ctx, names, resource);
    assertNotForeign(names, owner);
    if (!password || !user) {
      // Missing user (or no recorded password): recreate it with a new password.
      logFor(ctx, names).warn(
        { recordedPassword: !!password },
        "local keyvalue: ACL user missing or password unknown on update; recreating",
      );
      return converge(ctx, resource);
    }
    // Re-assert the rules, keeping the recorded password.
    await checkVersion(ctx);
    await mark(ctx, names, owner);
    await setUser(ctx, names, password);
    return {
      state: "done",
      providerId: names.user,
      outputs: publicOutputs(names),
      secretOutputs: resource.secretOutputs,
    };
  }

  return {
    async observe(ctx, resource): Promise<Observation> {
      const names = namesFor(ctx, resource);
      const { user, owner } = await inspect(ctx, names, resource);
      assertNotForeign(names, owner);
      if (!user) return ABSENT;
      const base = { providerId: names.user, outputs: publicOutputs(names) };
      const problem = aclProblem(names, user);
      // Nothing finishes a changed user by itself: apply sets its rules again.
      if (problem) return { ...base, state: "diverged", detail: problem };
      return { ...base, state: "ready" };
    },

    // Create and adopt are one (a found user gets the rules and a new password: the old one
    // cannot be read back); an update of the recorded user keeps its password.
    apply: (ctx, resource, observed?: Observed) =>
      observed || resource.providerId === null ? converge(ctx, resource) : update(ctx, resource),

    async delete(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const log = logFor(ctx, names);
      const { owner } = await inspect(ctx, names, resource);
      if (owner.state === "foreign") {
        // Not the tenant's: its user, its keys and its marker stay.
        log.warn(
          { why: owner.why },
          "local keyvalue: left an ACL user under the tenant's name that is not its own",
        );
        return {
          state: "done",
          providerId: names.user,
          detail: `left in place, not this tenant's: ACL user ${names.user} (${owner.why})`,
        };
      }
      if (owner.state === "none") return { state: "done", providerId: names.user };
      // The user first: DELUSER disconnects its clients, so no key appears behind the scan.
      await cmd(ctx, `delete ACL user ${names.user}`, "ACL", "DELUSER", names.user);
      let removed = 0;
      await scanPrefix(ctx, names, async (keys) => {
        const n = await cmd(ctx, `delete the keys of ${names.user}`, "UNLINK", ...keys);
        removed += typeof n === "number" ? n : 0;
      });
      await saveAcl(ctx, log);

      // Verify.
      if ((await cmd(ctx, `look up ACL user ${names.user}`, "ACL", "GETUSER", names.user)) !== null) {
        throw new ProviderError(`keyvalue driver: ACL user ${names.user} still exists after ACL DELUSER`, {
          retryable: true,
        });
      }
      let left = 0;
      await scanPrefix(ctx, names, async (keys) => {
        left += keys.length;
      });
      if (left > 0) {
        throw new ProviderError(
          `keyvalue driver: ${left} key(s) under ${names.keyPrefix} still exist after deleting them`,
          { retryable: true },
        );
      }
      // Last: while the marker stays, a retry of this delete still knows the user was the tenant's.
      await cmd(ctx, `forget the owner of ACL user ${names.user}`, "HDEL", OWNER_MARKERS_KEY, names.user);
      log.info({ removedKeys: removed }, "local keyvalue: ACL user and keys deleted");
      return { state: "done", providerId: names.user };
    },

    async close(): Promise<void> {
      // At once, also while it is still connecting.
      if (admin) closeRedis(admin.client);
      admin = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Private redis-server per tenant resource

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 10_000;
const STOP_WAIT_MS = 5_000;
/** Redis' own default, restored when the blueprint drops `maxmemoryPolicy`. */
const DEFAULT_POLICY = "noeviction";

interface ServerState {
  pid?: number;
  port?: number;
  password?: string;
}

interface ServerPaths {
  dir: string;
  conf: string;
  pidFile: string;
  logFile: string;
}

/** `spec.maxmemoryPolicy` (render.yaml), checked; undefined: Redis' default. */
function maxmemoryPolicy(resource: KeyValueResource): string | undefined {
  const value = resource.spec.maxmemoryPolicy;
  if (!value) return undefined;
  if (!(MAXMEMORY_POLICIES as readonly string[]).includes(value)) {
    throw new ProviderError(
      `keyvalue resource ${resource.key}: maxmemoryPolicy must be one of ${MAXMEMORY_POLICIES.join(", ")}`,
      { retryable: false },
    );
  }
  return value;
}

function createPrivateDriver(
  serverPath: string,
  dataDir: string,
  baseLogger: Logger | undefined,
  users: TenantUsers | undefined,
): KeyValueDriver {
  function pathsFor(names: KeyValueNames): ServerPaths {
    const dir = path.join(dataDir, names.dir);
    return {
      dir,
      conf: path.join(dir, "redis.conf"),
      pidFile: path.join(dir, "redis.pid"),
      logFile: path.join(dir, "redis.log"),
    };
  }

  function logFor(ctx: ProviderContext, names: KeyValueNames): Logger {
    return ctx.logger.child({ driver: "local-keyvalue", mode: "private", dir: names.dir });
  }

  function outputs(port: number): Record<string, unknown> {
    return { host: HOST, port, user: "default", keyPrefix: "" };
  }

  function secrets(port: number, password: string): Record<string, string> {
    return {
      password,
      connectionString: connectionString({ host: HOST, port, tls: false, db: 0 }, "default", password),
    };
  }

  async function checkBinary(): Promise<void> {
    try {
      await fs.access(serverPath, fsConstants.X_OK);
    } catch {
      throw new ProviderError(
        `keyvalue driver: redis-server at ${serverPath} cannot be run: ${KEYVALUE_SETUP_HINT}`,
        { retryable: false },
      );
    }
  }

  async function readState(paths: ServerPaths): Promise<ServerState> {
    const state: ServerState = {};
    const pidText = await fs.readFile(paths.pidFile, "utf8").catch(() => "");
    const pid = Number(pidText.trim());
    if (Number.isInteger(pid) && pid > 0) state.pid = pid;
    const conf = await fs.readFile(paths.conf, "utf8").catch(() => "");
    for (const line of conf.split("\n")) {
      const [key, value] = line.trim().split(/\s+/, 2);
      if (key === "port" && value) state.port = Number(value);
      if (key === "requirepass" && value) state.password = value;
    }
    return state;
  }

  /**
   * The settings live in a 0600 file rather than on the command line: `/proc/<pid>/cmdline`
   * is readable by every local user, and the password must not be.
   */
  async function writeConf(
    ctx: ProviderContext,
    paths: ServerPaths,
    port: number,
    password: string,
    policy: string | undefined,
  ): Promise<void> {
    const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const text = [
      "# Written by Tenantry (local keyvalue driver). Holds the password: keep it private.",
      `port ${port}`,
      `bind ${HOST}`,
      "protected-mode yes",
      `dir ${quote(paths.dir)}`,
      `requirepass ${password}`,
      "daemonize no",
      'save ""',
      "appendonly no",
      `logfile ${quote(paths.logFile)}`,
      ...(policy ? [`maxmemory-policy ${policy}`] : []),
      "",
    ].join("\n");
    const tmp = `${paths.conf}.${randomBytes(4).toString("hex")}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    // A server running as the tenant's user reads it through its group; nobody else can.
    const who = (await users?.ensure(ctx)) ?? null;
    if (who) {
      await fs.chown(tmp, 0, who.gid);
      await fs.chmod(tmp, 0o640);
    }
    await fs.rename(tmp, paths.conf);
  }

  /** A connection to the private server on `port`, for one call (see {@link withRedis}). */
  function session<T>(
    ctx: ProviderContext,
    what: string,
    port: number,
    password: string,
    commandTimeoutMs: number,
    use: (client: Redis) => Promise<T>,
  ): Promise<T> {
    return withRedis(
      ctx,
      `keyvalue driver: ${what}`,
      { host: HOST, port, tls: false, db: 0, password },
      { connectTimeoutMs: within(ctx, 2_000), commandTimeoutMs: within(ctx, commandTimeoutMs) },
      use,
    );
  }

  async function ping(
    ctx: ProviderContext,
    port: number,
    password: string,
  ): Promise<"ok" | "wrong-password" | "down"> {
    try {
      const reply = await session(ctx, `ping redis-server on port ${port}`, port, password, 3_000, (c) =>
        c.call("PING"),
      );
      return reply === "PONG" ? "ok" : "down";
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      const code = replyCode(err);
      if (code === "WRONGPASS" || code === "NOAUTH") return "wrong-password";
      return "down";
    }
  }

  /** Stops the server the pid file names (only a live redis-server: a reused pid is left alone). */
  async function stop(ctx: ProviderContext, state: ServerState, log: Logger): Promise<void> {
    const pid = state.pid;
    if (pid === undefined || !(await isRedisProcess(pid))) return;
    if (state.port !== undefined && state.password !== undefined) {
      let asked = false;
      try {
        await session(ctx, "stop redis-server", state.port, state.password, 3_000, async (c) => {
          asked = true;
          // The server closes the connection instead of answering.
          await c.call("SHUTDOWN", "NOSAVE").catch(() => {});
        });
      } catch (err) {
        if (err instanceof AbortedError) throw err;
        // Not answering, or not accepting the password in its config: signals below.
      }
      if (asked && (await waitGone(ctx, pid, STOP_WAIT_MS))) return;
    }
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      log.warn({ pid, signal }, "local keyvalue: stopping redis-server with a signal");
      signalGroup(pid, signal);
      if (await waitGone(ctx, pid, STOP_WAIT_MS)) return;
    }
    throw new ProviderError(`keyvalue driver: redis-server (pid ${pid}) did not stop after SIGKILL`, {
      retryable: true,
    });
  }

  /** CONFIG SET on a running server (Redis 7 takes several parameters at once). */
  async function configSet(
    ctx: ProviderContext,
    port: number,
    password: string,
    settings: Record<string, string>,
    secretValues: string[],
  ): Promise<void> {
    ctx.throwIfAborted();
    try {
      await session(ctx, `configure redis-server on port ${port}`, port, password, 5_000, (c) =>
        c.call("CONFIG", "SET", ...Object.entries(settings).flat()),
      );
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      ctx.throwIfAborted();
      throw toProviderError(err, `configure redis-server on port ${port}`, [password, ...secretValues]);
    }
  }

  async function start(
    ctx: ProviderContext,
    paths: ServerPaths,
    policy: string | undefined,
    log: Logger,
  ): Promise<{ port: number; password: string }> {
    await checkBinary();
    // A clean directory: a stale pid file or config must never point at a new server. The
    // directory was checked to be the tenant's; the marker goes in first.
    ctx.throwIfAborted();
    await fs.rm(paths.dir, { recursive: true, force: true });
    await claimDir(ctx, "private redis-server directory", paths.dir, true, 0o700);
    const who = (await users?.ensure(ctx)) ?? null;
    await users?.share(paths.dir, who);
    const password = newPassword();
    for (let attempt = 1; ; attempt++) {
      ctx.throwIfAborted();
      const port = await findFreePort(HOST);
      await writeConf(ctx, paths, port, password, policy);
      await fs.rm(paths.logFile, { force: true });
      // Redis writes its log itself: the file is the tenant's, the directory Tenantry's.
      if (who) {
        await fs.writeFile(paths.logFile, "", { mode: 0o600 });
        await fs.chown(paths.logFile, who.uid, who.gid);
      }
      const child = spawn(serverPath, [paths.conf], {
        cwd: paths.dir,
        detached: true,
        stdio: "ignore",
        ...runAsSpawn(who),
      });
      let exited = false;
      child.once("exit", () => {
        exited = true;
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once("spawn", () => resolve(child.pid!));
        child.once("error", reject);
      }).catch((err: unknown) => {
        throw new ProviderError(
          `keyvalue driver: could not start redis-server at ${serverPath}: ${(err as Error).message}`,
          { retryable: false },
        );
      });
      child.unref();
      await fs.writeFile(paths.pidFile, `${pid}\n`);
      log.info({ pid, port }, "local keyvalue: started redis-server");

      const deadline = Date.now() + START_TIMEOUT_MS;
      // Aborted or out of time while it starts: the next attempt finds it by its pid file.
      while (!exited && Date.now() < deadline) {
        if ((await ping(ctx, port, password)) === "ok") return { port, password };
        await sleep(ctx, 100, "keyvalue driver: wait for redis-server to start");
      }
      const tail = await logTail(paths.logFile);
      if (!exited) await stop(ctx, { pid, port, password }, log).catch(() => {});
      // Someone took the port between our check and the server's bind: pick another once.
      if (attempt === 1 && /address already in use/i.test(tail)) {
        log.warn({ port }, "local keyvalue: port taken while starting; retrying on a new port");
        continue;
      }
      throw new ProviderError(
        `keyvalue driver: redis-server ${exited ? "exited while starting" : `did not answer within ${START_TIMEOUT_MS} ms`}${tail ? `; its log ends with: ${redact(tail, [password])}` : ""}`,
        { retryable: true },
      );
    }
  }

  /** Throws `NAME_TAKEN` when the server's directory exists and is not the tenant's. */
  function assertOurs(
    ctx: ProviderContext,
    paths: ServerPaths,
    names: KeyValueNames,
    resource: KeyValueResource,
  ) {
    return assertDirNotForeign(
      ctx,
      "private redis-server directory",
      paths.dir,
      resource.providerId === names.dir,
    );
  }

  /** Makes the server run with a fresh password: create, and adopt or restart what was found. */
  async function converge(ctx: ProviderContext, resource: KeyValueResource): Promise<ActionResult> {
    const names = localKeyValueNames(resource, ctx.tenant);
    const log = logFor(ctx, names);
    const paths = pathsFor(names);
    const policy = maxmemoryPolicy(resource);
    ctx.throwIfAborted();
    const owner = await assertOurs(ctx, paths, names, resource);
    const state = await readState(paths);
    if (
      state.pid !== undefined &&
      state.port !== undefined &&
      state.password !== undefined &&
      (await isRedisProcess(state.pid)) &&
      (await ping(ctx, state.port, state.password)) === "ok"
    ) {
      // Running: keep its data, change the password (the config file first, so a crash in
      // between leaves a server that the next attempt restarts rather than one it cannot reach).
      ctx.throwIfAborted();
      if (owner.state === "ours" && !owner.marked)
        await claimDir(ctx, "private redis-server directory", paths.dir, true);
      const password = newPassword();
      await writeConf(ctx, paths, state.port, password, policy);
      await configSet(
        ctx,
        state.port,
        state.password,
        { requirepass: password, "maxmemory-policy": policy ?? DEFAULT_POLICY },
        [password],
      );
      log.info({ pid: state.pid, port: state.port }, "local keyvalue: redis-server adopted, password reset");
      return {
        state: "done",
        providerId: names.dir,
        outputs: outputs(state.port),
        secretOutputs: secrets(state.port, password),
      };
    }
    // Not running, or not reachable with its recorded password: start afresh.
    await stop(ctx, state, log);
    const started = await start(ctx, paths, policy, log);
    return {
      state: "done",
      providerId: names.dir,
      outputs: outputs(started.port),
      secretOutputs: secrets(started.port, started.password),
    };
  }

  /** Applies the spec to the recorded server, keeping its password (converges one not running as recorded). */
  async function update(ctx: ProviderContext, resource: KeyValueResource): Promise<ActionResult> {
    const names = localKeyValueNames(resource, ctx.tenant);
    const paths = pathsFor(names);
    const policy = maxmemoryPolicy(resource);
    ctx.throwIfAborted();
    const owner = await assertOurs(ctx, paths, names, resource);
    const state = await readState(paths);
    const recorded = resource.secretOutputs["password"];
    if (
      recorded !== undefined &&
      state.password === recorded &&
      state.port !== undefined &&
      state.pid !== undefined &&
      (await isRedisProcess(state.pid)) &&
      (await ping(ctx, state.port, recorded)) === "ok"
    ) {
      // Running as recorded: apply the spec, keep the password.
      if (owner.state === "ours" && !owner.marked)
        await claimDir(ctx, "private redis-server directory", paths.dir, true);
      await writeConf(ctx, paths, state.port, recorded, policy);
      await configSet(ctx, state.port, recorded, { "maxmemory-policy": policy ?? DEFAULT_POLICY }, []);
      return {
        state: "done",
        providerId: names.dir,
        outputs: outputs(state.port),
        secretOutputs: resource.secretOutputs,
      };
    }
    logFor(ctx, names).warn("local keyvalue: redis-server not running as recorded on update; converging");
    return converge(ctx, resource);
  }

  return {
    async observe(ctx, resource): Promise<Observation> {
      const names = localKeyValueNames(resource, ctx.tenant);
      const paths = pathsFor(names);
      ctx.throwIfAborted();
      if ((await assertOurs(ctx, paths, names, resource)).state === "absent") return ABSENT;
      const state = await readState(paths);
      if (state.pid === undefined || state.port === undefined || !(await isRedisProcess(state.pid))) {
        // Never started, or gone (a reboot): nothing to adopt; create starts it again.
        return ABSENT;
      }
      const health =
        state.password === undefined ? "wrong-password" : await ping(ctx, state.port, state.password);
      const base = { providerId: names.dir, outputs: outputs(state.port) };
      if (health === "ok") return { ...base, state: "ready" };
      if (health === "down" && (await startedWithin(paths, START_TIMEOUT_MS))) {
        // Just started (a create cut off while it loads): it answers soon.
        return {
          ...base,
          state: "converging",
          retryAfterMs: 500,
          detail: `redis-server (pid ${state.pid}) is starting on port ${state.port}`,
        };
      }
      // Nothing will fix it by itself: apply restarts it.
      return {
        ...base,
        state: "diverged",
        detail:
          health === "down"
            ? `redis-server (pid ${state.pid}) is not answering on port ${state.port}`
            : `redis-server (pid ${state.pid}) does not accept the password in its config file`,
      };
    },

    // Create and adopt are one (a found server gets a new password: its config file may not
    // be what the record holds); an update of the recorded server keeps its password.
    apply: (ctx, resource, observed?: Observed) =>
      observed || resource.providerId === null ? converge(ctx, resource) : update(ctx, resource),

    async delete(ctx, resource): Promise<ActionResult> {
      const names = localKeyValueNames(resource, ctx.tenant);
      const log = logFor(ctx, names);
      const paths = pathsFor(names);
      ctx.throwIfAborted();
      const owner = await dirOwnership(ctx, paths.dir, resource.providerId === names.dir);
      if (owner.state === "foreign") {
        // Not the tenant's: its server is not signalled, nothing in it is removed.
        log.warn(
          { dir: paths.dir, why: owner.why },
          "local keyvalue: left a directory that is not the tenant's",
        );
        return {
          state: "done",
          providerId: names.dir,
          detail: `left in place, not this tenant's: ${paths.dir} (${owner.why})`,
        };
      }
      const state = await readState(paths);
      await stop(ctx, state, log);
      ctx.throwIfAborted();
      await fs.rm(paths.dir, { recursive: true, force: true });
      // The tenant's directory, when this was its last resource there.
      await fs.rmdir(path.dirname(paths.dir)).catch(() => {});

      if (state.pid !== undefined && (await isRedisProcess(state.pid))) {
        throw new ProviderError(`keyvalue driver: redis-server (pid ${state.pid}) is still running`, {
          retryable: true,
        });
      }
      if (await exists(paths.dir)) {
        throw new ProviderError(`keyvalue driver: ${paths.dir} still exists after removing it`, {
          retryable: true,
        });
      }
      log.info({ pid: state.pid }, "local keyvalue: redis-server stopped and removed");
      return { state: "done", providerId: names.dir };
    },

    async close(): Promise<void> {
      // Private servers are tenant resources: they keep running without Tenantry.
      baseLogger?.debug("local keyvalue: driver closed (private servers keep running)");
    },
  };
}

/** Whether the pid file was written less than `ms` ago (the server may still be loading). */
async function startedWithin(paths: ServerPaths, ms: number): Promise<boolean> {
  const stat = await fs.stat(paths.pidFile).catch(() => undefined);
  return stat !== undefined && Date.now() - stat.mtimeMs < ms;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * True when `pid` is alive and (where /proc exists) is a redis-server, so a pid reused by
 * another program after a reboot is never signalled. A zombie has an empty cmdline: gone.
 */
async function isRedisProcess(pid: number, binary = "redis-server"): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("redis") || cmdline.includes("valkey") || cmdline.includes(binary);
  } catch (err) {
    // No /proc (macOS): trust the pid file.
    return (err as NodeJS.ErrnoException).code !== "ENOENT" || !(await exists("/proc/self"));
  }
}

/** Polls until `pid` is gone (true) or `ms` passed (false); bounded by the context too. */
async function waitGone(ctx: ProviderContext, pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isRedisProcess(pid))) return true;
    await sleep(ctx, 50, "keyvalue driver: wait for redis-server to stop");
  }
  return !(await isRedisProcess(pid));
}

/** Signals the server's process group (it leads one: spawned detached), else the process. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function logTail(file: string): Promise<string> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text.trim().split("\n").slice(-5).join(" | ");
}
