import { startDeploy } from "./deploys.js";
import { envVarsFromInput, secretFilesFromInput } from "./env-vars.js";
import { badRequest, notFound } from "./errors.js";
import { serviceSlug } from "./ids.js";
import {
  asObject,
  inTimeRange,
  listParam,
  matchesAny,
  optionalObject,
  optionalString,
  requiredString,
} from "./input.js";
import { paginate } from "./pagination.js";
import { accepted, type Context, created, noContent, ok, type Route } from "./router.js";
import { staticRulesFromInput } from "./routes-static-rules.js";
import { createDetails, patchDetails, SERVICE_TYPES, SHORT_TYPE } from "./service-details.js";
import { iso, type ServiceRecord, type Store } from "./store.js";
import type { Service, ServiceType } from "./types.js";

/**
 * Services: list (filters, cursor), create (with its first deploy), retrieve, update,
 * delete, suspend, resume and scale. Names are not unique on Render, so neither are they here.
 */

export function serviceOr404(store: Store, id: string): ServiceRecord {
  const rec = store.service(id);
  if (!rec) throw notFound("service", id);
  return rec;
}

export function ownerOr404(store: Store, ownerId: string): void {
  if (ownerId !== store.owner.id) throw notFound("owner", ownerId);
}

export const serviceRoutes: Route[] = [
  { method: "GET", template: "/services", handle: listServices },
  { method: "POST", template: "/services", handle: createService },
  {
    method: "GET",
    template: "/services/{serviceId}",
    handle: ({ store, params }) => ok(structuredClone(serviceOr404(store, params["serviceId"]!).service)),
  },
  { method: "PATCH", template: "/services/{serviceId}", handle: updateService },
  {
    method: "DELETE",
    template: "/services/{serviceId}",
    handle({ store, params }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      store.services.delete(rec.service.id);
      for (const group of store.envGroups.values()) {
        group.serviceIds = group.serviceIds.filter((id) => id !== rec.service.id);
      }
      return noContent;
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/suspend",
    handle({ store, params, now }) {
      const service = serviceOr404(store, params["serviceId"]!).service;
      service.suspended = "suspended";
      service.suspenders = ["user"];
      service.updatedAt = iso(now);
      return accepted;
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/resume",
    handle({ store, params, now }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      if (rec.service.suspended === "not_suspended") return accepted;
      rec.service.suspended = "not_suspended";
      rec.service.suspenders = [];
      rec.service.updatedAt = iso(now);
      // Render brings a resumed service back with a deploy (trigger `service_resumed`).
      startDeploy(store, rec, now, "service_resumed");
      return accepted;
    },
  },
  {
    method: "POST",
    template: "/services/{serviceId}/scale",
    handle({ store, params, body, now }) {
      const rec = serviceOr404(store, params["serviceId"]!);
      const n = (body as { numInstances?: unknown } | undefined)?.numInstances;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
        throw badRequest("numInstances must be a positive integer");
      const details = rec.service.serviceDetails as { numInstances?: number };
      if (!("numInstances" in details)) throw badRequest(`a ${rec.service.type} cannot be scaled`);
      details.numInstances = n;
      rec.service.updatedAt = iso(now);
      return accepted;
    },
  },
];

function listServices({ store, query }: Context) {
  const names = listParam(query, "name");
  const types = listParam(query, "type");
  const owners = listParam(query, "ownerId");
  const suspended = listParam(query, "suspended");
  const regions = listParam(query, "region");
  const environments = listParam(query, "environmentId");
  const services = [...store.services.values()].filter(({ service: s }) => {
    return (
      matchesAny(names, s.name) &&
      matchesAny(types, s.type) &&
      matchesAny(owners, s.ownerId) &&
      matchesAny(suspended, s.suspended) &&
      matchesAny(regions, s.serviceDetails.region) &&
      matchesAny(environments, s.environmentId) &&
      inTimeRange(query, "created", s.createdAt) &&
      inTimeRange(query, "updated", s.updatedAt)
    );
  });
  const page = paginate(services, query, { seqOf: (r) => r.seq, seqOfCursor: (c) => store.seqOf(c) });
  return ok(page.map((r) => ({ service: structuredClone(r.service), cursor: r.service.id })));
}

function createService({ store, body, now }: Context) {
  const input = asObject(body);
  const type = requiredString(input, "type") as ServiceType;
  if (!SERVICE_TYPES.includes(type)) throw badRequest(`type must be one of ${SERVICE_TYPES.join(", ")}`);
  const name = requiredString(input, "name");
  const ownerId = requiredString(input, "ownerId");
  ownerOr404(store, ownerId);
  const repo = optionalString(input, "repo");
  const image = optionalObject(input, "image");
  if ((repo === undefined) === (image === undefined))
    throw badRequest("exactly one of repo and image is required");
  if (type === "static_site" && image) throw badRequest("a static site is built from a repo, not an image");
  const imagePath = image && requiredString(image, "imagePath", "image.imagePath");

  const { id, seq } = store.issue("srv");
  const slug = serviceSlug(name, id);
  const details = createDetails(type, optionalObject(input, "serviceDetails") ?? {}, slug);
  const service: Service = {
    id,
    name,
    ownerId,
    type,
    createdAt: iso(now),
    updatedAt: iso(now),
    dashboardUrl: `https://dashboard.render.com/${SHORT_TYPE[type]}/${id}`,
    suspended: "not_suspended",
    suspenders: [],
    autoDeploy: (optionalString(input, "autoDeploy") as Service["autoDeploy"] | undefined) ?? "yes",
    notifyOnFail: "default",
    slug,
    rootDir: optionalString(input, "rootDir") ?? "",
    serviceDetails: details,
  };
  if (repo !== undefined) {
    service.repo = repo;
    service.branch = optionalString(input, "branch") ?? "main";
  }
  if (imagePath !== undefined) service.imagePath = imagePath;
  const environmentId = optionalString(input, "environmentId");
  if (environmentId !== undefined) service.environmentId = environmentId;
  if (input["buildFilter"] !== undefined)
    service.buildFilter = input["buildFilter"] as Service["buildFilter"];

  const rec: ServiceRecord = {
    seq,
    service,
    envVars: envVarsFromInput(store, input["envVars"]),
    secretFiles: secretFilesFromInput(input["secretFiles"]),
    deploys: [],
    jobs: [],
    customDomains: [],
    ...staticRulesFromInput(input["serviceDetails"]),
  };
  store.services.set(id, rec);
  const deploy = startDeploy(store, rec, now, "api");
  return created({ service: structuredClone(service), deployId: deploy.id });
}

function updateService({ store, params, body, now }: Context) {
  const rec = serviceOr404(store, params["serviceId"]!);
  const input = asObject(body);
  const service = rec.service;
  const name = optionalString(input, "name");
  if (name !== undefined) {
    if (name === "") throw badRequest("name must not be empty");
    service.name = name; // the slug and URL keep the name the service was created with
  }
  for (const key of ["autoDeploy", "repo", "branch", "rootDir"] as const) {
    const v = optionalString(input, key);
    if (v !== undefined) (service as unknown as Record<string, unknown>)[key] = v;
  }
  if (input["buildFilter"] !== undefined)
    service.buildFilter = input["buildFilter"] as Service["buildFilter"];
  const image = optionalObject(input, "image");
  if (image) {
    if (service.imagePath === undefined) throw badRequest("the service is not image-backed");
    service.imagePath = requiredString(image, "imagePath", "image.imagePath");
  }
  const details = optionalObject(input, "serviceDetails");
  if (details) patchDetails(service.type, service.serviceDetails, details);
  service.updatedAt = iso(now);
  return ok(structuredClone(service));
}
