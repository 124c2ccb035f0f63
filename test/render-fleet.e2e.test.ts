import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * 50 tenants created at once on the render target, under Render's documented rate limits
 * (time-compressed: the fake's hour lasts 2 s). Tenantry's own pacing is set to think
 * windows are half as long as they are, so Render answers 429s; every tenant must still
 * end `active`, with no 429 surfaced as a failure and no attempt spent on one.
 */

const FAKE_SCALE = 1800; // "20 per hour" → 20 per 2 s
const CLIENT_SCALE = 3600; // Tenantry believes 20 per 1 s: it will hit Render's limit
const TENANTS = 50;
const BLUEPRINT = `
databases:
  - name: db
    plan: basic-256mb
services:
  - type: web
    name: app
    runtime: node
    plan: starter
    repo: https://github.com/acme-saas/app
    buildCommand: npm ci
    startCommand: node server.js
    envVars:
      - key: DATABASE_URL
        fromDatabase:
          name: db
          property: connectionString
`;

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: FAKE_SCALE,
    timings: { postgresCreateMs: 200, keyValueCreateMs: 100, buildMs: 150, deployMs: 150 },
  });
  t = await startTestApp({
    // A create starts only with the provider's request timeout (2 s here) of lease left:
    // a 6 s lease leaves at least 2.8 s between renewals.
    env: {
      TENANTRY_WORKER_CONCURRENCY: "16",
      TENANTRY_RETRY_MAX_ATTEMPTS: "3",
      TENANTRY_LEASE_SECONDS: "6",
    },
    providers: new ProviderRegistry().register(
      createRenderProvider({
        apiKey: fake.apiKey,
        baseUrl: fake.url,
        ownerId: fake.ownerId,
        rateLimitScale: CLIENT_SCALE,
        pollMs: 200,
        timeoutMs: 2000,
      }),
    ),
  });
  api = apiClient(t);
  await api.call("POST", "/v1/blueprints", { name: "app", source: BLUEPRINT });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("a burst of tenants on the render target", () => {
  it(`takes ${TENANTS} tenants to active under Render's rate limits, 429s absorbed`, async () => {
    const started = Date.now();
    const created = await Promise.all(
      Array.from({ length: TENANTS }, (_, i) =>
        api.call("POST", "/v1/tenants", { name: `Fleet ${i}`, blueprint: "app", target: "render" }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(Array(TENANTS).fill(201));

    const final = await eventually(
      async () => {
        const { body } = await api.call("GET", "/v1/tenants?limit=100");
        const statuses = (body.data as { status: string; error_message: string | null }[]).map(
          (x) => x.status,
        );
        const failed = (body.data as { slug: string; status: string; error_message: string | null }[]).filter(
          (x) => x.status === "failed",
        );
        if (failed.length > 0)
          throw new Error(`failed: ${failed.map((f) => `${f.slug}: ${f.error_message}`).join("; ")}`);
        return statuses.every((s) => s === "active") ? body.data : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: "every tenant active" },
    );
    expect(final).toHaveLength(TENANTS);
    const seconds = (Date.now() - started) / 1000;

    // One service and one database per tenant, nothing twice.
    const names = fake.state.services().map((s) => s.name);
    expect(names).toHaveLength(TENANTS);
    expect(new Set(names).size).toBe(TENANTS);
    expect(fake.state.postgres()).toHaveLength(TENANTS);

    // Render did answer 429s (Tenantry's pacing was set too optimistic on purpose)…
    console.info(
      `[render-fleet] ${TENANTS} tenants active in ${seconds.toFixed(1)} s; Render answered 429 ${JSON.stringify(fake.rateLimited)}`,
    );
    expect(fake.rateLimited["create-service"] ?? 0).toBeGreaterThan(0);
    // …and none of them cost a tenant an attempt or surfaced as an error.
    const { rows } = await t.app.db.query<{ n: number }>(
      "select count(*)::int as n from operations where attempt > 0 or error_code is not null",
    );
    expect(rows[0]!.n).toBe(0);
    // Render's limit held: never more than 20 service creates answered 201 in one window.
    // The windows are the fake's: fixed, each opened by the first create after the last
    // one ended (a sliding window would count the end of one and the start of the next).
    const windowMs = 3_600_000 / FAKE_SCALE;
    let windowStart = Number.NEGATIVE_INFINITY;
    let inWindow = 0;
    for (const r of fake.requests.filter((x) => x.method === "POST" && x.path === "/services")) {
      if (r.time >= windowStart + windowMs) {
        windowStart = r.time;
        inWindow = 0;
      }
      if (r.status === 201) inWindow++;
      expect(inWindow).toBeLessThanOrEqual(20);
    }
    // 50 creates at 20 per window need at least two full windows.
    expect(seconds).toBeGreaterThan((2 * windowMs) / 1000);
    expect(fake.violations).toEqual([]);
  }, 180_000);
});
