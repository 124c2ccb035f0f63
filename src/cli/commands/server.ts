import type { Command } from "commander";
import { emit, formatDuration, table } from "../output.js";
import type { ResealCount, startTenantry, Tenantry } from "./server-runtime.js";
import { type OutputOptions, run, withConnection, withOutput } from "./tenants.js";

/** Stops cleanly on SIGINT/SIGTERM: in-flight operations are handed back to the queue. */
function stopOnSignals(app: Tenantry): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      app.logger.warn("second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    app.logger.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.logger.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** The server's modules, loaded on demand (see server-runtime.ts). */
const runtime = () => import("./server-runtime.js");

async function configOrExit() {
  const { ConfigError, loadConfig } = await runtime();
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tenantry: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

/** Starts Tenantry; a configuration it finds wrong at start-up (a target, isolation) exits 2 like a bad variable. */
async function startOrExit(options: Parameters<typeof startTenantry>[0]) {
  const { ConfigError, startTenantry } = await runtime();
  try {
    return await startTenantry(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`tenantry: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

export function registerServerCommands(program: Command): void {
  program
    .command("serve")
    .description("run the API and in-process workers (TENANTRY_WORKER_CONCURRENCY=0: API only)")
    .action(async () => {
      const config = await configOrExit();
      const app = await startOrExit({ config });
      stopOnSignals(app);
      const url = await app.listen();
      app.logger.info(
        {
          url,
          docs: `${url}/docs`,
          workers: config.workerConcurrency,
          embeddedDatabase: !config.databaseUrl,
        },
        `Tenantry is listening on ${url}`,
      );
    });

  program
    .command("worker")
    .description("run workers only, sharing DATABASE_URL with the API process(es)")
    .action(async () => {
      const config = await configOrExit();
      if (config.workerConcurrency === 0) {
        console.error("tenantry: TENANTRY_WORKER_CONCURRENCY is 0; a worker process needs at least 1");
        process.exit(2);
      }
      const metricsPort = config.workerMetricsPort === 0 ? undefined : config.workerMetricsPort;
      const app = await startOrExit({ config, api: false, metricsPort });
      stopOnSignals(app);
      app.logger.info(
        {
          worker: app.worker?.id,
          concurrency: config.workerConcurrency,
          metrics: app.metricsUrl && `${app.metricsUrl}/metrics`,
        },
        "worker running",
      );
    });

  withOutput(
    withConnection(
      program
        .command("targets")
        .description("the targets the server serves and what each can do (GET /v1/targets)"),
    ),
  ).action((options: OutputOptions) =>
    run(options, async ({ client }) => {
      const targets = await client.listTargets();
      emit(options.output, {
        value: targets,
        names: () => targets.map((t) => `target/${t.name}`),
        table: () =>
          targets.flatMap((t) => [
            `${t.name}  (bootstrap hooks: ${t.bootstrap ? "yes" : "no"}, placement: ${t.placement})`,
            ...table(
              ["KIND", "SUSPEND", "LOGS", "JOBS", "ACTION TIMEOUT", "MAX WAIT"],
              t.kinds.map((k) => [
                k.kind,
                k.suspend ? "yes" : "-",
                k.logs ? "yes" : "-",
                k.jobs ? "yes" : "-",
                formatDuration(k.action_timeout_ms),
                formatDuration(k.max_wait_ms),
              ]),
              "  ",
            ),
            ...t.missing.map((m) => `  not here: ${m.kind}${m.why ? ` (${m.why})` : ""}`),
            "",
          ]),
      });
      return true;
    }),
  );

  withOutput(
    withConnection(
      program.command("info").description("the server's version, installation id and node id (GET /health)"),
    ),
  ).action((options: OutputOptions) =>
    run(options, async ({ client }) => {
      const health = await client.health();
      emit(options.output, {
        value: health,
        table: () => [
          `url:           ${client.baseUrl}`,
          `version:       ${health.version}`,
          `installation:  ${health.installation_id}`,
          `node:          ${health.node_id}`,
        ],
      });
      return true;
    }),
  );

  program
    .command("migrate")
    .description("apply pending database migrations and exit")
    .action(async () => {
      const config = await configOrExit();
      if (!config.databaseUrl) {
        // The embedded database is migrated on every start; starting without API or workers does it.
        const app = await startOrExit({ config, api: false, workers: false });
        await app.close();
        console.log("embedded database is migrated");
        return;
      }
      const { createDb, createLogger, migrate } = await runtime();
      const logger = createLogger(config);
      const db = createDb(config.databaseUrl, { max: 1 });
      try {
        const applied = await migrate(db);
        logger.info({ versions: applied }, applied.length ? "applied migrations" : "migrations are current");
      } finally {
        await db.close();
      }
    });

  program
    .command("rotate-encryption-key")
    .description(
      "re-seal every sealed value with TENANTRY_ENCRYPTION_KEY (the old key in TENANTRY_ENCRYPTION_KEY_PREVIOUS); idempotent, resumable",
    )
    .option("--batch-size <n>", "rows per transaction", "200")
    .action(async (options: { batchSize: string }) => {
      const config = await configOrExit();
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
        console.error("tenantry: --batch-size: expected a whole number from 1 to 10000");
        process.exit(2);
      }
      const report = (counts: ResealCount[]) => {
        for (const c of counts)
          console.log(
            `${`${c.table}.${c.column}`.padEnd(32)} resealed ${c.resealed}, already current ${c.current}`,
          );
        const resealed = counts.reduce((n, c) => n + c.resealed, 0);
        console.log(
          `re-sealed ${resealed} value${resealed === 1 ? "" : "s"}: no value needs TENANTRY_ENCRYPTION_KEY_PREVIOUS now`,
        );
      };
      if (!config.databaseUrl) {
        // The embedded database: started (and migrated) as every start does, without API or workers.
        const { resealAll } = await runtime();
        const app = await startOrExit({ config, api: false, workers: false });
        try {
          report(await resealAll(app.db, app.secrets, { batchSize }));
        } finally {
          await app.close();
        }
        return;
      }
      const { ConfigError, createDb, createLogger, ensureEncryptionKey, migrate, resealAll } =
        await runtime();
      const logger = createLogger(config);
      const db = createDb(config.databaseUrl, { max: 1 });
      try {
        await migrate(db);
        const box = await ensureEncryptionKey(db, config, logger).catch((err) => {
          if (err instanceof ConfigError) {
            console.error(`tenantry: invalid configuration: ${err.message}`);
            process.exit(2);
          }
          throw err;
        });
        report(await resealAll(db, box, { batchSize }));
      } finally {
        await db.close();
      }
    });
}
