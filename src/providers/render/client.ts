import type { Logger } from "pino";
import { AbortedError } from "../../engine/aborted.js";
import { backoffDelay } from "../../engine/backoff.js";
import { type ProviderContext, ProviderError } from "../provider.js";
import { RenderRateLimiter } from "./rate-limits.js";

/**
 * A small client of Render's public REST API (https://api-docs.render.com), with what a
 * control plane needs around every call:
 *
 * - client-side pacing within Render's documented limits ({@link RenderRateLimiter});
 * - 429: the bucket closes until `Ratelimit-Reset` (epoch seconds, or a delta when the
 *   value is small) or `Retry-After`; short waits are waited out, longer ones surface as
 *   {@link RenderRateLimitedError} so the engine requeues the tenant instead of holding a
 *   worker (no attempt is spent);
 * - 5xx, network errors and timeouts: retried with full-jitter backoff when the request is
 *   idempotent; a create (`POST`) is never re-sent blindly — the error surfaces and the
 *   engine looks the object up by name before creating again;
 * - deadlines: a request belongs to an action's {@link RequestScope} (the provider
 *   context): it is aborted with the action, its timeout never reaches past the action's
 *   deadline, and a request that cannot be repeated safely is not started with too little
 *   time left ({@link MIN_TIME_TO_START_CREATE_MS});
 * - 400/402/404/409/410/422: {@link RenderApiError}, permanent, with Render's message;
 * - 401/403: {@link RenderAccessError} ("lost access to the Render account").
 *
 * The API key goes into the Authorization header and nowhere else: never into logs,
 * errors or outputs.
 */

/**
 * How long one request may take by default. Below a third of the engine's default 15 s
 * lease, which is renewed every third of its length: a request fits in the lease even when
 * the renewal due during it is late, and the engine, which starts a create only with this
 * much lease left, can always start one. Render answers in well under a second; 4.5 s
 * leaves room for a slow create (`POST /services` checks the repository) without holding
 * a worker on a stalled connection. Every request is also bounded by its action's deadline.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 4_500;

/** The longest configurable request timeout (the one before this one's default). */
export const MAX_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A request that cannot be repeated safely (a create, `POST`) is not started with less than
 * this long (or its timeout, when shorter) before its action's deadline: it would likely be
 * cut off with its outcome unknown, and finish on Render after the lease is someone else's.
 * The engine hands the operation back instead (an abort: no attempt spent).
 */
export const MIN_TIME_TO_START_CREATE_MS = 1_000;

/**
 * What bounds a request: the action it belongs to. {@link ProviderContext} is one; its
 * signal aborts the request, and its deadline caps the request's timeout.
 */
export type RequestScope = Pick<ProviderContext, "signal" | "timeLeft" | "throwIfAborted">;

export interface RenderClientOptions {
  /** `RENDER_API_URL`. @default "https://api.render.com/v1" */
  baseUrl?: string;
  apiKey: string;
  limiter?: RenderRateLimiter;
  logger?: Logger;
  /**
   * Per request, at most {@link MAX_REQUEST_TIMEOUT_MS}; always capped by the time left
   * before the action's deadline. @default 4500 ({@link DEFAULT_REQUEST_TIMEOUT_MS})
   */
  timeoutMs?: number;
  /** Attempts of an idempotent request on 5xx/network errors. @default 4 */
  maxAttempts?: number;
  /** Backoff between those attempts. @default { baseMs: 250, maxMs: 5000 } */
  retry?: { baseMs: number; maxMs: number };
  /** Rate-limit waits up to this long are waited out in place. @default 2000 */
  maxInlineWaitMs?: number;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Safe to send again after an unknown outcome. Default: every method but POST. */
  idempotent?: boolean;
  /** The action this request belongs to: aborted with it, and never past its deadline. */
  ctx?: RequestScope;
}

/** Render refused the request for good (bad input, payment, conflict, not found). */
export class RenderApiError extends ProviderError {
  readonly status: number;
  constructor(method: string, path: string, status: number, message: string) {
    super(`Render ${method} ${path}: ${status} ${message}`, { retryable: false, code: `RENDER_${status}` });
    this.name = "RenderApiError";
    this.status = status;
  }
}

/** The API key was refused (401) or lacks permission (403). */
export class RenderAccessError extends ProviderError {
  readonly status: number;
  constructor(method: string, path: string, status: number, message: string) {
    super(
      `lost access to the Render account: ${method} ${path} answered ${status} (${message}); check RENDER_API_KEY and RENDER_OWNER_ID`,
      { retryable: false, code: "ACCESS_ERROR" },
    );
    this.name = "RenderAccessError";
    this.status = status;
  }
}

/** Render's (or our own) rate limit: try again after `retryAfterMs`. */
export class RenderRateLimitedError extends ProviderError {
  constructor(method: string, path: string, retryAfterMs: number) {
    super(`Render rate limit for ${method} ${path}: next slot in ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryable: true,
      code: "RATE_LIMITED",
      retryAfterMs: Math.max(0, retryAfterMs),
    });
    this.name = "RenderRateLimitedError";
  }
}

/** When a 429's bucket opens again, epoch ms. `Ratelimit-Reset` is epoch seconds per Render's docs; small values are read as a delta. */
export function resetTimeOf(headers: Headers, now: number): number {
  const reset = Number(headers.get("ratelimit-reset"));
  const retryAfter = headers.get("retry-after");
  let at = 0;
  if (Number.isFinite(reset) && reset > 0) {
    at = reset > 1_000_000_000 ? reset * 1000 : now + reset * 1000;
  }
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const date = Date.parse(retryAfter);
    const fromRetry = Number.isFinite(seconds) ? now + seconds * 1000 : Number.isFinite(date) ? date : 0;
    at = Math.max(at, fromRetry);
  }
  // Neither header: back off a little rather than hammer.
  return at > now ? at : now + 1000;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export class RenderClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #limiter: RenderRateLimiter;
  readonly #logger: Logger | undefined;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #retry: { baseMs: number; maxMs: number };
  readonly #maxInlineWaitMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: RenderClientOptions) {
    this.baseUrl = (options.baseUrl ?? "https://api.render.com/v1").replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#limiter = options.limiter ?? new RenderRateLimiter();
    this.#logger = options.logger;
    this.#timeoutMs = Math.max(
      1,
      Math.min(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS),
    );
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#retry = options.retry ?? { baseMs: 250, maxMs: 5000 };
    this.#maxInlineWaitMs = options.maxInlineWaitMs ?? 2000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The longest a single request may take (before its action's deadline caps it). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  get<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  /** GET that answers `undefined` for 404 (the object does not exist, or no longer). */
  async find<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", path, options);
    } catch (err) {
      if (err instanceof RenderApiError && (err.status === 404 || err.status === 410)) return undefined;
      throw err;
    }
  }

  /**
   * Every item of a cursor-paginated list (`[{cursor, <key>: item}]`, or bare items),
   * following cursors until a short page.
   */
  async list<T>(
    path: string,
    key: string,
    query: RequestOptions["query"] = {},
    ctx?: RequestScope,
  ): Promise<T[]> {
    const out: T[] = [];
    const limit = 100;
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const items = await this.request<Record<string, unknown>[]>("GET", path, {
        query: { ...query, limit, cursor },
        ctx,
      });
      for (const item of items) {
        // Most lists wrap items (`{cursor, service}`); `GET /env-groups` returns them bare.
        const value = item[key] ?? (typeof item["id"] === "string" ? item : undefined);
        if (value !== undefined) out.push(value as T);
      }
      const last = items.at(-1);
      if (items.length < limit || !last || typeof last["cursor"] !== "string") break;
      cursor = last["cursor"];
    }
    return out;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? method !== "POST";
    const ctx = options.ctx;
    // Time the request needs left before the deadline to be worth starting.
    const need = idempotent ? 1 : Math.min(this.#timeoutMs, MIN_TIME_TO_START_CREATE_MS);
    let attempt = 0;
    let limited = 0;
    for (;;) {
      attempt++;
      await this.#pace(method, path, need, ctx);
      const timeoutMs = this.#timeoutFor(method, path, need, ctx);
      let response: Response;
      try {
        response = await this.#send(method, path, options, timeoutMs);
      } catch (err) {
        this.#throwIfOutOfTime(method, path, ctx);
        const message = err instanceof Error ? err.message : String(err);
        if (idempotent && attempt < this.#maxAttempts && this.#canWait(attempt, ctx)) {
          this.#logger?.warn({ method, path, attempt, err: message }, "render: request failed, retrying");
          await this.#backoff(attempt, ctx);
          continue;
        }
        throw new ProviderError(`Render ${method} ${path}: ${message}`, {
          retryable: true,
          code: "RENDER_UNREACHABLE",
          cause: err,
        });
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        let text: string;
        try {
          text = await response.text();
        } catch (err) {
          // Cut off while reading the answer: the outcome is known to Render only.
          this.#throwIfOutOfTime(method, path, ctx);
          throw new ProviderError(`Render ${method} ${path}: ${(err as Error).message}`, {
            retryable: true,
            code: "RENDER_UNREACHABLE",
            cause: err,
          });
        }
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const message = await errorMessage(response);
      this.#logger?.debug({ method, path, status }, "render: request refused");
      if (status === 429) {
        const resetAt = resetTimeOf(response.headers, Date.now());
        this.#limiter.blockUntil(method, path, resetAt);
        if (++limited >= 10) throw new RenderRateLimitedError(method, path, resetAt - Date.now());
        attempt--; // a 429 had no effect: not a failed attempt
        continue; // #pace waits it out, or surfaces it
      }
      if (status === 401 || status === 403) throw new RenderAccessError(method, path, status, message);
      if (status >= 500 || status === 408) {
        if (idempotent && attempt < this.#maxAttempts && this.#canWait(attempt, ctx)) {
          this.#logger?.warn({ method, path, attempt, status }, "render: server error, retrying");
          await this.#backoff(attempt, ctx);
          continue;
        }
        throw new ProviderError(`Render ${method} ${path}: ${status} ${message}`, {
          retryable: true,
          code: `RENDER_${status}`,
        });
      }
      throw new RenderApiError(method, path, status, message);
    }
  }

  /**
   * The timeout of the request about to start: the configured one, capped by the time left
   * before the deadline. With less than `need` left the request is not started: the
   * action's time is up (the engine's abort, no attempt spent).
   */
  #timeoutFor(method: string, path: string, need: number, ctx: RequestScope | undefined): number {
    if (!ctx) return this.#timeoutMs;
    ctx.throwIfAborted();
    const left = ctx.timeLeft();
    if (left < need) {
      throw new AbortedError(
        `${left} ms left before the deadline: Render ${method} ${path} not started (it needs ${need} ms)`,
      );
    }
    return Math.min(this.#timeoutMs, left);
  }

  /** After a failed send: an abort, or a timeout that was the deadline's, ends the request. */
  #throwIfOutOfTime(method: string, path: string, ctx: RequestScope | undefined): void {
    if (!ctx) return;
    ctx.throwIfAborted();
    if (ctx.timeLeft() <= 0) throw new AbortedError(`the deadline passed during Render ${method} ${path}`);
  }

  #delay(attempt: number): number {
    return backoffDelay({ ...this.#retry, maxAttempts: this.#maxAttempts }, attempt);
  }

  /**
   * Whether a retry after the backoff of `attempt` still fits before the deadline (the
   * backoff is drawn at random: this uses its ceiling). Otherwise the error surfaces and
   * the engine retries later.
   */
  #canWait(attempt: number, ctx: RequestScope | undefined): boolean {
    return !ctx || ctx.timeLeft() > Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** (attempt - 1));
  }

  async #backoff(attempt: number, ctx: RequestScope | undefined): Promise<void> {
    const ms = ctx ? Math.min(this.#delay(attempt), ctx.timeLeft()) : this.#delay(attempt);
    await sleep(ms, ctx?.signal).catch((err: unknown) => {
      ctx?.throwIfAborted();
      throw err;
    });
  }

  /**
   * Waits for the request's rate-limit slot, or throws when the wait is long: longer than
   * {@link RenderClientOptions.maxInlineWaitMs}, or than the deadline allows.
   */
  async #pace(method: string, path: string, need: number, ctx: RequestScope | undefined): Promise<void> {
    for (;;) {
      const wait = this.#limiter.take(method, path);
      if (wait === 0) return;
      const room = ctx ? ctx.timeLeft() - need : Number.POSITIVE_INFINITY;
      if (wait > Math.min(this.#maxInlineWaitMs, room)) throw new RenderRateLimitedError(method, path, wait);
      await sleep(wait, ctx?.signal).catch((err: unknown) => {
        ctx?.throwIfAborted();
        throw err;
      });
    }
  }

  async #send(method: string, path: string, options: RequestOptions, timeoutMs: number): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v === undefined) continue;
      // Render's list filters are `style: form, explode: false`: `name=a,b`.
      url.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    return this.#fetch(url, {
      method,
      headers: {
        accept: "application/json",
        authorization: `Bearer ${this.#apiKey}`,
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.ctx ? AbortSignal.any([options.ctx.signal, timeout]) : timeout,
    });
  }
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string" && body.message) return body.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || response.statusText;
}
