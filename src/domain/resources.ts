/**
 * The typed resource model: what blueprint rendering (src/blueprints/render.ts) produces
 * for one tenant and what providers consume. One discriminated union over `kind`; each
 * kind has its spec. Field names follow render.yaml (src/blueprints/model.ts), so a
 * reader maps one to the other; every template is resolved, every env var is a binding.
 *
 * Neither `blueprints/` nor `providers/` import each other: both import this.
 */

/**
 * An environment variable of a rendered service, resolved by the provider when it applies
 * the resource (it knows the databases' connection strings; see src/providers/env.ts).
 */
export type EnvBinding = (
  | { key: string; value: string }
  | { key: string; secret: "generated"; ref: string }
  /** `secretKey`: the tenant secret's key when it is not `key` (read through another service's variable). */
  | { key: string; secret: "tenant"; secretKey?: string }
  | {
      key: string;
      from: string;
      property?: string;
      envVarKey?: string;
      /**
       * Set when the two services reach each other: the value is set once `from` exists
       * (the variable is left out until then), and nothing waits for it.
       */
      late?: true;
    }
) & {
  /** Set when the variable comes from an env var group: that group's key (`group:NAME`). */
  group?: string;
};

/** `maxmemoryPolicy` values of a Key Value instance (render.yaml spelling). */
export const MAXMEMORY_POLICIES = [
  "allkeys-lru",
  "volatile-lru",
  "allkeys-lfu",
  "volatile-lfu",
  "allkeys-random",
  "volatile-random",
  "volatile-ttl",
  "noeviction",
] as const;

export interface IpAllowEntry {
  source: string;
  description?: string;
}

/** Settings of a web service, private service, background worker or cron job. */
export interface ServiceSettings {
  region?: string;
  plan?: string;
  /** Normalised: the deprecated `env:` spelling is read into `runtime`. */
  runtime?: string;
  repo?: string;
  branch?: string;
  rootDir?: string;
  image?: { url: string; creds?: { fromRegistryCreds: { name: string } } };
  buildCommand?: string;
  startCommand?: string;
  preDeployCommand?: string;
  dockerCommand?: string;
  dockerfilePath?: string;
  dockerContext?: string;
  healthCheckPath?: string;
  numInstances?: number;
  scaling?: {
    minInstances: number;
    maxInstances: number;
    targetMemoryPercent?: number;
    targetCPUPercent?: number;
  };
  disk?: { name: string; mountPath: string; sizeGB?: number };
  domains?: string[];
  autoDeploy?: boolean;
  autoDeployTrigger?: string;
  buildFilter?: { paths?: string[]; ignoredPaths?: string[] };
  maxShutdownDelaySeconds?: number;
  /** cron */
  schedule?: string;
  /** static sites */
  staticPublishPath?: string;
  headers?: { path: string; name: string; value: string }[];
  routes?: { type: "redirect" | "rewrite"; source: string; destination: string }[];
  pullRequestPreviewsEnabled?: boolean;
  previews?: Record<string, unknown>;
  /** keyvalue */
  ipAllowList?: IpAllowEntry[];
  maxmemoryPolicy?: string;
  persistenceMode?: string;
}

/** A service's spec: its render.yaml settings (without `name`) and its env bindings. */
export interface ServiceSpec extends ServiceSettings {
  type: "web" | "pserv" | "worker" | "cron";
  envVars: EnvBinding[];
}

/** A static site: a `web` service with `runtime: static`. */
export interface StaticSiteSpec extends ServiceSpec {
  type: "web";
  runtime: "static";
}

export interface KeyValueSpec extends ServiceSettings {
  type: "keyvalue";
  envVars: EnvBinding[];
}

export interface PostgresSpec {
  name: string;
  databaseName?: string;
  user?: string;
  plan?: string;
  region?: string;
  postgresMajorVersion?: string;
  diskSizeGB?: number;
  highAvailability?: { enabled: boolean };
  ipAllowList?: IpAllowEntry[];
  readReplicas?: { name: string }[];
}

/** The engines of a `mysql` resource (`databases[].engine`, a Tenantry extension). */
export const MYSQL_ENGINES = ["mysql", "mariadb"] as const;
export type MysqlEngine = (typeof MYSQL_ENGINES)[number];

/**
 * A MySQL or MariaDB database (`databases:` with `engine: mysql` or `engine: mariadb`, a
 * Tenantry extension of render.yaml): a database and a user on a MySQL/MariaDB server.
 * Only the keys that mean something for it; Postgres-only keys are refused at validation.
 */
export interface MysqlSpec {
  name: string;
  engine: MysqlEngine;
  databaseName?: string;
  user?: string;
  plan?: string;
  region?: string;
}

export interface EnvGroupSpec {
  envVars: EnvBinding[];
}

/**
 * A Terraform/OpenTofu stack (blueprint `stacks:`, a Tenantry extension), rendered for one
 * tenant: the `terraform` target applies it with the tenant's other stacks as one root
 * module and one state. Its outputs are the listed module outputs (secret ones sealed).
 */
export interface StackSpec {
  name: string;
  source: string;
  version?: string;
  cloud?: {
    provider: "aws" | "google";
    region?: string;
    roleArn?: string;
    externalId?: string;
    project?: string;
    serviceAccount?: string;
  };
  inputs: Record<string, unknown>;
  outputs: { name: string; secret: boolean }[];
  state?: { backend: "pg" | "s3" | "gcs"; config?: Record<string, string | number | boolean> };
}

/** The spec of each resource kind. */
export interface ResourceSpecs {
  postgres: PostgresSpec;
  mysql: MysqlSpec;
  keyvalue: KeyValueSpec;
  web: ServiceSpec;
  pserv: ServiceSpec;
  worker: ServiceSpec;
  cron: ServiceSpec;
  envgroup: EnvGroupSpec;
  stack: StackSpec;
}

export type ResourceKind = keyof ResourceSpecs;

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  "postgres",
  "mysql",
  "keyvalue",
  "web",
  "pserv",
  "worker",
  "cron",
  "envgroup",
  "stack",
];

export function isResourceKind(kind: string): kind is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(kind);
}

/** The kinds that are services (render.yaml `services:`, with env vars and a process or a site). */
export type ServiceKind = "web" | "pserv" | "worker" | "cron";

interface Desired<K extends ResourceKind> {
  /** Stable key within the tenant, e.g. `database:main`. */
  key: string;
  kind: K;
  /** Deterministic platform name; a retry after a crash finds the object by it. */
  externalName: string;
  /** Keys of resources that must be ready first. */
  dependsOn: string[];
  spec: ResourceSpecs[K];
}

/** A resource the blueprint wants, resolved for one tenant: one of the kinds, with its spec. */
export type DesiredResource<K extends ResourceKind = ResourceKind> = K extends ResourceKind
  ? Desired<K>
  : never;

/** A resource as recorded by the engine: what the driver last reported. */
export type RecordedResource<K extends ResourceKind = ResourceKind> = DesiredResource<K> & {
  /**
   * The platform's id, recorded after a create. An object is deleted only by this id; a
   * 404 by it means gone. Null: no create is known to have succeeded.
   */
  providerId: string | null;
  /**
   * When the engine first asked the platform for this object (set while `creating`). An
   * object that only its name ties to the tenant (no ownership marker on the platform)
   * and that was made before this moment is not the tenant's: never adopt it.
   */
  createRequestedAt?: Date | null;
  outputs: Record<string, unknown>;
  secretOutputs: Record<string, string>;
};

/** Narrows a resource to one kind. */
export function isKind<K extends ResourceKind>(
  resource: DesiredResource,
  kind: K,
): resource is DesiredResource<K> {
  return resource.kind === kind;
}

/** A service of any kind (web, pserv, worker, cron). */
export function isService(resource: DesiredResource): resource is DesiredResource<ServiceKind> {
  return (
    resource.kind === "web" ||
    resource.kind === "pserv" ||
    resource.kind === "worker" ||
    resource.kind === "cron"
  );
}

/** A static site: a `web` resource whose runtime is `static` (a check, not a narrowing: the spec is a service's). */
export function isStaticSite(resource: DesiredResource): boolean {
  return resource.kind === "web" && resource.spec.runtime === "static";
}

/** The env bindings of a resource (services, key value, env groups); none for the others. */
export function envBindingsOf(resource: DesiredResource): EnvBinding[] {
  return "envVars" in resource.spec && Array.isArray(resource.spec.envVars) ? resource.spec.envVars : [];
}

/**
 * A resource as stored (kind and spec as JSON) → the typed model. The store holds what
 * rendering produced, so the spec is the kind's; an unknown kind (a row written by a later
 * version) is refused rather than guessed.
 */
export function typedResource<T extends { kind: string; spec: Record<string, unknown> }>(
  row: T,
): Omit<T, "kind" | "spec"> & DesiredResource {
  if (!isResourceKind(row.kind)) throw new Error(`unknown resource kind "${row.kind}"`);
  return row as unknown as Omit<T, "kind" | "spec"> & DesiredResource;
}
