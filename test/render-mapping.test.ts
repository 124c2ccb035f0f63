import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderBlueprint } from "../src/blueprints/render.js";
import {
  type DesiredResource,
  isKind,
  isService,
  type ResourceKind,
  type ServiceKind,
} from "../src/domain/resources.js";
import { resetTimeOf } from "../src/providers/render/client.js";
import {
  apiPlan,
  keyValueBody,
  postgresBody,
  serviceBody,
  servicePatchBody,
  serviceType,
} from "../src/providers/render/mapping.js";
import { bucketOf, RenderRateLimiter } from "../src/providers/render/rate-limits.js";
import { compileBlueprint } from "../src/services/blueprint-compiler.js";
import { loadRenderSpec } from "./support/render-spec.js";

/**
 * Blueprint → Render API bodies, checked field by field and, when Render's OpenAPI
 * document is present (../shared/specs), validated against it; and the client-side
 * rate limits and reset-header parsing.
 */

const spec = loadRenderSpec();
if (!spec)
  console.warn("[render-mapping] spec checks SKIPPED: ../shared/specs/render-openapi.json not found");

const OWNER = "tea-test0000000000000000";
const django = compileBlueprint(
  readFileSync(new URL("../examples/blueprints/django-four-services.render.yaml", import.meta.url), "utf8"),
);
const rendered = renderBlueprint(django, {
  tenant: { id: "00000000-0000-4000-8000-000000000001", slug: "acme", name: "Acme" },
  org: { slug: "default" },
  installationId: "test-installation",
  params: {},
});
const find = (key: string) => {
  const r = rendered.resources.find((x) => x.key === key);
  if (!r) throw new Error(`no ${key}`);
  return r;
};
function byKey<K extends ResourceKind>(key: string, kind: K): DesiredResource<K> {
  const r = find(key);
  if (!isKind(r, kind)) throw new Error(`${key} is a ${r.kind}, not a ${kind}`);
  return r;
}
function service(key: string): DesiredResource<ServiceKind> {
  const r = find(key);
  if (!isService(r)) throw new Error(`${key} is a ${r.kind}, not a service`);
  return r;
}

function expectValid(method: string, path: string, body: unknown) {
  if (!spec) return;
  const { operationId, errors } = spec.validateRequest({ method, path, query: {}, body });
  expect(operationId).toBeDefined();
  expect(errors).toEqual([]);
}

describe("blueprint → Render API bodies", () => {
  it.skipIf(!spec)("checks bodies against Render's document (a wrong one is caught)", () => {
    const wrong = spec!.validateRequest({
      method: "POST",
      path: "/postgres",
      query: {},
      body: { name: "x", ownerId: OWNER, plan: "basic-1gb", version: 16 },
    });
    expect(wrong.errors.join("\n")).toMatch(/plan|version/);
  });

  it("maps a database with plan, version, names and region", () => {
    const db = byKey("database:django-db", "postgres");
    const body = postgresBody(db.externalName, OWNER, { ...db.spec, postgresMajorVersion: "16" });
    expect(body).toEqual({
      name: "django-db-acme-rfpmm4jn",
      ownerId: OWNER,
      plan: "basic_1gb",
      version: "16",
      region: "oregon",
      databaseName: "app",
      databaseUser: "app",
    });
    expectValid("POST", "/postgres", body);
    const ha = postgresBody("x", OWNER, {
      name: "x",
      plan: "pro-4gb",
      highAvailability: { enabled: true },
      ipAllowList: [{ source: "10.0.0.0/8", description: "vpn" }],
      diskSizeGB: 20,
    });
    expect(ha).toMatchObject({
      plan: "pro_4gb",
      enableHighAvailability: true,
      diskSizeGB: 20,
      ipAllowList: [{ cidrBlock: "10.0.0.0/8", description: "vpn" }],
    });
    expectValid("POST", "/postgres", ha);
  });

  it("maps a Key Value with its eviction policy spelled the API's way", () => {
    const kv = byKey("service:django-redis", "keyvalue");
    const body = keyValueBody(kv.externalName, OWNER, { ...kv.spec, maxmemoryPolicy: "allkeys-lru" });
    expect(body).toEqual({
      name: "django-redis-acme-rfpmm4jn",
      ownerId: OWNER,
      plan: "starter",
      region: "oregon",
      maxmemoryPolicy: "allkeys_lru",
      ipAllowList: [],
    });
    expectValid("POST", "/key-value", body);
  });

  it("maps the four Django services with literal env vars", () => {
    const types = ["django-web", "django-ws", "celery-worker", "celery-beat"].map((n) => {
      const svc = service(`service:${n}`);
      const body = serviceBody(svc.kind, svc.externalName, OWNER, svc.spec, { DATABASE_URL: "postgres://x" });
      expectValid("POST", "/services", body);
      return body;
    });
    expect(types.map((b) => b["type"])).toEqual([
      "web_service",
      "web_service",
      "background_worker",
      "background_worker",
    ]);
    expect(types[0]).toMatchObject({
      name: "django-web-acme-rfpmm4jn",
      ownerId: OWNER,
      repo: "https://github.com/acme-saas/django-app",
      branch: "main",
      autoDeploy: "yes",
      envVars: [{ key: "DATABASE_URL", value: "postgres://x" }],
      serviceDetails: {
        runtime: "python",
        plan: "standard",
        region: "oregon",
        healthCheckPath: "/healthz/",
        preDeployCommand: "python manage.py migrate --noinput",
        envSpecificDetails: {
          buildCommand: "pip install -r requirements.txt && python manage.py collectstatic --noinput",
          startCommand: "gunicorn config.wsgi:application --bind 0.0.0.0:$PORT",
        },
      },
    });
    const patch = servicePatchBody("web", "django-web-acme", OWNER, service("service:django-web").spec);
    expect(patch).not.toHaveProperty("type");
    expect(patch).not.toHaveProperty("envVars");
    expectValid("PATCH", "/services/srv-abc123", patch);
  });

  it("maps cron jobs, private services, static sites and images", () => {
    expect(serviceType("pserv", { type: "pserv", envVars: [] })).toBe("private_service");
    expect(serviceType("web", { type: "web", runtime: "static", envVars: [] })).toBe("static_site");
    const cron = serviceBody(
      "cron",
      "tick-acme",
      OWNER,
      {
        type: "cron",
        runtime: "node",
        schedule: "*/5 * * * *",
        repo: "https://github.com/a/b",
        startCommand: "node tick.js",
        plan: "starter",
        envVars: [],
      },
      {},
    );
    expect(cron["serviceDetails"]).toMatchObject({
      schedule: "*/5 * * * *",
      runtime: "node",
      plan: "starter",
    });
    expectValid("POST", "/services", cron);
    const site = serviceBody(
      "web",
      "site-acme",
      OWNER,
      {
        type: "web",
        runtime: "static",
        repo: "https://github.com/a/b",
        buildCommand: "npm run build",
        staticPublishPath: "dist",
        headers: [{ path: "/*", name: "X-Frame-Options", value: "DENY" }],
        routes: [{ type: "rewrite", source: "/*", destination: "/index.html" }],
        envVars: [],
      },
      {},
    );
    expect(site).toMatchObject({
      type: "static_site",
      serviceDetails: { buildCommand: "npm run build", publishPath: "dist" },
    });
    expectValid("POST", "/services", site);
    const image = serviceBody(
      "worker",
      "img-acme",
      OWNER,
      {
        type: "worker",
        runtime: "image",
        image: { url: "docker.io/library/busybox:1" },
        envVars: [],
      },
      {},
    );
    expect(image).toMatchObject({ image: { ownerId: OWNER, imagePath: "docker.io/library/busybox:1" } });
    expect(image).not.toHaveProperty("repo");
    expectValid("POST", "/services", image);
  });

  it("refuses what Render's API cannot take, saying why", () => {
    const web = { type: "web" as const, envVars: [] };
    expect(() => serviceBody("web", "w", OWNER, { ...web, runtime: "node", startCommand: "x" }, {})).toThrow(
      /needs a repo/,
    );
    expect(() =>
      serviceBody("web", "w", OWNER, { ...web, runtime: "node", repo: "./local/dir", startCommand: "x" }, {}),
    ).toThrow(/not a Git URL/);
    expect(() =>
      serviceBody(
        "web",
        "w",
        OWNER,
        { ...web, runtime: "node", repo: "https://g/x", startCommand: "x", plan: "free" },
        {},
      ),
    ).toThrow(/plan "free"/);
    expect(apiPlan("pro plus")).toBe("pro_plus");
  });
});

describe("Render rate limits, client side", () => {
  it("puts each request in Render's documented bucket", () => {
    expect(bucketOf("POST", "/services")).toEqual({ name: "create-service", key: "create-service" });
    expect(bucketOf("PATCH", "/services/srv-1")).toEqual({
      name: "service-change",
      key: "service-change:srv-1",
    });
    expect(bucketOf("POST", "/services/srv-1/deploys").key).toBe("service-change:srv-1");
    expect(bucketOf("POST", "/services/srv-2/suspend").key).toBe("service-change:srv-2");
    expect(bucketOf("PUT", "/services/srv-1/env-vars").name).toBe("write");
    expect(bucketOf("DELETE", "/services/srv-1").name).toBe("write");
    expect(bucketOf("POST", "/postgres").name).toBe("write");
    expect(bucketOf("GET", "/services").name).toBe("read");
  });

  it("lets 20 service creates through per hour, then says how long to wait", () => {
    let now = 1_000_000;
    const limiter = new RenderRateLimiter({}, () => now);
    for (let i = 0; i < 20; i++) expect(limiter.take("POST", "/services")).toBe(0);
    expect(limiter.take("POST", "/services")).toBe(3_600_000);
    // Other buckets are independent.
    expect(limiter.take("POST", "/postgres")).toBe(0);
    now += 3_600_000;
    expect(limiter.take("POST", "/services")).toBe(0);
  });

  it("scales windows and stays closed until a 429's reset", () => {
    let now = 0;
    const limiter = new RenderRateLimiter({ scale: 3600 }, () => now);
    for (let i = 0; i < 20; i++) limiter.take("POST", "/services");
    expect(limiter.take("POST", "/services")).toBe(1000); // one hour / 3600
    limiter.blockUntil("GET", "/services", 5000);
    expect(limiter.take("GET", "/owners")).toBe(5000);
    now = 5000;
    expect(limiter.take("GET", "/owners")).toBe(0);
  });

  it("reads Ratelimit-Reset as epoch seconds or a delta, and Retry-After", () => {
    const now = 1_700_000_000_000;
    expect(resetTimeOf(new Headers({ "ratelimit-reset": String(now / 1000 + 30) }), now)).toBe(now + 30_000);
    expect(resetTimeOf(new Headers({ "ratelimit-reset": "12" }), now)).toBe(now + 12_000);
    expect(resetTimeOf(new Headers({ "retry-after": "7" }), now)).toBe(now + 7000);
    expect(resetTimeOf(new Headers({ "ratelimit-reset": "3", "retry-after": "9" }), now)).toBe(now + 9000);
    expect(resetTimeOf(new Headers(), now)).toBe(now + 1000);
  });
});
