import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import { MAXMEMORY_POLICIES } from "../../blueprints/rules/render-shapes.js";
import { findFreePort } from "../../store/free-port.js";
import {
  type ActionResult,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { type KeyValueNames, localKeyValueNames } from "./redis-names.js";
import {
  connectResp,
  parseRedisUrl,
  type RedisEndpoint,
  RedisReplyError,
  type RespClient,
  type RespValue,
} from "./resp-client.js";

/**
 * The local target's driver for kind `keyvalue` (Render's Key Value / `redis` services).
 * Three modes, chosen when the driver is created:
 *
 * - **Shared Redis** (`redisUrl`, from TENANTRY_LOCAL_REDIS_URL): one ACL user per tenant
 *   resource with a generated password, confined to its own key prefix (see
 *   {@link tenantAclRules}). Needs Redis 7+ (subcommand rules, `&` channel patterns, and SORT
 *   refusing BY/GET patterns without full key access) and an admin user that may run
 *   ACL SETUSER/GETUSER/DELUSER, SCAN and UNLINK.
 * - **Private redis-server** (no URL, `redis-server` on the PATH or at `redisServerPath`):
 *   one server per tenant resource on its own free 127.0.0.1 port, in
 *   `<dataDir>/tenants/<slug>/redis-<name>-<hash>/`, run as a detached child in its own
 *   process group (it outlives Tenantry; the pid file finds it again after a restart).
 * - **Neither**: every verb fails with a non-retryable error saying what to configure.
 *
 * Spec fields: `maxmemoryPolicy` is applied to a private server (config file and CONFIG SET
 * on adopt/update); on a shared Redis it is a server-wide setting and is left alone. `plan`
 * sets no memory limit locally, and `ipAllowList` does not apply: private servers listen on
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
}

export const KEYVALUE_SETUP_HINT =
  "set TENANTRY_LOCAL_REDIS_URL to a Redis 7+ URL whose user may run ACL commands, or install redis-server";

/** What the admin user of the shared Redis must be allowed to run. */
const ADMIN_NEEDS =
  "its user must be allowed ACL SETUSER/GETUSER/DELUSER, SCAN, UNLINK and HELLO on all keys (e.g. the `default` user, or `+@all ~* &*`)";

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

type KeyValueDriver = ResourceDriver & { close(): Promise<void> };

/** Creates the `keyvalue` driver in the mode the options allow (see {@link KeyValueDriverOptions}). */
export function createKeyValueDriver(options: KeyValueDriverOptions): KeyValueDriver {
  if (options.redisUrl) return createSharedDriver(options.redisUrl);
  const serverPath = options.redisServerPath ?? findOnPath("redis-server");
  if (serverPath) return createPrivateDriver(serverPath, path.resolve(options.dataDir), options.logger);
  return createUnconfiguredDriver();
}

// ---------------------------------------------------------------------------------------
// Shared helpers

function checkAborted(ctx: ProviderContext): void {
  if (ctx.signal.aborted) {
    throw new ProviderError("keyvalue driver: aborted (lease lost or shutting down)", { retryable: true });
  }
}

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
  if (err instanceof RedisReplyError) {
    const permanent = PERMANENT_REPLIES[err.code];
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
    create: async () => refuse(),
    adopt: async () => refuse(),
    update: async () => refuse(),
    delete: async () => refuse(),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------
// Shared Redis: one ACL user per tenant resource

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
  let admin: Promise<RespClient> | undefined;
  let versionChecked = false;

  function adminClient(): Promise<RespClient> {
    if (!admin) {
      const opening = connectResp(endpoint, { connectTimeoutMs: 5_000, commandTimeoutMs: 15_000 });
      admin = opening;
      // A failed connect is not cached: the next command tries again.
      opening.catch(() => {
        if (admin === opening) admin = undefined;
      });
    }
    return admin;
  }

  async function cmd(ctx: ProviderContext, action: string, ...args: string[]): Promise<RespValue> {
    checkAborted(ctx);
    try {
      const client = await adminClient();
      if (client.closed) {
        admin = undefined;
        return await (await adminClient()).command(...args);
      }
      return await client.command(...args);
    } catch (err) {
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

  function namesFor(ctx: ProviderContext, resource: RecordedResource): KeyValueNames {
    return localKeyValueNames(resource, ctx.tenant);
  }

  function logFor(ctx: ProviderContext, names: KeyValueNames): Logger {
    return ctx.logger.child({ driver: "local-keyvalue", mode: "shared", user: names.user });
  }

  function publicOutputs(names: KeyValueNames): Record<string, unknown> {
    return { host: endpoint.host, port: endpoint.port, user: names.user, keyPrefix: names.keyPrefix };
  }

  async function userExists(ctx: ProviderContext, names: KeyValueNames): Promise<boolean> {
    const reply = await cmd(ctx, `look up ACL user ${names.user}`, "ACL", "GETUSER", names.user);
    return reply !== null;
  }

  /** Best effort: persists ACL changes when the server uses an ACL file (otherwise a no-op error). */
  async function saveAcl(ctx: ProviderContext, log: Logger): Promise<void> {
    try {
      await cmd(ctx, "save the ACL file", "ACL", "SAVE");
    } catch (err) {
      if (ctx.signal.aborted) throw err;
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

  /** Makes the user exist with the rules and a fresh password; the core of create and adopt. */
  async function converge(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult> {
    const names = namesFor(ctx, resource);
    const log = logFor(ctx, names);
    await checkVersion(ctx);
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

  return {
    async observe(ctx, resource): Promise<Observed | null> {
      const names = namesFor(ctx, resource);
      if (!(await userExists(ctx, names))) return null;
      return { state: "ready", providerId: names.user, outputs: publicOutputs(names) };
    },

    create: (ctx, resource) => converge(ctx, resource),

    adopt: (ctx, resource) => converge(ctx, resource),

    async update(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const password = resource.secretOutputs["password"];
      if (!password || !(await userExists(ctx, names))) {
        // Missing user (or no recorded password): recreate it with a new password.
        logFor(ctx, names).warn(
          { recordedPassword: !!password },
          "local keyvalue: ACL user missing or password unknown on update; recreating",
        );
        return converge(ctx, resource);
      }
      // Re-assert the rules, keeping the recorded password.
      await checkVersion(ctx);
      await setUser(ctx, names, password);
      return {
        state: "done",
        providerId: names.user,
        outputs: publicOutputs(names),
        secretOutputs: resource.secretOutputs,
      };
    },

    async delete(ctx, resource): Promise<ActionResult> {
      const names = namesFor(ctx, resource);
      const log = logFor(ctx, names);
      // The user first: DELUSER disconnects its clients, so no key appears behind the scan.
      await cmd(ctx, `delete ACL user ${names.user}`, "ACL", "DELUSER", names.user);
      let removed = 0;
      await scanPrefix(ctx, names, async (keys) => {
        const n = await cmd(ctx, `delete the keys of ${names.user}`, "UNLINK", ...keys);
        removed += typeof n === "number" ? n : 0;
      });
      await saveAcl(ctx, log);

      // Verify.
      if (await userExists(ctx, names)) {
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
      log.info({ removedKeys: removed }, "local keyvalue: ACL user and keys deleted");
      return { state: "done", providerId: names.user };
    },

    async close(): Promise<void> {
      const opening = admin;
      admin = undefined;
      const client = await opening?.catch(() => undefined);
      await client?.close();
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
function maxmemoryPolicy(resource: RecordedResource): string | undefined {
  const value = resource.spec["maxmemoryPolicy"];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || !(MAXMEMORY_POLICIES as readonly string[]).includes(value)) {
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
    await fs.rename(tmp, paths.conf);
  }

  async function ping(port: number, password: string): Promise<"ok" | "wrong-password" | "down"> {
    let client: RespClient | undefined;
    try {
      client = await connectResp(
        { host: HOST, port, tls: false, db: 0, password },
        { connectTimeoutMs: 2_000, commandTimeoutMs: 3_000 },
      );
      return (await client.command("PING")) === "PONG" ? "ok" : "down";
    } catch (err) {
      if (err instanceof RedisReplyError && (err.code === "WRONGPASS" || err.code === "NOAUTH")) {
        return "wrong-password";
      }
      return "down";
    } finally {
      await client?.close();
    }
  }

  async function stop(state: ServerState, log: Logger): Promise<void> {
    const pid = state.pid;
    if (pid === undefined || !(await isRedisProcess(pid))) return;
    if (state.port !== undefined && state.password !== undefined) {
      try {
        const client = await connectResp(
          { host: HOST, port: state.port, tls: false, db: 0, password: state.password },
          { connectTimeoutMs: 2_000, commandTimeoutMs: 3_000 },
        );
        await client.command("SHUTDOWN", "NOSAVE").catch(() => {});
        await client.close();
      } catch {
        // Not answering or not ours to authenticate to: signals below.
      }
      if (await waitGone(pid, STOP_WAIT_MS)) return;
    }
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      log.warn({ pid, signal }, "local keyvalue: stopping redis-server with a signal");
      signalGroup(pid, signal);
      if (await waitGone(pid, STOP_WAIT_MS)) return;
    }
    throw new ProviderError(`keyvalue driver: redis-server (pid ${pid}) did not stop after SIGKILL`, {
      retryable: true,
    });
  }

  /** CONFIG SET on a running server (Redis 7 takes several parameters at once). */
  async function configSet(
    port: number,
    password: string,
    settings: Record<string, string>,
    secretValues: string[],
  ): Promise<void> {
    try {
      const client = await connectResp(
        { host: HOST, port, tls: false, db: 0, password },
        { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 },
      );
      try {
        await client.command("CONFIG", "SET", ...Object.entries(settings).flat());
      } finally {
        await client.close();
      }
    } catch (err) {
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
    // A clean directory: a stale pid file or config must never point at a new server.
    await fs.rm(paths.dir, { recursive: true, force: true });
    await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
    const password = newPassword();
    for (let attempt = 1; ; attempt++) {
      checkAborted(ctx);
      const port = await findFreePort(HOST);
      await writeConf(paths, port, password, policy);
      await fs.rm(paths.logFile, { force: true });
      const child = spawn(serverPath, [paths.conf], { cwd: paths.dir, detached: true, stdio: "ignore" });
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
      while (!exited && Date.now() < deadline) {
        checkAborted(ctx);
        if ((await ping(port, password)) === "ok") return { port, password };
        await delay(100);
      }
      const tail = await logTail(paths.logFile);
      if (!exited) await stop({ pid, port, password }, log).catch(() => {});
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

  /** Makes the server run with a fresh password; the core of create and adopt. */
  async function converge(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult> {
    const names = localKeyValueNames(resource, ctx.tenant);
    const log = logFor(ctx, names);
    const paths = pathsFor(names);
    const policy = maxmemoryPolicy(resource);
    checkAborted(ctx);
    const state = await readState(paths);
    if (
      state.pid !== undefined &&
      state.port !== undefined &&
      state.password !== undefined &&
      (await isRedisProcess(state.pid)) &&
      (await ping(state.port, state.password)) === "ok"
    ) {
      // Running: keep its data, change the password (the config file first, so a crash in
      // between leaves a server that the next attempt restarts rather than one it cannot reach).
      checkAborted(ctx);
      const password = newPassword();
      await writeConf(paths, state.port, password, policy);
      await configSet(
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
    await stop(state, log);
    const started = await start(ctx, paths, policy, log);
    return {
      state: "done",
      providerId: names.dir,
      outputs: outputs(started.port),
      secretOutputs: secrets(started.port, started.password),
    };
  }

  return {
    async observe(ctx, resource): Promise<Observed | null> {
      const names = localKeyValueNames(resource, ctx.tenant);
      const paths = pathsFor(names);
      checkAborted(ctx);
      const state = await readState(paths);
      if (state.pid === undefined || state.port === undefined || !(await isRedisProcess(state.pid))) {
        // Never started, or gone (a reboot): nothing to adopt; create starts it again.
        return null;
      }
      const health = state.password === undefined ? "wrong-password" : await ping(state.port, state.password);
      if (health === "ok") return { state: "ready", providerId: names.dir, outputs: outputs(state.port) };
      return {
        state: "pending",
        providerId: names.dir,
        outputs: outputs(state.port),
        detail:
          health === "down"
            ? `redis-server (pid ${state.pid}) is not answering on port ${state.port}`
            : `redis-server (pid ${state.pid}) does not accept the password in its config file`,
      };
    },

    create: (ctx, resource) => converge(ctx, resource),

    adopt: (ctx, resource) => converge(ctx, resource),

    async update(ctx, resource): Promise<ActionResult> {
      const names = localKeyValueNames(resource, ctx.tenant);
      const paths = pathsFor(names);
      const policy = maxmemoryPolicy(resource);
      checkAborted(ctx);
      const state = await readState(paths);
      const recorded = resource.secretOutputs["password"];
      if (
        recorded !== undefined &&
        state.password === recorded &&
        state.port !== undefined &&
        state.pid !== undefined &&
        (await isRedisProcess(state.pid)) &&
        (await ping(state.port, recorded)) === "ok"
      ) {
        // Running as recorded: apply the spec, keep the password.
        await writeConf(paths, state.port, recorded, policy);
        await configSet(state.port, recorded, { "maxmemory-policy": policy ?? DEFAULT_POLICY }, []);
        return {
          state: "done",
          providerId: names.dir,
          outputs: outputs(state.port),
          secretOutputs: resource.secretOutputs,
        };
      }
      logFor(ctx, names).warn("local keyvalue: redis-server not running as recorded on update; converging");
      return converge(ctx, resource);
    },

    async delete(ctx, resource): Promise<ActionResult> {
      const names = localKeyValueNames(resource, ctx.tenant);
      const log = logFor(ctx, names);
      const paths = pathsFor(names);
      checkAborted(ctx);
      const state = await readState(paths);
      await stop(state, log);
      checkAborted(ctx);
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

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isRedisProcess(pid))) return true;
    await delay(50);
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
