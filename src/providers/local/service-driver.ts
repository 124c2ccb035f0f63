import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { ServiceKind } from "../../domain/resources.js";
import { AbortedError } from "../../engine/aborted.js";
import { deadlineSignal } from "../../lib/deadline-signal.js";
import { isPortFree } from "../../store/free-port.js";
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
import { tailLines } from "./log-files.js";
import { claimDir, dirOwnership } from "./owner-files.js";
import { isGroupAlive } from "./process-group.js";
import {
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
import type { ProcessSpec, Supervisor } from "./supervisor.js";
import { type RunAs, runAsEnv, type TenantUsers } from "./tenant-users.js";
import { bounded, sleep } from "./waits.js";

/**
 * The local target's driver for kinds `web`, `pserv` and `worker`: a tenant's service runs as
 * a supervised process group on this machine.
 *
 * Layout (deterministic, see {@link localServicePaths}):
 * `<dataDir>/tenants/<slug>-<hash>/<service>/` holds `release-<n>/` (a copy of the source),
 * `build.log` (every build, appended), `runtime.log` (the process's output) and `deploy.json`
 * (the current release, its slot, port and whether it is suspended; never secrets).
 *
 * A deploy (`apply`; of a service found by `observe`, only when the spec changed) copies
 * `spec.repo` into a new release directory, runs `buildCommand` there once, starts `startCommand` under the
 * supervisor on a free port and, for `web`, waits until `GET <healthCheckPath>` answers 2xx.
 * It is blue/green: the new process runs in the other of two supervisor slots
 * (`<tenantId>/<key>` and `<tenantId>/<key>#b`) and the old one is stopped only once the new one
 * is healthy, so a failed update leaves the old release serving. The provider id is always
 * `<tenantId>/<key>` (the first slot's id); `deploy.json` names the slot that is live.
 *
 * `observe`: a `deploy.json` means the service exists → `ready` (or `suspended`), even when its
 * process is not running (e.g. after a Tenantry restart before the supervisor adopted it):
 * reporting `absent` would make the engine deploy a duplicate. `setRunning(true)` (resume,
 * heal) and `apply` start the process again; the detail says so. No `deploy.json` (nothing, or
 * a first deploy that never finished) → `absent`, and the create clears the leftovers.
 *
 * Ownership: the service directory holds the tenant's marker file (`owner-files.ts`); one that
 * is not the tenant's is `NAME_TAKEN` and never deployed to, and `delete` leaves it. The
 * processes are the supervisor's by record: only ids `<tenantId>/<key>` it started (and whose
 * environment carries its markers) are ever signalled.
 */
export interface ServiceDriverOptions {
  /** Tenantry's data directory; services live under `<dataDir>/tenants/`. */
  dataDir: string;
  supervisor: Supervisor;
  /** The proxy's domain: a web service is `http://<externalName>.<baseDomain>:<publicPort>`. */
  baseDomain: string;
  publicPort: number;
  /** Ports handed to services (inclusive; default 20000-29999). */
  portRange?: [number, number];
  logger?: Logger;
  /** Relative `repo` paths are resolved against this (default `process.cwd()`). */
  repoBase?: string;
  /** How long a web service has to answer its health check (default 60 000 ms). */
  healthTimeoutMs?: number;
  /** Interval between health checks (default 250 ms). */
  healthIntervalMs?: number;
  /** How long a build may take (default 15 minutes). */
  buildTimeoutMs?: number;
  /** The tenants' OS users (isolation when Tenantry runs as root); absent: processes run as Tenantry. */
  users?: TenantUsers;
  /**
   * How long the old process keeps serving after an update's new one is healthy, so the
   * proxy can switch routes without failed requests. @default 5000
   */
  retireDelayMs?: number;
}

/** The kinds this driver runs as processes (a `web` static site is the static site driver's). */
export type ProcessKind = "web" | "pserv" | "worker";
type ServiceResource = RecordedResource<ProcessKind>;

export type ServiceDriver = ResourceDriver<ProcessKind> & {
  setRunning(ctx: ProviderContext, resource: ServiceResource, running: boolean): Promise<ActionResult>;
  close(): Promise<void>;
};

export interface ServicePaths {
  /** `<dataDir>/tenants/<slug>-<hash>` */
  tenantDir: string;
  /** `<tenantDir>/<service>` */
  serviceDir: string;
  buildLog: string;
  runtimeLog: string;
  deployFile: string;
  /** The service's name (`service:<name>` → `<name>`). */
  name: string;
}

/** What `deploy.json` records. */
interface DeployRecord {
  version: 1;
  release: number;
  slot: "a" | "b";
  processId: string;
  port: number;
  suspended: boolean;
  /** sha256 of the spec (bindings, not their values): `apply` of a found service redeploys when it changed. */
  specHash: string;
  deployedAt: string;
}

const SERVICE_KINDS = new Set(["web", "pserv", "worker"]);
const DEFAULT_PORT_RANGE: [number, number] = [20_000, 29_999];
const DEFAULT_STOP_SECONDS = 30;
const MAX_STOP_SECONDS = 300;
const TAIL_LINES = 20;
/** Added to a deploy's build and health timeouts for copying the source and stopping the old process. */
const ACTION_MARGIN_MS = 2 * 60_000;

function fsPart(s: string, max: number): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "-")
      .slice(0, max)
      .replace(/^-+|-+$/g, "") || "_"
  );
}

function serviceName(resource: { key: string }): string {
  const colon = resource.key.indexOf(":");
  const fromKey = colon >= 0 ? resource.key.slice(colon + 1) : resource.key;
  if (fromKey === "") {
    throw new ProviderError(`service resource ${resource.key} has no name`, { retryable: false });
  }
  return fromKey;
}

/**
 * The directories and files of one service of one tenant. The tenant directory carries the
 * first 8 hex digits of sha256(tenant id): slugs are unique only within an organization.
 * The service directory carries a hash of the name too when sanitising changed it.
 */
export function localServicePaths(
  dataDir: string,
  resource: { key: string },
  tenant: { id: string; slug: string },
): ServicePaths {
  const tenantDir = localTenantDir(dataDir, tenant);
  const name = serviceName(resource);
  let dirName = fsPart(name, 60);
  if (dirName !== name) {
    dirName = `${dirName}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
  }
  const serviceDir = path.join(tenantDir, dirName);
  return {
    tenantDir,
    serviceDir,
    buildLog: path.join(serviceDir, "build.log"),
    runtimeLog: path.join(serviceDir, "runtime.log"),
    deployFile: path.join(serviceDir, "deploy.json"),
    name,
  };
}

/** `<dataDir>/tenants/<slug>-<first 8 hex digits of sha256(tenant id)>`: one tenant's files. */
export function localTenantDir(dataDir: string, tenant: { id: string; slug: string }): string {
  const tenantHash = createHash("sha256").update(tenant.id).digest("hex").slice(0, 8);
  return path.join(path.resolve(dataDir), "tenants", `${fsPart(tenant.slug, 63)}-${tenantHash}`);
}

/** The two supervisor ids of a service (blue/green slots); the first is the provider id. */
export function serviceProcessIds(tenantId: string, resource: { key: string }): { a: string; b: string } {
  const a = `${tenantId}/${resource.key}`;
  return { a, b: `${a}#b` };
}

function stopTimeoutMs(resource: ServiceResource): number {
  const raw = resource.spec.maxShutdownDelaySeconds;
  const seconds = typeof raw === "number" && Number.isFinite(raw) && raw > 0 ? raw : DEFAULT_STOP_SECONDS;
  return Math.round(Math.min(Math.max(seconds, 1), MAX_STOP_SECONDS) * 1000);
}

async function readDeploy(file: string): Promise<DeployRecord | undefined> {
  const raw = await readIfExists(file);
  if (raw === undefined) return undefined;
  try {
    const data = JSON.parse(raw) as Partial<DeployRecord>;
    if (
      data.version === 1 &&
      typeof data.release === "number" &&
      (data.slot === "a" || data.slot === "b") &&
      typeof data.processId === "string" &&
      typeof data.port === "number"
    ) {
      return {
        version: 1,
        release: data.release,
        slot: data.slot,
        processId: data.processId,
        port: data.port,
        suspended: data.suspended === true,
        specHash: typeof data.specHash === "string" ? data.specHash : "",
        deployedAt: typeof data.deployedAt === "string" ? data.deployedAt : "",
      };
    }
  } catch {
    // unreadable: treated as missing
  }
  return undefined;
}

async function writeDeploy(file: string, record: DeployRecord): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * The environment of a service's process (without the tenant user's HOME etc., see
 * `runAsEnv`): `RENDER_SERVICE_NAME`, `RENDER_SERVICE_TYPE`, `RENDER_EXTERNAL_URL` (web), the
 * resolved `envVars`, and `PORT`. The bootstrap hook of a service runs with it too.
 */
export function localServiceEnv(
  ctx: ProviderContext,
  resource: RecordedResource<ServiceKind>,
  port: number,
  site: { baseDomain: string; publicPort: number },
): Record<string, string> {
  const bindings = resource.spec.envVars;
  const env: Record<string, string> = {
    RENDER_SERVICE_NAME: resource.externalName,
    RENDER_SERVICE_TYPE: resource.kind,
  };
  if (resource.kind === "web") {
    env["RENDER_EXTERNAL_URL"] = `http://${resource.externalName}.${site.baseDomain}:${site.publicPort}`;
  }
  Object.assign(env, resolveEnv(ctx, bindings));
  env["PORT"] = String(port);
  return env;
}

/** Creates the driver for kinds `web`, `pserv` and `worker` (see {@link ServiceDriverOptions}). */
export function createServiceDriver(options: ServiceDriverOptions): ServiceDriver {
  const dataDir = path.resolve(options.dataDir);
  const supervisor = options.supervisor;
  const repoBase = path.resolve(options.repoBase ?? process.cwd());
  const [portLow, portHigh] = options.portRange ?? DEFAULT_PORT_RANGE;
  const healthTimeoutMs = options.healthTimeoutMs ?? 60_000;
  const healthIntervalMs = options.healthIntervalMs ?? 250;
  const buildTimeoutMs = options.buildTimeoutMs ?? 15 * 60_000;
  const retireDelayMs = options.retireDelayMs ?? 5000;
  /** Old processes waiting to be retired after an update (see `deploy`). */
  const retiring = new Map<NodeJS.Timeout, () => Promise<void>>();
  if (!(Number.isInteger(portLow) && Number.isInteger(portHigh) && portLow > 0 && portHigh >= portLow)) {
    throw new Error(`service driver: invalid port range ${portLow}-${portHigh}`);
  }
  const sourceOptions = {
    label: "service",
    repoBase,
    dataDir,
    remoteHint: "use a path such as ./apps/my-app, or deploy this blueprint to the render target",
  };
  /** Ports handed out by deploys still under way (not yet listening). */
  const reserved = new Set<number>();
  /** Serialises the verbs of one service. */
  const locks = new Map<string, Promise<unknown>>();
  let closed = false;

  function withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return serialized(locks, id, fn);
  }

  function logFor(ctx: ProviderContext, resource: ServiceResource): Logger {
    return resourceLogger(options.logger ?? ctx.logger, "local-service", ctx, resource);
  }

  function checkKind(resource: ServiceResource): void {
    if (!SERVICE_KINDS.has(resource.kind)) {
      throw new ProviderError(
        `service driver: kind ${resource.kind} is not run by this driver (web, pserv and worker are)`,
        { retryable: false },
      );
    }
    if (closed) throw new ProviderError("service driver: closed", { retryable: true });
  }

  async function allocatePort(): Promise<number> {
    const size = portHigh - portLow + 1;
    const start = Math.floor(Math.random() * size);
    const tries = Math.min(size, 200);
    for (let i = 0; i < tries; i++) {
      const port = portLow + ((start + i) % size);
      if (reserved.has(port)) continue;
      if (await isPortFree(port)) {
        reserved.add(port);
        return port;
      }
    }
    throw new ProviderError(
      `service driver: no free port found in ${portLow}-${portHigh} after ${tries} tries`,
      { retryable: true },
    );
  }

  function outputs(resource: ServiceResource, port: number): Record<string, unknown> {
    const out: Record<string, unknown> = {
      host: "127.0.0.1",
      port,
      hostport: `127.0.0.1:${port}`,
    };
    if (resource.kind === "web") {
      out["url"] = `http://${resource.externalName}.${options.baseDomain}:${options.publicPort}`;
    }
    return out;
  }

  function serviceEnv(ctx: ProviderContext, resource: ServiceResource, port: number): Record<string, string> {
    return localServiceEnv(ctx, resource, port, options);
  }

  /**
   * The tenant's OS user (null when tenants are not isolated); the tenant directory and the
   * service's directory become passable by it (never listable or writable).
   */
  async function tenantUser(ctx: ProviderContext, paths: ServicePaths): Promise<RunAs | null> {
    const who = (await options.users?.ensure(ctx)) ?? null;
    await options.users?.share(paths.serviceDir, who);
    return who;
  }

  /** Whether the resource's record names this service (made by Tenantry, maybe before markers). */
  function recorded(ctx: ProviderContext, resource: ServiceResource): boolean {
    return resource.providerId === serviceProcessIds(ctx.tenant.id, resource).a;
  }

  /** Throws `NAME_TAKEN` when the service directory exists and is not the tenant's. */
  async function assertOurs(ctx: ProviderContext, resource: ServiceResource, paths: ServicePaths) {
    const owner = await dirOwnership(ctx, paths.serviceDir, recorded(ctx, resource));
    if (owner.state === "foreign")
      throw nameTaken("service directory", paths.serviceDir, undefined, owner.why);
    return owner;
  }

  /** Polls the web service's health check until 2xx; undefined when healthy, else the reason. */
  async function waitHealthy(
    ctx: ProviderContext,
    resource: ServiceResource,
    processId: string,
    port: number,
  ): Promise<string | undefined> {
    let checkPath = nonBlank(resource.spec.healthCheckPath) ?? "/";
    if (!checkPath.startsWith("/")) checkPath = `/${checkPath}`;
    const url = `http://127.0.0.1:${port}${checkPath}`;
    const deadline = Date.now() + healthTimeoutMs;
    let last = "no answer yet";
    for (;;) {
      ctx.throwIfAborted();
      const status = supervisor.status(processId);
      if (status?.state === "crash-loop" || status?.state === "stopped") {
        return `the process ${status.state === "stopped" ? "stopped" : "keeps exiting"} (last exit code ${status.lastExitCode ?? "unknown"}${status.lastExitSignal ? `, signal ${status.lastExitSignal}` : ""})`;
      }
      const probe = deadlineSignal(ctx.signal, Math.min(2_000, healthTimeoutMs));
      try {
        const res = await fetch(url, { signal: probe.signal, redirect: "manual" });
        await res.body?.cancel().catch(() => {});
        if (res.status >= 200 && res.status < 300) return undefined;
        last = `GET ${checkPath} answered HTTP ${res.status}`;
      } catch (err) {
        ctx.throwIfAborted();
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        last = `GET ${checkPath} failed: ${cause ?? errMessage(err)}`;
      } finally {
        probe.dispose();
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const exit = status && status.state !== "running" ? ` (process ${status.state})` : "";
        return `no 2xx answer on ${url} within ${Math.round(healthTimeoutMs / 100) / 10} s: ${last}${exit}`;
      }
      await sleep(
        ctx,
        Math.min(healthIntervalMs, left),
        `service ${resource.key}: wait for its health check`,
      );
    }
  }

  /**
   * Stops a process id and checks its group is gone. With a context, an abort stops the
   * waiting, not the stop: the supervisor finishes it (its own lock keeps the next verb of
   * the id behind it). Without one (retiring an old release after the call), it just waits.
   */
  async function stopProcess(ctx: ProviderContext | undefined, processId: string): Promise<void> {
    const pid = supervisor.status(processId)?.pid ?? null;
    try {
      const stopping = supervisor.stop(processId);
      await (ctx ? bounded(ctx, `service driver: stop ${processId}`, stopping) : stopping);
    } catch (err) {
      if (err instanceof AbortedError || err instanceof ProviderError) throw err;
      throw new ProviderError(`service driver: could not stop ${processId}: ${errMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    }
    if (pid !== null && (await isGroupAlive(pid))) {
      throw new ProviderError(`service driver: process group ${pid} of ${processId} is still alive`, {
        retryable: true,
      });
    }
  }

  /**
   * Starts the release's process in `slot` on a new port and, for web, waits until healthy.
   * On failure the process is stopped and the error carries the reason and the log tail.
   */
  async function startRelease(
    ctx: ProviderContext,
    resource: ServiceResource,
    paths: ServicePaths,
    cwd: string,
    slot: "a" | "b",
    port: number,
    env: Record<string, string>,
    who: RunAs | null,
  ): Promise<string> {
    const command = nonBlank(resource.spec.startCommand);
    if (command === undefined) {
      throw new ProviderError(`service ${resource.key}: no startCommand; say how to start the service`, {
        retryable: false,
      });
    }
    const processId = serviceProcessIds(ctx.tenant.id, resource)[slot];
    // A leftover of an unfinished deploy in this slot must not be kept in place of the new one.
    await stopProcess(ctx, processId);
    const spec: ProcessSpec = {
      id: processId,
      command,
      cwd,
      env,
      logFile: paths.runtimeLog,
      stopTimeoutMs: stopTimeoutMs(resource),
      ...(who ? { runAs: { uid: who.uid, gid: who.gid } } : {}),
    };
    try {
      await supervisor.start(spec);
    } catch (err) {
      throw new ProviderError(`service ${resource.key}: could not start: ${errMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    }
    if (resource.kind !== "web") return processId;
    let reason: string | undefined;
    try {
      reason = await waitHealthy(ctx, resource, processId, port);
    } catch (err) {
      // Aborted or out of time: stopping must not wait on the context that just ended.
      void supervisor.stop(processId).catch(() => {});
      throw err;
    }
    if (reason === undefined) return processId;
    await stopProcess(ctx, processId).catch(() => {});
    const tail = (await tailLines(paths.runtimeLog, TAIL_LINES)).join("\n");
    throw new ProviderError(
      `service ${resource.key}: the web service did not become healthy: ${reason}. It must listen on $PORT on 127.0.0.1 and answer healthCheckPath with 2xx; runtime log (${paths.runtimeLog}), last lines:\n${tail}`,
      { retryable: false, code: "HEALTH_CHECK_FAILED" },
    );
  }

  /** A new release: copy, build, start in the other slot, wait healthy, then retire the old one. */
  async function deploy(
    ctx: ProviderContext,
    resource: ServiceResource,
    fresh: boolean,
  ): Promise<ActionResult> {
    const log = logFor(ctx, resource);
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const ids = serviceProcessIds(ctx.tenant.id, resource);
    ctx.throwIfAborted();
    // The directory is the tenant's (or made now, with its marker) before anything in it is used.
    await claimDir(ctx, "service directory", paths.serviceDir, recorded(ctx, resource));
    const who = await tenantUser(ctx, paths);
    const current = await readDeploy(paths.deployFile);
    if (fresh && current === undefined) {
      // Leftovers of a first deploy that never finished.
      await stopProcess(ctx, ids.a);
      await stopProcess(ctx, ids.b);
    }
    const release = Math.max(0, current?.release ?? 0, ...(await releaseNumbers(paths.serviceDir))) + 1;
    const releaseDir = path.join(paths.serviceDir, `release-${release}`);
    const slot: "a" | "b" = current === undefined ? "a" : current.slot === "a" ? "b" : "a";
    const port = await allocatePort();
    try {
      await fs.rm(releaseDir, { recursive: true, force: true });
      await copySource(ctx, resource, releaseDir, sourceOptions);
      // The tenant's code writes in its release (and nowhere else of Tenantry's).
      await options.users?.give(releaseDir, who);
      const cwd = await workDir("service", resource, releaseDir);
      const env = { ...serviceEnv(ctx, resource, port), ...runAsEnv(who) };
      ctx.throwIfAborted();
      await build(ctx, resource, {
        label: "service",
        cwd,
        env,
        release,
        buildLog: paths.buildLog,
        timeoutMs: buildTimeoutMs,
        runAs: who,
      });
      ctx.throwIfAborted();
      const processId = await startRelease(ctx, resource, paths, cwd, slot, port, env, who);
      await writeDeploy(paths.deployFile, {
        version: 1,
        release,
        slot,
        processId,
        port,
        suspended: false,
        specHash: specHash(resource.spec),
        deployedAt: new Date().toISOString(),
      });
    } catch (err) {
      await fs.rm(releaseDir, { recursive: true, force: true }).catch(() => {});
      throw err;
    } finally {
      reserved.delete(port);
    }
    // The new release serves. The old process is retired a little later, once the proxy
    // routes to the new port (the engine records it right after this returns, and routes
    // are cached for a second): requests in flight during the switch do not fail.
    const retire = async () => {
      const live = await readDeploy(paths.deployFile);
      if (current !== undefined && live?.slot !== current.slot) {
        // After the call: its context may be over by now.
        await stopProcess(undefined, ids[current.slot === "a" ? "a" : "b"]).catch((err: unknown) =>
          log.warn({ err: errMessage(err) }, "local service: could not retire the old process"),
        );
      }
      for (const n of await releaseNumbers(paths.serviceDir)) {
        if (n !== (live?.release ?? release)) {
          await fs.rm(path.join(paths.serviceDir, `release-${n}`), { recursive: true, force: true });
        }
      }
    };
    if (current === undefined || retireDelayMs === 0) await retire();
    else {
      const timer = setTimeout(() => {
        retiring.delete(timer);
        void retire();
      }, retireDelayMs);
      timer.unref?.();
      retiring.set(timer, retire);
    }
    log.info({ release, port, slot }, "local service: release deployed");
    return { state: "done", providerId: ids.a, outputs: outputs(resource, port) };
  }

  /** Starts the current release again (no copy, no build); deploys when there is none. */
  async function start(ctx: ProviderContext, resource: ServiceResource): Promise<ActionResult> {
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const ids = serviceProcessIds(ctx.tenant.id, resource);
    ctx.throwIfAborted();
    if ((await assertOurs(ctx, resource, paths)).state === "ours") {
      // Made before markers: mark it now.
      await claimDir(ctx, "service directory", paths.serviceDir, recorded(ctx, resource));
    }
    const current = await readDeploy(paths.deployFile);
    const releaseDir = current && path.join(paths.serviceDir, `release-${current.release}`);
    if (!current || !releaseDir || !(await exists(releaseDir))) return deploy(ctx, resource, true);
    const status = supervisor.status(current.processId);
    if (status && status.state !== "stopped" && !current.suspended) {
      return { state: "done", providerId: ids.a, outputs: outputs(resource, current.port) };
    }
    const who = await tenantUser(ctx, paths);
    // A release deployed before tenants had users of their own becomes the tenant's.
    if (who && (await fs.stat(releaseDir)).uid !== who.uid) await options.users?.give(releaseDir, who);
    const cwd = await workDir("service", resource, releaseDir);
    // The recorded port when still free (the proxy's routes keep working), else a new one.
    let port = current.port;
    if (reserved.has(port) || !(await isPortFree(port))) port = await allocatePort();
    else reserved.add(port);
    try {
      const env = { ...serviceEnv(ctx, resource, port), ...runAsEnv(who) };
      await startRelease(ctx, resource, paths, cwd, current.slot, port, env, who);
      await writeDeploy(paths.deployFile, { ...current, port, suspended: false });
    } finally {
      reserved.delete(port);
    }
    logFor(ctx, resource).info({ release: current.release, port }, "local service: started");
    return { state: "done", providerId: ids.a, outputs: outputs(resource, port) };
  }

  /** Stops the service's processes, keeping its release (suspend). */
  async function stop(ctx: ProviderContext, resource: ServiceResource): Promise<ActionResult> {
    const paths = localServicePaths(dataDir, resource, ctx.tenant);
    const ids = serviceProcessIds(ctx.tenant.id, resource);
    ctx.throwIfAborted();
    await assertOurs(ctx, resource, paths);
    const current = await readDeploy(paths.deployFile);
    if (current) await writeDeploy(paths.deployFile, { ...current, suspended: true });
    await stopProcess(ctx, ids.a);
    await stopProcess(ctx, ids.b);
    logFor(ctx, resource).info("local service: suspended");
    return {
      state: "done",
      providerId: ids.a,
      ...(current ? { outputs: outputs(resource, current.port) } : {}),
    };
  }

  return {
    // A deploy copies, builds (up to the build timeout), starts and waits for health: the
    // engine's 5-minute default would cut a long build short.
    limits: { actionTimeoutMs: buildTimeoutMs + healthTimeoutMs + ACTION_MARGIN_MS },

    async observe(ctx, resource): Promise<Observation> {
      checkKind(resource);
      ctx.throwIfAborted();
      const paths = localServicePaths(dataDir, resource, ctx.tenant);
      const providerId = serviceProcessIds(ctx.tenant.id, resource).a;
      if ((await assertOurs(ctx, resource, paths)).state === "absent") return ABSENT;
      const current = await readDeploy(paths.deployFile);
      if (!current) return ABSENT;
      const out = outputs(resource, current.port);
      if (current.suspended) return { providerId, state: "suspended", outputs: out };
      const status = supervisor.status(current.processId);
      if (!status || status.state === "stopped") {
        return {
          providerId,
          state: "ready",
          outputs: out,
          detail: `release-${current.release} is deployed but its process is not running; resume or update starts it`,
        };
      }
      return {
        providerId,
        state: "ready",
        outputs: out,
        detail: status.state === "running" ? undefined : `process is ${status.state}`,
      };
    },

    apply(ctx, resource, observed?: Observed) {
      checkKind(resource);
      return withLock(`${ctx.tenant.id}/${resource.key}`, async () => {
        if (observed) {
          // Found by observe after a create whose outcome is unknown: the release it runs is
          // kept (started when not running) if it was deployed for this spec, else replaced.
          const paths = localServicePaths(dataDir, resource, ctx.tenant);
          await assertOurs(ctx, resource, paths);
          const current = await readDeploy(paths.deployFile);
          if (current && current.specHash === specHash(resource.spec)) return start(ctx, resource);
          return deploy(ctx, resource, true);
        }
        // A create (nothing recorded) first stops what a first deploy that never finished left
        // running; an update deploys next to the recorded release.
        return deploy(ctx, resource, resource.providerId === null);
      });
    },

    setRunning(ctx, resource, running) {
      checkKind(resource);
      return withLock(`${ctx.tenant.id}/${resource.key}`, () =>
        running ? start(ctx, resource) : stop(ctx, resource),
      );
    },

    delete(ctx, resource) {
      checkKind(resource);
      return withLock(`${ctx.tenant.id}/${resource.key}`, async () => {
        const paths = localServicePaths(dataDir, resource, ctx.tenant);
        const ids = serviceProcessIds(ctx.tenant.id, resource);
        ctx.throwIfAborted();
        // The processes are the tenant's by the supervisor's record, whatever the directory is.
        await stopProcess(ctx, ids.a);
        await stopProcess(ctx, ids.b);
        const owner = await dirOwnership(ctx, paths.serviceDir, recorded(ctx, resource));
        if (owner.state === "foreign") {
          logFor(ctx, resource).warn(
            { dir: paths.serviceDir, why: owner.why },
            "local service: left a directory that is not the tenant's",
          );
          return {
            state: "done",
            providerId: ids.a,
            detail: `left in place, not this tenant's: ${paths.serviceDir} (${owner.why})`,
          };
        }
        await fs.rm(paths.serviceDir, { recursive: true, force: true });
        // The tenant's directory, when this was its last resource there.
        await fs.rmdir(paths.tenantDir).catch(() => {});
        for (const id of [ids.a, ids.b]) {
          const state = supervisor.status(id)?.state;
          if (state !== undefined && state !== "stopped") {
            throw new ProviderError(`service driver: ${id} is still ${state} after stopping it`, {
              retryable: true,
            });
          }
        }
        if (await exists(paths.serviceDir)) {
          throw new ProviderError(`service driver: ${paths.serviceDir} still exists after removing it`, {
            retryable: true,
          });
        }
        logFor(ctx, resource).info("local service: stopped and removed");
        return { state: "done", providerId: ids.a };
      });
    },

    async close(): Promise<void> {
      // The processes are tenants' services: they keep running; the supervisor is the caller's.
      closed = true;
      await Promise.allSettled([...locks.values()]);
      // Old processes waiting to be retired are retired now, not left behind.
      const pending = [...retiring.entries()];
      retiring.clear();
      for (const [timer] of pending) clearTimeout(timer);
      await Promise.allSettled(pending.map(([, retire]) => retire()));
    },
  };
}
