import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { openLogForAppend, tailLines } from "./log-files.js";
import {
  hasEnvMarker,
  isGroupAlive,
  isProcessAlive,
  killAndWait,
  markedGroupMembers,
  signalGroup,
  waitUntil,
} from "./process-group.js";

/**
 * A process supervisor for the `local` provider: runs tenants' services as process groups on
 * this machine, restarts them when they die, and survives restarts of Tenantry itself.
 *
 * Lifecycle of one process (by `id`):
 *
 * - `start(spec)` spawns `/bin/sh -c <command>` detached (its own session and process group,
 *   pgid = pid) with exactly the given environment plus PATH/HOME/LANG (unless given) and
 *   two marker variables, stdout+stderr appended straight to `logFile`, and writes
 *   `<stateDir>/<safe id>.pid`.
 * - An exit that nobody asked for is a crash: leftovers of the group are killed and the
 *   process is restarted after an exponential backoff (`baseMs`·2ⁿ, capped at `maxMs`).
 *   When `crashLoop.restarts` restarts fall within `crashLoop.windowMs` the state becomes
 *   `crash-loop` (one `state` event); it keeps retrying every `maxMs`. Once an incarnation
 *   has stayed up `healthyAfterMs`, the restart count resets and a crash-looping process
 *   returns to `running` (healed, one `state` event).
 * - `stop(id)` sends SIGTERM to the whole group, SIGKILL after `stopTimeoutMs`, and returns
 *   only once no live member of the group remains.
 *
 * Adoption: the pid file records pid, pgid and a random instance id; the child's environment
 * carries `TENANTRY_PROCESS_ID=<id>` and `TENANTRY_PROCESS_INSTANCE=<instance>`. A later
 * supervisor on the same `stateDir` (`adoptRunning()`, or `start()` of the same id) keeps a
 * recorded process only if it is alive (not a zombie) and `/proc/<pid>/environ` carries both
 * markers, so a recycled pid is never mistaken for ours nor signalled. Adopted processes are
 * not our children, so their exit is noticed by polling (`pollIntervalMs`); the exit code is
 * then unknown. The spec (with its environment, i.e. secrets) is never written to disk, so
 * an adopted process can only be restarted once `start(spec)` has told this supervisor its
 * spec; one that exits before that becomes `stopped` (the provider's reconcile starts it).
 *
 * One supervisor owns a `stateDir` at a time. Nothing here logs environment values.
 */

/** What to run. */
export interface ProcessSpec {
  /** Stable id, e.g. `"<tenantId>/service:web"`; names the pid file and the env marker. */
  id: string;
  /** Run with `/bin/sh -c`. Should stay in the foreground (a daemon that forks and calls setsid escapes the group). */
  command: string;
  cwd: string;
  /**
   * The full environment. Tenantry's own environment is NOT inherited, except PATH, HOME and
   * LANG when not given here. `TENANTRY_PROCESS_ID` and `TENANTRY_PROCESS_INSTANCE` are set by
   * the supervisor and override values given here.
   */
  env: Record<string, string>;
  /** stdout+stderr are appended here; directories are created. */
  logFile: string;
  /** SIGTERM, then SIGKILL after this many ms (default 10 000; the blueprint's maxShutdownDelaySeconds). */
  stopTimeoutMs?: number;
  restart?: RestartPolicy;
  /** Run as this uid and gid, with no supplementary groups (the tenant's OS user); else as Tenantry. */
  runAs?: { uid: number; gid: number };
}

/** Restart timing; every field is optional. */
export interface RestartPolicy {
  /** First backoff delay, doubled per consecutive restart (default 500 ms). */
  baseMs?: number;
  /** Backoff cap, also the retry interval while crash-looping (default 30 000 ms). */
  maxMs?: number;
  /**
   * Crash loop: when a restart would be the `restarts`-th within `windowMs` (default 5 within
   * 60 000 ms), the state becomes `crash-loop` and retries happen every `maxMs`.
   */
  crashLoop?: { restarts: number; windowMs: number };
  /** An incarnation up this long is healthy: restart count resets, crash-loop heals (default 10 000 ms). */
  healthyAfterMs?: number;
}

/**
 * - `starting`: `start()` is spawning it.
 * - `running`: up.
 * - `backoff`: exited unexpectedly, waiting to be restarted.
 * - `crash-loop`: restarting too often; sticky while it is up or backing off, until an
 *   incarnation stays up `healthyAfterMs`.
 * - `stopped`: stopped by `stop()`/`stopAll()`, or an adopted process without a known spec exited.
 */
export type ProcessState = "starting" | "running" | "backoff" | "crash-loop" | "stopped";

export interface ProcessStatus {
  id: string;
  state: ProcessState;
  /** pid (= pgid) of the current incarnation; null while not running. */
  pid: number | null;
  /** Restarts since the last healthy period (or since start). */
  restarts: number;
  /** Of the last exit; null when it was killed by a signal, or unknown (adopted processes). */
  lastExitCode: number | null;
  lastExitSignal: string | null;
  /** When `state` last changed (for an adopted process: when it was started). */
  since: Date;
}

export interface SupervisorOptions {
  /** Holds the pid files; created (mode 0700) when needed. */
  stateDir: string;
  logger?: Logger;
  /** How often adopted processes (not our children) are checked for liveness (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long to wait for a group to vanish after SIGKILL before `stop` fails (default 5000 ms). */
  killGraceMs?: number;
}

/** Contents of `<stateDir>/<safe id>.pid`. Never contains the environment. */
interface PidFile {
  version: 1;
  id: string;
  pid: number;
  pgid: number;
  startedAt: string;
  command: string;
  instance: string;
  logFile: string;
  stopTimeoutMs: number;
}

export const PROCESS_ID_VAR = "TENANTRY_PROCESS_ID";
export const PROCESS_INSTANCE_VAR = "TENANTRY_PROCESS_INSTANCE";

const INHERITED_VARS = ["PATH", "HOME", "LANG"] as const;

const DEFAULTS = {
  stopTimeoutMs: 10_000,
  baseMs: 500,
  maxMs: 30_000,
  crashLoop: { restarts: 5, windowMs: 60_000 },
  healthyAfterMs: 10_000,
  pollIntervalMs: 1_000,
  killGraceMs: 5_000,
};

interface Entry {
  id: string;
  /** Unknown for a process adopted from a pid file until `start(spec)` names it. */
  spec: ProcessSpec | undefined;
  logFile: string;
  stopTimeoutMs: number;
  state: ProcessState;
  since: Date;
  pid: number | null;
  /** Marker of the current incarnation (also in the pid file). */
  instance: string;
  command: string;
  /** Set when the current incarnation is our child; undefined when adopted. */
  child: ChildProcess | undefined;
  /** Bumped per incarnation; callbacks of older ones are ignored. */
  generation: number;
  /** An explicit stop is under way or done: no restarts. */
  stopping: boolean;
  restarts: number;
  backoffStep: number;
  restartTimes: number[];
  crashLoop: boolean;
  lastExitCode: number | null;
  lastExitSignal: string | null;
  backoffTimer: NodeJS.Timeout | undefined;
  healthyTimer: NodeJS.Timeout | undefined;
  pollTimer: NodeJS.Timeout | undefined;
  /** Cleanup of the last dead incarnation (never rejects). */
  cleanup: Promise<void>;
}

/** Turns an id into a file name: `[A-Za-z0-9._-]` kept, the rest %XX-encoded; long ids get a hash. */
export function safeId(id: string): string {
  let out = "";
  for (const byte of Buffer.from(id, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (out.length > 180) {
    out = `${out.slice(0, 100)}~${createHash("sha256").update(id).digest("hex").slice(0, 32)}`;
  }
  return out;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Supervisor {
  private readonly stateDir: string;
  private readonly logger: Logger | undefined;
  private readonly pollIntervalMs: number;
  private readonly killGraceMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly events = new EventEmitter();
  private detached = false;

  constructor(options: SupervisorOptions) {
    this.stateDir = options.stateDir;
    this.logger = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.killGraceMs = options.killGraceMs ?? DEFAULTS.killGraceMs;
  }

  /** Listens to state changes (one event per change of `state`, e.g. running → crash-loop → running). */
  on(event: "state", listener: (status: ProcessStatus) => void): void {
    this.events.on(event, listener);
  }

  off(event: "state", listener: (status: ProcessStatus) => void): void {
    this.events.off(event, listener);
  }

  status(id: string): ProcessStatus | undefined {
    const entry = this.entries.get(id);
    return entry ? snapshot(entry) : undefined;
  }

  /** Every process this supervisor knows, including stopped ones. */
  list(): ProcessStatus[] {
    return [...this.entries.values()].map(snapshot);
  }

  /**
   * Starts `spec.id`, or keeps it: when it is already supervised (running, backing off,
   * crash-looping) or a live, marked process from an earlier run is recorded in its pid file,
   * that process is kept — it is not restarted even if the spec changed (use stop + start to
   * apply a new spec) — and `spec` is remembered for later restarts. Resolves once the
   * process has been spawned; rejects when it cannot be (e.g. `cwd` does not exist).
   */
  start(spec: ProcessSpec): Promise<ProcessStatus> {
    this.assertUsable();
    validateSpec(spec);
    return this.withLock(spec.id, async () => {
      const existing = this.entries.get(spec.id);
      if (existing && existing.state !== "stopped") {
        if (existing.command !== spec.command) {
          this.logger?.warn(
            { processId: spec.id, pid: existing.pid },
            "supervisor: keeping the running process although its command changed (stop and start to apply)",
          );
        }
        existing.spec = spec;
        existing.stopTimeoutMs = spec.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs;
        return snapshot(existing);
      }
      const adopted = await this.adoptFromPidFile(spec.id, spec);
      if (adopted) return snapshot(adopted);

      const entry = existing ?? this.newEntry(spec.id, spec);
      entry.spec = spec;
      entry.logFile = spec.logFile;
      entry.stopTimeoutMs = spec.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs;
      entry.stopping = false;
      entry.restarts = 0;
      entry.backoffStep = 0;
      entry.restartTimes = [];
      entry.crashLoop = false;
      this.entries.set(spec.id, entry);
      this.setState(entry, "starting");
      let live: boolean;
      try {
        live = await this.spawnIncarnation(entry, spec);
      } catch (err) {
        entry.stopping = true;
        this.setState(entry, "stopped");
        throw err;
      }
      if (live) this.setState(entry, "running");
      return snapshot(entry);
    });
  }

  /**
   * Stops `id`: no more restarts; SIGTERM to its process group, SIGKILL after the spec's
   * `stopTimeoutMs`; resolves once no live member of the group is left (rejects if one
   * survives SIGKILL for `killGraceMs`). Removes the pid file. Idempotent; an unknown id whose
   * pid file names a live, marked process of an earlier run stops that one.
   */
  stop(id: string): Promise<void> {
    this.assertUsable();
    return this.withLock(id, async () => {
      const entry = this.entries.get(id) ?? (await this.adoptFromPidFile(id, undefined));
      if (!entry) {
        await this.removePidFile(id); // stale or unreadable: nothing of ours runs
        return;
      }
      await this.stopEntry(entry);
    });
  }

  /** Stops everything: the known processes and any live, marked ones recorded in `stateDir`. */
  async stopAll(): Promise<void> {
    this.assertUsable();
    const ids = new Set(this.entries.keys());
    for (const record of await this.readPidFiles()) if (record.data) ids.add(record.data.id);
    const results = await Promise.allSettled([...ids].map((id) => this.stop(id)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0) {
      throw new AggregateError(
        failed.map((f) => f.reason),
        `supervisor: ${failed.length} process(es) could not be stopped`,
      );
    }
  }

  /**
   * After a Tenantry restart: reads every pid file in `stateDir` and keeps (without
   * restarting) each process that is alive and carries its markers; deletes the other pid
   * files, killing live marked leftovers of a group whose leader is gone. Kept processes are
   * watched by polling; give them their spec with `start(spec)` so they are restarted when
   * they die. Returns the kept processes.
   */
  async adoptRunning(): Promise<ProcessStatus[]> {
    this.assertUsable();
    const kept: ProcessStatus[] = [];
    for (const record of await this.readPidFiles()) {
      const id = record.data?.id;
      if (id === undefined) {
        this.logger?.warn({ file: record.file }, "supervisor: removing unreadable pid file");
        await rm(record.file, { force: true });
        continue;
      }
      await this.withLock(id, async () => {
        const known = this.entries.get(id);
        if (known && known.state !== "stopped") {
          kept.push(snapshot(known));
          return;
        }
        const entry = await this.adoptFromPidFile(id, undefined);
        if (entry) kept.push(snapshot(entry));
      });
    }
    return kept;
  }

  /** The last `lines` lines of the process's log file (read from the end). */
  async tailLog(id: string, lines: number): Promise<string[]> {
    const entry = this.entries.get(id);
    let file = entry?.logFile;
    if (file === undefined) file = (await this.readPidFile(id))?.logFile;
    if (file === undefined) throw new Error(`supervisor: unknown process ${id}`);
    return tailLines(file, lines);
  }

  /**
   * Drops this supervisor's timers, child handles and listeners WITHOUT stopping the
   * processes or touching pid files — what a Tenantry exit leaves behind, so a new supervisor
   * can adopt them. The instance is unusable afterwards. (Child handles stay open only so
   * that Node still reaps them; they no longer keep the event loop alive.)
   */
  detach(): void {
    this.detached = true;
    for (const entry of this.entries.values()) {
      this.clearTimers(entry);
      entry.child?.removeAllListeners();
      entry.child?.on("error", () => {});
      entry.child?.unref();
    }
    this.entries.clear();
    this.events.removeAllListeners();
  }

  // ---------------------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.detached) throw new Error("supervisor: detached");
  }

  /** Serialises start/stop/restart of one id. */
  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  private newEntry(id: string, spec: ProcessSpec | undefined): Entry {
    return {
      id,
      spec,
      logFile: spec?.logFile ?? "",
      stopTimeoutMs: spec?.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
      state: "stopped",
      since: new Date(),
      pid: null,
      instance: "",
      command: spec?.command ?? "",
      child: undefined,
      generation: 0,
      stopping: false,
      restarts: 0,
      backoffStep: 0,
      restartTimes: [],
      crashLoop: false,
      lastExitCode: null,
      lastExitSignal: null,
      backoffTimer: undefined,
      healthyTimer: undefined,
      pollTimer: undefined,
      cleanup: Promise.resolve(),
    };
  }

  private setState(entry: Entry, state: ProcessState): void {
    if (entry.state === state) return;
    entry.state = state;
    entry.since = new Date();
    if (this.detached) return;
    try {
      this.events.emit("state", snapshot(entry));
    } catch (err) {
      this.logger?.error({ processId: entry.id, err: errMessage(err) }, "supervisor: state listener threw");
    }
  }

  private clearTimers(entry: Entry): void {
    clearTimeout(entry.backoffTimer);
    clearTimeout(entry.healthyTimer);
    clearInterval(entry.pollTimer);
    entry.backoffTimer = undefined;
    entry.healthyTimer = undefined;
    entry.pollTimer = undefined;
  }

  private policy(entry: Entry): Required<RestartPolicy> {
    const r = entry.spec?.restart ?? {};
    return {
      baseMs: r.baseMs ?? DEFAULTS.baseMs,
      maxMs: r.maxMs ?? DEFAULTS.maxMs,
      crashLoop: r.crashLoop ?? DEFAULTS.crashLoop,
      healthyAfterMs: r.healthyAfterMs ?? DEFAULTS.healthyAfterMs,
    };
  }

  /**
   * Spawns one incarnation of `spec`, records it (pid file) and watches it. Resolves to
   * whether it is still the live incarnation (a very short-lived one may already have exited
   * and been handled by `onExit`).
   */
  private async spawnIncarnation(entry: Entry, spec: ProcessSpec): Promise<boolean> {
    const instance = randomUUID();
    const env: Record<string, string> = {};
    for (const name of INHERITED_VARS) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, spec.env, { [PROCESS_ID_VAR]: spec.id, [PROCESS_INSTANCE_VAR]: instance });

    const log = await openLogForAppend(spec.logFile);
    let child: ChildProcess;
    try {
      child = spawn("/bin/sh", ["-c", spec.command], {
        cwd: spec.cwd,
        env,
        detached: true, // setsid(): own session and process group, pgid = pid
        stdio: ["ignore", log.fd, log.fd],
        // libuv drops supplementary groups (setgroups) before setgid/setuid.
        ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
      });
    } catch (err) {
      await log.close();
      throw new Error(`supervisor: cannot start ${spec.id}: ${errMessage(err)}`);
    }
    // Listeners go on synchronously: 'spawn'/'error' come on the next tick, 'exit' may follow soon.
    const spawned = new Promise<void>((resolve, reject) => {
      const onSpawn = () => {
        child.off("error", onError);
        resolve();
      };
      const onError = (err: Error) => {
        child.off("spawn", onSpawn);
        reject(new Error(`supervisor: cannot start ${spec.id} (cwd ${spec.cwd}): ${err.message}`));
      };
      child.once("spawn", onSpawn);
      child.once("error", onError);
    });
    spawned.catch(() => {}); // handled below, after the descriptor is closed
    const generation = ++entry.generation;
    const pid = child.pid;
    if (pid !== undefined) {
      entry.child = child;
      entry.pid = pid;
      entry.instance = instance;
      entry.command = spec.command;
      entry.logFile = spec.logFile;
      child.once("exit", (code, signal) => this.onExit(entry, generation, code, signal));
    }
    // The child holds its own copies of the descriptor.
    await log.close();
    await spawned;
    if (pid === undefined) throw new Error(`supervisor: cannot start ${spec.id}: no pid`);
    child.unref(); // never keeps Tenantry alive; the children outlive it anyway
    child.on("error", (err) =>
      this.logger?.warn({ processId: spec.id, pid, err: err.message }, "supervisor: child process error"),
    );

    try {
      await this.writePidFile({
        version: 1,
        id: spec.id,
        pid,
        pgid: pid,
        startedAt: new Date().toISOString(),
        command: spec.command,
        instance,
        logFile: spec.logFile,
        stopTimeoutMs: entry.stopTimeoutMs,
      });
    } catch (err) {
      this.logger?.error(
        { processId: spec.id, pid, err: errMessage(err) },
        "supervisor: cannot write pid file",
      );
    }
    if (entry.generation !== generation || entry.pid !== pid) {
      // It died while the pid file was being written (its exit cleanup may have run first).
      const record = await this.readPidFile(spec.id);
      if (record?.instance === instance) await this.removePidFile(spec.id);
      return false;
    }
    this.armHealthyTimer(entry, generation);
    this.logger?.info({ processId: spec.id, pid, restarts: entry.restarts }, "supervisor: process started");
    return true;
  }

  private armHealthyTimer(entry: Entry, generation: number): void {
    clearTimeout(entry.healthyTimer);
    entry.healthyTimer = setTimeout(() => {
      entry.healthyTimer = undefined;
      if (this.detached || entry.stopping || entry.generation !== generation || entry.pid === null) return;
      entry.restarts = 0;
      entry.backoffStep = 0;
      entry.restartTimes = [];
      if (entry.crashLoop) {
        entry.crashLoop = false;
        this.logger?.info({ processId: entry.id, pid: entry.pid }, "supervisor: process healthy again");
        this.setState(entry, "running");
      }
    }, this.policy(entry).healthyAfterMs);
    entry.healthyTimer.unref();
  }

  /** The current incarnation ended (our child's exit event, or an adopted pid found dead). */
  private onExit(entry: Entry, generation: number, code: number | null, signal: string | null): void {
    if (this.detached || entry.generation !== generation) return;
    const pid = entry.pid;
    entry.pid = null;
    entry.child = undefined;
    entry.lastExitCode = code;
    entry.lastExitSignal = signal;
    clearTimeout(entry.healthyTimer);
    clearInterval(entry.pollTimer);
    entry.healthyTimer = undefined;
    entry.pollTimer = undefined;
    if (entry.stopping) return; // stopEntry finishes the job

    this.logger?.warn({ processId: entry.id, pid, code, signal }, "supervisor: process exited unexpectedly");
    entry.cleanup = this.cleanupAfterExit(entry, pid);

    if (!entry.spec) {
      // Adopted and never given a spec: nothing to restart it with.
      entry.stopping = true;
      this.setState(entry, "stopped");
      return;
    }
    this.scheduleRestart(entry);
  }

  /** Kills what is left of a dead incarnation's group (orphans would hold ports) and drops its pid file. */
  private async cleanupAfterExit(entry: Entry, pid: number | null): Promise<void> {
    const instance = entry.instance;
    try {
      if (pid !== null) {
        const marker = { [PROCESS_ID_VAR]: entry.id, [PROCESS_INSTANCE_VAR]: instance };
        const leftovers = await markedGroupMembers(pid, marker);
        if (leftovers.length > 0) {
          this.logger?.warn(
            { processId: entry.id, pid, leftovers: leftovers.length },
            "supervisor: killing what is left of the process group",
          );
          await killAndWait(leftovers, this.killGraceMs);
        }
      }
      const record = await this.readPidFile(entry.id);
      if (record && record.instance === instance) await this.removePidFile(entry.id);
    } catch (err) {
      this.logger?.warn(
        { processId: entry.id, err: errMessage(err) },
        "supervisor: cleanup after exit failed",
      );
    }
  }

  private scheduleRestart(entry: Entry): void {
    const policy = this.policy(entry);
    const now = Date.now();
    entry.restartTimes = entry.restartTimes.filter((t) => now - t < policy.crashLoop.windowMs);
    entry.restartTimes.push(now);
    if (!entry.crashLoop && entry.restartTimes.length >= policy.crashLoop.restarts) {
      entry.crashLoop = true;
      this.logger?.error(
        { processId: entry.id, restarts: entry.restartTimes.length, windowMs: policy.crashLoop.windowMs },
        "supervisor: process is crash-looping",
      );
    }
    const delay = entry.crashLoop
      ? policy.maxMs
      : Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(entry.backoffStep, 30));
    entry.backoffStep++;
    this.setState(entry, entry.crashLoop ? "crash-loop" : "backoff");
    const generation = entry.generation;
    clearTimeout(entry.backoffTimer);
    entry.backoffTimer = setTimeout(() => {
      entry.backoffTimer = undefined;
      void this.withLock(entry.id, () => this.restart(entry, generation));
    }, delay);
    entry.backoffTimer.unref();
  }

  private async restart(entry: Entry, generation: number): Promise<void> {
    if (this.detached || entry.stopping || entry.generation !== generation || entry.pid !== null) return;
    const spec = entry.spec;
    if (!spec) return;
    await entry.cleanup; // the previous incarnation's leftovers are gone (they could hold its ports)
    if (this.detached || entry.stopping || entry.generation !== generation) return;
    let live: boolean;
    try {
      live = await this.spawnIncarnation(entry, spec);
    } catch (err) {
      this.logger?.error({ processId: entry.id, err: errMessage(err) }, "supervisor: restart failed");
      entry.lastExitCode = null;
      entry.lastExitSignal = null;
      this.scheduleRestart(entry);
      return;
    }
    entry.restarts++;
    if (live) this.setState(entry, entry.crashLoop ? "crash-loop" : "running");
  }

  private async stopEntry(entry: Entry): Promise<void> {
    entry.stopping = true;
    clearTimeout(entry.backoffTimer);
    clearTimeout(entry.healthyTimer);
    entry.backoffTimer = undefined;
    entry.healthyTimer = undefined;
    const pgid = entry.pid;
    const child = entry.child;
    if (pgid !== null) {
      const exited = child ? childExited(child) : Promise.resolve();
      // Our own child's group cannot be a recycled pgid while it is unreaped; an adopted one
      // is signalled only while a member still carries the markers.
      const marker = { [PROCESS_ID_VAR]: entry.id, [PROCESS_INSTANCE_VAR]: entry.instance };
      const ours = child !== undefined || (await markedGroupMembers(pgid, marker)).length > 0;
      if (ours && (await isGroupAlive(pgid))) {
        this.logger?.info({ processId: entry.id, pid: pgid }, "supervisor: stopping (SIGTERM)");
        signalGroup(pgid, "SIGTERM");
        const gone = await waitUntil(async () => !(await isGroupAlive(pgid)), entry.stopTimeoutMs);
        if (!gone) {
          this.logger?.warn(
            { processId: entry.id, pid: pgid, stopTimeoutMs: entry.stopTimeoutMs },
            "supervisor: stop timeout, sending SIGKILL",
          );
          signalGroup(pgid, "SIGKILL");
          const killed = await waitUntil(async () => !(await isGroupAlive(pgid)), this.killGraceMs);
          if (!killed) {
            throw new Error(`supervisor: process group ${pgid} of ${entry.id} survived SIGKILL`);
          }
        }
      }
      // Let Node reap our child so the exit code is known (bounded: it is gone already).
      await Promise.race([exited, delay(1_000)]);
      clearInterval(entry.pollTimer);
      entry.pollTimer = undefined;
      if (entry.pid === pgid) {
        // Adopted (no exit event) or exit not seen yet.
        entry.generation++;
        entry.pid = null;
        entry.child = undefined;
      }
    }
    await entry.cleanup; // leftovers of an incarnation that crashed before the stop
    await this.removePidFile(entry.id);
    this.logger?.info(
      { processId: entry.id, code: entry.lastExitCode, signal: entry.lastExitSignal },
      "supervisor: stopped",
    );
    this.setState(entry, "stopped");
  }

  /**
   * Looks at `<stateDir>/<id>.pid`: a live process carrying the recorded markers becomes an
   * adopted entry (polled); anything else is stale — its pid file is removed and live marked
   * leftovers of its group are killed. Callers hold the id's lock.
   */
  private async adoptFromPidFile(id: string, spec: ProcessSpec | undefined): Promise<Entry | undefined> {
    const record = await this.readPidFile(id);
    if (!record) return undefined;
    const marker = { [PROCESS_ID_VAR]: record.id, [PROCESS_INSTANCE_VAR]: record.instance };
    const alive = (await isProcessAlive(record.pid)) && (await hasEnvMarker(record.pid, marker));
    if (!alive) {
      const leftovers = await markedGroupMembers(record.pgid, marker);
      if (leftovers.length > 0 && !(await killAndWait(leftovers, this.killGraceMs))) {
        this.logger?.error(
          { processId: id, pgid: record.pgid, leftovers: leftovers.length },
          "supervisor: leftovers of a stale process group survived SIGKILL",
        );
      }
      this.logger?.info(
        { processId: id, pid: record.pid, leftoversKilled: leftovers.length },
        "supervisor: removing stale pid file",
      );
      await this.removePidFile(id);
      return undefined;
    }

    const entry = this.entries.get(id) ?? this.newEntry(id, spec);
    entry.spec = spec;
    entry.logFile = spec?.logFile ?? record.logFile;
    entry.stopTimeoutMs = spec?.stopTimeoutMs ?? record.stopTimeoutMs;
    entry.pid = record.pid;
    entry.instance = record.instance;
    entry.command = record.command;
    entry.child = undefined;
    entry.stopping = false;
    entry.restarts = 0;
    entry.backoffStep = 0;
    entry.restartTimes = [];
    entry.crashLoop = false;
    const generation = ++entry.generation;
    this.entries.set(id, entry);
    this.setState(entry, "running");
    const startedAt = new Date(record.startedAt);
    if (!Number.isNaN(startedAt.getTime())) entry.since = startedAt;
    if (spec && spec.command !== record.command) {
      this.logger?.warn(
        { processId: id, pid: record.pid },
        "supervisor: keeping the adopted process although its command changed (stop and start to apply)",
      );
    }

    let polling = false;
    entry.pollTimer = setInterval(() => {
      if (polling) return;
      polling = true;
      void isProcessAlive(record.pid)
        .then((up) => {
          if (!up) this.onExit(entry, generation, null, null);
        })
        .catch(() => {})
        .finally(() => {
          polling = false;
        });
    }, this.pollIntervalMs);
    entry.pollTimer.unref();
    this.logger?.info({ processId: id, pid: record.pid }, "supervisor: adopted running process");
    return entry;
  }

  private pidFilePath(id: string): string {
    return path.join(this.stateDir, `${safeId(id)}.pid`);
  }

  private async writePidFile(data: PidFile): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const file = this.pidFilePath(data.id);
    const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }

  private async removePidFile(id: string): Promise<void> {
    await rm(this.pidFilePath(id), { force: true });
  }

  private async readPidFile(id: string): Promise<PidFile | undefined> {
    const data = await readPidFileAt(this.pidFilePath(id));
    return data && data.id === id ? data : undefined;
  }

  private async readPidFiles(): Promise<{ file: string; data: PidFile | undefined }[]> {
    let names: string[];
    try {
      names = await readdir(this.stateDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: { file: string; data: PidFile | undefined }[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith(".pid")) continue;
      const file = path.join(this.stateDir, name);
      const data = await readPidFileAt(file);
      // A file whose name does not match its id is not one we wrote.
      out.push({ file, data: data && `${safeId(data.id)}.pid` === name ? data : undefined });
    }
    return out;
  }
}

async function readPidFileAt(file: string): Promise<PidFile | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(raw) as Partial<PidFile>;
    if (
      typeof v.id === "string" &&
      Number.isInteger(v.pid) &&
      Number.isInteger(v.pgid) &&
      typeof v.instance === "string" &&
      v.instance.length > 0 &&
      typeof v.startedAt === "string" &&
      typeof v.command === "string" &&
      typeof v.logFile === "string"
    ) {
      return {
        version: 1,
        id: v.id,
        pid: v.pid as number,
        pgid: v.pgid as number,
        startedAt: v.startedAt,
        command: v.command,
        instance: v.instance,
        logFile: v.logFile,
        stopTimeoutMs:
          typeof v.stopTimeoutMs === "number" && v.stopTimeoutMs >= 0
            ? v.stopTimeoutMs
            : DEFAULTS.stopTimeoutMs,
      };
    }
  } catch {
    // fall through: unreadable
  }
  return undefined;
}

function snapshot(entry: Entry): ProcessStatus {
  return {
    id: entry.id,
    state: entry.state,
    pid: entry.pid,
    restarts: entry.restarts,
    lastExitCode: entry.lastExitCode,
    lastExitSignal: entry.lastExitSignal,
    since: new Date(entry.since.getTime()),
  };
}

function validateSpec(spec: ProcessSpec): void {
  if (!spec.id) throw new Error("supervisor: spec.id is required");
  if (!spec.command) throw new Error(`supervisor: ${spec.id}: command is required`);
  if (!path.isAbsolute(spec.logFile)) throw new Error(`supervisor: ${spec.id}: logFile must be absolute`);
  for (const [key, value] of Object.entries(spec.env)) {
    if (
      !key ||
      key.includes("=") ||
      key.includes("\0") ||
      typeof value !== "string" ||
      value.includes("\0")
    ) {
      // The key is named, never the value.
      throw new Error(`supervisor: ${spec.id}: invalid environment variable ${JSON.stringify(key)}`);
    }
  }
  const t = spec.stopTimeoutMs;
  if (t !== undefined && !(Number.isFinite(t) && t >= 0)) {
    throw new Error(`supervisor: ${spec.id}: stopTimeoutMs must be a non-negative number`);
  }
}

function childExited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
