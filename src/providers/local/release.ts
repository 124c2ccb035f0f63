import { type ChildProcess, execFile, type StdioOptions, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Logger } from "pino";
import type { DesiredResource, ServiceKind } from "../../domain/resources.js";
import { type ProviderContext, ProviderError, type RecordedResource } from "../provider.js";
import { openLogForAppend, tailLines } from "./log-files.js";
import { signalGroup } from "./process-group.js";
import { type RunAs, runAsEnv, runAsSpawn } from "./tenant-users.js";
import { within } from "./waits.js";

/**
 * What the local drivers share to make a release: copy (or clone) `spec.repo` into a release
 * directory, find its working directory (`rootDir`) and run `buildCommand` there once.
 *
 * Every error names the resource as `<label> <key>` (e.g. `service service:api`,
 * `cron cron:nightly`), `label` being the driver's word for what it runs.
 */

const execFileAsync = promisify(execFile);

const TAIL_LINES = 20;

/** A resource whose code the local target copies, builds and runs: a service or cron job (static sites included). */
export type CodeResource = DesiredResource<ServiceKind>;

/** `value` when it is not blank, else undefined (a blueprint may leave a field empty). */
export function nonBlank(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/** The message of an error, or the thrown value as a string. */
export function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether `p` exists (any kind of file). */
export async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Base environment of builds and runs: PATH, HOME and LANG from Tenantry's environment, and
 * nothing else of it (Tenantry's own environment is not inherited).
 */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "LANG"] as const) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Where the source of a release comes from and how it is copied. */
export interface SourceOptions {
  /** The driver's word for what it runs (`service`, `cron`), used in error messages. */
  label: string;
  /** Relative `repo` paths are resolved against this. */
  repoBase: string;
  /** Appended in parentheses to the error for a remote `repo`, when given. */
  remoteHint?: string;
}

/** How long a `git clone` of a local repository may take. */
const CLONE_TIMEOUT_MS = 5 * 60_000;

/**
 * Where `spec.repo` is on this machine, and whether it is a git repository. `repo` is a local
 * path (relative to `repoBase`) or a `file://` URL; remote repositories are refused
 * (`REMOTE_REPO`), as is anything that is not a directory.
 */
export async function sourceOf(
  resource: CodeResource,
  options: SourceOptions,
): Promise<{ dir: string; git: boolean }> {
  const { label, repoBase } = options;
  const repo = nonBlank(resource.spec.repo);
  if (repo === undefined) {
    throw new ProviderError(
      `${label} ${resource.key}: no repo; the local target runs a local directory or git repository given as repo`,
      { retryable: false },
    );
  }
  let dir: string;
  if (repo.startsWith("file://")) {
    try {
      dir = fileURLToPath(repo);
    } catch (err) {
      throw new ProviderError(`${label} ${resource.key}: repo ${repo} is not a valid file URL`, {
        retryable: false,
        cause: err,
      });
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s]+:/.test(repo)) {
    const hint = options.remoteHint !== undefined ? ` (${options.remoteHint})` : "";
    throw new ProviderError(
      `${label} ${resource.key}: repo ${repo} is a remote repository; the local target runs local directories and local git repositories only${hint}`,
      { retryable: false, code: "REMOTE_REPO" },
    );
  } else {
    dir = path.resolve(repoBase, repo);
  }
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new ProviderError(
      `${label} ${resource.key}: repo ${repo} is not a directory on this machine (looked at ${dir}; relative paths are resolved against ${repoBase})`,
      { retryable: false },
    );
  }
  return { dir, git: await exists(path.join(dir, ".git")) };
}

/**
 * Copies the source of `resource` (see {@link sourceOf}) into `releaseDir`: a git repository is
 * cloned (`--depth 1`, `spec.branch` when given), a plain directory is copied without
 * `node_modules`, `.git` and Tenantry's data directory `dataDir` (absolute).
 */
export async function copySource(
  ctx: ProviderContext,
  resource: CodeResource,
  releaseDir: string,
  options: SourceOptions & { dataDir: string },
): Promise<void> {
  ctx.throwIfAborted();
  const source = await sourceOf(resource, options);
  if (source.git) {
    const args = ["clone", "--depth", "1", "--quiet"];
    const branch = nonBlank(resource.spec.branch);
    if (branch !== undefined) args.push("--branch", branch);
    args.push(`file://${source.dir}`, releaseDir);
    try {
      await execFileAsync("git", args, { timeout: within(ctx, CLONE_TIMEOUT_MS), signal: ctx.signal });
    } catch (err) {
      ctx.throwIfAborted();
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new ProviderError(
        `${options.label} ${resource.key}: git clone of ${source.dir} failed: ${stderr || errMessage(err)}${branch ? ` (is there a branch ${branch}?)` : ""}`,
        { retryable: false, cause: err },
      );
    }
    return;
  }
  const skipRoot = options.dataDir + path.sep;
  await fs.cp(source.dir, releaseDir, {
    recursive: true,
    errorOnExist: false,
    filter: (src) => {
      const base = path.basename(src);
      if (src !== source.dir && (base === "node_modules" || base === ".git")) return false;
      // Never copy Tenantry's data directory into itself (repo: . with dataDir inside it).
      return !(src + path.sep).startsWith(skipRoot);
    },
  });
}

/**
 * The working directory inside a release: `spec.rootDir` resolved against `releaseDir` (which
 * it must not leave, and which must exist), or `releaseDir` itself when there is none.
 */
export async function workDir(label: string, resource: CodeResource, releaseDir: string): Promise<string> {
  const rootDir = nonBlank(resource.spec.rootDir);
  if (rootDir === undefined) return releaseDir;
  const dir = path.resolve(releaseDir, rootDir);
  if (dir !== releaseDir && !dir.startsWith(releaseDir + path.sep)) {
    throw new ProviderError(`${label} ${resource.key}: rootDir ${rootDir} leaves the repository`, {
      retryable: false,
    });
  }
  if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new ProviderError(`${label} ${resource.key}: rootDir ${rootDir} does not exist in the repository`, {
      retryable: false,
    });
  }
  return dir;
}

/** How {@link spawnInGroup} runs a command. */
export interface GroupSpawnOptions {
  cwd: string;
  /** Added to {@link baseEnv}, then the tenant's HOME, TMPDIR, USER and LOGNAME (`runAsEnv`). */
  env: Record<string, string>;
  /** The tenant's OS user (when tenants are isolated): the command runs as it. */
  runAs?: RunAs | null;
  stdio: StdioOptions;
}

/**
 * Starts `/bin/sh -c <script> [args…]` in its own session and process group (pgid = pid), as
 * the tenant's user when given, with {@link baseEnv} and `env` only: how builds and bootstrap
 * hooks run. Kill the whole group with {@link killGroup}.
 */
export function spawnInGroup(script: string, args: string[], options: GroupSpawnOptions): ChildProcess {
  const runAs = options.runAs ?? null;
  return spawn("/bin/sh", ["-c", script, ...args], {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env, ...runAsEnv(runAs) },
    detached: true,
    stdio: options.stdio,
    ...runAsSpawn(runAs),
  });
}

/** SIGKILLs the process group led by `pid` (our own child's); nothing when it is gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    signalGroup(pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** `exited with code 3`, `was killed by SIGKILL`. */
export function exitDescription(code: number | null, signal: string | null): string {
  return code !== null ? `exited with code ${code}` : `was killed by ${signal ?? "a signal"}`;
}

/** What {@link build} needs. */
export interface BuildOptions {
  /** The driver's word for what it runs (`service`, `cron`), used in error messages. */
  label: string;
  /** The release's working directory (see {@link workDir}). */
  cwd: string;
  /** Added to {@link baseEnv}. */
  env: Record<string, string>;
  /** The release number, written to the log. */
  release: number;
  /** Every build's output is appended here. */
  buildLog: string;
  /** How long the build may take before its process group is killed. */
  timeoutMs: number;
  /** The tenant's OS user (when tenants are isolated): the build runs as it. */
  runAs?: RunAs | null;
}

/**
 * Runs `spec.buildCommand` (if any) with `/bin/sh -c` in its own process group in `cwd`,
 * appending its output to `buildLog`. The group is killed when the build exits, times out or
 * `ctx.signal` aborts. Throws the engine's `AbortedError` when aborted, else `BUILD_FAILED`
 * with the log's last lines.
 */
export async function build(
  ctx: ProviderContext,
  resource: CodeResource,
  options: BuildOptions,
): Promise<void> {
  const { label, cwd, env, release, buildLog, timeoutMs, runAs = null } = options;
  const command = nonBlank(resource.spec.buildCommand);
  if (command === undefined) return;
  ctx.throwIfAborted();
  const log = await openLogForAppend(buildLog);
  await log.write(`==> ${new Date().toISOString()} release-${release}: ${command}\n`);
  let outcome: { code: number | null; signal: string | null; reason?: string };
  try {
    const child = spawnInGroup(command, [], { cwd, env, runAs, stdio: ["ignore", log.fd, log.fd] });
    outcome = await new Promise((resolve) => {
      let reason: string | undefined;
      const kill = (why: string) => {
        reason = why;
        killGroup(child.pid);
      };
      const timer = setTimeout(() => kill(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      const onAbort = () => kill("aborted");
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      child.once("error", (err) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", onAbort);
        resolve({ code: null, signal: null, reason: err.message });
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", onAbort);
        // Leftovers of the group (a background job of the build) must not outlive it.
        killGroup(child.pid);
        resolve({ code, signal, reason });
      });
    });
  } finally {
    await log.close();
  }
  if (outcome.code === 0 && outcome.reason === undefined) return;
  if (outcome.reason === "aborted") ctx.throwIfAborted();
  const tail = (await tailLines(buildLog, TAIL_LINES)).join("\n");
  const how = outcome.reason ?? exitDescription(outcome.code, outcome.signal);
  throw new ProviderError(
    `${label} ${resource.key}: the build command ${how}; fix the buildCommand or the code (${buildLog}), last lines:\n${tail}`,
    { retryable: false, code: "BUILD_FAILED" },
  );
}

/** The numbers `n` of the `release-<n>` directories in `serviceDir` (none when it is missing). */
export async function releaseNumbers(serviceDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.readdir(serviceDir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^release-(\d+)$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/** sha256 of a spec (bindings, not their values), 16 hex digits: `apply` of a found object redeploys when it changed. */
export function specHash(spec: object): string {
  return createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
}

/**
 * Runs `fn` once whatever `locks` holds for `id` has settled, so the verbs of one resource run
 * one at a time; `locks` keeps the tail of each id's queue and forgets it once it is idle.
 */
export function serialized<T>(
  locks: Map<string, Promise<unknown>>,
  id: string,
  fn: () => Promise<T>,
): Promise<T> {
  const prev = locks.get(id) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  locks.set(id, tail);
  void tail.then(() => {
    if (locks.get(id) === tail) locks.delete(id);
  });
  return run;
}

/** A child of `base` naming the driver, the tenant and the resource. */
export function resourceLogger(
  base: Logger,
  driver: string,
  ctx: ProviderContext,
  resource: RecordedResource,
): Logger {
  return base.child({ driver, tenantId: ctx.tenant.id, resource: resource.key });
}

/** The text of `file`, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
