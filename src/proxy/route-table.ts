import type { ProviderRegistry } from "../providers/provider.js";
import type { Queryable } from "../store/db.js";
import { findHostedResource } from "../store/sql/hosted-resources.js";
import type { Route, RouteTable } from "./host-proxy.js";

/**
 * The host proxy's routes, supplied by the providers that serve hosts on this machine
 * (`Provider.hostRoute`: the local target). Each is given what the store records of its
 * own resources; the first that knows a label answers. Lookups are cached briefly so that
 * a busy site does not cost a query per request.
 */
export function providerRouteTable(
  providers: ProviderRegistry,
  db: Queryable,
  options: { ttlMs?: number } = {},
): RouteTable {
  const ttlMs = options.ttlMs ?? 1000;
  const cache = new Map<string, { route: Route; until: number }>();
  return {
    async lookup(label, options) {
      const hit = options?.fresh ? undefined : cache.get(label);
      if (hit && hit.until > Date.now()) return hit.route;
      let route: Route = { kind: "missing" };
      for (const name of providers.names()) {
        const provider = providers.get(name);
        if (!provider?.hostRoute) continue;
        route = await provider.hostRoute(label, {
          find: (kind, externalName) => findHostedResource(db, name, kind, externalName),
        });
        if (route.kind !== "missing") break;
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(label, { route, until: Date.now() + ttlMs });
      return route;
    },
  };
}
