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

type Spec = Record<string, unknown>;

export type RenderServiceType =
  | "web_service"
  | "private_service"
  | "background_worker"
  | "cron_job"
  | "static_site";

export const DEFAULT_REGION = "oregon";
/** Render's default for new databases when the blueprint does not say. */
export const DEFAULT_POSTGRES_VERSION = "17";

const str = (spec: Spec, key: string): string | undefined =>
  typeof spec[key] === "string" && spec[key] !== "" ? (spec[key] as string) : undefined;
const num = (spec: Spec, key: string): number | undefined =>
  typeof spec[key] === "number" ? (spec[key] as number) : undefined;

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

function servicePlan(spec: Spec, owner: string): string | undefined {
  const plan = str(spec, "plan");
  if (plan === undefined) return undefined;
  const api = apiPlan(plan);
  if (!SERVICE_PLANS.has(api)) {
    throw invalid(
      `${owner}: plan "${plan}" cannot be created through Render's API (paid plans: ${[...SERVICE_PLANS].join(", ")})`,
    );
  }
  return api;
}

export function serviceType(kind: string, spec: Spec): RenderServiceType {
  if (kind === "web" && spec["runtime"] === "static") return "static_site";
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
function ipAllowList(spec: Spec): { cidrBlock: string; description: string }[] | undefined {
  const list = spec["ipAllowList"];
  if (!Array.isArray(list)) return undefined;
  return list.map((entry: Record<string, unknown>) => ({
    cidrBlock: String(entry["source"] ?? entry["cidrBlock"] ?? ""),
    description: String(entry["description"] ?? ""),
  }));
}

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function postgresBody(name: string, ownerId: string, spec: Spec): Record<string, unknown> {
  const ha = spec["highAvailability"] as { enabled?: unknown } | undefined;
  return defined({
    name,
    ownerId,
    plan: apiPlan(str(spec, "plan") ?? "basic-256mb"),
    version: String(spec["postgresMajorVersion"] ?? DEFAULT_POSTGRES_VERSION),
    region: str(spec, "region") ?? DEFAULT_REGION,
    databaseName: str(spec, "databaseName"),
    databaseUser: str(spec, "user"),
    diskSizeGB: num(spec, "diskSizeGB"),
    enableHighAvailability: typeof ha?.enabled === "boolean" ? ha.enabled : undefined,
    ipAllowList: ipAllowList(spec),
  });
}

export function keyValueBody(name: string, ownerId: string, spec: Spec): Record<string, unknown> {
  const policy = str(spec, "maxmemoryPolicy");
  return defined({
    name,
    ownerId,
    plan: apiPlan(str(spec, "plan") ?? "starter"),
    region: str(spec, "region") ?? DEFAULT_REGION,
    maxmemoryPolicy: policy?.replace(/-/g, "_"),
    ipAllowList: ipAllowList(spec),
  });
}

/** `envSpecificDetails` for native runtimes (build and start commands) or Docker. */
function envSpecificDetails(spec: Spec, owner: string): Record<string, unknown> | undefined {
  const runtime = str(spec, "runtime");
  if (runtime === "docker") {
    return defined({
      dockerCommand: str(spec, "dockerCommand"),
      dockerContext: str(spec, "dockerContext"),
      dockerfilePath: str(spec, "dockerfilePath"),
    });
  }
  if (runtime === "image") return undefined;
  const startCommand = str(spec, "startCommand");
  if (startCommand === undefined && spec["type"] !== "cron") {
    throw invalid(`${owner}: a ${runtime ?? "native"} service needs a startCommand on Render`);
  }
  return { buildCommand: str(spec, "buildCommand") ?? "", startCommand: startCommand ?? "" };
}

function disk(spec: Spec): Record<string, unknown> | undefined {
  const d = spec["disk"] as Record<string, unknown> | undefined;
  if (!d || typeof d["name"] !== "string" || typeof d["mountPath"] !== "string") return undefined;
  return defined({ name: d["name"], mountPath: d["mountPath"], sizeGB: num(d, "sizeGB") });
}

function runtimeOf(spec: Spec, owner: string): string {
  const runtime = str(spec, "runtime") ?? (spec["image"] ? "image" : undefined);
  if (runtime === undefined)
    throw invalid(`${owner}: say the service's runtime (node, python, docker, image…)`);
  return runtime;
}

/** `serviceDetails` of POST /services for a service of this type. */
export function serviceDetails(
  type: RenderServiceType,
  spec: Spec,
  owner: string,
  mode: "create" | "update",
): Record<string, unknown> {
  const create = mode === "create";
  if (type === "static_site") {
    const { headers, routes } = staticRules(spec);
    return defined({
      buildCommand: str(spec, "buildCommand"),
      publishPath: str(spec, "staticPublishPath"),
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
    const schedule = str(spec, "schedule");
    if (schedule === undefined) throw invalid(`${owner}: a cron job needs a schedule`);
    return defined({
      ...common,
      schedule,
      ...(create ? { region: str(spec, "region") ?? DEFAULT_REGION } : {}),
    });
  }
  const web = type === "web_service";
  return defined({
    ...common,
    ...(web ? { healthCheckPath: str(spec, "healthCheckPath") } : {}),
    preDeployCommand: str(spec, "preDeployCommand"),
    maxShutdownDelaySeconds: num(spec, "maxShutdownDelaySeconds"),
    ...(create
      ? {
          region: str(spec, "region") ?? DEFAULT_REGION,
          numInstances: num(spec, "numInstances"),
          disk: disk(spec),
        }
      : {}),
  });
}

/** Where the service's code comes from: a repository or a prebuilt image. */
function source(spec: Spec, ownerId: string, owner: string): Record<string, unknown> {
  const image = spec["image"] as { url?: unknown; creds?: unknown } | undefined;
  if (image && typeof image.url === "string") return { image: { ownerId, imagePath: image.url } };
  const repo = str(spec, "repo");
  if (repo === undefined) {
    throw invalid(`${owner}: a service on Render needs a repo (a Git URL Render can reach) or an image`);
  }
  if (!/^https?:\/\//.test(repo) && !/^git@/.test(repo)) {
    throw invalid(`${owner}: repo "${repo}" is not a Git URL Render can reach (https://… or git@…)`);
  }
  return defined({ repo, branch: str(spec, "branch"), rootDir: str(spec, "rootDir") });
}

/** The body of POST /services. `envVars` are literal values (resolved by the driver). */
export function serviceBody(
  kind: string,
  name: string,
  ownerId: string,
  spec: Spec,
  envVars: Record<string, string>,
): Record<string, unknown> {
  const type = serviceType(kind, spec);
  const owner = `service ${name}`;
  return defined({
    type,
    name,
    ownerId,
    ...source(spec, ownerId, owner),
    autoDeploy: spec["autoDeploy"] === false ? "no" : "yes",
    envVars: Object.entries(envVars).map(([key, value]) => ({ key, value })),
    serviceDetails: serviceDetails(type, spec, owner, "create"),
  });
}

/** The body of PATCH /services/{id}: what can change in place. */
export function servicePatchBody(
  kind: string,
  name: string,
  ownerId: string,
  spec: Spec,
): Record<string, unknown> {
  const type = serviceType(kind, spec);
  const owner = `service ${name}`;
  const src = source(spec, ownerId, owner);
  return defined({
    ...src,
    autoDeploy: spec["autoDeploy"] === false ? "no" : "yes",
    serviceDetails: serviceDetails(type, spec, owner, "update"),
  });
}

/** A static site's `headers` and `routes` (redirect/rewrite rules), as the API takes them. */
export function staticRules(spec: Spec): {
  headers?: { path: string; name: string; value: string }[];
  routes?: { type: string; source: string; destination: string }[];
} {
  const headers = Array.isArray(spec["headers"])
    ? (spec["headers"] as Record<string, unknown>[]).map((h) => ({
        path: String(h["path"]),
        name: String(h["name"]),
        value: String(h["value"]),
      }))
    : undefined;
  const routes = Array.isArray(spec["routes"])
    ? (spec["routes"] as Record<string, unknown>[]).map((r) => ({
        type: String(r["type"]),
        source: String(r["source"]),
        destination: String(r["destination"]),
      }))
    : undefined;
  return { headers, routes };
}

/** Custom domains of a web service or static site (`domains:`). */
export function customDomains(spec: Spec): string[] {
  return Array.isArray(spec["domains"]) ? (spec["domains"] as unknown[]).map(String) : [];
}
