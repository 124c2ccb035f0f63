/**
 * A minimal Redis client speaking RESP2 over `node:net` (or `node:tls` for `rediss://`),
 * enough for the local `keyvalue` driver: one connection, pipelined commands answered in
 * order, string arguments, replies decoded as UTF-8 strings, integers, `null` and arrays.
 *
 * Two error classes keep "the server said no" apart from "the connection failed":
 * {@link RedisReplyError} (an error reply such as `NOPERM ...`; the connection stays usable)
 * and {@link RedisConnectionError} (refused, reset, timed out: every pending command fails
 * and the client is closed). Neither message ever contains command arguments, so a password
 * sent in AUTH or ACL SETUSER cannot leak through an error.
 */
import net from "node:net";
import tls from "node:tls";

export type RespValue = string | number | null | RespValue[];

/** An error reply from the server; `code` is its first word (`ERR`, `NOPERM`, `WRONGPASS`, …). */
export class RedisReplyError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
    this.code = /^[A-Z]+/.exec(message)?.[0] ?? "ERR";
  }
}

/** The connection could not be opened or was lost; `code` is the socket error code when known. */
export class RedisConnectionError extends Error {
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RedisConnectionError";
    this.code = options.code;
  }
}

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

export interface RespClient {
  /** Sends one command; resolves with its reply, rejects with a {@link RedisReplyError} or {@link RedisConnectionError}. */
  command(...args: string[]): Promise<RespValue>;
  /** True once the connection is closed or broken: open a new client. */
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** A command without a reply for this long breaks the connection. */
  commandTimeoutMs?: number;
}

/** Connects, then authenticates (AUTH) and selects the database when the endpoint says so. */
export async function connectResp(
  endpoint: RedisEndpoint,
  options: ConnectOptions = {},
): Promise<RespClient> {
  const client = await openSocket(endpoint, options);
  try {
    if (endpoint.password !== undefined) {
      await (endpoint.username !== undefined
        ? client.command("AUTH", endpoint.username, endpoint.password)
        : client.command("AUTH", endpoint.password));
    }
    if (endpoint.db !== 0) await client.command("SELECT", String(endpoint.db));
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

interface Pending {
  resolve(value: RespValue): void;
  reject(err: Error): void;
}

function openSocket(endpoint: RedisEndpoint, options: ConnectOptions): Promise<RespClient> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 15_000;
  const where = `${endpoint.host}:${endpoint.port}`;

  return new Promise((resolve, reject) => {
    const socket: net.Socket = endpoint.tls
      ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    socket.setNoDelay(true);
    const pending: Pending[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    let closed = false;
    let connected = false;
    let timer: NodeJS.Timeout | undefined;

    const fail = (err: RedisConnectionError) => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      if (!connected) reject(err);
      for (const p of pending.splice(0)) p.reject(err);
    };

    const armTimer = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (pending.length > 0) {
        timer = setTimeout(
          () =>
            fail(
              new RedisConnectionError(`Redis at ${where} did not answer within ${commandTimeoutMs} ms`, {
                code: "ETIMEDOUT",
              }),
            ),
          commandTimeoutMs,
        );
      }
    };

    const connectTimer = setTimeout(
      () =>
        fail(
          new RedisConnectionError(`could not connect to Redis at ${where} within ${connectTimeoutMs} ms`, {
            code: "ETIMEDOUT",
          }),
        ),
      connectTimeoutMs,
    );

    socket.once(endpoint.tls ? "secureConnect" : "connect", () => {
      clearTimeout(connectTimer);
      connected = true;
      resolve(client);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      fail(
        new RedisConnectionError(`Redis at ${where}: ${err.code ?? err.message}`, {
          code: err.code,
          cause: err,
        }),
      );
    });
    socket.on("close", () => {
      clearTimeout(connectTimer);
      fail(new RedisConnectionError(`Redis at ${where} closed the connection`, { code: "ECONNRESET" }));
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        let parsed: { value: RespValue | RedisReplyError; end: number } | undefined;
        try {
          parsed = parseReply(buffer, 0);
        } catch (err) {
          fail(
            new RedisConnectionError(`Redis at ${where} sent a malformed reply: ${(err as Error).message}`, {
              code: "EPROTO",
            }),
          );
          return;
        }
        if (!parsed) break;
        buffer = buffer.subarray(parsed.end);
        const next = pending.shift();
        if (next) {
          if (parsed.value instanceof RedisReplyError) next.reject(parsed.value);
          else next.resolve(parsed.value);
        }
        armTimer();
      }
    });

    const client: RespClient = {
      get closed() {
        return closed;
      },
      command(...args: string[]): Promise<RespValue> {
        if (closed) {
          return Promise.reject(
            new RedisConnectionError(`the connection to Redis at ${where} is closed`, { code: "ECONNRESET" }),
          );
        }
        return new Promise<RespValue>((res, rej) => {
          pending.push({ resolve: res, reject: rej });
          socket.write(encodeCommand(args));
          if (pending.length === 1) armTimer();
        });
      },
      close(): Promise<void> {
        if (closed) return Promise.resolve();
        return new Promise((res) => {
          socket.once("close", () => res());
          closed = true;
          if (timer) clearTimeout(timer);
          for (const p of pending.splice(0)) {
            p.reject(new RedisConnectionError(`the connection to Redis at ${where} was closed`));
          }
          socket.end();
          // A peer that never answers the FIN must not hold close() forever.
          setTimeout(() => socket.destroy(), 1_000).unref();
        });
      },
    };
  });
}

export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/**
 * Parses one RESP2 reply starting at `offset`; `undefined` when the buffer does not hold
 * all of it yet. Error replies are returned (not thrown) as {@link RedisReplyError}; inside
 * an array they become the array element.
 */
export function parseReply(
  buf: Buffer,
  offset: number,
): { value: RespValue | RedisReplyError; end: number } | undefined {
  if (offset >= buf.length) return undefined;
  const lineEnd = buf.indexOf("\r\n", offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RedisReplyError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString("utf8", next, next + length), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item.value instanceof RedisReplyError ? item.value.message : item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected reply type ${JSON.stringify(type)}`);
  }
}
