import type { Queryable } from "../store/db.js";
import type { Route, RouteTable, StaticHeader, StaticRule } from "./host-proxy.js";

/** The entries of a recorded list whose `fields` are all strings (a static site's routes or headers). */
function staticList<T extends object>(value: unknown, fields: readonly (keyof T & string)[]): T[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e): e is T =>
      typeof e === "object" &&
      e !== null &&
      fields.every((f) => typeof (e as Record<string, unknown>)[f] === "string"),
  );
}

/**
 * Routes from the database: a host label is the platform name of a `web` resource of the
 * local target (`web-acme-qdxokdvs`), which records the port its process listens on.
 * Lookups are cached briefly so that a busy site does not cost a query per request.
 *
 * Platform names are unique to their tenant. Names recorded before they carried a
 * discriminator (`web-acme`) may be shared by two organizations' tenants with one slug:
 * such a host stays with the tenant that had the name first, so a newer tenant can
 * neither serve nor suspend another's site.
 */
export function databaseRouteTable(db: Queryable, options: { ttlMs?: number } = {}): RouteTable {
  const ttlMs = options.ttlMs ?? 1000;
  const cache = new Map<string, { route: Route; until: number }>();
  return {
    async lookup(label, options) {
      const hit = options?.fresh ? undefined : cache.get(label);
      if (hit && hit.until > Date.now()) return hit.route;
      const { rows } = await db.query<{
        outputs: Record<string, unknown>;
        resource_status: string;
        status: string;
        name: string;
      }>(
        `select r.outputs, r.status as resource_status, t.status, t.name
         from resources r join tenants t on t.id = r.tenant_id
         where r.provider = 'local' and r.kind = 'web' and r.external_name = $1
           and r.status <> 'deleted' and t.status <> 'destroyed'
         order by r.created_at, r.id limit 1`,
        [label],
      );
      const row = rows[0];
      let route: Route;
      if (!row) route = { kind: "missing" };
      else if (row.status === "suspended" || row.status === "suspending")
        route = { kind: "suspended", tenant: row.name };
      else if (typeof row.outputs["staticRoot"] === "string") {
        const base = row.outputs["staticBase"];
        const routes = staticList<StaticRule>(row.outputs["staticRoutes"], ["type", "source", "destination"]);
        const headers = staticList<StaticHeader>(row.outputs["staticHeaders"], ["path", "name", "value"]);
        route = {
          kind: "static",
          root: row.outputs["staticRoot"],
          ...(typeof base === "string" ? { base } : {}),
          ...(routes.length > 0 ? { routes: routes } : {}),
          ...(headers.length > 0 ? { headers: headers } : {}),
        };
      } else if (typeof row.outputs["port"] === "number" && row.resource_status !== "suspended") {
        route = { kind: "target", port: row.outputs["port"] };
      } else route = { kind: "unavailable", tenant: row.name, reason: `it is ${row.status}` };
      if (cache.size > 10_000) cache.clear();
      cache.set(label, { route, until: Date.now() + ttlMs });
      return route;
    },
  };
}
