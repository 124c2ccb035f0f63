/**
 * Per-organization quotas (docs/quotas.md). Each is a whole number; 0 means unlimited.
 * The installation's defaults come from configuration (`TENANTRY_QUOTA_*`); a platform
 * admin can override any of them for one organization.
 */
export const QUOTA_NAMES = [
  "max_tenants",
  "max_concurrent_operations",
  "max_blueprints",
  "creates_per_minute",
] as const;

export type QuotaName = (typeof QUOTA_NAMES)[number];

/** A value per quota; 0 is unlimited. */
export type QuotaLimits = Record<QuotaName, number>;

/** An organization's overrides: null takes the installation's default. */
export type QuotaOverrides = Record<QuotaName, number | null>;

/** The largest limit accepted (config or override): far above any real use, within `integer`. */
export const MAX_QUOTA_VALUE = 1_000_000_000;

/** The installation's defaults when no `TENANTRY_QUOTA_*` variable is set. */
export const QUOTA_DEFAULTS: Readonly<QuotaLimits> = Object.freeze({
  // Generous for one organization, finite so a runaway script cannot fill the platform.
  max_tenants: 1000,
  // Unlimited: the claim's round-robin already shares workers fairly across
  // organizations; set one to cap an organization's load on the providers' APIs.
  max_concurrent_operations: 0,
  // Blueprint names (every version of a name counts once; inline blueprints are stored
  // under a name of their own).
  max_blueprints: 200,
  // Bursts of onboarding go through; a loop creating tenants without end does not.
  creates_per_minute: 120,
});

/** The limits in force: each override, or the default where there is none. */
export function effectiveQuotas(defaults: QuotaLimits, overrides: Partial<QuotaOverrides>): QuotaLimits {
  const out = { ...defaults };
  for (const name of QUOTA_NAMES) {
    const v = overrides[name];
    if (v !== null && v !== undefined) out[name] = v;
  }
  return out;
}
