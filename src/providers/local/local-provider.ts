import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { ConfigError } from "../../config/env.js";
import { isStaticSite } from "../../domain/resources.js";
import {
  type HealthEvent,
  type LogOptions,
  type OutputsEvent,
  type Provider,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
  type ResourceDrivers,
} from "../provider.js";
import { BOOTSTRAP_LOG, createLocalBootstrap } from "./bootstrap.js";
import { localCapabilities } from "./capabilities.js";
import { createCronDriver } from "./cron-driver.js";
import { localEnvGroupDriver } from "./envgroup-driver.js";
import { localHostRoute } from "./host-routes.js";
import { createKeyValueDriver, KEYVALUE_SETUP_HINT } from "./keyvalue-driver.js";
import { type LogSource, logLines } from "./log-files.js";
import { createMysqlDriver, MYSQL_SETUP_HINT } from "./mysql-driver.js";
import { createPostgresDriver } from "./postgres-driver.js";
import {
  createServiceDriver,
  localServicePaths,
  localTenantDir,
  serviceProcessIds,
} from "./service-driver.js";
import { createStaticSiteDriver } from "./static-site-driver.js";
import { Supervisor } from "./supervisor.js";
import { createTenantUsers, type IsolationMode, isolationProblem } from "./tenant-users.js";

export interface LocalProviderOptions {
  /**
   * Administrative connection string of the PostgreSQL server that hosts tenant databases
   * (TENANTRY_LOCAL_POSTGRES_URL); its user needs CREATEDB and CREATEROLE (or SUPERUSER).
   */
  postgresUrl: string;
  /** Redis 7+ for tenants' Key Value instances (TENANTRY_LOCAL_REDIS_URL); unset → private redis-servers. */
  redisUrl?: string;
  /**
   * MySQL 8 or MariaDB 10.5+ for tenants' `engine: mysql`/`mariadb` databases
   * (TENANTRY_LOCAL_MYSQL_URL; its user needs ALL PRIVILEGES ON *.* WITH GRANT OPTION).
   * Unset → kind `mysql` is not served here (refused at create, `explain` says what to set).
   */
  mysqlUrl?: string;
  /** Tenantry's data directory: tenant files live under `<dataDir>/tenants/<slug>/`. */
  dataDir: string;
  /** The proxy's domain and Tenantry's port, for services' URLs (`http://web-acme.localhost:8080`). */
  baseDomain: string;
  publicPort: number;
  /** Relative `repo` paths in blueprints are resolved against this. @default process.cwd() */
  repoBase?: string;
  /**
   * `users`: each tenant's processes run as its own OS user (see `tenant-users.ts`; needs
   * root: check with {@link resolveIsolation}); `off`: as Tenantry's user. @default "off"
   */
  isolation?: IsolationMode;
  logger?: Logger;
}

/**
 * The isolation a configured mode gives on this machine: `auto` is `users` when Tenantry
 * runs as root and can make users, else `off`; `users` that cannot be is an error saying why.
 * What was decided is logged, and when tenants are not isolated, plainly so.
 */
export async function resolveIsolation(
  configured: "auto" | IsolationMode,
  dataDir: string,
  logger?: Logger,
): Promise<IsolationMode> {
  if (configured === "off") {
    logNotIsolated(logger, "TENANTRY_LOCAL_ISOLATION=off");
    return "off";
  }
  const problem = await isolationProblem(dataDir);
  if (problem === undefined) {
    logger?.info("local target: each tenant's processes run as its own unprivileged OS user");
    return "users";
  }
  if (configured === "users") {
    throw new ConfigError(
      "TENANTRY_LOCAL_ISOLATION",
      `is "users", but tenants cannot have OS users here: ${problem}`,
    );
  }
  logNotIsolated(logger, problem);
  return "off";
}

function logNotIsolated(logger: Logger | undefined, why: string): void {
  // Said plainly at every start: tenant processes run as Tenantry's own OS user.
  logger?.warn(
    { user: userInfo().username, uid: process.getuid?.(), why },
    "local target: tenant processes run as the same OS user as Tenantry, so local tenants are not isolated from each other or from Tenantry's files (keys included); use it for development and trusted tenants, run Tenantry as root to give each tenant its own OS user, or use a platform target (render) for untrusted ones",
  );
}

/** Where `redis-server` is on the PATH, if it is. */
function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

/**
 * A local service's or cron job's log: `build.log`, `bootstrap.log` (the bootstrap hook, when
 * it ran in this service), then `runtime.log` (web, pserv, worker) or `cron.log` (cron), each
 * prefixed by its source. The files carry no timestamps, so the lines are not interleaved by
 * time: the last `tail` lines overall, build lines first; with `follow`, then new lines of
 * any of them as they are written (polled, see `logLines`).
 * Other kinds have no logs (`null`).
 */
export function localLogs(
  dataDir: string,
  tenant: { id: string; slug: string },
  resource: RecordedResource,
  options: LogOptions,
): AsyncIterable<string> | null {
  const paths = localServicePaths(dataDir, resource, tenant);
  const bootstrap = { prefix: "bootstrap", file: path.join(paths.serviceDir, BOOTSTRAP_LOG) };
  let sources: LogSource[];
  if (resource.kind === "web" || resource.kind === "pserv" || resource.kind === "worker") {
    sources = [
      { prefix: "build", file: paths.buildLog },
      bootstrap,
      { prefix: "run", file: paths.runtimeLog },
    ];
  } else if (resource.kind === "cron") {
    sources = [
      { prefix: "build", file: paths.buildLog },
      bootstrap,
      { prefix: "cron", file: path.join(paths.serviceDir, "cron.log") },
    ];
  } else {
    return null;
  }
  return logLines(sources, options);
}

/**
 * The `local` target: tenant resources on this machine. A composition of one driver per
 * resource kind; each driver owns its connections and `close()` releases them all.
 * A kind this machine cannot provide is left out, so a blueprint that needs it is refused
 * when the tenant is created, with `explain()` saying what to configure.
 */
export function createLocalProvider(options: LocalProviderOptions): Provider {
  const users = createTenantUsers({
    mode: options.isolation ?? "off",
    dataDir: options.dataDir,
    tenantDir: (tenant) => localTenantDir(options.dataDir, tenant),
    logger: options.logger,
  });
  const postgres = createPostgresDriver({ serverUrl: options.postgresUrl, logger: options.logger });
  const mysql = options.mysqlUrl
    ? createMysqlDriver({ serverUrl: options.mysqlUrl, logger: options.logger })
    : undefined;
  const redisServerPath = options.redisUrl ? undefined : findOnPath("redis-server");
  const keyvalue =
    options.redisUrl || redisServerPath
      ? createKeyValueDriver({
          redisUrl: options.redisUrl,
          redisServerPath,
          dataDir: options.dataDir,
          logger: options.logger,
          users,
        })
      : undefined;
  const supervisor = new Supervisor({
    stateDir: path.join(options.dataDir, "supervisor"),
    logger: options.logger,
  });
  // Tenant processes outlive a Tenantry restart: take back the ones still running.
  const adopting = supervisor.adoptRunning();
  adopting.then(
    (adopted) => {
      if (adopted.length > 0)
        options.logger?.info({ processes: adopted.length }, "adopted running tenant processes");
    },
    (err: unknown) =>
      options.logger?.error({ err: (err as Error).message }, "could not adopt running tenant processes"),
  );
  const services = createServiceDriver({
    dataDir: options.dataDir,
    supervisor,
    baseDomain: options.baseDomain,
    publicPort: options.publicPort,
    repoBase: options.repoBase,
    logger: options.logger,
    users,
  });
  // Schedules live in this process: after a restart they come back when the tenant is
  // reconciled again (see the driver). Each finished run reports its outputs at once.
  const outputListeners: ((event: OutputsEvent) => void)[] = [];
  const cron = createCronDriver({
    dataDir: options.dataDir,
    repoBase: options.repoBase,
    logger: options.logger,
    users,
    onRun: (event) => {
      for (const listener of outputListeners) listener(event);
    },
  });
  // A web service with `runtime: static` is a static site: built, then served by the proxy.
  const staticSites = createStaticSiteDriver({
    dataDir: options.dataDir,
    baseDomain: options.baseDomain,
    publicPort: options.publicPort,
    repoBase: options.repoBase,
    logger: options.logger,
    users,
  });
  const webDriver = (r: RecordedResource<"web">): ResourceDriver<"web"> =>
    isStaticSite(r) ? staticSites : services;
  const web: ResourceDriver<"web"> = {
    // The longer of the two (a service's deploy also waits for its health check).
    limits: services.limits,
    observe: (ctx, r) => webDriver(r).observe(ctx, r),
    apply: (ctx, r, o) => webDriver(r).apply(ctx, r, o),
    delete: (ctx, r) => webDriver(r).delete(ctx, r),
    // A static site has no process: suspending it is the proxy's 503, resuming or healing it
    // is nothing. A service stops, or runs its current release again without rebuilding.
    setRunning: (ctx, r, running) =>
      isStaticSite(r) ? Promise.resolve({ state: "done" as const }) : services.setRunning(ctx, r, running),
  };
  // hooks.bootstrap: run in a service's release with its env, followed over passes (bootstrap.ts).
  const bootstrap = createLocalBootstrap({
    dataDir: options.dataDir,
    baseDomain: options.baseDomain,
    publicPort: options.publicPort,
    users,
    logger: options.logger,
  });
  // Healing a service or cron job is `setRunning(true)`: its current release (or schedule)
  // starts if it is not running, without rebuilding.
  const drivers: ResourceDrivers = {
    envgroup: localEnvGroupDriver,
    postgres,
    web,
    pserv: services,
    worker: services,
    cron,
    ...(keyvalue ? { keyvalue } : {}),
    ...(mysql ? { mysql } : {}),
  };
  // Crash loops of supervised processes are health events for their tenants.
  const healthListeners: ((event: HealthEvent) => void)[] = [];
  const looping = new Set<string>();
  supervisor.on("state", (status) => {
    const slash = status.id.indexOf("/");
    if (slash < 0) return;
    const tenantId = status.id.slice(0, slash);
    const resourceKey = status.id.slice(slash + 1).replace(/#b$/, "");
    const id = `${tenantId}/${resourceKey}`;
    let event: HealthEvent | undefined;
    if (status.state === "crash-loop" && !looping.has(id)) {
      looping.add(id);
      const exit =
        status.lastExitSignal ?? (status.lastExitCode === null ? "?" : `code ${status.lastExitCode}`);
      event = {
        tenantId,
        resourceKey,
        healthy: false,
        reason: `${resourceKey} is crash-looping (${status.restarts} restarts, last exit ${exit})`,
      };
    } else if ((status.state === "running" || status.state === "stopped") && looping.delete(id)) {
      event = { tenantId, resourceKey, healthy: true, reason: `${resourceKey} is running again` };
    }
    if (event) for (const listener of healthListeners) listener(event);
  });
  return {
    name: "local",
    capabilities: localCapabilities({
      repoBase: options.repoBase ?? process.cwd(),
      keyvalue: keyvalue !== undefined,
      mysql: mysql !== undefined,
    }),
    recoverOnStart: true,
    async needsRecovery(tenant, resources) {
      await adopting.catch(() => {});
      for (const r of resources) {
        // Schedules live in the Tenantry process: after a start there are none yet.
        if (r.kind === "cron") return `${r.key}: its schedule runs in the Tenantry process`;
        if (r.kind === "worker" || r.kind === "pserv" || (r.kind === "web" && !isStaticSite(r))) {
          const { a, b } = serviceProcessIds(tenant.id, r);
          const running = [a, b].some((id) => {
            const s = supervisor.status(id);
            return s !== undefined && s.state !== "stopped" && s.pid !== null;
          });
          if (!running) return `${r.key}: its process is not running`;
        }
      }
      return null;
    },
    onHealth(listener) {
      healthListeners.push(listener);
    },
    onOutputs(listener) {
      outputListeners.push(listener);
    },
    async runJob(tenant, resource) {
      if (resource.kind !== "cron") {
        throw new ProviderError(`${resource.key} is a ${resource.kind}, not a cron job`, {
          retryable: false,
          code: "NOT_A_CRON_JOB",
        });
      }
      return cron.startRun(tenant.id, resource.key);
    },
    drivers,
    runBootstrap: (ctx, hook, resources) => bootstrap.run(ctx, hook, resources),
    // The tenant's OS user goes with its last resource.
    releaseTenant: (ctx) => users.release(ctx),
    logs: (tenant, resource, logOptions) => localLogs(options.dataDir, tenant, resource, logOptions),
    // The host proxy's routes: the local web services and static sites (host-routes.ts).
    hostRoute: (label, records) => localHostRoute(records, label),
    explain(kind) {
      if (kind === "keyvalue" && !keyvalue) return KEYVALUE_SETUP_HINT;
      if (kind === "mysql" && !mysql) return MYSQL_SETUP_HINT;
      return undefined;
    },
    async close() {
      await Promise.all([
        postgres.close(),
        mysql?.close(),
        keyvalue?.close(),
        services.close(),
        cron.close(),
      ]);
      // A running bootstrap hook goes on; the next pass follows it.
      bootstrap.close();
      // The processes keep running; the next start adopts them.
      supervisor.detach();
    },
  };
}
