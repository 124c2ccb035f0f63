import { createHash } from "node:crypto";

/**
 * Deterministic platform names: `<base>-<tenant slug>`, a DNS label of at most `max`
 * characters. A name that would be too long is cut and given a short hash of the full
 * name, so two long names never collide and the same input always gives the same name.
 */
export function resourceName(base: string, tenantSlug: string, max = 63): string {
  const full = `${base}-${tenantSlug}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (full.length <= max) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 6);
  return `${full.slice(0, max - 7).replace(/-+$/, "")}-${hash}`;
}
