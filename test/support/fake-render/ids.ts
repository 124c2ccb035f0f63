import { createHash, randomBytes } from "node:crypto";

/**
 * Render's identifiers: a type prefix and 20 characters of base32hex (`srv-cph1rs3idesc73a2b2mg`).
 * Postgres instances carry a `-a` suffix (`dpg-…-a`), as Render's do.
 */
const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function newId(prefix: string): string {
  const bytes = randomBytes(20);
  let out = "";
  for (const b of bytes) out += BASE32HEX[b % 32];
  return `${prefix}-${out}`;
}

/** `n` characters of `alphabet` derived from `seed`: the same seed always gives the same string. */
export function derived(seed: string, n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
  let out = "";
  let counter = 0;
  while (out.length < n) {
    const digest = createHash("sha256").update(`${seed}#${counter++}`).digest();
    for (const b of digest) {
      if (out.length >= n) break;
      out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

/** A deterministic secret (passwords, generated values) for an object. */
export function secretFor(seed: string, n = 32): string {
  return derived(`secret:${seed}`, n, ALNUM);
}

/** Lowercase letters, digits and dashes, as Render derives slugs and subdomains from names. */
export function slugify(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return s || "service";
}

/** `<name>-<4 chars>`: the subdomain of `<slug>.onrender.com`, fixed per service id. */
export function serviceSlug(name: string, id: string): string {
  return `${slugify(name)}-${derived(`slug:${id}`, 4)}`;
}

/** Postgres identifiers (database and user names): lowercase letters, digits, underscores. */
export function sqlName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(s) ? s : `db_${s}`;
}

export function hex(seed: string, n: number): string {
  return derived(seed, n, "0123456789abcdef");
}
