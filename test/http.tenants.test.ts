import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../src/lib/crypto.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";

let t: TestApp;
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const EMPTY = { source: "databases: []\n" };

type Json = Record<string, unknown> & { [k: string]: any };

let api: ApiClient;
/** Sends no `authorization` header. */
let anonymous: ApiClient;

async function tenantCount(): Promise<number> {
  const { rows } = await t.app.db.query<{ n: number }>("select count(*)::int as n from tenants");
  return rows[0]!.n;
}

async function keyFor(role: "admin" | "operator" | "viewer", orgId?: string): Promise<string> {
  const key = `tnt_${role}_${Math.random().toString(36).slice(2)}_padding_padding`;
  const org =
    orgId ??
    (await t.app.db.query<{ id: string }>("select id from organizations where slug = 'default'")).rows[0]!.id;
  await insertApiKey(t.app.db, {
    organizationId: org,
    name: role,
    role,
    keyHash: sha256(key),
    keyPrefix: key.slice(0, 12),
  });
  return key;
}

beforeAll(async () => {
  t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "4" } });
  api = apiClient(t);
  anonymous = apiClient(t, null);
});
afterAll(async () => {
  await t?.close();
});

describe("public endpoints", () => {
  it("answers /health and /ready without a key", async () => {
    expect(await anonymous.call("GET", "/health")).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await anonymous.call("GET", "/ready")).toMatchObject({
      status: 200,
      body: { status: "ready" },
    });
  });

  it("serves an OpenAPI 3.1 document generated from the routes, Swagger UI and ReDoc", async () => {
    const doc = await anonymous.call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/v1/tenants",
        "/v1/tenants/{id}",
        "/v1/tenants/{id}/status",
        "/v1/operations/{id}",
      ]),
    );
    // Request bodies and resources are named components.
    expect(doc.body.paths["/v1/tenants"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CreateTenantRequest",
    });
    expect(doc.body.components.schemas.CreateTenantRequest.required).toEqual(
      expect.arrayContaining(["name", "blueprint"]),
    );
    const ui = await t.app.http!.inject({ method: "GET", url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain("swagger");
    const redoc = await t.app.http!.inject({ method: "GET", url: "/redoc" });
    expect(redoc.statusCode).toBe(200);
    expect(redoc.body).toContain('spec-url="/openapi.json"');
  });
});

describe("authentication and authorization", () => {
  it("rejects a missing or unknown key with 401 problem+json", async () => {
    const none = await anonymous.call("GET", "/v1/tenants");
    expect(none.status).toBe(401);
    expect(none.headers["content-type"]).toContain("application/problem+json");
    expect(none.body).toMatchObject({ code: "UNAUTHENTICATED", status: 401, title: expect.any(String) });
    const wrong = await apiClient(t, "tnt_nope").call("GET", "/v1/tenants");
    expect(wrong).toMatchObject({ status: 401, body: { code: "UNAUTHENTICATED" } });
  });

  it("lets a viewer read but not create (403)", async () => {
    const viewer = apiClient(t, await keyFor("viewer"));
    expect((await viewer.call("GET", "/v1/tenants")).status).toBe(200);
    const before = await tenantCount();
    const res = await viewer.call("POST", "/v1/tenants", { name: "Nope", blueprint: EMPTY });
    expect(res).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect(await tenantCount()).toBe(before);
  });

  it("hides another organization's tenants (404)", async () => {
    const created = await api.call("POST", "/v1/tenants", { name: "Private Co", blueprint: EMPTY });
    expect(created.status).toBe(201);
    const otherOrg = await insertOrganization(t.app.db, { slug: "other", name: "Other" });
    const other = apiClient(t, await keyFor("admin", otherOrg));
    const id = created.body.tenant.id;
    expect(await other.call("GET", `/v1/tenants/${id}`)).toMatchObject({
      status: 404,
      body: { code: "TENANT_NOT_FOUND" },
    });
    expect((await other.call("GET", "/v1/tenants/private-co")).status).toBe(404);
    expect((await other.call("DELETE", `/v1/tenants/${id}`)).status).toBe(404);
    expect((await other.call("GET", `/v1/operations/${created.body.operation.id}`)).status).toBe(404);
    const list = await other.call("GET", "/v1/tenants");
    expect(list.body.data).toEqual([]);
  });
});

describe("POST /v1/tenants validation", () => {
  const cases: [string, unknown, number, string, string][] = [
    ["missing name", { blueprint: EMPTY }, 400, "VALIDATION_FAILED", "/name"],
    ["unknown field", { name: "X", blueprint: EMPTY, colour: "red" }, 400, "VALIDATION_FAILED", "/colour"],
    ["bad slug", { name: "X", slug: "Bad_Slug", blueprint: EMPTY }, 400, "VALIDATION_FAILED", "/slug"],
    ["wrong type", { name: 42, blueprint: EMPTY }, 400, "VALIDATION_FAILED", "/name"],
    [
      "bad label",
      { name: "X", blueprint: EMPTY, labels: { plan: 3 } },
      400,
      "VALIDATION_FAILED",
      "/labels/plan",
    ],
    ["unknown target", { name: "X", blueprint: EMPTY, target: "mars" }, 422, "UNKNOWN_TARGET", "/target"],
    ["unknown blueprint", { name: "X", blueprint: "nope" }, 404, "BLUEPRINT_NOT_FOUND", "/blueprint"],
    [
      "invalid YAML",
      { name: "X", blueprint: { source: "databases:\n  - name: [oops\n" } },
      422,
      "BLUEPRINT_INVALID",
      "/blueprint",
    ],
  ];
  for (const [what, body, status, code, pointer] of cases) {
    it(`rejects ${what} with ${status} ${code} at ${pointer} and changes nothing`, async () => {
      const before = await tenantCount();
      const res = await api.call("POST", "/v1/tenants", body);
      expect(res.status).toBe(status);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.body.code).toBe(code);
      expect(res.body.detail).toEqual(expect.any(String));
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      expect(await tenantCount()).toBe(before);
    });
  }

  it("reports the line and column of a blueprint error", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "X",
      blueprint: { source: "databases:\n  - plan: free\n" },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ pointer: "/blueprint/databases/0/name", line: 2 });
  });

  it("rejects malformed JSON", async () => {
    const res = await t.app.http!.inject({
      method: "POST",
      url: "/v1/tenants",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("VALIDATION_FAILED");
  });
});

describe("tenant lifecycle over HTTP", () => {
  it("creates a tenant with a real database, and walks it through suspend, resume and delete", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Acme Corp",
      // STRIPE_KEY is declared (sync: false, in a group no service uses yet).
      blueprint: {
        source:
          "databases:\n  - name: main\nenvVarGroups:\n  - name: billing\n    envVars:\n      - key: STRIPE_KEY\n        sync: false\n",
      },
      labels: { plan: "pro" },
      secrets: { STRIPE_KEY: "sk_live_very_secret" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/tenants/${created.body.tenant.id}`);
    expect(created.body.tenant).toMatchObject({
      slug: "acme-corp",
      status: "queued",
      target: "local",
      labels: { plan: "pro" },
    });
    expect(created.body.operation).toMatchObject({ kind: "create", status: "queued" });
    expect(JSON.stringify(created.body)).not.toContain("sk_live_very_secret");
    const { rows } = await t.app.db.query<{ secrets_enc: string }>(
      "select secrets_enc from tenants where id = $1",
      [created.body.tenant.id],
    );
    expect(rows[0]!.secrets_enc).toMatch(/^v2\./);
    expect(rows[0]!.secrets_enc).not.toContain("sk_live");

    const active = await api.waitForTenant("acme-corp", "active");
    expect(active.observed_generation).toBe(active.generation);
    const status = await api.call("GET", "/v1/tenants/acme-corp/status");
    expect(status.body).toMatchObject({
      slug: "acme-corp",
      status: "active",
      error_message: null,
      operation: null,
    });
    const dbName = status.body.resource_ids["database:main"];
    expect(dbName).toEqual(expect.any(String));
    expect(status.body.outputs["database:main"]).toMatchObject({
      database: dbName,
      host: expect.any(String),
    });
    expect(JSON.stringify(status.body)).not.toMatch(/password/i);

    const admin = new pg.Client({ connectionString: t.database.adminUrl });
    await admin.connect();
    try {
      const exists = async () =>
        (await admin.query("select 1 from pg_database where datname = $1", [dbName])).rowCount === 1;
      expect(await exists()).toBe(true);

      // Resuming an active tenant is not in the lifecycle: 409, and nothing changes.
      const refused = await api.call("POST", "/v1/tenants/acme-corp/resume");
      expect(refused).toMatchObject({
        status: 409,
        body: { code: "TRANSITION_NOT_ALLOWED", tenant_status: "active" },
      });
      const after = await api.call("GET", "/v1/tenants/acme-corp");
      expect(after.body.generation).toBe(active.generation);
      expect((await api.call("GET", "/v1/tenants/acme-corp/operations")).body.data).toHaveLength(1);
      expect((await api.call("POST", "/v1/tenants/acme-corp/retry")).status).toBe(409);

      const suspend = await api.call("POST", "/v1/tenants/acme-corp/suspend");
      expect(suspend).toMatchObject({
        status: 202,
        body: { tenant: { status: "suspending" }, operation: { kind: "suspend" } },
      });
      await api.waitForTenant("acme-corp", "suspended");
      expect(await exists()).toBe(true); // suspend keeps data
      expect((await api.call("POST", "/v1/tenants/acme-corp/suspend")).status).toBe(409);

      expect((await api.call("POST", "/v1/tenants/acme-corp/resume")).status).toBe(202);
      await api.waitForTenant("acme-corp", "active");

      const del = await api.call("DELETE", "/v1/tenants/acme-corp");
      expect(del).toMatchObject({
        status: 202,
        body: { tenant: { status: "destroy_queued" }, operation: { kind: "destroy" } },
      });
      const destroyed = await api.waitForTenant(created.body.tenant.id, "destroyed");
      expect(destroyed.destroyed_at).toEqual(expect.any(String));
      expect(await exists()).toBe(false);
      expect(
        (
          await admin.query("select 1 from pg_roles where rolname = $1", [
            status.body.outputs["database:main"].user,
          ])
        ).rowCount,
      ).toBe(0);

      // A destroyed tenant stays as a record, and refuses further changes.
      expect((await api.call("POST", `/v1/tenants/${created.body.tenant.id}/suspend`)).status).toBe(409);
      expect((await api.call("DELETE", `/v1/tenants/${created.body.tenant.id}`)).body.code).toBe(
        "TRANSITION_NOT_ALLOWED",
      );
      const listed = await api.call("GET", "/v1/tenants?status=destroyed");
      expect(listed.body.data.map((x: Json) => x.id)).toContain(created.body.tenant.id);
    } finally {
      await admin.end();
    }

    const ops = await api.call("GET", `/v1/tenants/${created.body.tenant.id}/operations`);
    expect(ops.body.data.map((o: Json) => o.kind)).toEqual(["destroy", "resume", "suspend", "create"]);
    const createOp = await api.call("GET", `/v1/operations/${created.body.operation.id}`);
    expect(createOp.body).toMatchObject({ status: "succeeded", attempt: 0, error: null });
    expect(createOp.body.steps[0]).toMatchObject({
      action: "create",
      resource: "database:main",
      status: "succeeded",
    });
    expect(createOp.body.duration_ms).toEqual(expect.any(Number));

    const events = await api.call("GET", `/v1/tenants/${created.body.tenant.id}/events`);
    const transitions = events.body.data
      .filter((e: Json) => e.type === "tenant.status_changed")
      .map((e: Json) => e.data.to);
    expect(transitions).toEqual([
      "provisioning",
      "active",
      "suspending",
      "suspended",
      "resuming",
      "active",
      "destroy_queued",
      "destroying",
      "destroyed",
    ]);
  });

  it("deletes a queued tenant before any work starts", async () => {
    const paused = await startTestApp({ workers: false });
    try {
      const res = await paused.app.http!.inject({
        method: "POST",
        url: "/v1/tenants",
        headers: { ...auth, "content-type": "application/json" },
        payload: JSON.stringify({ name: "Early", blueprint: EMPTY }),
      });
      const id = res.json().tenant.id;
      const del = await paused.app.http!.inject({
        method: "DELETE",
        url: `/v1/tenants/${id}`,
        headers: auth,
      });
      expect(del.statusCode).toBe(202);
      const { rows } = await paused.app.db.query(
        "select kind, status from operations where tenant_id = $1 order by id",
        [id],
      );
      expect(rows).toEqual([
        { kind: "create", status: "canceled" },
        { kind: "destroy", status: "queued" },
      ]);
    } finally {
      await paused.close();
    }
  });
});

describe("slugs", () => {
  it("derives the slug from the name and answers a clash with 409 and a free suggestion", async () => {
    const first = await api.call("POST", "/v1/tenants", { name: "Globex Ünïcode & Co!", blueprint: EMPTY });
    expect(first.body.tenant.slug).toBe("globex-unicode-co");
    const clash = await api.call("POST", "/v1/tenants", {
      name: "Other",
      slug: "globex-unicode-co",
      blueprint: EMPTY,
    });
    expect(clash).toMatchObject({
      status: 409,
      body: { code: "SLUG_TAKEN", suggestion: "globex-unicode-co-2" },
    });
    expect(clash.body.errors[0].pointer).toBe("/slug");
    const taken = await api.call("POST", "/v1/tenants", {
      name: "Other",
      slug: "globex-unicode-co-2",
      blueprint: EMPTY,
    });
    expect(taken.status).toBe(201);
    const again = await api.call("POST", "/v1/tenants", { name: "Globex Ünïcode & Co!", blueprint: EMPTY });
    expect(again.body.suggestion).toBe("globex-unicode-co-3");
  });
});

describe("Idempotency-Key", () => {
  it("replays the same response for the same key and body, and refuses the key for another body", async () => {
    const body = { name: "Idem Corp", blueprint: EMPTY };
    const headers = { "idempotency-key": "create-idem-corp-1" };
    const first = await api.call("POST", "/v1/tenants", body, headers);
    const second = await api.call("POST", "/v1/tenants", body, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.body).toEqual(first.body);
    const { rows } = await t.app.db.query("select id from tenants where slug = 'idem-corp'");
    expect(rows).toHaveLength(1);

    const before = await tenantCount();
    const other = await api.call("POST", "/v1/tenants", { ...body, name: "Different" }, headers);
    expect(other).toMatchObject({ status: 422, body: { code: "IDEMPOTENCY_KEY_REUSED" } });
    expect(await tenantCount()).toBe(before);
  });

  it("makes concurrent duplicates create one tenant", async () => {
    const headers = { "idempotency-key": "race-1" };
    const body = { name: "Race Corp", blueprint: EMPTY };
    const results = await Promise.all([1, 2, 3, 4].map(() => api.call("POST", "/v1/tenants", body, headers)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.tenant.id)).size).toBe(1);
  });
});

describe("GET /v1/tenants", () => {
  it("pages with a cursor in a stable order and filters by status, label and text", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await api.call("POST", "/v1/tenants", {
        name: `Page ${i}`,
        blueprint: EMPTY,
        labels: { batch: "paging", parity: i % 2 === 0 ? "even" : "odd" },
      });
      ids.push(r.body.tenant.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { body: Json } = await api.call(
        "GET",
        `/v1/tenants?label=batch=paging&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...r.body.data.map((x: Json) => x.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const odd = await api.call("GET", "/v1/tenants?label=batch=paging&label=parity=odd");
    expect(odd.body.data.map((x: Json) => x.name)).toEqual(["Page 1", "Page 3", "Page 5"]);
    const text = await api.call("GET", "/v1/tenants?q=page%204");
    expect(text.body.data.map((x: Json) => x.name)).toEqual(["Page 4"]);

    await eventually(async () => {
      const r = await api.call("GET", "/v1/tenants?label=batch=paging&status=active,failed");
      return r.body.data.length === 7 ? true : undefined;
    });
    expect((await api.call("GET", "/v1/tenants?label=batch=paging&status=queued")).body.data).toEqual([]);
  });

  it("rejects bad filters with 400 naming the query field", async () => {
    expect((await api.call("GET", "/v1/tenants?status=sleeping")).body.errors[0].pointer).toBe(
      "/query/status",
    );
    expect((await api.call("GET", "/v1/tenants?limit=0")).body.errors[0].pointer).toBe("/query/limit");
    expect((await api.call("GET", "/v1/tenants?cursor=zzz")).body.errors[0].pointer).toBe("/query/cursor");
    expect((await api.call("GET", "/v1/tenants?label=novalue")).body.errors[0].pointer).toBe("/query/label");
    expect((await api.call("GET", "/v1/tenants?sort=name")).status).toBe(400);
  });
});
