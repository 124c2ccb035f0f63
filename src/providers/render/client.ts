import type { Logger } from "pino";
import {
  HttpApiError,
  HttpClient,
  resetTimeOf as kitResetTimeOf,
  listPages,
  RateLimitedError,
  type RequestOptions,
  type Scope,
} from "../kit/index.js";
import type { ProviderMetrics } from "../metrics.js";
import { AccessError } from "../provider.js";
import { RenderRateLimiter } from "./rate-limits.js";

/**
 * A small client of Render's public REST API (https://api-docs.render.com): the kit's
 * paced HTTP client (`providers/kit/http-client.ts`: deadlines, retries of idempotent
 * requests, 429s, never re-sending a create) with what is Render's own:
 *
 * - the API key as a bearer token (never in logs, errors or outputs);
 * - pacing within Render's documented limits ({@link RenderRateLimiter}), and 429s read
 *   from `Ratelimit-Reset` (epoch seconds, or a delta when the value is small) and `Retry-After`;
 * - errors: 400/402/404/409/410/422 {@link RenderApiError} (permanent, Render's message,
 *   code `RENDER_<status>`), 401/403 {@link RenderAccessError} ("lost access to the Render
 *   account", the `access_error` condition), rate limits {@link RenderRateLimitedError},
 *   network errors `RENDER_UNREACHABLE`;
 * - Render's cursor pagination ({@link RenderClient.list}).
 */

export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_REQUEST_TIMEOUT_MS,
  MIN_TIME_TO_START_CREATE_MS,
  type RequestOptions,
} from "../kit/index.js";

/**
 * What bounds a request: the action it belongs to. {@link ProviderContext} is one; its
 * signal aborts the request, and its deadline caps the request's timeout.
 */
export type RequestScope = Scope;

export interface RenderClientOptions {
  /** `RENDER_API_URL`. @default "https://api.render.com/v1" */
  baseUrl?: string;
  apiKey: string;
  limiter?: RenderRateLimiter;
  logger?: Logger;
  /**
   * Per request, at most 30000 (`MAX_REQUEST_TIMEOUT_MS`); always capped by the time left
   * before the action's deadline. @default 4500 (`DEFAULT_REQUEST_TIMEOUT_MS`)
   */
  timeoutMs?: number;
  /** Attempts of an idempotent request on 5xx/network errors. @default 4 */
  maxAttempts?: number;
  /** Backoff between those attempts. @default { baseMs: 250, maxMs: 5000 } */
  retry?: { baseMs: number; maxMs: number };
  /** Rate-limit waits up to this long are waited out in place. @default 2000 */
  maxInlineWaitMs?: number;
  fetch?: typeof fetch;
  /** Requests and rate-limit waits, as provider `render`. */
  metrics?: ProviderMetrics;
}

/** Render refused the request for good (bad input, payment, conflict, not found). */
export class RenderApiError extends HttpApiError {
  constructor(method: string, path: string, status: number, message: string) {
    super(`Render ${method} ${path}: ${status} ${message}`, status, `RENDER_${status}`);
    this.name = "RenderApiError";
  }
}

/** The API key was refused (401) or lacks permission (403). */
export class RenderAccessError extends AccessError {
  readonly status: number;
  constructor(method: string, path: string, status: number, message: string) {
    super(
      `lost access to the Render account: ${method} ${path} answered ${status} (${message}); check RENDER_API_KEY and RENDER_OWNER_ID`,
    );
    this.name = "RenderAccessError";
    this.status = status;
  }
}

/** Render's (or our own) rate limit: try again after `retryAfterMs`. */
export class RenderRateLimitedError extends RateLimitedError {
  constructor(method: string, path: string, retryAfterMs: number) {
    super(
      `Render rate limit for ${method} ${path}: next slot in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    );
    this.name = "RenderRateLimitedError";
  }
}

/** When a 429's bucket opens again, epoch ms. `Ratelimit-Reset` is epoch seconds per Render's docs; small values are read as a delta. */
export function resetTimeOf(headers: Headers, now: number): number {
  return kitResetTimeOf(headers, now, { reset: "ratelimit-reset", retryAfter: "retry-after" });
}

export class RenderClient extends HttpClient {
  constructor(options: RenderClientOptions) {
    const apiKey = options.apiKey;
    super({
      baseUrl: options.baseUrl ?? "https://api.render.com/v1",
      platform: "Render",
      codePrefix: "RENDER",
      headers: { authorization: `Bearer ${apiKey}` },
      limiter: options.limiter ?? new RenderRateLimiter(),
      rateLimitHeaders: { reset: "ratelimit-reset", retryAfter: "retry-after" },
      errors: {
        refused: (method, path, status, message) => new RenderApiError(method, path, status, message),
        access: (method, path, status, message) => new RenderAccessError(method, path, status, message),
        rateLimited: (method, path, ms) => new RenderRateLimitedError(method, path, ms),
      },
      logger: options.logger,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      retry: options.retry,
      maxInlineWaitMs: options.maxInlineWaitMs,
      // Render's list filters are `style: form, explode: false`: `name=a,b`.
      arrays: "comma",
      fetch: options.fetch,
      metrics: options.metrics,
    });
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
    const limit = 100;
    return listPages<T>(async (cursor) => {
      const items = await this.request<Record<string, unknown>[]>("GET", path, {
        query: { ...query, limit, cursor },
        ctx,
      });
      // Most lists wrap items (`{cursor, service}`); `GET /env-groups` returns them bare.
      const values = items
        .map((item) => item[key] ?? (typeof item["id"] === "string" ? item : undefined))
        .filter((value) => value !== undefined) as T[];
      const last = items.at(-1);
      const next = items.length < limit || typeof last?.["cursor"] !== "string" ? undefined : last["cursor"];
      return { items: values, next };
    });
  }
}
