import { ProviderError } from "./provider.js";

/**
 * Ownership markers: what Tenantry writes on a platform object, where the platform can
 * carry it, so that it adopts or deletes only what is provably its own. See
 * docs/operations.md ("Ownership of platform objects").
 */
export interface OwnerMarker {
  "managed-by": "tenantry";
  installation: string;
  organization: string;
  tenant: string;
}

export function ownerMarker(ctx: {
  installationId: string;
  tenant: { id: string; organizationId: string };
}): OwnerMarker {
  return {
    "managed-by": "tenantry",
    installation: ctx.installationId,
    organization: ctx.tenant.organizationId,
    tenant: ctx.tenant.id,
  };
}

/**
 * The marker as one string, for platforms that carry a single value (an env var, a
 * comment): `tenantry:<installation>/<organization>/<tenant>`.
 */
export function ownerMarkerText(marker: OwnerMarker): string {
  return `tenantry:${marker.installation}/${marker.organization}/${marker.tenant}`;
}

/** Whether `text` is exactly the marker of `marker`'s tenant. */
export function isOwnerMarkerText(text: string | null | undefined, marker: OwnerMarker): boolean {
  return typeof text === "string" && text.trim() === ownerMarkerText(marker);
}

/**
 * The permanent failure for an object that has the tenant's name but is not provably
 * Tenantry's (no marker, or another tenant's): it is never adopted, changed or deleted.
 */
export function nameTaken(what: string, name: string, id: string | undefined, why: string): ProviderError {
  return new ProviderError(
    `${what} ${name}${id ? ` (${id})` : ""} exists but is not this tenant's (${why}); Tenantry will not adopt, change or delete it: rename or remove it, then retry`,
    { retryable: false, code: "NAME_TAKEN" },
  );
}
