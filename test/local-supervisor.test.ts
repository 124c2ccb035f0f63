import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tailLines } from "../src/providers/local/log-files.js";
import { groupMembers, isGroupAlive, isProcessAlive } from "../src/providers/local/process-group.js";
import {
  type ProcessSpec,
  type ProcessStatus,
  Supervisor,
  type SupervisorOptions,
  safeId,
} from "../src/providers/local/supervisor.js";

const NODE = JSON.stringify(process.execPath);

let dir: string;
let stateDir: string;
/** Every process group a test created; afterEach fails if one is still alive. */
let pgids: Set<number>;
let supervisors: Supervisor[];
let extraChildren: ChildProcess[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-supervisor-"));
  stateDir = path.join(dir, "state");
  pgids = new Set();
  supervisors = [];
  extraChildren = [];
});

afterEach(async () => {
  const alive: number[] = [];
  for (const pgid of pgids) if (await isGroupAlive(pgid)) alive.push(pgid);
  for (const pgid of alive) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  for (const s of supervisors) s.detach();
  for (const c of extraChildren) c.unref();
  await rm(dir, { recursive: true, force: true });
  expect(alive, "process groups still alive after the test").toEqual([]);
});

function track(status: ProcessStatus | undefined): void {
  if (status?.pid) pgids.add(status.pid);
}

function makeSupervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
  const s = new Supervisor({ stateDir, pollIntervalMs: 50, ...options });
  s.on("state", track);
  supervisors.push(s);
  return s;
}

async function script(name: string, source: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, source);
  return `${NODE} ${JSON.stringify(file)}`;
}

function spec(id: string, command: string, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    id,
    command,
    cwd: dir,
    env: {},
    logFile: path.join(dir, "logs", `${safeId(id)}.log`),
    ...extra,
  };
}

async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 5_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pidFiles(): Promise<string[]> {
  try {
    return (await readdir(stateDir)).filter((n) => n.endsWith(".pid"));
  } catch {
    return [];
  }
}

const STAY_UP = "setInterval(() => {}, 1000);";

describe("local supervisor", () => {
  it("runs a process with exactly the given environment and captures its output", {
    timeout: 15_000,
  }, async () => {
    const sup = makeSupervisor();
    const cmd = await script(
      "env.js",
      `console.log("hello from child");
       console.error("to stderr");
       console.log("GIVEN=" + process.env.GIVEN);
       console.log("SECRET=" + (process.env.SECRET_IN_PARENT ?? "<unset>"));
       console.log("ID=" + process.env.TENANTRY_PROCESS_ID);
       ${STAY_UP}`,
    );
    process.env.SECRET_IN_PARENT = "leak-me";
    let status: ProcessStatus;
    try {
      status = await sup.start(spec("t1/service:web", cmd, { env: { GIVEN: "given-value" } }));
    } finally {
      delete process.env.SECRET_IN_PARENT;
    }
    track(status);
    expect(status.state).toBe("running");
    expect(status.pid).toBeTypeOf("number");

    const lines = await waitFor(async () => {
      const l = await sup.tailLog("t1/service:web", 10);
      return l.some((x) => x.startsWith("ID=")) ? l : undefined;
    }, "log output");
    expect(lines).toEqual([
      "hello from child",
      "to stderr",
      "GIVEN=given-value",
      "SECRET=<unset>",
      "ID=t1/service:web",
    ]);
    expect(await sup.tailLog("t1/service:web", 2)).toEqual(["SECRET=<unset>", "ID=t1/service:web"]);

    // The pid file records the incarnation.
    const pidFile = JSON.parse(
      await readFile(path.join(stateDir, `${safeId("t1/service:web")}.pid`), "utf8"),
    );
    expect(pidFile).toMatchObject({ id: "t1/service:web", pid: status.pid, pgid: status.pid, command: cmd });
    expect(JSON.stringify(pidFile)).not.toContain("given-value");

    // Idempotent: a second start keeps the same process.
    const again = await sup.start(spec("t1/service:web", cmd, { env: { GIVEN: "given-value" } }));
    expect(again.pid).toBe(status.pid);
    expect(sup.list().map((s) => s.id)).toEqual(["t1/service:web"]);

    await sup.stop("t1/service:web");
    expect(sup.status("t1/service:web")?.state).toBe("stopped");
    expect(await pidFiles()).toEqual([]);
    expect(await isGroupAlive(status.pid!)).toBe(false);
  });

  it("stop: SIGTERM is honoured", { timeout: 15_000 }, async () => {
    const sup = makeSupervisor();
    const cmd = await script(
      "term.js",
      `process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(0); });
       console.log("ready");
       ${STAY_UP}`,
    );
    const status = await sup.start(spec("t1/service:term", cmd, { stopTimeoutMs: 8_000 }));
    track(status);
    await waitFor(async () => (await sup.tailLog("t1/service:term", 1))[0] === "ready", "ready");
    const t0 = Date.now();
    await sup.stop("t1/service:term");
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(await sup.tailLog("t1/service:term", 1)).toEqual(["got SIGTERM"]);
    expect(await isProcessAlive(status.pid!)).toBe(false);
    // Idempotent.
    await sup.stop("t1/service:term");
    await sup.stop("never-started");
  });

  it("stop: a process group ignoring SIGTERM is SIGKILLed after stopTimeoutMs, children included", {
    timeout: 15_000,
  }, async () => {
    const sup = makeSupervisor();
    const status = await sup.start(
      spec("t1/service:stubborn", "trap '' TERM; sleep 100 & sleep 101 & echo ready; wait", {
        stopTimeoutMs: 400,
      }),
    );
    track(status);
    const pgid = status.pid!;
    const members = await waitFor(async () => {
      const m = await groupMembers(pgid);
      return m.length >= 3 ? m : undefined;
    }, "sh and its two sleeps");
    const t0 = Date.now();
    await sup.stop("t1/service:stubborn");
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(5_000);
    for (const pid of members) expect(await isProcessAlive(pid)).toBe(false);
    expect(await isGroupAlive(pgid)).toBe(false);
    expect(sup.status("t1/service:stubborn")).toMatchObject({ state: "stopped", lastExitSignal: "SIGKILL" });
  });

  it("stop: children of the child go too", { timeout: 15_000 }, async () => {
    const sup = makeSupervisor();
    const status = await sup.start(spec("t1/service:tree", "sleep 100 & sleep 101 & wait"));
    track(status);
    const members = await waitFor(async () => {
      const m = await groupMembers(status.pid!);
      return m.length >= 3 ? m : undefined;
    }, "the tree");
    const t0 = Date.now();
    await sup.stopAll();
    expect(Date.now() - t0).toBeLessThan(4_000);
    for (const pid of members) expect(await isProcessAlive(pid)).toBe(false);
  });

  it("restarts a crashing process with exponential backoff", { timeout: 15_000 }, async () => {
    const sup = makeSupervisor();
    const runs: { pid: number; at: number }[] = [];
    sup.on("state", (s) => {
      if (s.state === "running" && s.pid) runs.push({ pid: s.pid, at: Date.now() });
    });
    await sup.start(
      spec("t1/worker", "exit 3", {
        restart: {
          baseMs: 50,
          maxMs: 5_000,
          crashLoop: { restarts: 100, windowMs: 2_000 },
          healthyAfterMs: 5_000,
        },
      }),
    );
    await waitFor(() => {
      const s = sup.status("t1/worker");
      return s !== undefined && s.restarts >= 4 && s.state === "backoff";
    }, "4 restarts");
    await sup.stop("t1/worker");
    const final = sup.status("t1/worker")!;
    expect(final).toMatchObject({ state: "stopped", lastExitCode: 3, lastExitSignal: null, pid: null });
    expect(final.restarts).toBeGreaterThanOrEqual(4);
    const pids = runs.map((r) => r.pid);
    expect(new Set(pids).size).toBe(pids.length);
    // The gap between two incarnations is at least the backoff: 50, 100, 200 ms.
    for (let i = 1; i < Math.min(runs.length, 4); i++) {
      const gap = runs[i]!.at - runs[i - 1]!.at;
      expect(gap, `gap before restart ${i}`).toBeGreaterThanOrEqual(50 * 2 ** (i - 1) - 5);
    }
    // No restart after the explicit stop.
    const restarts = final.restarts;
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.status("t1/worker")).toMatchObject({ state: "stopped", restarts });
    expect(await pidFiles()).toEqual([]);
  });

  it("flags a crash loop and heals once the process stays up", { timeout: 15_000 }, async () => {
    const sup = makeSupervisor();
    const states: string[] = [];
    sup.on("state", (s) => states.push(s.state));
    const counter = path.join(dir, "count");
    // Crashes on its first 5 runs, then stays up.
    const command = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}; [ "$n" -ge 5 ] || exit 1; exec sleep 100`;
    await sup.start(
      spec("t1/flaky", command, {
        restart: { baseMs: 50, maxMs: 200, crashLoop: { restarts: 3, windowMs: 2_000 }, healthyAfterMs: 500 },
      }),
    );
    await waitFor(() => states.includes("crash-loop"), "crash-loop");
    const healed = await waitFor(() => {
      const s = sup.status("t1/flaky");
      return s?.state === "running" && s.restarts === 0 ? s : undefined;
    }, "healed");
    track(healed);
    expect(states.filter((s) => s === "crash-loop")).toHaveLength(1);
    expect(states.slice(states.indexOf("crash-loop"))).toEqual(["crash-loop", "running"]);
    expect(Number(await readFile(counter, "utf8"))).toBe(6);
    expect(healed.lastExitCode).toBe(1);
    await sup.stop("t1/flaky");
  });

  it("a new supervisor adopts processes of an earlier one, and restarts them when they die", {
    timeout: 20_000,
  }, async () => {
    const id = "t2/service:web";
    const theSpec = spec(id, "echo started; exec sleep 1000", { restart: { baseMs: 50 } });
    const a = makeSupervisor();
    const first = await a.start(theSpec);
    track(first);
    a.detach(); // Tenantry "exits": no stop

    const b = makeSupervisor({ pollIntervalMs: 100 });
    const adopted = await b.adoptRunning();
    expect(adopted).toEqual([expect.objectContaining({ id, state: "running", pid: first.pid, restarts: 0 })]);
    // start() keeps it (no restart) and gives b the spec to restart it with.
    expect((await b.start(theSpec)).pid).toBe(first.pid);
    await waitFor(async () => (await b.tailLog(id, 10)).length === 1, "first start in the log");

    process.kill(first.pid!, "SIGKILL");
    const restarted = await waitFor(() => {
      const s = b.status(id);
      return s?.state === "running" && s.pid !== null && s.pid !== first.pid ? s : undefined;
    }, "restart by b");
    track(restarted);
    expect(restarted.restarts).toBe(1);
    await waitFor(async () => (await b.tailLog(id, 10)).length === 2, "second start in the log");
    expect(await b.tailLog(id, 10)).toEqual(["started", "started"]);

    await b.stopAll();
    expect(await isGroupAlive(first.pid!)).toBe(false);
    expect(await isGroupAlive(restarted.pid!)).toBe(false);
    expect(await pidFiles()).toEqual([]);
  });

  it("start() and stop() find a process of an earlier run through its pid file", {
    timeout: 15_000,
  }, async () => {
    const id = "t3/service:web";
    const theSpec = spec(id, "exec sleep 1000");
    const a = makeSupervisor();
    const first = await a.start(theSpec);
    track(first);
    a.detach();

    const b = makeSupervisor();
    expect((await b.start(theSpec)).pid).toBe(first.pid);
    b.detach();

    const c = makeSupervisor();
    expect(c.status(id)).toBeUndefined();
    await c.stop(id);
    expect(await isGroupAlive(first.pid!)).toBe(false);
    expect(await pidFiles()).toEqual([]);
  });

  it("an adopted process without a spec is not restarted when it exits", { timeout: 15_000 }, async () => {
    const id = "t4/worker";
    const a = makeSupervisor();
    const first = await a.start(spec(id, "exec sleep 1000"));
    track(first);
    a.detach();

    const b = makeSupervisor();
    expect(await b.adoptRunning()).toHaveLength(1);
    process.kill(first.pid!, "SIGKILL");
    await waitFor(() => b.status(id)?.state === "stopped", "stopped");
    expect(b.status(id)?.pid).toBeNull();
    await waitFor(async () => (await pidFiles()).length === 0, "pid file removed");
  });

  it("adoptRunning removes stale pid files without touching foreign processes", {
    timeout: 15_000,
  }, async () => {
    const sup = makeSupervisor();
    await sup.adoptRunning(); // no state dir yet: nothing
    const write = (id: string, data: object) =>
      writeFile(path.join(stateDir, `${safeId(id)}.pid`), JSON.stringify({ id, ...data }));
    const common = {
      startedAt: new Date().toISOString(),
      command: "x",
      instance: "i",
      logFile: "/tmp/x.log",
    };

    // 1. A dead pid.
    const dead = spawnSync("true").pid;
    // 2. A live process that is not ours (no marker): must be left alone.
    const foreign = spawn("sleep", ["100"], { detached: true, stdio: "ignore" });
    extraChildren.push(foreign);
    pgids.add(foreign.pid!);
    // 3. A group whose leader died while a marked member lives on: the member is killed.
    const a = makeSupervisor();
    const orphaned = await a.start(spec("t5/leftover", "sleep 100 & echo ready; exec sleep 1000"));
    track(orphaned);
    const members = await waitFor(async () => {
      const m = await groupMembers(orphaned.pid!);
      return m.length >= 2 ? m : undefined;
    }, "leader and member");
    a.detach();
    process.kill(orphaned.pid!, "SIGKILL");
    await waitFor(async () => !(await isProcessAlive(orphaned.pid!)), "leader gone");

    await write("t5/dead", { ...common, pid: dead, pgid: dead });
    await write("t5/foreign", { ...common, pid: foreign.pid, pgid: foreign.pid });
    await writeFile(path.join(stateDir, "garbage.pid"), "{not json");
    expect((await pidFiles()).sort()).toHaveLength(4);

    expect(await sup.adoptRunning()).toEqual([]);
    expect(await pidFiles()).toEqual([]);
    expect(await isProcessAlive(foreign.pid!)).toBe(true);
    for (const pid of members) expect(await isProcessAlive(pid)).toBe(false);

    foreign.kill("SIGKILL");
    await waitFor(async () => !(await isProcessAlive(foreign.pid!)), "foreign gone");
  });

  it("start() rejects when the process cannot be spawned", { timeout: 10_000 }, async () => {
    const sup = makeSupervisor();
    await expect(sup.start(spec("t6/bad", "true", { cwd: path.join(dir, "missing") }))).rejects.toThrow(
      /cannot start t6\/bad/,
    );
    expect(sup.status("t6/bad")).toMatchObject({ state: "stopped", pid: null });
    expect(await pidFiles()).toEqual([]);
  });

  it("tailLines reads the end of big files", { timeout: 15_000 }, async () => {
    const file = path.join(dir, "big.log");
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"é".repeat(i % 7)}`);
    await writeFile(file, `${lines.join("\n")}\n`);
    expect(await tailLines(file, 3)).toEqual(lines.slice(-3));
    expect(await tailLines(file, 5_000)).toEqual(lines.slice(-5_000));
    await writeFile(file, "a\nb\nno newline at end");
    expect(await tailLines(file, 2)).toEqual(["b", "no newline at end"]);
    expect(await tailLines(file, 10)).toEqual(["a", "b", "no newline at end"]);
    expect(await tailLines(path.join(dir, "missing.log"), 3)).toEqual([]);
  });
});
