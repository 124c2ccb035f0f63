/**
 * Render's documented rate limits (https://api-docs.render.com/reference/rate-limiting),
 * as fixed windows opened by the first request of each window:
 *
 * | bucket           | requests                                                           | limit                    |
 * | ---------------- | ------------------------------------------------------------------ | ------------------------ |
 * | `create-service` | `POST /services`                                                   | 20 per hour (per key)    |
 * | `service-change` | `PATCH /services/{id}`, `POST /services/{id}/deploys`, `…/resume`, `…/suspend`, `POST …/custom-domains`, `POST …/custom-domains/{x}/verify` | 10 per minute per service |
 * | `write`          | every other `POST`/`PUT`/`PATCH`/`DELETE`                          | 30 per minute            |
 * | `read`           | every other `GET`                                                  | 400 per minute           |
 *
 * Render's table lists the custom-domain endpoints in the per-service row; they share that
 * row's bucket here. Windows are divided by `scale`.
 */

export type BucketName = "create-service" | "service-change" | "write" | "read";

const HOUR = 3_600_000;
const MINUTE = 60_000;

const LIMITS: Record<BucketName, { limit: number; windowMs: number }> = {
  "create-service": { limit: 20, windowMs: HOUR },
  "service-change": { limit: 10, windowMs: MINUTE },
  write: { limit: 30, windowMs: MINUTE },
  read: { limit: 400, windowMs: MINUTE },
};

const SERVICE_CHANGE = new Set([
  "PATCH /services/{serviceId}",
  "POST /services/{serviceId}/deploys",
  "POST /services/{serviceId}/resume",
  "POST /services/{serviceId}/suspend",
  "POST /services/{serviceId}/custom-domains",
  "POST /services/{serviceId}/custom-domains/{customDomainIdOrName}/verify",
]);

/** The bucket of a request, from its route template; `scope` separates per-service windows. */
export function bucketOf(
  method: string,
  template: string,
  params: Record<string, string>,
): { name: BucketName; scope: string } {
  const m = method.toUpperCase();
  if (m === "POST" && template === "/services") return { name: "create-service", scope: "" };
  if (SERVICE_CHANGE.has(`${m} ${template}`))
    return { name: "service-change", scope: params["serviceId"] ?? "" };
  if (m === "GET" || m === "HEAD") return { name: "read", scope: "" };
  return { name: "write", scope: "" };
}

export interface RateDecision {
  allowed: boolean;
  bucket: BucketName;
  headers: Record<string, string>;
}

export class RateLimits {
  readonly #scale: number;
  readonly #resetStyle: "epoch" | "delta";
  readonly #windows = new Map<string, { start: number; used: number }>();

  constructor(scale: number, resetStyle: "epoch" | "delta") {
    if (!(scale > 0)) throw new Error(`rateLimitScale must be positive, got ${scale}`);
    this.#scale = scale;
    this.#resetStyle = resetStyle;
  }

  /** Counts the request in its bucket, or refuses it (nothing counted) when the window is full. */
  take(bucket: { name: BucketName; scope: string }, now: number): RateDecision {
    const { limit, windowMs: base } = LIMITS[bucket.name];
    const windowMs = Math.max(1, base / this.#scale);
    const key = `${bucket.name}:${bucket.scope}`;
    let w = this.#windows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
    }
    const allowed = w.used < limit;
    if (allowed) w.used++;
    const resetAt = w.start + windowMs;
    const secondsLeft = Math.max(0, Math.ceil((resetAt - now) / 1000));
    const headers: Record<string, string> = {
      "Ratelimit-Limit": String(limit),
      "Ratelimit-Remaining": String(limit - w.used),
      "Ratelimit-Reset": String(this.#resetStyle === "epoch" ? Math.ceil(resetAt / 1000) : secondsLeft),
    };
    if (!allowed) headers["Retry-After"] = String(Math.max(1, secondsLeft));
    return { allowed, bucket: bucket.name, headers };
  }
}
