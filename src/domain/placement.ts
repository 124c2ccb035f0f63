/**
 * Where a tenant's resources run, as far as their specs say: the `cloud` and `region`
 * labels of `provisioning_errors_total` and the `cloud`/`region` fields of the engine's
 * log lines (docs/observability.md).
 *
 * - a Terraform stack that names its cloud account (`cloud.provider`, `cloud.region`):
 *   that cloud (`aws`, `google`) and region;
 * - otherwise the target's name as the cloud (`render`, `kubernetes`, `local`, or a
 *   stack whose account comes from the organization's `cloud_role`: `terraform`), and as
 *   the region the first `region` a resource's spec sets (Render's `region:`), else "".
 *
 * No target has a region in Tenantry's configuration, so nothing else is looked at.
 */
export interface Placement {
  cloud: string;
  region: string;
}

/** What of a resource's spec says where it runs (`spec.cloud`, `spec.region`), untyped as stored. */
export interface PlacementHint {
  cloud?: unknown;
  region?: unknown;
}

/** Label values stay short: a region is a short name, whatever a blueprint wrote. */
const MAX_LABEL = 64;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value.slice(0, MAX_LABEL) : undefined;

export function placementOf(target: string, hints: Iterable<PlacementHint>): Placement {
  let cloud: string | undefined;
  let cloudRegion: string | undefined;
  let region: string | undefined;
  for (const hint of hints) {
    const c =
      hint.cloud && typeof hint.cloud === "object" ? (hint.cloud as Record<string, unknown>) : undefined;
    cloud ??= text(c?.["provider"]);
    if (c && text(c["provider"])) cloudRegion ??= text(c["region"]);
    region ??= text(hint.region);
  }
  if (cloud) return { cloud, region: cloudRegion ?? "" };
  return { cloud: target, region: region ?? "" };
}

/** What of a spec `placementOf` reads (any resource kind's spec). */
export function placementHint(spec: object): PlacementHint {
  const fields = spec as Record<string, unknown>;
  return { cloud: fields["cloud"], region: fields["region"] };
}

/** `cloud` and `region` for the engine's log lines, where known (a cloud other than the target). */
export function placementLogFields(
  target: string,
  hints: Iterable<PlacementHint>,
): { cloud?: string; region?: string } {
  const { cloud, region } = placementOf(target, hints);
  return { ...(cloud !== target ? { cloud } : {}), ...(region ? { region } : {}) };
}
