import { Command, Option } from "commander";
import { VERSION } from "../version.js";
import { setColorFlag } from "./color.js";
import { registerAuditCommand } from "./commands/audit.js";
import { registerBlueprintCommands } from "./commands/blueprints.js";
import { registerCompletionCommand } from "./commands/completion.js";
import { registerConfigCommands } from "./commands/config.js";
import { registerJobCommands } from "./commands/jobs.js";
import { registerKeyCommands } from "./commands/keys.js";
import { registerLogsCommand } from "./commands/logs.js";
import { registerOrgCommands } from "./commands/orgs.js";
import { registerServerCommands } from "./commands/server.js";
import { registerTenantCommands } from "./commands/tenants.js";
import { registerWebhookCommands } from "./commands/webhooks.js";
import { setContextFlag } from "./connection.js";

/**
 * The `tenantry` program: every command, with the global options (`--context`,
 * `--no-color`). Commander's own errors (an unknown option, a bad value) throw a
 * CommanderError instead of exiting, so main.ts gives them exit code 2.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name("tenantry")
    .description("Tenantry: a control plane for multi-tenant SaaS")
    .version(VERSION)
    // Inherited by every command made after it.
    .exitOverride()
    .addOption(new Option("--context <name>", "use this context of the CLI's config (tenantry login)"))
    .option("--no-color", "no colour, also on a terminal (NO_COLOR does the same)")
    .hook("preAction", (root) => {
      const options = root.opts<{ context?: string; color?: boolean }>();
      setContextFlag(options.context);
      setColorFlag(options.color !== false);
    });

  registerServerCommands(program);
  registerTenantCommands(program);
  registerBlueprintCommands(program);
  registerLogsCommand(program);
  registerKeyCommands(program);
  registerWebhookCommands(program);
  registerOrgCommands(program);
  registerAuditCommand(program);
  registerJobCommands(program);
  registerConfigCommands(program);
  registerCompletionCommand(program);
  return program;
}
