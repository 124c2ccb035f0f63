/**
 * Connections to Redis for the local `keyvalue` driver, on ioredis, set up to fail fast
 * rather than wait: ioredis by default reconnects forever and queues commands while it is
 * offline, so a call to a Redis that is down would hang until the action's deadline. Here
 * a connection is opened once (`lazyConnect`, then {@link openRedis}), never reconnects
 * (`retryStrategy` returns null), queues nothing offline (`enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`), and every command has a timeout. A lost connection stays
 * lost (status `end`): open a new one. Whoever opens one disconnects it (`disconnect()`),
 * in a `finally` ({@link closeRedis}); {@link withRedis} does that for one-off sessions.
 *
 * Errors: an error reply (`NOPERM ...`, `WRONGPASS ...`) is ioredis' `ReplyError`, whose
 * first word {@link replyCode} gives; anything else (refused, reset, timed out) is a plain
 * `Error` with the socket's `code` when there is one. Neither carries a password in its
 * message (ioredis also redacts AUTH and ACL SETUSER arguments in `err.command`).
 */
import { Redis, ReplyError } from "ioredis";
import type { ProviderContext } from "../provider.js";
import { bounded } from "./waits.js";

export type { Redis };

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
}

/**
 * Parses `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). Throws a plain
 * `Error` whose message never repeats the URL (it may hold a password).
 */
export function parseRedisUrl(value: string): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error("not a valid URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`unsupported scheme ${url.protocol} (use redis:// or rediss://)`);
  }
  const dbText = url.pathname.replace(/^\/+/, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error("the database number in the path must be an integer");
  const endpoint: RedisEndpoint = {
    host: (url.hostname || "127.0.0.1").replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : 6379,
    tls: url.protocol === "rediss:",
    db,
  };
  if (url.username) endpoint.username = decodeURIComponent(url.username);
  if (url.password) endpoint.password = decodeURIComponent(url.password);
  return endpoint;
}

/** The first word of an error reply (`ERR`, `NOPERM`, `WRONGPASS`, …); undefined for any other error. */
export function replyCode(err: unknown): string | undefined {
  if (!(err instanceof ReplyError)) return undefined;
  return /^[A-Z]+/.exec((err as Error).message)?.[0] ?? "ERR";
}

export interface ConnectOptions {
  /** Until the TCP (or TLS) connection is up; default 5 s. */
  connectTimeoutMs?: number;
  /** Each command, AUTH included, answers within this or fails; default 15 s. */
  commandTimeoutMs?: number;
}

/** A client for `endpoint` that is not connected yet: {@link openRedis} connects it. */
export function createRedis(endpoint: RedisEndpoint, options: ConnectOptions = {}): Redis {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.username !== undefined && { username: endpoint.username }),
    ...(endpoint.password !== undefined && { password: endpoint.password }),
    ...(endpoint.tls && { tls: { servername: endpoint.host } }),
    // RESP2, as Redis 7 speaks by default: `HELLO 2` and the replies' shapes stay what they were.
    protocol: 2,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 15_000,
    // Fail fast: no reconnects, no offline queue, no resent commands.
    retryStrategy: () => null,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A server still loading answers LOADING to the first command: the caller decides.
    enableReadyCheck: false,
  });
  // Every failure reaches the caller through a rejected command or openRedis(); without a
  // listener ioredis would print each one as an "Unhandled error event".
  client.on("error", () => {});
  return client;
}

/**
 * Connects `client` (from {@link createRedis}) and selects the endpoint's database.
 * Rejects with the real cause (ECONNREFUSED, WRONGPASS, …), not ioredis' "Connection is
 * closed"; the caller still disconnects the client.
 */
export async function openRedis(client: Redis, endpoint: RedisEndpoint): Promise<void> {
  let cause: Error | undefined;
  const onError = (err: Error) => {
    cause ??= err;
  };
  client.on("error", onError);
  try {
    await client.connect();
  } catch (err) {
    throw cause ?? err;
  } finally {
    client.off("error", onError);
  }
  // Ourselves, not ioredis' `db` option: its failed SELECT is only an "error" event, and
  // the commands would then run on database 0.
  if (endpoint.db !== 0) await client.call("SELECT", String(endpoint.db));
}

/**
 * Closes the connection at once (pending commands fail). A no-op when it is closed already:
 * ioredis' disconnect() would arm a 2-second timer waiting for a "close" that came before.
 */
export function closeRedis(client: Redis): void {
  if (client.status !== "end") client.disconnect();
}

/** A connected client; disconnected again when connecting fails. */
export async function connectRedis(endpoint: RedisEndpoint, options: ConnectOptions = {}): Promise<Redis> {
  const client = createRedis(endpoint, options);
  try {
    await openRedis(client, endpoint);
    return client;
  } catch (err) {
    closeRedis(client);
    throw err;
  }
}

/**
 * Connects, runs `use`, and disconnects, whatever happens. Bounded by `ctx`: when it aborts
 * or its deadline passes, the connection is closed at once and the call throws the
 * `AbortedError` or a retryable "time ran out" error (see {@link bounded}).
 */
export async function withRedis<T>(
  ctx: ProviderContext,
  what: string,
  endpoint: RedisEndpoint,
  options: ConnectOptions,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  ctx.throwIfAborted();
  const client = createRedis(endpoint, options);
  try {
    const work = openRedis(client, endpoint).then(() => use(client));
    // bounded() may throw before it takes `work` (already aborted, no time left).
    work.catch(() => {});
    return await bounded(ctx, what, work, { cancel: () => closeRedis(client) });
  } finally {
    closeRedis(client);
  }
}
