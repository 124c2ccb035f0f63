import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { createStackProvider, StackCloud } from "./support/stack-provider.js";

/**
 * A target whose platform plans and applies a tenant's resources as one unit (a stack
 * driver, as the Terraform target will be): the engine keeps the same books as for
 * resource drivers, and recovers from a call whose outcome it never learned.
 */

const cloud = new StackCloud();

const blueprint = (size: string) => `
parameters:
  size:
    type: string
    default: small
databases:
  - name: main
    plan: basic-256mb
services:
  - type: web
    name: app
    runtime: node
    startCommand: node app.js
    envVars:
      - key: SIZE
        value: \${{ params.size }}
      - key: DATABASE_URL
        fromDatabase:
          name: main
          property: connectionString
  - type: worker
    name: jobs
    runtime: node
    startCommand: node jobs.js
# ${size}
`;

let t: TestApp;
let api: ApiClient;

const settledAs = (slug: string, statuses: string[]) =>
  eventually(async () => {
    const r = await api.json("GET", `/v1/tenants/${slug}`);
    return statuses.includes(r.status) || r.status === "failed" ? r : undefined;
  });

async function rows(tenantId: string) {
  const { rows } = await t.app.db.query<{
    key: string;
    status: string;
    provider_id: string | null;
    outputs: Record<string, unknown>;
    secret_outputs_enc: string | null;
  }>(
    "select key, status, provider_id, outputs, secret_outputs_enc from resources where tenant_id = $1 order by key",
    [tenantId],
  );
  return rows;
}

async function steps(slug: string) {
  const [op] = (await api.json("GET", `/v1/tenants/${slug}/operations`)).data;
  return op as {
    kind: string;
    status: string;
    steps: { name: string; status: string; detail: string | null }[];
  };
}

beforeAll(async () => {
  t = await startTestApp({
    env: { TENANTRY_WORKER_CONCURRENCY: "2" },
    providers: new ProviderRegistry().register(createStackProvider(cloud)),
  });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("a stack target through the engine", () => {
  it("creates, updates, suspends, resumes and destroys a tenant, with outputs and sealed secrets per resource", async () => {
    const created = await api.json("POST", "/v1/tenants", {
      name: "Stacked",
      target: "stack",
      blueprint: { source: blueprint("v1") },
    });
    const tenantId: string = created.tenant.id;
    const active = await settledAs("stacked", ["active"]);
    expect(active.status).toBe("active");

    // One state for the tenant holding every resource, made by one apply.
    const objects = cloud.objects(tenantId);
    expect([...objects.keys()].sort()).toEqual(["database:main", "service:app", "service:jobs"]);
    expect(cloud.runsOf(tenantId).map((r) => r.kind)).toEqual(["apply"]);
    const recorded = await rows(tenantId);
    expect(recorded.map((r) => [r.key, r.status])).toEqual([
      ["database:main", "ready"],
      ["service:app", "ready"],
      ["service:jobs", "ready"],
    ]);
    for (const r of recorded) {
      expect(r.provider_id).toBe(objects.get(r.key)?.providerId);
      expect(r.outputs).toMatchObject({ id: r.provider_id });
    }
    // The database's password is sealed, not stored as written.
    const db = recorded.find((r) => r.key === "database:main");
    expect(db?.secret_outputs_enc).toBeTruthy();
    expect(db?.secret_outputs_enc).not.toContain("pw-");
    const first = await steps("stacked");
    expect(first.steps.map((s) => [s.name, s.status])).toEqual([
      ["plan stack", "succeeded"],
      // Waited on while the apply ran (a waiting step is taken up again by the next pass).
      ["apply stack", "succeeded"],
    ]);
    expect(first.steps[0]?.detail).toBe("3 to create, 0 to update, 0 to replace, 0 to delete");

    // An update changes one service: the plan says so, one more apply makes it.
    await api.json("PATCH", "/v1/tenants/stacked", { params: { size: "large" } });
    expect((await settledAs("stacked", ["active"])).status).toBe("active");
    const update = await steps("stacked");
    expect(update.kind).toBe("update");
    expect(update.steps[0]).toMatchObject({
      name: "plan stack",
      detail: "0 to create, 1 to update, 0 to replace, 0 to delete",
    });
    expect(cloud.runsOf(tenantId).map((r) => r.kind)).toEqual(["apply", "apply"]);
    expect(cloud.runsOf(tenantId)[1]?.changes.filter((c) => c.action !== "none")).toEqual([
      { key: "service:app", action: "update", addresses: ["module.tenant.web.service_app"] },
    ]);

    await api.json("POST", "/v1/tenants/stacked/suspend");
    expect((await settledAs("stacked", ["suspended"])).status).toBe("suspended");
    expect([...objects.values()].every((o) => !o.running)).toBe(true);
    expect((await rows(tenantId)).every((r) => r.status === "suspended")).toBe(true);

    await api.json("POST", "/v1/tenants/stacked/resume");
    expect((await settledAs("stacked", ["active"])).status).toBe("active");
    expect([...objects.values()].every((o) => o.running)).toBe(true);
    expect((await steps("stacked")).steps.map((s) => s.name)).toEqual(["resume stack"]);

    await api.json("DELETE", "/v1/tenants/stacked");
    expect((await settledAs("stacked", ["destroyed"])).status).toBe("destroyed");
    expect(objects.size).toBe(0);
    const gone = await rows(tenantId);
    expect(gone.every((r) => r.status === "deleted" && r.provider_id === null)).toBe(true);
    const events = (await api.json("GET", "/v1/tenants/stacked/events")).data as { type: string }[];
    expect(events.filter((e) => e.type === "resource.deleted")).toHaveLength(3);
    // Each stack call is in the audit log, the engine's, with its operation.
    const audit = (await api.json("GET", `/v1/audit?tenant=${tenantId}&actor=system`)).data as any[];
    expect(audit.map((e) => [e.action, e.outcome])).toEqual([
      ["provider.stack_apply", "succeeded"],
      ["provider.stack_apply", "succeeded"],
      ["provider.stack_suspend", "succeeded"],
      ["provider.stack_resume", "succeeded"],
      ["provider.stack_destroy", "succeeded"],
    ]);
    expect(audit[0].summary).toEqual({
      provider: "stack",
      resources: ["database:main", "service:app", "service:jobs"],
    });
    expect(audit.every((e) => e.operation_id && e.request_id)).toBe(true);
  });

  it("follows an apply whose start it never heard back about, without applying twice", async () => {
    cloud.hangAfterStart = 1; // the apply starts on the platform; the call never answers
    const created = await api.json("POST", "/v1/tenants", {
      name: "Hung",
      target: "stack",
      blueprint: { source: blueprint("v1") },
    });
    const tenant = await settledAs("hung", ["active"]);
    expect(tenant.status).toBe("active");
    expect(cloud.runsOf(created.tenant.id)).toHaveLength(1);
    const op = await steps("hung");
    // The hung call failed the step on the action timeout; the retry followed the same run.
    expect(op.steps.map((s) => [s.name, s.status])).toEqual([
      ["plan stack", "succeeded"],
      ["apply stack", "failed"],
      ["apply stack", "succeeded"],
    ]);
    expect((await rows(created.tenant.id)).every((r) => r.status === "ready")).toBe(true);
    const audit = (await api.json("GET", `/v1/audit?tenant=${created.tenant.id}&action=provider.`)).data;
    expect(audit.map((e: any) => [e.action, e.outcome, e.summary.code ?? null])).toEqual([
      ["provider.stack_apply", "failed", "ACTION_TIMEOUT"],
      ["provider.stack_apply", "succeeded", null],
    ]);
  });

  it("plans and applies again after a failure before the apply started", async () => {
    cloud.failBeforeStart = 1;
    const created = await api.json("POST", "/v1/tenants", {
      name: "Dropped",
      target: "stack",
      blueprint: { source: blueprint("v1") },
    });
    expect((await settledAs("dropped", ["active"])).status).toBe("active");
    expect(cloud.runsOf(created.tenant.id)).toHaveLength(1);
    expect(cloud.objects(created.tenant.id).size).toBe(3);
    const op = await steps("dropped");
    expect(op.steps.map((s) => [s.name, s.status])).toEqual([
      ["plan stack", "succeeded"],
      ["apply stack", "failed"],
      ["apply stack", "succeeded"],
    ]);
  });

  it("a heal plans against the stack and applies the drift it finds", async () => {
    const created = await api.json("POST", "/v1/tenants", {
      name: "Drifted",
      target: "stack",
      blueprint: { source: blueprint("v1") },
    });
    const tenantId: string = created.tenant.id;
    expect((await settledAs("drifted", ["active"])).status).toBe("active");
    // Someone deleted the worker by hand.
    cloud.objects(tenantId).delete("service:jobs");
    const plansBefore = cloud.plans;
    const service = new TenantService({ providers: t.app.providers, secrets: t.app.secrets, maxAttempts: 5 });
    expect(await t.app.db.tx((q) => service.recover(q, tenantId, "drift check"))).toBe(true);
    await eventually(async () => {
      const op = await steps("drifted");
      return op.kind === "heal" && op.status === "succeeded" ? op : undefined;
    });
    expect(cloud.plans).toBe(plansBefore + 1);
    expect(cloud.objects(tenantId).has("service:jobs")).toBe(true);
    const heal = await steps("drifted");
    expect(heal.steps.map((s) => [s.name, s.detail])).toEqual([
      ["plan stack", "1 to create, 0 to update, 0 to replace, 0 to delete"],
      ["apply stack", "3 resources"],
    ]);
    expect((await api.json("GET", "/v1/tenants/drifted")).status).toBe("active");
    const jobs = (await rows(tenantId)).find((r) => r.key === "service:jobs");
    expect(jobs).toMatchObject({
      status: "ready",
      provider_id: cloud.objects(tenantId).get("service:jobs")?.providerId,
    });
  });

  it("refuses at create what the stack cannot hold, creating nothing", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Hooked",
      target: "stack",
      blueprint: { source: `${blueprint("v1")}hooks:\n  bootstrap:\n    command: ./seed\n` },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: "UNSUPPORTED_RESOURCE",
      refusals: [{ field: "hooks.bootstrap", message: 'target "stack" cannot run bootstrap hooks' }],
    });
    expect((await api.call("GET", "/v1/tenants/hooked")).status).toBe(404);
  });
});
