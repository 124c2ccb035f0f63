import type { Route, StaticHeader, StaticRule } from "../../proxy/host-proxy.js";
import type { HostedResources } from "../provider.js";

/**
 * The host proxy's routes for local tenants: a host label is the platform name of a `web`
 * resource of the local target (`web-acme-qdxokdvs`), which records the port its process
 * listens on, or, for a static site, the directory it is served from with its rules.
 */

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

/** Where a host label goes, from what is recorded of the local `web` resource with that name. */
export async function localHostRoute(records: HostedResources, label: string): Promise<Route> {
  const found = await records.find("web", label);
  if (!found) return { kind: "missing" };
  const { outputs, tenant } = found;
  if (tenant.status === "suspended" || tenant.status === "suspending") {
    return { kind: "suspended", tenant: tenant.name };
  }
  if (typeof outputs["staticRoot"] === "string") {
    const base = outputs["staticBase"];
    const routes = staticList<StaticRule>(outputs["staticRoutes"], ["type", "source", "destination"]);
    const headers = staticList<StaticHeader>(outputs["staticHeaders"], ["path", "name", "value"]);
    return {
      kind: "static",
      root: outputs["staticRoot"],
      ...(typeof base === "string" ? { base } : {}),
      ...(routes.length > 0 ? { routes } : {}),
      ...(headers.length > 0 ? { headers } : {}),
    };
  }
  if (typeof outputs["port"] === "number" && found.status !== "suspended") {
    return { kind: "target", port: outputs["port"] };
  }
  return { kind: "unavailable", tenant: tenant.name, reason: `it is ${tenant.status}` };
}
