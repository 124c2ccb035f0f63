import { hostname } from "node:os";
import path from "node:path";
import { MAX_QUOTA_VALUE, QUOTA_DEFAULTS, type QuotaLimits } from "../domain/quotas.js";
import { allowanceProblem } from "../lib/outbound.js";
import {
  KUBERNETES_DEFAULTS,
  type KubernetesConfig,
  parseKubernetesConfig,
} from "../providers/kubernetes/config.js";
import { type LocalConfig, parseLocalConfig } from "../providers/local/config.js";
import { parseRenderConfig, type RenderConfig } from "../providers/render/config.js";
import {
  parseTerraformConfig,
  TERRAFORM_DEFAULTS,
  type TerraformConfig,
} from "../providers/terraform/config.js";
import { ConfigError, ConfigReader, duration, type Env, int, oneOf, str, url } from "./env.js";
import { ANY_PROVIDER, parseEnvironmentBlueprints } from "./environments.js";

export { ConfigError, ConfigErrors } from "./env.js";

/**
 * Tenantry's configuration, read from the environment once at start-up, validated,
 * and frozen. Bad values stop start-up with a message naming each variable (all of them
 * at once). The core's variables are read here; each provider reads its own section
 * (`TENANTRY_LOCAL_*` in `providers/local/config.ts`, `RENDER_*` in
 * `providers/render/config.ts`), composed into this one object.
 * Every variable is documented in docs/configuration.md.
 */
export interface Config extends LocalConfig, RenderConfig, KubernetesConfig, TerraformConfig {
  /** `PORT`: HTTP port. @default 8080 */
  port: number;
  /** `HOST`: interface to bind. @default "0.0.0.0" */
  host: string;
  /**
   * `TENANTRY_WORKER_METRICS_PORT`: where a `tenantry worker` process (no API) serves
   * `/metrics`, `/health` and `/ready`, on HOST; `0`: nowhere. @default 9464
   */
  workerMetricsPort: number;
  /** `DATABASE_URL`: PostgreSQL for Tenantry's state; unset → embedded PostgreSQL in the data dir. */
  databaseUrl: string | undefined;
  /** `TENANTRY_DATA_DIR`: where the embedded database, the admin key file and tenant files live. @default "./.tenantry" */
  dataDir: string;
  /** `BASE_DOMAIN`: tenants' URLs are subdomains of it. @default "localhost" */
  baseDomain: string;
  /** `ALLOWED_ORIGINS`: comma-separated CORS origins; `*` allows any; empty disables CORS. @default "" */
  allowedOrigins: string[];
  /** `LOG_LEVEL`: pino level. @default "info" */
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `TENANTRY_WORKER_CONCURRENCY`: tenants reconciled at once by in-process workers; 0 = API only. @default 8 */
  workerConcurrency: number;
  /**
   * `TENANTRY_NODE_ID`: the machine this process runs on. Tenants of a node-bound target
   * (local) are worked on only by workers with their node id. @default the host name
   */
  nodeId: string;
  /** `TENANTRY_LEASE_SECONDS`: how long a claimed operation stays owned without renewal. @default 15 */
  leaseSeconds: number;
  /** `TENANTRY_POLL_INTERVAL_MS`: fallback polling when no notification arrives. @default 1000 */
  pollIntervalMs: number;
  /** `TENANTRY_RETRY_BASE_MS`: first backoff step for transient errors. @default 1000 */
  retryBaseMs: number;
  /** `TENANTRY_RETRY_MAX_MS`: cap of one backoff delay. @default 60000 */
  retryMaxMs: number;
  /** `TENANTRY_RETRY_MAX_ATTEMPTS`: attempts before the tenant is `failed`. @default 5 */
  retryMaxAttempts: number;
  /** `TENANTRY_WEBHOOK_CONCURRENCY`: webhook endpoints this process delivers to at once (with its workers); 0 = none. @default 4 */
  webhookConcurrency: number;
  /** `TENANTRY_WEBHOOK_TIMEOUT_MS`: one delivery's POST, connection included. @default 10000 */
  webhookTimeoutMs: number;
  /** `TENANTRY_WEBHOOK_RETRY_BASE_MS`: first backoff step between delivery attempts. @default 600000 (10 min) */
  webhookRetryBaseMs: number;
  /** `TENANTRY_WEBHOOK_RETRY_MAX_MS`: cap of one backoff delay between delivery attempts. @default 21600000 (6 h) */
  webhookRetryMaxMs: number;
  /** `TENANTRY_WEBHOOK_MAX_ATTEMPTS`: attempts of one delivery before it is `failed`. @default 8 */
  webhookMaxAttempts: number;
  /** `TENANTRY_ADMIN_API_KEY`: admin key created on first start; unset → generated into `<dataDir>/admin-api-key`. */
  adminApiKey: string | undefined;
  /** `TENANTRY_ENCRYPTION_KEY`: 32 bytes, base64 or hex, for secrets at rest; unset → generated into `<dataDir>/encryption-key`. */
  encryptionKey: Buffer | undefined;
  /**
   * `TENANTRY_ENCRYPTION_KEY_PREVIOUS`: keys sealed values may still be sealed with, comma
   * separated, each like `TENANTRY_ENCRYPTION_KEY`: read, never written. Kept while
   * `tenantry rotate-encryption-key` re-seals everything with the current key. @default none
   */
  encryptionKeyPrevious: Buffer[];
  /** `TENANTRY_PLUGIN_REPO_HOSTS`: comma-separated hosts a tenant's `custom_plugin_repo` may point at. @default "github.com,gitlab.com,bitbucket.org" */
  pluginRepoHosts: string[];
  /**
   * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS`: comma-separated CIDRs, addresses and host names that
   * URLs taken from users (plugin repositories) may reach although they are not public
   * addresses (e.g. `10.20.0.0/16,git.corp.internal`). @default "" (public addresses only)
   */
  outboundAllowedNetworks: string[];
  /**
   * `TENANTRY_DEFAULT_TARGET`: the target of tenants (and of `plan`/`render`) that name
   * none. Checked at start-up against the registered providers. @default "local"
   */
  defaultTarget: string;
  /**
   * `TENANTRY_ENVIRONMENT_BLUEPRINT`: the stored blueprint of `/v1/environments` (`NAME`,
   * `NAME@VERSION`), or one per cloud provider (`aws=beta9-aws,gcp=beta9-gcp`). Unset: the
   * environments API answers 501 (docs/environments.md).
   */
  environmentBlueprints: Readonly<Record<string, string>>;
  /** `TENANTRY_ENVIRONMENT_TARGET`: the target environments are created on. @default "terraform" */
  environmentTarget: string;
  /**
   * `TENANTRY_CREDENTIALS_FALLBACK`: whether tenants of an organization without its own
   * credential for a target (`/v1/credentials`) use the installation's (`RENDER_API_KEY`…),
   * or are refused (`none`). @default "installation"
   */
  credentialsFallback: "installation" | "none";
  /**
   * Every organization's quotas unless a platform admin overrides them (docs/quotas.md);
   * 0 = unlimited. `TENANTRY_QUOTA_MAX_TENANTS` @default 1000,
   * `TENANTRY_QUOTA_MAX_CONCURRENT_OPERATIONS` @default 0,
   * `TENANTRY_QUOTA_MAX_BLUEPRINTS` @default 200, `TENANTRY_QUOTA_CREATES_PER_MINUTE` @default 120
   */
  quotaDefaults: Readonly<QuotaLimits>;
  /**
   * `TENANTRY_RATE_LIMIT_PER_MINUTE`: API requests per key (or per client address, without
   * one) and minute, counted in the database across API processes; 0 = off. @default 600
   */
  rateLimitPerMinute: number;
  /**
   * `TENANTRY_STUCK_OPERATION_AFTER`: an operation still queued or running this long after
   * it was requested is stuck: its tenant gets the `operation_stuck` condition (and an
   * event, and `tenantry_stuck_operations` counts it). A duration (`30m`, `1h30m`, `90s`).
   * @default 30m
   */
  stuckOperationAfterMs: number;
  /**
   * `TENANTRY_UNHEALTHY_TENANT_AFTER`: a tenant `failed` or `degraded` this long gets the
   * `unhealthy` condition (and an event). A duration. @default 15m
   */
  unhealthyTenantAfterMs: number;
}

/** 30 minutes: `TENANTRY_STUCK_OPERATION_AFTER` unset. */
export const DEFAULT_STUCK_OPERATION_AFTER_MS = 30 * 60_000;
/** 15 minutes: `TENANTRY_UNHEALTHY_TENANT_AFTER` unset. */
export const DEFAULT_UNHEALTHY_TENANT_AFTER_MS = 15 * 60_000;
/** Alerting thresholds: from a minute to a week. */
const ALERT_AFTER_RANGE = [60_000, 7 * 86_400_000] as const;

/** The node id when `TENANTRY_NODE_ID` is unset: the host name. */
export function defaultNodeId(): string {
  return hostname().toLowerCase() || "localhost";
}

function nodeId(env: Env): string {
  const raw = str(env, "TENANTRY_NODE_ID") ?? defaultNodeId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(raw)) {
    throw new ConfigError(
      "TENANTRY_NODE_ID",
      `expected letters, digits, ".", "_" or "-" (at most 100), got "${raw}"`,
    );
  }
  return raw;
}

function hosts(env: Env, name: string, fallback: string[]): string[] {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const list = raw
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const bad = list.find(
    (h) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/.test(h),
  );
  if (bad !== undefined || list.length === 0) {
    throw new ConfigError(
      name,
      `expected comma-separated host names such as github.com, got "${bad ?? raw}"`,
    );
  }
  return list;
}

function outboundNetworksOf(env: Env): string[] {
  const raw = str(env, "TENANTRY_OUTBOUND_ALLOWED_NETWORKS");
  if (raw === undefined) return [];
  const list = raw
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const problem = allowanceProblem(list);
  if (problem) throw new ConfigError("TENANTRY_OUTBOUND_ALLOWED_NETWORKS", problem);
  return list;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function parseEncryptionKey(raw: string, variable = "TENANTRY_ENCRYPTION_KEY"): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) {
    throw new ConfigError(
      variable,
      "expected 32 bytes as 64 hex characters or base64 (openssl rand -base64 32)",
    );
  }
  return key;
}

function previousKeysOf(env: Env): Buffer[] {
  const raw = str(env, "TENANTRY_ENCRYPTION_KEY_PREVIOUS");
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k !== "")
    .map((k) => parseEncryptionKey(k, "TENANTRY_ENCRYPTION_KEY_PREVIOUS"));
}

function baseDomainOf(env: Env): string {
  const baseDomain = str(env, "BASE_DOMAIN") ?? "localhost";
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(
      baseDomain,
    )
  ) {
    throw new ConfigError("BASE_DOMAIN", `expected a domain name such as example.com, got "${baseDomain}"`);
  }
  return baseDomain.toLowerCase();
}

function originsOf(env: Env): string[] {
  const origins = (str(env, "ALLOWED_ORIGINS") ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === "*") continue;
    try {
      const u = new URL(origin);
      if (u.origin !== origin) throw new Error();
    } catch {
      throw new ConfigError(
        "ALLOWED_ORIGINS",
        `expected origins like https://app.example.com, got "${origin}"`,
      );
    }
  }
  return origins;
}

function adminKeyOf(env: Env): string | undefined {
  const adminApiKey = str(env, "TENANTRY_ADMIN_API_KEY");
  if (adminApiKey !== undefined && adminApiKey.length < 24) {
    throw new ConfigError("TENANTRY_ADMIN_API_KEY", "expected at least 24 characters");
  }
  return adminApiKey;
}

/** The target of tenants that name none, when `TENANTRY_DEFAULT_TARGET` is unset. */
export const DEFAULT_TARGET = "local";

function targetOf(env: Env): string {
  const raw = str(env, "TENANTRY_DEFAULT_TARGET") ?? DEFAULT_TARGET;
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(raw)) {
    throw new ConfigError("TENANTRY_DEFAULT_TARGET", `expected a target name such as local, got "${raw}"`);
  }
  return raw;
}

/**
 * Reads and validates the configuration: the core's variables and each provider's
 * section. Throws {@link ConfigError} naming the bad variable; with several bad ones,
 * `ConfigErrors` naming every one.
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const r = new ConfigReader(env);
  const rawKey = str(env, "TENANTRY_ENCRYPTION_KEY");
  const retryBaseMs = r.read((e) => int(e, "TENANTRY_RETRY_BASE_MS", 1000, 1, 3_600_000), 1000);
  const retryMaxMs = r.read((e) => {
    const max = int(e, "TENANTRY_RETRY_MAX_MS", 60_000, 1, 86_400_000);
    if (max < retryBaseMs) {
      throw new ConfigError(
        "TENANTRY_RETRY_MAX_MS",
        `must not be below TENANTRY_RETRY_BASE_MS (${retryBaseMs})`,
      );
    }
    return max;
  }, 60_000);
  const config: Config = {
    port: r.read((e) => int(e, "PORT", 8080, 0, 65535), 8080),
    host: str(env, "HOST") ?? "0.0.0.0",
    workerMetricsPort: r.read((e) => int(e, "TENANTRY_WORKER_METRICS_PORT", 9464, 0, 65535), 9464),
    databaseUrl: r.read((e) => url(e, "DATABASE_URL", ["postgres:", "postgresql:"]), undefined),
    dataDir: path.resolve(str(env, "TENANTRY_DATA_DIR") ?? "./.tenantry"),
    baseDomain: r.read(baseDomainOf, "localhost"),
    allowedOrigins: r.read(originsOf, []),
    logLevel: r.read((e) => oneOf(e, "LOG_LEVEL", LOG_LEVELS, "info"), "info"),
    workerConcurrency: r.read((e) => int(e, "TENANTRY_WORKER_CONCURRENCY", 8, 0, 1000), 8),
    nodeId: r.read(nodeId, defaultNodeId()),
    leaseSeconds: r.read((e) => int(e, "TENANTRY_LEASE_SECONDS", 15, 1, 3600), 15),
    pollIntervalMs: r.read((e) => int(e, "TENANTRY_POLL_INTERVAL_MS", 1000, 10, 600_000), 1000),
    retryBaseMs,
    retryMaxMs,
    retryMaxAttempts: r.read((e) => int(e, "TENANTRY_RETRY_MAX_ATTEMPTS", 5, 1, 100), 5),
    webhookConcurrency: r.read((e) => int(e, "TENANTRY_WEBHOOK_CONCURRENCY", 4, 0, 100), 4),
    webhookTimeoutMs: r.read((e) => int(e, "TENANTRY_WEBHOOK_TIMEOUT_MS", 10_000, 100, 60_000), 10_000),
    webhookRetryBaseMs: r.read(
      (e) => int(e, "TENANTRY_WEBHOOK_RETRY_BASE_MS", 600_000, 1, 3_600_000),
      600_000,
    ),
    webhookRetryMaxMs: r.read(
      (e) => int(e, "TENANTRY_WEBHOOK_RETRY_MAX_MS", 21_600_000, 1, 86_400_000),
      21_600_000,
    ),
    webhookMaxAttempts: r.read((e) => int(e, "TENANTRY_WEBHOOK_MAX_ATTEMPTS", 8, 1, 50), 8),
    adminApiKey: r.read(adminKeyOf, undefined),
    encryptionKey: rawKey === undefined ? undefined : r.read(() => parseEncryptionKey(rawKey), undefined),
    outboundAllowedNetworks: r.read(outboundNetworksOf, []),
    encryptionKeyPrevious: r.read(previousKeysOf, []),
    pluginRepoHosts: r.read(
      (e) => hosts(e, "TENANTRY_PLUGIN_REPO_HOSTS", ["github.com", "gitlab.com", "bitbucket.org"]),
      [],
    ),
    defaultTarget: r.read(targetOf, DEFAULT_TARGET),
    environmentBlueprints: r.read(environmentBlueprintsOf, {}),
    environmentTarget: r.read((e) => str(e, "TENANTRY_ENVIRONMENT_TARGET") ?? "terraform", "terraform"),
    credentialsFallback: r.read(
      (e) => oneOf(e, "TENANTRY_CREDENTIALS_FALLBACK", ["installation", "none"] as const, "installation"),
      "installation",
    ),
    quotaDefaults: Object.freeze({
      max_tenants: r.read((e) => quota(e, "MAX_TENANTS", QUOTA_DEFAULTS.max_tenants), 0),
      max_concurrent_operations: r.read(
        (e) => quota(e, "MAX_CONCURRENT_OPERATIONS", QUOTA_DEFAULTS.max_concurrent_operations),
        0,
      ),
      max_blueprints: r.read((e) => quota(e, "MAX_BLUEPRINTS", QUOTA_DEFAULTS.max_blueprints), 0),
      creates_per_minute: r.read((e) => quota(e, "CREATES_PER_MINUTE", QUOTA_DEFAULTS.creates_per_minute), 0),
    }),
    rateLimitPerMinute: r.read((e) => int(e, "TENANTRY_RATE_LIMIT_PER_MINUTE", 600, 0, MAX_QUOTA_VALUE), 600),
    stuckOperationAfterMs: r.read(
      (e) =>
        duration(e, "TENANTRY_STUCK_OPERATION_AFTER", DEFAULT_STUCK_OPERATION_AFTER_MS, ...ALERT_AFTER_RANGE),
      DEFAULT_STUCK_OPERATION_AFTER_MS,
    ),
    unhealthyTenantAfterMs: r.read(
      (e) =>
        duration(
          e,
          "TENANTRY_UNHEALTHY_TENANT_AFTER",
          DEFAULT_UNHEALTHY_TENANT_AFTER_MS,
          ...ALERT_AFTER_RANGE,
        ),
      DEFAULT_UNHEALTHY_TENANT_AFTER_MS,
    ),
    // Each provider's own section.
    ...r.read(parseLocalConfig, {
      localPostgresUrl: undefined,
      localRedisUrl: undefined,
      localMysqlUrl: undefined,
      localIsolation: "auto",
    }),
    ...r.read(parseRenderConfig, {
      renderApiKey: undefined,
      renderOwnerId: undefined,
      renderApiUrl: "https://api.render.com/v1",
    }),
    ...r.read(parseKubernetesConfig, KUBERNETES_DEFAULTS),
    ...r.read(parseTerraformConfig, TERRAFORM_DEFAULTS),
  };
  r.done();
  return Object.freeze(config);
}

/** `TENANTRY_QUOTA_<suffix>`: a whole number, 0 = unlimited. */
function quota(env: Env, suffix: string, fallback: number): number {
  return int(env, `TENANTRY_QUOTA_${suffix}`, fallback, 0, MAX_QUOTA_VALUE);
}

const BLUEPRINT_REF = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}(@\d{1,9})?$/;

function environmentBlueprintsOf(env: Env): Record<string, string> {
  const name = "TENANTRY_ENVIRONMENT_BLUEPRINT";
  const parsed = parseEnvironmentBlueprints(str(env, name));
  for (const [provider, ref] of Object.entries(parsed)) {
    if (!BLUEPRINT_REF.test(ref) || (provider !== ANY_PROVIDER && !/^[a-z][a-z0-9-]*$/.test(provider))) {
      throw new ConfigError(
        name,
        `expected a stored blueprint NAME[@VERSION], or provider=NAME pairs such as aws=beta9-aws,gcp=beta9-gcp; got "${provider === ANY_PROVIDER ? ref : `${provider}=${ref}`}"`,
      );
    }
  }
  return parsed;
}

/**
 * The start-up check of what the configuration names against the registered providers:
 * `TENANTRY_DEFAULT_TARGET` must be one of them.
 */
export function checkTargets(config: Pick<Config, "defaultTarget">, targets: string[]): void {
  if (!targets.includes(config.defaultTarget)) {
    throw new ConfigError(
      "TENANTRY_DEFAULT_TARGET",
      `no provider serves target "${config.defaultTarget}" here (registered: ${targets.join(", ") || "none"})`,
    );
  }
}
