import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ABSENT,
  type ActionResult,
  type Provider,
  ProviderRegistry,
  type RecordedResource,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * One render context: a tenant renders the same in the API (create, plan) and in the
 * engine's passes. Before, workers rendered without TENANTRY_PLUGIN_REPO_HOSTS, so a
 * tenant whose plugin repository the API had accepted failed in its first pass.
 */

const created: RecordedResource<"web">[] = [];
const driver: ResourceDriver<"web"> = {
  observe: async () => ABSENT,
  async apply(_ctx, r, observed): Promise<ActionResult> {
    if (observed) return { state: "done", providerId: observed.providerId };
    if (r.providerId !== null) return { state: "done" };
    created.push(r);
    return { state: "done", providerId: `id-${r.key}` };
  },
  delete: async () => ({ state: "done" }),
};
const provider: Provider = { name: "memory", drivers: { web: driver } };

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    env: { TENANTRY_PLUGIN_REPO_HOSTS: "plugins.example.test" },
    providers: new ProviderRegistry().register(provider),
  });
});
afterAll(async () => {
  await t?.close();
});

const BLUEPRINT = `
parameters:
  custom_plugin_repo:
    type: string
services:
  - type: web
    name: web
    runtime: node
    repo: https://github.com/acme/app
    buildCommand: npm ci
    startCommand: node server.js
`;

describe("the render context", () => {
  it("is the same for the API and the worker: TENANTRY_PLUGIN_REPO_HOSTS and the names", async () => {
    const api = apiClient(t);
    const pushed = await api.call("POST", "/v1/blueprints", { name: "plugged", source: BLUEPRINT });
    expect(pushed.status, pushed.raw).toBe(201);
    // The preview accepts the configured host too (it used the default hosts before).
    const plan = await api.call("POST", "/v1/blueprints/plugged/render", {
      target: "memory",
      tenant: { name: "Plugged", slug: "plugged" },
      params: { custom_plugin_repo: "https://plugins.example.test/acme/plugins.git" },
    });
    expect(plan.status, plan.raw).toBe(200);
    const res = await api.call("POST", "/v1/tenants", {
      name: "Plugged",
      slug: "plugged",
      target: "memory",
      blueprint: "plugged",
      params: { custom_plugin_repo: "https://plugins.example.test/acme/plugins.git" },
    });
    expect(res.status, res.raw).toBe(201);
    const tenant = await api.waitForTenant("plugged", "active");
    expect(created).toHaveLength(1);
    expect(String(created[0]!.spec.buildCommand)).toContain("https://plugins.example.test/acme/plugins.git");
    // The name the worker recorded is the one the API's plan for this tenant shows.
    const planned = await api.call("POST", "/v1/tenants/plugged/plan", {});
    expect(planned.status, planned.raw).toBe(200);
    expect(planned.body.actions.map((a: { name: string; action: string }) => [a.name, a.action])).toEqual([
      [created[0]!.externalName, "no-op"],
    ]);
    expect(tenant.resources.map((r: { name: string }) => r.name)).toEqual([created[0]!.externalName]);
    expect(created[0]!.externalName).toMatch(/^web-plugged-[a-z2-7]{8}$/);
  });
});
