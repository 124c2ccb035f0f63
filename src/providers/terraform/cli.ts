import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Runs the `tofu`/`terraform` binary and reads its machine-readable output: `-json`
 * commands print one JSON message per line (type `version`, `log`, `diagnostic`,
 * `planned_change`, `change_summary`, `apply_start`, `apply_progress`, `apply_complete`,
 * `apply_errored`, `outputs`…, as OpenTofu's and Terraform's "machine-readable UI"
 * documents them); `show -json` and `output -json` print one document.
 *
 * A run is stopped as the CLI wants to be stopped: SIGINT first (it finishes the calls in
 * flight and writes the state), SIGKILL only if it has not ended after a grace period.
 */

/** One line of the `-json` stream. */
export interface UiMessage {
  "@level": string;
  "@message": string;
  type: string;
  diagnostic?: TfDiagnostic;
  hook?: {
    resource?: { addr: string; module?: string; resource_type?: string };
    action?: string;
    elapsed_seconds?: number;
    id_key?: string;
    id_value?: string;
  };
  change?: { resource?: { addr: string; module?: string }; action?: string };
  changes?: { add: number; change: number; import?: number; remove: number; operation: string };
  [key: string]: unknown;
}

export interface TfDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  address?: string;
  range?: { filename: string; start: { line: number; column: number } };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  messages: UiMessage[];
  /** stdout that was not a `-json` message (plain output, or a `show -json` document). */
  text: string;
  stderr: string;
  diagnostics: TfDiagnostic[];
}

export interface CliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Ends the run (SIGINT, then SIGKILL after `graceMs`). */
  signal?: AbortSignal;
  /** Ends the run when it takes longer. */
  timeoutMs?: number;
  /** Each `-json` message as it arrives. */
  onMessage?: (m: UiMessage) => void;
  /** How long a stopped run may take to end before it is killed. @default 30000 */
  graceMs?: number;
}

/** A started run: its process, and its result once it ends. */
export interface CliRun {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** SIGINT now, SIGKILL after the grace period. */
  stop(): void;
}

const MAX_TEXT = 4 * 1024 * 1024;

export function startCli(bin: string, args: readonly string[], options: CliOptions): CliRun {
  const child = spawn(bin, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const messages: UiMessage[] = [];
  const diagnostics: TfDiagnostic[] = [];
  let text = "";
  let stderr = "";
  let killTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped || child.exitCode !== null) return;
    stopped = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => child.kill("SIGKILL"), options.graceMs ?? 30_000);
    killTimer.unref();
  };
  const onAbort = () => stop();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop();
  const timer = options.timeoutMs !== undefined ? setTimeout(stop, options.timeoutMs) : undefined;
  timer?.unref();

  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on("line", (line) => {
    if (line.startsWith("{") && line.includes('"@level"')) {
      try {
        const m = JSON.parse(line) as UiMessage;
        messages.push(m);
        if (m.type === "diagnostic" && m.diagnostic) diagnostics.push(m.diagnostic);
        options.onMessage?.(m);
        return;
      } catch {
        // not a message after all
      }
    }
    if (text.length < MAX_TEXT) text += `${line}\n`;
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.length < MAX_TEXT) stderr += chunk;
  });

  const result = new Promise<CliResult>((resolve, reject) => {
    child.once("error", (err) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, signal, messages, text, stderr, diagnostics });
    });
  });
  return { child, result, stop };
}

/** Runs a command to its end. */
export function runCli(bin: string, args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(bin, args, options).result;
}

/** The errors of a run, one per line: `summary: detail (address)`. */
export function describeDiagnostics(result: Pick<CliResult, "diagnostics" | "stderr">): string {
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length === 0) return result.stderr.trim().split("\n").slice(-10).join("\n");
  return errors
    .map((d) => {
      const where = d.address ?? (d.range ? `${d.range.filename}:${d.range.start.line}` : undefined);
      const detail = d.detail?.trim();
      return `${d.summary}${detail ? `: ${detail}` : ""}${where ? ` (${where})` : ""}`;
    })
    .join("\n");
}
