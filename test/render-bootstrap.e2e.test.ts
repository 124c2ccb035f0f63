import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * `hooks.bootstrap` on the render target against the fake Render API (every request checked
 * against Render's OpenAPI document): the hook runs as one one-off job on the chosen
 * service, followed over passes until it succeeds, and the tenant becomes active; a job
 * Render fails fails the tenant with its status, and a retry runs a new job; a job past
 * the hook's timeout is canceled. The fake decides a job's outcome from its command
 * (`exit N` ≠ 0 fails, `sleep N` runs N s: test/support/fake-render/jobs.ts).
 */

const WAIT = { timeoutMs: 30_000 };

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;

function blueprint(hook: string): string {
  return `
databases:
  - name: db
    plan: basic-256mb
services:
  - type: worker
    name: jobs
    runtime: node
    plan: starter
    repo: https://github.com/acme-saas/app
    buildCommand: npm ci
    startCommand: node worker.js
  - type: web
    name: web
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
hooks:
  bootstrap:
${hook}
`;
}

async function markerOf(tenant: { id: string }): Promise<string> {
  const { rows } = await t.app.db.query<{ organization_id: string }>(
    "select organization_id from tenants where id = $1",
    [tenant.id],
  );
  return ownerMarkerText(
    ownerMarker({
      installationId: t.app.installationId,
      tenant: { id: tenant.id, organizationId: rows[0]!.organization_id },
    }),
  );
}

const serviceIdOf = (tenant: any, key: string) =>
  tenant.resources.find((r: any) => r.key === key).provider_id as string;

async function createOps(slug: string): Promise<any[]> {
  return ((await api.json("GET", `/v1/tenants/${slug}/operations`)).data as any[]).slice().reverse();
}

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: {
      postgresCreateMs: 50,
      keyValueCreateMs: 50,
      buildMs: 100,
      deployMs: 50,
      jobStartMs: 300,
      jobRunMs: 600,
    },
  });
  t = await startTestApp({
    // A create starts only with the provider's request timeout (2 s) of lease left.
    env: { TENANTRY_WORKER_CONCURRENCY: "4", TENANTRY_LEASE_SECONDS: "6" },
    providers: new ProviderRegistry().register(
      createRenderProvider({
        apiKey: fake.apiKey,
        baseUrl: fake.url,
        ownerId: fake.ownerId,
        rateLimitScale: 3600,
        pollMs: 100,
        timeoutMs: 2000,
      }),
    ),
  });
  api = apiClient(t);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("bootstrap hooks on the render target", () => {
  it("runs the hook as one Render job on the first web service, followed to success, then active", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Seeded",
      target: "render",
      blueprint: { source: blueprint("    command: python manage.py seed --tenant ${{ tenant.slug }}") },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const tenant = await api.waitForTenant("seeded", "active", WAIT);
    const webId = serviceIdOf(tenant, "service:web");
    const [op] = await createOps("seeded");

    // One job, on the web service (not the worker listed first), marked as this operation's.
    expect(fake.state.jobs(serviceIdOf(tenant, "service:jobs"))).toEqual([]);
    const jobs = fake.state.jobs(webId);
    expect(jobs).toEqual([
      expect.objectContaining({
        serviceId: webId,
        status: "succeeded",
        startCommand: `python manage.py seed --tenant 'seeded'\n# tenantry-bootstrap ${await markerOf(tenant)} operation=${op.id}`,
      }),
    ]);
    const posts = fake.requests.filter((r) => r.method === "POST" && r.path === `/services/${webId}/jobs`);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ operationId: "post-job", status: 201 });
    // Followed over several passes (listing the service's jobs), not waited for in one call.
    const lists = fake.requests.filter((r) => r.method === "GET" && r.path === `/services/${webId}/jobs`);
    expect(lists.length).toBeGreaterThan(2);
    const step = op.steps.find((s: any) => s.action === "bootstrap");
    expect(step).toMatchObject({
      status: "succeeded",
      detail: expect.stringMatching(
        new RegExp(`^bootstrap hook succeeded on Render: job ${jobs[0]!.id} on service:web`),
      ),
    });
    expect(step.attempts).toBeGreaterThan(1);
    const path = (await api.json("GET", "/v1/tenants/seeded/events")).data
      .filter((e: any) => e.type === "tenant.status_changed")
      .map((e: any) => e.data.to);
    expect(path).toEqual(["provisioning", "bootstrapping", "active"]);
    expect(fake.violations).toEqual([]);
  });

  it("fails the tenant with the job's status, and a retry runs a new job", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Broken",
      target: "render",
      blueprint: { source: blueprint("    command: node seed.js || exit 1\n    service: jobs") },
    });
    const failed = await api.waitForTenant("broken", "failed", WAIT);
    const jobsId = serviceIdOf(failed, "service:jobs");
    const [first] = fake.state.jobs(jobsId);
    expect(first).toMatchObject({ status: "failed" });
    expect(failed.error_message).toContain(
      `the bootstrap hook ended failed on Render: job ${first!.id} on service:jobs`,
    );
    expect(failed.error_message).toContain("node seed.js || exit 1");
    expect(failed.error_message).toContain("tenantry tenants retry broken");
    // A retry is another operation: a new job (which fails the same way here).
    expect((await api.call("POST", "/v1/tenants/broken/retry")).status).toBe(202);
    const again = await waitFailedAgain("broken");
    const jobs = fake.state.jobs(jobsId);
    expect(jobs).toHaveLength(2);
    expect(jobs.map((j) => j.status)).toEqual(["failed", "failed"]);
    expect(again.error_message).toContain(`job ${jobs[0]!.id}`);
    expect(fake.violations).toEqual([]);
  });

  it("cancels a job that outlives the hook's timeoutSeconds and fails the tenant", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Slow",
      target: "render",
      blueprint: { source: blueprint("    command: sleep 600\n    timeoutSeconds: 1") },
    });
    const failed = await api.waitForTenant("slow", "failed", WAIT);
    const [job] = fake.state.jobs(serviceIdOf(failed, "service:web"));
    expect(job).toMatchObject({ status: "canceled" });
    expect(failed.error_message).toMatch(
      /the bootstrap hook timed out after 1 s \(hooks\.bootstrap\.timeoutSeconds\) and was canceled on Render/,
    );
    expect(
      fake.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/jobs/${job!.id}/cancel`)),
    ).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });
});

/** After a retry: the tenant failed again, by a newer operation than the first failure. */
async function waitFailedAgain(slug: string): Promise<any> {
  const deadline = Date.now() + WAIT.timeoutMs;
  for (;;) {
    const ops = await createOps(slug);
    const tenant = await api.json("GET", `/v1/tenants/${slug}`);
    if (ops.length >= 2 && ops.at(-1).status === "failed" && tenant.status === "failed") return tenant;
    if (Date.now() > deadline) throw new Error(`${slug} did not fail again`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
