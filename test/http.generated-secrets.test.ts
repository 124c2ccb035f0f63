import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envBindingsOf } from "../src/domain/resources.js";
import { ABSENT, type Provider, ProviderRegistry, type ResourceDriver } from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * `generateValue` secrets: generated once per tenant, sealed at rest, handed to the
 * provider when it applies a service, kept across updates, and never shown.
 */

type Seen = { resource: string; key: string; value: string | undefined };
const seen: Seen[] = [];

/** A provider that records the secret values the engine hands it. */
function recorder(): Provider {
  // Creates, adoptions and updates alike: every apply is given the secrets.
  const apply: ResourceDriver["apply"] = async (ctx, r) => {
    for (const b of envBindingsOf(r)) {
      if (!("secret" in b)) continue;
      const value =
        b.secret === "generated"
          ? ctx.secret({ secret: "generated", ref: b.ref })
          : ctx.secret({ secret: "tenant", key: b.key });
      seen.push({ resource: r.key, key: b.key, value });
    }
    return { state: "done", providerId: r.externalName };
  };
  const driver: ResourceDriver = {
    observe: async () => ABSENT,
    apply,
    delete: async () => ({ state: "done" }),
  };
  return { name: "recorder", drivers: { envgroup: driver, web: driver, worker: driver } };
}

let t: TestApp;
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
let api: ApiClient;

const v1 = `
envVarGroups:
  - name: shared
    envVars:
      - key: SHARED_TOKEN
        generateValue: true
services:
  - type: web
    name: web
    runtime: node
    startCommand: node web.js
    envVars:
      - key: SECRET_KEY
        generateValue: true
      - key: STRIPE_KEY
        sync: false
      - fromGroup: shared
  - type: worker
    name: jobs
    runtime: node
    startCommand: node jobs.js
    envVars:
      - fromGroup: shared
`;
const v2 = v1.replace(
  "      - fromGroup: shared\n  - type: worker",
  "      - fromGroup: shared\n      - key: NEW_SECRET\n        generateValue: true\n  - type: worker",
);

beforeAll(async () => {
  t = await startTestApp({
    env: { TENANTRY_WORKER_CONCURRENCY: "2" },
    providers: new ProviderRegistry().register(recorder()),
  });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

const waitActive = () =>
  eventually(async () => {
    const r = await api.call("GET", "/v1/tenants/vault");
    if (r.body.status === "failed") throw new Error(r.body.error_message);
    return r.body.status === "active" && r.body.observed_generation === r.body.generation
      ? r.body
      : undefined;
  });

describe("resources a target cannot provide", () => {
  it("refuses the tenant at create with 422 UNSUPPORTED_RESOURCE, naming each, and stores nothing", async () => {
    const res = await t.app.http!.inject({
      method: "POST",
      url: "/v1/tenants",
      headers: { ...auth, "content-type": "application/json" },
      payload: JSON.stringify({
        name: "Nope",
        target: "recorder",
        blueprint: { source: "databases:\n  - name: main\n" },
      }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      code: "UNSUPPORTED_RESOURCE",
      errors: [{ pointer: "/blueprint", message: expect.stringContaining("database:main") }],
    });
    const { rows } = await t.app.db.query("select count(*)::int as n from tenants where slug = 'nope'");
    expect(rows[0].n).toBe(0);
  });
});

describe("generated secrets", () => {
  it("generates each once per tenant, shares a group's between its services, and hands them to the provider", async () => {
    await api.call("POST", "/v1/blueprints", { name: "vault", source: v1 });
    const created = await api.call("POST", "/v1/tenants", {
      name: "Vault",
      blueprint: "vault",
      target: "recorder",
      secrets: { STRIPE_KEY: "sk_live_abc" },
    });
    expect(created.status).toBe(201);
    await waitActive();
    const value = (resource: string, key: string) =>
      seen.find((s) => s.resource === resource && s.key === key)?.value;
    expect(value("service:web", "SECRET_KEY")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(value("service:web", "STRIPE_KEY")).toBe("sk_live_abc");
    expect(value("service:web", "SHARED_TOKEN")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(value("service:jobs", "SHARED_TOKEN")).toBe(value("service:web", "SHARED_TOKEN"));
    expect(value("service:web", "SECRET_KEY")).not.toBe(value("service:web", "SHARED_TOKEN"));

    // Sealed at rest, never shown.
    const { rows } = await t.app.db.query(
      "select generated_enc, secrets_enc from tenants where slug = 'vault'",
    );
    const secretValues = [
      value("service:web", "SECRET_KEY")!,
      value("service:web", "SHARED_TOKEN")!,
      "sk_live_abc",
    ];
    for (const v of secretValues) {
      expect(rows[0].generated_enc).not.toContain(v);
      expect(rows[0].secrets_enc).not.toContain(v);
      for (const url of [
        "/v1/tenants/vault",
        "/v1/tenants/vault/status",
        "/v1/tenants/vault/events",
        "/v1/tenants/vault/operations",
      ]) {
        expect((await api.call("GET", url)).raw).not.toContain(v);
      }
    }
  });

  it("keeps them across an update and generates only the new ones", async () => {
    const before = seen.find((s) => s.resource === "service:web" && s.key === "SECRET_KEY")?.value;
    seen.length = 0;
    await api.call("POST", "/v1/blueprints", { name: "vault", source: v2 });
    const res = await api.call("PATCH", "/v1/tenants/vault", { blueprint: "vault@2" });
    expect(res.status).toBe(202);
    await waitActive();
    const web = seen.filter((s) => s.resource === "service:web");
    expect(web.find((s) => s.key === "SECRET_KEY")?.value).toBe(before);
    expect(web.find((s) => s.key === "NEW_SECRET")?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
