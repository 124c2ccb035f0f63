import type { Queryable } from "../db.js";

/** A recorded resource with its tenant's name and status (`Provider.hostRoute`'s `HostedResource`). */
export interface HostedResource {
  outputs: Record<string, unknown>;
  /** The resource's status. */
  status: string;
  tenant: { name: string; status: string };
}

/**
 * The live resource of `provider` with this kind and platform name, with its tenant's
 * name and status, for the host proxy's routes (a provider's `hostRoutes`). Deleted
 * resources and destroyed tenants are not live.
 *
 * Platform names are unique to their tenant. Names recorded before they carried a
 * discriminator (`web-acme`) may be shared by two organizations' tenants with one slug:
 * the oldest resource wins, so such a host stays with the tenant that had the name first
 * and a newer tenant can neither serve nor suspend another's site.
 */
export async function findHostedResource(
  q: Queryable,
  provider: string,
  kind: string,
  externalName: string,
): Promise<HostedResource | undefined> {
  const { rows } = await q.query<{
    outputs: Record<string, unknown>;
    resource_status: string;
    status: string;
    name: string;
  }>(
    `select r.outputs, r.status as resource_status, t.status, t.name
     from resources r join tenants t on t.id = r.tenant_id
     where r.provider = $1 and r.kind = $2 and r.external_name = $3
       and r.status <> 'deleted' and t.status <> 'destroyed'
     order by r.created_at, r.id limit 1`,
    [provider, kind, externalName],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    outputs: row.outputs,
    status: row.resource_status,
    tenant: { name: row.name, status: row.status },
  };
}
