#!/usr/bin/env node
import { Command } from "commander";
import { VERSION } from "../app.js";
import { registerAuditCommand } from "./commands/audit.js";
import { registerBlueprintCommands } from "./commands/blueprints.js";
import { registerJobCommands } from "./commands/jobs.js";
import { registerKeyCommands } from "./commands/keys.js";
import { registerLogsCommand } from "./commands/logs.js";
import { registerOrgCommands } from "./commands/orgs.js";
import { registerServerCommands } from "./commands/server.js";
import { registerTenantCommands } from "./commands/tenants.js";

const program = new Command()
  .name("tenantry")
  .description("Tenantry: a control plane for multi-tenant SaaS")
  .version(VERSION);

registerServerCommands(program);
registerTenantCommands(program);
registerBlueprintCommands(program);
registerLogsCommand(program);
registerKeyCommands(program);
registerOrgCommands(program);
registerAuditCommand(program);
registerJobCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`tenantry: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
