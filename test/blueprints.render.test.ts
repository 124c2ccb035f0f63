import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Blueprint } from "../src/blueprints/model.js";
import { resolveParams } from "../src/blueprints/params.js";
import { pluginRepoProblem, shellQuote, withPluginClone } from "../src/blueprints/plugins.js";
import { type EnvBinding, generatedRefs, renderBlueprint } from "../src/blueprints/render.js";
import { validateBlueprint } from "../src/blueprints/validate.js";
import { DISCRIMINATOR_LENGTH, resourceName, tenantDiscriminator } from "../src/domain/naming.js";
import {
  type DesiredResource,
  envBindingsOf,
  isKind,
  isService,
  type KeyValueSpec,
  type ServiceSpec,
} from "../src/domain/resources.js";

const tenant = { id: "01a2b3c4-0000-7000-8000-000000000001", slug: "acme-corp", name: "Acme Corp" };
const ctx = {
  tenant,
  org: { slug: "default" },
  installationId: "test-installation",
  params: {},
  secretKeys: new Set<string>(),
};

function blueprint(partial: Partial<Blueprint>): Blueprint {
  return { services: [], databases: [], envVarGroups: [], parameters: [], hooks: {}, ...partial };
}

const env = (resource: DesiredResource): EnvBinding[] => envBindingsOf(resource);

/** The spec of a rendered service or key value (both carry render.yaml's service settings). */
function settings(resource: DesiredResource): ServiceSpec | KeyValueSpec {
  if (isService(resource) || isKind(resource, "keyvalue")) return resource.spec;
  throw new Error(`${resource.key} is a ${resource.kind}, not a service`);
}

describe("rendering a blueprint for a tenant", () => {
  const bp = blueprint({
    databases: [{ name: "backboneos-db", plan: "basic-1gb" }],
    envVarGroups: [{ name: "shared", envVars: [{ key: "LOG_LEVEL", value: "info" }] }],
    services: [
      {
        type: "web",
        name: "backboneos-backend",
        runtime: "python",
        buildCommand: "pip install -r requirements.txt",
        startCommand: "gunicorn app:app --name ${{ tenant.name }}",
        envVars: [
          { key: "DATABASE_URL", fromDatabase: { name: "backboneos-db", property: "connectionString" } },
          {
            key: "REDIS_URL",
            fromService: { type: "keyvalue", name: "cache", property: "connectionString" },
          },
          { key: "SECRET_KEY", generateValue: true },
          { key: "GREETING", value: "Hello ${{ tenant.name }} (${{ tenant.slug }}) on ${{ org.slug }}" },
          { fromGroup: "shared" },
        ],
      },
      { type: "keyvalue", name: "cache", plan: "starter", envVars: [] },
    ],
  });

  it("suffixes every resource name with the tenant slug, and orders dependencies first", () => {
    const { resources, errors } = renderBlueprint(bp, ctx);
    expect(errors).toEqual([]);
    expect(resources.map((r) => [r.key, r.kind, r.externalName])).toEqual([
      ["database:backboneos-db", "postgres", "backboneos-db-acme-corp-qdxokdvs"],
      ["group:shared", "envgroup", "shared-acme-corp-qdxokdvs"],
      ["service:cache", "keyvalue", "cache-acme-corp-qdxokdvs"],
      ["service:backboneos-backend", "web", "backboneos-backend-acme-corp-qdxokdvs"],
    ]);
    expect(resources[3]!.dependsOn.sort()).toEqual([
      "database:backboneos-db",
      "group:shared",
      "service:cache",
    ]);
    // The group is a resource of its own, with the variables the service also has inlined.
    expect(env(resources[1]!)).toEqual([{ key: "LOG_LEVEL", value: "info" }]);
  });

  it("turns env vars into bindings, adds TENANT_* and inlines groups, with no secret values", () => {
    const { resources } = renderBlueprint(bp, ctx);
    const web = resources.find((r) => r.key === "service:backboneos-backend")!;
    expect(env(web)).toEqual([
      { key: "DATABASE_URL", from: "database:backboneos-db", property: "connectionString" },
      { key: "REDIS_URL", from: "service:cache", property: "connectionString" },
      { key: "SECRET_KEY", secret: "generated", ref: "service:backboneos-backend/SECRET_KEY" },
      { key: "GREETING", value: "Hello Acme Corp (acme-corp) on default" },
      { key: "LOG_LEVEL", value: "info", group: "group:shared" },
      { key: "TENANT_ID", value: tenant.id },
      { key: "TENANT_SLUG", value: "acme-corp" },
      { key: "TENANT_NAME", value: "Acme Corp" },
    ]);
  });

  it("shell-quotes template values inside commands, so a tenant name cannot inject one", () => {
    const evil = { ...ctx, tenant: { ...tenant, name: "Acme'; rm -rf / #" } };
    const web = renderBlueprint(bp, evil).resources.find((r) => r.key === "service:backboneos-backend")!;
    expect(settings(web).startCommand).toBe(`gunicorn app:app --name 'Acme'\\''; rm -rf / #'`);
    const out = execFileSync("sh", ["-c", `printf '%s\\n' ${String(settings(web).startCommand).slice(16)}`], {
      encoding: "utf8",
    });
    expect(out).toBe("--name\nAcme'; rm -rf / #\n");
    // Outside commands the value is used as it is (an env var is not parsed by a shell).
    expect(env(web).find((b) => b.key === "GREETING")).toEqual({
      key: "GREETING",
      value: "Hello Acme'; rm -rf / # (acme-corp) on default",
    });
  });

  it("requires sync: false variables among the tenant's secrets, naming the key", () => {
    const needs = blueprint({
      services: [{ type: "worker", name: "w", envVars: [{ key: "STRIPE_KEY", sync: false }] }],
    });
    expect(renderBlueprint(needs, ctx).errors).toEqual([
      { pointer: "/secrets/STRIPE_KEY", message: expect.stringContaining("STRIPE_KEY") },
    ]);
    const ok = renderBlueprint(needs, { ...ctx, secretKeys: new Set(["STRIPE_KEY"]) });
    expect(ok.errors).toEqual([]);
    expect(env(ok.resources[0]!)[0]).toEqual({ key: "STRIPE_KEY", secret: "tenant" });
  });

  it("resolves parameters with defaults into templates", () => {
    const withParams = blueprint({
      parameters: [
        { name: "plan", type: "enum", values: ["starter", "standard"], default: "starter", required: false },
        { name: "workers", type: "integer", required: true, minimum: 1, maximum: 8 },
      ],
      services: [
        {
          type: "worker",
          name: "jobs",
          plan: "${{ params.plan }}",
          envVars: [{ key: "N", value: "${{ params.workers }}" }],
        },
      ],
    });
    const r = renderBlueprint(withParams, { ...ctx, params: { workers: 3 } });
    expect(r.errors).toEqual([]);
    expect(r.params).toEqual({ plan: "starter", workers: 3 });
    expect(settings(r.resources[0]!).plan).toBe("starter");
    expect(env(r.resources[0]!)[0]).toEqual({ key: "N", value: "3" });
  });

  it("prefixes build commands with a shallow clone of the tenant's plugin repository", () => {
    const r = renderBlueprint(bp, {
      ...ctx,
      params: { custom_plugin_repo: "https://github.com/acme/plugins.git" },
    });
    expect(r.errors).toEqual([]);
    const web = r.resources.find((x) => x.key === "service:backboneos-backend")!;
    expect(settings(web).buildCommand).toBe(
      "rm -rf custom_plugins && git clone --depth 1 -- 'https://github.com/acme/plugins.git' custom_plugins && (\npip install -r requirements.txt\n)",
    );
    expect(env(web)).toContainEqual({ key: "CUSTOM_PLUGINS_PATH", value: "custom_plugins" });
    const cache = r.resources.find((x) => x.key === "service:cache")!;
    expect(settings(cache).buildCommand).toBeUndefined();
  });

  it("refuses a plugin repository that is not an allowed https URL", () => {
    for (const bad of [
      "http://github.com/a/b",
      "https://evil.example/a/b",
      "https://github.com/a/b;rm -rf /",
      "https://github.com/a/$(id)",
      "https://user:pw@github.com/a/b",
      "https://github.com/a/b?x=1",
      "git@github.com:a/b.git",
    ]) {
      const r = renderBlueprint(bp, { ...ctx, params: { custom_plugin_repo: bad } });
      expect(
        r.errors.map((e) => e.pointer),
        bad,
      ).toEqual(["/params/custom_plugin_repo"]);
    }
  });
});

describe("parameters", () => {
  const declared = [
    { name: "size", type: "enum" as const, values: ["s", "m"], required: true },
    { name: "region", type: "string" as const, pattern: "^[a-z]+$", default: "oregon", required: false },
    { name: "ha", type: "boolean" as const, required: false },
  ];

  it("reports every problem at once, each at its pointer", () => {
    const { errors } = resolveParams(declared, { region: "EU-1", ha: "yes", colour: "red" });
    expect(errors.map((e) => e.pointer).sort()).toEqual([
      "/params/colour",
      "/params/ha",
      "/params/region",
      "/params/size",
    ]);
  });

  it("fills defaults and keeps given values", () => {
    expect(resolveParams(declared, { size: "m" })).toEqual({
      values: { size: "m", region: "oregon" },
      errors: [],
    });
  });
});

describe("names and quoting (property tests)", () => {
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

  it("derives names that are valid DNS labels, deterministic, and distinct for distinct inputs", () => {
    const part = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,80}[a-z0-9]$/);
    fc.assert(
      fc.property(part, part, part, (base, slug, other) => {
        const name = resourceName(base, slug);
        expect(name).toMatch(label);
        expect(resourceName(base, slug)).toBe(name);
        if (other !== base && `${other}-${slug}` !== `${base}-${slug}`) {
          // Collisions are only possible through the shortened hash form; it keeps 24 bits.
          const a = `${base}-${slug}`;
          const b = `${other}-${slug}`;
          if (a.length <= 63 && b.length <= 63) expect(resourceName(other, slug)).not.toBe(name);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("ends every name with the tenant's discriminator, shortening only the readable part", () => {
    const part = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,80}[a-z0-9]$/);
    fc.assert(
      fc.property(part, part, fc.uuid(), fc.uuid(), (base, slug, installation, tenantId) => {
        const disc = tenantDiscriminator(installation, tenantId);
        expect(disc).toMatch(new RegExp(`^[a-z2-7]{${DISCRIMINATOR_LENGTH}}$`));
        const name = resourceName(base, slug, disc);
        expect(name).toMatch(label);
        expect(name.endsWith(`-${disc}`)).toBe(true);
        expect(resourceName(base, slug, disc)).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it("gives the same slug different names in two organizations and in two installations", () => {
    const a = tenantDiscriminator("install-1", "tenant-a");
    expect(tenantDiscriminator("install-1", "tenant-b")).not.toBe(a);
    expect(tenantDiscriminator("install-2", "tenant-a")).not.toBe(a);
    expect(resourceName("web", "shared", a)).not.toBe(
      resourceName("web", "shared", tenantDiscriminator("install-1", "tenant-b")),
    );
  });

  it("shell-quotes any string into exactly one word with exactly that value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        const clean = s.replaceAll("\0", "");
        const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(clean)}`], { encoding: "utf8" });
        expect(out).toBe(clean);
      }),
      { numRuns: 60 },
    );
  });

  it("never accepts a plugin URL with anything a shell would interpret", () => {
    const meta = fc.constantFrom(
      ";",
      "&",
      "|",
      "$",
      "`",
      "(",
      ")",
      "<",
      ">",
      "'",
      '"',
      "\\",
      " ",
      "\n",
      "*",
      "?",
      "{",
      "}",
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), meta, fc.string({ maxLength: 10 }), (a, m, b) => {
        const url = `https://github.com/${a}${m}${b}`;
        expect(pluginRepoProblem(url)).not.toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("clones exactly the given repository and runs nothing else, for any accepted URL", () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/).filter((s) => s !== "." && s !== "..");
    fc.assert(
      fc.property(seg, seg, (owner, repo) => {
        const url = `https://github.com/${owner}/${repo}`;
        if (pluginRepoProblem(url) !== null) return; // e.g. a form the URL parser rewrites
        const script = `git() { printf '%s\\n' "$@"; }; rm() { :; }; ${withPluginClone("echo built", url)}`;
        const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
        expect(out).toBe(`clone\n--depth\n1\n--\n${url}\ncustom_plugins\nbuilt\n`);
      }),
      { numRuns: 40 },
    );
  });
});

describe("rendering services that reference each other", () => {
  const fixture = (name: string) => {
    const r = validateBlueprint(
      readFileSync(new URL(`./fixtures/blueprints/${name}.render.yaml`, import.meta.url), "utf8"),
    );
    expect(r.errors).toEqual([]);
    return r.blueprint!;
  };
  const byKey = (resources: DesiredResource[]): Record<string, DesiredResource> =>
    Object.fromEntries(resources.map((r) => [r.key, r]));
  const binding = (r: DesiredResource, key: string) => env(r).find((b) => b.key === key);

  it("copies what an envVarKey reads and leaves the addresses of two services that point at each other late", () => {
    const { resources, errors } = renderBlueprint(fixture("web-realtime"), ctx);
    expect(errors).toEqual([]);
    const r = byKey(resources);
    // No order between them: both are created first, then given each other's address.
    expect(r["service:app"]!.dependsOn).toEqual([]);
    expect(r["service:realtime"]!.dependsOn).toEqual([]);
    expect(binding(r["service:app"]!, "REALTIME_HOSTPORT")).toEqual({
      key: "REALTIME_HOSTPORT",
      from: "service:realtime",
      property: "hostport",
      late: true,
    });
    expect(binding(r["service:realtime"]!, "APP_HOST")).toEqual({
      key: "APP_HOST",
      from: "service:app",
      property: "host",
      late: true,
    });
    // The same generated secret (one value, the app's), and the app's literal.
    expect(binding(r["service:realtime"]!, "SESSION_SECRET")).toEqual({
      key: "SESSION_SECRET",
      secret: "generated",
      ref: "service:app/SESSION_SECRET",
    });
    expect(binding(r["service:realtime"]!, "APP_NAME")).toEqual({ key: "APP_NAME", value: "Example" });
    expect(generatedRefs(resources)).toEqual(["service:app/SESSION_SECRET"]);
  });

  it("orders what is one-way and reads declared variables without ordering: main, worker and Key Value", () => {
    const { resources } = renderBlueprint(fixture("queue-pair"), ctx);
    const r = byKey(resources);
    expect(resources.map((x) => x.key)).toEqual(["service:queue", "service:main", "service:worker"]);
    // main reads the worker's QUEUE_NAME (a value) and the worker main's secret: no edge;
    // the worker reads main's host, one way: main first.
    expect(r["service:main"]!.dependsOn).toEqual(["service:queue"]);
    expect(r["service:worker"]!.dependsOn.sort()).toEqual(["service:main", "service:queue"]);
    expect(binding(r["service:main"]!, "QUEUE_NAME")).toEqual({ key: "QUEUE_NAME", value: "jobs" });
    expect(binding(r["service:worker"]!, "MAIN_HOST")).toEqual({
      key: "MAIN_HOST",
      from: "service:main",
      property: "host",
    });
    expect(binding(r["service:worker"]!, "SECRET_KEY_OVERWRITE")).toMatchObject({
      ref: "service:main/SECRET_KEY_OVERWRITE",
    });
  });

  it("leaves both hosts of two apps pointing at each other late", () => {
    const r = byKey(renderBlueprint(fixture("two-apps"), ctx).resources);
    expect(r["service:shop"]!.dependsOn).toEqual([]);
    expect(binding(r["service:shop"]!, "ADMIN_HOST")).toMatchObject({ from: "service:admin", late: true });
    expect(binding(r["service:admin"]!, "SHOP_HOST")).toMatchObject({ from: "service:shop", late: true });
  });

  it("reads a tenant secret, a database property and Render's own variables through envVarKey", () => {
    const bp = validateBlueprint(
      [
        "databases:",
        "  - name: db",
        "services:",
        "  - type: web",
        "    name: api",
        "    runtime: node",
        "    envVars:",
        "      - key: STRIPE_KEY",
        "        sync: false",
        "      - key: DATABASE_URL",
        "        fromDatabase: { name: db, property: connectionString }",
        "  - type: worker",
        "    name: jobs",
        "    runtime: node",
        "    envVars:",
        "      - key: PAYMENTS_KEY",
        "        fromService: { type: web, name: api, envVarKey: STRIPE_KEY }",
        "      - key: DB",
        "        fromService: { type: web, name: api, envVarKey: DATABASE_URL }",
        "      - key: API_NAME",
        "        fromService: { type: web, name: api, envVarKey: RENDER_SERVICE_NAME }",
        "      - key: API_URL",
        "        fromService: { type: web, name: api, envVarKey: RENDER_EXTERNAL_URL }",
        "",
      ].join("\n"),
    ).blueprint!;
    const r = byKey(renderBlueprint(bp, { ...ctx, secretKeys: new Set(["STRIPE_KEY"]) }).resources);
    const jobs = r["service:jobs"]!;
    expect(binding(jobs, "PAYMENTS_KEY")).toEqual({
      key: "PAYMENTS_KEY",
      secret: "tenant",
      secretKey: "STRIPE_KEY",
    });
    expect(binding(jobs, "DB")).toEqual({ key: "DB", from: "database:db", property: "connectionString" });
    expect(binding(jobs, "API_NAME")).toEqual({ key: "API_NAME", value: "api-acme-corp-qdxokdvs" });
    expect(binding(jobs, "API_URL")).toEqual({ key: "API_URL", from: "service:api", property: "url" });
    expect(jobs.dependsOn.sort()).toEqual(["database:db", "service:api"]);
  });

  it("reads a templated plan in the case Render accepts as its canonical spelling", () => {
    const bp = validateBlueprint(
      [
        "parameters:",
        "  size: { type: string, default: Standard }",
        "services:",
        "  - type: web",
        "    name: api",
        "    runtime: node",
        "    plan: ${{ params.size }}",
        "",
      ].join("\n"),
    ).blueprint!;
    const out = renderBlueprint(bp, ctx);
    expect(out.errors).toEqual([]);
    expect(settings(out.resources[0]!).plan).toBe("standard");
    expect(renderBlueprint(bp, { ...ctx, params: { size: "huge" } }).errors).toMatchObject([
      { pointer: "/params" },
    ]);
  });
});
