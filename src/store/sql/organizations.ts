import type { Organization } from "../../domain/types.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";

/** An organization with what its deletion and its listing need to know. */
export interface OrganizationRow extends Organization {
  updatedAt: Date;
  /** Tenants not yet destroyed (a deletion is refused while there are any). */
  liveTenants: number;
  /** Keys neither revoked nor expired. */
  activeKeys: number;
}

const COLUMNS = `o.id, o.slug, o.name, o.created_at, o.updated_at,
  (select count(*)::int from tenants t where t.organization_id = o.id and t.status <> 'destroyed') as live_tenants,
  (select count(*)::int from api_keys k where k.organization_id = o.id and k.revoked_at is null
     and (k.expires_at is null or k.expires_at > now())) as active_keys`;

function toRow(r: Record<string, unknown>): OrganizationRow {
  return {
    id: r.id as string,
    slug: r.slug as string,
    name: r.name as string,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    liveTenants: r.live_tenants as number,
    activeKeys: r.active_keys as number,
  };
}

/** Oldest first, `limit` after the cursor (ids are time-ordered). */
export async function listOrganizations(
  q: Queryable,
  page: { limit: number; after?: string | undefined },
): Promise<OrganizationRow[]> {
  const { rows } = await q.query(
    `select ${COLUMNS} from organizations o where ($1::uuid is null or o.id > $1) order by o.id limit $2`,
    [page.after ?? null, page.limit],
  );
  return rows.map(toRow);
}

/** By id or slug; `forUpdate` locks the row (a deletion or rename). */
export async function findOrganization(
  q: Queryable,
  idOrSlug: string,
  forUpdate = false,
): Promise<OrganizationRow | null> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const { rows } = await q.query(
    `select ${COLUMNS} from organizations o where ${byId ? "o.id = $1::uuid" : "o.slug = $1"}${
      forUpdate ? " for update of o" : ""
    }`,
    [idOrSlug],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Inserts one; null when the slug is taken. */
export async function insertOrganizationIfFree(
  q: Queryable,
  org: { slug: string; name: string },
): Promise<string | null> {
  const id = newId();
  const { rowCount } = await q.query(
    "insert into organizations (id, slug, name) values ($1, $2, $3) on conflict (slug) do nothing",
    [id, org.slug, org.name],
  );
  return rowCount === 1 ? id : null;
}

export async function renameOrganization(q: Queryable, id: string, name: string): Promise<void> {
  await q.query("update organizations set name = $2, updated_at = now() where id = $1", [id, name]);
}

/** Deletes it with everything it owns (keys, blueprints, destroyed tenants' records). */
export async function deleteOrganization(q: Queryable, id: string): Promise<void> {
  await q.query("delete from organizations where id = $1", [id]);
}
