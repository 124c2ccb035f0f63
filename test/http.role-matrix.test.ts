import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";

/**
 * The role matrix as one table: every documented route × every role → allowed or 403,
 * and every route that takes an id → 404 for another organization's object.
 */
type Role = "viewer" | "operator" | "admin" | "platform_admin";
const ROLES: Role[] = ["viewer", "operator", "admin", "platform_admin"];

/** The least role of each route of the OpenAPI document; `null`: public. */
const MATRIX: Record<string, Role | null> = {
  "GET /health": null,
  "GET /ready": null,
  "GET /metrics": null,
  "GET /v1/targets": "viewer",
  "GET /v1/organization": "viewer",
  "GET /v1/organizations": "platform_admin",
  "POST /v1/organizations": "platform_admin",
  "GET /v1/organizations/{id}": "platform_admin",
  "PATCH /v1/organizations/{id}": "platform_admin",
  "DELETE /v1/organizations/{id}": "platform_admin",
  "GET /v1/organization/quotas": "viewer",
  "GET /v1/organizations/{id}/quotas": "platform_admin",
  "PUT /v1/organizations/{id}/quotas": "platform_admin",
  "PATCH /v1/organizations/{id}/quotas": "platform_admin",
  "GET /v1/api-keys": "admin",
  "POST /v1/api-keys": "admin",
  "GET /v1/api-keys/{id}": "admin",
  "DELETE /v1/api-keys/{id}": "admin",
  "POST /v1/api-keys/{id}/rotate": "admin",
  "POST /v1/blueprints/validate": "viewer",
  "POST /v1/blueprints/{name}/render": "viewer",
  "POST /v1/blueprints": "operator",
  "GET /v1/blueprints": "viewer",
  "GET /v1/blueprints/{name}": "viewer",
  "GET /v1/blueprints/{name}/versions/{version}": "viewer",
  "POST /v1/tenants": "operator",
  "GET /v1/tenants": "viewer",
  "GET /v1/tenants/{id}": "viewer",
  "GET /v1/tenants/{id}/status": "viewer",
  "POST /v1/tenants/{id}/suspend": "operator",
  "POST /v1/tenants/{id}/resume": "operator",
  "POST /v1/tenants/{id}/retry": "operator",
  "DELETE /v1/tenants/{id}": "operator",
  "PATCH /v1/tenants/{id}": "operator",
  "POST /v1/tenants/{id}/plan": "viewer",
  "GET /v1/tenants/{id}/events": "viewer",
  "GET /v1/events": "viewer",
  "GET /v1/tenants/{id}/resources/{name}/logs": "viewer",
  "POST /v1/tenants/{id}/resources/{name}/runs": "operator",
  "GET /v1/tenants/{id}/operations": "viewer",
  "GET /v1/operations/{id}": "viewer",
  "POST /v1/environments": "operator",
  "GET /v1/environments/{id}": "viewer",
  "DELETE /v1/environments/{id}": "operator",
  "GET /v1/credentials": "viewer",
  "POST /v1/credentials": "admin",
  "GET /v1/credentials/{id}": "viewer",
  "DELETE /v1/credentials/{id}": "admin",
  "POST /v1/credentials/{id}/check": "operator",
  "GET /v1/audit": "admin",
  "POST /v1/webhooks": "admin",
  "GET /v1/webhooks": "admin",
  "GET /v1/webhooks/{id}": "admin",
  "PATCH /v1/webhooks/{id}": "admin",
  "DELETE /v1/webhooks/{id}": "admin",
  "POST /v1/webhooks/{id}/rotate-secret": "admin",
  "GET /v1/webhooks/{id}/deliveries": "admin",
  "POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": "admin",
};

/** Routes whose ids are not an organization's objects (platform administration spans them). */
const NOT_ORGANIZATION_SCOPED = new Set(["/v1/organizations/{id}", "/v1/organizations/{id}/quotas"]);

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3, platform_admin: 4 };
const BLUEPRINT = "databases: []\n";

let t: TestApp;
const keys = {} as Record<Role, string>;
let otherOrgAdmin: string;
let documented: string[];

async function send(method: string, url: string, key: string | null, body?: unknown) {
  const res = await t.app.http!.inject({
    method: method as "GET",
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.statusCode,
    body: res.headers["content-type"]?.toString().includes("json") ? res.json() : res.body,
  };
}

/** A body that no route accepts (so an allowed request changes nothing), for methods with one. */
const bodyFor = (method: string) =>
  ["POST", "PUT", "PATCH"].includes(method) ? { "not a field": true } : undefined;

describe("the role matrix", () => {
  let platform: ApiClient;
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
    platform = apiClient(t);
    keys.platform_admin = ADMIN_KEY;
    // The other roles' keys in the same organization.
    for (const role of ["viewer", "operator", "admin"] as const) {
      keys[role] = (await platform.json("POST", "/v1/api-keys", { name: role, role })).key;
    }
    otherOrgAdmin = (await platform.json("POST", "/v1/organizations", { slug: "other" })).key;
    const doc = await platform.json("GET", "/openapi.json");
    documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it("covers exactly the documented routes", () => {
    // `/metrics` is left out of the OpenAPI document (it is Prometheus's, not JSON).
    expect([...documented, "GET /metrics"].sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it("allows each role exactly the routes of its rank, and refuses the others with 403", async () => {
    const outcomes: string[] = [];
    for (const [route, least] of Object.entries(MATRIX)) {
      const [method, template] = route.split(" ") as [string, string];
      // Ids that exist nowhere: an allowed request is answered (404, 400…) but changes nothing.
      const url = template
        .replace("{id}", "00000000-0000-7000-8000-000000000000")
        .replace("{name}", "nope")
        .replace("{version}", "1");
      const anonymous = await send(method, url, null, bodyFor(method));
      outcomes.push(
        `${route} anonymous → ${least === null ? (anonymous.status === 401 ? "401!" : "ok") : anonymous.status}`,
      );
      if (least === null) continue;
      for (const role of ROLES) {
        const res = await send(method, url, keys[role], bodyFor(method));
        const allowed = RANK[role] >= RANK[least];
        const got = res.status === 403 ? "403" : res.status === 401 ? "401" : "ok";
        outcomes.push(`${route} ${role} → ${allowed ? (got === "ok" ? "ok" : got) : got}`);
        if (!allowed && res.status === 403) expect(res.body.code).toBe("FORBIDDEN");
      }
    }
    const expected: string[] = [];
    for (const [route, least] of Object.entries(MATRIX)) {
      expected.push(`${route} anonymous → ${least === null ? "ok" : 401}`);
      if (least === null) continue;
      for (const role of ROLES)
        expected.push(`${route} ${role} → ${RANK[role] >= RANK[least] ? "ok" : "403"}`);
    }
    expect(outcomes).toEqual(expected);
  });

  it("answers 404 for another organization's objects on every route that takes an id, changing nothing", async () => {
    // Objects of the organization "acme", made with its own admin key.
    const created = await platform.json("POST", "/v1/organizations", { slug: "acme" });
    const acme = apiClient(t, created.key);
    await acme.json("POST", "/v1/blueprints", { name: "app", source: BLUEPRINT });
    const { tenant, operation } = await acme.json("POST", "/v1/tenants", { name: "Acme", blueprint: "app" });
    const key = (await acme.json("POST", "/v1/api-keys", { name: "ci", role: "viewer" })).api_key;
    // A cloud role is checked for its shape only: no platform needed.
    const credential = await acme.call("POST", "/v1/credentials", {
      target: "terraform",
      kind: "cloud_role",
      provider: "aws",
      role_arn: "arn:aws:iam::123456789012:role/tenantry-deployer",
    });
    expect(credential.status, credential.raw).toBe(201);
    // A public address: accepted without TENANTRY_OUTBOUND_ALLOWED_NETWORKS.
    const webhook = await acme.json("POST", "/v1/webhooks", { url: "https://93.184.215.14/hooks" });
    const ids: Record<string, Record<string, string>> = {
      "/v1/api-keys/": { id: key.id },
      "/v1/blueprints/": { name: "app", version: "1" },
      "/v1/tenants/": { id: tenant.id, name: "job" },
      "/v1/operations/": { id: operation.id },
      "/v1/environments/": { id: tenant.id },
      "/v1/credentials/": { id: credential.body.id },
      // Any delivery id: the endpoint is looked up first, in the caller's organization.
      "/v1/webhooks/": { id: webhook.webhook.id, delivery_id: "0192f0c1-0000-7000-8000-000000000000" },
    };
    const answers: string[] = [];
    for (const route of Object.keys(MATRIX)) {
      const [method, template] = route.split(" ") as [string, string];
      if (!template.includes("{") || NOT_ORGANIZATION_SCOPED.has(template)) continue;
      const prefix = Object.keys(ids).find((p) => template.startsWith(p));
      expect(prefix, `no acme object for ${route}`).toBeDefined();
      const values = ids[prefix!]!;
      const url = template.replace(/\{(\w+)\}/g, (_, p: string) => values[p]!);
      // A valid body where one is needed, so that only the organization decides.
      const body =
        method === "PATCH"
          ? template.startsWith("/v1/webhooks/")
            ? { enabled: true }
            : { labels: { x: "y" } }
          : template.endsWith("/render")
            ? { tenant: { name: "X", slug: "x" } }
            : method === "POST"
              ? {}
              : undefined;
      for (const [who, k] of [
        ["other organization's admin", otherOrgAdmin],
        ["platform admin of another organization", keys.platform_admin],
      ] as const) {
        const res = await send(method, url, k, body);
        answers.push(`${route} as ${who} → ${res.status}`);
      }
    }
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => !a.endsWith("→ 404"))).toEqual([]);
    // Nothing changed in acme.
    expect(await acme.json("GET", `/v1/tenants/${tenant.id}`)).toMatchObject({
      status: tenant.status,
      labels: {},
    });
    expect((await acme.json("GET", `/v1/api-keys/${key.id}`)).state).toBe("active");
    expect((await acme.call("GET", `/v1/credentials/${credential.body.id}`)).status).toBe(200);
    expect((await acme.json("GET", `/v1/webhooks/${webhook.webhook.id}`)).url).toBe(
      "https://93.184.215.14/hooks",
    );
  });
});
