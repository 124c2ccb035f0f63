import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceName, tenantDiscriminator } from "../src/domain/naming.js";
import { sha256 } from "../src/lib/crypto.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * Issue 9: with two organizations on one Render workspace, each with a tenant `shared`,
 * destroying one organization's tenant deleted the other's service and database. Here,
 * against the fake Render API, Tenantry owns exactly what it creates: two organizations
 * of one installation, and two installations (two databases, two in-process Tenantry
 * apps), each with a tenant `shared` on one workspace, never touch each other's objects;
 * an object made by hand under a tenant's name is never adopted, changed or deleted; and
 * a delete goes only by the recorded id (a 404 is done; a same-named object is left).
 */

const BLUEPRINT = `
envVarGroups:
  - name: settings
    envVars:
      - key: MODE
        value: production
databases:
  - name: db
    plan: basic-256mb
services:
  - type: keyvalue
    name: cache
    plan: starter
    ipAllowList: []
  - type: web
    name: web
    runtime: node
    plan: starter
    repo: https://github.com/acme-saas/app
    buildCommand: npm ci
    startCommand: node server.js
    envVars:
      - fromGroup: settings
      - key: DATABASE_URL
        fromDatabase:
          name: db
          property: connectionString
      - key: REDIS_URL
        fromService:
          type: keyvalue
          name: cache
          property: connectionString
`;
const DB_ONLY = "databases:\n  - name: db\n";
const WORKER_ONLY = `
services:
  - type: worker
    name: jobs
    runtime: image
    image:
      url: docker.io/library/busybox:1
`;

const WAIT = { timeoutMs: 30_000 };

let fake: FakeRender;
/** Installation 1, with organizations A (the default one) and B. */
let one: TestApp;
/** Installation 2 (its own database, hence its own installation id), on the same workspace. */
let two: TestApp;
let orgA: ApiClient;
let orgB: ApiClient;
let orgC: ApiClient;
/** What installation 1 logged. */
let logText = "";

function render(): ProviderRegistry {
  return new ProviderRegistry().register(
    createRenderProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      ownerId: fake.ownerId,
      rateLimitScale: 3600,
      pollMs: 50,
      timeoutMs: 2000,
    }),
  );
}

// A create starts only with the provider's request timeout (2 s) of lease left: a 6 s
// lease leaves at least 2.8 s between renewals.
const ENV = { TENANTRY_WORKER_CONCURRENCY: "4", TENANTRY_LEASE_SECONDS: "6" };

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 50, keyValueCreateMs: 50, buildMs: 100, deployMs: 50 },
  });
  const logger = pino(
    { level: "info" },
    {
      write: (line: string) => {
        logText += line;
      },
    },
  );
  one = await startTestApp({ env: ENV, providers: render(), logger });
  two = await startTestApp({ env: ENV, providers: render() });
  expect(one.app.installationId).not.toBe(two.app.installationId);
  orgA = apiClient(one);
  orgC = apiClient(two);
  const b = await insertOrganization(one.app.db, { slug: "org-b", name: "Organization B" });
  const keyB = "tnt_org_b_admin_key_0123456789abcdefghij";
  await insertApiKey(one.app.db, {
    organizationId: b,
    name: "admin",
    role: "admin",
    keyHash: sha256(keyB),
    keyPrefix: keyB.slice(0, 12),
  });
  orgB = apiClient(one, keyB);
  for (const api of [orgA, orgB, orgC]) {
    for (const [name, source] of [
      ["app", BLUEPRINT],
      ["db-only", DB_ONLY],
      ["worker-only", WORKER_ONLY],
    ]) {
      const res = await api.call("POST", "/v1/blueprints", { name, source });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  }
}, 60_000);

afterAll(async () => {
  await one?.close();
  await two?.close();
  await fake?.close();
});

/** Every object of a tenant on Render, by kind, as its recorded provider ids. */
function idsOf(tenant: { resources: { kind: string; provider_id: string | null }[] }): string[] {
  return tenant.resources.map((r) => r.provider_id!).sort();
}

/** Which of `ids` exist on the fake Render, looked up by id in every collection. */
function existing(ids: string[]): string[] {
  const all = new Set([
    ...fake.state.services().map((s) => s.id),
    ...fake.state.postgres().map((p) => p.id),
    ...fake.state.keyValues().map((k) => k.id),
    ...fake.state.envGroups().map((g) => g.id),
  ]);
  return ids.filter((id) => all.has(id)).sort();
}

/** Requests sent since `from` that name one of `ids` in their path. */
const touching = (ids: string[], from: number) =>
  fake.requests.slice(from).filter((r) => ids.some((id) => r.path.includes(id)));

async function makeActive(api: ApiClient, name: string, blueprint = "app"): Promise<any> {
  const res = await api.call("POST", "/v1/tenants", { name, slug: "shared", blueprint, target: "render" });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Creates an object by hand on the fake (as in Render's dashboard); returns its id. */
async function byHand(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${fake.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${fake.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ ownerId: fake.ownerId, ...body }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const created = (await res.json()) as { id?: string; service?: { id: string } };
  return (created.id ?? created.service?.id)!;
}

const handMadeWorker = (name: string, envVars: { key: string; value: string }[] = []) =>
  byHand("/services", {
    type: "background_worker",
    name,
    image: { ownerId: fake.ownerId, imagePath: "docker.io/library/busybox:1" },
    serviceDetails: { runtime: "image" },
    envVars,
  });
const handMadeDatabase = (name: string) => byHand("/postgres", { name, plan: "basic_256mb", version: "17" });

/** Deletes an object on the fake behind Tenantry's back. */
async function deleteByHand(path: string): Promise<void> {
  const res = await fetch(`${fake.url}${path}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${fake.apiKey}` },
  });
  expect(res.status).toBe(204);
}

/** The ownership marker of a tenant of installation `t`. */
async function markerOf(t: TestApp, tenantId: string): Promise<string> {
  const { rows } = await t.app.db.query<{ organization_id: string }>(
    "select organization_id from tenants where id = $1",
    [tenantId],
  );
  return ownerMarkerText(
    ownerMarker({
      installationId: t.app.installationId,
      tenant: { id: tenantId, organizationId: rows[0]!.organization_id },
    }),
  );
}

describe("tenants with the same slug on one Render workspace", () => {
  let a: any;

  it("two organizations: destroying B's tenant `shared` leaves every object of A's", async () => {
    await makeActive(orgA, "Shared A");
    await makeActive(orgB, "Shared B");
    a = await orgA.waitForTenant("shared", "active", WAIT);
    const b = await orgB.waitForTenant("shared", "active", WAIT);
    expect(a.id).not.toBe(b.id);
    // Four objects each (service, database, Key Value, env group), none shared, no name shared.
    const ofA = idsOf(a);
    const ofB = idsOf(b);
    expect(ofA).toHaveLength(4);
    expect(ofB).toHaveLength(4);
    expect(ofA.filter((id) => ofB.includes(id))).toEqual([]);
    const namesA = a.resources.map((r: any) => r.name);
    expect(namesA.filter((n: string) => b.resources.some((r: any) => r.name === n))).toEqual([]);

    const from = fake.requests.length;
    expect((await orgB.call("DELETE", "/v1/tenants/shared")).status).toBe(202);
    await orgB.waitForTenant("shared", "destroyed", WAIT);
    expect(existing(ofB)).toEqual([]);
    expect(existing(ofA)).toEqual(ofA);
    // Not a single request about A's objects while B's tenant was destroyed.
    expect(touching(ofA, from)).toEqual([]);
    expect((await orgA.json("GET", "/v1/tenants/shared")).status).toBe("active");
  }, 60_000);

  it("two installations: destroying installation 2's tenant `shared` leaves every object of installation 1's", async () => {
    await makeActive(orgC, "Shared C");
    const c = await orgC.waitForTenant("shared", "active", WAIT);
    const ofA = idsOf(a);
    const ofC = idsOf(c);
    expect(ofC).toHaveLength(4);
    expect(ofA.filter((id) => ofC.includes(id))).toEqual([]);

    const from = fake.requests.length;
    expect((await orgC.call("DELETE", "/v1/tenants/shared")).status).toBe(202);
    await orgC.waitForTenant("shared", "destroyed", WAIT);
    expect(existing(ofC)).toEqual([]);
    expect(existing(ofA)).toEqual(ofA);
    expect(touching(ofA, from)).toEqual([]);
    expect((await orgA.json("GET", "/v1/tenants/shared")).status).toBe("active");
  }, 60_000);

  it("an object made by hand with a tenant's name is NAME_TAKEN: never adopted, changed or deleted", async () => {
    // Two tenants whose first create fails before Render made anything: each is left
    // with its resource `creating` and no provider id, as after a create whose outcome
    // is unknown.
    fake.setAccess("unauthorized");
    let squatDb: any;
    let squatSvc: any;
    try {
      for (const [name, blueprint] of [
        ["Squat DB", "db-only"],
        ["Squat Svc", "worker-only"],
      ]) {
        const res = await orgB.call("POST", "/v1/tenants", { name, blueprint, target: "render" });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      squatDb = await orgB.waitForTenant("squat-db", "failed", WAIT);
      squatSvc = await orgB.waitForTenant("squat-svc", "failed", WAIT);
    } finally {
      fake.setAccess("ok");
    }
    expect(squatDb.resources).toMatchObject([{ key: "database:db", status: "creating", provider_id: null }]);
    expect(squatSvc.resources).toMatchObject([
      { key: "service:jobs", status: "creating", provider_id: null },
    ]);

    // Someone makes objects with exactly their names: a database, and a service that
    // carries another tenant's marker (A's).
    const nameOf = (tenant: any, base: string) =>
      resourceName(base, tenant.slug, tenantDiscriminator(one.app.installationId, tenant.id));
    expect(squatDb.resources[0].name).toBe(nameOf(squatDb, "db"));
    const dbId = await handMadeDatabase(nameOf(squatDb, "db"));
    const svcId = await handMadeWorker(nameOf(squatSvc, "jobs"), [
      { key: "TENANTRY_OWNER", value: await markerOf(one, a.id) },
      { key: "KEEP", value: "me" },
    ]);
    // Render objects cannot be backdated: instead the engine asks for the database as if
    // well after it was made (beyond the clock-skew allowance of 2 minutes).
    await one.app.db.query(
      "update resources set create_requested_at = now() + interval '10 minutes' where tenant_id = $1",
      [squatDb.id],
    );

    const from = fake.requests.length;
    expect((await orgB.call("POST", "/v1/tenants/squat-db/retry")).status).toBe(202);
    expect((await orgB.call("POST", "/v1/tenants/squat-svc/retry")).status).toBe(202);
    const failedDb = await orgB.waitForTenant("squat-db", "failed", WAIT).catch(async () => {
      throw new Error(JSON.stringify(await orgB.json("GET", "/v1/tenants/squat-db")));
    });
    const failedSvc = await orgB.waitForTenant("squat-svc", "failed", WAIT);
    for (const [failed, what, name, id] of [
      [failedDb, "database", nameOf(squatDb, "db"), dbId],
      [failedSvc, "service", nameOf(squatSvc, "jobs"), svcId],
    ] as const) {
      // Still the failure of the retry, not the first one's access error.
      const ops = (await orgB.json("GET", `/v1/tenants/${failed.slug}/operations`)).data;
      expect(ops[0].error?.code).toBe("NAME_TAKEN");
      expect(failed.error_message).toContain(`${what} ${name} (${id}) exists but is not this tenant's`);
    }
    expect(failedDb.error_message).toMatch(/before this tenant asked for it/);
    expect(failedSvc.error_message).toMatch(/another tenant's/);
    // Failed at once: a permanent error.
    expect(fake.requests.slice(from).filter((r) => r.method !== "GET")).toEqual([]);

    // Destroying the tenants leaves the objects that are not theirs, saying so.
    for (const slug of ["squat-db", "squat-svc"]) {
      expect((await orgB.call("DELETE", `/v1/tenants/${slug}`)).status).toBe(202);
      await orgB.waitForTenant(slug, "destroyed", WAIT);
    }
    expect(existing([dbId, svcId])).toEqual([dbId, svcId].sort());
    expect(touching([dbId, svcId], from).filter((r) => r.method !== "GET")).toEqual([]);
    expect(Object.fromEntries(fake.state.envVars(svcId).map((v) => [v.key, v.value]))).toEqual({
      TENANTRY_OWNER: await markerOf(one, a.id),
      KEEP: "me",
    });
    expect(logText).toContain(`not deleting database ${nameOf(squatDb, "db")} (${dbId})`);
    expect(logText).toContain(`not deleting service ${nameOf(squatSvc, "jobs")} (${svcId})`);
  }, 90_000);

  it("deletes only by the recorded id: a 404 is done, and a same-named object is untouched", async () => {
    for (const [name, blueprint] of [
      ["Gone DB", "db-only"],
      ["Gone Svc", "worker-only"],
    ]) {
      await orgB.call("POST", "/v1/tenants", { name, blueprint, target: "render" });
    }
    const gone = [
      await orgB.waitForTenant("gone-db", "active", WAIT),
      await orgB.waitForTenant("gone-svc", "active", WAIT),
    ];
    // Both objects are removed outside Tenantry, and objects with the same names appear,
    // which a name lookup would even take for the tenant's: the service carries its
    // marker, the database is brand new.
    const [db, svc] = gone.map((t: any) => t.resources[0]);
    await deleteByHand(`/postgres/${db.provider_id}`);
    await deleteByHand(`/services/${svc.provider_id}`);
    const lookalikeDb = await handMadeDatabase(db.name);
    const lookalikeSvc = await handMadeWorker(svc.name, [
      { key: "TENANTRY_OWNER", value: await markerOf(one, gone[1].id) },
    ]);

    const from = fake.requests.length;
    for (const slug of ["gone-db", "gone-svc"]) {
      expect((await orgB.call("DELETE", `/v1/tenants/${slug}`)).status).toBe(202);
      await orgB.waitForTenant(slug, "destroyed", WAIT);
    }
    const sent = fake.requests.slice(from).map((r) => `${r.method} ${r.path}`);
    expect(sent).toContain(`DELETE /postgres/${db.provider_id}`);
    expect(sent).toContain(`DELETE /services/${svc.provider_id}`);
    // Never looked up by name, never touched.
    expect(sent.filter((r) => r === "GET /postgres" || r === "GET /services")).toEqual([]);
    expect(touching([lookalikeDb, lookalikeSvc], from)).toEqual([]);
    expect(existing([lookalikeDb, lookalikeSvc])).toEqual([lookalikeDb, lookalikeSvc].sort());
  }, 60_000);

  it("destroys the remaining tenant's objects, and nothing that was not its own", async () => {
    const before = existing([
      ...fake.state.services().map((s) => s.id),
      ...fake.state.postgres().map((p) => p.id),
      ...fake.state.keyValues().map((k) => k.id),
      ...fake.state.envGroups().map((g) => g.id),
    ]);
    const ofA = idsOf(a);
    expect((await orgA.call("DELETE", "/v1/tenants/shared")).status).toBe(202);
    await orgA.waitForTenant("shared", "destroyed", WAIT);
    expect(existing(before)).toEqual(before.filter((id) => !ofA.includes(id)));
  }, 60_000);

  it("sent only requests that conform to Render's OpenAPI document", () => {
    if (!fake.validating) {
      console.warn(
        "[render-ownership] spec validation SKIPPED: ../shared/specs/render-openapi.json not found",
      );
      return;
    }
    expect(fake.violations).toEqual([]);
  });
});
