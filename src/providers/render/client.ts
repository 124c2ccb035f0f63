import type { Logger } from "pino";
import { backoffDelay } from "../../engine/backoff.js";
import { ProviderError } from "../provider.js";
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
 * - 400/402/404/409/410/422: {@link RenderApiError}, permanent, with Render's message;
 * - 401/403: {@link RenderAccessError} ("lost access to the Render account").
 *
 * The API key goes into the Authorization header and nowhere else: never into logs,
 * errors or outputs.
 */

export interface RenderClientOptions {
  /** `RENDER_API_URL`. @default "https://api.render.com/v1" */
  baseUrl?: string;
  apiKey: string;
  limiter?: RenderRateLimiter;
  logger?: Logger;
  /** Per request. @default 30000 */
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
  signal?: AbortSignal;
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
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#retry = options.retry ?? { baseMs: 250, maxMs: 5000 };
    this.#maxInlineWaitMs = options.maxInlineWaitMs ?? 2000;
    this.#fetch = options.fetch ?? fetch;
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
    signal?: AbortSignal,
  ): Promise<T[]> {
    const out: T[] = [];
    const limit = 100;
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const items = await this.request<Record<string, unknown>[]>("GET", path, {
        query: { ...query, limit, cursor },
        signal,
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
    let attempt = 0;
    let limited = 0;
    for (;;) {
      attempt++;
      await this.#pace(method, path, options.signal);
      let response: Response;
      try {
        response = await this.#send(method, path, options);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        const message = err instanceof Error ? err.message : String(err);
        if (idempotent && attempt < this.#maxAttempts) {
          this.#logger?.warn({ method, path, attempt, err: message }, "render: request failed, retrying");
          await sleep(
            backoffDelay({ ...this.#retry, maxAttempts: this.#maxAttempts }, attempt),
            options.signal,
          );
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
        const text = await response.text();
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
        if (idempotent && attempt < this.#maxAttempts) {
          this.#logger?.warn({ method, path, attempt, status }, "render: server error, retrying");
          await sleep(
            backoffDelay({ ...this.#retry, maxAttempts: this.#maxAttempts }, attempt),
            options.signal,
          );
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

  /** Waits for the request's rate-limit slot, or throws when the wait is long. */
  async #pace(method: string, path: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#limiter.take(method, path);
      if (wait === 0) return;
      if (wait > this.#maxInlineWaitMs) throw new RenderRateLimitedError(method, path, wait);
      await sleep(wait, signal);
    }
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v === undefined) continue;
      // Render's list filters are `style: form, explode: false`: `name=a,b`.
      url.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    const signals = [AbortSignal.timeout(this.#timeoutMs)];
    if (options.signal) signals.push(options.signal);
    return this.#fetch(url, {
      method,
      headers: {
        accept: "application/json",
        authorization: `Bearer ${this.#apiKey}`,
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.any(signals),
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
