import { TenantryError } from "../domain/errors.js";
import {
  effectiveQuotas,
  QUOTA_NAMES,
  type QuotaLimits,
  type QuotaName,
  type QuotaOverrides,
} from "../domain/quotas.js";
import {
  countBlueprintNames,
  countLiveTenants,
  getQuotaOverrides,
  lockOrganizationQuotas,
  putQuotaOverrides,
  quotaUsage,
  recentCreates,
} from "../store/sql/quotas.js";
import type { Queryable } from "./database.js";

/** One quota as the API shows it. */
export interface QuotaState {
  /** The limit in force; 0 = unlimited. */
  limit: number;
  /** The organization's use now. */
  current: number;
  /** Whether the limit is this organization's override (not the installation's default). */
  overridden: boolean;
}

export type QuotaReport = Record<QuotaName, QuotaState>;

function exceeded(quota: QuotaName, limit: number, current: number, what: string): TenantryError {
  return new TenantryError(
    "QUOTA_EXCEEDED",
    `the organization has ${current} ${what} of ${limit} allowed (quota ${quota}); ask the installation's operator to raise it`,
    { extra: { quota, limit, current } },
  );
}

/**
 * Per-organization quotas (docs/quotas.md): the checks of tenant creates and new
 * blueprint names, and the platform admin's overrides. Each check takes the
 * organization's quota lock first, inside the caller's transaction, so that concurrent
 * requests at the limit pass one at a time: exactly the limit gets through. A refusal
 * throws before anything was written.
 */
export class QuotaService {
  constructor(private readonly defaults: Readonly<QuotaLimits>) {}

  /** The limits in force for the organization. */
  async limits(q: Queryable, organizationId: string): Promise<QuotaLimits> {
    return effectiveQuotas(this.defaults, await getQuotaOverrides(q, organizationId));
  }

  /** Refuses a tenant create over `max_tenants` (403) or `creates_per_minute` (429). */
  async checkTenantCreate(q: Queryable, organizationId: string): Promise<void> {
    // Unlimited organizations skip the lock: their creates need not take turns.
    const before = await this.limits(q, organizationId);
    if (before.max_tenants === 0 && before.creates_per_minute === 0) return;
    await lockOrganizationQuotas(q, organizationId);
    // Read again under the lock: an override changed meanwhile counts.
    const limits = await this.limits(q, organizationId);
    if (limits.max_tenants > 0) {
      const live = await countLiveTenants(q, organizationId);
      if (live >= limits.max_tenants) throw exceeded("max_tenants", limits.max_tenants, live, "tenants");
    }
    if (limits.creates_per_minute > 0) {
      const recent = await recentCreates(q, organizationId, limits.creates_per_minute);
      if (recent.count >= limits.creates_per_minute) {
        throw new TenantryError(
          "RATE_LIMITED",
          `the organization created ${recent.count} tenants in the last minute, the most it may (quota creates_per_minute); retry in ${recent.retryAfterSeconds} s`,
          {
            extra: {
              quota: "creates_per_minute",
              limit: limits.creates_per_minute,
              current: recent.count,
              retry_after: recent.retryAfterSeconds,
            },
          },
        );
      }
    }
  }

  /**
   * Takes the quota lock before a blueprint version is stored, and returns the check to
   * run when the name is new (a new version of a known name is not counted).
   */
  async beforeBlueprintPush(q: Queryable, organizationId: string): Promise<() => Promise<void>> {
    await lockOrganizationQuotas(q, organizationId);
    return async () => {
      const { max_blueprints: limit } = await this.limits(q, organizationId);
      if (limit === 0) return;
      const names = await countBlueprintNames(q, organizationId);
      if (names >= limit) throw exceeded("max_blueprints", limit, names, "blueprints");
    };
  }

  /** Each quota's limit, the organization's use and whether it is overridden. */
  async report(q: Queryable, organizationId: string): Promise<QuotaReport> {
    const overrides = await getQuotaOverrides(q, organizationId);
    const limits = effectiveQuotas(this.defaults, overrides);
    const usage = await quotaUsage(q, organizationId);
    const out = {} as QuotaReport;
    for (const name of QUOTA_NAMES) {
      out[name] = { limit: limits[name], current: usage[name], overridden: overrides[name] !== null };
    }
    return out;
  }

  /**
   * Changes the organization's overrides: `replace` sets all of them (a quota not given
   * goes back to the default), otherwise only the quotas given; null resets one.
   */
  async setOverrides(
    q: Queryable,
    organizationId: string,
    changes: Partial<QuotaOverrides>,
    replace: boolean,
  ): Promise<QuotaReport> {
    const current = await getQuotaOverrides(q, organizationId);
    const next = { ...current };
    for (const name of QUOTA_NAMES) {
      if (name in changes) next[name] = changes[name] ?? null;
      else if (replace) next[name] = null;
    }
    await putQuotaOverrides(q, organizationId, next);
    return this.report(q, organizationId);
  }
}
