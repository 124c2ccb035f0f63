/**
 * Client-side pacing within a platform's documented rate limits, so that a burst of
 * tenants waits in the queue instead of running into 429s. A platform describes its
 * buckets (a limit per window) and which bucket a request counts against; the limiter
 * counts. Each bucket is a fixed window opened by its first request. A 429 from the
 * platform (another process sharing the credentials, or limits lowered) closes the bucket
 * until the reset the platform announced. The limiter lives in one Tenantry process;
 * several processes sharing credentials each pace themselves, and the platform's 429s are
 * the backstop.
 */

/** What {@link HttpClient} needs of a limiter (see `http-client.ts`). */
export interface RequestPacer {
  /** 0 when the request may go now (counted), else how many ms until it may (nothing counted). */
  take(method: string, path: string): number;
  /** The platform answered 429 for this request: its bucket stays closed until `resetAt` (epoch ms). */
  blockUntil(method: string, path: string, resetAt: number): void;
}

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

/** The bucket a request counts against, and its key (e.g. per object where the platform counts per object). */
export type BucketOf<B extends string> = (method: string, path: string) => { name: B; key: string };

export interface BucketRateLimiterOptions<B extends string> {
  limits: Record<B, BucketLimit>;
  bucketOf: BucketOf<B>;
  /** Divides every window (tests against a fake that takes the same factor). @default 1 */
  scale?: number;
}

interface Window {
  start: number;
  used: number;
  /** Closed by a 429 until this time. */
  blockedUntil: number;
}

export class BucketRateLimiter<B extends string> implements RequestPacer {
  readonly #limits: Record<B, BucketLimit>;
  readonly #bucketOf: BucketOf<B>;
  readonly #windows = new Map<string, Window>();
  readonly #names = new Map<string, B>();
  readonly #now: () => number;

  constructor(options: BucketRateLimiterOptions<B>, now: () => number = Date.now) {
    const scale = options.scale ?? 1;
    this.#limits = Object.fromEntries(
      (Object.entries(options.limits) as [B, BucketLimit][]).map(([name, l]) => [
        name,
        { limit: l.limit, windowMs: l.windowMs / scale },
      ]),
    ) as Record<B, BucketLimit>;
    this.#bucketOf = options.bucketOf;
    this.#now = now;
  }

  take(method: string, path: string): number {
    const { name, key } = this.#bucketOf(method, path);
    const { limit, windowMs } = this.#limits[name];
    const now = this.#now();
    let w = this.#windows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, used: 0, blockedUntil: w?.blockedUntil ?? 0 };
      this.#windows.set(key, w);
      this.#names.set(key, name);
    }
    if (w.blockedUntil > now) return w.blockedUntil - now;
    if (w.used >= limit) return w.start + windowMs - now;
    w.used++;
    if (this.#windows.size > 10_000) this.#prune(now);
    return 0;
  }

  blockUntil(method: string, path: string, resetAt: number): void {
    const { name, key } = this.#bucketOf(method, path);
    const now = this.#now();
    const w = this.#windows.get(key) ?? { start: now, used: 0, blockedUntil: 0 };
    w.blockedUntil = Math.max(w.blockedUntil, resetAt);
    this.#windows.set(key, w);
    this.#names.set(key, name);
  }

  #prune(now: number): void {
    for (const [key, w] of this.#windows) {
      const name = this.#names.get(key);
      const windowMs = name === undefined ? 0 : this.#limits[name].windowMs;
      if (now >= w.start + windowMs && w.blockedUntil <= now) {
        this.#windows.delete(key);
        this.#names.delete(key);
      }
    }
  }
}

/**
 * A pacer for a platform without documented limits: it never holds a request back by
 * count, but a 429 still closes it (every request) until the announced reset.
 */
export function unlimited(): RequestPacer {
  return new BucketRateLimiter({
    limits: { all: { limit: Number.POSITIVE_INFINITY, windowMs: 60_000 } },
    bucketOf: () => ({ name: "all", key: "all" }),
  });
}
