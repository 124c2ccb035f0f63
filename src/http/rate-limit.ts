import type { FastifyReply, FastifyRequest } from "fastify";
import { TenantryError } from "../domain/errors.js";
import type { Queryable } from "../services/database.js";
import { countRequest, forgetEndedWindows, RATE_WINDOW_SECONDS } from "../services/rate-limit-windows.js";

/** Routes never limited: probes of load balancers and Prometheus must always get through. */
export const RATE_LIMIT_EXEMPT: ReadonlySet<string> = new Set(["/health", "/ready", "/metrics"]);

export interface RateLimiter {
  /**
   * Counts the request against its key's window (the API key's id once authenticated,
   * else the client address), sets `X-RateLimit-Limit/Remaining/Reset`, and throws 429
   * `RATE_LIMITED` (with `Retry-After`) when the window is full.
   */
  count(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/**
 * Request rate limits per API key, `perMinute` requests in fixed one-minute windows,
 * counted in PostgreSQL (`rate_limit_windows`) so that several API processes on one
 * database share one count. 0 turns them off. The same headers as `@fastify/rate-limit`
 * (docs/quotas.md says why it is not that plugin).
 */
export function createRateLimiter(
  db: Queryable,
  perMinute: number,
  log?: { warn(o: object, m: string): void },
) {
  let lastCleanup = 0;
  const limiter: RateLimiter = {
    async count(request, reply) {
      if (perMinute <= 0 || RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? "")) return;
      const key = request.principal ? `key:${request.principal.apiKeyId}` : `ip:${request.ip}`;
      let window: { count: number; resetSeconds: number };
      try {
        window = await countRequest(db, key);
      } catch (err) {
        // Fail open, like the plugin's `skipOnError`: without the database nothing but the
        // public pages answers anyway, and those should not turn into 503s.
        log?.warn({ err: (err as Error).message }, "could not count a request against its rate limit");
        return;
      }
      const { count, resetSeconds } = window;
      reply.header("x-ratelimit-limit", String(perMinute));
      reply.header("x-ratelimit-remaining", String(Math.max(0, perMinute - count)));
      reply.header("x-ratelimit-reset", String(resetSeconds));
      if (Date.now() - lastCleanup > RATE_WINDOW_SECONDS * 1000) {
        lastCleanup = Date.now();
        forgetEndedWindows(db).catch((err: unknown) =>
          log?.warn({ err: (err as Error).message }, "could not delete old rate-limit windows"),
        );
      }
      if (count > perMinute) {
        throw new TenantryError(
          "RATE_LIMITED",
          `more than ${perMinute} requests in a minute ${request.principal ? "with this API key" : "from this address"}; retry in ${resetSeconds} s`,
          { extra: { limit: perMinute, current: count, retry_after: resetSeconds } },
        );
      }
    },
  };
  return limiter;
}
