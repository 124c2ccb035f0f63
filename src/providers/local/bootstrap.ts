import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { isService, type ServiceKind } from "../../domain/resources.js";
import {
  bootstrapFailed,
  bootstrapPollMs,
  bootstrapService,
  bootstrapTimeoutMs,
  formatDuration,
  operationIdOf,
} from "../bootstrap.js";
import {
  type ActionResult,
  type BootstrapHook,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../provider.js";
import { openLogForAppend, tailLines } from "./log-files.js";
import { hasEnvMarker, killAndWait, markedGroupMembers } from "./process-group.js";
import {
  errMessage,
  exists,
  exitDescription,
  killGroup,
  readIfExists,
  serialized,
  spawnInGroup,
  workDir,
} from "./release.js";
import { localServiceEnv, localServicePaths, type ServicePaths } from "./service-driver.js";
import type { RunAs, TenantUsers } from "./tenant-users.js";
import { sleep } from "./waits.js";

/**
 * The local target's `runBootstrap`: the blueprint's `hooks.bootstrap` runs as
 * `/bin/sh -c <command>` in the chosen service's current release directory (its `rootDir`),
 * with the environment the service's process gets (the tenant's HOME and TMPDIR too), as the
 * tenant's OS user when tenants are isolated, in a process group of its own.
 *
 * **Detached, followed over passes.** The run does not belong to the provider call that
 * started it: the call waits a few seconds for it (most hooks are done by then), and answers
 * `pending` while it runs; the engine's next pass — in this process, another one on this
 * node, or after a restart of Tenantry — finds the run again by its record and follows it.
 * So no provider call lasts longer than {@link LocalBootstrapOptions.waitMs}, a long hook
 * never holds a worker slot nor needs the engine's action timeout raised, and an abort (a
 * shutdown, a lost lease) stops the waiting, not the hook. The hook's own timeout
 * (`timeoutSeconds`, default 10 min, at most 1 h: `../bootstrap.ts`) is enforced by a timer
 * in the process that started it and, after a restart, by the next pass: the group is killed
 * and the tenant fails.
 *
 * Files, in the service's directory (Tenantry's: the tenant cannot write there):
 * - `bootstrap.log`: every run's output, appended after a `==> <time> bootstrap …` line; the
 *   tenant's logs show it as `[bootstrap]` lines of the service.
 * - `bootstrap.json`: the run record (run id, operation, command, pid, start, timeout; never
 *   the environment). A run is the tenant's only if its process carries
 *   `TENANTRY_BOOTSTRAP_RUN=<run id>` in its environment: a recycled pid is never signalled.
 * - `bootstrap.status`: `exit <code>`, written by a small `/bin/sh` wrapper around the
 *   command through a descriptor Tenantry opened (closed for the command itself), so the exit
 *   status is known even when the run ended while no Tenantry process was its parent.
 *
 * Outcomes: exit 0 → done, the step's detail says so; a non-zero exit, a timeout, or a
 * process that vanished without a status (killed from outside, the machine restarted) →
 * `BOOTSTRAP_FAILED` (permanent) with the last lines of the run's output. A finished run is
 * this operation's when the record names it (or, when the operation is not known, until its
 * failure has been reported once): a retry of the create runs a failed hook again, a
 * succeeded one is not run twice. A hook may still run again after a crash, so it must be
 * idempotent.
 */

export const BOOTSTRAP_LOG = "bootstrap.log";
const RECORD_FILE = "bootstrap.json";
const STATUS_FILE = "bootstrap.status";
/** The environment marker of a run's processes. */
export const BOOTSTRAP_RUN_VAR = "TENANTRY_BOOTSTRAP_RUN";
/** `$1` runs with descriptor 3 closed; its status goes to descriptor 3 (Tenantry's file). */
const WRAPPER = '/bin/sh -c "$1" 3>&-; echo "exit $?" >&3';
const TAIL_LINES = 20;

export interface LocalBootstrapOptions {
  /** Tenantry's data directory (services live under `<dataDir>/tenants/`). */
  dataDir: string;
  /** For the service's `RENDER_EXTERNAL_URL`, as its process gets it. */
  baseDomain: string;
  publicPort: number;
  /** The tenants' OS users (isolation when Tenantry runs as root). */
  users?: TenantUsers;
  logger?: Logger;
  /** How long one call waits for the run to end before answering `pending`. @default 10000 */
  waitMs?: number;
}

/** What `bootstrap.json` records. Never the environment. */
interface RunRecord {
  version: 1;
  runId: string;
  /** The operation that started it, when known. */
  operationId: string | null;
  resourceKey: string;
  command: string;
  /** pid (= pgid) of the wrapper; null between writing the record and the spawn. */
  pid: number | null;
  /** Epoch ms. */
  startedAt: number;
  timeoutMs: number;
  /** When its failure was reported (what tells a retry from the same operation when no operation id is known). */
  reportedAt: string | null;
}

type RunState =
  | { state: "running"; pids: number[] }
  | { state: "exited"; code: number }
  | { state: "timed-out" }
  /** Ended without a status. */
  | { state: "lost" }
  /** The record was written, the process never found: it never started. */
  | { state: "absent" };

interface Paths {
  service: ServicePaths;
  log: string;
  record: string;
  status: string;
}

export interface LocalBootstrap {
  run(ctx: ProviderContext, hook: BootstrapHook, resources: RecordedResource[]): Promise<ActionResult>;
  /** Stops the timeout timers of this process's runs (the runs go on; the next pass enforces it). */
  close(): void;
}

export function createLocalBootstrap(options: LocalBootstrapOptions): LocalBootstrap {
  const dataDir = path.resolve(options.dataDir);
  const waitMs = options.waitMs ?? 10_000;
  const locks = new Map<string, Promise<unknown>>();
  /** Runs this process started: their exit is seen at once, their timeout enforced by a timer. */
  const children = new Map<string, { child: ChildProcess; ended: boolean; timer: NodeJS.Timeout }>();

  function pathsOf(ctx: ProviderContext, service: RecordedResource): Paths {
    const paths = localServicePaths(dataDir, service, ctx.tenant);
    return {
      service: paths,
      log: path.join(paths.serviceDir, BOOTSTRAP_LOG),
      record: path.join(paths.serviceDir, RECORD_FILE),
      status: path.join(paths.serviceDir, STATUS_FILE),
    };
  }

  async function readRecord(file: string): Promise<RunRecord | undefined> {
    const raw = await readIfExists(file);
    if (raw === undefined) return undefined;
    try {
      const r = JSON.parse(raw) as Partial<RunRecord>;
      if (
        r.version === 1 &&
        typeof r.runId === "string" &&
        typeof r.command === "string" &&
        typeof r.resourceKey === "string" &&
        typeof r.startedAt === "number" &&
        typeof r.timeoutMs === "number"
      ) {
        return {
          version: 1,
          runId: r.runId,
          operationId: typeof r.operationId === "string" ? r.operationId : null,
          resourceKey: r.resourceKey,
          command: r.command,
          pid: typeof r.pid === "number" ? r.pid : null,
          startedAt: r.startedAt,
          timeoutMs: r.timeoutMs,
          reportedAt: typeof r.reportedAt === "string" ? r.reportedAt : null,
        };
      }
    } catch {
      // unreadable: as if there were none
    }
    return undefined;
  }

  async function writeRecord(file: string, record: RunRecord): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /** The exit code in the status file, or undefined while there is none (or it is garbled). */
  async function readStatus(file: string): Promise<number | undefined> {
    const raw = await readIfExists(file);
    const code = raw === undefined ? undefined : /^exit (\d{1,3})\s*$/.exec(raw)?.[1];
    return code === undefined ? undefined : Number(code);
  }

  /** Live processes carrying the run's marker, of its group (or anywhere, when the pid was never recorded). */
  async function runProcesses(record: RunRecord): Promise<number[]> {
    const marker = { [BOOTSTRAP_RUN_VAR]: record.runId };
    if (record.pid !== null) return markedGroupMembers(record.pid, marker);
    const found: number[] = [];
    for (const name of await fs.readdir("/proc").catch(() => [] as string[])) {
      if (/^\d+$/.test(name) && (await hasEnvMarker(Number(name), marker))) found.push(Number(name));
    }
    return found;
  }

  /** Where a run is: its status, else its processes and its deadline. A run past its deadline is killed. */
  async function inspect(record: RunRecord, paths: Paths): Promise<RunState> {
    const code = await readStatus(paths.status);
    if (code !== undefined) return { state: "exited", code };
    const pids = await runProcesses(record);
    const overdue = Date.now() >= record.startedAt + record.timeoutMs;
    if (pids.length > 0) {
      if (!overdue) return { state: "running", pids };
      if (!(await killAndWait(pids, 5_000))) {
        throw new ProviderError(`bootstrap hook: processes ${pids.join(", ")} still alive after SIGKILL`, {
          retryable: true,
        });
      }
      return { state: "timed-out" };
    }
    // The status is written before the wrapper exits: read it once more (it may have just ended).
    const late = await readStatus(paths.status);
    if (late !== undefined) return { state: "exited", code: late };
    if (record.pid === null) return { state: "absent" };
    return overdue ? { state: "timed-out" } : { state: "lost" };
  }

  /** The service's current release, its environment and the tenant's user: where the hook runs. */
  async function target(
    ctx: ProviderContext,
    service: RecordedResource<ServiceKind>,
    paths: Paths,
  ): Promise<{ cwd: string; env: Record<string, string>; who: RunAs | null; release: number }> {
    const raw = await readIfExists(paths.service.deployFile);
    let deploy: { release?: unknown; port?: unknown } | undefined;
    try {
      deploy = raw === undefined ? undefined : (JSON.parse(raw) as typeof deploy);
    } catch {
      deploy = undefined;
    }
    const release = deploy?.release;
    const releaseDir =
      typeof release === "number" ? path.join(paths.service.serviceDir, `release-${release}`) : undefined;
    if (typeof release !== "number" || !releaseDir || !(await exists(releaseDir))) {
      throw new ProviderError(
        `bootstrap hook: ${service.key} has no deployed release to run it in (${paths.service.deployFile})`,
        { retryable: false, code: "BOOTSTRAP_FAILED" },
      );
    }
    const cwd = await workDir(service.kind === "cron" ? "cron" : "service", service, releaseDir);
    const who = (await options.users?.ensure(ctx)) ?? null;
    await options.users?.share(paths.service.serviceDir, who);
    const port = typeof deploy?.port === "number" ? deploy.port : 0;
    const env = localServiceEnv(ctx, service, port, options);
    // A cron job's run has no port.
    if (service.kind === "cron") delete env["PORT"];
    return { cwd, env, who, release };
  }

  /** The last lines of the run's output (after its `==>` line). */
  async function outputTail(file: string, runId: string): Promise<string> {
    const lines = await tailLines(file, 400);
    const header = lines.findLastIndex((l) => l.startsWith("==> ") && l.includes(`run ${runId}`));
    const own = header >= 0 ? lines.slice(header + 1) : lines;
    const tail = own.slice(-TAIL_LINES);
    return tail.length > 0 ? tail.join("\n") : "(no output)";
  }

  /** Starts a new run: record first, then the process, then its pid. */
  async function start(
    ctx: ProviderContext,
    hook: BootstrapHook,
    service: RecordedResource<ServiceKind>,
    paths: Paths,
  ): Promise<RunRecord> {
    ctx.throwIfAborted();
    const where = await target(ctx, service, paths);
    ctx.throwIfAborted();
    const record: RunRecord = {
      version: 1,
      runId: randomUUID(),
      operationId: operationIdOf(ctx) ?? null,
      resourceKey: service.key,
      command: hook.command,
      pid: null,
      startedAt: Date.now(),
      timeoutMs: bootstrapTimeoutMs(hook),
      reportedAt: null,
    };
    await fs.rm(paths.status, { force: true });
    await writeRecord(paths.record, record);
    const log = await openLogForAppend(paths.log);
    let child: ChildProcess;
    try {
      await log.write(
        `==> ${new Date(record.startedAt).toISOString()} bootstrap (run ${record.runId}, release-${where.release}): ${hook.command}\n`,
      );
      const status = await fs.open(paths.status, "w", 0o600);
      try {
        child = spawnInGroup(WRAPPER, ["tenantry-bootstrap", hook.command], {
          cwd: where.cwd,
          env: { ...where.env, [BOOTSTRAP_RUN_VAR]: record.runId },
          runAs: where.who,
          stdio: ["ignore", log.fd, log.fd, status.fd],
        });
        await new Promise<void>((resolve, reject) => {
          child.once("spawn", resolve);
          child.once("error", reject);
        });
      } finally {
        await status.close();
      }
    } catch (err) {
      await fs.rm(paths.status, { force: true }).catch(() => {});
      await fs.rm(paths.record, { force: true }).catch(() => {});
      throw new ProviderError(`bootstrap hook: could not start /bin/sh in ${where.cwd}: ${errMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    } finally {
      await log.close();
    }
    // An empty status file would read as "no status yet" anyway; it is Tenantry's (0600).
    const pid = child.pid!;
    const entry = {
      child,
      ended: false,
      timer: setTimeout(() => killGroup(pid), record.timeoutMs),
    };
    entry.timer.unref?.();
    children.set(record.runId, entry);
    child.once("exit", () => {
      entry.ended = true;
      clearTimeout(entry.timer);
      // Leftovers of the group (a background job of the hook) must not outlive it.
      killGroup(pid);
      children.delete(record.runId);
    });
    // The hook must not keep Tenantry's event loop alive.
    child.unref();
    const started = { ...record, pid };
    await writeRecord(paths.record, started);
    (options.logger ?? ctx.logger).info(
      { tenantId: ctx.tenant.id, resource: service.key, pid, runId: record.runId },
      "local: bootstrap hook started",
    );
    return started;
  }

  /** Waits (at most `waitMs`, and never past the call's deadline) for the run to end. */
  async function waitForEnd(ctx: ProviderContext, record: RunRecord, paths: Paths): Promise<void> {
    const until = Date.now() + Math.max(0, Math.min(waitMs, ctx.timeLeft() - 1_500));
    const deadline = record.startedAt + record.timeoutMs;
    for (;;) {
      ctx.throwIfAborted();
      const mine = children.get(record.runId);
      if (mine?.ended || (await readStatus(paths.status)) !== undefined) return;
      // Not this process's child (started before a restart): its end is seen by its status.
      if (!mine && record.pid !== null && (await runProcesses(record)).length === 0) return;
      const now = Date.now();
      if (now >= until || now >= deadline) return;
      await sleep(ctx, Math.min(mine ? 50 : 250, until - now, Math.max(1, deadline - now)), "bootstrap hook");
    }
  }

  /** The step's answer for a run's state; a failure is reported (recorded) and thrown. */
  async function answer(
    ctx: ProviderContext,
    record: RunRecord,
    state: RunState,
    service: RecordedResource,
    paths: Paths,
  ): Promise<ActionResult> {
    const elapsed = Date.now() - record.startedAt;
    const name = service.key.replace(/^service:/, "");
    if (state.state === "running") {
      return {
        state: "pending",
        retryAfterMs: bootstrapPollMs(elapsed, 500, 5_000),
        detail: `bootstrap hook running in ${service.key} for ${formatDuration(elapsed)} (pid ${record.pid}; its output: tenantry logs ${ctx.tenant.slug} ${name})`,
      };
    }
    if (state.state === "exited" && state.code === 0) {
      return {
        state: "done",
        detail: `bootstrap hook exited with code 0 after ${formatDuration(elapsed)} in ${service.key}`,
      };
    }
    const how =
      state.state === "exited"
        ? `${exitDescription(state.code, null)} after ${formatDuration(elapsed)}`
        : state.state === "timed-out"
          ? `timed out after ${formatDuration(record.timeoutMs)} (hooks.bootstrap.timeoutSeconds) and was killed`
          : "ended without an exit status (killed from outside Tenantry, or the machine restarted)";
    const tail = await outputTail(paths.log, record.runId);
    await writeRecord(paths.record, { ...record, reportedAt: new Date().toISOString() });
    throw bootstrapFailed(
      `the bootstrap hook ${how} in ${service.key}: ${record.command}; fix the cause (the hook must be idempotent), then retry the tenant (tenantry tenants retry ${ctx.tenant.slug}) to run it again. Output (tenantry logs ${ctx.tenant.slug} ${name}, or ${paths.log}), last lines:\n${tail}`,
    );
  }

  /** Follows a run to an answer: waits a little, then says where it is. */
  async function follow(
    ctx: ProviderContext,
    record: RunRecord,
    service: RecordedResource,
    paths: Paths,
  ): Promise<ActionResult> {
    await waitForEnd(ctx, record, paths);
    return answer(ctx, record, await inspect(record, paths), service, paths);
  }

  return {
    async run(ctx, hook, resources) {
      ctx.throwIfAborted();
      const service = bootstrapService(hook, resources);
      // bootstrapService names a service that runs code (never a database or a group).
      if (!isService(service)) {
        throw new ProviderError(`bootstrap hook: ${service.key} is not a service`, {
          retryable: false,
          code: "BOOTSTRAP_FAILED",
        });
      }
      const paths = pathsOf(ctx, service);
      return serialized(locks, ctx.tenant.id, async () => {
        const record = await readRecord(paths.record);
        if (record) {
          const state = await inspect(record, paths);
          // Never two runs at once: one still going is followed, whatever started it.
          if (state.state === "running") return follow(ctx, record, service, paths);
          const same = record.command === hook.command && record.resourceKey === service.key;
          if (same && state.state === "exited" && state.code === 0)
            return answer(ctx, record, state, service, paths);
          const opId = operationIdOf(ctx);
          const ours =
            opId !== undefined && record.operationId !== null
              ? record.operationId === opId
              : record.reportedAt === null;
          if (same && ours && state.state !== "absent") return answer(ctx, record, state, service, paths);
          // A failure already reported to an earlier operation (a retry), another command, or
          // a run that never started: a new run.
        }
        return follow(ctx, await start(ctx, hook, service, paths), service, paths);
      });
    },

    close() {
      for (const { timer } of children.values()) clearTimeout(timer);
      children.clear();
    },
  };
}
