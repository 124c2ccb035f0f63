import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ABSENT,
  AccessError,
  type Provider,
  ProviderRegistry,
  type ResourceDriver,
} from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { PROMTOOL, promtool, promtoolCheck, type Sample, samples, scrape, value } from "./support/metrics.js";

/**
 * `/metrics` after a scripted lifecycle on a fake target (`metry`) whose provisioning
 * waits on the platform for at least WAIT_MS: tenants by status and target, operations
 * by kind and status, the end-to-end duration that includes the wait while the pass
 * histogram does not, the queue while the operation waits, a lease taken over from a
 * worker that died, the BYOC seed names, a failure
 * with an access error, HTTP by route pattern; then `promtool check metrics` on all of
 * it; and the engine's log lines of every operation carry the tenant, organization,
 * target, region, operation and request.
 */

const WAIT_MS = 1000;
/** Whether the platform has finished making the slow tenant's database. */
let released = false;

function metry(): Provider {
  const made = new Set<string>();
  const driver: ResourceDriver<"postgres"> = {
    async observe(_ctx, r) {
      if (!made.has(r.externalName)) return ABSENT;
      return { providerId: r.externalName, state: "ready", outputs: { name: r.externalName } };
    },
    async apply(ctx, r, observed) {
      if (ctx.tenant.slug === "broken") throw new AccessError("metry refused the credentials (401)");
      if (observed || r.providerId !== null) return { state: "done", providerId: r.externalName };
      if (!released) {
        // The platform is still making it: look again in a minute (the test pokes sooner).
        return { state: "pending", retryAfterMs: 60_000, providerId: r.externalName, detail: "creating" };
      }
      made.add(r.externalName);
      return { state: "done", providerId: r.externalName };
    },
    setRunning: async () => ({ state: "done" }),
    delete: async (_ctx, r) => {
      made.delete(r.externalName);
      return { state: "done" };
    },
  };
  return { name: "metry", drivers: { postgres: driver } };
}

const BLUEPRINT = "databases:\n  - name: main\n    region: frankfurt\n";

const lines: Record<string, unknown>[] = [];
let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  const logger = pino(
    { level: "debug" },
    {
      write(line: string) {
        lines.push({ ...JSON.parse(line), raw: line });
      },
    },
  );
  t = await startTestApp({ providers: new ProviderRegistry().register(metry()), logger });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

const count = (all: Sample[], name: string, labels: Record<string, string>) => value(all, name, labels) ?? 0;

/** A scrape once `tenantry_operations_total{labels}` has reached `n`. */
function counted(labels: Record<string, string>, n: number): Promise<Sample[]> {
  return eventually(
    async () => {
      const { samples: s } = await scrape(t);
      return (value(s, "tenantry_operations_total", labels) ?? 0) >= n ? s : undefined;
    },
    { what: `tenantry_operations_total${JSON.stringify(labels)} to reach ${n}` },
  );
}

async function poke() {
  await t.app.db.query("update operations set run_at = now() where status in ('queued', 'running')");
  await t.app.db.query("select pg_notify('tenantry_work', '')");
}

describe("metrics of a tenant's lifecycle", () => {
  it("counts tenants, operations and the end-to-end duration with its wait; the pass histogram leaves the wait out", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Slowpoke",
      target: "metry",
      blueprint: { source: BLUEPRINT },
    });
    expect(created.status).toBe(201);

    // While the platform works: the operation waits (due in a minute, no lease), the tenant provisions.
    const during = await eventually(
      async () => {
        const { samples: s } = await scrape(t);
        return value(s, "tenantry_queue_waiting_operations") === 1 ? s : undefined;
      },
      { what: "the create operation to wait" },
    );
    expect(value(during, "tenantry_tenants", { status: "provisioning", target: "metry" })).toBe(1);
    expect(value(during, "tenantry_queue_ready_operations")).toBe(0);
    expect(value(during, "tenantry_queue_running_operations")).toBe(0);
    expect(value(during, "tenantry_queue_oldest_ready_age_seconds")).toBe(0);
    expect(count(during, "tenantry_operations_total", { kind: "create" })).toBe(0);

    // The wait lasts at least WAIT_MS from the request (the operation's created_at), then
    // the platform is done.
    const op = (await api.json("GET", "/v1/tenants/slowpoke/operations")).data[0];
    const requested = Date.parse(op.created_at);
    await eventually(async () => (Date.now() - requested >= WAIT_MS ? true : undefined), {
      what: `${WAIT_MS} ms since the request`,
    });
    released = true;
    // ...and meanwhile a worker that took it died with it (a lease set, no worker lock
    // behind it): the next claim takes it over.
    await t.app.db.query(
      `update operations set lease_owner = 'dead-worker', lease_expires_at = now() + interval '60 seconds'
       where status in ('queued', 'running')`,
    );
    expect(count(during, "tenantry_lease_takeovers_total", {})).toBe(0);
    await poke();
    await api.waitForTenant("slowpoke", "active");

    // Counted right after the operation's end is committed: a scrape may come between.
    const after = await counted({ kind: "create", status: "succeeded" }, 1);
    expect(value(after, "tenantry_tenants", { status: "active", target: "metry" })).toBe(1);
    expect(value(after, "tenantry_tenants", { status: "provisioning", target: "metry" })).toBeUndefined();
    expect(value(after, "tenantry_operations_total", { kind: "create", status: "succeeded" })).toBe(1);
    expect(count(after, "tenantry_operation_claims_total", { kind: "create" })).toBeGreaterThanOrEqual(2);
    expect(value(after, "tenantry_lease_takeovers_total", { kind: "create" })).toBe(1);
    // End to end: from the request, the wait included.
    const e2e = { kind: "create", target: "metry", outcome: "succeeded" };
    expect(value(after, "tenantry_operation_duration_seconds_count", e2e)).toBe(1);
    const e2eSeconds = value(after, "tenantry_operation_duration_seconds_sum", e2e) ?? 0;
    expect(e2eSeconds).toBeGreaterThanOrEqual(WAIT_MS / 1000);
    // The pass histogram: the last pass only, which did not wait.
    expect(value(after, "tenantry_operation_pass_seconds_count", { kind: "create" })).toBe(1);
    expect(value(after, "tenantry_operation_pass_seconds_sum", { kind: "create" })).toBeLessThan(
      WAIT_MS / 1000,
    );
    // The BYOC team's names.
    expect(value(after, "provisioning_environments_total", { status: "succeeded" })).toBe(1);
    expect(value(after, "provisioning_duration_seconds_count")).toBe(1);
    expect(value(after, "provisioning_duration_seconds_sum")).toBeCloseTo(e2eSeconds, 6);
    expect(value(after, "provisioning_duration_seconds_bucket", { le: "0.5" })).toBe(0);
    expect(value(after, "provisioning_duration_seconds_bucket", { le: "+Inf" })).toBe(1);
    // Nothing is queued any more.
    expect(value(after, "tenantry_queue_waiting_operations")).toBe(0);
    expect(value(after, "tenantry_queue_ready_operations")).toBe(0);

    // suspend → resume → destroy.
    expect((await api.call("POST", "/v1/tenants/slowpoke/suspend")).status).toBe(202);
    await api.waitForTenant("slowpoke", "suspended");
    const suspended = (await scrape(t)).samples;
    expect(value(suspended, "tenantry_tenants", { status: "suspended", target: "metry" })).toBe(1);
    expect(value(suspended, "tenantry_tenants", { status: "active", target: "metry" })).toBeUndefined();
    expect((await api.call("POST", "/v1/tenants/slowpoke/resume")).status).toBe(202);
    await api.waitForTenant("slowpoke", "active");
    expect((await api.call("DELETE", "/v1/tenants/slowpoke")).status).toBe(202);
    await api.waitForTenant("slowpoke", "destroyed");

    const end = await counted({ kind: "destroy", status: "succeeded" }, 1);
    for (const kind of ["create", "suspend", "resume", "destroy"]) {
      expect(value(end, "tenantry_operations_total", { kind, status: "succeeded" }), kind).toBe(1);
      expect(
        value(end, "tenantry_operation_duration_seconds_count", { kind, outcome: "succeeded" }),
        kind,
      ).toBe(1);
    }
    expect(count(end, "tenantry_operations_total", { status: "failed" })).toBe(0);
    expect(value(end, "tenantry_lease_takeovers_total")).toBe(1);
    // A destroyed tenant is no tenant: no series left for the target.
    expect(samples(end, "tenantry_tenants", { target: "metry" })).toEqual([]);
    // Only creates are the seed names' environments.
    expect(value(end, "provisioning_environments_total")).toBe(1);
    expect(value(end, "provisioning_errors_total")).toBeUndefined();
  });

  it("counts a failed create by cloud and region, and its access error by provider", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Broken",
      target: "metry",
      blueprint: { source: BLUEPRINT },
    });
    expect(created.status).toBe(201);
    await api.waitForTenant("broken", "failed");
    const s = await counted({ kind: "create", status: "failed" }, 1);
    expect(value(s, "tenantry_tenants", { status: "failed", target: "metry" })).toBe(1);
    expect(value(s, "tenantry_operations_total", { kind: "create", status: "failed" })).toBe(1);
    expect(value(s, "provisioning_environments_total", { status: "failed" })).toBe(1);
    // No cloud in the specs: the target's name; the region the database's spec names.
    expect(samples(s, "provisioning_errors_total")).toEqual([
      { name: "provisioning_errors_total", labels: { cloud: "metry", region: "frankfurt" }, value: 1 },
    ]);
    expect(value(s, "tenantry_provider_access_errors_total", { provider: "metry" })).toBe(1);
    expect(
      value(s, "tenantry_operation_duration_seconds_count", {
        kind: "create",
        target: "metry",
        outcome: "failed",
      }),
    ).toBe(1);
  });

  it("counts HTTP answers by route pattern, never by URL; unmatched paths as one route", async () => {
    await api.call("GET", "/v1/tenants/broken");
    await api.call("GET", "/v1/no-such-thing/123");
    await api.call("GET", "/v1/tenants/no-such-tenant");
    const { samples: s } = await scrape(t);
    const ok = { route: "/v1/tenants/:id", method: "GET", status_class: "2xx" };
    expect(count(s, "tenantry_http_requests_total", ok)).toBeGreaterThan(1);
    expect(
      count(s, "tenantry_http_requests_total", {
        route: "/v1/tenants/:id",
        method: "GET",
        status_class: "4xx",
      }),
    ).toBe(1);
    expect(
      count(s, "tenantry_http_requests_total", { route: "unmatched", method: "GET", status_class: "4xx" }),
    ).toBe(1);
    expect(
      count(s, "tenantry_http_requests_total", { route: "/v1/tenants", method: "POST", status_class: "2xx" }),
    ).toBe(2);
    expect(
      count(s, "tenantry_http_request_duration_seconds_count", { route: "/v1/tenants/:id", method: "GET" }),
    ).toBe(count(s, "tenantry_http_requests_total", { route: "/v1/tenants/:id", method: "GET" }));
    const routes = new Set(samples(s, "tenantry_http_requests_total").map((x) => x.labels.route));
    for (const route of routes) expect(route).not.toMatch(/slowpoke|broken|no-such|\d{3}/);
  });

  it.skipIf(!PROMTOOL)("passes promtool check metrics", async () => {
    const { text } = await scrape(t);
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe("");
    expect(code).toBe(0);
  });
  it.skipIf(!PROMTOOL)("the alert rules of docs/observability.md pass promtool check rules", async () => {
    const doc = readFileSync(new URL("../docs/observability.md", import.meta.url), "utf8");
    const rules = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1];
    expect(rules).toBeDefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-rules-"));
    try {
      const file = path.join(dir, "rules.yaml");
      await writeFile(file, rules ?? "");
      const { code, output } = await promtool(["check", "rules", file]);
      expect(output).toMatch(/SUCCESS: \d+ rules found/);
      expect(code).toBe(0);
      // Every metric the rules use is in a scrape of this app (by its HELP line: some
      // have no series yet here).
      const { text } = await scrape(t);
      const names = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]));
      for (const used of new Set((rules ?? "").match(/\b(?:tenantry|provisioning)_[a-z_]+\b/g))) {
        expect(names.has(used.replace(/_bucket$/, "")), used).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  if (!PROMTOOL) {
    console.warn(
      "[metrics] promtool check SKIPPED: promtool is not installed (Debian package prometheus: apt-get install prometheus)",
    );
  }

  it("puts the tenant, organization, target, region, operation and request on every engine line", async () => {
    const engine = lines.filter((l) => typeof l.operation === "string");
    expect(engine.length).toBeGreaterThan(10);
    const tenantIds = new Set(engine.map((l) => l.tenantId));
    expect(tenantIds.size).toBe(2);
    for (const line of engine) {
      const where = `${String(line.msg)} ${JSON.stringify(line)}`;
      expect(line.tenantId, where).toEqual(expect.any(String));
      expect(line.tenant, where).toMatch(/^(slowpoke|broken)$/);
      expect(line.organizationId, where).toEqual(expect.any(String));
      expect(line.target, where).toBe("metry");
      expect(line.kind, where).toMatch(/^(create|suspend|resume|destroy)$/);
      expect(line.requestId, where).toEqual(expect.any(String));
      // The region the tenant's database names: known from the first pass on (its spec).
      expect(line.region, where).toBe("frankfurt");
      expect(line.cloud, where).toBeUndefined();
      // Each once: the worker's and the pass's bindings do not repeat a key.
      for (const key of [
        "tenant",
        "tenantId",
        "organizationId",
        "target",
        "region",
        "operation",
        "kind",
        "requestId",
      ]) {
        expect(String(line.raw).split(`"${key}":`).length - 1, `${key} in ${where}`).toBe(1);
      }
    }
    const messages = engine.map((l) => l.msg);
    expect(messages).toContain("waiting on the platform");
    expect(messages).toContain("operation succeeded");
    expect(messages).toContain("operation failed");
    for (const line of engine.filter(
      (l) => l.msg === "operation succeeded" || l.msg === "operation failed",
    )) {
      expect(line.status).toEqual(expect.any(String));
    }
  });
});
