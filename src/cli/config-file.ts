import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * The CLI's own configuration: named contexts (a server URL and an API key each) and the
 * current one, as kubectl's kubeconfig. `$TENANTRY_CONFIG`, else
 * `$XDG_CONFIG_HOME/tenantry/config.yaml` (default `~/.config/tenantry/config.yaml`, on
 * macOS too). Written with mode 0600 (it holds API keys), its directory 0700.
 *
 * ```yaml
 * current-context: acme@localhost:8080
 * contexts:
 *   - name: acme@localhost:8080
 *     url: http://localhost:8080
 *     organization: acme
 *     api-key: tnt_…
 * ```
 */

export interface Context {
  name: string;
  url: string;
  /** The organization's slug when the context was saved (shown only). */
  organization?: string;
  "api-key": string;
}

export interface CliConfig {
  "current-context"?: string;
  contexts: Context[];
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["TENANTRY_CONFIG"]?.trim();
  if (explicit) return path.resolve(explicit);
  const xdg = env["XDG_CONFIG_HOME"]?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".config");
  return path.join(base, "tenantry", "config.yaml");
}

/** The configuration; none (no file) is an empty one. */
export function readConfig(file: string = configPath()): CliConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { contexts: [] };
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, [], EXIT.USAGE);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${(err as Error).message}`, [], EXIT.USAGE);
  }
  if (parsed === null || parsed === undefined) return { contexts: [] };
  const bad = (what: string) =>
    new CliError(`${file}: ${what}`, ["fix or remove the file; tenantry login writes it"], EXIT.USAGE);
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw bad("expected a mapping");
  const raw = parsed as Record<string, unknown>;
  const contexts = raw["contexts"] ?? [];
  if (!Array.isArray(contexts)) throw bad("contexts: expected a list");
  const out: CliConfig = { contexts: [] };
  for (const [i, c] of contexts.entries()) {
    const ctx = c as Record<string, unknown> | null;
    if (
      !ctx ||
      typeof ctx["name"] !== "string" ||
      typeof ctx["url"] !== "string" ||
      typeof ctx["api-key"] !== "string"
    ) {
      throw bad(`contexts[${i}]: expected name, url and api-key`);
    }
    out.contexts.push({
      name: ctx["name"],
      url: ctx["url"],
      ...(typeof ctx["organization"] === "string" ? { organization: ctx["organization"] } : {}),
      "api-key": ctx["api-key"],
    });
  }
  const current = raw["current-context"];
  if (typeof current === "string" && current) out["current-context"] = current;
  return out;
}

/** Writes the configuration (a new file, renamed over the old one), readable by its owner only. */
export function writeConfig(config: CliConfig, file: string = configPath()): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const body: Record<string, unknown> = {};
  if (config["current-context"]) body["current-context"] = config["current-context"];
  body["contexts"] = config.contexts;
  writeFileSync(tmp, YAML.stringify(body), { mode: 0o600 });
  // The mode of a new file is masked by the umask: set it as well.
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** The same server: scheme, host and port (a trailing slash or path aside). */
export function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/+$/, "") === y.pathname.replace(/\/+$/, "");
  } catch {
    return false;
  }
}
