import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import {
  type ControlFile,
  type InjectedFailure,
  type Invocation,
  readInvocations,
  type WorkDirDump,
} from "./control.js";
import { parseState, type StateV4 } from "./state.js";
import type { Flavor } from "./ui.js";

/**
 * The test side of the fake `tofu`: where its executable is, the environment to run it
 * with, and the knobs (injected failures, delays) and records (invocations, working
 * directory dumps, state) a test uses. See docs/fake-tofu.md.
 */

export type { Flavor, InjectedFailure, Invocation, StateV4, WorkDirDump };

export interface FakeTofuOptions {
  /** Which CLI to impersonate: messages, versions and the pg creation lock follow it. @default "tofu" */
  flavor?: Flavor;
  /**
   * Modules that `init` "downloads": source address (`ns/name/provider`, `git::https://…`),
   * or `source@version` for one version, → the module as Terraform JSON (what a `.tf.json`
   * file holds). @default {}
   */
  modules?: Record<string, unknown>;
  /** Environment variable names to list in invocation records, besides TF_*, PG_*, AWS_*, GOOGLE_*, ARM_*, FAKE_TOFU_*. */
  logEnv?: string[];
  /** Write every file in the working directory at the end of each invocation (see `workDirDumps`). @default false */
  dumpWorkDir?: boolean;
  /** Keep s3 and gcs backend state in local files (under the fake's directory) instead of refusing. @default false */
  cloudState?: boolean;
}

export interface FakeTofuControl {
  /** Fail the apply or destroy of a resource instance, `times` times, then succeed. */
  failures?: InjectedFailure[];
  /** Milliseconds each resource instance's create/update/delete takes, by address; `"*"` for the others. */
  delays?: Record<string, number>;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The stdout lines that are JSON objects (the `-json` message stream). */
  messages: Record<string, unknown>[];
}

export interface RunOptions {
  cwd: string;
  /** On top of the test process's environment and the fake's `env`. */
  env?: NodeJS.ProcessEnv;
  /** Another executable (a real `terraform`/`tofu`) to run with the same environment. */
  bin?: string;
}

export interface FakeTofu {
  /** Absolute path of the executable: use it as TENANTRY_TERRAFORM_BIN. */
  bin: string;
  /** Environment to add when running it (the control file, the module catalogue, the flavour). */
  env: Record<string, string>;
  /** The fake's own directory (control file, logs, dumps). */
  dir: string;
  /** Replaces the injected failures and delays; counts of failures already used start again. */
  control(c: FakeTofuControl): void;
  /** Every invocation so far, oldest first. */
  invocations(): Invocation[];
  /** What each invocation left in its working directory (with `dumpWorkDir`). */
  workDirDumps(): WorkDirDump[];
  /** The state the `pg` backend keeps (workspace `default`), or null. */
  state(connStr: string, schema?: string, table?: string): Promise<StateV4 | null>;
  /** Runs the fake (or `bin`, e.g. a real CLI, with the same environment) and collects its output. */
  run(args: string[], opts: RunOptions): Promise<RunResult>;
  /** Starts it without waiting (to SIGKILL it mid-apply, or to hold a lock). */
  start(args: string[], opts: RunOptions): { child: ChildProcess; result: Promise<RunResult> };
  close(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export function createFakeTofu(options: FakeTofuOptions = {}): FakeTofu {
  const flavor = options.flavor ?? "tofu";
  const dir = mkdtempSync(path.join(os.tmpdir(), "fake-tofu-"));
  const controlPath = path.join(dir, "control.json");
  const modulesPath = path.join(dir, "modules.json");
  const base: ControlFile = {
    invocationLog: path.join(dir, "invocations.jsonl"),
    ...(options.logEnv && { logEnv: options.logEnv }),
    ...(options.dumpWorkDir && { dumpDir: path.join(dir, "dumps") }),
    ...(options.cloudState && { cloudStateDir: path.join(dir, "cloud") }),
  };
  const write = (c: FakeTofuControl) => {
    writeFileSync(controlPath, JSON.stringify({ ...base, ...c }, null, 2));
    rmSync(`${controlPath}.counts.json`, { force: true });
  };
  write({});
  writeFileSync(modulesPath, JSON.stringify(options.modules ?? {}, null, 2));
  const bin = path.join(here, "bin", flavor === "terraform" ? "terraform" : "tofu");
  const env = { FAKE_TOFU_CONTROL: controlPath, FAKE_TOFU_MODULES: modulesPath, FAKE_TOFU_FLAVOR: flavor };
  return {
    bin,
    env,
    dir,
    control: write,
    invocations: () => readInvocations(base.invocationLog!),
    workDirDumps() {
      const d = base.dumpDir;
      if (!d) throw new Error("createFakeTofu: pass dumpWorkDir: true to record working directories");
      mkdirSync(d, { recursive: true });
      return readdirSync(d)
        .sort()
        .map((f) => JSON.parse(readFileSync(path.join(d, f), "utf8")) as WorkDirDump);
    },
    async state(connStr, schema = "terraform_remote_state", table = "states") {
      const client = new pg.Client({ connectionString: connStr });
      await client.connect();
      try {
        const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
        const { rows } = await client.query<{ data: string }>(
          `select data from ${q(schema)}.${q(table)} where name = 'default'`,
        );
        return rows[0] ? parseState(rows[0].data) : null;
      } catch (err) {
        if ((err as { code?: string }).code === "42P01" || (err as { code?: string }).code === "3F000")
          return null;
        throw err;
      } finally {
        await client.end();
      }
    },
    run: (args, opts) =>
      startCli(opts.bin ?? bin, args, opts.cwd, { ...process.env, ...env, ...opts.env }).result,
    start: (args, opts) => startCli(opts.bin ?? bin, args, opts.cwd, { ...process.env, ...env, ...opts.env }),
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startCli(
  bin: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; result: Promise<RunResult> } {
  const child = spawn(bin, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const result = new Promise<RunResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const messages: Record<string, unknown>[] = [];
      for (const line of stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          messages.push(JSON.parse(line) as Record<string, unknown>);
        } catch {}
      }
      resolve({ code, signal, stdout, stderr, messages });
    });
  });
  return { child, result };
}
