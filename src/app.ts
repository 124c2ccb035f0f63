import type { FastifyInstance } from "fastify";
import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type Config, ConfigError, checkTargets } from "./config/config.js";
import { typedResource } from "./domain/resources.js";
import { createEngineMetrics } from "./engine/metrics.js";
import { engineStatementTimeoutMs, Worker } from "./engine/worker.js";
import { startMetricsServer } from "./http/metrics-server.js";
import { buildServer } from "./http/server.js";
import type { SecretBox } from "./lib/crypto.js";
import { REDACT_CENSOR, REDACT_PATHS } from "./lib/log-redaction.js";
import { createKubernetesProvider } from "./providers/kubernetes/kubernetes-provider.js";
import { createLocalProvider, resolveIsolation } from "./providers/local/local-provider.js";
import { createProviderMetrics, type ProviderMetrics } from "./providers/metrics.js";
import { ProviderRegistry } from "./providers/provider.js";
import { createRenderProvider } from "./providers/render/render-provider.js";
import { createTerraformProvider } from "./providers/terraform/terraform-provider.js";
import { ConditionSweeper, createConditionMetrics } from "./services/alert-conditions.js";
import { bootstrapOrganization, ensureEncryptionKey } from "./services/bootstrap.js";
import { CredentialService } from "./services/credential-service.js";
import { registerDatabaseGauges } from "./services/database-gauges.js";
import { applyHealthEvent } from "./services/health-events.js";
import { QuotaService } from "./services/quota-service.js";
import { TenantService } from "./services/tenant-service.js";
import { createWebhookMetrics, WebhookDelivery } from "./services/webhook-delivery.js";
import { WebhookService } from "./services/webhook-service.js";
import { createDb, type Db } from "./store/db.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./store/embedded-postgres.js";
import { ensureDatabase } from "./store/ensure-database.js";
import { migrate } from "./store/migrations.js";
import { ensureInstallationId } from "./store/sql/installation.js";
import { listResources, mergeResourceOutputs } from "./store/sql/resources.js";
import { listTenantsToRecover } from "./store/sql/tenants.js";
import { VERSION } from "./version.js";

export { VERSION };

export interface TenantryOptions {
  config: Readonly<Config>;
  logger?: Logger;
  /** Serve the HTTP API. @default true */
  api?: boolean;
  /** Run in-process workers (when `config.workerConcurrency` > 0). @default true */
  workers?: boolean;
  /** Replaces the default providers (tests and benchmarks). */
  providers?: ProviderRegistry;
  /** How long `/metrics` reuses its reading of the database's gauges (tests: 0). @default 5000 */
  metricsCacheMs?: number;
  /** The web dashboard's build to serve at `/`. @default the package's dist/dashboard */
  dashboardDir?: string;
  /**
   * Without the API (`api: false`): serve `/metrics`, `/health` and `/ready` on this port
   * (`tenantry worker`, TENANTRY_WORKER_METRICS_PORT), on `config.host`. @default none
   */
  metricsPort?: number;
}

export interface Tenantry {
  config: Readonly<Config>;
  logger: Logger;
  db: Db;
  /** Where Tenantry's own state lives (embedded or `DATABASE_URL`). */
  databaseUrl: string;
  /** This installation's id: generated at the first start, kept in the database. */
  installationId: string;
  secrets: SecretBox;
  providers: ProviderRegistry;
  http: FastifyInstance | undefined;
  /** Where a process without the API serves `/metrics`, `/health` and `/ready` (`metricsPort`). */
  metricsUrl: string | undefined;
  worker: Worker | undefined;
  /** The alerting sweep (stuck operations, unhealthy tenants): in processes that run workers. */
  conditions: ConditionSweeper | undefined;
  /** Starts listening on HOST:PORT; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The server's logger, secret-bearing fields redacted: human-readable (pino-pretty) when
 * stdout is a terminal, else one JSON object per line with the level as its name
 * (`"level":"info"`), for log collectors. `destination`: JSON lines there instead (tests).
 */
export function createLogger(
  config: Pick<Config, "logLevel">,
  options: { pretty?: boolean; destination?: DestinationStream } = {},
): Logger {
  const settings = {
    level: config.logLevel,
    base: { service: "tenantry" },
    // Belt and braces: whatever a log line carries, these never reach the output
    // (src/lib/log-redaction.ts lists them; test/logs.redaction.test.ts checks them).
    redact: { paths: REDACT_PATHS, censor: REDACT_CENSOR },
  };
  if (!options.destination && (options.pretty ?? Boolean(process.stdout.isTTY))) {
    // Synchronous: a terminal's few lines, none lost when the process exits.
    return pino(
      settings,
      pretty({ sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" }),
    );
  }
  const json = { ...settings, formatters: { level: (label: string) => ({ level: label }) } };
  return options.destination ? pino(json, options.destination) : pino(json);
}

/** The database for Tenantry's state: `DATABASE_URL`, or a `tenantry` database on the embedded server. */
async function openDatabase(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded?: EmbeddedPostgres }> {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  return { url: await ensureDatabase(embedded.url, "tenantry"), embedded };
}

/** Starts Tenantry: database, migrations, first-start bootstrap, providers, API and workers. */
export async function startTenantry(options: TenantryOptions): Promise<Tenantry> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const { url, embedded } = await openDatabase(config, logger);
  const db = createDb(url, { max: Math.max(10, config.workerConcurrency + 4) });
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ versions: applied }, "applied database migrations");
    const secrets = await ensureEncryptionKey(db, config, logger);
    await bootstrapOrganization(db, config, logger);
    const installationId = await ensureInstallationId(db);

    // Prometheus (`GET /metrics`, docs/observability.md): the process's default metrics,
    // the engine's, the providers' calls, HTTP, and gauges read from the database.
    const metrics = new Registry();
    collectDefaultMetrics({ register: metrics });
    // Gauges named like counters, which `promtool check metrics` refuses: their per-type
    // gauges (`nodejs_active_handles{type}`…) stay, and sum to the same.
    for (const name of [
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
    ])
      metrics.removeSingleMetric(name);
    const providerMetrics = createProviderMetrics(metrics);
    registerDatabaseGauges(metrics, db, logger, {
      cacheMs: options.metricsCacheMs ?? 5000,
      stuckOperationAfterMs: config.stuckOperationAfterMs,
    });

    const providers = options.providers ?? (await defaultProviders(config, url, logger, providerMetrics));
    if (options.providers && !providers.get(config.defaultTarget)) {
      // Providers given by the embedder (tests, benchmarks): tenants name their target.
      logger.debug({ defaultTarget: config.defaultTarget }, "no provider serves the default target");
    } else {
      try {
        checkTargets(config, providers.names());
      } catch (err) {
        await providers.close();
        throw err;
      }
    }
    const credentials = new CredentialService({
      secrets,
      providers,
      fallback: config.credentialsFallback,
      checks: {
        renderApiUrl: config.renderApiUrl,
        outbound: { networks: config.outboundAllowedNetworks },
      },
      logger,
    });
    const tenants = new TenantService({
      credentials,
      providers,
      secrets,
      maxAttempts: config.retryMaxAttempts,
      pluginHosts: config.pluginRepoHosts,
      outboundAllowedNetworks: config.outboundAllowedNetworks,
      nodeId: config.nodeId,
      defaultTarget: config.defaultTarget,
      quotas: new QuotaService(config.quotaDefaults),
    });

    const http =
      options.api === false
        ? undefined
        : await buildServer({
            db,
            tenants,
            credentials,
            webhooks: new WebhookService({ secrets, outbound: { networks: config.outboundAllowedNetworks } }),
            providers,
            logger,
            metrics,
            config,
            version: VERSION,
            installationId,
            nodeId: config.nodeId,
            dashboardDir: options.dashboardDir,
          });
    // The engine's queries have their own pool, with a statement timeout well under a
    // third of the lease (src/engine/README.md, "Time"): a slow database makes a pass
    // give up and come back, never hold its lease while it waits.
    const engineDb =
      options.workers === false || config.workerConcurrency === 0
        ? undefined
        : createDb(url, {
            max: config.workerConcurrency + 2,
            applicationName: "tenantry-engine",
            statementTimeoutMs: engineStatementTimeoutMs(config.leaseSeconds),
          });
    const worker = !engineDb
      ? undefined
      : new Worker(
          {
            db: engineDb,
            providers,
            secrets,
            logger,
            render: tenants.renderSettings,
            credentials: (organizationId) => credentials.forOrganization(engineDb, organizationId),
          },
          {
            concurrency: config.workerConcurrency,
            leaseSeconds: config.leaseSeconds,
            pollIntervalMs: config.pollIntervalMs,
            retry: {
              baseMs: config.retryBaseMs,
              maxMs: config.retryMaxMs,
              maxAttempts: config.retryMaxAttempts,
            },
            databaseUrl: url,
            nodeId: config.nodeId,
            maxConcurrentOperations: config.quotaDefaults.max_concurrent_operations,
            metrics: createEngineMetrics(metrics),
          },
        );
    await worker?.start();
    // Alerting conditions (stuck operations, tenants failed or degraded too long): every
    // process with workers sweeps; the conditional updates make one of them win.
    const conditions =
      worker && engineDb
        ? new ConditionSweeper(engineDb, logger, {
            stuckOperationAfterMs: config.stuckOperationAfterMs,
            unhealthyTenantAfterMs: config.unhealthyTenantAfterMs,
            metrics: createConditionMetrics(metrics),
          })
        : undefined;
    conditions?.start();
    // Webhook deliveries run with the workers (TENANTRY_WEBHOOK_CONCURRENCY=0: not in this process).
    const webhookMetrics = createWebhookMetrics(metrics);
    const webhooks =
      options.workers === false || config.webhookConcurrency === 0
        ? undefined
        : new WebhookDelivery(
            { db, secrets, logger, metrics: webhookMetrics },
            {
              concurrency: config.webhookConcurrency,
              pollIntervalMs: config.pollIntervalMs,
              timeoutMs: config.webhookTimeoutMs,
              retry: {
                baseMs: config.webhookRetryBaseMs,
                maxMs: config.webhookRetryMaxMs,
                maxAttempts: config.webhookMaxAttempts,
              },
              outbound: { networks: config.outboundAllowedNetworks },
              version: VERSION,
            },
          );
    webhooks?.start();
    if (worker) {
      // Health reports of providers (a crash-looping process) move tenants between
      // active and degraded.
      const unhealthy = new Map<string, Set<string>>();
      for (const name of providers.names()) {
        providers.get(name)?.onHealth?.((event) => {
          applyHealthEvent(db, event, unhealthy, logger).catch((err: unknown) =>
            logger.error(
              { err: (err as Error).message, tenantId: event.tenantId },
              "could not record a health event",
            ),
          );
        });
      }
      // Outputs that change between operations (a cron job's last run) are recorded at once.
      for (const name of providers.names()) {
        providers.get(name)?.onOutputs?.((event) => {
          mergeResourceOutputs(db, event.tenantId, event.resourceKey, event.outputs).catch((err: unknown) =>
            logger.error(
              { err: (err as Error).message, tenantId: event.tenantId, resource: event.resourceKey },
              "could not record a resource's outputs",
            ),
          );
        });
      }
      await recoverTenants(db, tenants, providers, config.nodeId, logger);
    }

    const metricsServer =
      http === undefined && options.metricsPort !== undefined
        ? await startMetricsServer({
            registry: metrics,
            db,
            host: config.host,
            port: options.metricsPort,
            version: VERSION,
            installationId,
            nodeId: config.nodeId,
            logger,
          }).catch(async (err: unknown) => {
            await Promise.allSettled([conditions?.stop(), webhooks?.stop(), worker?.stop()]);
            await Promise.allSettled([providers.close(), engineDb?.close()]);
            throw new ConfigError(
              "TENANTRY_WORKER_METRICS_PORT",
              `cannot serve the metrics on ${config.host}:${options.metricsPort}: ${(err as Error).message} (0 serves none)`,
            );
          })
        : undefined;

    let closed = false;
    return {
      config,
      logger,
      db,
      databaseUrl: url,
      installationId,
      secrets,
      providers,
      http,
      metricsUrl: metricsServer?.url,
      worker,
      conditions,
      async listen() {
        if (!http) throw new Error("the API is disabled in this process");
        await http.listen({ port: config.port, host: config.host });
        const address = http.server.address();
        const port = typeof address === "object" && address ? address.port : config.port;
        const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
        return `http://${host}:${port}`;
      },
      async close() {
        if (closed) return;
        closed = true;
        await http?.close();
        await metricsServer?.close();
        await conditions?.stop();
        await webhooks?.stop();
        await worker?.stop();
        await providers.close();
        await engineDb?.close();
        await db.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw err;
  }
}

/**
 * After a start, heal the active tenants of providers whose objects live on this machine
 * (the local target), so their processes and schedules are running again.
 */
async function recoverTenants(
  db: Db,
  tenants: TenantService,
  providers: ProviderRegistry,
  nodeId: string,
  logger: Logger,
) {
  const targets = providers.names().filter((n) => providers.get(n)?.recoverOnStart);
  if (targets.length === 0) return;
  const rows = await listTenantsToRecover(db, { targets, nodeId });
  let started = 0;
  let fine = 0;
  for (const { id, target } of rows) {
    const provider = providers.get(target);
    let reason: string | null = "bringing its processes back";
    if (provider?.needsRecovery) {
      // Only tenants with something to bring back get a heal operation.
      const resources = (await listResources(db, id))
        .filter((r) => r.status === "ready")
        .map((r) => typedResource({ ...r, secretOutputs: {} }));
      reason = await provider.needsRecovery({ id }, resources);
    }
    if (reason === null) {
      fine++;
      continue;
    }
    if (await db.tx((q) => tenants.recover(q, id, `Tenantry restarted: ${reason}`))) started++;
  }
  if (started > 0 || fine > 0)
    logger.info({ healing: started, fine }, "after the restart: healing the local tenants that need it");
}

/**
 * The local target; Render always (with `RENDER_API_KEY` as the installation's account, or
 * organizations' own keys only: docs/credentials.md); Kubernetes and Terraform when configured.
 */
async function defaultProviders(
  config: Config,
  databaseUrl: string,
  logger: Logger,
  metrics: ProviderMetrics,
): Promise<ProviderRegistry> {
  const localLogger = logger.child({ provider: "local" });
  const isolation = await resolveIsolation(config.localIsolation, config.dataDir, localLogger);
  const registry = new ProviderRegistry().register(
    createLocalProvider({
      isolation,
      postgresUrl: config.localPostgresUrl ?? databaseUrl,
      redisUrl: config.localRedisUrl,
      mysqlUrl: config.localMysqlUrl,
      dataDir: config.dataDir,
      baseDomain: config.baseDomain,
      publicPort: config.port,
      logger: localLogger,
    }),
  );
  registry.register(
    createRenderProvider({
      apiKey: config.renderApiKey,
      ownerId: config.renderOwnerId,
      baseUrl: config.renderApiUrl,
      logger,
      metrics,
    }),
  );
  if (config.kubernetesBaseDomain) {
    registry.register(
      createKubernetesProvider({
        config,
        logger: logger.child({ provider: "kubernetes" }),
        outbound: { networks: config.outboundAllowedNetworks },
        metrics,
      }),
    );
  }
  if (config.terraformBin) {
    registry.register(
      createTerraformProvider({
        config,
        dataDir: config.dataDir,
        databaseUrl,
        logger: logger.child({ provider: "terraform" }),
        metrics,
      }),
    );
  }
  return registry;
}
