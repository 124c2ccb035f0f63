import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

let t: TestApp;
let api: ApiClient;
const example = (name: string) =>
  readFileSync(new URL(`../examples/blueprints/${name}`, import.meta.url), "utf8");

beforeAll(async () => {
  t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "2" } });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("POST /v1/blueprints/validate", () => {
  it("returns every error and warning with its position, storing nothing", async () => {
    const source = [
      "services:",
      "  - type: web",
      "    name: app",
      "    env: node",
      "    startComand: node app.js",
      "    envVars:",
      "      - key: DB",
      "        fromDatabase:",
      "          name: missing",
      "          property: connectionString",
    ].join("\n");
    const res = await api.call("POST", "/v1/blueprints/validate", { source });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        code: "unknown-key",
        pointer: "/services/0/startComand",
        line: 5,
        column: 5,
      }),
      expect.objectContaining({
        code: "missing-reference",
        pointer: "/services/0/envVars/0/fromDatabase/name",
        line: 9,
      }),
    ]);
    expect(res.body.errors[0].message).toContain("did you mean `startCommand`");
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: "deprecated-env", line: 4 })]);
    const { rows } = await t.app.db.query("select count(*)::int as n from blueprints");
    expect(rows[0].n).toBe(0);
  });

  it("accepts every example blueprint", async () => {
    for (const file of [
      "starter.render.yaml",
      "django-four-services.render.yaml",
      "parameterised.render.yaml",
      "postgres.render.yaml",
    ]) {
      const res = await api.call("POST", "/v1/blueprints/validate", { source: example(file) });
      expect(res.body, file).toMatchObject({ valid: true, errors: [] });
    }
  });
});

describe("blueprint versions", () => {
  it("refuses an invalid blueprint with 422 and positions under /source", async () => {
    const res = await api.call("POST", "/v1/blueprints", {
      name: "broken",
      source: "databases:\n  - plan: free\n",
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("BLUEPRINT_INVALID");
    expect(res.body.errors[0]).toMatchObject({ pointer: "/source/databases/0/name", line: 2 });
  });

  it("stores immutable versions, returns the same version for identical content, and the parsed form", async () => {
    const v1 = await api.call("POST", "/v1/blueprints", {
      name: "django",
      source: example("django-four-services.render.yaml"),
    });
    expect(v1).toMatchObject({ status: 201, body: { name: "django", version: 1 } });
    const again = await api.call("POST", "/v1/blueprints", {
      name: "django",
      source: example("django-four-services.render.yaml"),
    });
    expect(again).toMatchObject({ status: 200, body: { id: v1.body.id, version: 1 } });
    const shown = await api.call("GET", "/v1/blueprints/django/versions/1");
    expect(shown.body.source).toContain("daphne");
    expect(shown.body.parsed.services.map((s: any) => s.name)).toEqual([
      "django-redis",
      "django-web",
      "django-ws",
      "celery-worker",
      "celery-beat",
    ]);
  });

  it("renders a blueprint for a would-be tenant with the monthly cost, secrets redacted", async () => {
    const res = await api.call("POST", "/v1/blueprints/django/render", {
      tenant: { name: "Acme Corp" },
      target: "render",
    });
    expect(res.status).toBe(200);
    // Every name ends with the would-be tenant's discriminator, the same for all of them.
    const names: string[] = res.body.resources.map((r: any) => r.name);
    const suffixes = new Set(names.map((n) => n.match(/-([a-z2-7]{8})$/)?.[1]));
    expect(suffixes.size).toBe(1);
    expect([...suffixes][0]).toBeDefined();
    expect(names.map((n) => n.replace(/-[a-z2-7]{8}$/, ""))).toEqual([
      "django-db-acme-corp",
      "django-settings-acme-corp",
      "django-redis-acme-corp",
      "django-web-acme-corp",
      "django-ws-acme-corp",
      "celery-worker-acme-corp",
      "celery-beat-acme-corp",
    ]);
    const web = res.body.resources.find((r: any) => r.key === "service:django-web");
    expect(web.depends_on.sort()).toEqual([
      "database:django-db",
      "group:django-settings",
      "service:django-redis",
    ]);
    expect(web.spec.envVars).toContainEqual({ key: "TENANT_SLUG", value: "acme-corp" });
    // The generated secret is a binding, never a value.
    expect(web.spec.envVars).toContainEqual({
      key: "DJANGO_SECRET_KEY",
      secret: "generated",
      ref: "group:django-settings/DJANGO_SECRET_KEY",
      group: "group:django-settings",
    });
    // standard web 25 + starter ws 7 + standard worker 25 + starter beat 7 + basic-1gb 19 + key value starter 10
    expect(res.body.cost).toMatchObject({ provider: "render", currency: "USD", totalMonthly: 93 });
    expect(res.body.cost.lines).toHaveLength(7);
    // The local target cannot build from Git URLs: refused, each service named, as a create would be.
    const local = await api.call("POST", "/v1/blueprints/django/render", { tenant: { name: "Acme Corp" } });
    expect(local.status).toBe(422);
    expect(local.body.code).toBe("UNSUPPORTED_RESOURCE");
    expect(local.body.refusals).toContainEqual({
      resource: "service:django-web",
      field: "repo",
      message: expect.stringMatching(/remote repository/),
    });
    // A price estimate only: what the target cannot serve is not refused.
    const estimate = await api.call("POST", "/v1/blueprints/django/render", {
      tenant: { name: "Acme Corp" },
      check_target: false,
    });
    expect(estimate.status, estimate.raw).toBe(200);
    expect(estimate.body.cost).toMatchObject({ provider: "local" });
    expect(
      (await api.call("POST", "/v1/blueprints/django/render", { tenant: { name: "X" }, target: "mars" }))
        .status,
    ).toBe(422);
  });
});

describe("tenants from parameterised blueprints", () => {
  it("validates params and required secrets at create, each at its pointer, and changes nothing", async () => {
    await api.call("POST", "/v1/blueprints", { name: "crm", source: example("parameterised.render.yaml") });
    const res = await api.call("POST", "/v1/tenants", {
      name: "Bad Params",
      blueprint: "crm",
      target: "local",
      params: { size: "huge", workers: 9, custom_plugin_repo: "https://evil.example/x" },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.pointer).sort()).toEqual([
      "/params/custom_plugin_repo",
      "/params/size",
      "/params/support_email",
      "/params/workers",
      "/secrets/STRIPE_API_KEY",
    ]);
    const { rows } = await t.app.db.query("select count(*)::int as n from tenants");
    expect(rows[0].n).toBe(0);
  });

  it("plans a change for an existing tenant without applying it", async () => {
    const v1 = "databases:\n  - name: main\n    plan: basic-256mb\n";
    const created = await api.call("POST", "/v1/tenants", {
      name: "Planner",
      blueprint: { name: "planner", source: v1 },
    });
    expect(created.status).toBe(201);
    await api.waitForTenant("planner", "active");

    const same = await api.call("POST", "/v1/tenants/planner/plan", {});
    expect(same.body.summary).toMatchObject({ "no-op": 1, create: 0, update: 0 });

    const v2 =
      "databases:\n  - name: main\n    plan: basic-1gb\n  - name: analytics\n    plan: basic-256mb\n";
    const plan = await api.call("POST", "/v1/tenants/planner/plan", {
      blueprint: { name: "planner", source: v2 },
    });
    expect(plan.status).toBe(200);
    expect(plan.body.actions.map((a: any) => [a.action, a.key])).toEqual([
      ["update", "database:main"],
      ["create", "database:analytics"],
    ]);
    expect(plan.body.actions[0].changes).toEqual([
      { path: "/plan", from: "basic-256mb", to: "basic-1gb", forcesReplace: false },
    ]);
    expect(plan.body.blueprint).toEqual({ name: "planner", version: 2 });
    // Nothing was applied.
    const tenant = await api.call("GET", "/v1/tenants/planner");
    expect(tenant.body).toMatchObject({ generation: 1, blueprint: { version: 1 } });
    expect(tenant.body.resources).toHaveLength(1);
  });
});

describe("PATCH /v1/tenants/{id}", () => {
  const v1 = "databases:\n  - name: main\n    plan: basic-256mb\n";
  const v2 = "databases:\n  - name: main\n    plan: basic-1gb\n  - name: analytics\n";

  it("applies a new blueprint version as an update operation, guarded by If-Match", async () => {
    await api.call("POST", "/v1/blueprints", { name: "evolving", source: v1 });
    const created = await api.call("POST", "/v1/tenants", { name: "Evolver", blueprint: "evolving" });
    expect(created.status).toBe(201);
    await api.waitForTenant("evolver", "active");
    await api.call("POST", "/v1/blueprints", { name: "evolving", source: v2 });

    const stale = await api.call(
      "PATCH",
      "/v1/tenants/evolver",
      { blueprint: "evolving@2" },
      { "if-match": '"7"' },
    );
    expect(stale).toMatchObject({ status: 412, body: { code: "PRECONDITION_FAILED", generation: 1 } });
    expect((await api.call("GET", "/v1/tenants/evolver")).body).toMatchObject({
      generation: 1,
      blueprint: { version: 1 },
    });

    const res = await api.call(
      "PATCH",
      "/v1/tenants/evolver",
      { blueprint: "evolving@2" },
      { "if-match": '"1"' },
    );
    expect(res.status).toBe(202);
    expect(res.body.operation).toMatchObject({ kind: "update", status: "queued" });
    expect(res.body.tenant).toMatchObject({
      status: "updating",
      generation: 2,
      blueprint: { name: "evolving", version: 2 },
    });
    const done = await api.waitForTenant("evolver", "active");
    expect(done.observed_generation).toBe(2);
    expect(done.resources.map((r: any) => r.key).sort()).toEqual(["database:analytics", "database:main"]);
    const ops = await api.call("GET", "/v1/tenants/evolver/operations");
    expect(ops.body.data[0]).toMatchObject({ kind: "update", status: "succeeded" });
    expect(ops.body.data[0].steps.map((s: any) => `${s.action} ${s.resource}`)).toEqual([
      "update database:main",
      "create database:analytics",
    ]);
  });

  it("replaces a database whose name changes: the old one is dropped, a new one made", async () => {
    const before = (await api.call("GET", "/v1/tenants/evolver")).body;
    const oldDb = before.resources.find((r: any) => r.key === "database:main").outputs.database;
    const v3 = v2.replace("  - name: main\n", "  - name: main\n    databaseName: renamed\n");
    expect(v3).not.toBe(v2);
    const plan = await api.call("POST", "/v1/tenants/evolver/plan", {
      blueprint: { name: "evolving", source: v3 },
    });
    expect(plan.body.actions[0]).toMatchObject({ action: "replace", key: "database:main" });
    const res = await api.call("PATCH", "/v1/tenants/evolver", { blueprint: "evolving@3" });
    expect(res.status).toBe(202);
    const after = await api.waitForTenant("evolver", "active");
    expect(after.generation).toBe(3);
    const newDb = after.resources.find((r: any) => r.key === "database:main").outputs.database;
    expect(newDb).toMatch(/^renamed_/);
    const exists = async (name: string) =>
      (await t.app.db.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;
    expect(await exists(oldDb)).toBe(false);
    expect(await exists(newDb)).toBe(true);
  });

  it("changes labels and name at once, without an operation", async () => {
    const res = await api.call("PATCH", "/v1/tenants/evolver", {
      labels: { tier: "gold" },
      name: "Evolver Inc",
    });
    expect(res.status).toBe(200);
    expect(res.body.operation).toBeNull();
    expect(res.body.tenant).toMatchObject({
      name: "Evolver Inc",
      slug: "evolver",
      labels: { tier: "gold" },
      generation: 3,
    });
  });

  it("refuses bad params and empty changes, changing nothing", async () => {
    const bad = await api.call("PATCH", "/v1/tenants/evolver", { params: { colour: "red" } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe("/params/colour");
    expect((await api.call("PATCH", "/v1/tenants/evolver", {})).status).toBe(400);
    expect(
      (await api.call("PATCH", "/v1/tenants/evolver", { labels: {} }, { "if-match": "soon" })).body.errors[0]
        .pointer,
    ).toBe("/header/if-match");
    const now = await api.call("GET", "/v1/tenants/evolver");
    expect(now.body).toMatchObject({ generation: 3, params: {}, status: "active" });
  });
});
