import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/** The environments API without TENANTRY_ENVIRONMENT_BLUEPRINT, and that setting's checks. */
let t: TestApp;
let api: ApiClient;

describe("the environments API when not configured", () => {
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers 501 saying what to set, and creates nothing", async () => {
    const res = await api.call("POST", "/v1/environments", { name: "acme", cloud: { provider: "aws" } });
    expect(res.status).toBe(501);
    expect(res.body.code).toBe("ENVIRONMENTS_NOT_CONFIGURED");
    expect(res.body.detail).toContain("TENANTRY_ENVIRONMENT_BLUEPRINT");
    expect((await api.json("GET", "/v1/tenants")).data).toEqual([]);
  });

  it("needs a name", async () => {
    const res = await api.call("POST", "/v1/environments", { cloud: { provider: "aws" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toContain("/name");
  });
});

describe("TENANTRY_ENVIRONMENT_BLUEPRINT", () => {
  const base = { DATABASE_URL: "postgres://x@localhost/x" };
  it("takes one blueprint or one per provider", () => {
    expect(loadConfig({ ...base, TENANTRY_ENVIRONMENT_BLUEPRINT: "beta9@3" }).environmentBlueprints).toEqual({
      "*": "beta9@3",
    });
    expect(
      loadConfig({ ...base, TENANTRY_ENVIRONMENT_BLUEPRINT: "aws=beta9-aws, gcp=beta9-gcp" })
        .environmentBlueprints,
    ).toEqual({ aws: "beta9-aws", gcp: "beta9-gcp" });
  });
  it("refuses what is not a blueprint reference", () => {
    expect(() => loadConfig({ ...base, TENANTRY_ENVIRONMENT_BLUEPRINT: "aws=not a name" })).toThrow(
      /TENANTRY_ENVIRONMENT_BLUEPRINT: expected a stored blueprint/,
    );
  });
});
