import type { Command } from "commander";
import { ApiClient } from "../api-client.js";
import { paint } from "../color.js";
import { type Context, configPath, readConfig, writeConfig } from "../config-file.js";
import { checkedUrl } from "../connection.js";
import { CliError } from "../errors.js";
import { EXIT, exitCodeOf } from "../exit-codes.js";
import { emit, table } from "../output.js";
import { report } from "../run.js";
import { type OutputOptions, withOutput } from "./tenants.js";

/**
 * `tenantry login [URL]` and `tenantry config get-contexts|current-context|use-context|
 * delete-context`: named contexts (a URL and an API key) in the CLI's config file
 * (src/cli/config-file.ts), as kubectl's. Keys are never printed.
 */

/** Runs a command that needs no connection: errors reported, exit code set. */
async function local(body: () => Promise<boolean | number | undefined> | boolean | number | undefined) {
  try {
    const result = await body();
    if (result === false) process.exitCode = EXIT.FAILURE;
    else if (typeof result === "number") process.exitCode = result;
  } catch (err) {
    report(err, undefined);
    process.exitCode = exitCodeOf(err);
  }
}

/** Reads a line from a terminal without echoing it (`API key: `), or the first line of piped stdin. */
async function readKey(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = "";
    stdin.setEncoding("utf8");
    for await (const chunk of stdin) {
      text += chunk as string;
      if (text.includes("\n")) break;
    }
    return (text.split(/\r?\n/)[0] ?? "").trim();
  }
  process.stderr.write("API key: ");
  return new Promise((resolve, reject) => {
    let key = "";
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(key.trim());
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new CliError("interrupted", [], EXIT.FAILURE));
        if (ch === "\u007f" || ch === "\b") key = key.slice(0, -1);
        else key += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/** `acme@localhost:8080`: the organization and the server. */
const defaultName = (slug: string, url: string) => `${slug}@${new URL(url).host}`;

const contextRow = (c: Context, current: string | undefined) => [
  c.name === current ? "*" : "",
  c.name,
  c.url,
  c.organization ?? "-",
];

/** A context as shown: never its key. */
const shown = (c: Context) => ({ name: c.name, url: c.url, organization: c.organization ?? null });

function findContext(name: string): { contexts: Context[]; current: string | undefined; context: Context } {
  const config = readConfig();
  const context = config.contexts.find((c) => c.name === name);
  if (!context) {
    throw new CliError(
      `no context named "${name}" in ${configPath()}`,
      ["see them with: tenantry config get-contexts"],
      EXIT.NOT_FOUND,
    );
  }
  return { contexts: config.contexts, current: config["current-context"], context };
}

export function registerConfigCommands(program: Command): void {
  program
    .command("login")
    .description("check an API key against a server and save both as a context (then the current one)")
    .argument("[url]", "the server (default: --url, TENANTRY_URL or http://localhost:8080)")
    .option("--url <url>", "the server, as the argument")
    .option("--api-key <key>", "the API key (default: TENANTRY_API_KEY, else asked for, or read from stdin)")
    .option("--name <context>", "the context's name (default: ORGANIZATION@HOST)")
    .option("--no-use", "save the context without making it the current one")
    .action(
      async (
        arg: string | undefined,
        options: { url?: string; apiKey?: string; name?: string; use: boolean },
      ) =>
        local(async () => {
          const url = checkedUrl(
            arg ??
              options.url ??
              (process.env["TENANTRY_URL"]?.trim() || `http://localhost:${process.env["PORT"] ?? "8080"}`),
          );
          const key = options.apiKey?.trim() || process.env["TENANTRY_API_KEY"]?.trim() || (await readKey());
          if (!key)
            throw new CliError(
              "no API key given",
              ["pass --api-key, set TENANTRY_API_KEY or type it"],
              EXIT.USAGE,
            );
          // A key the server refuses (or a server that is not there) stores nothing.
          const me = await new ApiClient({ baseUrl: url, apiKey: key }).whoami();
          const name = options.name?.trim() || defaultName(me.organization.slug, url);
          const config = readConfig();
          const context: Context = { name, url, organization: me.organization.slug, "api-key": key };
          const at = config.contexts.findIndex((c) => c.name === name);
          if (at >= 0) config.contexts[at] = context;
          else config.contexts.push(context);
          if (options.use) config["current-context"] = name;
          writeConfig(config);
          process.stdout.write(
            `logged in to ${url} as ${me.api_key.name} (${me.api_key.role}, key ${me.api_key.prefix}…) of organization ${me.organization.slug}\n` +
              `context "${name}" saved in ${configPath()}${options.use ? " and in use" : ""}\n`,
          );
          return true;
        }),
    );

  const config = program
    .command("config")
    .description("the CLI's contexts (server URL and API key), as kubectl's");

  withOutput(
    config.command("get-contexts").description("list the contexts (* marks the current one)"),
  ).action(async (options: OutputOptions) =>
    local(() => {
      const c = readConfig();
      const current = c["current-context"];
      emit(options.output, {
        value: { "current-context": current ?? null, contexts: c.contexts.map(shown) },
        table: () =>
          table(
            ["CURRENT", "NAME", "URL", "ORGANIZATION"],
            c.contexts.map((x) => contextRow(x, current)),
          ),
        names: () => c.contexts.map((x) => `context/${x.name}`),
      });
      return true;
    }),
  );

  config
    .command("current-context")
    .description("print the current context's name")
    .action(async () =>
      local(() => {
        const current = readConfig()["current-context"];
        if (!current) {
          throw new CliError("no current context", [
            "tenantry login URL, or tenantry config use-context NAME",
          ]);
        }
        process.stdout.write(`${current}\n`);
        return true;
      }),
    );

  config
    .command("use-context")
    .description("make a context the current one")
    .argument("<name>", "a context (tenantry config get-contexts)")
    .action(async (name: string) =>
      local(() => {
        const { contexts, context } = findContext(name);
        writeConfig({ "current-context": context.name, contexts });
        process.stdout.write(`switched to context "${paint("bold", context.name)}" (${context.url})\n`);
        return true;
      }),
    );

  config
    .command("delete-context")
    .description("remove a context with its key (if it is the current one, none is current then)")
    .argument("<name>", "a context (tenantry config get-contexts)")
    .action(async (name: string) =>
      local(() => {
        const { contexts, current, context } = findContext(name);
        const rest = contexts.filter((c) => c !== context);
        writeConfig({
          ...(current && current !== name ? { "current-context": current } : {}),
          contexts: rest,
        });
        process.stdout.write(
          `deleted context "${name}"${current === name ? "; no context is current now" : ""}\n`,
        );
        return true;
      }),
    );
}
