import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, type FakeRenderWorkspace, startFakeRender } from "./support/fake-render/index.js";
import { addOrganization } from "./support/organizations.js";

/**
 * Bring your own Render account, end to end on the fake Render API: two organizations,
 * each with its own workspace and key; each tenant lands in its own organization's
 * workspace; revoking one organization's key at Render fails only its tenants (the
 * `access_error` condition on all of them, none on the other organization's), and a
 * re-check after the key is back clears it. The installation has no RENDER_API_KEY.
 */

const BLUEPRINT = {
  source: `services:
  - type: web
    name: app
    runtime: image
    image:
      url: docker.io/library/nginx:1.27
    plan: starter
`,
};
const WAIT = { timeoutMs: 30_000 };

let fake: FakeRender;
let t: TestApp;
let a: ApiClient;
let b: ApiClient;
let wsA: FakeRenderWorkspace;
let wsB: FakeRenderWorkspace;

beforeAll(async () => {
  fake = await startFakeRender({ noRateLimits: true, timings: { buildMs: 100, deployMs: 100 } });
  wsA = fake.addWorkspace({ apiKey: "rnd_org_a_0123456789abcdef", ownerId: "tea-orga000000000000000" });
  wsB = fake.addWorkspace({ apiKey: "rnd_org_b_0123456789abcdef", ownerId: "tea-orgb000000000000000" });
  t = await startTestApp({
    env: {
      RENDER_API_URL: fake.url,
      TENANTRY_WORKER_CONCURRENCY: "4",
      TENANTRY_LEASE_SECONDS: "6",
      TENANTRY_RETRY_MAX_ATTEMPTS: "2",
    },
    providers: new ProviderRegistry().register(
      createRenderProvider({ baseUrl: fake.url, pollMs: 100, timeoutMs: 2000 }),
    ),
  });
  a = apiClient(t);
  b = apiClient(t, (await addOrganization(t, "beta")).key);
  for (const [api, ws] of [
    [a, wsA],
    [b, wsB],
  ] as const) {
    const res = await api.call("POST", "/v1/credentials", {
      target: "render",
      kind: "render_api_key",
      api_key: ws.apiKey,
    });
    expect(res.status, res.raw).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

const conditionsOf = async (api: ApiClient, slug: string) =>
  ((await api.json("GET", `/v1/tenants/${slug}`)).conditions as { type: string }[]).map((c) => c.type);
/** The tenant's condition events: [type, condition]. */
const conditionEvents = async (api: ApiClient, slug: string) =>
  (await api.json("GET", `/v1/tenants/${slug}/events`)).data
    .filter((e: { type: string }) => e.type.startsWith("condition."))
    .map((e: { type: string; data: { condition: string } }) => [e.type, e.data.condition]);

describe("organizations' own Render accounts", () => {
  it("puts each tenant in its own organization's workspace", async () => {
    for (const [api, name] of [
      [a, "Alpha One"],
      [a, "Alpha Two"],
      [b, "Beta One"],
    ] as const) {
      const res = await api.call("POST", "/v1/tenants", { name, blueprint: BLUEPRINT, target: "render" });
      expect(res.status, res.raw).toBe(201);
    }
    await a.waitForTenant("alpha-one", "active", WAIT);
    await a.waitForTenant("alpha-two", "active", WAIT);
    await b.waitForTenant("beta-one", "active", WAIT);

    const names = (ws: FakeRenderWorkspace) =>
      ws.state
        .services()
        .map((s) => s.name)
        .sort();
    expect(names(wsA)).toEqual([
      expect.stringMatching(/^app-alpha-one-/),
      expect.stringMatching(/^app-alpha-two-/),
    ]);
    expect(names(wsB)).toEqual([expect.stringMatching(/^app-beta-one-/)]);
    expect(wsA.state.services().every((s) => s.ownerId === wsA.ownerId)).toBe(true);
    // The installation's own (default) workspace got nothing.
    expect(fake.state.services()).toEqual([]);
  });

  it("fails only the organization whose key was revoked, with access_error on all its tenants", async () => {
    fake.revokeKey(wsA.apiKey);
    expect((await a.call("POST", "/v1/tenants/alpha-one/suspend")).status).toBe(202);
    const failed = await a.waitForTenant("alpha-one", "failed", WAIT);
    expect(failed.status).toBe("failed");
    expect(failed.error_message).toMatch(/lost access to the Render account/);

    const credA = (await a.json("GET", "/v1/credentials")).data[0];
    expect(credA.status).toBe("access_error");
    expect(credA.last_error).toMatch(/401/);
    expect(await conditionsOf(a, "alpha-one")).toEqual(["access_error"]);
    expect(await conditionsOf(a, "alpha-two")).toEqual(["access_error"]);
    // Raised on each with one event, which webhooks deliver.
    for (const slug of ["alpha-one", "alpha-two"])
      expect(await conditionEvents(a, slug), slug).toEqual([["condition.raised", "access_error"]]);

    // The other organization: untouched, and still working.
    expect((await b.json("GET", "/v1/credentials")).data[0].status).toBe("ok");
    expect(await conditionsOf(b, "beta-one")).toEqual([]);
    expect((await b.call("POST", "/v1/tenants/beta-one/suspend")).status).toBe(202);
    await b.waitForTenant("beta-one", "suspended", WAIT);
    expect(wsB.state.services()[0]?.suspended).toBe("suspended");
  });

  it("clears the access error when a re-check passes again", async () => {
    fake.restoreKey(wsA.apiKey);
    const credA = (await a.json("GET", "/v1/credentials")).data[0];
    const checked = await a.call("POST", `/v1/credentials/${credA.id}/check`);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: "ok", last_error: null });
    expect(await conditionsOf(a, "alpha-two")).toEqual([]);
    expect(await conditionEvents(a, "alpha-two")).toEqual([
      ["condition.raised", "access_error"],
      ["condition.cleared", "access_error"],
    ]);
    // The failed tenant is retried and settles on the organization's account.
    expect((await a.call("POST", "/v1/tenants/alpha-one/retry")).status).toBe(202);
    await eventually(
      async () => {
        const s = (await a.json("GET", "/v1/tenants/alpha-one")).status;
        return s === "suspended" || s === "active" ? s : undefined;
      },
      { ...WAIT, what: "alpha-one settled after the retry" },
    );
  });
});
