import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFindings, lintOpenApi } from "../scripts/lint-openapi.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * The document served at `/openapi.json` is fit for client generators: linted clean by
 * Spectral (`spectral:oas`) and Redocly (`recommended`), named schemas, stable operation ids,
 * problem answers as `application/problem+json`, the headers the hooks set.
 */

let t: TestApp;
let doc: any;
const operations: { key: string; op: any }[] = [];

beforeAll(async () => {
  t = await startTestApp({ workers: false });
  const res = await t.app.http!.inject({ method: "GET", url: "/openapi.json" });
  expect(res.statusCode).toBe(200);
  doc = res.json();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (["get", "post", "put", "patch", "delete"].includes(method))
        operations.push({ key: `${method.toUpperCase()} ${path}`, op });
    }
  }
});
afterAll(async () => {
  await t?.close();
});

/** The response object behind `response` (a `$ref` to `components.responses`, or itself). */
const resolve = (response: any) =>
  response?.$ref ? doc.components.responses[response.$ref.split("/").pop()] : response;

describe("the OpenAPI document", () => {
  it("has no Spectral or Redocly findings", { timeout: 120_000 }, async () => {
    const findings = await lintOpenApi(doc);
    expect(findings, `the linters' findings:\n${formatFindings(findings)}`).toEqual([]);
  });

  it("gives every operation a unique camelCase operationId, a summary, a description and declared tags", () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const declared = new Set((doc.tags as { name: string; description: string }[]).map((tag) => tag.name));
    for (const { key, op } of operations) {
      expect(op.operationId, key).toMatch(/^[a-z][a-zA-Z]+$/);
      expect(op.summary, key).toBeTruthy();
      expect(op.description, key).toBeTruthy();
      expect(op.tags?.length, key).toBeGreaterThan(0);
      for (const tag of op.tags) expect(declared.has(tag), `${key}: tag ${tag}`).toBe(true);
    }
    expect(ids).toEqual(
      expect.arrayContaining([
        "createTenant",
        "listTenants",
        "getTenant",
        "updateTenant",
        "deleteTenant",
        "suspendTenant",
        "resumeTenant",
        "retryTenant",
        "listTenantEvents",
        "getTenantLogs",
        "pushBlueprint",
      ]),
    );
    expect(doc.paths["/v1/tenants/{id}/suspend"].post.operationId).toBe("suspendTenant");
    expect(doc.paths["/v1/tenants/{id}"].delete.operationId).toBe("deleteTenant");
  });

  it("names its schemas, and bodies and answers refer to them", () => {
    const names = Object.keys(doc.components.schemas);
    expect(names.filter((n) => !/^[A-Z][A-Za-z0-9]*$/.test(n))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining([
        "Tenant",
        "TenantStatus",
        "Operation",
        "Step",
        "Event",
        "Blueprint",
        "Problem",
        "FieldError",
        "ApiKey",
        "Organization",
        "Quotas",
        "Credential",
        "AuditEntry",
        "Target",
        "TenantPage",
        "CreateTenantRequest",
        "UpdateTenantRequest",
      ]),
    );
    const tenants = doc.paths["/v1/tenants"];
    expect(tenants.post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CreateTenantRequest",
    });
    expect(tenants.get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/TenantPage",
    });
    expect(doc.components.schemas.TenantPage.properties.data.items).toEqual({
      $ref: "#/components/schemas/Tenant",
    });
    expect(doc.components.schemas.Problem.properties.errors.items).toEqual({
      $ref: "#/components/schemas/FieldError",
    });
    // Unions of literals are enums, which generators turn into enum types.
    expect(doc.components.schemas.Tenant.properties.status).toEqual({
      type: "string",
      enum: expect.arrayContaining(["queued", "active", "failed", "destroyed"]),
    });
    // Every reference leads somewhere.
    for (const [, kind, name] of JSON.stringify(doc).matchAll(/"#\/components\/(\w+)\/(\w+)"/g))
      expect(doc.components[kind!]?.[name!], `#/components/${kind}/${name}`).toBeDefined();
  });

  it("declares problems as application/problem+json, and the statuses each route can answer", () => {
    for (const { key, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (Number(status) < 400 || key === "GET /ready") continue;
        const content = resolve(response).content;
        expect(Object.keys(content), `${key} ${status}`).toEqual(["application/problem+json"]);
        expect(content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
      }
    }
    const statuses = (key: string) =>
      Object.keys(operations.find((o) => o.key === key)!.op.responses).map(Number);
    // Every route that needs a key: 401, the rate limit, the database.
    expect(statuses("GET /v1/tenants")).toEqual(expect.arrayContaining([400, 401, 429, 500, 503]));
    // A viewer route cannot be refused for the role; an operator route can.
    expect(statuses("GET /v1/tenants")).not.toContain(403);
    expect(statuses("POST /v1/tenants/{id}/suspend")).toEqual(expect.arrayContaining([403, 404, 409]));
    // Bodies: too large, not JSON; Idempotency-Key reused.
    expect(statuses("POST /v1/tenants")).toEqual(expect.arrayContaining([403, 409, 413, 415, 422, 429]));
    expect(statuses("PATCH /v1/tenants/{id}")).toContain(412);
    expect(statuses("GET /v1/tenants/{id}")).not.toContain(409);
    // The probes are public and not rate limited.
    expect(statuses("GET /health")).toEqual([200, 304, 400]);
    const rateLimited = resolve(doc.paths["/v1/tenants"].get.responses["429"]);
    expect(Object.keys(rateLimited.headers)).toEqual(expect.arrayContaining(["Retry-After", "X-Request-Id"]));
  });

  it("declares the headers the hooks set: request id, rate limits, ETag and 304, Location, replays", () => {
    for (const { key, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>))
        expect(Object.keys(resolve(response).headers ?? {}), `${key} ${status}`).toContain("X-Request-Id");
    }
    const getTenant = doc.paths["/v1/tenants/{id}"].get;
    expect(Object.keys(getTenant.responses["200"].headers)).toEqual(
      expect.arrayContaining(["ETag", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
    );
    expect(getTenant.responses["304"]).toEqual({ $ref: "#/components/responses/NotModified" });
    expect(getTenant.parameters).toContainEqual({ $ref: "#/components/parameters/IfNoneMatch" });
    // Every GET answering JSON can answer 304.
    for (const { key, op } of operations) {
      if (key.startsWith("GET ") && op.responses["200"]?.content?.["application/json"])
        expect(op.responses["304"], key).toBeDefined();
      if (!key.startsWith("GET ")) expect(op.responses["304"], key).toBeUndefined();
    }
    const suspend = doc.paths["/v1/tenants/{id}/suspend"].post;
    expect(Object.keys(suspend.responses["202"].headers)).toEqual(
      expect.arrayContaining(["Location", "Idempotent-Replayed"]),
    );
    expect(suspend.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
    expect(Object.keys(doc.paths["/v1/tenants"].post.responses["201"].headers)).toContain("Location");
    expect(Object.keys(doc.paths["/v1/tenants/{id}"].patch.responses["200"].headers)).toContain("ETag");
    // No Idempotency-Key there: no replays.
    expect(Object.keys(doc.paths["/v1/blueprints"].post.responses["201"].headers)).not.toContain(
      "Idempotent-Replayed",
    );
  });

  it("documents the event-stream variant of the logs", () => {
    const ok = doc.paths["/v1/tenants/{id}/resources/{name}/logs"].get.responses["200"];
    expect(Object.keys(ok.content)).toEqual(["application/json", "text/event-stream"]);
    expect(ok.content["text/event-stream"].schema.type).toBe("string");
  });

  it("says where it is served, who makes it and under which license", () => {
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    expect(doc.info.contact.url).toMatch(/^https:\/\//);
    expect(doc.info.license).toEqual({ name: "Apache 2.0", identifier: "Apache-2.0" });
    expect(doc.info.description.length).toBeGreaterThan(200);
  });
});
