import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * Object and array params over the API (issue 13): checked at create with a pointer per
 * field, nothing stored when any is wrong; defaults filled; a PATCH merges objects field
 * by field (JSON Merge Patch).
 */

let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "1" } });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

/** Params only: a tenant of this blueprint has no resources, so it settles at once. */
const SOURCE = [
  "parameters:",
  "  cloud:",
  "    type: object",
  "    required: true",
  "    properties:",
  "      provider: { type: enum, values: [aws, gcp], required: true }",
  '      region: { type: string, pattern: "^[a-z]{2}-[a-z]+-[0-9]$", required: true }',
  '      account_id: { type: string, pattern: "^[0-9]{12}$" }',
  '      role_arn: { type: string, pattern: "^arn:aws:iam::[0-9]{12}:role/.+$", required: true }',
  "  cluster:",
  "    type: object",
  "    default: { profile: small }",
  "    properties:",
  "      profile: { type: enum, values: [small, medium, large], default: small }",
  "      use_existing: { type: boolean, default: false }",
  "  zones:",
  "    type: array",
  "    items: { type: string }",
  "    minItems: 1",
  "    maxItems: 3",
  "",
].join("\n");

const CLOUD = {
  provider: "aws",
  region: "us-east-1",
  account_id: "123456789012",
  role_arn: "arn:aws:iam::123456789012:role/beta9",
};

describe("tenants with object and array params", () => {
  it("shows the nested declarations in the blueprint's parsed form", async () => {
    const res = await api.call("POST", "/v1/blueprints", { name: "seed", source: SOURCE });
    expect(res.status).toBe(201);
    const shown = await api.json("GET", "/v1/blueprints/seed/versions/1");
    expect(shown.parsed.parameters[0]).toMatchObject({
      name: "cloud",
      type: "object",
      properties: { region: { type: "string", required: true } },
    });
  });

  it("refuses bad nested params with 400 problem+json, a pointer per field, and creates nothing", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Acme Prod",
      blueprint: "seed",
      target: "local",
      params: {
        cloud: { provider: "aws", region: "US-EAST-1", account_id: "123456789012", extra: 1 },
        cluster: { profile: "tiny" },
        zones: ["a", "b", 3, "d"],
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(res.body.errors).toEqual([
      expect.objectContaining({ pointer: "/params/cloud/extra" }),
      { pointer: "/params/cloud/region", message: "must match ^[a-z]{2}-[a-z]+-[0-9]$" },
      { pointer: "/params/cloud/role_arn", message: 'parameter "cloud.role_arn" is required' },
      { pointer: "/params/cluster/profile", message: 'expected one of "small", "medium", "large"' },
      { pointer: "/params/zones", message: "expected at most 3 items, got 4" },
      { pointer: "/params/zones/2", message: "expected a string, got a number" },
    ]);
    const { rows } = await t.app.db.query("select count(*)::int as n from tenants");
    expect(rows[0].n).toBe(0);
  });

  it("creates a tenant with nested params as given; a render shows the defaults filled in", async () => {
    const params = { cloud: CLOUD, zones: ["us-east-1a"] };
    const res = await api.call("POST", "/v1/tenants", { name: "Acme Prod", blueprint: "seed", params });
    expect(res.status).toBe(201);
    expect(res.body.tenant.params).toEqual(params);
    await api.waitForTenant("acme-prod", "active");
    const rendered = await api.json("POST", "/v1/blueprints/seed/render", {
      tenant: { name: "Acme" },
      params,
    });
    expect(rendered.params).toEqual({
      ...params,
      cluster: { profile: "small", use_existing: false },
    });
  });

  it("merges a PATCH into an object param field by field; null removes a field", async () => {
    const res = await api.call("PATCH", "/v1/tenants/acme-prod", {
      params: { cloud: { region: "eu-west-1", account_id: null } },
    });
    expect(res.status).toBe(202);
    expect(res.body.tenant.params).toEqual({
      cloud: { provider: "aws", region: "eu-west-1", role_arn: CLOUD.role_arn },
      zones: ["us-east-1a"],
    });
    const bad = await api.call("POST", "/v1/tenants/acme-prod/plan", {
      params: { cloud: { role_arn: null } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { pointer: "/params/cloud/role_arn", message: 'parameter "cloud.role_arn" is required' },
    ]);
  });
});
