import { hostname } from "node:os";
import path from "node:path";

/**
 * Tenantry's configuration, read from the environment once at start-up, validated,
 * and frozen. A bad value stops start-up with a message naming the variable.
 * Every variable is documented in docs/configuration.md.
 */
export interface Config {
  /** `PORT`: HTTP port. @default 8080 */
  port: number;
  /** `HOST`: interface to bind. @default "0.0.0.0" */
  host: string;
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
  /** `TENANTRY_ADMIN_API_KEY`: admin key created on first start; unset → generated into `<dataDir>/admin-api-key`. */
  adminApiKey: string | undefined;
  /** `TENANTRY_ENCRYPTION_KEY`: 32 bytes, base64 or hex, for secrets at rest; unset → generated into `<dataDir>/encryption-key`. */
  encryptionKey: Buffer | undefined;
  /** `TENANTRY_LOCAL_POSTGRES_URL`: the server on which the local provider creates tenant databases; unset → Tenantry's own. */
  localPostgresUrl: string | undefined;
  /** `TENANTRY_LOCAL_REDIS_URL`: Redis 6+ on which the local provider makes an ACL user per tenant Key Value; unset → a private redis-server per tenant when one is on the PATH. */
  localRedisUrl: string | undefined;
  /**
   * `TENANTRY_LOCAL_ISOLATION`: whose OS user local tenants' processes run as. `users`: one
   * unprivileged user per tenant (needs root; refuses to start when it cannot); `off`:
   * Tenantry's own user; `auto`: `users` when Tenantry runs as root and can, else `off`
   * (said at start). @default "auto"
   */
  localIsolation: "auto" | "users" | "off";
  /** `TENANTRY_PLUGIN_REPO_HOSTS`: comma-separated hosts a tenant's `custom_plugin_repo` may point at. @default "github.com,gitlab.com,bitbucket.org" */
  pluginRepoHosts: string[];
  /** `RENDER_API_KEY`: enables the `render` target. Never logged. */
  renderApiKey: string | undefined;
  /** `RENDER_OWNER_ID`: the Render workspace; unset → the only one the key reaches. */
  renderOwnerId: string | undefined;
  /** `RENDER_API_URL`: Render's API base URL (a proxy, or the fake). @default "https://api.render.com/v1" */
  renderApiUrl: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

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

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${n}`);
  return n;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL such as ${protocols[0]}//user@host:port`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(" or ")} URL, got ${parsed.protocol}`);
  }
  return raw;
}

function renderOwner(env: Env): string | undefined {
  const raw = str(env, "RENDER_OWNER_ID");
  if (raw !== undefined && !/^(tea|usr)-[a-z0-9]+$/.test(raw)) {
    throw new ConfigError(
      "RENDER_OWNER_ID",
      `expected a workspace id such as tea-abc123 or usr-abc123, got "${raw}"`,
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

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const ISOLATION_MODES = ["auto", "users", "off"] as const;

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

/** Reads and validates the configuration. Throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const logLevel = str(env, "LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const localIsolation = str(env, "TENANTRY_LOCAL_ISOLATION") ?? "auto";
  if (!(ISOLATION_MODES as readonly string[]).includes(localIsolation)) {
    throw new ConfigError(
      "TENANTRY_LOCAL_ISOLATION",
      `expected one of ${ISOLATION_MODES.join(", ")}, got "${localIsolation}"`,
    );
  }
  const baseDomain = str(env, "BASE_DOMAIN") ?? "localhost";
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(
      baseDomain,
    )
  ) {
    throw new ConfigError("BASE_DOMAIN", `expected a domain name such as example.com, got "${baseDomain}"`);
  }
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
  const adminApiKey = str(env, "TENANTRY_ADMIN_API_KEY");
  if (adminApiKey !== undefined && adminApiKey.length < 24) {
    throw new ConfigError("TENANTRY_ADMIN_API_KEY", "expected at least 24 characters");
  }
  const rawKey = str(env, "TENANTRY_ENCRYPTION_KEY");
  const retryBaseMs = int(env, "TENANTRY_RETRY_BASE_MS", 1000, 1, 3_600_000);
  const retryMaxMs = int(env, "TENANTRY_RETRY_MAX_MS", 60_000, 1, 86_400_000);
  if (retryMaxMs < retryBaseMs) {
    throw new ConfigError(
      "TENANTRY_RETRY_MAX_MS",
      `must not be below TENANTRY_RETRY_BASE_MS (${retryBaseMs})`,
    );
  }
  const config: Config = {
    port: int(env, "PORT", 8080, 0, 65535),
    host: str(env, "HOST") ?? "0.0.0.0",
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir: path.resolve(str(env, "TENANTRY_DATA_DIR") ?? "./.tenantry"),
    baseDomain: baseDomain.toLowerCase(),
    allowedOrigins: origins,
    logLevel: logLevel as Config["logLevel"],
    workerConcurrency: int(env, "TENANTRY_WORKER_CONCURRENCY", 8, 0, 1000),
    nodeId: nodeId(env),
    leaseSeconds: int(env, "TENANTRY_LEASE_SECONDS", 15, 1, 3600),
    pollIntervalMs: int(env, "TENANTRY_POLL_INTERVAL_MS", 1000, 10, 600_000),
    retryBaseMs,
    retryMaxMs,
    retryMaxAttempts: int(env, "TENANTRY_RETRY_MAX_ATTEMPTS", 5, 1, 100),
    adminApiKey,
    encryptionKey: rawKey === undefined ? undefined : parseEncryptionKey(rawKey),
    localPostgresUrl: url(env, "TENANTRY_LOCAL_POSTGRES_URL", ["postgres:", "postgresql:"]),
    localRedisUrl: url(env, "TENANTRY_LOCAL_REDIS_URL", ["redis:", "rediss:"]),
    localIsolation: localIsolation as Config["localIsolation"],
    pluginRepoHosts: hosts(env, "TENANTRY_PLUGIN_REPO_HOSTS", ["github.com", "gitlab.com", "bitbucket.org"]),
    renderApiKey: str(env, "RENDER_API_KEY"),
    renderOwnerId: renderOwner(env),
    renderApiUrl: url(env, "RENDER_API_URL", ["https:", "http:"]) ?? "https://api.render.com/v1",
  };
  return Object.freeze(config);
}
