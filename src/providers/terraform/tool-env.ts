/**
 * The environment of the programs the terraform target runs (the CLI, bootstrap hooks):
 * Tenantry's own, without Tenantry's secrets and settings (`TENANTRY_*`, `RENDER_*`,
 * `DATABASE_URL`). Cloud credentials (`AWS_*`, `GOOGLE_*`), `PATH`, `HOME` and
 * `TF_CLI_CONFIG_FILE` pass through.
 */
export function toolEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("TENANTRY_") || k.startsWith("RENDER_") || k === "DATABASE_URL") continue;
    env[k] = v;
  }
  return env;
}
