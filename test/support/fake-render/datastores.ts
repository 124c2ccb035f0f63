import { badRequest } from "./errors.js";
import { REGIONS } from "./service-details.js";
import { iso, type Store } from "./store.js";
import type { CidrBlock, DatabaseStatus, Suspended } from "./types.js";

/** What Postgres and Key Value instances share: status progression, suspension, inputs. */

interface Datastore {
  status: DatabaseStatus;
  updatedAt: string;
}

/** `creating` until `afterMs` has passed, then `available`. */
export function becomeAvailable(
  store: Store,
  target: Datastore,
  now: number,
  afterMs: number,
  exists: () => boolean,
) {
  store.timeline.schedule(now + afterMs, (at) => {
    if (!exists() || target.status !== "creating") return;
    target.status = "available";
    target.updatedAt = iso(at);
  });
}

export function setSuspended(
  target: Datastore & { suspended?: Suspended; suspenders?: string[] },
  suspend: boolean,
  now: number,
): void {
  if (suspend) {
    target.status = "suspended";
    if (target.suspended !== undefined) target.suspended = "suspended";
    if (target.suspenders !== undefined) target.suspenders = ["user"];
  } else if (target.status === "suspended") {
    target.status = "available";
    if (target.suspended !== undefined) target.suspended = "not_suspended";
    if (target.suspenders !== undefined) target.suspenders = [];
  }
  target.updatedAt = iso(now);
}

export function regionOf(input: Record<string, unknown>): string {
  const region = input["region"] ?? "oregon";
  if (typeof region !== "string" || !REGIONS.includes(region)) {
    throw badRequest(`region must be one of ${REGIONS.join(", ")}`);
  }
  return region;
}

export function ipAllowListOf(value: unknown, fallback: CidrBlock[]): CidrBlock[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw badRequest("ipAllowList must be an array");
  return value.map((entry, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e["cidrBlock"] !== "string") throw badRequest(`ipAllowList[${i}].cidrBlock is required`);
    return {
      cidrBlock: e["cidrBlock"],
      description: typeof e["description"] === "string" ? e["description"] : "",
    };
  });
}
