import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * Per-organization quotas: the platform admin's overrides (and their reset), the 403
 * QUOTA_EXCEEDED and 429 RATE_LIMITED bodies and headers, refusals that change nothing,
 * and concurrent creates at the limit of which exactly the limit passes.
 */
let t: TestApp;
let platform: ApiClient;
const EMPTY = "databases: []\n";

/** A new organization and a client with its first admin key. */
async function newOrg(slug: string): Promise<{ id: string; admin: ApiClient }> {
  const created = await platform.json("POST", "/v1/organizations", { slug });
  const admin = apiClient(t, created.key as string);
  await admin.json("POST", "/v1/blueprints", { name: "empty", source: EMPTY });
  return { id: created.organization.id, admin };
}

const tenantCount = async (orgId: string) =>
  (
    await t.app.db.query<{ n: number }>("select count(*)::int as n from tenants where organization_id = $1", [
      orgId,
    ])
  ).rows[0]?.n;

describe("quotas", () => {
  beforeAll(async () => {
    // No workers: tenants stay `creating`, which counts as live.
    t = await startTestApp({ workers: false, env: { TENANTRY_QUOTA_MAX_TENANTS: "50" } });
    platform = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("shows an organization its quotas, the defaults of the configuration, and its use", async () => {
    const { admin } = await newOrg("shown");
    await admin.json("POST", "/v1/tenants", { name: "one", blueprint: "empty" });
    const own = await admin.call("GET", "/v1/organization/quotas");
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      organization: "shown",
      quotas: {
        max_tenants: { limit: 50, current: 1, overridden: false },
        max_concurrent_operations: { limit: 0, current: 0, overridden: false },
        max_blueprints: { limit: 200, current: 1, overridden: false },
        creates_per_minute: { limit: 120, current: 1, overridden: false },
      },
    });
    expect(await platform.json("GET", "/v1/organizations/shown/quotas")).toEqual(own.body);
  });

  it("lets only a platform admin change quotas; PATCH changes some, null resets, PUT replaces all", async () => {
    const { id, admin } = await newOrg("tuned");
    for (const [method, url] of [
      ["PATCH", "/v1/organizations/tuned/quotas"],
      ["PUT", "/v1/organizations/tuned/quotas"],
      ["GET", "/v1/organizations/tuned/quotas"],
    ] as const) {
      const refused = await admin.call(method, url, method === "GET" ? undefined : { max_tenants: 10_000 });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("FORBIDDEN");
    }
    const viewer = apiClient(
      t,
      (await admin.json("POST", "/v1/api-keys", { name: "v", role: "viewer" })).key as string,
    );
    expect((await viewer.call("GET", "/v1/organization/quotas")).status).toBe(200);

    const patched = await platform.call("PATCH", `/v1/organizations/${id}/quotas`, {
      max_tenants: 3,
      creates_per_minute: 0,
    });
    expect(patched.status).toBe(200);
    expect(patched.body.quotas.max_tenants).toEqual({ limit: 3, current: 0, overridden: true });
    expect(patched.body.quotas.creates_per_minute).toEqual({ limit: 0, current: 0, overridden: true });
    expect(patched.body.quotas.max_blueprints).toMatchObject({ limit: 200, overridden: false });

    const again = await platform.json("PATCH", "/v1/organizations/tuned/quotas", { max_blueprints: 7 });
    expect(again.quotas.max_tenants.limit).toBe(3);
    expect(again.quotas.max_blueprints.limit).toBe(7);

    const reset = await platform.json("PATCH", "/v1/organizations/tuned/quotas", { max_tenants: null });
    expect(reset.quotas.max_tenants).toEqual({ limit: 50, current: 0, overridden: false });
    expect(reset.quotas.max_blueprints.limit).toBe(7);

    const replaced = await platform.json("PUT", "/v1/organizations/tuned/quotas", {
      max_concurrent_operations: 4,
    });
    expect(replaced.quotas).toMatchObject({
      max_tenants: { limit: 50, overridden: false },
      max_concurrent_operations: { limit: 4, overridden: true },
      max_blueprints: { limit: 200, overridden: false },
      creates_per_minute: { limit: 120, overridden: false },
    });
    // The organization sees what the platform admin set.
    expect((await admin.json("GET", "/v1/organization/quotas")).quotas.max_concurrent_operations.limit).toBe(
      4,
    );
    // Overrides go with their organization.
    expect((await platform.call("DELETE", `/v1/organizations/${id}`)).status).toBe(200);
    const { rows } = await t.app.db.query("select 1 from organization_quotas where organization_id = $1", [
      id,
    ]);
    expect(rows).toHaveLength(0);
  });

  it("refuses bad overrides with the field's path, and unknown organizations with 404", async () => {
    for (const [body, pointer] of [
      [{ max_tenants: -1 }, "/max_tenants"],
      [{ max_tenants: 1.5 }, "/max_tenants"],
      [{ max_tenants: "10" }, "/max_tenants"],
      [{ max_things: 1 }, "/max_things"],
    ] as const) {
      const res = await platform.call("PATCH", "/v1/organizations/default/quotas", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(
      (await platform.json("GET", "/v1/organizations/default/quotas")).quotas.max_tenants.overridden,
    ).toBe(false);
    const missing = await platform.call("PUT", "/v1/organizations/nope/quotas", { max_tenants: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("ORGANIZATION_NOT_FOUND");
  });

  it("refuses a create over max_tenants with 403 QUOTA_EXCEEDED and creates nothing; a raised limit lets it pass", async () => {
    const { id, admin } = await newOrg("capped");
    await platform.json("PATCH", `/v1/organizations/${id}/quotas`, { max_tenants: 2 });
    for (const name of ["a", "b"])
      expect((await admin.call("POST", "/v1/tenants", { name, blueprint: "empty" })).status).toBe(201);
    const blueprintsBefore = (await admin.json("GET", "/v1/blueprints")).data.length;

    const refused = await admin.call("POST", "/v1/tenants", {
      name: "c",
      blueprint: { source: "databases:\n  - name: never-stored\n" },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      code: "QUOTA_EXCEEDED",
      status: 403,
      quota: "max_tenants",
      limit: 2,
      current: 2,
    });
    expect(refused.headers["retry-after"]).toBeUndefined();
    // Nothing was written: no tenant, and the inline blueprint was not stored.
    expect(await tenantCount(id)).toBe(2);
    expect((await admin.json("GET", "/v1/blueprints")).data.length).toBe(blueprintsBefore);

    await platform.json("PATCH", `/v1/organizations/${id}/quotas`, { max_tenants: 3 });
    expect((await admin.call("POST", "/v1/tenants", { name: "c", blueprint: "empty" })).status).toBe(201);
    // Other organizations are not limited by this one's quota.
    expect(
      (await platform.call("POST", "/v1/tenants", { name: "elsewhere", blueprint: { source: EMPTY } }))
        .status,
    ).toBe(201);
  });

  it("lets exactly the limit through when creates race at it", async () => {
    const { id, admin } = await newOrg("racing");
    await platform.json("PATCH", `/v1/organizations/${id}/quotas`, { max_tenants: 3 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin.call("POST", "/v1/tenants", { name: `r${i}`, blueprint: "empty" }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    expect(await tenantCount(id)).toBe(3);
  });

  it("refuses a create over creates_per_minute with 429 RATE_LIMITED and Retry-After", async () => {
    const { id, admin } = await newOrg("bursty");
    await platform.json("PATCH", `/v1/organizations/${id}/quotas`, { creates_per_minute: 2 });
    for (const name of ["x", "y"])
      expect((await admin.call("POST", "/v1/tenants", { name, blueprint: "empty" })).status).toBe(201);
    const refused = await admin.call("POST", "/v1/tenants", { name: "z", blueprint: "empty" });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: "RATE_LIMITED",
      status: 429,
      quota: "creates_per_minute",
      limit: 2,
      current: 2,
    });
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.retry_after).toBe(retryAfter);
    expect(await tenantCount(id)).toBe(2);
    // The window is rolling: once the creates are older than a minute, a create passes.
    await t.app.db.query(
      "update tenants set created_at = created_at - interval '61 seconds' where organization_id = $1",
      [id],
    );
    expect((await admin.call("POST", "/v1/tenants", { name: "z", blueprint: "empty" })).status).toBe(201);
  });

  it("counts blueprint names against max_blueprints (new versions of a name are free)", async () => {
    const { id, admin } = await newOrg("drafty");
    await platform.json("PATCH", `/v1/organizations/${id}/quotas`, { max_blueprints: 2 });
    expect((await admin.call("POST", "/v1/blueprints", { name: "second", source: EMPTY })).status).toBe(201);
    const v2 = await admin.call("POST", "/v1/blueprints", {
      name: "second",
      source: "databases:\n  - name: d\n",
    });
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(2);

    const refused = await admin.call("POST", "/v1/blueprints", { name: "third", source: EMPTY });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: "QUOTA_EXCEEDED",
      quota: "max_blueprints",
      limit: 2,
      current: 2,
    });
    // An inline blueprint is stored under a name of its own: refused too, and no tenant made.
    const inline = await admin.call("POST", "/v1/tenants", {
      name: "inline",
      blueprint: { source: "databases:\n  - name: inline\n" },
    });
    expect(inline.status).toBe(403);
    expect(inline.body.quota).toBe("max_blueprints");
    expect(await tenantCount(id)).toBe(0);
    expect(
      (await admin.json("GET", "/v1/blueprints")).data.map((b: { name: string }) => b.name).sort(),
    ).toEqual(["empty", "second"]);
  });
});
