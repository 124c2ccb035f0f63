import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ProviderMetrics } from "../metrics.js";
import type { Provider } from "../provider.js";
import { createStackBootstrap } from "./bootstrap.js";
import type { TerraformConfig } from "./config.js";
import { createTerraformStackDriver } from "./stack-driver.js";
import { sweepWorkDirs } from "./workdir.js";

/**
 * The `terraform` target: each tenant's `stacks:` as one Terraform/OpenTofu root module and
 * one state, applied with the `tofu`/`terraform` CLI (`-json`), in the customer's cloud
 * account through a role assumed or a service account impersonated; `hooks.bootstrap` runs
 * on the Tenantry host with the stacks' outputs. See docs/terraform.md.
 */
export interface TerraformProviderOptions {
  config: TerraformConfig;
  dataDir: string;
  /** The `pg` backend's database when TENANTRY_TERRAFORM_STATE_URL is unset: Tenantry's own. */
  databaseUrl: string;
  logger?: Logger;
  /** Every CLI run (docs/observability.md). */
  metrics?: ProviderMetrics;
}

/** Work directories older than this were left by a crash. */
const STALE_RUN_MS = 24 * 60 * 60_000;

export function createTerraformProvider(options: TerraformProviderOptions): Provider {
  const { config } = options;
  const bin = config.terraformBin;
  if (!bin) throw new Error("the terraform target needs a tofu or terraform binary (TENANTRY_TERRAFORM_BIN)");
  const runsDir = join(options.dataDir, "terraform", "runs");
  const pluginCacheDir = config.terraformPluginCacheDir ?? join(options.dataDir, "terraform", "plugin-cache");
  const ready = (async () => {
    await mkdir(pluginCacheDir, { recursive: true, mode: 0o700 });
    await mkdir(runsDir, { recursive: true, mode: 0o700 });
    const swept = await sweepWorkDirs(runsDir, STALE_RUN_MS);
    if (swept > 0) options.logger?.info({ swept }, "removed work directories left by an earlier process");
  })();
  const driver = createTerraformStackDriver({
    config: { ...config, terraformBin: bin },
    stateUrl: config.terraformStateUrl ?? options.databaseUrl,
    runsDir,
    pluginCacheDir,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const bootstrap = createStackBootstrap({ helmBin: config.helmBin });
  const stack: typeof driver = {
    ...driver,
    plan: async (ctx, desired) => {
      await ready;
      return driver.plan(ctx, desired);
    },
  };
  return {
    name: "terraform",
    stack,
    capabilities: { kinds: { stack: {} }, bootstrap: true, placement: "anywhere" },
    // An organization's cloud_role names the account of stacks that name none (cloud-credential.ts);
    // the installation's own is the identity the CLI runs with.
    credentials: { installation: true },
    runBootstrap: (ctx, hook, resources) => bootstrap.run(ctx, hook, resources),
    requestTimeoutMs: 60_000,
    explain(kind) {
      return kind === "stack"
        ? undefined
        : "the terraform target applies a blueprint's `stacks:` only: run services and databases as Terraform modules, or on another target";
    },
    async close() {
      bootstrap.close();
      await driver.close();
    },
  };
}
