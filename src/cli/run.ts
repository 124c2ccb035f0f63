import { ApiError, ConnectionError } from "./api-client.js";
import { paint } from "./color.js";
import { type Connection, type ConnectionOptions, connect } from "./connection.js";
import { CliError, WaitTimeout } from "./errors.js";
import { EXIT, type ExitCode, exitCodeOf } from "./exit-codes.js";

/** `error: …` on stderr, red on a terminal. */
export const errorPrefix = () => paint("red", "error:", process.stderr);

/** Prints what went wrong on stderr: the problem's detail and code, field errors, hints. */
export function report(err: unknown, keySource: string | undefined): void {
  const lines: string[] = [];
  const error = errorPrefix();
  if (err instanceof ApiError) {
    lines.push(`${error} ${err.detail} (${err.code})`);
    for (const e of err.errors) {
      const where =
        e.line !== undefined
          ? ` (line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ""})`
          : "";
      lines.push(`  ${e.pointer || "/"}${where}: ${e.message}`);
    }
    if (typeof err.body["suggestion"] === "string")
      lines.push(`  suggestion: use --slug ${err.body["suggestion"]}`);
    if (err.code === "UNAUTHENTICATED" && keySource) lines.push(`  the API key came from ${keySource}`);
  } else if (err instanceof ConnectionError) {
    lines.push(`${error} cannot reach Tenantry at ${err.url} (${err.reason})`);
    if (err.causeCode === "ECONNREFUSED") {
      lines.push("  is the server running? start it with `npm start` (or `tenantry serve`),");
      lines.push("  or point the CLI at it with --url, TENANTRY_URL or a context (tenantry login)");
    } else if (err.causeCode === "ENOTFOUND" || err.causeCode === "EAI_AGAIN") {
      lines.push("  check the host name in --url, TENANTRY_URL or the context");
    }
  } else if (err instanceof CliError) {
    lines.push(`${error} ${err.message}`);
    for (const hint of err.hints) lines.push(`  ${hint}`);
  } else if (err instanceof WaitTimeout) {
    lines.push(`${error} ${err.message}`);
  } else {
    lines.push(`${error} ${err instanceof Error ? err.message : String(err)}`);
  }
  process.stderr.write(`${lines.join("\n")}\n`);
}

/**
 * Runs a command body: errors are reported on stderr and give their exit code
 * (src/cli/exit-codes.ts); the body returns true (0), false (1) or an exit code.
 */
export async function run(
  options: ConnectionOptions,
  body: (conn: Connection) => Promise<boolean | ExitCode | undefined>,
): Promise<void> {
  let keySource: string | undefined;
  try {
    const conn = connect(options);
    keySource = conn.keySource;
    const result = await body(conn);
    if (result === false) process.exitCode = EXIT.FAILURE;
    else if (typeof result === "number") process.exitCode = result;
  } catch (err) {
    report(err, keySource);
    process.exitCode = exitCodeOf(err);
  }
}
