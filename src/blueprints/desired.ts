import type { DesiredResource } from "../providers/provider.js";
import { resourceName } from "./naming.js";
import type { ParsedBlueprint } from "./parse.js";

/** Render's service `type`s as resource kinds (static sites are `web` with `runtime: static`). */
const SERVICE_KINDS: Record<string, string> = {
  web: "web",
  pserv: "pserv",
  worker: "worker",
  cron: "cron",
  keyvalue: "keyvalue",
  redis: "keyvalue",
};

/** The resources a blueprint asks for, for one tenant, dependencies first. */
export function desiredResources(blueprint: ParsedBlueprint, tenant: { slug: string }): DesiredResource[] {
  const databases: DesiredResource[] = blueprint.databases.map((db) => ({
    key: `database:${db.name}`,
    kind: "postgres",
    externalName: resourceName(db.name, tenant.slug),
    dependsOn: [],
    spec: { ...db },
  }));
  const services: DesiredResource[] = blueprint.services.map((svc) => ({
    key: `service:${svc.name}`,
    kind: SERVICE_KINDS[svc.type] ?? svc.type,
    externalName: resourceName(svc.name, tenant.slug),
    // Until env-var references are resolved, a service waits for every database.
    dependsOn: databases.map((d) => d.key),
    spec: { ...svc },
  }));
  return [...databases, ...services];
}
