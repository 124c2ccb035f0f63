import { CommanderError, InvalidArgumentError } from "commander";
import { ApiError, ConnectionError } from "./api-client.js";
import { CliError, WaitTimeout } from "./errors.js";

/**
 * The CLI's exit codes, the one place they are defined (docs/cli.md, "Exit codes"):
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (also `--watch` and `--follow` ended with Ctrl-C) |
 * | 1 | failure: the API refused the request, or the operation failed |
 * | 2 | usage: an unknown command or option, a bad option value, nothing to do, a bad configuration |
 * | 3 | not found: the API answered 404 (tenant, operation, blueprint…), or no such context |
 * | 4 | timeout: the `--timeout` of `--wait` passed before the tenant (or the job) got there |
 * | 5 | unreachable: the server could not be reached (refused, unknown host, no answer) |
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  TIMEOUT: 4,
  UNREACHABLE: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an error a command ended with. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof ApiError) return err.status === 404 ? EXIT.NOT_FOUND : EXIT.FAILURE;
  if (err instanceof ConnectionError) return EXIT.UNREACHABLE;
  if (err instanceof WaitTimeout) return EXIT.TIMEOUT;
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof InvalidArgumentError) return EXIT.USAGE;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  return EXIT.FAILURE;
}
