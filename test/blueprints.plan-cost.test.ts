import { describe, expect, it } from "vitest";
import { estimateCost } from "../src/blueprints/cost.js";
import { type PlanAction, planChanges, type RecordedForPlan, redactSpec } from "../src/blueprints/plan.js";
import { loadPriceTable, validatePriceTable } from "../src/blueprints/prices.js";
import type {
  DesiredResource,
  ResourceKind,
  ResourceSpecs,
  ServiceKind,
  ServiceSettings,
} from "../src/domain/resources.js";

function res<K extends ResourceKind>(
  key: string,
  kind: K,
  spec: ResourceSpecs[K],
  dependsOn: string[] = [],
): DesiredResource<K> {
  return { key, kind, externalName: `acme-${key.split(":")[1]}`, dependsOn, spec } as DesiredResource<K>;
}

/**
 * A resource whose spec is given as JSON, unchecked: a patch by field name (as the plan
 * compares specs), or env vars in render.yaml's own spelling (`generateValue`,
 * `sync: false`) rather than rendered bindings, which the plan must redact all the same.
 */
function untyped(r: DesiredResource, spec: Record<string, unknown>): DesiredResource {
  return { ...r, spec } as unknown as DesiredResource;
}

/** A spec's field by name. */
function field(spec: object, name: string): unknown {
  return (spec as Record<string, unknown>)[name];
}

function recorded(r: DesiredResource, status: RecordedForPlan["status"] = "ready"): RecordedForPlan {
  return {
    key: r.key,
    kind: r.kind,
    externalName: r.externalName,
    spec: { ...structuredClone(r.spec) },
    dependsOn: r.dependsOn,
    status,
  };
}

function only(actions: PlanAction[]): PlanAction {
  expect(actions).toHaveLength(1);
  return actions[0]!;
}

/** One resource of each kind, keyed by a label. */
const BY_KIND = {
  postgres: res("database:main", "postgres", {
    name: "main",
    plan: "basic-1gb",
    databaseName: "app",
    user: "app",
    postgresMajorVersion: "16",
  }),
  web: res("service:web", "web", {
    type: "web",
    runtime: "python",
    plan: "standard",
    envVars: [],
  }),
  static: res("service:site", "web", {
    type: "web",
    runtime: "static",
    staticPublishPath: "dist",
    envVars: [],
  }),
  pserv: res("service:api", "pserv", { type: "pserv", runtime: "docker", envVars: [] }),
  worker: res("service:jobs", "worker", { type: "worker", runtime: "python", envVars: [] }),
  cron: res("service:nightly", "cron", {
    type: "cron",
    runtime: "python",
    schedule: "0 3 * * *",
    envVars: [],
  }),
  keyvalue: res("service:cache", "keyvalue", {
    type: "keyvalue",
    plan: "starter",
    envVars: [],
  }),
};
const KINDS: Record<string, DesiredResource> = BY_KIND;

/** A change each kind can make in place. */
const IN_PLACE: Record<string, [string, unknown]> = {
  postgres: ["/plan", "basic-4gb"],
  web: ["/plan", "pro"],
  static: ["/staticPublishPath", "build"],
  pserv: ["/numInstances", 3],
  worker: ["/startCommand", "celery -A app worker"],
  cron: ["/schedule", "0 4 * * *"],
  keyvalue: ["/maxmemoryPolicy", "allkeys-lru"],
};

describe("planChanges", () => {
  describe.each(Object.keys(KINDS))("%s", (label) => {
    const r = KINDS[label]!;

    it("plans a create when the resource is not recorded (or recorded as deleted)", () => {
      for (const rec of [[], [recorded(r, "deleted")]]) {
        const a = only(planChanges([r], rec).actions);
        expect(a).toMatchObject({ action: "create", key: r.key, kind: r.kind, name: r.externalName });
        // Every field the spec sets, each from nothing.
        expect(a.changes.map((c) => c.path)).toEqual(Object.keys(r.spec).map((k) => `/${k}`));
        expect(a.changes.every((c) => c.from === undefined && !c.forcesReplace)).toBe(true);
      }
    });

    it("plans a delete when the blueprint no longer has it", () => {
      const a = only(planChanges([], [recorded(r)]).actions);
      expect(a).toMatchObject({ action: "delete", key: r.key, kind: r.kind, name: r.externalName });
      expect(a.reason).toMatch(/no longer/);
    });

    it("plans an in-place update with the changed field", () => {
      const [path, value] = IN_PLACE[label]!;
      const want = untyped(r, { ...r.spec, [path.slice(1)]: value });
      const a = only(planChanges([want], [recorded(r)]).actions);
      expect(a.action).toBe("update");
      expect(a.changes).toEqual([
        { path, from: field(r.spec, path.slice(1)), to: value, forcesReplace: false },
      ]);
    });

    it("plans a no-op when nothing changed", () => {
      const a = only(planChanges([r], [recorded(r)]).actions);
      expect(a).toMatchObject({ action: "no-op", changes: [] });
    });
  });

  it("ignores key order, deeply", () => {
    const want = res("service:web", "web", {
      type: "web",
      runtime: "python",
      disk: { name: "data", mountPath: "/data", sizeGB: 5 },
      envVars: [{ key: "A", value: "1" }],
    });
    const rec = recorded(want);
    rec.spec = {
      envVars: [{ value: "1", key: "A" }],
      disk: { sizeGB: 5, mountPath: "/data", name: "data" },
      runtime: "python",
      type: "web",
    };
    expect(only(planChanges([want], [rec]).actions).action).toBe("no-op");
  });

  it("uses JSON-pointer paths into nested objects and arrays", () => {
    const before = res("service:web", "web", {
      type: "web",
      disk: { name: "data", mountPath: "/data", sizeGB: 5 },
      envVars: [
        { key: "A", value: "1" },
        { key: "B", value: "2" },
      ],
    });
    const after = structuredClone(before);
    after.spec.disk!.mountPath = "/var/data";
    after.spec.envVars = [
      { key: "A", value: "1" },
      { key: "B", value: "3" },
      { key: "C/D", value: "4" },
    ];
    const a = only(planChanges([after], [recorded(before)]).actions);
    expect(a.action).toBe("update");
    expect(a.changes).toEqual([
      { path: "/disk/mountPath", from: "/data", to: "/var/data", forcesReplace: false },
      { path: "/envVars/1/value", from: "2", to: "3", forcesReplace: false },
      { path: "/envVars/2", from: undefined, to: { key: "C/D", value: "4" }, forcesReplace: false },
    ]);
  });

  describe("replace rules", () => {
    const db = BY_KIND.postgres;
    const withSpec = (r: DesiredResource, patch: Record<string, unknown>) =>
      untyped(r, { ...r.spec, ...patch });

    it("replaces a database whose databaseName or user changes", () => {
      for (const patch of [{ databaseName: "other" }, { user: "admin" }]) {
        const a = only(planChanges([withSpec(db, patch)], [recorded(db)]).actions);
        expect(a.action).toBe("replace");
        expect(a.changes).toEqual([
          expect.objectContaining({ path: `/${Object.keys(patch)[0]}`, forcesReplace: true }),
        ]);
        expect(a.reason).toContain(Object.keys(patch)[0]);
      }
    });

    it("replaces on a region change, for databases, services and key value", () => {
      for (const r of [db, BY_KIND.web, BY_KIND.worker, BY_KIND.keyvalue]) {
        const from = withSpec(r, { region: "oregon" });
        const a = only(planChanges([withSpec(r, { region: "frankfurt" })], [recorded(from)]).actions);
        expect(a.action).toBe("replace");
        expect(a.changes).toEqual([
          { path: "/region", from: "oregon", to: "frankfurt", forcesReplace: true },
        ]);
      }
    });

    it("treats writing out the default region as an update", () => {
      const a = only(planChanges([withSpec(db, { region: "oregon" })], [recorded(db)]).actions);
      expect(a.action).toBe("update");
    });

    it("upgrades a Postgres major version in place but replaces on a downgrade", () => {
      const up = only(planChanges([withSpec(db, { postgresMajorVersion: "17" })], [recorded(db)]).actions);
      expect(up.action).toBe("update");
      expect(up.changes[0]).toMatchObject({ from: "16", to: "17", forcesReplace: false });
      const down = only(planChanges([withSpec(db, { postgresMajorVersion: "15" })], [recorded(db)]).actions);
      expect(down.action).toBe("replace");
      expect(down.changes[0]).toMatchObject({ from: "16", to: "15", forcesReplace: true });
    });

    it("replaces a service that becomes a static site, and updates other runtime changes", () => {
      const web = BY_KIND.web;
      const toStatic = only(planChanges([withSpec(web, { runtime: "static" })], [recorded(web)]).actions);
      expect(toStatic.action).toBe("replace");
      const toNode = only(planChanges([withSpec(web, { runtime: "node" })], [recorded(web)]).actions);
      expect(toNode.action).toBe("update");
    });

    it("replaces a disk that shrinks but not one that grows", () => {
      const web = withSpec(BY_KIND.web, { disk: { name: "d", mountPath: "/d", sizeGB: 20 } });
      const grow = withSpec(web, { disk: { name: "d", mountPath: "/d", sizeGB: 30 } });
      const shrink = withSpec(web, { disk: { name: "d", mountPath: "/d", sizeGB: 10 } });
      expect(only(planChanges([grow], [recorded(web)]).actions).action).toBe("update");
      expect(only(planChanges([shrink], [recorded(web)]).actions).action).toBe("replace");
    });

    it("replaces a resource whose kind changes", () => {
      const worker = BY_KIND.worker;
      const asPserv = res(worker.key, "pserv", { ...worker.spec, type: "pserv" });
      const a = only(planChanges([asPserv], [recorded(worker)]).actions);
      expect(a.action).toBe("replace");
      expect(a.reason).toMatch(/kind changes from worker to pserv/);
    });

    it("keeps in-place changes marked as such alongside a forcing one", () => {
      const a = only(
        planChanges([withSpec(db, { databaseName: "other", plan: "pro-4gb" })], [recorded(db)]).actions,
      );
      expect(a.action).toBe("replace");
      expect(Object.fromEntries(a.changes.map((c) => [c.path, c.forcesReplace]))).toEqual({
        "/databaseName": true,
        "/plan": false,
      });
    });
  });

  describe("secrets", () => {
    const SECRETS = [
      "hunter2-old",
      "hunter2-new",
      "sk_live_abc",
      "sk_live_def",
      "tok-123",
      "p4ss-url",
      "hdr-secret",
    ];
    const web = BY_KIND.web;
    const before = untyped(web, {
      type: "web",
      envVars: [
        { key: "DJANGO_SECRET_KEY", value: "hunter2-old" },
        { key: "STRIPE_API_KEY", value: "sk_live_abc" },
        { key: "PLAIN", value: "visible-1" },
        { key: "SESSION", generateValue: true },
      ],
    });
    const after = untyped(web, {
      type: "web",
      envVars: [
        { key: "DJANGO_SECRET_KEY", value: "hunter2-new" },
        { key: "PLAIN", value: "sk_live_def" },
        { key: "PLAIN2", value: "visible-2" },
        { key: "SESSION", value: "tok-123" },
        { key: "UPSTREAM_URL", value: "https://bot:p4ss-url@example.com/hook" },
        { key: "MANUAL", sync: false },
      ],
      headers: [{ path: "/*", name: "X-Auth-Token", value: "hdr-secret" }],
    });

    it("hides a value that replaces a rendered secret binding (generated or the tenant's)", () => {
      const bound = untyped(web, {
        type: "web",
        envVars: [
          { key: "SESSION", secret: "generated", ref: "service:web/SESSION" },
          { key: "TOKEN", secret: "tenant" },
        ],
      });
      const literal = untyped(web, {
        type: "web",
        envVars: [
          { key: "SESSION", value: "was-generated-1" },
          { key: "TOKEN", value: "was-written-2" },
        ],
      });
      const json = JSON.stringify(planChanges([literal], [recorded(bound)]));
      expect(json).toContain("(secret)");
      expect(json).not.toContain("was-generated-1");
      expect(json).not.toContain("was-written-2");
    });

    it("never shows a secret value, only that it changed", () => {
      const plan = planChanges([after], [recorded(before)]);
      const json = JSON.stringify(plan);
      for (const s of SECRETS) expect(json).not.toContain(s);
      const a = only(plan.actions);
      const byPath = Object.fromEntries(a.changes.map((c) => [c.path, c]));
      expect(byPath["/envVars/0/value"]).toMatchObject({ from: "(secret)", to: "(secret)" });
      // A value moved from a secret name to a plain one is still hidden.
      expect(byPath["/envVars/1/value"]).toMatchObject({ from: "(secret)", to: "(secret)" });
      expect(byPath["/envVars/2/value"]).toMatchObject({ from: "visible-1", to: "visible-2" });
      expect(byPath["/envVars/3/value"]).toMatchObject({ from: "(secret)", to: "(secret)" });
      expect(byPath["/envVars/4"]?.to).toEqual({ key: "UPSTREAM_URL", value: "(secret)" });
      expect(byPath["/headers"]?.to).toEqual([{ path: "/*", name: "X-Auth-Token", value: "(secret)" }]);
    });

    it("redacts creates and deletes too", () => {
      // Without a previous version, only values that look secret by themselves are hidden.
      const plan = JSON.stringify(planChanges([after], [recorded(before, "deleted")]));
      const gone = JSON.stringify(planChanges([], [recorded(before)]));
      for (const s of ["hunter2-new", "p4ss-url", "hdr-secret"]) expect(plan).not.toContain(s);
      for (const s of ["hunter2-old", "sk_live_abc"]) expect(gone).not.toContain(s);
      expect(plan).toContain("visible-2");
      expect(gone).toContain("visible-1");
    });

    it("exports redactSpec for reuse", () => {
      const spec = {
        name: "db",
        password: "pw",
        envVars: [
          { key: "A_TOKEN", value: "t" },
          { key: "OK", value: "fine" },
          { key: "GEN", generateValue: true },
        ],
        fromDatabase: { name: "db", property: "password" },
      };
      expect(redactSpec(spec)).toEqual({
        name: "db",
        password: "(secret)",
        envVars: [
          { key: "A_TOKEN", value: "(secret)" },
          { key: "OK", value: "fine" },
          { key: "GEN", generateValue: "(secret)" },
        ],
        fromDatabase: { name: "db", property: "password" },
      });
      expect(spec.password).toBe("pw");
    });
  });

  describe("ordering and summary", () => {
    const db = res("database:main", "postgres", { name: "main", plan: "basic-1gb" });
    const cache = res("service:cache", "keyvalue", { type: "keyvalue", envVars: [] });
    const web = res("service:web", "web", { type: "web", envVars: [] }, ["database:main", "service:cache"]);
    const worker = res("service:worker", "worker", { type: "worker", envVars: [] }, ["database:main"]);

    it("creates dependencies before their dependents", () => {
      const plan = planChanges([web, worker, db, cache], []);
      const keys = plan.actions.map((a) => a.key);
      expect(keys.indexOf("database:main")).toBeLessThan(keys.indexOf("service:web"));
      expect(keys.indexOf("service:cache")).toBeLessThan(keys.indexOf("service:web"));
      expect(keys.indexOf("database:main")).toBeLessThan(keys.indexOf("service:worker"));
      expect(plan.actions.every((a) => a.action === "create")).toBe(true);
    });

    it("puts deletes last, dependents first", () => {
      const oldDb = res("database:old", "postgres", { name: "old" });
      const oldApi = res("service:oldapi", "pserv", { type: "pserv", envVars: [] }, ["database:old"]);
      const webV2 = { ...web, spec: { ...web.spec, plan: "pro" } };
      const plan = planChanges(
        [webV2, db, cache],
        [recorded(oldDb), recorded(db), recorded(oldApi), recorded(web), recorded(worker)],
      );
      expect(plan.actions.map((a) => [a.action, a.key])).toEqual([
        ["no-op", "database:main"],
        ["create", "service:cache"],
        ["update", "service:web"],
        ["delete", "service:worker"],
        ["delete", "service:oldapi"],
        ["delete", "database:old"],
      ]);
      expect(plan.summary).toEqual({ create: 1, update: 1, replace: 0, delete: 3, "no-op": 1 });
    });

    it("ignores recorded resources already deleted", () => {
      const plan = planChanges([db], [recorded(db), recorded(worker, "deleted")]);
      expect(plan.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, "no-op": 1 });
    });

    it("counts every action kind, zero included", () => {
      const plan = planChanges([], []);
      expect(plan).toEqual({
        actions: [],
        summary: { create: 0, update: 0, replace: 0, delete: 0, "no-op": 0 },
      });
    });
  });
});

describe("estimateCost", () => {
  const render = loadPriceTable("render")!;

  const svc = (name: string, kind: ServiceKind | "keyvalue", spec: ServiceSettings = {}): DesiredResource =>
    kind === "keyvalue"
      ? res(`service:${name}`, kind, { type: kind, envVars: [], ...spec })
      : res(`service:${name}`, kind, { type: kind, envVars: [], ...spec });

  it("prices the four-service Django layout from the table", () => {
    const resources = [
      res("database:db", "postgres", { name: "db", plan: "basic-1gb" }),
      svc("cache", "keyvalue", { plan: "starter" }),
      svc("web", "web", { runtime: "python", plan: "standard", startCommand: "gunicorn app.wsgi" }),
      svc("ws", "web", { runtime: "python", plan: "starter", startCommand: "daphne app.asgi:application" }),
      svc("celery", "worker", { runtime: "python", plan: "standard" }),
      svc("beat", "worker", { runtime: "python", plan: "starter" }),
    ];
    const est = estimateCost(resources, "render");
    const expected =
      render.services.standard! * 2 +
      render.services.starter! * 2 +
      render.postgres["basic-1gb"]! +
      render.keyvalue.starter!;
    expect(est.totalMonthly).toBe(expected);
    expect(est.lines.map((l) => [l.key, l.plan, l.monthly])).toEqual([
      ["database:db", "basic-1gb", render.postgres["basic-1gb"]],
      ["service:cache", "starter", render.keyvalue.starter],
      ["service:web", "standard", render.services.standard],
      ["service:ws", "starter", render.services.starter],
      ["service:celery", "standard", render.services.standard],
      ["service:beat", "starter", render.services.starter],
    ]);
    expect(est).toMatchObject({
      provider: "render",
      currency: "USD",
      priceDate: render.effectiveDate,
      warnings: [],
    });
  });

  it("uses Render's default plans when the spec has none", () => {
    const est = estimateCost(
      [res("database:db", "postgres", { name: "db" }), svc("web", "web"), svc("kv", "keyvalue")],
      "render",
    );
    expect(est.lines.map((l) => [l.plan, l.monthly])).toEqual([
      ["basic-256mb", render.postgres["basic-256mb"]],
      ["starter", render.services.starter],
      ["starter", render.keyvalue.starter],
    ]);
    expect(est.lines[1]!.detail).toContain("default plan");
  });

  it("multiplies by instances and adds disks", () => {
    const est = estimateCost(
      [
        svc("web", "web", {
          plan: "standard",
          numInstances: 2,
          disk: { name: "d", mountPath: "/d", sizeGB: 40 },
        }),
        svc("db", "pserv", { plan: "pro", disk: { name: "d", mountPath: "/d" } }),
      ],
      "render",
    );
    expect(est.lines[0]!.monthly).toBe(render.services.standard! * 2 + 40 * render.diskPerGBMonth);
    expect(est.lines[0]!.detail).toBe("standard × 2 instances + 40 GB disk");
    expect(est.lines[1]!.monthly).toBe(render.services.pro! + 10 * render.diskPerGBMonth);
  });

  it("counts autoscaling at its minimum and warns about the maximum", () => {
    const est = estimateCost(
      [svc("web", "web", { plan: "standard", scaling: { minInstances: 2, maxInstances: 5 } })],
      "render",
    );
    expect(est.totalMonthly).toBe(render.services.standard! * 2);
    expect(est.warnings).toHaveLength(1);
    expect(est.warnings[0]).toContain("5 instances");
    expect(est.warnings[0]).toContain(`$${(render.services.standard! * 5).toFixed(2)}`);
  });

  it("doubles a Postgres instance for high availability and adds replicas and storage", () => {
    const unit = render.postgres["pro-8gb"]!;
    const ha = estimateCost(
      [res("database:db", "postgres", { name: "db", plan: "pro-8gb", highAvailability: { enabled: true } })],
      "render",
    );
    expect(ha.totalMonthly).toBe(unit * 2);
    expect(ha.lines[0]!.detail).toMatch(/high availability/);
    const off = estimateCost(
      [res("database:db", "postgres", { name: "db", plan: "pro-8gb", highAvailability: { enabled: false } })],
      "render",
    );
    expect(off.totalMonthly).toBe(unit);
    const more = estimateCost(
      [
        res("database:db", "postgres", {
          name: "db",
          plan: "pro-8gb",
          diskSizeGB: 15,
          readReplicas: [{ name: "r1" }, { name: "r2" }],
        }),
      ],
      "render",
    );
    expect(more.totalMonthly).toBe(
      Math.round((unit * 3 + 15 * render.postgresStoragePerGBMonth) * 100) / 100,
    );
  });

  it("charges nothing for static sites and the minimum for cron jobs", () => {
    const est = estimateCost(
      [svc("site", "web", { runtime: "static", plan: "pro" }), svc("nightly", "cron", { plan: "standard" })],
      "render",
    );
    expect(est.lines.map((l) => l.monthly)).toEqual([0, render.cronMinimumMonthly]);
    expect(est.lines[0]!.plan).toBeNull();
    expect(est.warnings.join(" ")).toMatch(/per running minute/);
  });

  it("warns about an unknown plan and counts it as 0", () => {
    const est = estimateCost([svc("web", "web", { plan: "gigantic" }), svc("w", "worker")], "render");
    expect(est.lines[0]).toMatchObject({ plan: "gigantic", monthly: 0 });
    expect(est.totalMonthly).toBe(render.services.starter);
    expect(est.warnings).toEqual([expect.stringContaining('"gigantic"')]);
  });

  it("rounds money to cents", () => {
    const est = estimateCost([res("database:db", "postgres", { name: "db", diskSizeGB: 7 })], "render");
    expect(est.totalMonthly).toBe(Math.round((render.postgres["basic-256mb"]! + 7 * 0.3) * 100) / 100);
    expect(Number.isInteger(Math.round(est.totalMonthly * 100))).toBe(true);
  });

  it("is zero on local", () => {
    const est = estimateCost(
      [
        res("database:db", "postgres", { name: "db", plan: "pro-64gb", highAvailability: { enabled: true } }),
        svc("web", "web", {
          plan: "pro",
          numInstances: 4,
          disk: { name: "d", mountPath: "/d", sizeGB: 100 },
        }),
      ],
      "local",
    );
    expect(est.totalMonthly).toBe(0);
    expect(est.lines.every((l) => l.monthly === 0)).toBe(true);
    expect(est.warnings).toEqual([]);
  });

  it("is zero with a warning for a provider without prices", () => {
    const est = estimateCost([svc("web", "web", { plan: "pro" })], "kubernetes");
    expect(est.totalMonthly).toBe(0);
    expect(est.lines[0]!.monthly).toBe(0);
    expect(est.warnings).toEqual([expect.stringContaining("kubernetes")]);
  });
});

describe("price tables", () => {
  it("are dated and sourced", () => {
    for (const provider of ["render", "local"]) {
      const t = loadPriceTable(provider)!;
      expect(t.provider).toBe(provider);
      expect(t.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(t.source).not.toBe("");
      expect(t.notes.length).toBeGreaterThan(0);
    }
    expect(render().source).toMatch(/^https:\/\/render\.com\//);
    expect(render().notes.join(" ")).toMatch(/check/i);
  });

  it("has no table for unknown providers", () => {
    expect(loadPriceTable("nope")).toBeNull();
  });

  it("refuses a malformed table, naming the problems", () => {
    const bad = { ...render(), effectiveDate: "21/11/2026", services: { starter: -1 }, notes: "x" };
    expect(() => validatePriceTable(bad, "bad.json")).toThrow(
      /bad\.json is malformed: .*effectiveDate.*services\["starter"\].*notes/,
    );
    expect(() => validatePriceTable([], "arr.json")).toThrow(/not an object/);
  });

  function render() {
    return loadPriceTable("render")!;
  }
});
