import { createHash } from "node:crypto";

/** Characters of the discriminator that ends every platform name. */
export const DISCRIMINATOR_LENGTH = 8;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * The short, stable discriminator of one tenant of one installation: 8 base32 characters
 * (40 bits) of sha256(`<installation id>\0<tenant id>`). Two organizations with the same
 * tenant slug, two installations sharing a platform account, or an object made by hand
 * with a tenant's readable name never share a full name.
 */
export function tenantDiscriminator(installationId: string, tenantId: string): string {
  const digest = createHash("sha256").update(`${installationId}\0${tenantId}`).digest();
  let out = "";
  for (let i = 0; out.length < DISCRIMINATOR_LENGTH; i++) out += BASE32[(digest[i] ?? 0) & 31];
  return out;
}

/**
 * Deterministic platform names: `<base>-<tenant slug>-<discriminator>`, a DNS label of at
 * most `max` characters. The readable prefix is shortened when the name would be too
 * long (with a short hash of what was cut, so two long names never collide); the
 * discriminator never is. Without a discriminator (names recorded before installations
 * had ids) the name is `<base>-<tenant slug>`.
 */
export function resourceName(base: string, tenantSlug: string, discriminator?: string, max = 63): string {
  const label = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/-+/g, "-")
      .replace(/^-|-$/g, "");
  const head = label(`${base}-${tenantSlug}`);
  const tail = discriminator ? `-${label(discriminator)}` : "";
  const room = max - tail.length;
  if (head.length <= room) return `${head}${tail}`;
  const hash = createHash("sha256").update(head).digest("hex").slice(0, 6);
  return `${head.slice(0, room - 7).replace(/-+$/, "")}-${hash}${tail}`;
}
