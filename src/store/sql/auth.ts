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

/**
 * The principal of a key that is neither revoked nor expired; its `last_used_at` is
 * refreshed at most once a minute (a hot key does not write on every request).
 */
export async function findPrincipalByKeyHash(q: Queryable, keyHash: string): Promise<Principal | null> {
  const { rows } = await q.query<{ id: string; organization_id: string; role: Role; stale: boolean }>(
    `select id, organization_id, role,
            (last_used_at is null or last_used_at < now() - interval '1 minute') as stale
       from api_keys
      where key_hash = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
    [keyHash],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.stale) await q.query("update api_keys set last_used_at = now() where id = $1", [row.id]);
  return { apiKeyId: row.id, organizationId: row.organization_id, role: row.role };
}

export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  keyPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  replacedBy: string | null;
}

const KEY_COLUMNS = `id, name, role, key_prefix, created_at, last_used_at, expires_at, revoked_at, replaced_by`;

function toKey(r: Record<string, unknown>): ApiKeyRow {
  return {
    id: r["id"] as string,
    name: r["name"] as string,
    role: r["role"] as Role,
    keyPrefix: r["key_prefix"] as string,
    createdAt: r["created_at"] as Date,
    lastUsedAt: (r["last_used_at"] as Date | null) ?? null,
    expiresAt: (r["expires_at"] as Date | null) ?? null,
    revokedAt: (r["revoked_at"] as Date | null) ?? null,
    replacedBy: (r["replaced_by"] as string | null) ?? null,
  };
}

/** The organization's keys, oldest first (revoked ones too: the record stays). */
export async function listApiKeys(q: Queryable, organizationId: string): Promise<ApiKeyRow[]> {
  const { rows } = await q.query(
    `select ${KEY_COLUMNS} from api_keys where organization_id = $1 order by created_at, id`,
    [organizationId],
  );
  return rows.map(toKey);
}

export async function findApiKey(
  q: Queryable,
  organizationId: string,
  id: string,
  forUpdate = false,
): Promise<ApiKeyRow | null> {
  const { rows } = await q.query(
    `select ${KEY_COLUMNS} from api_keys where organization_id = $1 and id = $2${forUpdate ? " for update" : ""}`,
    [organizationId, id],
  );
  return rows[0] ? toKey(rows[0]) : null;
}

export async function insertApiKeyWithExpiry(
  q: Queryable,
  key: {
    organizationId: string;
    name: string;
    role: Role;
    keyHash: string;
    keyPrefix: string;
    expiresAt: Date | null;
  },
): Promise<ApiKeyRow> {
  const { rows } = await q.query(
    `insert into api_keys (id, organization_id, name, role, key_hash, key_prefix, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${KEY_COLUMNS}`,
    [newId(), key.organizationId, key.name, key.role, key.keyHash, key.keyPrefix, key.expiresAt],
  );
  return toKey(rows[0] as Record<string, unknown>);
}

export async function revokeApiKey(q: Queryable, id: string): Promise<ApiKeyRow> {
  const { rows } = await q.query(
    `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${KEY_COLUMNS}`,
    [id],
  );
  return toKey(rows[0] as Record<string, unknown>);
}

/** A rotated key: replaced by `by`, valid until `until` (the grace period) unless it expires sooner. */
export async function retireApiKey(q: Queryable, id: string, by: string, until: Date): Promise<ApiKeyRow> {
  const { rows } = await q.query(
    `update api_keys set replaced_by = $2, expires_at = least(coalesce(expires_at, $3), $3)
      where id = $1 returning ${KEY_COLUMNS}`,
    [id, by, until],
  );
  return toKey(rows[0] as Record<string, unknown>);
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
