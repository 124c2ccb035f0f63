/**
 * Shapes of the objects the fake answers with, as Render's OpenAPI document defines them
 * (`service`, `deploy`, `postgresDetail`, `keyValueDetail`, `envGroup`, `customDomain`,
 * `owner`), and the fake's public interface.
 */

export type ServiceType =
  | "static_site"
  | "web_service"
  | "private_service"
  | "background_worker"
  | "cron_job";
export type DeployStatus =
  | "created"
  | "queued"
  | "build_in_progress"
  | "update_in_progress"
  | "live"
  | "deactivated"
  | "build_failed"
  | "update_failed"
  | "canceled"
  | "pre_deploy_in_progress"
  | "pre_deploy_failed";
export type DeployFailure = "build_failed" | "update_failed" | "pre_deploy_failed" | "canceled";
export type JobStatus = "pending" | "running" | "succeeded" | "failed" | "canceled";
export type Suspended = "suspended" | "not_suspended";
export type DatabaseStatus = "creating" | "available" | "suspended" | "unavailable";

export interface Owner {
  id: string;
  name: string;
  email: string;
  type: "user" | "team";
}

export interface CidrBlock {
  cidrBlock: string;
  description: string;
}

/** `serviceDetails`: one of the five per-type shapes, keyed loosely. */
export interface ServiceDetails {
  env?: string;
  runtime?: string;
  envSpecificDetails?: Record<string, string>;
  plan?: string;
  region?: string;
  numInstances?: number;
  buildPlan?: string;
  healthCheckPath?: string;
  openPorts?: { port: number; protocol: "TCP" | "UDP" }[];
  url?: string;
  schedule?: string;
  buildCommand?: string;
  publishPath?: string;
  pullRequestPreviewsEnabled?: string;
  previews?: { generation?: string };
  maxShutdownDelaySeconds?: number;
  renderSubdomainPolicy?: string;
  ipAllowList?: CidrBlock[];
  disk?: { id: string; name: string; sizeGB: number; mountPath: string };
  autoscaling?: unknown;
  maintenanceMode?: { enabled: boolean; uri: string };
  cache?: { profile: string };
}

export interface Service {
  id: string;
  name: string;
  ownerId: string;
  type: ServiceType;
  createdAt: string;
  updatedAt: string;
  dashboardUrl: string;
  suspended: Suspended;
  suspenders: string[];
  autoDeploy: "yes" | "no";
  notifyOnFail: "default" | "notify" | "ignore";
  slug: string;
  rootDir: string;
  repo?: string;
  branch?: string;
  imagePath?: string;
  environmentId?: string;
  buildFilter?: { paths: string[]; ignoredPaths: string[] };
  serviceDetails: ServiceDetails;
}

export interface Deploy {
  id: string;
  commit?: { id: string; message: string; createdAt: string };
  image?: { ref: string; sha: string };
  status: DeployStatus;
  trigger: "api" | "service_resumed" | "new_commit" | "manual";
  startedAt?: string;
  finishedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** A one-off job (`jobWithCursor.job`): the base service's build and env, running `startCommand`. */
export interface Job {
  id: string;
  serviceId: string;
  startCommand: string;
  planId: string;
  status: JobStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface Postgres {
  id: string;
  name: string;
  owner: Owner;
  plan: string;
  region: string;
  version: string;
  status: DatabaseStatus;
  databaseName: string;
  databaseUser: string;
  highAvailabilityEnabled: boolean;
  diskAutoscalingEnabled: boolean;
  diskSizeGB?: number;
  ipAllowList: CidrBlock[];
  readReplicas: { id: string; name: string }[];
  role: "primary" | "replica";
  suspended: Suspended;
  suspenders: string[];
  dashboardUrl: string;
  environmentId?: string;
  expiresAt?: string;
  createdAt: string;
  updatedAt: string;
}

export interface KeyValue {
  id: string;
  name: string;
  owner: Owner;
  plan: string;
  region: string;
  status: DatabaseStatus;
  options: { maxmemoryPolicy?: string };
  ipAllowList: CidrBlock[];
  version: string;
  dashboardUrl: string;
  environmentId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface EnvVar {
  key: string;
  value: string;
}

export interface SecretFile {
  name: string;
  content: string;
}

export interface EnvGroup {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  serviceLinks: { id: string; name: string; type: "static" | "web" | "pserv" | "worker" | "cron" }[];
  environmentId?: string;
  envVars: EnvVar[];
  secretFiles: SecretFile[];
}

export interface CustomDomain {
  id: string;
  name: string;
  domainType: "apex" | "subdomain";
  publicSuffix: string;
  redirectForName: string;
  verificationStatus: "verified" | "unverified";
  createdAt: string;
  server: { id: string; name: string };
}

export interface RecordedRequest {
  method: string;
  /** Without the `/v1` prefix. */
  path: string;
  query: Record<string, string | string[]>;
  /** Parsed JSON body, `undefined` when there was none. */
  body: unknown;
  /** The status answered; 0 when the connection was dropped (`failNext(n, "drop")`). */
  status: number;
  /** Arrival, epoch ms. */
  time: number;
  operationId?: string;
}

export interface Violation {
  method: string;
  path: string;
  operationId?: string;
  errors: string[];
}

export interface FakeRenderTimings {
  postgresCreateMs?: number;
  keyValueCreateMs?: number;
  buildMs?: number;
  deployMs?: number;
  /** A one-off job waits this long in `pending` before it runs. */
  jobStartMs?: number;
  /** How long a job runs when its command has no `sleep N`. */
  jobRunMs?: number;
}

export interface FakeRenderOptions {
  /** default "rnd_fake_0123456789abcdef" */
  apiKey?: string;
  /** default "tea-fake00000000000000000" */
  ownerId?: string;
  ownerName?: string;
  /** Divides rate-limit windows (1 h / 1 min) by this factor; default 1 (real time). */
  rateLimitScale?: number;
  /** Turns rate limiting off entirely. default false */
  noRateLimits?: boolean;
  /** How Ratelimit-Reset is sent: "epoch" (UTC epoch seconds, Render's docs) or "delta" (seconds from now). default "epoch" */
  resetStyle?: "epoch" | "delta";
  /** Durations of the asynchronous progressions, ms. defaults: postgres 300, keyValue 200, build 200, deploy(update) 200, job start 100, job run 200 */
  timings?: FakeRenderTimings;
  /** Validate every request against the spec (when the spec is present); an invalid request gets 400 like Render and is recorded in `violations`. default true */
  validate?: boolean;
  /** default 0 (free port) */
  port?: number;
}

export interface FakeRenderState {
  services(): Service[];
  postgres(): Postgres[];
  keyValues(): KeyValue[];
  envGroups(): EnvGroup[];
  /** Newest first, like `GET /services/{id}/deploys`. */
  deploys(serviceId: string): Deploy[];
  /** One-off jobs, newest first, like `GET /services/{id}/jobs`. */
  jobs(serviceId: string): Job[];
  envVars(serviceId: string): EnvVar[];
  customDomains(serviceId: string): CustomDomain[];
  /** A static site's headers and redirect/rewrite rules. */
  staticRules(serviceId: string): {
    headers: { path: string; name: string; value: string }[];
    routes: { type: string; source: string; destination: string; priority: number }[];
  };
}

/** A workspace added with {@link FakeRender.addWorkspace}. */
export interface FakeRenderWorkspace {
  apiKey: string;
  ownerId: string;
  /** Its current objects (not deleted), copies. */
  state: FakeRenderState;
}

export interface FakeRender {
  /** e.g. http://127.0.0.1:PORT/v1 (the base URL the provider uses) */
  url: string;
  apiKey: string;
  ownerId: string;
  /** Whether requests are validated against the spec (option on and spec present). */
  validating: boolean;
  /** Every request: method, path (without /v1), query, body, status, time. */
  requests: RecordedRequest[];
  /** Requests that did not conform to the spec (operationId, errors). Tests assert it is empty. */
  violations: Violation[];
  /** Current objects (not deleted), copies. */
  state: FakeRenderState;
  /** The next `count` requests matching `match` (default: any) answer `status`, or are dropped (socket destroyed) when status is "drop". */
  failNext(count: number, status: number | "drop", match?: (method: string, path: string) => boolean): void;
  /** Deploys of services whose name matches end in this terminal status instead of live. */
  failDeploys(match: (serviceName: string) => boolean, status: DeployFailure): void;
  clearDeployFailures(): void;
  /**
   * Another workspace, reached only with its own API key: that key sees and creates only
   * there (the default key, only in the default workspace).
   */
  addWorkspace(workspace: { apiKey: string; ownerId: string; name?: string }): FakeRenderWorkspace;
  /** From now on this key (any workspace's) gets 401, as a key revoked on Render's dashboard. */
  revokeKey(apiKey: string): void;
  /** Undoes {@link FakeRender.revokeKey}. */
  restoreKey(apiKey: string): void;
  /** Every request gets 401 (key revoked) or 403 until restored. */
  setAccess(mode: "ok" | "unauthorized" | "forbidden"): void;
  /** Count of 429 answers so far, by bucket name (`create-service`, `service-change`, `write`, `read`). */
  rateLimited: Record<string, number>;
  close(): Promise<void>;
}
