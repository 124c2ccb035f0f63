import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { EnvBinding, ServiceSpec } from "../src/domain/resources.js";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { OWNER_FILE } from "../src/providers/local/owner-files.js";
import { isGroupAlive } from "../src/providers/local/process-group.js";
import {
  createServiceDriver,
  localServicePaths,
  type ServiceDriver,
  serviceProcessIds,
} from "../src/providers/local/service-driver.js";
import { createStaticSiteDriver } from "../src/providers/local/static-site-driver.js";
import { Supervisor } from "../src/providers/local/supervisor.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../src/providers/provider.js";
import { expectNameTaken, rejection } from "./support/ownership.js";

const logger = pino({ level: "silent" });

const SERVER_JS = `
const http = require("node:http");
http.createServer((req, res) => {
  if (req.url === "/health") { res.end("ok"); return; }
  res.end("hello " + process.env.TENANT_NAME + " " + process.env.GREETING);
}).listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

const WORKER_JS = `
const fs = require("node:fs");
setInterval(() => fs.appendFileSync(process.env.OUT_FILE, "x"), 100);
process.on("SIGTERM", () => process.exit(0));
`;

let root: string;
let appDir: string;
let supervisor: Supervisor;
let driver: ServiceDriver;
let dataDir: string;

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

function markerOf(t: ProviderContext["tenant"]): string {
  return ownerMarkerText(ownerMarker({ installationId: "test-installation", tenant: t }));
}

function service(
  kind: "web" | "worker" | "pserv",
  spec: Partial<ServiceSpec>,
  envVars: EnvBinding[] = [],
  name = kind,
): RecordedResource<"web" | "worker" | "pserv"> {
  return {
    key: `service:${name}`,
    kind,
    externalName: `${name}-acme`,
    dependsOn: [],
    spec: { type: kind, repo: "app", maxShutdownDelaySeconds: 2, ...spec, envVars },
    providerId: null,
    outputs: {},
    secretOutputs: {},
  };
}

async function get(port: number, p = "/"): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(2_000) });
  return res.text();
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function size(p: string): Promise<number> {
  return (await fs.stat(p).catch(() => undefined))?.size ?? 0;
}

async function waitFor(fn: () => Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

function pidOf(t: ProviderContext["tenant"], res: { key: string }, slot: "a" | "b" = "a"): number {
  const pid = supervisor.status(serviceProcessIds(t.id, res)[slot])?.pid;
  if (typeof pid !== "number") throw new Error("no pid");
  return pid;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "tenantry-svc-"));
  appDir = path.join(root, "app");
  await fs.mkdir(path.join(appDir, "node_modules", "junk"), { recursive: true });
  await fs.writeFile(path.join(appDir, "server.js"), SERVER_JS);
  await fs.writeFile(path.join(appDir, "worker.js"), WORKER_JS);
  await fs.writeFile(path.join(appDir, "node_modules", "junk", "index.js"), "");
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function setup(opts: { healthTimeoutMs?: number } = {}): void {
  dataDir = path.join(root, `data-${randomUUID().slice(0, 8)}`);
  supervisor = new Supervisor({ stateDir: path.join(dataDir, "run"), logger, pollIntervalMs: 100 });
  driver = createServiceDriver({
    dataDir,
    supervisor,
    baseDomain: "localtest.me",
    publicPort: 8080,
    repoBase: root,
    logger,
    healthTimeoutMs: opts.healthTimeoutMs ?? 10_000,
    healthIntervalMs: 50,
    retireDelayMs: 300,
  });
}

afterEach(async () => {
  await driver?.close();
  await supervisor?.stopAll();
});

describe("local service driver", () => {
  it("creates a web service that is healthy and serves env from its bindings", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t, { GREETING: "hi" });
    const res = service(
      "web",
      { buildCommand: "echo building", startCommand: "node server.js", healthCheckPath: "/health" },
      [
        { key: "TENANT_NAME", value: "Acme" },
        { key: "GREETING", secret: "tenant" },
      ],
    );
    expect(await driver.observe(ctx, res)).toEqual(ABSENT);
    const result = await driver.apply(ctx, res);
    expect(result.state).toBe("done");
    if (result.state !== "done") return;
    const port = result.outputs?.["port"] as number;
    expect(result.providerId).toBe(`${t.id}/service:web`);
    expect(result.outputs).toEqual({
      host: "127.0.0.1",
      port,
      hostport: `127.0.0.1:${port}`,
      url: "http://web-acme.localtest.me:8080",
    });
    expect(port).toBeGreaterThanOrEqual(20000);
    expect(port).toBeLessThanOrEqual(29999);
    expect(await get(port, "/health")).toBe("ok");
    expect(await get(port)).toBe("hello Acme hi");

    const paths = localServicePaths(dataDir, res, t);
    expect(paths.serviceDir.startsWith(path.join(dataDir, "tenants", "acme-"))).toBe(true);
    expect(await exists(path.join(paths.serviceDir, "release-1", "server.js"))).toBe(true);
    expect(await exists(path.join(paths.serviceDir, "release-1", "node_modules"))).toBe(false);
    expect(await fs.readFile(paths.buildLog, "utf8")).toContain("building");

    const observed = await driver.observe(ctx, res);
    expect(observed).toMatchObject({ state: "ready", providerId: `${t.id}/service:web`, outputs: { port } });
  });

  it("fails a build with a non-retryable error carrying the log tail", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t);
    const res = service("web", {
      buildCommand: "echo step-one; echo 'something went wrong here' >&2; exit 3",
      startCommand: "node server.js",
    });
    const err = await driver.apply(ctx, res).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toContain("exited with code 3");
    expect((err as ProviderError).message).toContain("something went wrong here");
    expect(supervisor.list().every((s) => s.state === "stopped")).toBe(true);
    expect(await driver.observe(ctx, res)).toEqual(ABSENT);
  });

  it("refuses a remote repository", async () => {
    setup();
    const ctx = ctxFor(tenant());
    const res = service("worker", { repo: "https://github.com/acme/app", startCommand: "node worker.js" });
    const err = await driver.apply(ctx, res).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toMatch(/local directories/);
  });

  it("gives up on a web service that never answers its health check, leaving no process", async () => {
    setup({ healthTimeoutMs: 1_500 });
    const t = tenant();
    const ctx = ctxFor(t);
    const pidFile = path.join(root, `silent-${randomUUID()}.pid`);
    const res = service("web", {
      startCommand: `echo $$ > ${pidFile}; echo 'not listening'; exec node -e "setInterval(() => {}, 1000)"`,
      healthCheckPath: "/health",
    });
    const started = Date.now();
    const err = await driver.apply(ctx, res).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(false);
    expect((err as ProviderError).message).toMatch(/did not become healthy: no 2xx answer/);
    expect((err as ProviderError).message).toContain("not listening");
    const pid = Number((await fs.readFile(pidFile, "utf8")).trim());
    expect(await isGroupAlive(pid)).toBe(false);
    expect(supervisor.list().every((s) => s.state === "stopped")).toBe(true);
  });

  it("runs a worker, suspends it, resumes it without rebuilding, and deletes it", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t);
    const out = path.join(root, `worker-${randomUUID()}.out`);
    const res = service("worker", { buildCommand: "echo built", startCommand: "node worker.js" }, [
      { key: "OUT_FILE", value: out },
    ]);
    const result = await driver.apply(ctx, res);
    expect(result).toMatchObject({ state: "done", providerId: `${t.id}/service:worker` });
    if (result.state === "done") expect(result.outputs?.["url"]).toBeUndefined();
    expect(await waitFor(async () => (await size(out)) >= 3)).toBe(true);
    const first = await size(out);
    expect(await waitFor(async () => (await size(out)) > first)).toBe(true);

    const paths = localServicePaths(dataDir, res, t);
    const buildLogSize = await size(paths.buildLog);
    expect(buildLogSize).toBeGreaterThan(0);

    const pid = pidOf(t, res);
    expect(await driver.setRunning(ctx, res, false)).toMatchObject({ state: "done" });
    expect(await isGroupAlive(pid)).toBe(false);
    expect(await driver.observe(ctx, res)).toMatchObject({ state: "suspended" });
    const stopped = await size(out);
    await new Promise((r) => setTimeout(r, 300));
    expect(await size(out)).toBe(stopped);

    expect(await driver.setRunning(ctx, res, true)).toMatchObject({ state: "done" });
    expect(await waitFor(async () => (await size(out)) > stopped)).toBe(true);
    expect(await size(paths.buildLog)).toBe(buildLogSize);
    expect(await driver.observe(ctx, res)).toMatchObject({ state: "ready" });

    const pid2 = pidOf(t, res);
    expect(await driver.delete(ctx, res)).toMatchObject({ state: "done" });
    expect(await isGroupAlive(pid2)).toBe(false);
    expect(await exists(paths.serviceDir)).toBe(false);
    expect(await exists(paths.tenantDir)).toBe(false);
    expect(await driver.observe(ctx, res)).toEqual(ABSENT);
    expect(await driver.delete(ctx, res)).toMatchObject({ state: "done" });
  });

  it("updates a web service: the new process serves, then the old one is stopped", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t);
    const spec = { startCommand: "node server.js", healthCheckPath: "/health", buildCommand: "true" };
    const res = service("web", spec, [
      { key: "TENANT_NAME", value: "Acme" },
      { key: "GREETING", value: "hello-one" },
    ]);
    const created = await driver.apply(ctx, res);
    if (created.state !== "done") throw new Error("not done");
    const oldPort = created.outputs?.["port"] as number;
    const oldPid = pidOf(t, res, "a");
    expect(await get(oldPort)).toBe("hello Acme hello-one");

    const changed = service("web", spec, [
      { key: "TENANT_NAME", value: "Acme" },
      { key: "GREETING", value: "hello-two" },
    ]);
    // An update: the recorded service gets the changed spec.
    const recordedId = serviceProcessIds(t.id, res).a;
    const updated = await driver.apply(ctx, { ...changed, providerId: recordedId });
    if (updated.state !== "done") throw new Error("not done");
    const newPort = updated.outputs?.["port"] as number;
    expect(newPort).not.toBe(oldPort);
    expect(updated.providerId).toBe(`${t.id}/service:web`);
    expect(await get(newPort)).toBe("hello Acme hello-two");
    // The old process keeps serving a moment, so the proxy can switch without failed requests…
    expect(await get(oldPort)).toBe("hello Acme hello-one");
    // …then it is retired.
    const deadline = Date.now() + 5000;
    while ((await isGroupAlive(oldPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await isGroupAlive(oldPid)).toBe(false);
    await expect(get(oldPort)).rejects.toThrow();

    const paths = localServicePaths(dataDir, res, t);
    const gone = Date.now() + 5000;
    while ((await exists(path.join(paths.serviceDir, "release-1"))) && Date.now() < gone) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await exists(path.join(paths.serviceDir, "release-1"))).toBe(false);
    expect(await exists(path.join(paths.serviceDir, "release-2"))).toBe(true);
    expect(await driver.observe(ctx, changed)).toMatchObject({ state: "ready", outputs: { port: newPort } });

    // A failed update keeps the running release serving.
    const broken = service("web", { ...spec, buildCommand: "exit 1" });
    await expect(driver.apply(ctx, { ...broken, providerId: recordedId })).rejects.toThrow(
      /build command exited with code 1/,
    );
    expect(await get(newPort)).toBe("hello Acme hello-two");

    const newPid = pidOf(t, res, "b");
    await driver.delete(ctx, changed);
    expect(await isGroupAlive(newPid)).toBe(false);
    expect(await exists(paths.serviceDir)).toBe(false);
  });

  it("clones a local git repository and honours rootDir", async () => {
    setup();
    const repo = path.join(root, `repo-${randomUUID().slice(0, 8)}`);
    await fs.mkdir(path.join(repo, "svc"), { recursive: true });
    await fs.copyFile(path.join(appDir, "server.js"), path.join(repo, "svc", "server.js"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", repo, "-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        stdio: "ignore",
      });
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "init");
    const t = tenant();
    const ctx = ctxFor(t);
    const res = service(
      "web",
      { repo, rootDir: "svc", startCommand: "node server.js", healthCheckPath: "/health" },
      [
        { key: "TENANT_NAME", value: "Git" },
        { key: "GREETING", value: "cloned" },
      ],
    );
    const result = await driver.apply(ctx, res);
    if (result.state !== "done") throw new Error("not done");
    expect(await get(result.outputs?.["port"] as number)).toBe("hello Git cloned");
    const paths = localServicePaths(dataDir, res, t);
    expect(await exists(path.join(paths.serviceDir, "release-1", ".git"))).toBe(true);
  });
});

describe("ownership and aborts of local service directories", () => {
  it("marks a service's directory as the tenant's, and never deploys to or removes one that is not", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t);
    const res = service("worker", { startCommand: "sleep 30" });
    const paths = localServicePaths(dataDir, res, t);
    await fs.mkdir(paths.serviceDir, { recursive: true });
    const theirs = path.join(paths.serviceDir, "theirs.txt");
    await fs.writeFile(theirs, "keep me");
    // Unmarked (made by hand), then marked for another tenant.
    for (const marker of [undefined, markerOf(tenant())]) {
      if (marker) await fs.writeFile(path.join(paths.serviceDir, OWNER_FILE), marker);
      await expectNameTaken(driver.observe(ctx, res), paths.serviceDir);
      await expectNameTaken(driver.apply(ctx, res), paths.serviceDir);
      await expectNameTaken(driver.apply(ctx, res, { state: "ready", providerId: "x" }), paths.serviceDir);
      const deleted = await driver.delete(ctx, res);
      expect(deleted).toMatchObject({ state: "done" });
      if (deleted.state === "done") expect(deleted.detail).toContain(paths.serviceDir);
      expect(await fs.readFile(theirs, "utf8")).toBe("keep me");
      expect(await exists(path.join(paths.serviceDir, "release-1"))).toBe(false);
    }

    // Once it is gone, create makes the tenant's own, with its marker first.
    await fs.rm(paths.serviceDir, { recursive: true });
    expect(await driver.apply(ctx, res)).toMatchObject({ state: "done" });
    expect((await fs.readFile(path.join(paths.serviceDir, OWNER_FILE), "utf8")).trim()).toBe(markerOf(t));
    expect(await driver.observe(ctx, res)).toMatchObject({ state: "ready" });
    expect(await driver.delete(ctx, res)).toEqual({
      state: "done",
      providerId: serviceProcessIds(t.id, res).a,
    });
    expect(await exists(paths.serviceDir)).toBe(false);
  });

  it("a service directory made before markers is the tenant's by its record, and gets the marker", async () => {
    setup();
    const t = tenant();
    const ctx = ctxFor(t);
    const res = service("worker", { startCommand: "sleep 30" });
    const paths = localServicePaths(dataDir, res, t);
    expect(await driver.apply(ctx, res)).toMatchObject({ state: "done" });
    await fs.rm(path.join(paths.serviceDir, OWNER_FILE));
    await expectNameTaken(driver.observe(ctx, res), paths.serviceDir);
    const recorded = { ...res, providerId: serviceProcessIds(t.id, res).a };
    expect(await driver.observe(ctx, recorded)).toMatchObject({ state: "ready" });
    expect(await driver.setRunning(ctx, recorded, false)).toMatchObject({ state: "done" });
    expect(await driver.setRunning(ctx, recorded, true)).toMatchObject({ state: "done" });
    expect((await fs.readFile(path.join(paths.serviceDir, OWNER_FILE), "utf8")).trim()).toBe(markerOf(t));
    expect(await driver.delete(ctx, recorded)).toMatchObject({ state: "done" });
    expect(await exists(paths.serviceDir)).toBe(false);
  });

  it("an aborted signal is the engine's AbortedError, also while waiting for a health check", async () => {
    setup({ healthTimeoutMs: 20_000 });
    const t = tenant();
    const aborted = new AbortController();
    aborted.abort(new Error("lease lost"));
    const res = service("web", { startCommand: "sleep 30", healthCheckPath: "/health" });
    const before = await rejection(
      driver.apply(
        providerContext({ tenant: t, installationId: "test-installation", logger, signal: aborted.signal }),
        res,
      ),
    );
    expect(before).toBeInstanceOf(AbortedError);
    expect(await exists(localServicePaths(dataDir, res, t).serviceDir)).toBe(false);

    // A web service that never answers: the call waits for its health check until aborted.
    const controller = new AbortController();
    const ctx = providerContext({
      tenant: t,
      installationId: "test-installation",
      logger,
      signal: controller.signal,
    });
    const call = rejection(driver.apply(ctx, res));
    expect(
      await waitFor(async () => supervisor.status(serviceProcessIds(t.id, res).a)?.state === "running"),
    ).toBe(true);
    const pid = pidOf(t, res);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    controller.abort(new Error("shutting down"));
    const err = await call;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(AbortedError);
    expect(await waitFor(async () => !(await isGroupAlive(pid)))).toBe(true);
  });

  it("marks a static site's directory, and never deploys to or removes one that is not the tenant's", async () => {
    setup();
    const sites = createStaticSiteDriver({
      dataDir,
      baseDomain: "localtest.me",
      publicPort: 8080,
      repoBase: root,
    });
    const t = tenant();
    const ctx = ctxFor(t);
    const res: RecordedResource<"web"> = {
      key: "service:site",
      kind: "web",
      externalName: "site-acme",
      dependsOn: [],
      spec: { type: "web", runtime: "static", repo: "app", staticPublishPath: ".", envVars: [] },
      providerId: null,
      outputs: {},
      secretOutputs: {},
    };
    const paths = localServicePaths(dataDir, res, t);
    await fs.mkdir(path.join(paths.serviceDir, "release-1"), { recursive: true });
    await fs.writeFile(path.join(paths.serviceDir, OWNER_FILE), markerOf(tenant()));
    await expectNameTaken(sites.observe(ctx, res), paths.serviceDir);
    await expectNameTaken(sites.apply(ctx, res), paths.serviceDir);
    expect(await sites.delete(ctx, res)).toMatchObject({ state: "done" });
    expect(await exists(path.join(paths.serviceDir, "release-1"))).toBe(true);

    await fs.rm(paths.serviceDir, { recursive: true });
    expect(await sites.apply(ctx, res)).toMatchObject({ state: "done" });
    expect((await fs.readFile(path.join(paths.serviceDir, OWNER_FILE), "utf8")).trim()).toBe(markerOf(t));
    expect(await sites.observe(ctx, res)).toMatchObject({ state: "ready" });
    expect(await sites.delete(ctx, res)).toMatchObject({ state: "done" });
    expect(await exists(paths.serviceDir)).toBe(false);
  });
});
