import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { createLocalBootstrap, type LocalBootstrap } from "../src/providers/local/bootstrap.js";
import { isGroupAlive } from "../src/providers/local/process-group.js";
import { localServicePaths } from "../src/providers/local/service-driver.js";
import type { ActionResult, ProviderContext, RecordedResource } from "../src/providers/provider.js";
import { ProviderError } from "../src/providers/provider.js";

/**
 * The local bootstrap runner on its own (no engine): a run is detached from the call that
 * started it and found again by its record — by another runner, as after a Tenantry restart
 * — never started twice; an abort stops the waiting, not the hook; a run past its timeout
 * is killed by whichever pass finds it; a failure belongs to its operation (a retry runs the
 * hook again). Isolation is off here (the runner is given no users); the e2e test covers it.
 */

let dataDir: string;
const tenant = {
  id: "11111111-1111-4111-8111-111111111111",
  slug: "acme",
  name: "Acme",
  organizationId: "org",
};
const web: RecordedResource<"web"> = {
  key: "service:web",
  kind: "web",
  externalName: "web-acme-abcdefgh",
  dependsOn: [],
  spec: { type: "web", runtime: "node", envVars: [{ key: "GREETING", value: "hi" }] },
  providerId: `${tenant.id}/service:web`,
  outputs: {},
  secretOutputs: {},
};
const paths = () => localServicePaths(dataDir, web, tenant);
const logFile = () => path.join(paths().serviceDir, "bootstrap.log");

function ctxFor(operation: string, signal?: AbortSignal): ProviderContext {
  return providerContext({
    tenant,
    installationId: "inst",
    signal,
    logger: pino({ level: "silent" }).child({ operation }),
  });
}

function runner(waitMs = 100): LocalBootstrap {
  return createLocalBootstrap({ dataDir, baseDomain: "tenants.test", publicPort: 8080, waitMs });
}

/** Calls `run` until it is no longer pending; returns the answer and how many calls it took. */
async function settle(
  call: () => Promise<ActionResult>,
): Promise<{ result: ActionResult | undefined; error: unknown; calls: number }> {
  for (let calls = 1; calls < 400; calls++) {
    try {
      const result = await call();
      if (result.state !== "pending") return { result, error: undefined, calls };
    } catch (error) {
      return { result: undefined, error, calls };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the hook never settled");
}

const headers = async () =>
  (await readFile(logFile(), "utf8")).split("\n").filter((l) => l.startsWith("==> "));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bootstrap-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function freshService(): Promise<void> {
  await rm(paths().serviceDir, { recursive: true, force: true });
  const release = path.join(paths().serviceDir, "release-1");
  await mkdir(release, { recursive: true });
  await writeFile(paths().deployFile, JSON.stringify({ version: 1, release: 1, slot: "a", port: 4321 }));
  await writeFile(path.join(release, "hook.sh"), 'echo "greeting=$GREETING port=$PORT cwd=$(pwd)"\n');
}

describe("the local bootstrap runner", () => {
  it("runs in the release with the service's env, and a second runner follows the same run", async () => {
    await freshService();
    const first = runner();
    const hook = { command: "sleep 1; sh hook.sh" };
    const started = await first.run(ctxFor("op-1"), hook, [web]);
    expect(started).toMatchObject({
      state: "pending",
      detail: expect.stringContaining("running in service:web"),
    });
    // As after a restart: a runner that did not start it finds the run and follows it.
    first.close();
    const second = runner();
    const { result, calls } = await settle(() => second.run(ctxFor("op-1"), hook, [web]));
    expect(calls).toBeGreaterThan(1);
    expect(result).toMatchObject({ state: "done", detail: expect.stringContaining("exited with code 0") });
    expect(await headers()).toHaveLength(1);
    const log = await readFile(logFile(), "utf8");
    expect(log).toContain(`greeting=hi port=4321 cwd=${path.join(paths().serviceDir, "release-1")}`);
    // Done stays done: asked again (a crash before the engine recorded it), nothing runs again.
    expect(await second.run(ctxFor("op-2"), hook, [web])).toMatchObject({ state: "done" });
    expect(await headers()).toHaveLength(1);
  });

  it("an abort is not a failure: the hook goes on and the next call finds it", async () => {
    await freshService();
    const r = runner(5_000);
    const hook = { command: "sleep 1; echo finished" };
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("shutting down")), 200);
    await expect(r.run(ctxFor("op-1", abort.signal), hook, [web])).rejects.toBeInstanceOf(AbortedError);
    const { result } = await settle(() => r.run(ctxFor("op-1"), hook, [web]));
    expect(result).toMatchObject({ state: "done" });
    expect(await headers()).toHaveLength(1);
    expect(await readFile(logFile(), "utf8")).toContain("finished");
  });

  it("a failure is its operation's: reported to it, and a retry (another operation) runs the hook again", async () => {
    await freshService();
    const r = runner();
    const hook = { command: "echo trying; test -f ok || exit 7" };
    const failed = await settle(() => r.run(ctxFor("op-1"), hook, [web]));
    expect(failed.error).toBeInstanceOf(ProviderError);
    expect(failed.error).toMatchObject({ retryable: false, code: "BOOTSTRAP_FAILED" });
    expect((failed.error as Error).message).toMatch(/exited with code 7 .*last lines:\ntrying$/s);
    // The same operation asking again gets the same failure, without a new run.
    await expect(r.run(ctxFor("op-1"), hook, [web])).rejects.toThrow(/exited with code 7/);
    expect(await headers()).toHaveLength(1);
    // Fixed, then retried: a new run, which succeeds.
    await writeFile(path.join(paths().serviceDir, "release-1", "ok"), "");
    const retried = await settle(() => r.run(ctxFor("op-2"), hook, [web]));
    expect(retried.result).toMatchObject({ state: "done" });
    expect(await headers()).toHaveLength(2);
  });

  it("a run past its timeout is killed by the pass that finds it, after a restart too", async () => {
    await freshService();
    const first = runner();
    const hook = { command: "sleep 30", timeoutSeconds: 1 };
    expect(await first.run(ctxFor("op-1"), hook, [web])).toMatchObject({ state: "pending" });
    // The runner that started it is gone (its timer with it): the next one enforces the timeout.
    first.close();
    const second = runner();
    const { error } = await settle(() => second.run(ctxFor("op-1"), hook, [web]));
    expect((error as Error).message).toMatch(/timed out after 1 s .*and was killed/);
    const record = JSON.parse(await readFile(path.join(paths().serviceDir, "bootstrap.json"), "utf8"));
    expect(await isGroupAlive(record.pid)).toBe(false);
  });

  it("refuses a service that cannot run it, and picks the first web service by default", async () => {
    const r = runner();
    const site: RecordedResource<"web"> = {
      ...web,
      key: "service:site",
      spec: { type: "web", runtime: "static", envVars: [] },
    };
    await expect(r.run(ctxFor("op-1"), { command: "true", service: "site" }, [site, web])).rejects.toThrow(
      /site cannot run commands \(a static site\)/,
    );
    await expect(r.run(ctxFor("op-1"), { command: "true" }, [site])).rejects.toThrow(
      /first web service by default/,
    );
    await expect(r.run(ctxFor("op-1"), { command: "true", service: "nope" }, [web])).rejects.toThrow(
      /has no service nope/,
    );
  });
});
