import { badRequest } from "./errors.js";
import { newId } from "./ids.js";
import type { ServiceDetails, ServiceType } from "./types.js";

/**
 * `serviceDetails` of a created service, per type, with Render's defaults: plan `starter`,
 * region `oregon`, one instance, build plan `starter`, previews off, 30 s shutdown delay.
 * Native runtimes need `envSpecificDetails.buildCommand` and `startCommand` (required by
 * `nativeEnvironmentDetailsPOST`); docker gets `./Dockerfile` in `.` by default.
 */

export const SERVICE_TYPES: readonly ServiceType[] = [
  "static_site",
  "web_service",
  "private_service",
  "background_worker",
  "cron_job",
];

export const REGIONS = ["frankfurt", "oregon", "ohio", "singapore", "virginia"];

/** `envGroupLink.type` and dashboard paths use Render's short type names. */
export const SHORT_TYPE = {
  static_site: "static",
  web_service: "web",
  private_service: "pserv",
  background_worker: "worker",
  cron_job: "cron",
} as const;

type Input = Record<string, unknown>;

export function createDetails(type: ServiceType, input: Input, slug: string): ServiceDetails {
  const previews = { generation: "off", ...(input["previews"] as object | undefined) };
  if (type === "static_site") {
    return {
      buildCommand: str(input, "buildCommand") ?? "",
      publishPath: str(input, "publishPath") ?? "public",
      url: `https://${slug}.onrender.com`,
      buildPlan: "starter",
      pullRequestPreviewsEnabled: str(input, "pullRequestPreviewsEnabled") ?? "no",
      previews,
      renderSubdomainPolicy: str(input, "renderSubdomainPolicy") ?? "enabled",
      ipAllowList: (input["ipAllowList"] as ServiceDetails["ipAllowList"]) ?? [],
    };
  }
  const runtime = str(input, "runtime");
  if (!runtime) throw badRequest("serviceDetails.runtime is required");
  const region = str(input, "region") ?? "oregon";
  if (!REGIONS.includes(region)) throw badRequest(`serviceDetails.region: unknown region ${region}`);
  const details: ServiceDetails = {
    env: runtime,
    runtime,
    envSpecificDetails: envSpecificDetails(runtime, input),
    plan: str(input, "plan") ?? "starter",
    region,
    buildPlan: "starter",
  };
  if (type === "cron_job") {
    const schedule = str(input, "schedule");
    if (!schedule) throw badRequest("serviceDetails.schedule is required for a cron job");
    return { ...details, schedule };
  }
  Object.assign(details, {
    numInstances: (input["numInstances"] as number | undefined) ?? 1,
    pullRequestPreviewsEnabled: str(input, "pullRequestPreviewsEnabled") ?? "no",
    previews,
    maxShutdownDelaySeconds: (input["maxShutdownDelaySeconds"] as number | undefined) ?? 30,
  });
  if (input["autoscaling"] !== undefined) details.autoscaling = input["autoscaling"];
  const disk = input["disk"] as { name: string; mountPath: string; sizeGB?: number } | undefined;
  if (disk)
    details.disk = { id: newId("dsk"), name: disk.name, mountPath: disk.mountPath, sizeGB: disk.sizeGB ?? 1 };
  if (type === "web_service") {
    Object.assign(details, {
      healthCheckPath: str(input, "healthCheckPath") ?? "",
      openPorts: [],
      url: `https://${slug}.onrender.com`,
      renderSubdomainPolicy: str(input, "renderSubdomainPolicy") ?? "enabled",
      ipAllowList: (input["ipAllowList"] as ServiceDetails["ipAllowList"]) ?? [],
    });
    if (input["maintenanceMode"] !== undefined) {
      details.maintenanceMode = input["maintenanceMode"] as ServiceDetails["maintenanceMode"];
    }
  } else if (type === "private_service") {
    // The internal hostname other services of the workspace reach it at.
    Object.assign(details, { openPorts: [], url: slug });
  }
  return details;
}

function envSpecificDetails(runtime: string, input: Input): Record<string, string> {
  const given = (input["envSpecificDetails"] ?? {}) as Record<string, unknown>;
  const preDeploy = str(input, "preDeployCommand");
  const out: Record<string, string> = {};
  if (runtime === "docker" || runtime === "image") {
    out["dockerCommand"] = stringOf(given["dockerCommand"]) ?? "";
    out["dockerContext"] = stringOf(given["dockerContext"]) ?? (runtime === "docker" ? "." : "");
    out["dockerfilePath"] = stringOf(given["dockerfilePath"]) ?? (runtime === "docker" ? "./Dockerfile" : "");
  } else {
    const buildCommand = stringOf(given["buildCommand"]);
    const startCommand = stringOf(given["startCommand"]);
    if (buildCommand === undefined || startCommand === undefined) {
      throw badRequest(
        `serviceDetails.envSpecificDetails: buildCommand and startCommand are required for runtime ${runtime}`,
      );
    }
    out["buildCommand"] = buildCommand;
    out["startCommand"] = startCommand;
  }
  if (preDeploy !== undefined) out["preDeployCommand"] = preDeploy;
  return out;
}

/** Keys of `*DetailsPATCH`, per type; others are ignored, as a JSON decoder would. */
const PATCHABLE: Record<ServiceType, readonly string[]> = {
  static_site: [
    "buildCommand",
    "publishPath",
    "pullRequestPreviewsEnabled",
    "previews",
    "renderSubdomainPolicy",
    "ipAllowList",
  ],
  web_service: [
    "plan",
    "healthCheckPath",
    "maintenanceMode",
    "pullRequestPreviewsEnabled",
    "previews",
    "maxShutdownDelaySeconds",
    "renderSubdomainPolicy",
    "ipAllowList",
    "cache",
  ],
  private_service: ["plan", "pullRequestPreviewsEnabled", "previews", "maxShutdownDelaySeconds"],
  background_worker: ["plan", "pullRequestPreviewsEnabled", "previews", "maxShutdownDelaySeconds"],
  cron_job: ["plan", "schedule"],
};

export function patchDetails(type: ServiceType, details: ServiceDetails, input: Input): void {
  const target = details as Record<string, unknown>;
  for (const key of PATCHABLE[type]) {
    if (input[key] !== undefined) target[key] = input[key];
  }
  if (type === "static_site") return;
  const runtime = str(input, "runtime");
  if (runtime) {
    details.runtime = runtime;
    details.env = runtime;
  }
  const env = { ...details.envSpecificDetails };
  for (const [k, v] of Object.entries((input["envSpecificDetails"] ?? {}) as Record<string, unknown>)) {
    if (typeof v === "string" && k !== "registryCredentialId") env[k] = v;
  }
  const preDeploy = str(input, "preDeployCommand");
  if (preDeploy !== undefined && type !== "cron_job") env["preDeployCommand"] = preDeploy;
  details.envSpecificDetails = env;
}

function str(obj: Input, key: string): string | undefined {
  return stringOf(obj[key]);
}

function stringOf(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
