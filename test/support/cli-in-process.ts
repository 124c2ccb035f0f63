import { CommanderError } from "commander";
import { exitCodeOf } from "../../src/cli/exit-codes.js";
import { buildProgram } from "../../src/cli/program.js";
import type { CliResult } from "./cli-harness.js";

/**
 * Runs `tenantry <args>` in this process: the real program (src/cli/program.ts), a fresh
 * one per call, with `env` set for the call (undefined removes a variable) and stdout and
 * stderr captured. Much faster than a child process; use one where a signal or stdin
 * matters. Calls must not overlap (they share process.env, the streams and exitCode).
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env)) {
    saved.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  let code: number | null = null;
  try {
    await buildProgram().parseAsync(["node", "tenantry", ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = exitCodeOf(e);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = previousExitCode;
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout, stderr };
}
