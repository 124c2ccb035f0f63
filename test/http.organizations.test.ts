import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * Platform administration: the first-start key is a platform admin; it creates, lists,
 * renames and deletes organizations, each created with a first admin key (shown once)
 * that sees only its own organization.
 */
let t: TestApp;
let platform: ApiClient;
const as = (key: string) => apiClient(t, key);

describe("organizations", () => {
  beforeAll(async () => {
    t = await startTestApp();
    platform = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("makes the first-start key a platform admin", async () => {
    const me = await platform.json("GET", "/v1/organization");
    expect(me.organization).toMatchObject({ slug: "default" });
    expect(me.api_key).toMatchObject({ role: "platform_admin", name: "admin (bootstrap)" });
  });

  it("creates an organization with a first admin key that sees only its own organization", async () => {
    const created = await platform.call("POST", "/v1/organizations", { slug: "acme", name: "Acme Corp" });
    expect(created.status).toBe(201);
    expect(created.headers["location"]).toBe(`/v1/organizations/${created.body.organization.id}`);
    expect(created.body.organization).toMatchObject({
      slug: "acme",
      name: "Acme Corp",
      live_tenants: 0,
      active_keys: 1,
    });
    expect(created.body.admin_key).toMatchObject({ role: "admin", name: "admin", state: "active" });
    const acme = as(created.body.key as string);

    const me = await acme.json("GET", "/v1/organization");
    expect(me.organization.slug).toBe("acme");
    // The default organization's tenants and keys are not the new one's.
    await platform.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
    const theirs = await platform.json("POST", "/v1/tenants", { name: "Default's", blueprint: "empty" });
    expect((await acme.call("GET", `/v1/tenants/${theirs.tenant.id}`)).status).toBe(404);
    expect((await acme.json("GET", "/v1/api-keys")).data).toHaveLength(1);
    // An organization admin is not a platform admin.
    const refused = await acme.call("GET", "/v1/organizations");
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("FORBIDDEN");
    const escalate = await acme.call("POST", "/v1/api-keys", { name: "x", role: "platform_admin" });
    expect(escalate.status).toBe(403);

    const again = await platform.call("POST", "/v1/organizations", { slug: "acme" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("ORGANIZATION_EXISTS");
    const bad = await platform.call("POST", "/v1/organizations", { slug: "Not A Slug" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe("/slug");
  });

  it("lists with a cursor, gets by id or slug, renames", async () => {
    await platform.json("POST", "/v1/organizations", { slug: "beta" });
    const first = await platform.json("GET", "/v1/organizations?limit=2");
    expect(first.data.map((o: { slug: string }) => o.slug)).toEqual(["default", "acme"]);
    const second = await platform.json("GET", `/v1/organizations?limit=2&cursor=${first.next_cursor}`);
    expect(second.data.map((o: { slug: string }) => o.slug)).toEqual(["beta"]);
    expect(second.next_cursor).toBeNull();

    const renamed = await platform.call("PATCH", "/v1/organizations/beta", { name: "Beta Inc." });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ slug: "beta", name: "Beta Inc." });
    expect(await platform.json("GET", `/v1/organizations/${renamed.body.id}`)).toMatchObject({
      name: "Beta Inc.",
    });
    expect((await platform.call("GET", "/v1/organizations/nope")).body.code).toBe("ORGANIZATION_NOT_FOUND");
    const slugChange = await platform.call("PATCH", "/v1/organizations/beta", { slug: "gamma" });
    expect(slugChange.status).toBe(400);
  });

  it("refuses to delete an organization with live tenants, then deletes it once they are destroyed", async () => {
    const { key } = await platform.json("POST", "/v1/organizations", { slug: "doomed" });
    const doomed = as(key);
    await doomed.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
    const { tenant } = await doomed.json("POST", "/v1/tenants", { name: "Last one", blueprint: "empty" });

    const refused = await platform.call("DELETE", "/v1/organizations/doomed");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "ORGANIZATION_NOT_EMPTY", live_tenants: 1 });
    expect((await doomed.call("GET", "/v1/organization")).status).toBe(200);

    await eventually(async () =>
      (await doomed.json("GET", `/v1/tenants/${tenant.id}`)).status === "active" ? true : undefined,
    );
    expect((await doomed.call("DELETE", `/v1/tenants/${tenant.id}`)).status).toBe(202);
    await eventually(async () =>
      (await doomed.json("GET", `/v1/tenants/${tenant.id}`)).status === "destroyed" ? true : undefined,
    );

    const deleted = await platform.call("DELETE", "/v1/organizations/doomed");
    expect(deleted.status).toBe(200);
    expect(deleted.body.slug).toBe("doomed");
    // Its keys went with it.
    expect((await doomed.call("GET", "/v1/organization")).status).toBe(401);
    expect((await platform.call("GET", "/v1/organizations/doomed")).status).toBe(404);
  });

  it("refuses to delete the calling key's own organization", async () => {
    const own = await platform.call("DELETE", "/v1/organizations/default");
    expect(own.status).toBe(409);
    expect(own.body.code).toBe("ORGANIZATION_PROTECTED");
  });
});
