import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ABSENT,
  type Provider,
  ProviderError,
  ProviderRegistry,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * While the platform works on one resource, the engine goes on with the others: a
 * pending resource or a rate-limited one (ProviderError with retryAfterMs) holds back
 * only what depends on it, and waiting for a rate limit spends no attempt.
 */

const calls: string[] = [];
let limited = true;

/** database:slow is rate-limited until `limited` is false; database:quick is pending once, then ready. */
function waity(): Provider {
  const seen = new Set<string>();
  const driver: ResourceDriver = {
    async observe(_ctx, r) {
      calls.push(`observe ${r.key}`);
      if (!seen.has(r.key)) return ABSENT;
      return { providerId: r.externalName, state: "ready", outputs: { name: r.externalName } };
    },
    async apply(_ctx, r, observed) {
      // Taking over what was found, or updating the recorded object: nothing to do.
      if (observed || r.providerId !== null) return { state: "done", providerId: r.externalName };
      calls.push(`create ${r.key}`);
      if (r.key === "database:slow" && limited) {
        throw new ProviderError("rate limit: next slot in 60 s", {
          retryable: true,
          code: "RATE_LIMITED",
          retryAfterMs: 60_000,
        });
      }
      if (r.key === "database:quick" && !seen.has(r.key)) {
        seen.add(r.key);
        return { state: "pending", retryAfterMs: 50, providerId: r.externalName, detail: "warming up" };
      }
      seen.add(r.key);
      return { state: "done", providerId: r.externalName };
    },
    delete: async () => ({ state: "done" }),
  };
  return { name: "waity", drivers: { postgres: driver } };
}

let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  t = await startTestApp({ providers: new ProviderRegistry().register(waity()) });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("waits in a reconcile pass", () => {
  it("lets an independent resource finish while another waits for a rate limit, spending no attempt", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Waity",
      target: "waity",
      blueprint: { source: "databases:\n  - name: slow\n  - name: quick\n" },
    });
    expect(created.status).toBe(201);

    // quick: pending, then ready on a later pass — while slow is still rate-limited.
    const tenant = await eventually(
      async () => {
        const { body } = await api.call("GET", "/v1/tenants/waity");
        const quick = body.resources.find((r: any) => r.key === "database:quick");
        return quick?.status === "ready" ? body : undefined;
      },
      { timeoutMs: 10_000, what: "database:quick ready" },
    );
    expect(tenant.status).toBe("provisioning");
    expect(tenant.resources.find((r: any) => r.key === "database:slow").status).toBe("creating");
    const op = (await api.call("GET", "/v1/tenants/waity/operations")).body.data[0];
    expect(["queued", "running"]).toContain(op.status); // not finished: requeued
    expect(Date.parse(op.next_run_at) - Date.now()).toBeGreaterThan(30_000); // for the rate limit's 60 s
    expect(op.attempt).toBe(0);
    expect(op.error).toBeNull();
    const slowSteps = op.steps.filter((s: any) => s.resource === "database:slow");
    expect(slowSteps.length).toBeGreaterThanOrEqual(1);
    expect(slowSteps.every((s: any) => s.status === "waiting")).toBe(true);
    expect(slowSteps[0].detail).toMatch(/rate limit/);
    // slow is tried again only on the passes that quick's short waits caused, then the
    // operation sleeps for the rate limit: not hammered.
    const tries = calls.filter((c) => c === "create database:slow").length;
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(tries).toBeLessThanOrEqual(3);

    // The limit lifts: a retry-free finish.
    limited = false;
    await t.app.db.query("update operations set run_at = now() where id = $1", [op.id]);
    await t.app.db.query("select pg_notify('tenantry_work', '')");
    const active = await api.waitForTenant("waity", "active", { timeoutMs: 10_000 });
    expect(active.resources.every((r: any) => r.status === "ready")).toBe(true);
    const done = (await api.call("GET", "/v1/tenants/waity/operations")).body.data[0];
    expect(done.attempt).toBe(0);
  });
});
