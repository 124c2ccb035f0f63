/**
 * Client-side pacing within Render's documented rate limits
 * (https://api-docs.render.com/reference/rate-limiting), so that a burst of tenants waits
 * in the queue instead of running into 429s:
 *
 * | requests                                                           | limit                  |
 * | ------------------------------------------------------------------ | ---------------------- |
 * | `POST /services`                                                   | 20 per hour            |
 * | `PATCH /services/{id}`, `POST /services/{id}/deploys|resume|suspend`, custom domains | 10 per minute per service |
 * | every other `POST`/`PATCH`/`PUT`/`DELETE`                          | 30 per minute          |
 * | every other `GET`                                                  | 400 per minute         |
 *
 * Each bucket is a fixed window opened by its first request. A 429 from Render (another
 * process sharing the API key, or limits lowered by Render) closes the bucket until the
 * reset Render announced. The limiter lives in one Tenantry process; several processes
 * sharing a key each pace themselves, and Render's 429s are the backstop.
 */

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

export interface RenderRateLimitsOptions {
  /** Divides every window (tests; the fake Render API takes the same factor). @default 1 */
  scale?: number;
  /** Overrides per bucket name (`create-service`, `service-change`, `write`, `read`). */
  limits?: Partial<Record<BucketName, BucketLimit>>;
}

export type BucketName = "create-service" | "service-change" | "write" | "read";

const HOUR = 3_600_000;
const MINUTE = 60_000;

export const RENDER_DOCUMENTED_LIMITS: Record<BucketName, BucketLimit> = {
  "create-service": { limit: 20, windowMs: HOUR },
  "service-change": { limit: 10, windowMs: MINUTE },
  write: { limit: 30, windowMs: MINUTE },
  read: { limit: 400, windowMs: MINUTE },
};

/** The bucket a request counts against, and its key (per service where Render counts per service). */
export function bucketOf(method: string, path: string): { name: BucketName; key: string } {
  const m = method.toUpperCase();
  if (m === "GET" || m === "HEAD") return { name: "read", key: "read" };
  if (m === "POST" && path === "/services") return { name: "create-service", key: "create-service" };
  const service = /^\/services\/([^/]+)(\/(deploys|resume|suspend|custom-domains))?$/.exec(path);
  if (service && ((m === "PATCH" && !service[2]) || (m === "POST" && service[2]))) {
    return { name: "service-change", key: `service-change:${service[1]}` };
  }
  return { name: "write", key: "write" };
}

interface Window {
  start: number;
  used: number;
  /** Closed by a 429 until this time. */
  blockedUntil: number;
}

export class RenderRateLimiter {
  readonly #limits: Record<BucketName, BucketLimit>;
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;

  constructor(options: RenderRateLimitsOptions = {}, now: () => number = Date.now) {
    const scale = options.scale ?? 1;
    const limits = { ...RENDER_DOCUMENTED_LIMITS, ...options.limits };
    this.#limits = Object.fromEntries(
      Object.entries(limits).map(([name, l]) => [name, { limit: l.limit, windowMs: l.windowMs / scale }]),
    ) as Record<BucketName, BucketLimit>;
    this.#now = now;
  }

  /**
   * Takes one request from the request's bucket: 0 when it may go now (counted), else
   * how many ms until it may (nothing counted).
   */
  take(method: string, path: string): number {
    const { name, key } = bucketOf(method, path);
    const { limit, windowMs } = this.#limits[name];
    const now = this.#now();
    let w = this.#windows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, used: 0, blockedUntil: w?.blockedUntil ?? 0 };
      this.#windows.set(key, w);
    }
    if (w.blockedUntil > now) return w.blockedUntil - now;
    if (w.used >= limit) return w.start + windowMs - now;
    w.used++;
    if (this.#windows.size > 10_000) this.#prune(now);
    return 0;
  }

  /** Render answered 429 for this request: its bucket stays closed until `resetAt` (epoch ms). */
  blockUntil(method: string, path: string, resetAt: number): void {
    const { key } = bucketOf(method, path);
    const now = this.#now();
    const w = this.#windows.get(key) ?? { start: now, used: 0, blockedUntil: 0 };
    w.blockedUntil = Math.max(w.blockedUntil, resetAt);
    this.#windows.set(key, w);
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) {
      const name = key.split(":")[0] as BucketName;
      if (now >= w.start + this.#limits[name].windowMs && w.blockedUntil <= now) this.#windows.delete(key);
    }
  }
}
