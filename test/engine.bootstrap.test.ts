import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ABSENT,
  type BootstrapHook,
  type Provider,
  ProviderError,
  ProviderRegistry,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/** The bootstrapping phase: `hooks.bootstrap` runs after the resources exist, before `active`. */

const hooks: { tenant: string; hook: BootstrapHook; resources: string[] }[] = [];
let failNext = 0;

/** What each service saw of its dependencies when it was created. */
const seenDependencies: Record<string, unknown>[] = [];

const driver: ResourceDriver = {
  observe: async () => ABSENT,
  apply: async (ctx, r, observed) => {
    if (observed) return { state: "done", providerId: r.externalName };
    if (r.providerId !== null) return { state: "done" };
    if (r.kind === "web") seenDependencies.push({ ...ctx.resource("database:main")?.outputs });
    return { state: "done", providerId: r.externalName, outputs: { name: r.externalName } };
  },
  delete: async () => ({ state: "done" }),
};

const withHooks: Provider = {
  name: "hooked",
  drivers: { postgres: driver, web: driver },
  async runBootstrap(ctx, hook, resources) {
    if (failNext > 0) {
      failNext--;
      throw new ProviderError("the seed job could not start", { retryable: true });
    }
    hooks.push({ tenant: ctx.tenant.slug, hook, resources: resources.map((r) => r.key) });
    return { state: "done", detail: "seeded" };
  },
};
const withoutHooks: Provider = { name: "plain", drivers: { postgres: driver, web: driver } };

const blueprint = `
databases:
  - name: main
services:
  - type: web
    name: app
    runtime: node
    startCommand: node app.js
hooks:
  bootstrap:
    command: node seed.js --tenant \${{ tenant.slug }}
    service: app
`;

let t: TestApp;
let api: ApiClient;
const settled = (slug: string) =>
  eventually(async () => {
    const r = await api.json("GET", `/v1/tenants/${slug}`);
    return r.status === "active" || r.status === "failed" ? r : undefined;
  });

beforeAll(async () => {
  t = await startTestApp({
    env: { TENANTRY_WORKER_CONCURRENCY: "2" },
    providers: new ProviderRegistry().register(withHooks).register(withoutHooks),
  });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("bootstrap hooks", () => {
  it("runs the hook after the resources exist, through bootstrapping, to active", async () => {
    failNext = 1; // the first attempt fails transiently and is retried
    await api.json("POST", "/v1/tenants", {
      name: "Seeded",
      target: "hooked",
      blueprint: { source: blueprint },
    });
    const tenant = await settled("seeded");
    expect(tenant.status).toBe("active");
    expect(hooks).toEqual([
      {
        tenant: "seeded",
        hook: { command: "node seed.js --tenant 'seeded'", service: "app" },
        resources: ["database:main", "service:app"],
      },
    ]);
    // The database was created earlier in the same pass: the service sees its outputs.
    expect(seenDependencies[0]).toEqual({ name: expect.stringMatching(/^main-seeded-[a-z2-7]{8}$/) });
    const events = await api.json("GET", "/v1/tenants/seeded/events");
    const path = events.data
      .filter((e: any) => e.type === "tenant.status_changed")
      .map((e: any) => e.data.to);
    expect(path).toEqual(["provisioning", "bootstrapping", "active"]);
    const [op] = (await api.json("GET", "/v1/tenants/seeded/operations")).data;
    // Each attempt is its own step: the failed one, then the one that worked.
    const steps = op.steps.filter((s: any) => s.action === "bootstrap");
    expect(steps).toMatchObject([
      { status: "failed", error_message: "the seed job could not start" },
      { status: "succeeded", detail: "seeded" },
    ]);
    expect(op.attempt).toBe(1);
  });

  it("refuses a hook at create on a target that cannot run hooks, creating nothing", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Unseeded",
      target: "plain",
      blueprint: { source: blueprint },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: "UNSUPPORTED_RESOURCE",
      refusals: [
        { resource: null, field: "hooks.bootstrap", message: 'target "plain" cannot run bootstrap hooks' },
      ],
    });
    expect((await api.call("GET", "/v1/tenants/unseeded")).status).toBe(404);
  });
});
