/** `TENANTRY_ENVIRONMENT_BLUEPRINT`'s key for the blueprint of every cloud provider. */
export const ANY_PROVIDER = "*";

/** `NAME` → every provider; `aws=NAME,gcp=NAME2` → by `cloud.provider`. */
export function parseEnvironmentBlueprints(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === "") return {};
  const out: Record<string, string> = {};
  for (const part of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq < 0) out[ANY_PROVIDER] = part;
    else out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
