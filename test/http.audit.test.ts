import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../src/lib/crypto.js";
import {
  ABSENT,
  type Provider,
  ProviderError,
  ProviderRegistry,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * The audit log and request ids: one X-Request-Id leads from the HTTP log line to the
 * operation, its provider actions and their audit entries; entries name who did what,
 * never a secret's value; the organization's admins alone read them.
 */

const SECRET = "sk_live_audit_never_shown_42";
const BLUEPRINT = {
  source:
    "services:\n  - type: worker\n    name: jobs\n    runtime: node\n    startCommand: node jobs.js\n    envVars:\n      - key: STRIPE_KEY\n        sync: false\n",
};

/**
 * A platform in memory (target `memory`): workers that can be stopped and started. The
 * first create of a tenant whose slug starts with `flaky` fails (a transient error).
 */
function memory(): Provider {
  const objects = new Map<string, { running: boolean }>();
  const failed = new Set<string>();
  const driver: ResourceDriver = {
    async observe(_ctx, r) {
      return objects.has(r.externalName)
        ? { state: "ready", providerId: r.externalName, outputs: {} }
        : ABSENT;
    },
    async apply(ctx, r) {
      if (ctx.tenant.slug.startsWith("flaky") && !failed.has(r.externalName)) {
        failed.add(r.externalName);
        throw new ProviderError("the platform is having a bad day", { retryable: true });
      }
      objects.set(r.externalName, { running: true });
      return { state: "done", providerId: r.externalName, outputs: {} };
    },
    async setRunning(_ctx, r, running) {
      objects.set(r.externalName, { running });
      return { state: "done" };
    },
    async delete(_ctx, r) {
      objects.delete(r.externalName);
      return { state: "done" };
    },
  };
  return { name: "memory", drivers: { worker: driver } };
}

let t: TestApp;
let admin: ApiClient;
const logLines: string[] = [];

async function defaultOrg(): Promise<string> {
  const { rows } = await t.app.db.query<{ id: string }>(
    "select id from organizations where slug = 'default'",
  );
  return rows[0]!.id;
}

async function keyFor(role: "admin" | "operator" | "viewer", orgId: string, name: string = role) {
  const key = `tnt_${role}_${Math.random().toString(36).slice(2)}_padding_padding`;
  const id = await insertApiKey(t.app.db, {
    organizationId: orgId,
    name,
    role,
    keyHash: sha256(key),
    keyPrefix: key.slice(0, 12),
  });
  return { key, id };
}

/** Every entry `query` (a query string) matches, following the cursor to the end. */
async function allEntries(client: ApiClient, query: string, limit = 500): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? "&" : "";
    const url = `/v1/audit?${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await client.call("GET", url);
    expect(page.status, page.raw).toBe(200);
    out.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

/**
 * The entries of one request, once there are `n`: a call whose change has no transaction
 * of its own (or that was refused) is recorded right after its answer.
 */
async function entriesOf(requestId: string, n = 1): Promise<any[]> {
  return eventually(
    async () => {
      const got = await allEntries(admin, `request_id=${encodeURIComponent(requestId)}`);
      return got.length >= n ? got : undefined;
    },
    { timeoutMs: 5000, what: `${n} audit entries of ${requestId}` },
  );
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  t = await startTestApp({
    providers: new ProviderRegistry().register(memory()),
    logger: pino({ level: "trace" }, sink),
  });
  admin = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("request ids", () => {
  it("echoes the caller's X-Request-Id, generates one when absent or unusable, also on errors", async () => {
    const sent = await admin.call("GET", "/v1/tenants", undefined, { "x-request-id": "caller-id-1" });
    expect(sent.headers["x-request-id"]).toBe("caller-id-1");

    const generated = await admin.call("GET", "/v1/tenants");
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);

    for (const bad of ["x".repeat(201), "has space", "tab\there"]) {
      const res = await admin.call("GET", "/v1/tenants", undefined, { "x-request-id": bad });
      expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(
      (await admin.call("GET", "/v1/tenants", undefined, { "x-request-id": "y".repeat(200) })).headers[
        "x-request-id"
      ],
    ).toBe("y".repeat(200));

    const missing = await admin.call("GET", "/v1/nowhere", undefined, { "x-request-id": "on-404" });
    expect(missing.status).toBe(404);
    expect(missing.headers["x-request-id"]).toBe("on-404");
    const anonymous = await apiClient(t, null).call("GET", "/v1/tenants", undefined, {
      "x-request-id": "on-401",
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["x-request-id"]).toBe("on-401");
    const invalid = await admin.call("POST", "/v1/tenants", { name: "" }, { "x-request-id": "on-400" });
    expect(invalid.status).toBe(400);
    expect(invalid.headers["x-request-id"]).toBe("on-400");
  });
});

describe("the audit trail of a tenant's life", () => {
  let tenantId: string;
  const ids = { create: "req-create-1", suspend: "req-suspend-1", destroy: "req-destroy-1" };

  beforeAll(async () => {
    const created = await admin.call(
      "POST",
      "/v1/tenants",
      { name: "Audited", target: "memory", blueprint: BLUEPRINT, secrets: { STRIPE_KEY: SECRET } },
      { "x-request-id": ids.create },
    );
    expect(created.status, created.raw).toBe(201);
    tenantId = created.body.tenant.id;
    await admin.waitForTenant(tenantId, "active");
    const suspended = await admin.call("POST", `/v1/tenants/${tenantId}/suspend`, undefined, {
      "x-request-id": ids.suspend,
    });
    expect(suspended.status).toBe(202);
    await admin.waitForTenant(tenantId, "suspended");
    const destroyed = await admin.call("DELETE", `/v1/tenants/${tenantId}`, undefined, {
      "x-request-id": ids.destroy,
    });
    expect(destroyed.status).toBe(202);
    await admin.waitForTenant(tenantId, "destroyed");
  });

  it("records each call and each provider action, with one request id from the call to the provider", async () => {
    const entries = await allEntries(admin, `tenant=${tenantId}`);
    const adminKeyId = (
      await t.app.db.query<{ id: string }>("select id from api_keys where key_hash = $1", [sha256(ADMIN_KEY)])
    ).rows[0]!.id;
    const ops = (await admin.json("GET", `/v1/tenants/${tenantId}/operations`)).data as any[];
    const opOf = (kind: string) => ops.find((o) => o.kind === kind);

    for (const [kind, action, providerAction, status] of [
      ["create", "tenant.create", "provider.create", 201],
      ["suspend", "tenant.suspend", "provider.suspend", 202],
      ["destroy", "tenant.delete", "provider.delete", 202],
    ] as const) {
      const requestId = ids[kind];
      const op = opOf(kind);
      expect(op.request_id).toBe(requestId);
      expect(op.requested_by).toEqual({ type: "api_key", id: adminKeyId, name: expect.any(String) });

      const ofRequest = entries.filter((e) => e.request_id === requestId);
      expect(ofRequest.map((e) => e.action)).toEqual([action, providerAction]);
      const [call, provider] = ofRequest;
      expect(call).toMatchObject({
        actor: { type: "api_key", id: adminKeyId },
        tenant_id: tenantId,
        operation_id: op.id,
        outcome: "succeeded",
        status,
      });
      expect(provider).toMatchObject({
        actor: { type: "system", id: null, name: "system" },
        tenant_id: tenantId,
        operation_id: op.id,
        outcome: "succeeded",
        status: null,
        summary: { provider: "memory", resource: "service:jobs", kind: "worker" },
      });
      // The same request id on the HTTP log line and on the engine's lines of its operation.
      const lines = logLines.map((l) => JSON.parse(l)).filter((l) => l.requestId === requestId);
      expect(lines.some((l) => l.component === "http" && l.req?.method)).toBe(true);
      expect(lines.some((l) => l.operation === op.id && l.msg === "operation succeeded")).toBe(true);
      // The audit entries' fields are on log lines too: the call's and its provider actions'.
      expect(lines.some((l) => l.msg === "audit" && l.audit?.actor !== "system" && l.audit?.outcome)).toBe(
        true,
      );
      expect(
        lines.some(
          (l) => l.msg === "audit" && l.audit?.actor === "system" && l.operation === op.id && l.tenantId,
        ),
      ).toBe(true);
    }

    // The create's entry names the secret, never its value.
    const create = entries.find((e) => e.action === "tenant.create");
    expect(create.summary.body).toMatchObject({ name: "Audited", target: "memory", secrets: ["STRIPE_KEY"] });
    expect(create.summary.body.blueprint.source).toBe(BLUEPRINT.source);
  });

  it("puts the requester and the request id on the timeline", async () => {
    const events = (await admin.json("GET", `/v1/tenants/${tenantId}/events`)).data as any[];
    const created = events.find((e) => e.type === "tenant.created");
    expect(created.actor).toMatchObject({ type: "api_key", name: expect.any(String) });
    expect(created.request_id).toBe(ids.create);
    const ready = events.find((e) => e.type === "resource.ready");
    expect(ready.actor).toEqual({ type: "system", id: null, name: null });
    expect(ready.request_id).toBe(ids.create);
  });

  it("keeps the secret's value out of the audit log, the API and the logs (at trace)", async () => {
    const { rows } = await t.app.db.query<{ dump: string }>(
      "select json_agg(a)::text as dump from audit_log a",
    );
    expect(rows[0]!.dump).toContain("STRIPE_KEY");
    expect(rows[0]!.dump).not.toContain(SECRET);
    expect(JSON.stringify(await allEntries(admin, ""))).not.toContain(SECRET);
    expect(JSON.stringify(await admin.json("GET", `/v1/tenants/${tenantId}/events`))).not.toContain(SECRET);
    expect(logLines.join("\n")).not.toContain(SECRET);
  });

  it("filters by actor, action (exact or prefix), time and request id, and pages with a cursor", async () => {
    const all = await allEntries(admin, `tenant=${tenantId}`);
    expect(all.length).toBeGreaterThanOrEqual(6);
    // Pages of two walk the same entries, in the same order.
    expect((await allEntries(admin, `tenant=${tenantId}`, 2)).map((e) => e.id)).toEqual(all.map((e) => e.id));
    const page = await admin.call("GET", `/v1/audit?tenant=${tenantId}&limit=2`);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.next_cursor).toEqual(expect.any(String));

    const system = await allEntries(admin, `tenant=${tenantId}&actor=system`);
    expect(system.length).toBeGreaterThanOrEqual(3);
    expect(system.every((e) => e.actor.type === "system" && e.action.startsWith("provider."))).toBe(true);
    const byKey = await allEntries(admin, `tenant=${tenantId}&actor=${all[0].actor.id}`);
    expect(byKey.map((e) => e.action)).toEqual(["tenant.create", "tenant.suspend", "tenant.delete"]);

    expect(
      (await allEntries(admin, `tenant=${tenantId}&action=tenant.suspend`)).map((e) => e.action),
    ).toEqual(["tenant.suspend"]);
    const prefixed = await allEntries(admin, `tenant=${tenantId}&action=tenant.`);
    expect(prefixed.map((e) => e.action)).toEqual(["tenant.create", "tenant.suspend", "tenant.delete"]);
    expect((await allEntries(admin, `tenant=${tenantId}&action=provider.*`)).length).toBe(system.length);

    const suspendCall = all.find((e) => e.action === "tenant.suspend");
    const since = await allEntries(admin, `tenant=${tenantId}&since=${encodeURIComponent(suspendCall.at)}`);
    expect(since[0].action).toBe("tenant.suspend");
    const until = await allEntries(admin, `tenant=${tenantId}&until=${encodeURIComponent(suspendCall.at)}`);
    expect(until.map((e) => e.action)).toEqual(["tenant.create", "provider.create"]);

    const one = await allEntries(admin, `request_id=${ids.destroy}`);
    expect(one.map((e) => e.action)).toEqual(["tenant.delete", "provider.delete"]);

    for (const bad of ["tenant=nope", "actor=someone", "since=yesterday", "cursor=zzz", "limit=0"]) {
      const res = await admin.call("GET", `/v1/audit?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("a provider action that fails", () => {
  it("is recorded as failed with its error, then the retry's success", async () => {
    const created = await admin.call(
      "POST",
      "/v1/tenants",
      { name: "Flaky", target: "memory", blueprint: BLUEPRINT, secrets: { STRIPE_KEY: SECRET } },
      { "x-request-id": "req-flaky" },
    );
    expect(created.status).toBe(201);
    await admin.waitForTenant("flaky", "active");
    const entries = await allEntries(admin, `tenant=${created.body.tenant.id}&action=provider.`);
    expect(entries.map((e) => [e.action, e.outcome, e.request_id])).toEqual([
      ["provider.create", "failed", "req-flaky"],
      ["provider.create", "succeeded", "req-flaky"],
    ]);
    expect(entries[0].summary).toMatchObject({
      resource: "service:jobs",
      error: "the platform is having a bad day",
      code: "PROVIDER_TRANSIENT",
    });
  });
});

describe("who may read it, and what is recorded of refusals", () => {
  it("is for the organization's admins: viewers and operators get 403, other organizations see nothing", async () => {
    const org = await defaultOrg();
    const viewer = await keyFor("viewer", org);
    const operator = await keyFor("operator", org);
    for (const { key } of [viewer, operator]) {
      const res = await apiClient(t, key).call("GET", "/v1/audit");
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("FORBIDDEN");
    }

    const otherOrg = await insertOrganization(t.app.db, { slug: "other-audit", name: "Other" });
    const other = apiClient(t, (await keyFor("admin", otherOrg)).key);
    expect(await allEntries(other, "")).toEqual([]);
    // Its own calls are its own.
    await other.call(
      "POST",
      "/v1/api-keys",
      { name: "theirs", role: "viewer" },
      { "x-request-id": "other-1" },
    );
    const theirs = await allEntries(other, "");
    expect(theirs.map((e) => [e.action, e.organization_id])).toEqual([["api_key.create", otherOrg]]);
    expect(theirs[0].summary).toMatchObject({ body: { name: "theirs", role: "viewer" } });
    expect(await allEntries(admin, "request_id=other-1")).toEqual([]);
  });

  it("records a refused call with its caller and the problem's code, but not a call without a valid key", async () => {
    const operator = await keyFor("operator", await defaultOrg(), "deployer");
    const refused = await apiClient(t, operator.key).call(
      "POST",
      "/v1/api-keys",
      { name: "sneaky", role: "admin" },
      { "x-request-id": "refused-1" },
    );
    expect(refused.status).toBe(403);
    const [entry] = await entriesOf("refused-1");
    expect(entry).toMatchObject({
      action: "api_key.create",
      actor: { type: "api_key", id: operator.id, name: "deployer" },
      outcome: "refused",
      status: 403,
      summary: { error: "FORBIDDEN" },
    });

    const conflict = await admin.call("POST", "/v1/tenants/no-such-tenant/suspend", undefined, {
      "x-request-id": "refused-2",
    });
    expect(conflict.status).toBe(404);
    const [missing] = await entriesOf("refused-2");
    expect(missing).toMatchObject({
      action: "tenant.suspend",
      outcome: "refused",
      status: 404,
      tenant_id: null,
      summary: { path: { id: "no-such-tenant" }, error: "TENANT_NOT_FOUND" },
    });

    const anonymous = await apiClient(t, "tnt_not_a_key_at_all_padding_padding").call(
      "POST",
      "/v1/tenants",
      { name: "x", blueprint: "y" },
      { "x-request-id": "unauthenticated-1" },
    );
    expect(anonymous.status).toBe(401);
    // A recorded call after it: once its entry is in, the one before would be too.
    await admin.call("POST", "/v1/tenants/no-such-tenant/resume", undefined, { "x-request-id": "marker-1" });
    await entriesOf("marker-1");
    const { rows } = await t.app.db.query("select 1 from audit_log where request_id = 'unauthenticated-1'");
    expect(rows).toEqual([]);
  });

  it("does not record reads, also not the POSTs that only read (a validation)", async () => {
    await admin.call("GET", "/v1/tenants", undefined, { "x-request-id": "read-1" });
    const validated = await admin.call(
      "POST",
      "/v1/blueprints/validate",
      { source: "services: []\n" },
      {
        "x-request-id": "read-2",
      },
    );
    expect(validated.status).toBe(200);
    await admin.call("POST", "/v1/tenants/no-such-tenant/resume", undefined, { "x-request-id": "marker-2" });
    await entriesOf("marker-2");
    const { rows } = await t.app.db.query("select 1 from audit_log where request_id in ('read-1', 'read-2')");
    expect(rows).toEqual([]);
  });

  it("records a key's rotation and revocation, and a blueprint push with its version", async () => {
    const { body } = await admin.call("POST", "/v1/api-keys", { name: "rotating", role: "viewer" });
    await admin.call(
      "POST",
      `/v1/api-keys/${body.api_key.id}/rotate`,
      { grace_seconds: 60 },
      {
        "x-request-id": "rotate-1",
      },
    );
    await admin.call("DELETE", `/v1/api-keys/${body.api_key.id}`, undefined, { "x-request-id": "revoke-1" });
    await admin.call(
      "POST",
      "/v1/blueprints",
      { name: "audited-bp", source: "services: []\n" },
      {
        "x-request-id": "push-1",
      },
    );
    await entriesOf("revoke-1");
    const entries = await allEntries(admin, "action=api_key.");
    expect(entries.find((e) => e.request_id === "rotate-1")).toMatchObject({
      action: "api_key.rotate",
      outcome: "succeeded",
      status: 201,
      summary: { path: { id: body.api_key.id }, body: { grace_seconds: 60 } },
    });
    expect(JSON.stringify(entries)).not.toContain(body.key);
    expect(entries.find((e) => e.request_id === "revoke-1")).toMatchObject({
      action: "api_key.revoke",
      status: 200,
    });
    const [push] = await entriesOf("push-1");
    expect(push).toMatchObject({
      action: "blueprint.push",
      summary: { blueprint: "audited-bp", version: 1, created: true },
    });
  });
});
