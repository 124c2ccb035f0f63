import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * Rotating a tenant's write-only secrets on the `render` target, against the fake Render
 * API: the new value reaches the service's env vars (and an env group's), the service
 * that uses it is deployed once more, the one that does not is left alone, and no value
 * appears in the log (at `trace`) or an API answer.
 */

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;
let logText = "";
const WAIT = { timeoutMs: 30_000 };

const FIRST = `tok-first-${randomBytes(8).toString("hex")}`;
const SECOND = `tok-second-${randomBytes(8).toString("hex")}`;
const GROUP_FIRST = `grp-first-${randomBytes(8).toString("hex")}`;
const GROUP_SECOND = `grp-second-${randomBytes(8).toString("hex")}`;

const BLUEPRINT = `
envVarGroups:
  - name: shared
    envVars:
      - key: GROUP_TOKEN
        sync: false
services:
  - type: web
    name: api
    runtime: node
    repo: https://github.com/acme-saas/api
    startCommand: node server.js
    envVars:
      - key: API_TOKEN
        sync: false
  - type: worker
    name: jobs
    runtime: node
    repo: https://github.com/acme-saas/api
    startCommand: node worker.js
    envVars:
      - fromGroup: shared
`;

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { buildMs: 200, deployMs: 100 },
  });
  const logger = pino(
    { level: "trace" },
    {
      write: (line: string) => {
        logText += line;
      },
    },
  );
  t = await startTestApp({
    logger,
    env: { TENANTRY_WORKER_CONCURRENCY: "2", TENANTRY_LEASE_SECONDS: "6" },
    providers: new ProviderRegistry().register(
      createRenderProvider({
        apiKey: fake.apiKey,
        baseUrl: fake.url,
        rateLimitScale: 3600,
        pollMs: 100,
        timeoutMs: 2000,
        logger,
      }),
    ),
  });
  api = apiClient(t);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("tenant secrets on the render target (fake Render)", () => {
  const answers: string[] = [];
  const serviceNamed = (base: string) =>
    fake.state.services().find((s) => s.name.startsWith(`${base}-acme-`))!;
  const envOf = (id: string, key: string) => fake.state.envVars(id).find((v) => v.key === key)?.value;
  const groupValue = (key: string) => fake.state.envGroups()[0]?.envVars.find((v) => v.key === key)?.value;

  it("creates the tenant with its secrets in the service's and the group's env vars", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Acme",
      target: "render",
      blueprint: { source: BLUEPRINT },
      secrets: { API_TOKEN: FIRST, GROUP_TOKEN: GROUP_FIRST },
    });
    answers.push(res.raw);
    expect(res.status, res.raw).toBe(201);
    await api.waitForTenant("acme", "active", WAIT);
    expect(envOf(serviceNamed("api").id, "API_TOKEN")).toBe(FIRST);
    expect(groupValue("GROUP_TOKEN")).toBe(GROUP_FIRST);
  });

  it("rotates a service's secret: its env var changes and it is deployed once; the other service is not", async () => {
    const apiSvc = serviceNamed("api");
    const jobs = serviceNamed("jobs");
    const apiDeploys = fake.state.deploys(apiSvc.id).length;
    const jobsDeploys = fake.state.deploys(jobs.id).length;
    const requestsBefore = fake.requests.length;
    const res = await api.call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: SECOND } });
    answers.push(res.raw);
    expect(res.status, res.raw).toBe(202);
    answers.push(JSON.stringify(await api.waitForTenant("acme", "active", WAIT)));
    expect(envOf(apiSvc.id, "API_TOKEN")).toBe(SECOND);
    expect(fake.state.deploys(apiSvc.id).length).toBe(apiDeploys + 1);
    expect(fake.state.deploys(jobs.id).length).toBe(jobsDeploys);
    const writes = fake.requests
      .slice(requestsBefore)
      .filter((r) => r.method !== "GET")
      .map((r) => r.path);
    expect(writes.every((p) => p.startsWith(`/services/${apiSvc.id}`))).toBe(true);
  });

  it("rotates an env group's secret: the group's value changes and the service using it is redeployed", async () => {
    const apiSvc = serviceNamed("api");
    const jobs = serviceNamed("jobs");
    const apiDeploys = fake.state.deploys(apiSvc.id).length;
    const jobsDeploys = fake.state.deploys(jobs.id).length;
    const res = await api.call("PATCH", "/v1/tenants/acme", { secrets: { GROUP_TOKEN: GROUP_SECOND } });
    answers.push(res.raw);
    expect(res.status, res.raw).toBe(202);
    await api.waitForTenant("acme", "active", WAIT);
    expect(groupValue("GROUP_TOKEN")).toBe(GROUP_SECOND);
    expect(fake.state.deploys(jobs.id).length).toBeGreaterThan(jobsDeploys);
    expect(fake.state.deploys(apiSvc.id).length).toBe(apiDeploys);
  });

  it("logs (at trace) and answers no secret value", async () => {
    answers.push((await api.call("GET", "/v1/tenants/acme/events")).raw);
    answers.push((await api.call("POST", "/v1/tenants/acme/plan", {})).raw);
    expect(logText.length).toBeGreaterThan(1000);
    for (const value of [FIRST, SECOND, GROUP_FIRST, GROUP_SECOND]) {
      expect(logText).not.toContain(value);
      expect(answers.join("\n")).not.toContain(value);
    }
  });
});
