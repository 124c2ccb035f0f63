import { spawn } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import type { CliResult, TfDiagnostic, UiMessage } from "./cli.js";

/**
 * A long CLI run (apply, destroy) that must survive the Tenantry process that started it:
 * started in a process group of its own, its output written to files in the work directory
 * rather than to a pipe. If the worker dies (SIGKILL, out of memory), the run goes on to
 * its end and writes its state, holding the state lock until then; the next worker's plan
 * waits for that lock and then sees what is left. Killing it half-way would leave cloud
 * objects that its state never recorded.
 */
export interface BackgroundRun {
  pid: number | undefined;
  /** Resolves when the process ends, with everything it printed. */
  result: Promise<CliResult>;
  /** The `-json` messages printed since the last call. */
  poll(): UiMessage[];
  /** SIGINT (the CLI stops after the calls in flight and writes its state), SIGKILL after `graceMs`. */
  stop(graceMs?: number): void;
}

export function startBackground(
  bin: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): BackgroundRun {
  const outPath = join(options.cwd, "run.jsonl");
  const errPath = join(options.cwd, "run.stderr");
  const out = openSync(outPath, "w", 0o600);
  const err = openSync(errPath, "w", 0o600);
  const child = spawn(bin, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", out, err],
  });
  closeSync(out);
  closeSync(err);
  // Not waited for by the event loop: a shutting-down Tenantry stops it explicitly.
  child.unref();

  let offset = 0;
  let partial = "";
  const messages: UiMessage[] = [];
  /** Read, not handed out by `poll` yet. */
  const queue: UiMessage[] = [];
  const diagnostics: TfDiagnostic[] = [];
  let text = "";
  const read = (): void => {
    let fd: number;
    try {
      fd = openSync(outPath, "r");
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        partial += buf.subarray(0, n).toString("utf8");
      }
    } finally {
      closeSync(fd);
    }
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("{") && line.includes('"@level"')) {
        try {
          const m = JSON.parse(line) as UiMessage;
          messages.push(m);
          queue.push(m);
          if (m.type === "diagnostic" && m.diagnostic) diagnostics.push(m.diagnostic);
          continue;
        } catch {
          // a plain line
        }
      }
      text += `${line}\n`;
    }
  };

  const result = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      read();
      let stderr = "";
      try {
        const fd = openSync(errPath, "r");
        const buf = Buffer.alloc(64 * 1024);
        const n = readSync(fd, buf, 0, buf.length, 0);
        stderr = buf.subarray(0, n).toString("utf8");
        closeSync(fd);
      } catch {
        // no stderr file
      }
      resolve({ code, signal, messages, text, stderr, diagnostics });
    });
  });
  return {
    pid: child.pid,
    result,
    poll() {
      read();
      return queue.splice(0);
    },
    stop(graceMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT");
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }, graceMs).unref();
    },
  };
}
