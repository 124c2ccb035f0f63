import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnvBinding, ServiceSpec } from "../src/domain/resources.js";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import {
  type CronDriver,
  type CronDriverOptions,
  createCronDriver,
} from "../src/providers/local/cron-driver.js";
import { OWNER_FILE } from "../src/providers/local/owner-files.js";
import { isProcessAlive } from "../src/providers/local/process-group.js";
import { localServicePaths } from "../src/providers/local/service-driver.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type Observation,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../src/providers/provider.js";

const logger = pino({ level: "silent" });

// Appends "hello $GREETING" to $OUT_FILE; notes an overlap when another run holds the lock.
const JOB_JS = `
const fs = require("node:fs");
const out = process.env.OUT_FILE;
const lock = out + ".lock";
if (fs.existsSync(lock)) fs.appendFileSync(out + ".overlap", "x\\n");
fs.writeFileSync(lock, String(process.pid));
fs.appendFileSync(out, "hello " + process.env.GREETING + "\\n");
console.log("job ran");
setTimeout(() => {
  fs.rmSync(lock, { force: true });
  process.exit(0);
}, Number(process.env.SLEEP_MS || "0"));
`;

const SLOW_JS = `
process.env.SLEEP_MS = "2000";
require("./job.js");
`;

let root: string;
let dataDir: string;
let driver: CronDriver | undefined;

function tenant(): ProviderContext["tenant"] {
  return { id: randomUUID(), slug: "acme", name: "Acme", organizationId: randomUUID() };
}

function ctxFor(t: ProviderContext["tenant"], secrets: Record<string, string> = {}): ProviderContext {
  return providerContext({
    tenant: t,
    installationId: "test-installation",
    logger,
    secret: (b) => ("key" in b ? secrets[b.key] : secrets[b.ref]),
  });
}

/** What observe found; fails the test when it found nothing. */
function found(observation: Observation): Observed {
  if (observation.state === "absent") throw new Error("expected observe to find the job");
  return observation;
}

function cronJob(spec: Partial<ServiceSpec>, outFile: string): RecordedResource<"cron"> {
  const envVars: EnvBinding[] = [
    { key: "OUT_FILE", value: outFile },
    { key: "GREETING", secret: "tenant" },
  ];
  return {
    key: "service:job",
    kind: "cron",
    externalName: "job-acme",
    dependsOn: [],
    spec: {
      type: "cron",
      repo: "app",
      schedule: "* * * * * *",
      startCommand: "node job.js",
      ...spec,
      envVars,
    },
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
}

function setup(onRun?: CronDriverOptions["onRun"]): CronDriver {
  dataDir = path.join(root, `data-${randomUUID().slice(0, 8)}`);
  driver = createCronDriver({
    dataDir,
    logger,
    repoBase: root,
    allowSeconds: true,
    stopTimeoutMs: 1_000,
    onRun,
  });
  return driver;
}

function outFile(): string {
  return path.join(root, `out-${randomUUID().slice(0, 8)}.txt`);
}

async function lines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l !== "");
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function waitFor(fn: () => Promise<boolean>, ms = 8_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stats(
  t: ProviderContext["tenant"],
  res: RecordedResource<"cron">,
): Promise<Record<string, unknown>> {
  const dir = localServicePaths(dataDir, res, t).serviceDir;
  return JSON.parse(await fs.readFile(path.join(dir, "cron.json"), "utf8")) as Record<string, unknown>;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-cron-"));
  const appDir = path.join(root, "app");
  await fs.mkdir(appDir, { recursive: true });
  await fs.writeFile(path.join(appDir, "job.js"), JOB_JS);
  await fs.writeFile(path.join(appDir, "slow.js"), SLOW_JS);
});

afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("local cron driver", () => {
  it("runs startCommand on its schedule with the resolved env, recording each run", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "bonjour-secret" });
    const out = outFile();
    const res = cronJob({}, out);
    expect(await d.observe(ctx, res)).toEqual(ABSENT);
    const created = await d.apply(ctx, res);
    expect(created).toMatchObject({ state: "done", providerId: `${t.id}/service:job` });
    expect(await waitFor(async () => (await lines(out)).length >= 2)).toBe(true);
    for (const l of await lines(out)) expect(l).toBe("hello bonjour-secret");

    await waitFor(
      async () => ((await stats(t, res).catch(() => ({}))) as { runs?: number }).runs !== undefined,
    );
    const observed = found(await d.observe(ctx, res));
    expect(observed).toMatchObject({
      providerId: `${t.id}/service:job`,
      state: "ready",
      outputs: { schedule: "* * * * * *", lastExitCode: 0 },
    });
    expect(observed.outputs?.["runs"]).toBeGreaterThanOrEqual(1);
    expect(typeof observed.outputs?.["lastRunAt"]).toBe("string");

    const paths = localServicePaths(dataDir, res, t);
    const s = await stats(t, res);
    expect(s["lastExitCode"]).toBe(0);
    expect(s["logTail"]).toEqual(expect.arrayContaining(["job ran"]));
    // Never env values on disk in the driver's own records.
    expect(await fs.readFile(path.join(paths.serviceDir, "cron.json"), "utf8")).not.toContain("bonjour");
    expect(await fs.readFile(paths.deployFile, "utf8")).not.toContain("bonjour");
    expect(await fs.readFile(path.join(paths.serviceDir, "cron.log"), "utf8")).toContain("job ran");
  });

  it("runNow runs the job once and records exit code, duration and log tail", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "hi" });
    const out = outFile();
    const res = cronJob({ schedule: "0 0 1 1 *" }, out);
    await d.apply(ctx, res);
    await d.runNow(t.id, res.key);
    expect(await lines(out)).toEqual(["hello hi"]);
    const s = await stats(t, res);
    expect(s).toMatchObject({ lastExitCode: 0, runs: 1, skipped: 0 });
    expect(typeof s["lastDurationMs"]).toBe("number");
    expect(typeof s["lastRunAt"]).toBe("string");
    const tail = s["logTail"] as string[];
    expect(tail).toContain("job ran");
    expect(tail.length).toBeLessThanOrEqual(20);
    expect(await d.observe(ctx, res)).toMatchObject({
      state: "ready",
      outputs: { schedule: "0 0 1 1 *", lastExitCode: 0, runs: 1 },
    });
  });

  it("keeps only the last 20 log lines in cron.json", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const res = cronJob(
      { schedule: "0 0 1 1 *", startCommand: "for i in $(seq 1 50); do echo line-$i; done" },
      outFile(),
    );
    await d.apply(ctx, res);
    await d.runNow(t.id, res.key);
    const tail = (await stats(t, res))["logTail"] as string[];
    expect(tail).toHaveLength(20);
    expect(tail).toContain("line-50");
    expect(tail).not.toContain("line-20");
  });

  it("records a failing job's non-zero exit code", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const res = cronJob(
      { schedule: "0 0 1 1 *", startCommand: "node job.js; echo failing >&2; exit 3" },
      outFile(),
    );
    await d.apply(ctx, res);
    await d.runNow(t.id, res.key);
    const s = await stats(t, res);
    expect(s).toMatchObject({ lastExitCode: 3, runs: 1 });
    expect(s["logTail"]).toEqual(expect.arrayContaining(["failing"]));
    expect(await d.observe(ctx, res)).toMatchObject({ outputs: { lastExitCode: 3 } });
  });

  it("skips a tick while the previous run is still going, never running two at once", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "slow" });
    const out = outFile();
    const res = cronJob({ startCommand: "node slow.js" }, out);
    await d.apply(ctx, res);
    expect(
      await waitFor(async () => {
        const s = await stats(t, res).catch(() => undefined);
        return s !== undefined && (s["skipped"] as number) > 0 && (s["runs"] as number) >= 1;
      }, 10_000),
    ).toBe(true);
    // A manual run while one is going is skipped too.
    await waitFor(async () => exists(`${out}.lock`));
    const before = (await stats(t, res))["skipped"] as number;
    await d.runNow(t.id, res.key);
    expect((await stats(t, res))["skipped"] as number).toBeGreaterThan(before);
    expect(await exists(`${out}.overlap`)).toBe(false);
  }, 20_000);

  it("suspend stops the schedule and a running run; resume schedules again without rebuilding", async () => {
    const d = setup();
    const t = tenant();
    const out = outFile();
    const res = cronJob({ buildCommand: "echo building" }, out);
    await d.apply(ctx(t, "first"), res);
    const paths = localServicePaths(dataDir, res, t);
    const buildLog = await fs.readFile(paths.buildLog, "utf8");
    expect(buildLog).toContain("building");
    expect(await waitFor(async () => (await lines(out)).length >= 1)).toBe(true);

    await d.setRunning(ctx(t, "first"), res, false);
    expect(await d.observe(ctx(t, "first"), res)).toMatchObject({ state: "suspended" });
    await expect(d.runNow(t.id, res.key)).rejects.toThrow(/not scheduled/);
    const count = (await lines(out)).length;
    await sleep(2_200);
    expect((await lines(out)).length).toBe(count);

    // resume: the env is resolved again from the resume's context; no build.
    await d.setRunning(ctx(t, "second"), res, true);
    expect(await waitFor(async () => (await lines(out)).includes("hello second"))).toBe(true);
    expect(await fs.readFile(paths.buildLog, "utf8")).toBe(buildLog);
    expect(await d.observe(ctx(t, "second"), res)).toMatchObject({ state: "ready" });

    function ctx(tt: ProviderContext["tenant"], greeting: string): ProviderContext {
      return ctxFor(tt, { GREETING: greeting });
    }
  }, 20_000);

  it("startRun starts a run without waiting, never a second one at once, and reports each run's outputs", async () => {
    const reported: Parameters<NonNullable<CronDriverOptions["onRun"]>>[0][] = [];
    const d = setup((event) => reported.push(event));
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const out = outFile();
    const res = cronJob({ schedule: "0 0 1 1 *", startCommand: "node slow.js" }, out);
    expect(() => d.startRun(t.id, res.key)).toThrow(/not scheduled/);
    await d.apply(ctx, res);
    const started = Date.now();
    expect(d.startRun(t.id, res.key)).toEqual({ started: true, runs: 0 });
    expect(Date.now() - started).toBeLessThan(1_000); // the run takes 2 s
    expect(d.startRun(t.id, res.key)).toEqual({ started: false, runs: 0 });
    expect(await waitFor(async () => reported.length === 1, 10_000)).toBe(true);
    expect(reported[0]).toMatchObject({
      tenantId: t.id,
      resourceKey: res.key,
      outputs: { schedule: "0 0 1 1 *", lastExitCode: 0, runs: 1 },
    });
    expect(await lines(out)).toEqual(["hello x"]);
    expect(await exists(`${out}.overlap`)).toBe(false);
    expect(d.startRun(t.id, res.key)).toEqual({ started: true, runs: 1 });
    expect(await waitFor(async () => reported.length === 2, 10_000)).toBe(true);
    await d.setRunning(ctx, res, false);
    expect(() => d.startRun(t.id, res.key)).toThrow(/not scheduled/);
  });

  it("suspend kills a run that is going (its process group)", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const out = outFile();
    const res = cronJob({ schedule: "0 0 1 1 *", startCommand: "node slow.js" }, out);
    await d.apply(ctx, res);
    const running = d.runNow(t.id, res.key);
    expect(await waitFor(async () => exists(`${out}.lock`))).toBe(true);
    const pid = Number(await fs.readFile(`${out}.lock`, "utf8"));
    const started = Date.now();
    await d.setRunning(ctx, res, false);
    await running;
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(await isProcessAlive(pid)).toBe(false);
    const s = await stats(t, res);
    expect(s["lastExitCode"]).toBeNull();
    expect(s["lastSignal"]).toBe("SIGTERM");
  });

  it("delete unschedules, stops runs and removes the service directory", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const out = outFile();
    const res = cronJob({}, out);
    await d.apply(ctx, res);
    expect(await waitFor(async () => (await lines(out)).length >= 1)).toBe(true);
    const paths = localServicePaths(dataDir, res, t);
    expect(await d.delete(ctx, res)).toMatchObject({ state: "done" });
    expect(await exists(paths.serviceDir)).toBe(false);
    expect(await exists(paths.tenantDir)).toBe(false);
    expect(await d.observe(ctx, res)).toEqual(ABSENT);
    await expect(d.runNow(t.id, res.key)).rejects.toThrow(/not scheduled/);
    const count = (await lines(out)).length;
    await sleep(1_500);
    expect((await lines(out)).length).toBe(count);
    // Deleting again is fine.
    expect(await d.delete(ctx, res)).toMatchObject({ state: "done" });
  });

  it("rejects a malformed schedule with a non-retryable error", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    for (const schedule of ["not a cron", "61 * * * *", "* * *", ""]) {
      const err = await d.apply(ctx, cronJob({ schedule }, outFile())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).retryable).toBe(false);
    }
    const err = await d.apply(ctx, cronJob({ schedule: "bad" }, outFile())).catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("INVALID_SCHEDULE");
    expect(await exists(localServicePaths(dataDir, cronJob({}, "x"), t).serviceDir)).toBe(false);

    // Seconds are only accepted when allowed; render.yaml schedules have 5 fields.
    const strict = createCronDriver({ dataDir, logger, repoBase: root });
    try {
      const e = await strict
        .apply(ctx, cronJob({ schedule: "* * * * * *" }, outFile()))
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ProviderError);
      expect((e as ProviderError).retryable).toBe(false);
      const ok = await strict.apply(ctx, cronJob({ schedule: "*/5 * * * *" }, outFile()));
      expect(ok).toMatchObject({ state: "done" });
    } finally {
      await strict.close();
    }
  });

  it("close stops schedules and kills running runs", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const out = outFile();
    const res = cronJob({ schedule: "0 0 1 1 *", startCommand: "node slow.js" }, out);
    await d.apply(ctx, res);
    const running = d.runNow(t.id, res.key);
    expect(await waitFor(async () => exists(`${out}.lock`))).toBe(true);
    const pid = Number(await fs.readFile(`${out}.lock`, "utf8"));
    await d.close();
    await running;
    expect(await isProcessAlive(pid)).toBe(false);
    await expect(d.apply(ctx, res)).rejects.toThrow(/closed/);
  });
});

describe("ownership and aborts of cron job directories", () => {
  const markerOf = (t: ProviderContext["tenant"]) =>
    ownerMarkerText(ownerMarker({ installationId: "test-installation", tenant: t }));

  it("marks a job's directory as the tenant's, and never deploys to or removes one that is not", async () => {
    const d = setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "x" });
    const res = cronJob({ schedule: "0 0 1 1 *" }, outFile());
    const paths = localServicePaths(dataDir, res, t);
    await fs.mkdir(paths.serviceDir, { recursive: true });
    await fs.writeFile(path.join(paths.serviceDir, OWNER_FILE), markerOf(tenant()));
    await fs.writeFile(path.join(paths.serviceDir, "theirs.txt"), "keep me");
    for (const call of [
      () => d.observe(ctx, res),
      () => d.apply(ctx, res),
      () => d.setRunning(ctx, res, false),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).code).toBe("NAME_TAKEN");
      expect((err as ProviderError).message).toContain(paths.serviceDir);
    }
    const deleted = await d.delete(ctx, res);
    expect(deleted).toMatchObject({ state: "done" });
    if (deleted.state === "done") expect(deleted.detail).toContain(paths.serviceDir);
    expect(await fs.readFile(path.join(paths.serviceDir, "theirs.txt"), "utf8")).toBe("keep me");

    await fs.rm(paths.serviceDir, { recursive: true });
    expect(await d.apply(ctx, res)).toMatchObject({ state: "done" });
    expect((await fs.readFile(path.join(paths.serviceDir, OWNER_FILE), "utf8")).trim()).toBe(markerOf(t));
    expect(await d.delete(ctx, res)).toMatchObject({ state: "done" });
    expect(await exists(paths.serviceDir)).toBe(false);
  });

  it("an aborted signal is the engine's AbortedError, also during a build", async () => {
    const d = setup();
    const t = tenant();
    const aborted = new AbortController();
    aborted.abort(new Error("lease lost"));
    const res = cronJob({ schedule: "0 0 1 1 *", buildCommand: "sleep 20" }, outFile());
    const ctxWith = (signal: AbortSignal) =>
      providerContext({ tenant: t, installationId: "test-installation", logger, signal, secret: () => "x" });
    expect(await d.apply(ctxWith(aborted.signal), res).catch((e: unknown) => e)).toBeInstanceOf(AbortedError);

    const controller = new AbortController();
    const call = d.apply(ctxWith(controller.signal), res).catch((e: unknown) => e);
    await sleep(500);
    const started = Date.now();
    controller.abort(new Error("shutting down"));
    const err = await call;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(AbortedError);
  });
});
