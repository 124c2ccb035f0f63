import { readFileSync } from "node:fs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceName, tenantDiscriminator } from "../src/domain/naming.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * The `render` target end to end against the fake Render API (test/support/fake-render),
 * which checks every request against Render's OpenAPI document: the four-service Django
 * example to `active` with literal env vars and a linked env group, suspend, resume, an
 * update that redeploys, a failed deploy, and a destroy that leaves nothing on Render.
 */

const DJANGO = readFileSync(
  new URL("../examples/blueprints/django-four-services.render.yaml", import.meta.url),
  "utf8",
);

let fake: FakeRender;
let t: TestApp;
let api: ApiClient;
const WAIT = { timeoutMs: 30_000 };
/** Everything Tenantry logged (debug level): no key or secret may be in it. */
let logText = "";

/** The ownership marker of a tenant (`TENANTRY_OWNER` on its services and env groups). */
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

/** The Render name of a tenant's object: `<base>-<slug>-<discriminator>`. */
const nameOf = (tenant: { id: string; slug: string }, base: string) =>
  resourceName(base, tenant.slug, tenantDiscriminator(t.app.installationId, tenant.id));

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 150, keyValueCreateMs: 100, buildMs: 1200, deployMs: 100 },
  });
  const logger = pino(
    { level: "debug" },
    {
      write: (line: string) => {
        logText += line;
      },
    },
  );
  t = await startTestApp({
    logger,
    // A create starts only with the provider's request timeout of lease left: a 6 s lease
    // leaves at least 2.8 s, the requests may take 2 s.
    env: { TENANTRY_WORKER_CONCURRENCY: "4", TENANTRY_LEASE_SECONDS: "6" },
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
  await api.call("POST", "/v1/blueprints", { name: "django", source: DJANGO });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("the render target against the fake Render API", () => {
  let tenant: any;

  it("provisions the four-service Django example to active", async () => {
    // Render hiccups on the way: two 503s for the database create (not re-sent blindly:
    // the engine looks the name up before trying again) and a dropped list request.
    fake.failNext(2, 503, (m, p) => m === "POST" && p === "/postgres");
    fake.failNext(1, "drop", (m, p) => m === "GET" && p === "/services");
    const created = await api.call("POST", "/v1/tenants", {
      name: "Acme",
      blueprint: "django",
      target: "render",
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // While it provisions, the tenant shows which services are still building.
    const building = await eventually(
      async () => {
        const { body } = await api.call("GET", "/v1/tenants/acme/status");
        const inProgress = Object.entries(body.outputs as Record<string, { deployStatus?: string }>).filter(
          ([, o]) => o.deployStatus === "build_in_progress" || o.deployStatus === "created",
        );
        return inProgress.length > 0 ? inProgress.map(([key]) => key) : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: "a service shown as building" },
    );
    expect(building.every((key) => key.startsWith("service:"))).toBe(true);
    tenant = await api.waitForTenant("acme", "active", WAIT);
    const attempts = (await api.call("GET", "/v1/tenants/acme/operations")).body.data[0].attempt;
    expect(attempts).toBeGreaterThanOrEqual(1); // the 503s were retried by the engine

    // Exactly one of each on Render, named for the tenant.
    const services = fake.state.services();
    expect(services.map((s) => [s.name, s.type]).sort()).toEqual([
      [nameOf(tenant, "celery-beat"), "background_worker"],
      [nameOf(tenant, "celery-worker"), "background_worker"],
      [nameOf(tenant, "django-web"), "web_service"],
      [nameOf(tenant, "django-ws"), "web_service"],
    ]);
    expect(fake.state.postgres().map((p) => p.name)).toEqual([nameOf(tenant, "django-db")]);
    expect(fake.state.keyValues().map((k) => k.name)).toEqual([nameOf(tenant, "django-redis")]);
    const groups = fake.state.envGroups();
    expect(groups.map((g) => g.name)).toEqual([nameOf(tenant, "django-settings")]);

    // Env vars are literal values; the group's are in the linked env group.
    const web = services.find((s) => s.name === nameOf(tenant, "django-web"))!;
    const env = Object.fromEntries(fake.state.envVars(web.id).map((v) => [v.key, v.value]));
    expect(env["DATABASE_URL"]).toMatch(/^postgres(ql)?:\/\//);
    expect(env["REDIS_URL"]).toMatch(/^rediss?:\/\//);
    expect(env["TENANT_SLUG"]).toBe("acme");
    expect(env).not.toHaveProperty("DJANGO_SECRET_KEY");
    // Every service and the env group carry the tenant's ownership marker.
    const marker = await markerOf(tenant);
    for (const s of services) {
      const own = fake.state.envVars(s.id).find((v) => v.key === "TENANTRY_OWNER");
      expect(own?.value).toBe(marker);
    }
    const group = groups[0]!;
    expect(group.serviceLinks.map((l) => l.id).sort()).toEqual(services.map((s) => s.id).sort());
    const groupVars = Object.fromEntries(group.envVars.map((v) => [v.key, v.value]));
    expect(groupVars["DJANGO_SECRET_KEY"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(groupVars["DJANGO_SETTINGS_MODULE"]).toBe("config.settings.production");
    expect(groupVars["TENANTRY_OWNER"]).toBe(marker);

    // The tenant shows the Render ids of everything it owns, and the site URL.
    const status = (await api.call("GET", "/v1/tenants/acme/status")).body;
    expect(status.resource_ids["service:django-web"]).toBe(web.id);
    expect(status.resource_ids["database:django-db"]).toBe(fake.state.postgres()[0]!.id);
    expect(status.resource_ids["group:django-settings"]).toBe(group.id);
    expect(status.site_url).toMatch(
      new RegExp(`^https://${nameOf(tenant, "django-web")}-[a-z0-9]+\\.onrender\\.com$`),
    );
    // Secrets are never shown.
    expect(JSON.stringify(tenant)).not.toContain(groupVars["DJANGO_SECRET_KEY"]);
    expect(JSON.stringify(tenant)).not.toContain(env["DATABASE_URL"]);
    // Nor in Tenantry's own logs, and neither is the API key.
    expect(logText.length).toBeGreaterThan(1000);
    for (const secret of [
      fake.apiKey,
      groupVars["DJANGO_SECRET_KEY"]!,
      env["DATABASE_URL"]!,
      env["REDIS_URL"]!,
    ]) {
      expect(logText.includes(secret)).toBe(false);
    }
  });

  it("suspends and resumes services and datastores", async () => {
    expect((await api.call("POST", "/v1/tenants/acme/suspend")).status).toBe(202);
    await api.waitForTenant("acme", "suspended", WAIT);
    expect(fake.state.services().every((s) => s.suspended === "suspended")).toBe(true);
    expect(fake.state.postgres()[0]!.suspended).toBe("suspended");

    expect((await api.call("POST", "/v1/tenants/acme/resume")).status).toBe(202);
    await api.waitForTenant("acme", "active", WAIT);
    expect(fake.state.services().every((s) => s.suspended === "not_suspended")).toBe(true);
    expect(fake.state.postgres()[0]!.status).toBe("available");
  });

  it("applies a blueprint update by patching the service and deploying it once", async () => {
    const web = fake.state.services().find((s) => s.name === nameOf(tenant, "django-web"))!;
    const deploysBefore = fake.state.deploys(web.id).length;
    const v2 = DJANGO.replace(
      "healthCheckPath: /healthz/",
      "healthCheckPath: /ready/\n    numInstances: 2\n    domains:\n      - ${{ tenant.slug }}.app.example",
    );
    await api.call("POST", "/v1/blueprints", { name: "django", source: v2 });
    const res = await api.call("PATCH", "/v1/tenants/acme", { blueprint: "django@2" });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await api.waitForTenant("acme", "active", WAIT);
    const after = fake.state.services().find((s) => s.id === web.id)!;
    expect(after.serviceDetails).toMatchObject({ healthCheckPath: "/ready/", numInstances: 2 });
    expect(fake.state.customDomains(web.id).map((d: any) => d.name)).toContain("acme.app.example");
    // The env vars were replaced as a whole: the ownership marker is still among them.
    expect(fake.state.envVars(web.id).find((v) => v.key === "TENANTRY_OWNER")?.value).toBe(
      await markerOf(tenant),
    );
    const deploys = fake.state.deploys(web.id);
    expect(deploys.length).toBe(deploysBefore + 1);
    expect(deploys.filter((d) => d.status === "live")).toHaveLength(1);
    // The other services did not change: no deploy for them.
    const patched = fake.requests.filter((r) => r.method === "PATCH" && r.path.startsWith("/services/"));
    expect(new Set(patched.map((r) => r.path))).toEqual(new Set([`/services/${web.id}`]));
  });

  it("unlinks an env group from a service that no longer uses it", async () => {
    const beat = fake.state.services().find((s) => s.name === nameOf(tenant, "celery-beat"))!;
    const linked = () => fake.state.envGroups()[0]!.serviceLinks.map((l) => l.id);
    expect(linked()).toContain(beat.id);
    const v2 = (await api.call("GET", "/v1/blueprints/django")).body.source as string;
    const v3 = v2.replace(
      "      - fromGroup: django-settings\n      - key: CELERY_BROKER_URL",
      "      - key: CELERY_BROKER_URL",
    );
    expect(v3).not.toBe(v2);
    await api.call("POST", "/v1/blueprints", { name: "django", source: v3 });
    expect((await api.call("PATCH", "/v1/tenants/acme", { blueprint: "django@3" })).status).toBe(202);
    await api.waitForTenant("acme", "active", WAIT);
    expect(linked()).not.toContain(beat.id);
    expect(linked()).toHaveLength(3);
  });

  it("keeps a static site's headers and routes in step with the blueprint", async () => {
    const site = (headers: string) => `
services:
  - type: web
    name: site
    runtime: static
    repo: https://github.com/acme-saas/site
    buildCommand: npm run build
    staticPublishPath: dist
    headers:
${headers}
    routes:
      - type: rewrite
        source: /*
        destination: /index.html
`;
    await api.call("POST", "/v1/blueprints", {
      name: "site",
      source: site("      - path: /*\n        name: X-Frame-Options\n        value: DENY"),
    });
    await api.call("POST", "/v1/tenants", { name: "Sitey", blueprint: "site", target: "render" });
    const active = await api.waitForTenant("sitey", "active", WAIT);
    const id = active.resources.find((r: any) => r.key === "service:site").provider_id;
    expect(fake.state.services().find((s) => s.id === id)?.type).toBe("static_site");
    expect(fake.state.staticRules(id).headers).toEqual([
      { path: "/*", name: "X-Frame-Options", value: "DENY" },
    ]);

    await api.call("POST", "/v1/blueprints", {
      name: "site",
      source: site("      - path: /assets/*\n        name: Cache-Control\n        value: max-age=600"),
    });
    expect((await api.call("PATCH", "/v1/tenants/sitey", { blueprint: "site@2" })).status).toBe(202);
    await api.waitForTenant("sitey", "active", WAIT);
    expect(fake.state.staticRules(id)).toEqual({
      headers: [{ path: "/assets/*", name: "Cache-Control", value: "max-age=600" }],
      routes: [{ type: "rewrite", source: "/*", destination: "/index.html", priority: 0 }],
    });
    await api.call("DELETE", "/v1/tenants/sitey");
    await api.waitForTenant("sitey", "destroyed", WAIT);
  });

  it("fails the tenant with Render's status when a deploy fails, and a retry after a fix succeeds", async () => {
    fake.failDeploys((name) => name.startsWith("celery-beat-globex-"), "build_failed");
    let globex: any;
    try {
      await api.call("POST", "/v1/tenants", { name: "Globex", blueprint: "django", target: "render" });
      const failed = await api.waitForTenant("globex", "failed", WAIT);
      globex = failed;
      expect(failed.error_message).toContain(`${nameOf(globex, "celery-beat")}: deploy`);
      expect(failed.error_message).toMatch(/build_failed/);
      // Retrying without a fix follows the same failed deploy: failed again, nothing created twice.
      const retry = await api.call("POST", "/v1/tenants/globex/retry");
      expect(retry.status).toBe(202);
      await eventually(
        async () => {
          const { body } = await api.call(`GET`, `/v1/operations/${retry.body.operation.id}`);
          return body.status === "failed" ? body : undefined;
        },
        { timeoutMs: 20_000, what: "the retry to fail" },
      );
    } finally {
      fake.clearDeployFailures();
    }
    // A fix is pushed: with auto-deploy, Render starts a new deploy, which the retry follows.
    const beat = fake.state.services().find((x) => x.name === nameOf(globex, "celery-beat"))!;
    const pushed = await fetch(`${fake.url}/services/${beat.id}/deploys`, {
      method: "POST",
      headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(pushed.status).toBe(201);
    expect((await api.call("POST", "/v1/tenants/globex/retry")).status).toBe(202);
    await api.waitForTenant("globex", "active", WAIT);
    expect(fake.state.services().filter((x) => x.name.includes("-globex-"))).toHaveLength(4);
    await api.call("DELETE", "/v1/tenants/globex");
    await api.waitForTenant("globex", "destroyed", WAIT);
  }, 60_000);

  it("marks a tenant access_error when Render refuses the key, and clears it after a retry", async () => {
    await api.call("POST", "/v1/blueprints", { name: "db-only", source: "databases:\n  - name: main\n" });
    fake.setAccess("unauthorized");
    let failed: any;
    try {
      await api.call("POST", "/v1/tenants", { name: "Hooli", blueprint: "db-only", target: "render" });
      failed = await api.waitForTenant("hooli", "failed", WAIT);
    } finally {
      fake.setAccess("ok");
    }
    expect(failed.error_message).toMatch(/lost access to the Render account/);
    expect(failed.conditions).toEqual([
      { type: "access_error", message: failed.error_message, since: expect.any(String) },
    ]);
    expect(JSON.stringify(failed)).not.toContain(fake.apiKey);
    const status = (await api.call("GET", "/v1/tenants/hooli/status")).body;
    expect(status.conditions.map((c: any) => c.type)).toEqual(["access_error"]);
    // Permanent: it failed at once, without retries.
    const ops = (await api.call("GET", "/v1/tenants/hooli/operations")).body.data;
    expect(ops[0].attempt).toBe(0);

    // Raised with an event (webhooks deliver it), once.
    const conditionEvents = async () =>
      (await api.json("GET", "/v1/tenants/hooli/events")).data
        .filter((e: any) => e.type.startsWith("condition."))
        .map((e: any) => [e.type, e.data.condition]);
    expect(await conditionEvents()).toEqual([["condition.raised", "access_error"]]);

    expect((await api.call("POST", "/v1/tenants/hooli/retry")).status).toBe(202);
    const healed = await api.waitForTenant("hooli", "active", WAIT);
    expect(healed.conditions).toEqual([]);
    expect(await conditionEvents()).toEqual([
      ["condition.raised", "access_error"],
      ["condition.cleared", "access_error"],
    ]);
    await api.call("DELETE", "/v1/tenants/hooli");
    await api.waitForTenant("hooli", "destroyed", WAIT);
  });

  it("destroys everything it created, confirmed gone on Render", async () => {
    expect((await api.call("DELETE", "/v1/tenants/acme")).status).toBe(202);
    await api.waitForTenant("acme", "destroyed", WAIT);
    expect(fake.state.services()).toEqual([]);
    expect(fake.state.postgres()).toEqual([]);
    expect(fake.state.keyValues()).toEqual([]);
    expect(fake.state.envGroups()).toEqual([]);
  });

  it("sent only requests that conform to Render's OpenAPI document", () => {
    if (!fake.validating) {
      console.warn(
        "[render-provider] spec validation SKIPPED: ../shared/specs/render-openapi.json not found",
      );
      return;
    }
    expect(fake.requests.length).toBeGreaterThan(50);
    expect(fake.violations).toEqual([]);
  });
});
