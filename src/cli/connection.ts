import { readFileSync } from "node:fs";
import path from "node:path";
import { adminKeyPath } from "../services/bootstrap.js";
import { ApiClient } from "./api-client.js";
import { type Context, configPath, readConfig, sameServer } from "./config-file.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

/**
 * Where the client commands connect, and with which key. Each from the first of:
 *
 * - URL: `--url`; the context named by `--context`; `TENANTRY_URL`; the current context;
 *   `http://localhost:$PORT` (8080).
 * - API key: `--api-key`; the `--context` context's; `TENANTRY_API_KEY`; the current
 *   context's; the local admin key file (`$TENANTRY_DATA_DIR/admin-api-key`).
 *
 * A context's key is only ever sent to its own URL: when the URL came from elsewhere and
 * is another server, the context's key is passed over.
 */

export interface ConnectionOptions {
  url?: string;
  apiKey?: string;
}

export interface Connection {
  client: ApiClient;
  /** Where the API key came from, for error hints (never the key). */
  keySource: string;
}

/** `--context NAME` (main.ts sets it before a command runs). */
let contextFlag: string | undefined;

export function setContextFlag(name: string | undefined): void {
  contextFlag = name?.trim() || undefined;
}

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
};

export function checkedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw new CliError(
      `"${raw}" is not an http(s) URL`,
      ["set --url or TENANTRY_URL to e.g. http://localhost:8080"],
      EXIT.USAGE,
    );
  }
  return raw.replace(/\/+$/, "");
}

/** The context `--context` names (it must exist), and the current one (if it exists). */
function contexts(): { named?: Context; current?: Context } {
  if (contextFlag === undefined && env("TENANTRY_URL") && env("TENANTRY_API_KEY")) return {};
  const config = readConfig();
  if (contextFlag !== undefined) {
    const named = config.contexts.find((c) => c.name === contextFlag);
    if (!named) {
      throw new CliError(
        `no context named "${contextFlag}" in ${configPath()}`,
        ["see them with: tenantry config get-contexts", "add one with: tenantry login URL --name NAME"],
        EXIT.NOT_FOUND,
      );
    }
    return { named };
  }
  const name = config["current-context"];
  const current = name ? config.contexts.find((c) => c.name === name) : undefined;
  return current ? { current } : {};
}

function resolveApiKey(
  options: ConnectionOptions,
  url: string,
  ctx: { named?: Context; current?: Context },
): { key: string; source: string } {
  if (options.apiKey?.trim()) return { key: options.apiKey.trim(), source: "--api-key" };
  const usable = (c: Context | undefined) => (c && sameServer(c.url, url) ? c : undefined);
  const named = usable(ctx.named);
  if (named) return { key: named["api-key"], source: `the context "${named.name}"` };
  const fromEnv = env("TENANTRY_API_KEY");
  if (fromEnv) return { key: fromEnv, source: "TENANTRY_API_KEY" };
  const current = usable(ctx.current);
  if (current) return { key: current["api-key"], source: `the context "${current.name}"` };
  // The same default as the server's configuration (TENANTRY_DATA_DIR, else ./.tenantry).
  const file = adminKeyPath(path.resolve(env("TENANTRY_DATA_DIR") ?? "./.tenantry"));
  let key: string;
  try {
    key = readFileSync(file, "utf8").trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `no API key: TENANTRY_API_KEY is not set and the admin key file ${file} ${
        code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (err as Error).message})`
      }`,
      [
        "log in with: tenantry login URL (or set TENANTRY_API_KEY, or pass --api-key)",
        "or set TENANTRY_DATA_DIR to the server's data directory, where it writes admin-api-key on first start",
      ],
      EXIT.USAGE,
    );
  }
  if (!key) {
    throw new CliError(
      `no API key: the admin key file ${file} is empty`,
      ["set TENANTRY_API_KEY"],
      EXIT.USAGE,
    );
  }
  return { key, source: file };
}

/** The URL and API key the options, the environment and the contexts give. */
export function resolveConnection(options: ConnectionOptions): {
  url: string;
  key: string;
  keySource: string;
} {
  const ctx = contexts();
  const raw =
    options.url ??
    ctx.named?.url ??
    env("TENANTRY_URL") ??
    ctx.current?.url ??
    `http://localhost:${env("PORT") ?? "8080"}`;
  const url = checkedUrl(raw);
  const { key, source } = resolveApiKey(options, url, ctx);
  return { url, key, keySource: source };
}

export function connect(options: ConnectionOptions): Connection {
  const { url, key, keySource } = resolveConnection(options);
  return { client: new ApiClient({ baseUrl: url, apiKey: key }), keySource };
}
