import type { ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { TenantryError } from "../domain/errors.js";
import type { TenantEvent } from "../domain/types.js";
import { principalForApiKey } from "../services/auth-service.js";
import type { Db } from "../services/database.js";
import { EventHorizon, type EventScope, scopedEvents } from "../services/event-horizon.js";

/**
 * Server-sent events of tenants' timelines (`GET /v1/tenants/{id}/events` and
 * `GET /v1/events` with `Accept: text/event-stream`).
 *
 * Each event is one message: `id:` its id (ids are ordered), `event:` its type, `data:` the
 * JSON object the route's JSON page has. A stream starts after `Last-Event-ID` (what an
 * EventSource sends when it reconnects), else after the `after` query parameter, else
 * "now"; its first message is only `id: <where it starts>`, so a client that reconnects
 * before any event resumes from there. A `: keepalive` comment is sent when nothing else
 * was for a while; the stream ends when the client goes away or the server closes.
 *
 * One poller per server, running while streams are open, moves the {@link EventHorizon}
 * (one statement per poll, whatever the number of streams); each stream then reads its
 * own events up to it: one indexed query of at most `pageSize` events per poll, and only
 * when the horizon moved past it. A slow client is not read for until it drained.
 */

export interface EventStreamOptions {
  logger?: Logger;
  /** How often the horizon is checked while streams are open. @default 250 */
  pollMs?: number;
  /** A `: keepalive` comment after this long without a message. @default 15000 */
  keepaliveMs?: number;
  /** The most events a stream is sent per poll. @default 200 */
  pageSize?: number;
  /** How often a stream's API key is checked again (revoked or expired: the stream ends). @default 60000 */
  reauthMs?: number;
}

export interface OpenStream {
  scope: EventScope;
  /** The JSON object of an event, as the route's JSON page shows it. */
  view: (e: TenantEvent) => unknown;
  /** The `after` query parameter, if any (`Last-Event-ID` wins over it). */
  after?: number | undefined;
}

interface Subscriber {
  scope: EventScope;
  view: (e: TenantEvent) => unknown;
  /** Every event of the scope up to here was sent (or is not the scope's). */
  cursor: number;
  res: ServerResponse;
  busy: boolean;
  /** The socket's buffer is full: nothing more until it drains. */
  blocked: boolean;
  closed: boolean;
  lastWrite: number;
  apiKey: string | undefined;
  lastAuth: number;
  end(): void;
}

/** Whether the request asks for server-sent events. */
export function wantsEventStream(request: FastifyRequest): boolean {
  return /\btext\/event-stream\b/i.test(request.headers.accept ?? "");
}

/** `Last-Event-ID` as an event id, undefined without one; a 400 when it is not one. */
export function lastEventIdOf(request: FastifyRequest): number | undefined {
  const raw = request.headers["last-event-id"];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
  if (value === "") return undefined;
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new TenantryError("VALIDATION_FAILED", "invalid header: Last-Event-ID", {
      errors: [{ pointer: "/header/last-event-id", message: "expected an event id (a whole number)" }],
    });
  }
  return Number(value);
}

/** One SSE message; `data` is one line of JSON (JSON has no raw line breaks). */
const message = (e: TenantEvent, data: string) => `id: ${e.id}\nevent: ${e.type}\ndata: ${data}\n\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a stream that starts "now" waits for the horizon before it starts at the last id seen. */
const START_WAIT_MS = 5_000;

export class EventStreams {
  readonly #db: Db;
  readonly #log: Logger | undefined;
  readonly #pollMs: number;
  readonly #keepaliveMs: number;
  readonly #pageSize: number;
  readonly #reauthMs: number;
  readonly #horizon = new EventHorizon();
  readonly #subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #advancing: Promise<number | undefined> | undefined;
  #closed = false;
  #lastAdvance = 0;

  constructor(db: Db, options: EventStreamOptions = {}) {
    this.#db = db;
    this.#log = options.logger;
    this.#pollMs = options.pollMs ?? 250;
    this.#keepaliveMs = options.keepaliveMs ?? 15_000;
    this.#pageSize = options.pageSize ?? 200;
    this.#reauthMs = options.reauthMs ?? 60_000;
  }

  /** Open streams (for tests and metrics). */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * Answers `request` with the event stream of `scope`. Throws (a problem answer) before
   * anything is sent when `Last-Event-ID` is not an event id or the server is closing.
   */
  async open(request: FastifyRequest, reply: FastifyReply, stream: OpenStream): Promise<void> {
    if (this.#closed) throw new TenantryError("NOT_READY", "the server is shutting down");
    const start = lastEventIdOf(request) ?? stream.after ?? (await this.#now());
    const apiKey = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      // What the hooks set (request id, security and CORS headers, rate limits).
      ...(reply.getHeaders() as Record<string, string | string[] | number>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    // Where the stream starts, as its last event id: a reconnect resumes from here.
    res.write(`retry: 2000\nid: ${start}\n\n`);
    const now = Date.now();
    const subscriber: Subscriber = {
      scope: stream.scope,
      view: stream.view,
      cursor: start,
      res,
      busy: false,
      blocked: false,
      closed: false,
      lastWrite: now,
      apiKey,
      lastAuth: now,
      end: () => {
        stop();
        res.end();
      },
    };
    const stop = () => {
      subscriber.closed = true;
      this.#subscribers.delete(subscriber);
    };
    // The response's `close`: the client went away.
    res.on("close", stop);
    res.on("error", stop);
    this.#subscribers.add(subscriber);
    this.#schedule();
    // A resumed stream gets what it missed at once.
    void this.#pump(subscriber);
  }

  /** Ends every stream and stops polling (before the server closes). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const s of [...this.#subscribers]) s.end();
    await this.#ticking?.catch(() => {});
  }

  /**
   * Where a stream that starts now starts: the horizon, once it reached the largest id
   * committed when the stream was asked for (while streams are open and polled, the
   * current horizon is recent enough).
   */
  async #now(): Promise<number> {
    const known = this.#horizon.value;
    if (known !== undefined && Date.now() - this.#lastAdvance < 2 * this.#pollMs) return known;
    const deadline = Date.now() + START_WAIT_MS;
    let target: number | undefined;
    for (;;) {
      const value = await this.#advance();
      target ??= this.#horizon.latest;
      if (value !== undefined && target !== undefined && value >= target) return value;
      // A writer of events stayed open all along: start at what was committed.
      if (Date.now() >= deadline) return target ?? 0;
      await sleep(25);
    }
  }

  /** One horizon check at a time. */
  #advance(): Promise<number | undefined> {
    this.#advancing ??= this.#horizon.advance(this.#db).finally(() => {
      this.#advancing = undefined;
      this.#lastAdvance = Date.now();
    });
    return this.#advancing;
  }

  #schedule(): void {
    if (this.#closed || this.#timer || this.#subscribers.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
        this.#timer = undefined;
        this.#schedule();
      });
    }, this.#pollMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      await this.#advance();
    } catch (err) {
      this.#log?.warn({ err: (err as Error).message }, "event streams: horizon check failed");
      return;
    }
    const now = Date.now();
    await Promise.all(
      [...this.#subscribers].map(async (s) => {
        if (s.apiKey !== undefined && now - s.lastAuth >= this.#reauthMs) {
          s.lastAuth = now;
          const principal = await principalForApiKey(this.#db, s.apiKey).catch(() => undefined);
          // Revoked or expired since the stream opened (undefined: the check failed; next time).
          if (principal === null) return s.end();
        }
        await this.#pump(s);
        if (!s.closed && !s.blocked && Date.now() - s.lastWrite >= this.#keepaliveMs) {
          this.#write(s, ": keepalive\n\n");
        }
      }),
    );
  }

  /** Sends the subscriber its events up to the horizon: at most one page. */
  async #pump(s: Subscriber): Promise<void> {
    const horizon = this.#horizon.value;
    if (s.busy || s.blocked || s.closed || horizon === undefined || s.cursor >= horizon) return;
    s.busy = true;
    try {
      const events = await scopedEvents(this.#db, s.scope, {
        after: s.cursor,
        upTo: horizon,
        limit: this.#pageSize,
      });
      if (s.closed) return;
      const last = events.at(-1);
      // A full page: the rest next poll. Otherwise every event up to the horizon was read.
      s.cursor = events.length === this.#pageSize && last ? last.id : horizon;
      if (events.length > 0)
        this.#write(s, events.map((e) => message(e, JSON.stringify(s.view(e)))).join(""));
    } catch (err) {
      this.#log?.warn({ err: (err as Error).message }, "event streams: reading events failed");
    } finally {
      s.busy = false;
    }
  }

  #write(s: Subscriber, chunk: string): void {
    s.lastWrite = Date.now();
    if (!s.res.write(chunk)) {
      s.blocked = true;
      s.res.once("drain", () => {
        s.blocked = false;
      });
    }
  }
}

/** The server's {@link EventStreams}, passed to the routes in their deps. */
export function eventStreamsOf(deps: { eventStreams?: EventStreams }): EventStreams {
  if (!deps.eventStreams) throw new Error("the event streams are created by buildServer");
  return deps.eventStreams;
}
