import { MAXMEMORY_POLICIES } from "../../domain/resources.js";
import { bool, int, list, obj, type Shape, str } from "./shape.js";

/**
 * Render's render.yaml format (https://render.com/docs/blueprint-spec) written as Tenantry
 * shapes. Which keys each resource allows, which are required and which enums apply follow
 * Render's published JSON Schema; the wording and structure are our own.
 */

export const REGIONS = ["oregon", "ohio", "frankfurt", "singapore", "virginia"] as const;

export const RUNTIMES = [
  "docker",
  "elixir",
  "go",
  "image",
  "node",
  "python",
  "ruby",
  "rust",
  "static",
] as const;

const SIZES = ["4gb", "8gb", "16gb", "32gb", "64gb", "128gb", "192gb", "256gb", "384gb", "512gb"];
const ACCELERATED = ["16gb", "32gb", "64gb", "128gb", "256gb", "384gb", "512gb", "768gb", "1024gb"];
export const PLANS = [
  "free",
  "starter",
  "standard",
  "pro",
  "pro plus",
  "pro max",
  "pro ultra",
  "basic-256mb",
  "basic-1gb",
  "basic-4gb",
  ...SIZES.map((s) => `pro-${s}`),
  ...ACCELERATED.map((s) => `accelerated-${s}`),
] as const;

export { MAXMEMORY_POLICIES };

export const POSTGRES_VERSIONS = ["10", "11", "12", "13", "14", "15", "16", "17", "18"] as const;

/** The `type` a `fromService` reference may name. */
export const REFERENCE_TYPES = [
  "web",
  "cron",
  "worker",
  "pserv",
  "static",
  "dpg",
  "job",
  "redis",
  "keyvalue",
] as const;

export const SERVICE_TYPES = ["web", "pserv", "worker", "cron", "keyvalue", "redis"] as const;

export const DATABASE_PROPERTIES = [
  "host",
  "port",
  "database",
  "user",
  "password",
  "connectionString",
] as const;
export const SERVICE_PROPERTIES = ["host", "port", "hostport", "connectionString"] as const;

// Render reads plans and regions in any case (`Starter`, `Basic-1gb`, `Oregon`).
const region: Shape = { t: "string", enum: REGIONS, foldCase: true };
const plan: Shape = { t: "string", enum: PLANS, foldCase: true };
const runtime = str(RUNTIMES);
const text = str();
const texts = list(text);
const previewGeneration = str(["automatic", "manual", "off"]);
const autoDeployTrigger = str(["off", "commit", "checksPass"]);
const enabledDisabled = str(["enabled", "disabled"]);

const ipAllowList = list(obj({ source: text, description: text }, ["source"], { open: true }));
const buildFilter = obj({ paths: texts, ignoredPaths: texts }, [], { open: true });
const registryCredential = obj({ fromRegistryCreds: obj({ name: text }, ["name"]) }, ["fromRegistryCreds"]);
const image = obj({ url: text, creds: registryCredential }, ["url"]);
const disk = obj({ name: text, mountPath: text, sizeGB: int(1) }, ["name", "mountPath"]);
const scaling = obj(
  {
    minInstances: int(1),
    maxInstances: int(1),
    targetMemoryPercent: int(1, 90),
    targetCPUPercent: int(1, 90),
  },
  [],
  { open: true },
);
const diskSizeGB = int(1);

/** `envVars` entries are checked by code (their form decides their keys); see env-vars.ts. */
const envVars: Shape = { t: "list", of: { t: "any" } };

/** `env:` is the deprecated spelling of `runtime:`. */
const runtimeAlias = { env: { to: "runtime", code: "deprecated-env" } };

const repoKeys = {
  repo: text,
  branch: text,
  rootDir: text,
  autoDeploy: bool,
  autoDeployTrigger,
  buildFilter,
};

export const serverService = obj(
  {
    type: str(["web", "worker", "pserv"]),
    name: text,
    region,
    plan,
    runtime,
    ...repoKeys,
    image,
    dockerCommand: text,
    dockerContext: text,
    dockerfilePath: text,
    registryCredential,
    numInstances: int(1),
    healthCheckPath: text,
    scaling,
    buildCommand: text,
    startCommand: text,
    preDeployCommand: text,
    initialDeployHook: text,
    domain: text,
    domains: texts,
    envVars,
    disk,
    previews: obj({ generation: previewGeneration, plan, numInstances: int(1) }),
    pullRequestPreviewsEnabled: { ...bool, deprecated: "use `previews.generation`" },
    previewPlan: { ...plan, deprecated: "use `previews.plan`" },
    maxShutdownDelaySeconds: int(1, 300),
    ipAllowList,
    renderSubdomainPolicy: enabledDisabled,
  },
  ["type", "name", "runtime"],
  { aliases: runtimeAlias },
);

export const cronService = obj(
  {
    type: str(["cron"]),
    name: text,
    region,
    plan,
    runtime,
    schedule: text,
    ...repoKeys,
    image,
    buildCommand: text,
    startCommand: text,
    dockerCommand: text,
    dockerfilePath: text,
    dockerContext: text,
    registryCredential,
    envVars,
  },
  ["type", "name", "runtime", "schedule"],
  { aliases: runtimeAlias },
);

export const staticSite = obj(
  {
    type: str(["web"]),
    name: text,
    runtime: str(["static"]),
    ...repoKeys,
    buildCommand: text,
    staticPublishPath: text,
    previews: obj({ generation: previewGeneration }),
    pullRequestPreviewsEnabled: { ...bool, deprecated: "use `previews.generation`" },
    headers: list(obj({ path: text, name: text, value: text }, ["path", "name", "value"], { open: true })),
    routes: list(
      obj(
        { type: str(["redirect", "rewrite"]), source: text, destination: text },
        ["type", "source", "destination"],
        {
          open: true,
        },
      ),
    ),
    envVars,
    domain: text,
    domains: texts,
    ipAllowList,
  },
  ["type", "name"],
  { aliases: runtimeAlias },
);

export const keyValue = obj(
  {
    type: str(["keyvalue", "redis"]),
    name: text,
    region,
    plan,
    previewPlan: plan,
    ipAllowList: { ...ipAllowList, missingHint: "`ipAllowList: []` allows internal connections only" },
    maxmemoryPolicy: str(MAXMEMORY_POLICIES),
  },
  ["type", "name", "ipAllowList"],
  // Render's Key Value docs have `persistenceMode`; the published schema does not (yet).
  { lagging: { persistenceMode: text } },
);

/**
 * `databases[].engine`, a Tenantry extension: `postgres` (render.yaml's only kind, the
 * default) or a MySQL/MariaDB database (kind `mysql`), which Render does not have.
 */
export const DATABASE_ENGINES = ["postgres", "mysql", "mariadb"] as const;

/**
 * The keys of a `databases:` entry that a MySQL or MariaDB database takes; every other key
 * of Render's database shape is PostgreSQL's (versions, replicas, high availability, disk
 * and storage settings, Render's IP allow list) and is refused on one.
 */
export const MYSQL_DATABASE_KEYS = [
  "name",
  "engine",
  "databaseName",
  "user",
  "plan",
  "previewPlan",
  "region",
];

export const database = obj(
  {
    name: text,
    // Tenantry's extension (see DATABASE_ENGINES): not in Render's schema.
    engine: str(DATABASE_ENGINES),
    databaseName: text,
    user: text,
    region,
    plan,
    previewPlan: plan,
    diskSizeGB,
    previewDiskSizeGB: diskSizeGB,
    storageAutoscalingEnabled: bool,
    postgresMajorVersion: str(POSTGRES_VERSIONS),
    highAvailability: obj({ enabled: bool }, ["enabled"]),
    ipAllowList,
    readReplicas: list(obj({ name: text }, ["name"])),
  },
  ["name"],
);

/** A group's entries are checked by code too (env-vars.ts); `envVars: null` reads as empty. */
export const envVarGroup = obj(
  { name: text, envVars: { t: "list", of: { t: "any" }, nullMeansEmpty: true } },
  ["name", "envVars"],
);

/** Keys holding resources; their items are checked one by one by the validator. */
const resourceLists = {
  services: list({ t: "any" }),
  databases: list({ t: "any" }),
  envVarGroups: list({ t: "any" }),
};

export const environment = obj(
  {
    name: text,
    ...resourceLists,
    networking: obj({ isolation: enabledDisabled }),
    permissions: obj({ protection: enabledDisabled }),
  },
  ["name"],
);

export const project = obj({ name: text, environments: list({ t: "any" }) }, ["name", "environments"]);

export const ungrouped = obj(resourceLists);

export const root = obj({
  ...resourceLists,
  version: str(["1"]),
  previews: obj({ generation: previewGeneration, expireAfterDays: int(1) }),
  previewsEnabled: { ...bool, deprecated: "use `previews.generation`" },
  previewsExpireAfterDays: { ...int(1), deprecated: "use `previews.expireAfterDays`" },
  projects: list({ t: "any" }),
  ungrouped: { t: "any" },
  // Tenantry extensions, checked by parameters.ts and hooks.ts.
  parameters: { t: "any" },
  hooks: { t: "any" },
  stacks: { t: "any" },
});

/** env var entries, by form. */
export const envValue = obj(
  {
    key: text,
    value: { t: "stringOrNumber" },
    generateValue: bool,
    sync: bool,
    previewValue: { t: "stringOrNumber" },
  },
  ["key"],
);
export const envFromDatabase = obj(
  {
    key: text,
    fromDatabase: obj({ name: text, property: str(DATABASE_PROPERTIES) }, ["name", "property"], {
      open: true,
    }),
  },
  ["key", "fromDatabase"],
);
export const envFromService = obj(
  {
    key: text,
    fromService: obj(
      { type: str(REFERENCE_TYPES), name: text, property: str(SERVICE_PROPERTIES), envVarKey: text },
      ["name", "type"],
      { open: true },
    ),
  },
  ["key", "fromService"],
);
export const envFromGroup = obj({ fromGroup: text }, ["fromGroup"]);
