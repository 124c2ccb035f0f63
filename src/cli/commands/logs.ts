import { type Command, InvalidArgumentError } from "commander";
import { emit } from "../output.js";
import { printRecord } from "../watch.js";
import { type OutputOptions, run, tenantArg, withConnection, withOutput } from "./tenants.js";

interface LogsOptions extends OutputOptions {
  tail: number;
  follow?: boolean;
}

function tailCount(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 5000) {
    throw new InvalidArgumentError("expected a whole number from 1 to 5000");
  }
  return Number(raw);
}

/**
 * `tenantry logs TENANT SERVICE [--tail N] [-f]`: a service's build and runtime output
 * (`GET /v1/tenants/{id}/resources/{name}/logs`). `--follow` keeps the event stream of the
 * same endpoint open and prints lines as they come; Ctrl-C ends it with exit code 0.
 */
export function registerLogsCommand(program: Command): void {
  withOutput(
    withConnection(
      program
        .command("logs")
        .description("a service's build and runtime output, each line prefixed by its source")
        .argument("<tenant>", "id or slug (or tenant/<slug>)", tenantArg)
        .argument("<service>", "service name (web) or resource key (service:web)")
        .option("-n, --tail <lines>", "how many of the last lines (1-5000)", tailCount, 200)
        .option("-f, --follow", "keep printing new lines until interrupted (Ctrl-C)"),
    ),
  ).action(async (tenant: string, service: string, options: LogsOptions) =>
    run(options, async ({ client }) => {
      if (!options.follow) {
        const logs = await client.resourceLogs(tenant, service, { tail: options.tail });
        emit(options.output, { value: logs, table: () => logs.lines });
        return true;
      }
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once("SIGINT", interrupt);
      process.once("SIGTERM", interrupt);
      try {
        await client.followLogs(tenant, service, {
          tail: options.tail,
          signal: controller.signal,
          onLine: (line) => printRecord(options.output, { line }, () => [line]),
        });
      } finally {
        process.off("SIGINT", interrupt);
        process.off("SIGTERM", interrupt);
      }
      return true;
    }),
  );
}
