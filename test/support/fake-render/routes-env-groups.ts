import {
  envVarsFromInput,
  envVarValue,
  plainEnvVar,
  secretFilesFromInput,
  upsertEnvVar,
} from "./env-vars.js";
import { badRequest, notFound } from "./errors.js";
import { asObject, listParam, matchesAny, optionalString, requiredString } from "./input.js";
import { paginate } from "./pagination.js";
import { type Context, created, noContent, ok, type Route } from "./router.js";
import { ownerOr404, serviceOr404 } from "./routes-services.js";
import { SHORT_TYPE } from "./service-details.js";
import { type EnvGroupRecord, iso, type Store } from "./store.js";
import type { EnvGroup } from "./types.js";

/**
 * Environment groups and their links to services. The list answers `envGroupMeta` items
 * without a cursor field (as the spec says); pass the last item's id as `cursor`.
 * `serviceLinks` show the linked services' current names; deleting a service unlinks it.
 */
function groupOr404(store: Store, id: string): EnvGroupRecord {
  const rec = store.envGroups.get(id);
  if (!rec) throw notFound("environment group", id);
  return rec;
}

function meta(store: Store, g: EnvGroupRecord): Omit<EnvGroup, "envVars" | "secretFiles"> {
  const out: Omit<EnvGroup, "envVars" | "secretFiles"> = {
    id: g.id,
    name: g.name,
    ownerId: g.ownerId,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
    serviceLinks: g.serviceIds.flatMap((id) => {
      const s = store.services.get(id)?.service;
      return s ? [{ id: s.id, name: s.name, type: SHORT_TYPE[s.type] }] : [];
    }),
  };
  if (g.environmentId !== undefined) out.environmentId = g.environmentId;
  return out;
}

export function envGroupView(store: Store, g: EnvGroupRecord): EnvGroup {
  return {
    ...meta(store, g),
    envVars: g.envVars.map(plainEnvVar),
    secretFiles: structuredClone(g.secretFiles),
  };
}

export const envGroupRoutes: Route[] = [
  {
    method: "GET",
    template: "/env-groups",
    handle({ store, query }) {
      const names = listParam(query, "name");
      const owners = listParam(query, "ownerId");
      const environments = listParam(query, "environmentId");
      const all = [...store.envGroups.values()].filter(
        (g) =>
          matchesAny(names, g.name) &&
          matchesAny(owners, g.ownerId) &&
          matchesAny(environments, g.environmentId),
      );
      const page = paginate(all, query, { seqOf: (g) => g.seq, seqOfCursor: (c) => store.seqOf(c) });
      return ok(page.map((g) => meta(store, g)));
    },
  },
  { method: "POST", template: "/env-groups", handle: createEnvGroup },
  {
    method: "GET",
    template: "/env-groups/{envGroupId}",
    handle: ({ store, params }) => ok(envGroupView(store, groupOr404(store, params["envGroupId"]!))),
  },
  {
    method: "PATCH",
    template: "/env-groups/{envGroupId}",
    handle({ store, params, body, now }) {
      const g = groupOr404(store, params["envGroupId"]!);
      g.name = requiredString(asObject(body), "name");
      g.updatedAt = iso(now);
      return ok(envGroupView(store, g));
    },
  },
  {
    method: "DELETE",
    template: "/env-groups/{envGroupId}",
    handle({ store, params }) {
      store.envGroups.delete(groupOr404(store, params["envGroupId"]!).id);
      return noContent;
    },
  },
  {
    method: "POST",
    template: "/env-groups/{envGroupId}/services/{serviceId}",
    handle({ store, params, now }) {
      const g = groupOr404(store, params["envGroupId"]!);
      const service = serviceOr404(store, params["serviceId"]!).service;
      if (!g.serviceIds.includes(service.id)) g.serviceIds.push(service.id);
      g.updatedAt = iso(now);
      return ok(envGroupView(store, g));
    },
  },
  {
    method: "DELETE",
    template: "/env-groups/{envGroupId}/services/{serviceId}",
    handle({ store, params, now }) {
      const g = groupOr404(store, params["envGroupId"]!);
      if (!g.serviceIds.includes(params["serviceId"]!))
        throw notFound("linked service", params["serviceId"]!);
      g.serviceIds = g.serviceIds.filter((id) => id !== params["serviceId"]);
      g.updatedAt = iso(now);
      return noContent;
    },
  },
  {
    method: "GET",
    template: "/env-groups/{envGroupId}/env-vars/{envVarKey}",
    handle({ store, params }) {
      const g = groupOr404(store, params["envGroupId"]!);
      const found = g.envVars.find((v) => v.key === params["envVarKey"]);
      if (!found) throw notFound("environment variable", params["envVarKey"]!);
      return ok(plainEnvVar(found));
    },
  },
  {
    // The spec answers the whole group here, not the variable.
    method: "PUT",
    template: "/env-groups/{envGroupId}/env-vars/{envVarKey}",
    handle({ store, params, body, now }) {
      const g = groupOr404(store, params["envGroupId"]!);
      upsertEnvVar(store, g.envVars, params["envVarKey"]!, envVarValue(asObject(body), "body"));
      g.updatedAt = iso(now);
      return ok(envGroupView(store, g));
    },
  },
  {
    method: "DELETE",
    template: "/env-groups/{envGroupId}/env-vars/{envVarKey}",
    handle({ store, params, now }) {
      const g = groupOr404(store, params["envGroupId"]!);
      if (!g.envVars.some((v) => v.key === params["envVarKey"])) {
        throw notFound("environment variable", params["envVarKey"]!);
      }
      g.envVars = g.envVars.filter((v) => v.key !== params["envVarKey"]);
      g.updatedAt = iso(now);
      return noContent;
    },
  },
];

function createEnvGroup({ store, body, now }: Context) {
  const input = asObject(body);
  const name = requiredString(input, "name");
  const ownerId = requiredString(input, "ownerId");
  ownerOr404(store, ownerId);
  if (input["envVars"] === undefined) throw badRequest("envVars is required");
  const serviceIds = input["serviceIds"] === undefined ? [] : input["serviceIds"];
  if (!Array.isArray(serviceIds) || serviceIds.some((id) => typeof id !== "string")) {
    throw badRequest("serviceIds must be an array of service ids");
  }
  for (const id of serviceIds as string[]) serviceOr404(store, id);
  const { id, seq } = store.issue("evg");
  const g: EnvGroupRecord = {
    seq,
    id,
    name,
    ownerId,
    createdAt: iso(now),
    updatedAt: iso(now),
    envVars: envVarsFromInput(store, input["envVars"]),
    secretFiles: secretFilesFromInput(input["secretFiles"]),
    serviceIds: [...new Set(serviceIds as string[])],
  };
  const environmentId = optionalString(input, "environmentId");
  if (environmentId !== undefined) g.environmentId = environmentId;
  store.envGroups.set(id, g);
  return created(envGroupView(store, g));
}
