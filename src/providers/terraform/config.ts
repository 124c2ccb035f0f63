import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { ConfigError, ConfigReader, type Env, int, str, url } from "../../config/env.js";

/**
 * The `terraform` target's section of the configuration (`TENANTRY_TERRAFORM_*`,
 * `TENANTRY_HELM_BIN`), composed into Tenantry's configuration (config/config.ts) and
 * documented in docs/terraform.md.
 *
 * The target exists when a `tofu` or `terraform` binary is found: `TENANTRY_TERRAFORM_BIN`
 * (a path, or a name looked up on `PATH`), else `tofu` on `PATH`, else `terraform`.
 */
export interface TerraformConfig {
  /** The binary's absolute path; undefined: none found, no `terraform` target. */
  terraformBin: string | undefined;
  /** `TENANTRY_TERRAFORM_MODULES_DIR`: where `./…` module sources are found. @default the working directory */
  terraformModulesDir: string;
  /**
   * `TENANTRY_TERRAFORM_STATE_URL`: the PostgreSQL database of the `pg` state backend;
   * unset: Tenantry's own database.
   */
  terraformStateUrl: string | undefined;
  /** `TENANTRY_TERRAFORM_STATE_SCHEMA`: the schema of the `pg` backend (one workspace per tenant in it). @default "tenantry_terraform" */
  terraformStateSchema: string;
  /** `TENANTRY_TERRAFORM_LOCK_TIMEOUT`: seconds a command waits for a held state lock. @default 60 */
  terraformLockTimeoutSeconds: number;
  /** `TENANTRY_TERRAFORM_PLUGIN_CACHE_DIR`: the provider plugin cache shared by runs. @default <dataDir>/terraform/plugin-cache */
  terraformPluginCacheDir: string | undefined;
  /** `TENANTRY_HELM_BIN`: the helm binary bootstrap hooks call as `$TENANTRY_HELM_BIN`. @default "helm" */
  helmBin: string;
  /**
   * `TENANTRY_TERRAFORM_STATE`: where states live when no stack of the blueprint says, as
   * JSON: `{"backend": "s3", "config": {"bucket": "…", "region": "…", "dynamodb_table": "…"}}`
   * (or `gcs`); unset: Tenantry's PostgreSQL (the `pg` backend).
   */
  terraformState: { backend: "s3" | "gcs"; config: Record<string, string | number | boolean> } | undefined;
}

function stateOf(env: Env, name: string): TerraformConfig["terraformState"] {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      name,
      'expected JSON such as {"backend": "s3", "config": {"bucket": "tf-states", "region": "us-east-1"}}',
    );
  }
  const p = parsed as { backend?: unknown; config?: unknown } | null;
  if (!p || (p.backend !== "s3" && p.backend !== "gcs")) {
    throw new ConfigError(name, '"backend" must be "s3" or "gcs" (unset for Tenantry\'s PostgreSQL)');
  }
  const config = p.config ?? {};
  if (typeof config !== "object" || Array.isArray(config))
    throw new ConfigError(name, '"config" must be an object');
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    if (!["string", "number", "boolean"].includes(typeof v)) {
      throw new ConfigError(name, `config.${k} must be a string, number or boolean`);
    }
  }
  return { backend: p.backend, config: config as Record<string, string | number | boolean> };
}

/** The first executable called `name` on `PATH` (or `name` itself when it is a path). */
export function findExecutable(name: string, path = process.env["PATH"] ?? ""): string | undefined {
  const candidates = name.includes("/")
    ? [resolve(name)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there, or not executable
    }
  }
  return undefined;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseTerraformConfig(env: Env): TerraformConfig {
  const r = new ConfigReader(env);
  const wanted = str(env, "TENANTRY_TERRAFORM_BIN");
  let bin: string | undefined;
  if (wanted !== undefined) {
    bin = findExecutable(wanted, env["PATH"] ?? "");
    if (!bin) {
      r.errors.push(
        new ConfigError("TENANTRY_TERRAFORM_BIN", `no executable "${wanted}" (a path, or a name on PATH)`),
      );
    }
  } else {
    bin = findExecutable("tofu", env["PATH"] ?? "") ?? findExecutable("terraform", env["PATH"] ?? "");
  }
  const modulesDir = str(env, "TENANTRY_TERRAFORM_MODULES_DIR");
  const schema = str(env, "TENANTRY_TERRAFORM_STATE_SCHEMA") ?? "tenantry_terraform";
  if (!SCHEMA.test(schema)) {
    r.errors.push(
      new ConfigError(
        "TENANTRY_TERRAFORM_STATE_SCHEMA",
        `expected a lowercase SQL identifier, got "${schema}"`,
      ),
    );
  }
  const cache = str(env, "TENANTRY_TERRAFORM_PLUGIN_CACHE_DIR");
  const config: TerraformConfig = {
    terraformBin: bin,
    terraformModulesDir: resolve(modulesDir ?? process.cwd()),
    terraformStateUrl: r.read(
      (e) => url(e, "TENANTRY_TERRAFORM_STATE_URL", ["postgres:", "postgresql:"]),
      undefined,
    ),
    terraformStateSchema: schema,
    terraformLockTimeoutSeconds: r.read((e) => int(e, "TENANTRY_TERRAFORM_LOCK_TIMEOUT", 60, 0, 3600), 60),
    terraformPluginCacheDir: cache === undefined ? undefined : isAbsolute(cache) ? cache : resolve(cache),
    helmBin: str(env, "TENANTRY_HELM_BIN") ?? "helm",
    terraformState: r.read((e) => stateOf(e, "TENANTRY_TERRAFORM_STATE"), undefined),
  };
  r.done();
  return config;
}

export const TERRAFORM_DEFAULTS: TerraformConfig = {
  terraformBin: undefined,
  terraformModulesDir: process.cwd(),
  terraformStateUrl: undefined,
  terraformStateSchema: "tenantry_terraform",
  terraformLockTimeoutSeconds: 60,
  terraformPluginCacheDir: undefined,
  helmBin: "helm",
  terraformState: undefined,
};
