import type { Command } from "commander";
import type { ApiClient, Resource } from "../api-client.js";
import { EXIT } from "../exit-codes.js";
import { emit } from "../output.js";
import { type OutputOptions, positiveNumber, run, tenantArg, withConnection, withOutput } from "./tenants.js";

interface RunJobOptions extends OutputOptions {
  wait?: boolean;
  timeout: number;
}

const POLL_MS = 500;

/** The tenant's resource named `name` (a key such as `service:heartbeat`, or the job's name). */
function findJob(resources: Resource[], name: string): Resource | undefined {
  return (
    resources.find((r) => r.key === name) ??
    resources.find((r) => r.kind === "cron" && r.key.slice(r.key.indexOf(":") + 1) === name)
  );
}

/** Polls the tenant until the job's `runs` output passes `runs`; the finished job resource. */
async function waitForRun(
  client: ApiClient,
  tenant: string,
  key: string,
  runs: number,
  timeoutSeconds: number,
): Promise<Resource | undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const current = findJob((await client.getTenant(tenant)).resources ?? [], key);
    const done = current?.outputs["runs"];
    if (current && typeof done === "number" && done > runs) return current;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * `tenantry jobs run TENANT JOB [--wait]`: runs a tenant's cron job now
 * (`POST /v1/tenants/{id}/resources/{name}/runs`). With `--wait` it waits for the run to
 * finish, prints its exit code and exits non-zero when the run failed.
 */
export function registerJobCommands(program: Command): void {
  const jobs = program.command("jobs").description("a tenant's cron jobs");
  withOutput(
    withConnection(
      jobs
        .command("run")
        .description("run a tenant's cron job now, as if its schedule fired")
        .argument("<tenant>", "id or slug (or tenant/<slug>)", tenantArg)
        .argument("<job>", "cron job name (heartbeat) or resource key (service:heartbeat)")
        .option("--wait", "wait until the run finished and exit non-zero if it failed")
        .option("--timeout <seconds>", "give up waiting after this long (with --wait)", positiveNumber, 600),
    ),
  ).action(async (tenant: string, job: string, options: RunJobOptions) =>
    run(options, async ({ client }) => {
      const started = await client.runJob(tenant, job);
      if (!started.started) {
        process.stderr.write(`${started.resource}: a run is already going; none was started\n`);
      }
      if (!options.wait) {
        emit(options.output, {
          value: started,
          table: () => (started.started ? [`${started.resource}: run started`] : []),
        });
        return true;
      }
      const finished = await waitForRun(client, tenant, started.resource, started.runs, options.timeout);
      if (!finished) {
        process.stderr.write(
          `${started.resource}: the run did not finish within ${options.timeout} s; see tenantry logs ${tenant} ${job}\n`,
        );
        return EXIT.TIMEOUT;
      }
      const exitCode = finished.outputs["lastExitCode"];
      const ms = finished.outputs["lastDurationMs"];
      emit(options.output, {
        value: { ...started, outputs: finished.outputs },
        table: () => [
          `${started.resource}: run finished with exit code ${exitCode ?? "none (killed)"}${typeof ms === "number" ? ` in ${ms} ms` : ""}`,
        ],
      });
      return exitCode === 0;
    }),
  );
}
