import type { IpAllowEntry, KeyValueSpec, PostgresSpec, ServiceSpec } from "../../domain/resources.js";
import { ProviderError } from "../provider.js";

/**
 * Blueprint (render.yaml) fields → bodies of Render's REST API, following Render's
 * OpenAPI document. Pure functions; the drivers add ids and send them.
 *
 * Differences between the two formats handled here: plan and policy spellings
 * (`basic-1gb` → `basic_1gb`, `pro plus` → `pro_plus`, `allkeys-lru` → `allkeys_lru`),
 * service types (`web` → `web_service`, `pserv` → `private_service`, `worker` →
 * `background_worker`, `cron` → `cron_job`, `runtime: static` → `static_site`),
 * `ipAllowList` entries (`source` → `cidrBlock`), `staticPublishPath` → `publishPath`,
 * and environment variables, which the API takes as literal values only.
 */

export type RenderServiceType =
  | "web_service"
  | "private_service"
  | "background_worker"
  | "cron_job"
  | "static_site";

export const DEFAULT_REGION = "oregon";
/** Render's default for new databases when the blueprint does not say. */
export const DEFAULT_POSTGRES_VERSION = "17";

/** A string setting, unset when empty. */
const text = (value: string | undefined): string | undefined =>
  value !== undefined && value !== "" ? value : undefined;

function invalid(message: string): ProviderError {
  return new ProviderError(message, { retryable: false, code: "RENDER_UNSUPPORTED" });
}

/** `basic-1gb` → `basic_1gb`, `pro plus` → `pro_plus`. */
export function apiPlan(plan: string): string {
  return plan
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

const SERVICE_PLANS = new Set(["starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra"]);

function servicePlan(spec: ServiceSpec, owner: string): string | undefined {
  const plan = text(spec.plan);
  if (plan === undefined) return undefined;
  const api = apiPlan(plan);
  if (!SERVICE_PLANS.has(api)) {
    throw invalid(
      `${owner}: plan "${plan}" cannot be created through Render's API (paid plans: ${[...SERVICE_PLANS].join(", ")})`,
    );
  }
  return api;
}

export function serviceType(kind: string, spec: ServiceSpec): RenderServiceType {
  if (kind === "web" && spec.runtime === "static") return "static_site";
  switch (kind) {
    case "web":
      return "web_service";
    case "pserv":
      return "private_service";
    case "worker":
      return "background_worker";
    case "cron":
      return "cron_job";
    default:
      throw invalid(`resources of kind ${kind} are not Render services`);
  }
}

/** Blueprint `ipAllowList: [{source, description}]` → API `[{cidrBlock, description}]`. */
function ipAllowList(spec: {
  ipAllowList?: IpAllowEntry[];
}): { cidrBlock: string; description: string }[] | undefined {
  return spec.ipAllowList?.map((entry) => ({
    cidrBlock: entry.source,
    description: entry.description ?? "",
  }));
}

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function postgresBody(name: string, ownerId: string, spec: PostgresSpec): Record<string, unknown> {
  const ha = spec.highAvailability;
  return defined({
    name,
    ownerId,
    plan: apiPlan(text(spec.plan) ?? "basic-256mb"),
    version: String(spec.postgresMajorVersion ?? DEFAULT_POSTGRES_VERSION),
    region: text(spec.region) ?? DEFAULT_REGION,
    databaseName: text(spec.databaseName),
    databaseUser: text(spec.user),
    diskSizeGB: spec.diskSizeGB,
    enableHighAvailability: typeof ha?.enabled === "boolean" ? ha.enabled : undefined,
    ipAllowList: ipAllowList(spec),
  });
}

export function keyValueBody(name: string, ownerId: string, spec: KeyValueSpec): Record<string, unknown> {
  const policy = text(spec.maxmemoryPolicy);
  return defined({
    name,
    ownerId,
    plan: apiPlan(text(spec.plan) ?? "starter"),
    region: text(spec.region) ?? DEFAULT_REGION,
    maxmemoryPolicy: policy?.replace(/-/g, "_"),
    ipAllowList: ipAllowList(spec),
  });
}

/** `envSpecificDetails` for native runtimes (build and start commands) or Docker. */
function envSpecificDetails(spec: ServiceSpec, owner: string): Record<string, unknown> | undefined {
  const runtime = text(spec.runtime);
  if (runtime === "docker") {
    return defined({
      dockerCommand: text(spec.dockerCommand),
      dockerContext: text(spec.dockerContext),
      dockerfilePath: text(spec.dockerfilePath),
    });
  }
  if (runtime === "image") return undefined;
  const startCommand = text(spec.startCommand);
  if (startCommand === undefined && spec.type !== "cron") {
    throw invalid(`${owner}: a ${runtime ?? "native"} service needs a startCommand on Render`);
  }
  return { buildCommand: text(spec.buildCommand) ?? "", startCommand: startCommand ?? "" };
}

function disk(spec: ServiceSpec): Record<string, unknown> | undefined {
  const d = spec.disk;
  if (!d) return undefined;
  return defined({ name: d.name, mountPath: d.mountPath, sizeGB: d.sizeGB });
}

function runtimeOf(spec: ServiceSpec, owner: string): string {
  const runtime = text(spec.runtime) ?? (spec.image ? "image" : undefined);
  if (runtime === undefined)
    throw invalid(`${owner}: say the service's runtime (node, python, docker, image…)`);
  return runtime;
}

/** `serviceDetails` of POST /services for a service of this type. */
export function serviceDetails(
  type: RenderServiceType,
  spec: ServiceSpec,
  owner: string,
  mode: "create" | "update",
): Record<string, unknown> {
  const create = mode === "create";
  if (type === "static_site") {
    const { headers, routes } = staticRules(spec);
    return defined({
      buildCommand: text(spec.buildCommand),
      publishPath: text(spec.staticPublishPath),
      ...(create ? { headers, routes } : {}),
    });
  }
  const runtime = runtimeOf(spec, owner);
  const common = defined({
    runtime,
    plan: servicePlan(spec, owner),
    envSpecificDetails: envSpecificDetails(spec, owner),
  });
  if (type === "cron_job") {
    const schedule = text(spec.schedule);
    if (schedule === undefined) throw invalid(`${owner}: a cron job needs a schedule`);
    return defined({
      ...common,
      schedule,
      ...(create ? { region: text(spec.region) ?? DEFAULT_REGION } : {}),
    });
  }
  const web = type === "web_service";
  return defined({
    ...common,
    ...(web ? { healthCheckPath: text(spec.healthCheckPath) } : {}),
    preDeployCommand: text(spec.preDeployCommand),
    maxShutdownDelaySeconds: spec.maxShutdownDelaySeconds,
    ...(create
      ? {
          region: text(spec.region) ?? DEFAULT_REGION,
          numInstances: spec.numInstances,
          disk: disk(spec),
        }
      : {}),
  });
}

/** Where the service's code comes from: a repository or a prebuilt image. */
function source(spec: ServiceSpec, ownerId: string, owner: string): Record<string, unknown> {
  const image = spec.image;
  if (image?.url) return { image: { ownerId, imagePath: image.url } };
  const repo = text(spec.repo);
  if (repo === undefined) {
    throw invalid(`${owner}: a service on Render needs a repo (a Git URL Render can reach) or an image`);
  }
  if (!/^https?:\/\//.test(repo) && !/^git@/.test(repo)) {
    throw invalid(`${owner}: repo "${repo}" is not a Git URL Render can reach (https://… or git@…)`);
  }
  return defined({ repo, branch: text(spec.branch), rootDir: text(spec.rootDir) });
}

/** The body of POST /services. `envVars` are literal values (resolved by the driver). */
export function serviceBody(
  kind: string,
  name: string,
  ownerId: string,
  spec: ServiceSpec,
  envVars: Record<string, string>,
): Record<string, unknown> {
  const type = serviceType(kind, spec);
  const owner = `service ${name}`;
  return defined({
    type,
    name,
    ownerId,
    ...source(spec, ownerId, owner),
    autoDeploy: spec.autoDeploy === false ? "no" : "yes",
    envVars: Object.entries(envVars).map(([key, value]) => ({ key, value })),
    serviceDetails: serviceDetails(type, spec, owner, "create"),
  });
}

/** The body of PATCH /services/{id}: what can change in place. */
export function servicePatchBody(
  kind: string,
  name: string,
  ownerId: string,
  spec: ServiceSpec,
): Record<string, unknown> {
  const type = serviceType(kind, spec);
  const owner = `service ${name}`;
  const src = source(spec, ownerId, owner);
  return defined({
    ...src,
    autoDeploy: spec.autoDeploy === false ? "no" : "yes",
    serviceDetails: serviceDetails(type, spec, owner, "update"),
  });
}

/** A static site's `headers` and `routes` (redirect/rewrite rules), as the API takes them. */
export function staticRules(spec: ServiceSpec): {
  headers?: { path: string; name: string; value: string }[];
  routes?: { type: string; source: string; destination: string }[];
} {
  const headers = spec.headers?.map((h) => ({ path: h.path, name: h.name, value: h.value }));
  const routes = spec.routes?.map((r) => ({ type: r.type, source: r.source, destination: r.destination }));
  return { headers, routes };
}

/** Custom domains of a web service or static site (`domains:`). */
export function customDomains(spec: ServiceSpec): string[] {
  return spec.domains ?? [];
}
