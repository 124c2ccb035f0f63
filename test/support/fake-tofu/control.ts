import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/**
 * The test-control file (`FAKE_TOFU_CONTROL`), read by the fake at each invocation and
 * written by the controller (`index.ts`). Counters for "fail N times" live beside it in
 * `<control>.counts.json`, so they last across invocations.
 */

export interface InjectedFailure {
  /** Resource instance address, e.g. `module.infra.aws_db_instance.main`. */
  address: string;
  /** `apply`: creating, updating or replacing it; `destroy`: deleting it (in `destroy` or an `apply`). @default "apply" */
  on?: "apply" | "destroy";
  summary: string;
  /** @default "" */
  detail?: string;
  /** Fail this many times, then succeed. @default 1 */
  times?: number;
  /**
   * A failed create still leaves the instance in state, marked `tainted` (as providers
   * that create and then fail to finish do); the next plan replaces it. @default false
   */
  taint?: boolean;
}

export interface ControlFile {
  failures?: InjectedFailure[];
  /** Milliseconds each resource's operation takes, by instance address; `"*"` for all the others. */
  delays?: Record<string, number>;
  /** JSON-lines file each invocation appends to (argv, cwd, env variable names, exit code). */
  invocationLog?: string;
  /** Names of extra environment variables to list, besides TF_*, PG_*, AWS_*, GOOGLE_*, ARM_* and FAKE_TOFU_*. */
  logEnv?: string[];
  /** Directory each invocation writes `<n>-<command>.json` into: every file in its working directory on exit. */
  dumpDir?: string;
  /** s3 and gcs backends keep their state under this directory instead of failing. */
  cloudStateDir?: string;
}

export interface Invocation {
  seq: number;
  pid: number;
  argv: string[];
  cwd: string;
  /** Names only: the fake never records a value. */
  env: string[];
  startedAt: string;
  /** Missing when the process was killed (or is still running). */
  exitCode?: number;
}

export interface WorkDirDump {
  seq: number;
  argv: string[];
  cwd: string;
  /** Relative path → UTF-8 content (binary files as `base64:` + base64). */
  files: Record<string, string>;
}

const ENV_PREFIXES = ["TF_", "PG_", "AWS_", "GOOGLE_", "ARM_", "FAKE_TOFU_"];

export function readControl(file: string | undefined): ControlFile {
  if (!file || !existsSync(file)) return {};
  return JSON.parse(readFileSync(file, "utf8")) as ControlFile;
}

/** Consumes one use of the first matching failure rule; undefined when none applies. */
export function takeFailure(
  controlFile: string | undefined,
  control: ControlFile,
  address: string,
  on: "apply" | "destroy",
): InjectedFailure | undefined {
  const rules = control.failures ?? [];
  const countsFile = `${controlFile}.counts.json`;
  const counts: Record<string, number> =
    controlFile && existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, "utf8")) : {};
  for (const [i, rule] of rules.entries()) {
    if (rule.address !== address || (rule.on ?? "apply") !== on) continue;
    const used = counts[String(i)] ?? 0;
    if (used >= (rule.times ?? 1)) continue;
    counts[String(i)] = used + 1;
    if (controlFile) writeFileSync(countsFile, JSON.stringify(counts));
    return rule;
  }
  return undefined;
}

export function delayFor(control: ControlFile, address: string): number {
  return control.delays?.[address] ?? control.delays?.["*"] ?? 0;
}

export function recordStart(control: ControlFile, argv: string[]): Invocation | undefined {
  if (!control.invocationLog) return undefined;
  const names = Object.keys(process.env)
    .filter((k) => ENV_PREFIXES.some((p) => k.startsWith(p)) || control.logEnv?.includes(k))
    .sort();
  const inv: Invocation = {
    seq: nextSeq(control.invocationLog),
    pid: process.pid,
    argv,
    cwd: process.cwd(),
    env: names,
    startedAt: new Date().toISOString(),
  };
  appendFileSync(control.invocationLog, `${JSON.stringify({ event: "start", ...inv })}\n`);
  return inv;
}

export function recordExit(control: ControlFile, inv: Invocation | undefined, exitCode: number): void {
  if (control.invocationLog && inv) {
    appendFileSync(
      control.invocationLog,
      `${JSON.stringify({ event: "exit", seq: inv.seq, pid: inv.pid, exitCode })}\n`,
    );
  }
  if (control.dumpDir) {
    mkdirSync(control.dumpDir, { recursive: true });
    const seq = inv?.seq ?? readdirSync(control.dumpDir).length + 1;
    const dump: WorkDirDump = {
      seq,
      argv: inv?.argv ?? process.argv.slice(2),
      cwd: process.cwd(),
      files: readTree(process.cwd()),
    };
    const cmd = (inv?.argv ?? process.argv.slice(2)).find((a) => !a.startsWith("-")) ?? "none";
    writeFileSync(
      path.join(control.dumpDir, `${String(seq).padStart(4, "0")}-${cmd}.json`),
      JSON.stringify(dump),
    );
  }
}

function nextSeq(log: string): number {
  if (!existsSync(log)) return 1;
  return (
    readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l.includes('"event":"start"')).length + 1
  );
}

export function readInvocations(log: string): Invocation[] {
  if (!existsSync(log)) return [];
  const bySeq = new Map<number, Invocation>();
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { event: string } & Invocation;
    const { event, ...rest } = e;
    if (event === "start") bySeq.set(e.seq, rest);
    else {
      const inv = bySeq.get(e.seq);
      if (inv) inv.exitCode = e.exitCode;
    }
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function readTree(root: string, rel = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(path.join(root, rel))) {
    const r = rel ? path.join(rel, name) : name;
    const full = path.join(root, r);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) Object.assign(out, readTree(root, r));
    else if (st.isFile()) {
      const buf = readFileSync(full);
      const text = buf.toString("utf8");
      out[r] = Buffer.from(text, "utf8").equals(buf) ? text : `base64:${buf.toString("base64")}`;
    }
  }
  return out;
}
