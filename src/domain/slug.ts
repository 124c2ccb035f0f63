import { createHash } from "node:crypto";

/** A DNS label: lowercase letters, digits and hyphens, starting with a letter, ≤ 63 characters. */
export const SLUG_PATTERN = "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";
const SLUG_RE = new RegExp(SLUG_PATTERN);

export function isValidSlug(slug: string): boolean {
  return SLUG_RE.test(slug);
}

/** Derives a slug from a display name: "Acme Corp." → "acme-corp". Deterministic. */
export function slugify(name: string, maxLength = 63): string {
  let slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(slug)) slug = `t-${slug}`.replace(/-+$/, "");
  if (slug === "t") slug = `t-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
  return truncate(slug, maxLength);
}

/** Shortens to `max` characters keeping a valid label (no trailing hyphen). */
export function truncate(slug: string, max: number): string {
  return slug.length <= max ? slug : slug.slice(0, max).replace(/-+$/, "");
}

/** A free variant of `slug` for a clash: "acme" → "acme-2", within 63 characters. */
export function suggestSlug(slug: string, taken: (candidate: string) => boolean): string {
  for (let n = 2; n < 10_000; n++) {
    const suffix = `-${n}`;
    const candidate = truncate(slug, 63 - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
  return `${truncate(slug, 54)}-${createHash("sha256").update(slug).digest("hex").slice(0, 8)}`;
}
