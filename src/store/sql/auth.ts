import type { Principal, Role } from "../../domain/types.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";

export async function countOrganizations(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>("select count(*)::int as n from organizations");
  return rows[0]?.n ?? 0;
}

/**
 * Serialises the first-start bootstrap between processes starting at once (a transaction
 * lock: held to the end of the caller's transaction).
 */
export async function lockOrganizationBootstrap(q: Queryable): Promise<void> {
  await q.query("select pg_advisory_xact_lock(7283910552)");
}

export async function insertOrganization(q: Queryable, org: { slug: string; name: string }): Promise<string> {
  const id = newId();
  await q.query("insert into organizations (id, slug, name) values ($1, $2, $3)", [id, org.slug, org.name]);
  return id;
}

export async function insertApiKey(
  q: Queryable,
  key: { organizationId: string; name: string; role: Role; keyHash: string; keyPrefix: string },
): Promise<string> {
  const id = newId();
  await q.query(
    "insert into api_keys (id, organization_id, name, role, key_hash, key_prefix) values ($1, $2, $3, $4, $5, $6)",
    [id, key.organizationId, key.name, key.role, key.keyHash, key.keyPrefix],
  );
  return id;
}

export async function findPrincipalByKeyHash(q: Queryable, keyHash: string): Promise<Principal | null> {
  const { rows } = await q.query<{ id: string; organization_id: string; role: Role }>(
    "select id, organization_id, role from api_keys where key_hash = $1 and revoked_at is null",
    [keyHash],
  );
  const row = rows[0];
  return row ? { apiKeyId: row.id, organizationId: row.organization_id, role: row.role } : null;
}

const orgSlugs = new Map<string, string>();

/** An organization's slug (cached: slugs do not change). */
export async function organizationSlug(q: Queryable, organizationId: string): Promise<string> {
  const cached = orgSlugs.get(organizationId);
  if (cached) return cached;
  const { rows } = await q.query<{ slug: string }>("select slug from organizations where id = $1", [
    organizationId,
  ]);
  const slug = rows[0]?.slug;
  if (!slug) throw new Error(`organization ${organizationId} does not exist`);
  orgSlugs.set(organizationId, slug);
  return slug;
}
