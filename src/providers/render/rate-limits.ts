import { type BucketLimit, BucketRateLimiter } from "../kit/index.js";

/**
 * Client-side pacing within Render's documented rate limits
 * (https://api-docs.render.com/reference/rate-limiting), on the kit's bucket limiter
 * (`providers/kit/rate-limiter.ts`: fixed windows, closed by a 429 until its reset):
 *
 * | requests                                                           | limit                  |
 * | ------------------------------------------------------------------ | ---------------------- |
 * | `POST /services`                                                   | 20 per hour            |
 * | `PATCH /services/{id}`, `POST /services/{id}/deploys|resume|suspend`, custom domains | 10 per minute per service |
 * | every other `POST`/`PATCH`/`PUT`/`DELETE`                          | 30 per minute          |
 * | every other `GET`                                                  | 400 per minute         |
 */

export type { BucketLimit } from "../kit/index.js";

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

export class RenderRateLimiter extends BucketRateLimiter<BucketName> {
  constructor(options: RenderRateLimitsOptions = {}, now: () => number = Date.now) {
    super(
      { limits: { ...RENDER_DOCUMENTED_LIMITS, ...options.limits }, bucketOf, scale: options.scale },
      now,
    );
  }
}
