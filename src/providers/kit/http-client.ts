import type { Logger } from "pino";
import type { OperationErrorCode, PlatformCodePrefix } from "../../domain/operation-errors.js";
import { AbortedError } from "../../engine/aborted.js";
import { backoffDelay } from "../../engine/backoff.js";
import { deadlineSignal } from "../../lib/deadline-signal.js";
import { meteredFetch, type ProviderMetrics } from "../metrics.js";
import { AccessError, ProviderError } from "../provider.js";
import { type Scope, sleep } from "./abort.js";
import { type RequestPacer, unlimited } from "./rate-limiter.js";

/**
 * A paced HTTP client of a platform's JSON API, with what a control plane needs around
 * every call, for any provider (Render's client is one, see `providers/render/client.ts`):
 *
 * - client-side pacing within the platform's limits (a {@link RequestPacer});
 * - 429: the bucket closes until the platform's reset (its rate-limit headers, see
 *   {@link resetTimeOf}); short waits are waited out, longer ones surface as a retryable
 *   {@link ProviderError} with `retryAfterMs` ({@link RateLimitedError}) so the engine
 *   requeues the tenant instead of holding a worker (no attempt is spent);
 * - 5xx, 408, network errors and timeouts: retried with full-jitter backoff when the
 *   request is idempotent and the retry fits before the deadline; a create (`POST`) is
 *   never re-sent blindly — the error surfaces and the engine looks the object up by name
 *   before creating again;
 * - deadlines: a request belongs to an action's {@link Scope} (the provider context): it
 *   is aborted with the action's signal, its timeout never reaches past the action's
 *   deadline (`timeLeft()`), and a request that cannot be repeated safely is not started
 *   with too little time left ({@link MIN_TIME_TO_START_CREATE_MS});
 * - 401/403: an {@link AccessError} (the `access_error` condition);
 * - other 4xx: an {@link HttpApiError}, permanent, with the platform's message.
 *
 * The credentials go into the headers and nowhere else: never into logs, errors or outputs.
 */

/**
 * How long one request may take by default. Below a third of the engine's default 15 s
 * lease, which is renewed every third of its length: a request fits in the lease even when
 * the renewal due during it is late, and the engine, which starts a create only with this
 * much lease left, can always start one. Every request is also bounded by its action's deadline.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 4_500;

/** The longest configurable request timeout. */
export const MAX_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A request that cannot be repeated safely (a create, `POST`) is not started with less than
 * this long (or its timeout, when shorter) before its action's deadline: it would likely be
 * cut off with its outcome unknown, and finish on the platform after the lease is someone
 * else's. The engine hands the operation back instead (an abort: no attempt spent).
 */
export const MIN_TIME_TO_START_CREATE_MS = 1_000;

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Safe to send again after an unknown outcome. Default: every method but POST. */
  idempotent?: boolean;
  /** The action this request belongs to: aborted with it, and never past its deadline. */
  ctx?: Scope;
}

/** The platform refused the request for good (bad input, payment, conflict, not found). */
export class HttpApiError extends ProviderError {
  readonly status: number;
  constructor(message: string, status: number, code: OperationErrorCode) {
    super(message, { retryable: false, code });
    this.name = "HttpApiError";
    this.status = status;
  }
}

/** The platform's rate limit (or our own pacing): try again after `retryAfterMs`. */
export class RateLimitedError extends ProviderError {
  constructor(message: string, retryAfterMs: number) {
    super(message, { retryable: true, code: "RATE_LIMITED", retryAfterMs: Math.max(0, retryAfterMs) });
    this.name = "RateLimitedError";
  }
}

/** Whether `err` is the platform's "no such object" (404, 410): the object is gone. */
export function isNotFound(err: unknown): boolean {
  return err instanceof HttpApiError && (err.status === 404 || err.status === 410);
}

/** The names of a platform's rate-limit headers. */
export interface RateLimitHeaders {
  /** Epoch seconds, or seconds from now when small. @default "ratelimit-reset" */
  reset?: string;
  /** Seconds, or an HTTP date. @default "retry-after" */
  retryAfter?: string;
}

/**
 * When a 429's bucket opens again, epoch ms: the later of the reset header (epoch seconds;
 * values below 10⁹ read as a delta) and `Retry-After` (seconds or a date); without either,
 * one second from now rather than hammering.
 */
export function resetTimeOf(headers: Headers, now: number, names: RateLimitHeaders = {}): number {
  const reset = Number(headers.get(names.reset ?? "ratelimit-reset"));
  const retryAfter = headers.get(names.retryAfter ?? "retry-after");
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
  return at > now ? at : now + 1000;
}

/** How the client turns the platform's refusals into errors; each has a generic default. */
export interface HttpErrors {
  /** A 4xx other than 401/403/429. @default an {@link HttpApiError} coded `<codePrefix>_<status>` */
  refused(method: string, path: string, status: number, message: string): ProviderError;
  /** 401/403. @default an {@link AccessError} */
  access(method: string, path: string, status: number, message: string): ProviderError;
  /** A rate limit too long to wait out here. @default a {@link RateLimitedError} */
  rateLimited(method: string, path: string, retryAfterMs: number): ProviderError;
}

export interface HttpClientOptions {
  /** The API's base URL; request paths are appended to it. */
  baseUrl: string;
  /** The platform's name in messages and logs: `Render`. */
  platform: string;
  /** The start of error codes: `<prefix>_UNREACHABLE`, `<prefix>_503`. @default the platform's name in capitals */
  codePrefix?: PlatformCodePrefix;
  /** Sent with every request: the auth header (`authorization: Bearer …`) and any other. */
  headers: Record<string, string> | (() => Record<string, string>);
  /** Client-side pacing. @default {@link unlimited}: no counting, closed only by 429s */
  limiter?: RequestPacer;
  /** The platform's rate-limit headers. @default Ratelimit-Reset and Retry-After */
  rateLimitHeaders?: RateLimitHeaders;
  errors?: Partial<HttpErrors>;
  logger?: Logger;
  /**
   * Per request, at most {@link MAX_REQUEST_TIMEOUT_MS}; always capped by the time left
   * before the action's deadline. @default {@link DEFAULT_REQUEST_TIMEOUT_MS}
   */
  timeoutMs?: number;
  /** Attempts of an idempotent request on 5xx/network errors. @default 4 */
  maxAttempts?: number;
  /** Backoff between those attempts. @default { baseMs: 250, maxMs: 5000 } */
  retry?: { baseMs: number; maxMs: number };
  /** Rate-limit waits up to this long are waited out in place. @default 2000 */
  maxInlineWaitMs?: number;
  /** 429s in a row before the rate limit surfaces even if short. @default 10 */
  max429s?: number;
  /** Array query values: `a,b` (`comma`, OpenAPI form without explode) or `k=a&k=b` (`repeat`). @default "comma" */
  arrays?: "comma" | "repeat";
  fetch?: typeof fetch;
  /** Each request's latency and status class, and the rate-limit waits, as `platform` in lower case. */
  metrics?: ProviderMetrics;
}

export class HttpClient {
  readonly baseUrl: string;
  readonly platform: string;
  readonly #codePrefix: PlatformCodePrefix;
  readonly #headers: () => Record<string, string>;
  readonly #limiter: RequestPacer;
  readonly #rateLimitHeaders: RateLimitHeaders;
  readonly #errors: HttpErrors;
  readonly #logger: Logger | undefined;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #retry: { baseMs: number; maxMs: number };
  readonly #maxInlineWaitMs: number;
  readonly #max429s: number;
  readonly #arrays: "comma" | "repeat";
  readonly #fetch: typeof fetch;
  readonly #metrics: ProviderMetrics | undefined;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.platform = options.platform;
    // Without a declared prefix (a test's platform), the platform's name; its codes are then
    // outside the catalogue, which a real platform must not be.
    const prefix =
      options.codePrefix ??
      (options.platform.toUpperCase().replace(/[^A-Z0-9]+/g, "_") as PlatformCodePrefix);
    this.#codePrefix = prefix;
    const headers = options.headers;
    this.#headers = typeof headers === "function" ? headers : () => headers;
    this.#limiter = options.limiter ?? unlimited();
    this.#rateLimitHeaders = options.rateLimitHeaders ?? {};
    const platform = options.platform;
    this.#errors = {
      refused: (method, path, status, message) =>
        new HttpApiError(
          `${platform} ${method} ${path}: ${status} ${message}`,
          status,
          `${prefix}_${status}`,
        ),
      access: (method, path, status, message) =>
        new AccessError(
          `${platform} refused Tenantry's credentials: ${method} ${path} answered ${status} (${message})`,
        ),
      rateLimited: (method, path, ms) =>
        new RateLimitedError(
          `${platform} rate limit for ${method} ${path}: next slot in ${Math.ceil(ms / 1000)} s`,
          ms,
        ),
      ...options.errors,
    };
    this.#logger = options.logger;
    this.#timeoutMs = Math.max(
      1,
      Math.min(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, MAX_REQUEST_TIMEOUT_MS),
    );
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#retry = options.retry ?? { baseMs: 250, maxMs: 5000 };
    this.#maxInlineWaitMs = options.maxInlineWaitMs ?? 2000;
    this.#max429s = options.max429s ?? 10;
    this.#arrays = options.arrays ?? "comma";
    // Metrics (providers/metrics.ts): every request, and every rate-limit wait (inline in #pace).
    this.#metrics = options.metrics;
    this.#fetch = meteredFetch(options.fetch ?? fetch, options.metrics, platform.toLowerCase());
    this.#errors.rateLimited = requeueCounted(
      this.#errors.rateLimited,
      options.metrics,
      platform.toLowerCase(),
    );
  }

  /** The longest a single request may take (before its action's deadline caps it). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  get<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  /** GET that answers `undefined` for 404/410 (the object does not exist, or no longer). */
  async find<T>(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<T | undefined> {
    try {
      return await this.request<T>("GET", path, options);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** DELETE that answers `false` for 404/410 (already gone), `true` when it deleted. */
  async remove(path: string, options: Omit<RequestOptions, "body"> = {}): Promise<boolean> {
    try {
      await this.request("DELETE", path, options);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? method !== "POST";
    const ctx = options.ctx;
    const { platform } = this;
    const tag = platform.toLowerCase();
    // Time the request needs left before the deadline to be worth starting.
    const need = idempotent ? 1 : Math.min(this.#timeoutMs, MIN_TIME_TO_START_CREATE_MS);
    let attempt = 0;
    let limited = 0;
    for (;;) {
      attempt++;
      await this.#pace(method, path, need, ctx);
      const timeoutMs = this.#timeoutFor(method, path, need, ctx);
      // Bounds the answer and the reading of its body; disposed once the body is read.
      const deadline = deadlineSignal(ctx?.signal, timeoutMs);
      let response: Response;
      try {
        response = await this.#send(method, path, options, deadline.signal);
      } catch (err) {
        deadline.dispose();
        this.#throwIfOutOfTime(method, path, ctx);
        const message = err instanceof Error ? err.message : String(err);
        if (idempotent && attempt < this.#maxAttempts && this.#canWait(attempt, ctx)) {
          this.#logger?.warn({ method, path, attempt, err: message }, `${tag}: request failed, retrying`);
          await this.#backoff(attempt, ctx);
          continue;
        }
        throw new ProviderError(`${platform} ${method} ${path}: ${message}`, {
          retryable: true,
          code: `${this.#codePrefix}_UNREACHABLE`,
          cause: err,
        });
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        let text: string;
        try {
          text = await response.text();
        } catch (err) {
          // Cut off while reading the answer: the outcome is known to the platform only.
          this.#throwIfOutOfTime(method, path, ctx);
          throw new ProviderError(`${platform} ${method} ${path}: ${(err as Error).message}`, {
            retryable: true,
            code: `${this.#codePrefix}_UNREACHABLE`,
            cause: err,
          });
        } finally {
          deadline.dispose();
        }
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const message = await errorMessage(response).finally(deadline.dispose);
      this.#logger?.debug({ method, path, status }, `${tag}: request refused`);
      if (status === 429) {
        const resetAt = resetTimeOf(response.headers, Date.now(), this.#rateLimitHeaders);
        this.#limiter.blockUntil(method, path, resetAt);
        if (++limited >= this.#max429s) throw this.#errors.rateLimited(method, path, resetAt - Date.now());
        attempt--; // a 429 had no effect: not a failed attempt
        continue; // #pace waits it out, or surfaces it
      }
      if (status === 401 || status === 403) throw this.#errors.access(method, path, status, message);
      if (status >= 500 || status === 408) {
        if (idempotent && attempt < this.#maxAttempts && this.#canWait(attempt, ctx)) {
          this.#logger?.warn({ method, path, attempt, status }, `${tag}: server error, retrying`);
          await this.#backoff(attempt, ctx);
          continue;
        }
        throw new ProviderError(`${platform} ${method} ${path}: ${status} ${message}`, {
          retryable: true,
          code: `${this.#codePrefix}_${status}`,
        });
      }
      throw this.#errors.refused(method, path, status, message);
    }
  }

  /**
   * The timeout of the request about to start: the configured one, capped by the time left
   * before the deadline. With less than `need` left the request is not started: the
   * action's time is up (the engine's abort, no attempt spent).
   */
  #timeoutFor(method: string, path: string, need: number, ctx: Scope | undefined): number {
    if (!ctx) return this.#timeoutMs;
    ctx.throwIfAborted();
    const left = ctx.timeLeft();
    if (left < need) {
      throw new AbortedError(
        `${left} ms left before the deadline: ${this.platform} ${method} ${path} not started (it needs ${need} ms)`,
      );
    }
    return Math.min(this.#timeoutMs, left);
  }

  /** After a failed send: an abort, or a timeout that was the deadline's, ends the request. */
  #throwIfOutOfTime(method: string, path: string, ctx: Scope | undefined): void {
    if (!ctx) return;
    ctx.throwIfAborted();
    if (ctx.timeLeft() <= 0) {
      throw new AbortedError(`the deadline passed during ${this.platform} ${method} ${path}`);
    }
  }

  #delay(attempt: number): number {
    return backoffDelay({ ...this.#retry, maxAttempts: this.#maxAttempts }, attempt);
  }

  /**
   * Whether a retry after the backoff of `attempt` still fits before the deadline (the
   * backoff is drawn at random: this uses its ceiling). Otherwise the error surfaces and
   * the engine retries later.
   */
  #canWait(attempt: number, ctx: Scope | undefined): boolean {
    return !ctx || ctx.timeLeft() > Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** (attempt - 1));
  }

  async #backoff(attempt: number, ctx: Scope | undefined): Promise<void> {
    const ms = ctx ? Math.min(this.#delay(attempt), ctx.timeLeft()) : this.#delay(attempt);
    await sleep(ms, ctx?.signal).catch((err: unknown) => {
      ctx?.throwIfAborted();
      throw err;
    });
  }

  /**
   * Waits for the request's rate-limit slot, or throws when the wait is long: longer than
   * {@link HttpClientOptions.maxInlineWaitMs}, or than the deadline allows.
   */
  async #pace(method: string, path: string, need: number, ctx: Scope | undefined): Promise<void> {
    for (;;) {
      const wait = this.#limiter.take(method, path);
      if (wait === 0) return;
      const room = ctx ? ctx.timeLeft() - need : Number.POSITIVE_INFINITY;
      if (wait > Math.min(this.#maxInlineWaitMs, room)) throw this.#errors.rateLimited(method, path, wait);
      this.#metrics?.rateLimitWait(this.platform.toLowerCase(), "inline", wait / 1000);
      await sleep(wait, ctx?.signal).catch((err: unknown) => {
        ctx?.throwIfAborted();
        throw err;
      });
    }
  }

  /** Sends the request; `signal` (the action's and the request's timeout, see deadlineSignal) ends it. */
  async #send(method: string, path: string, options: RequestOptions, signal: AbortSignal): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v) && this.#arrays === "repeat")
        for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    // fetch's own link to the signal can be lost under GC pressure too (nodejs/node#55428):
    // an abort also ends the wait here.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([
        this.#fetch(url, {
          method,
          headers: {
            accept: "application/json",
            ...this.#headers(),
            ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
          signal,
        }),
        aborted,
      ]);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }
}

/** A rate limit handed back to the engine (it requeues the operation until then) is a wait too. */
function requeueCounted(
  rateLimited: HttpErrors["rateLimited"],
  metrics: ProviderMetrics | undefined,
  provider: string,
): HttpErrors["rateLimited"] {
  if (!metrics) return rateLimited;
  return (method, path, ms) => {
    metrics.rateLimitWait(provider, "requeued", Math.max(0, ms) / 1000);
    return rateLimited(method, path, ms);
  };
}

/** The platform's message: a JSON body's `message`, else the start of the body, else the status text. */
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

/**
 * Every item of a paginated list: `page(cursor)` answers one page's items and the next
 * cursor (`undefined` after the last page). Stops after `maxPages` pages.
 */
export async function listPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>,
  options: { maxPages?: number } = {},
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < (options.maxPages ?? 1000); n++) {
    const { items, next } = await page(cursor);
    out.push(...items);
    if (next === undefined) break;
    cursor = next;
  }
  return out;
}
