import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { Cron } from "croner";
import type { Logger } from "pino";
import { resolveEnv } from "../env.js";
import { nameTaken } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { openLogForAppend, tailLines } from "./log-files.js";
import { claimDir, dirOwnership } from "./owner-files.js";
import { isGroupAlive, signalGroup, waitUntil } from "./process-group.js";
import {
  baseEnv,
  build,
  copySource,
  errMessage,
  exists,
  nonBlank,
  readIfExists,
  releaseNumbers,
  resourceLogger,
  serialized,
  specHash,
  workDir,
} from "./release.js";
import { localServicePaths, type ServicePaths } from "./service-driver.js";
import { type RunAs, runAsEnv, runAsSpawn, type TenantUsers } from "./tenant-users.js";
import { bounded } from "./waits.js";

/**
 * The local target's driver for kind `cron`: a tenant's cron job runs `startCommand` on this
 * machine on `spec.schedule` (5-field cron, UTC).
 *
 * Layout: the same service directory as the service driver ({@link localServicePaths}):
 * `release-<n>/` (a copy of the source), `build.log` (every build, appended), `deploy.json`
 * (release, schedule, suspended, spec hash; never secrets), `cron.log` (every run's output,
 * appended) and `cron.json` (`{ lastRunAt, lastExitCode, lastSignal, lastDurationMs, runs,
 * skipped, logTail }`, written after each run and each skipped tick; never env values).
 *
 * A deploy (`apply`; of a job found by `observe`, only when the spec changed) copies
 * `spec.repo` into a new release directory, runs `buildCommand` there once, then schedules `startCommand` with croner.
 * Each run is `/bin/sh -c <startCommand>` in its own process group, cwd the release (or its
 * `rootDir`), env = PATH/HOME/LANG + `RENDER_SERVICE_NAME`/`RENDER_SERVICE_TYPE` + the
 * resolved `envVars`. The resolved env is held in memory only (never written to disk);
 * `setRunning(true)` resolves it again from its context. Runs never overlap: a tick that fires while the previous
 * run is still going is skipped and counted in `skipped`.
 *
 * `setRunning(false)` (suspend) unschedules and stops a running run (SIGTERM to the group,
 * SIGKILL after `stopTimeoutMs`, default 10 s); `setRunning(true)` (resume, heal) schedules
 * again without copying or building;
 * `delete` unschedules, stops the run and removes the service directory.
 *
 * Schedules live in this process only. After a Tenantry restart a deployed cron job is NOT
 * scheduled until `apply` or `setRunning(true)` is called for it again (`observe` still
 * reports it `ready`, with a detail saying it is not scheduled; the engine is to re-establish
 * schedules on start-up). A run that was going when Tenantry stopped is not adopted.
 *
 * Copy/clone/build are shared with the service driver (`./release.js`); paths come from the
 * exported {@link localServicePaths}. The job's directory holds the tenant's marker file
 * (`owner-files.ts`): one that is not the tenant's is `NAME_TAKEN`, never deployed to, and
 * left by `delete`. Only runs this process started (its children) are ever signalled.
 */
export interface CronDriverOptions {
  /** Tenantry's data directory; cron jobs live under `<dataDir>/tenants/`. */
  dataDir: string;
  logger?: Logger;
  /** Relative `repo` paths are resolved against this (default `process.cwd()`). */
  repoBase?: string;
  /** Accept 6-field schedules with a leading seconds field (tests); default false (5 fields only). */
  allowSeconds?: boolean;
  /** Grace between SIGTERM and SIGKILL when stopping a run (default 10 000 ms). */
  stopTimeoutMs?: number;
  /** How long a build may take (default 15 minutes). */
  buildTimeoutMs?: number;
  /** The tenants' OS users (isolation when Tenantry runs as root); absent: runs run as Tenantry. */
  users?: TenantUsers;
  /**
   * Called after every finished run with the job's fresh outputs (last run, exit code,
   * runs), so they can be recorded without waiting for the next reconcile.
   */
  onRun?: (event: { tenantId: string; resourceKey: string; outputs: Record<string, unknown> }) => void;
}

type CronResource = RecordedResource<"cron">;

export type CronDriver = ResourceDriver<"cron"> & {
  setRunning(ctx: ProviderContext, resource: CronResource, running: boolean): Promise<ActionResult>;
  close(): Promise<void>;
  /** Runs the job of `<tenantId>/<key>` now and waits for the run (skipped when a run is going). */
  runNow(tenantId: string, key: string): Promise<void>;
  /**
   * Starts a run of `<tenantId>/<key>` now without waiting for it. `started: false` when a
   * run is already going (nothing new starts); `runs`: finished runs so far. Throws when the
   * job is not scheduled.
   */
  startRun(tenantId: string, key: string): { started: boolean; runs: number };
};

/** What `deploy.json` records for a cron job. */
interface CronDeployRecord {
  version: 1;
  kind: "cron";
  release: number;
  schedule: string;
  suspended: boolean;
  /** sha256 of the spec (bindings, not their values): `apply` of a found job redeploys when it changed. */
  specHash: string;
  deployedAt: string;
}

/** What `cron.json` records. */
export interface CronStats {
  lastRunAt: string | null;
  lastExitCode: number | null;
  lastSignal: string | null;
  lastDurationMs: number | null;
  runs: number;
  skipped: number;
  logTail: string[];
}

interface Run {
  done: Promise<void>;
  pgid: number | undefined;
  cancelled: boolean;
}

interface Job {
  id: string;
  tenantId: string;
  key: string;
  schedule: string;
  paths: ServicePaths;
  cronFile: string;
  cronLog: string;
  cwd: string;
  command: string;
  /** Resolved at deploy/resume time; memory only. */
  env: Record<string, string>;
  /** The tenant's OS user its runs run as (null: Tenantry's own). */
  runAs: RunAs | null;
  cron: Cron | undefined;
  stopped: boolean;
  run: Run | undefined;
  stats: CronStats;
  writes: Promise<void>;
  log: Logger;
}

const TAIL_LINES = 20;

async function writeJson(file: string, data: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  const raw = await readIfExists(file);
  if (raw === undefined) return undefined;
  try {
    const data: unknown = JSON.parse(raw);
    return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // unreadable: treated as missing
  }
}

async function readDeploy(file: string): Promise<CronDeployRecord | undefined> {
  const data = await readJson(file);
  if (
    data?.["version"] === 1 &&
    data["kind"] === "cron" &&
    typeof data["release"] === "number" &&
    typeof data["schedule"] === "string"
  ) {
    return {
      version: 1,
      kind: "cron",
      release: data["release"],
      schedule: data["schedule"],
      suspended: data["suspended"] === true,
      specHash: typeof data["specHash"] === "string" ? data["specHash"] : "",
      deployedAt: typeof data["deployedAt"] === "string" ? data["deployedAt"] : "",
    };
  }
  return undefined;
}

/** A cron job's outputs: its schedule and what its last run did. */
function outputs(sched: string, stats: CronStats): Record<string, unknown> {
  return {
    schedule: sched,
    lastRunAt: stats.lastRunAt,
    lastExitCode: stats.lastExitCode,
    lastDurationMs: stats.lastDurationMs,
    runs: stats.runs,
  };
}

function emptyStats(): CronStats {
  return {
    lastRunAt: null,
    lastExitCode: null,
    lastSignal: null,
    lastDurationMs: null,
    runs: 0,
    skipped: 0,
    logTail: [],
  };
}

async function readStats(file: string): Promise<CronStats> {
  const data = await readJson(file);
  const s = emptyStats();
  if (!data) return s;
  if (typeof data["lastRunAt"] === "string") s.lastRunAt = data["lastRunAt"];
  if (typeof data["lastExitCode"] === "number") s.lastExitCode = data["lastExitCode"];
  if (typeof data["lastSignal"] === "string") s.lastSignal = data["lastSignal"];
  if (typeof data["lastDurationMs"] === "number") s.lastDurationMs = data["lastDurationMs"];
  if (typeof data["runs"] === "number") s.runs = data["runs"];
  if (typeof data["skipped"] === "number") s.skipped = data["skipped"];
  if (Array.isArray(data["logTail"])) s.logTail = data["logTail"].filter((l) => typeof l === "string");
  return s;
}

/** Creates the driver for kind `cron` (see {@link CronDriverOptions}). */
export function createCronDriver(options: CronDriverOptions): CronDriver {
  const dataDir = path.resolve(options.dataDir);
  const repoBase = path.resolve(options.repoBase ?? process.cwd());
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const buildTimeoutMs = options.buildTimeoutMs ?? 15 * 60_000;
  const mode = options.allowSeconds ? "5-or-6-parts" : "5-part";
  /** Scheduled jobs by `<tenantId>/<key>`. */
  const jobs = new Map<string, Job>();
  /** Serialises the verbs of one cron job. */
  const locks = new Map<string, Promise<unknown>>();
  let closed = false;

  function withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return serialized(locks, id, fn);
  }

  function logFor(ctx: ProviderContext, resource: CronResource): Logger {
    return resourceLogger(options.logger ?? ctx.logger, "local-cron", ctx, resource);
  }

  function jobId(tenantId: string, key: string): string {
    return `${tenantId}/${key}`;
  }

  /** Whether the resource's record names this job (made by Tenantry, maybe before markers). */
  function recorded(ctx: ProviderContext, resource: CronResource): boolean {
    return resource.providerId === jobId(ctx.tenant.id, resource.key);
  }

  /** Throws `NAME_TAKEN` when the job's directory exists and is not the tenant's. */
  async function assertOurs(ctx: ProviderContext, resource: CronResource, paths: ServicePaths) {
    const owner = await dirOwnership(ctx, paths.serviceDir, recorded(ctx, resource));
    if (owner.state === "foreign")
      throw nameTaken("cron job directory", paths.serviceDir, undefined, owner.why);
    return owner;
  }

  /** Unschedules within the call's context (an abort stops the waiting; the stop goes on). */
  function unscheduleIn(ctx: ProviderContext, id: string): Promise<void> {
    return bounded(ctx, `cron driver: stop ${id}`, unschedule(id));
  }

  function checkKind(resource: CronResource): void {
    if (resource.kind !== "cron") {
      throw new ProviderError(`cron driver: kind ${resource.kind} is not run by this driver (cron is)`, {
        retryable: false,
      });
    }
    if (closed) throw new ProviderError("cron driver: closed", { retryable: true });
  }

  /** The schedule, checked: a malformed one is a permanent error. */
  function scheduleOf(resource: CronResource): string {
    const schedule = nonBlank(resource.spec.schedule)?.trim();
    if (schedule === undefined) {
      throw new ProviderError(`cron ${resource.key}: no schedule`, {
        retryable: false,
        code: "INVALID_SCHEDULE",
      });
    }
    let next: Date | null;
    try {
      const probe = new Cron(schedule, { mode, timezone: "UTC", paused: true });
      next = probe.nextRun();
      probe.stop();
    } catch (err) {
      throw new ProviderError(
        `cron ${resource.key}: schedule "${schedule}" is not a valid ${options.allowSeconds ? "5- or 6-field" : "5-field"} cron expression: ${errMessage(err)}`,
        { retryable: false, code: "INVALID_SCHEDULE", cause: err },
      );
    }
    if (next === null) {
      throw new ProviderError(`cron ${resource.key}: schedule "${schedule}" never fires`, {
        retryable: false,
        code: "INVALID_SCHEDULE",
      });
    }
    return schedule;
  }

  function commandOf(resource: CronResource): string {
    const command = nonBlank(resource.spec.startCommand);
    if (command === undefined) {
      throw new ProviderError(`cron ${resource.key}: no startCommand; say what the job runs`, {
        retryable: false,
      });
    }
    return command;
  }

  function jobEnv(ctx: ProviderContext, resource: CronResource): Record<string, string> {
    return {
      RENDER_SERVICE_NAME: resource.externalName,
      RENDER_SERVICE_TYPE: "cron",
      ...resolveEnv(ctx, resource.spec.envVars),
    };
  }

  // --- runs --------------------------------------------------------------------------------

  function persistStats(job: Job): Promise<void> {
    const snapshot = { ...job.stats, logTail: [...job.stats.logTail] };
    job.writes = job.writes
      .then(() => writeJson(job.cronFile, snapshot))
      .catch((err: unknown) =>
        job.log.warn({ err: errMessage(err) }, "local cron: could not write cron.json"),
      );
    return job.writes;
  }

  /** Starts a run unless one is going (then the tick is skipped and counted). */
  function trigger(job: Job): Promise<void> {
    if (job.stopped) return Promise.resolve();
    if (job.run) {
      job.stats.skipped++;
      job.log.info({ skipped: job.stats.skipped }, "local cron: previous run still going, tick skipped");
      return persistStats(job);
    }
    const run: Run = { done: Promise.resolve(), pgid: undefined, cancelled: false };
    job.run = run;
    run.done = execute(job, run)
      .catch((err: unknown) => job.log.error({ err: errMessage(err) }, "local cron: run failed to start"))
      .finally(() => {
        if (job.run === run) job.run = undefined;
      });
    return run.done;
  }

  async function execute(job: Job, run: Run): Promise<void> {
    const log = await openLogForAppend(job.cronLog);
    const started = Date.now();
    let outcome: { code: number | null; signal: string | null; error?: string };
    try {
      if (run.cancelled || job.stopped) return;
      await log.write(`==> ${new Date(started).toISOString()} run started\n`);
      const child = spawn("/bin/sh", ["-c", job.command], {
        cwd: job.cwd,
        env: { ...baseEnv(), ...job.env, ...runAsEnv(job.runAs) },
        detached: true,
        stdio: ["ignore", log.fd, log.fd],
        ...runAsSpawn(job.runAs),
      });
      run.pgid = child.pid;
      outcome = await new Promise((resolve) => {
        child.once("error", (err) => resolve({ code: null, signal: null, error: err.message }));
        child.once("exit", (code, signal) => {
          // Leftovers of the group (a background job of the run) must not outlive it.
          if (child.pid !== undefined) {
            try {
              signalGroup(child.pid, "SIGKILL");
            } catch {
              // gone
            }
          }
          resolve({ code, signal });
        });
      });
      const durationMs = Date.now() - started;
      const how =
        outcome.error !== undefined
          ? `failed to start: ${outcome.error}`
          : outcome.code !== null
            ? `exited with code ${outcome.code}`
            : `killed by ${outcome.signal}`;
      await log.write(`==> ${new Date().toISOString()} run ${how} after ${durationMs} ms\n`);
      job.stats.lastRunAt = new Date(started).toISOString();
      job.stats.lastExitCode = outcome.code;
      job.stats.lastSignal = outcome.signal;
      job.stats.lastDurationMs = durationMs;
      job.stats.runs++;
    } finally {
      await log.close();
    }
    job.stats.logTail = await tailLines(job.cronLog, TAIL_LINES).catch(() => job.stats.logTail);
    job.log.info(
      { exitCode: outcome.code, signal: outcome.signal, durationMs: job.stats.lastDurationMs },
      "local cron: run finished",
    );
    await persistStats(job);
    try {
      options.onRun?.({
        tenantId: job.tenantId,
        resourceKey: job.key,
        outputs: outputs(job.schedule, job.stats),
      });
    } catch (err) {
      job.log.warn({ err: errMessage(err) }, "local cron: run listener failed");
    }
  }

  /** Stops a run: SIGTERM to its group, SIGKILL after `stopTimeoutMs`; returns once it is gone. */
  async function stopRun(job: Job, run: Run, graceMs: number): Promise<void> {
    run.cancelled = true;
    const pgid = run.pgid;
    if (pgid !== undefined) {
      signalGroup(pgid, graceMs > 0 ? "SIGTERM" : "SIGKILL");
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        run.done.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) signalGroup(pgid, "SIGKILL");
    }
    await run.done;
    if (pgid !== undefined) {
      signalGroup(pgid, "SIGKILL");
      if (!(await waitUntil(async () => !(await isGroupAlive(pgid)), 5_000))) {
        throw new ProviderError(`cron driver: process group ${pgid} of ${job.id} is still alive`, {
          retryable: true,
        });
      }
    }
  }

  /** Unschedules a job and stops its run; no-op when not scheduled. */
  async function unschedule(id: string, graceMs = stopTimeoutMs): Promise<void> {
    const job = jobs.get(id);
    if (!job) return;
    job.stopped = true;
    job.cron?.stop();
    if (job.run) await stopRun(job, job.run, graceMs);
    await job.writes;
    if (jobs.get(id) === job) jobs.delete(id);
  }

  async function schedule(
    ctx: ProviderContext,
    resource: CronResource,
    paths: ServicePaths,
    cwd: string,
    sched: string,
    env: Record<string, string>,
    runAs: RunAs | null,
  ): Promise<void> {
    const id = jobId(ctx.tenant.id, resource.key);
    await unschedule(id);
    if (closed) throw new ProviderError("cron driver: closed", { retryable: true });
    const job: Job = {
      id,
      tenantId: ctx.tenant.id,
      key: resource.key,
      schedule: sched,
      paths,
      cronFile: path.join(paths.serviceDir, "cron.json"),
      cronLog: path.join(paths.serviceDir, "cron.log"),
      cwd,
      command: commandOf(resource),
      env,
      runAs,
      cron: undefined,
      stopped: false,
      run: undefined,
      stats: emptyStats(),
      writes: Promise.resolve(),
      log: logFor(ctx, resource),
    };
    job.stats = await readStats(job.cronFile);
    // Not awaited: a run outlasting the tick must not hold croner; overlap is handled in trigger.
    job.cron = new Cron(sched, { mode, timezone: "UTC", unref: true, catch: true }, () => {
      void trigger(job);
    });
    jobs.set(id, job);
  }

  /** The tenant's OS user (null when not isolated); the job's directory becomes passable by it. */
  async function tenantUser(ctx: ProviderContext, paths: ServicePaths): Promise<RunAs | null> {
    const who = (await options.users?.ensure(ctx)) ?? null;
    await options.users?.share(paths.serviceDir, who);
    return who;
  }

  /** A new release: copy, build once, schedule; old releases are removed. */
  async function deploy(ctx: ProviderContext, resource: CronResource): Promise<ActionResult> {
    const log = logFor(ctx, resource);
    const sched = scheduleOf(resource);
    commandOf(resource);
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const id = jobId(ctx.tenant.id, resource.key);
    ctx.throwIfAborted();
    // The directory is the tenant's (or made now, with its marker) before anything in it is used.
    await claimDir(ctx, "cron job directory", paths.serviceDir, recorded(ctx, resource));
    const who = await tenantUser(ctx, paths);
    const current = await readDeploy(paths.deployFile);
    const release = Math.max(0, current?.release ?? 0, ...(await releaseNumbers(paths.serviceDir))) + 1;
    const releaseDir = path.join(paths.serviceDir, `release-${release}`);
    let cwd: string;
    let env: Record<string, string>;
    try {
      await fs.rm(releaseDir, { recursive: true, force: true });
      await copySource(ctx, resource, releaseDir, { label: "cron", repoBase, dataDir });
      // The tenant's code writes in its release (and nowhere else of Tenantry's).
      await options.users?.give(releaseDir, who);
      cwd = await workDir("cron", resource, releaseDir);
      env = jobEnv(ctx, resource);
      ctx.throwIfAborted();
      await build(ctx, resource, {
        label: "cron",
        cwd,
        env,
        release,
        buildLog: paths.buildLog,
        timeoutMs: buildTimeoutMs,
        runAs: who,
      });
      ctx.throwIfAborted();
    } catch (err) {
      await fs.rm(releaseDir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    // Swap: the old schedule (and its run, which uses the old release) stops, the new one starts.
    await unscheduleIn(ctx, id);
    await writeJson(paths.deployFile, {
      version: 1,
      kind: "cron",
      release,
      schedule: sched,
      suspended: false,
      specHash: specHash(resource.spec),
      deployedAt: new Date().toISOString(),
    } satisfies CronDeployRecord);
    await schedule(ctx, resource, paths, cwd, sched, env, who);
    for (const n of await releaseNumbers(paths.serviceDir)) {
      if (n !== release)
        await fs.rm(path.join(paths.serviceDir, `release-${n}`), { recursive: true, force: true });
    }
    log.info({ release, schedule: sched }, "local cron: release deployed and scheduled");
    const stats = jobs.get(id)?.stats ?? emptyStats();
    return { state: "done", providerId: id, outputs: outputs(sched, stats) };
  }

  /** Schedules the current release again (no copy, no build; env resolved anew); deploys when there is none. */
  async function start(ctx: ProviderContext, resource: CronResource): Promise<ActionResult> {
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const id = jobId(ctx.tenant.id, resource.key);
    ctx.throwIfAborted();
    if ((await assertOurs(ctx, resource, paths)).state === "ours") {
      // Made before markers: mark it now.
      await claimDir(ctx, "cron job directory", paths.serviceDir, recorded(ctx, resource));
    }
    const current = await readDeploy(paths.deployFile);
    const releaseDir = current && path.join(paths.serviceDir, `release-${current.release}`);
    if (!current || !releaseDir || !(await exists(releaseDir))) return deploy(ctx, resource);
    const existing = jobs.get(id);
    if (existing && !current.suspended) {
      return { state: "done", providerId: id, outputs: outputs(current.schedule, existing.stats) };
    }
    const who = await tenantUser(ctx, paths);
    // A release deployed before tenants had users of their own becomes the tenant's.
    if (who && (await fs.stat(releaseDir)).uid !== who.uid) await options.users?.give(releaseDir, who);
    const cwd = await workDir("cron", resource, releaseDir);
    const env = jobEnv(ctx, resource);
    await writeJson(paths.deployFile, { ...current, suspended: false } satisfies CronDeployRecord);
    await schedule(ctx, resource, paths, cwd, current.schedule, env, who);
    logFor(ctx, resource).info({ release: current.release }, "local cron: scheduled");
    const stats = jobs.get(id)?.stats ?? emptyStats();
    return { state: "done", providerId: id, outputs: outputs(current.schedule, stats) };
  }

  /** Unschedules the job and stops its run, keeping its release (suspend). */
  async function stop(ctx: ProviderContext, resource: CronResource): Promise<ActionResult> {
    const id = jobId(ctx.tenant.id, resource.key);
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    ctx.throwIfAborted();
    await assertOurs(ctx, resource, paths);
    const current = await readDeploy(paths.deployFile);
    if (current) {
      await writeJson(paths.deployFile, { ...current, suspended: true } satisfies CronDeployRecord);
    }
    await unscheduleIn(ctx, id);
    logFor(ctx, resource).info("local cron: suspended");
    if (!current) return { state: "done", providerId: id };
    const stats = await readStats(path.join(paths.serviceDir, "cron.json"));
    return { state: "done", providerId: id, outputs: outputs(current.schedule, stats) };
  }

  return {
    // A deploy builds (up to the build timeout) and stops the old run: more than the
    // engine's 5-minute default may be needed.
    limits: { actionTimeoutMs: buildTimeoutMs + stopTimeoutMs + 2 * 60_000 },

    async observe(ctx, resource): Promise<Observation> {
      checkKind(resource);
      ctx.throwIfAborted();
      const paths = localServicePaths(dataDir, resource, ctx.tenant);
      const id = jobId(ctx.tenant.id, resource.key);
      if ((await assertOurs(ctx, resource, paths)).state === "absent") return ABSENT;
      const current = await readDeploy(paths.deployFile);
      if (!current) return ABSENT;
      const stats = await readStats(path.join(paths.serviceDir, "cron.json"));
      const out = outputs(current.schedule, stats);
      if (current.suspended) return { providerId: id, state: "suspended", outputs: out };
      if (!jobs.has(id)) {
        return {
          providerId: id,
          state: "ready",
          outputs: out,
          detail: `release-${current.release} is deployed but not scheduled in this Tenantry process; resume or update schedules it`,
        };
      }
      return { providerId: id, state: "ready", outputs: out };
    },

    async apply(ctx, resource, observed?: Observed) {
      checkKind(resource);
      return withLock(jobId(ctx.tenant.id, resource.key), async () => {
        if (observed) {
          // Found by observe: its release is scheduled again if it was deployed for this spec.
          const paths = localServicePaths(dataDir, resource, ctx.tenant);
          await assertOurs(ctx, resource, paths);
          const current = await readDeploy(paths.deployFile);
          if (current && current.specHash === specHash(resource.spec)) return start(ctx, resource);
        }
        // Create and update are the same: a new release, scheduled in place of the old one.
        return deploy(ctx, resource);
      });
    },

    async setRunning(ctx, resource, running) {
      checkKind(resource);
      return withLock(jobId(ctx.tenant.id, resource.key), () =>
        running ? start(ctx, resource) : stop(ctx, resource),
      );
    },

    async delete(ctx, resource) {
      checkKind(resource);
      const id = jobId(ctx.tenant.id, resource.key);
      return withLock(id, async () => {
        const paths = localServicePaths(dataDir, resource, ctx.tenant);
        ctx.throwIfAborted();
        // The schedule and its run are this process's own, whatever the directory is.
        await unscheduleIn(ctx, id);
        const owner = await dirOwnership(ctx, paths.serviceDir, recorded(ctx, resource));
        if (owner.state === "foreign") {
          logFor(ctx, resource).warn(
            { dir: paths.serviceDir, why: owner.why },
            "local cron: left a directory that is not the tenant's",
          );
          return {
            state: "done",
            providerId: id,
            detail: `left in place, not this tenant's: ${paths.serviceDir} (${owner.why})`,
          };
        }
        await fs.rm(paths.serviceDir, { recursive: true, force: true });
        // The tenant's directory, when this was its last resource there.
        await fs.rmdir(paths.tenantDir).catch(() => {});
        if (jobs.has(id)) {
          throw new ProviderError(`cron driver: ${id} is still scheduled after unscheduling it`, {
            retryable: true,
          });
        }
        if (await exists(paths.serviceDir)) {
          throw new ProviderError(`cron driver: ${paths.serviceDir} still exists after removing it`, {
            retryable: true,
          });
        }
        logFor(ctx, resource).info("local cron: unscheduled and removed");
        return { state: "done", providerId: id };
      });
    },

    async runNow(tenantId, key) {
      const job = jobs.get(jobId(tenantId, key));
      if (!job) throw new Error(`cron driver: ${jobId(tenantId, key)} is not scheduled`);
      await trigger(job);
    },

    startRun(tenantId, key) {
      const job = jobs.get(jobId(tenantId, key));
      if (!job || job.stopped) {
        throw new ProviderError(`cron job ${key} is not scheduled in this Tenantry process`, {
          retryable: false,
          code: "NOT_SCHEDULED",
        });
      }
      const runs = job.stats.runs;
      if (job.run) return { started: false, runs };
      void trigger(job);
      return { started: true, runs };
    },

    async close(): Promise<void> {
      closed = true;
      // Stop ticking at once, then let verbs under way finish and kill what still runs.
      for (const job of jobs.values()) job.cron?.stop();
      await Promise.allSettled([...locks.values()]);
      await Promise.allSettled([...jobs.keys()].map((id) => unschedule(id, 0)));
    },
  };
}
