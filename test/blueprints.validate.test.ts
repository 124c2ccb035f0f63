// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ … }}` is the blueprint template syntax under test, not a JS placeholder.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Diagnostic } from "../src/blueprints/model.js";
import { findTemplates, replaceTemplates } from "../src/blueprints/templates.js";
import { validateBlueprint } from "../src/blueprints/validate.js";

const SPECS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "specs");
const SCHEMA = join(SPECS, "render-blueprint.schema.json");
const BLUEPRINTS = join(SPECS, "blueprints");
const haveSpecs = existsSync(SCHEMA) && existsSync(BLUEPRINTS);
if (!haveSpecs) {
  console.warn(`[blueprints.validate] SKIPPED Render schema parity tests: ${SPECS} is missing`);
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const y = (lines: string[]) => `${lines.join("\n")}\n`;

/**
 * Legacy spellings Tenantry accepts where Render's schema says no. Each one is read with
 * a warning; rewriting it the modern way must make Render's schema accept the file too.
 */
function modernise(doc: unknown): { doc: unknown; expectedWarnings: Set<string> } {
  const expectedWarnings = new Set<string>();
  const visit = (v: unknown, parentKey?: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => visit(x, parentKey));
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "env" && (parentKey === "services" || parentKey === undefined) && !("runtime" in v)) {
        expectedWarnings.add("deprecated-env");
        out["runtime"] = x;
      } else if (k === "envVars" && x === null) {
        expectedWarnings.add("empty-list");
        out[k] = [];
      } else if ((k === "value" || k === "previewValue") && typeof x === "boolean") {
        // Render deploys unquoted booleans as their text; its schema wants a string.
        expectedWarnings.add("unquoted-env-value");
        out[k] = String(x);
      } else if ((k === "plan" || k === "previewPlan") && typeof x === "string" && x !== x.toLowerCase()) {
        // Render reads plans in any case; its schema lists them in lower case.
        expectedWarnings.add("enum-case");
        out[k] = x.toLowerCase();
      } else if (k === "persistenceMode" && parentKey === "services") {
        // A Key Value key Render documents that its schema does not list yet.
        expectedWarnings.add("schema-lag");
      } else {
        out[k] = visit(x, k);
      }
    }
    return out;
  };
  return { doc: visit(doc), expectedWarnings };
}

describe.skipIf(!haveSpecs)("verdict parity with Render's render.yaml schema", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const renderValidates = haveSpecs ? ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8"))) : () => false;
  const renderVerdict = (source: string) => renderValidates(parse(source, { version: "1.2" })) === true;

  function expectParity(label: string, source: string) {
    const ours = validateBlueprint(source);
    const render = renderVerdict(source);
    const oursValid = ours.errors.length === 0;
    const note =
      ours.errors.length > 0
        ? ours.errors.map((e) => `${e.code}@${e.line}:${e.column} ${e.pointer}`).join("; ")
        : "";
    console.info(
      `[parity] ${label}: Render ${render ? "valid" : "invalid"}, Tenantry ${oursValid ? "valid" : "invalid"} ${note}`,
    );
    if (render === oursValid) return ours;
    // The only accepted difference: a documented legacy spelling we read with a warning.
    expect(oursValid, `${label}: Tenantry rejects what Render accepts: ${note}`).toBe(true);
    const { doc, expectedWarnings } = modernise(parse(source, { version: "1.2" }));
    expect(expectedWarnings.size, `${label}: Tenantry accepts what Render rejects`).toBeGreaterThan(0);
    expect(renderValidates(doc), `${label}: still invalid for Render once modernised`).toBe(true);
    for (const code of expectedWarnings) expect(codes(ours.warnings)).toContain(code);
    return ours;
  }

  const files = haveSpecs ? readdirSync(BLUEPRINTS).filter((f) => f.endsWith(".yaml")) : [];
  it.each(files)("%s", (file) => {
    expectParity(file, readFileSync(join(BLUEPRINTS, file), "utf8"));
  });

  it("records the verdicts of the shared blueprints", () => {
    const read = (f: string) => readFileSync(join(BLUEPRINTS, f), "utf8");
    expect(renderVerdict(read("render-oss__skills.render.yaml"))).toBe(true);
    expect(validateBlueprint(read("render-oss__skills.render.yaml")).errors).toEqual([]);
    expect(renderVerdict(read("render-examples__dify-render-template.render.yaml"))).toBe(true);
    expect(validateBlueprint(read("render-examples__dify-render-template.render.yaml")).errors).toEqual([]);
    // redash: Render's schema rejects `env:` and the null `envVars`; we accept both with warnings.
    const redash = validateBlueprint(read("render-examples__redash.render.yaml"));
    expect(renderVerdict(read("render-examples__redash.render.yaml"))).toBe(false);
    expect(redash.errors).toEqual([]);
    expect(codes(redash.warnings).filter((c) => c === "deprecated-env")).toHaveLength(4);
    expect(redash.blueprint?.services.map((s) => s.runtime)).toEqual([
      "docker",
      "docker",
      "docker",
      "docker",
    ]);
    expect(redash.blueprint?.envVarGroups[1]).toEqual({ name: "redash-mail", envVars: [] });
  });

  const skills = () => readFileSync(join(BLUEPRINTS, "render-oss__skills.render.yaml"), "utf8");
  const dify = () =>
    readFileSync(join(BLUEPRINTS, "render-examples__dify-render-template.render.yaml"), "utf8");
  const redash = () => readFileSync(join(BLUEPRINTS, "render-examples__redash.render.yaml"), "utf8");
  const edit = (src: string, from: string | RegExp, to: string) => {
    const out = src.replace(from, to);
    if (out === src) throw new Error(`variant did not change the source: ${String(from)}`);
    return out;
  };
  const web = [
    "services:",
    "  - type: web",
    "    name: api",
    "    runtime: node",
    "    startCommand: npm start",
  ];

  const variants: [string, () => string][] = [
    [
      "skills: unknown key startComand",
      () => edit(skills(), "startCommand: gunicorn", "startComand: gunicorn"),
    ],
    ["skills: unknown plan", () => edit(skills(), "plan: free\n    region", "plan: freee\n    region")],
    ["skills: service without name", () => edit(skills(), "    name: celery-beat\n", "")],
    [
      "skills: bad maxmemoryPolicy",
      () => edit(skills(), "maxmemoryPolicy: noeviction", "maxmemoryPolicy: lru"),
    ],
    [
      "skills: keyvalue without ipAllowList",
      () => edit(skills(), "    ipAllowList: []  # Internal access only\n\ndatabases", "\ndatabases"),
    ],
    [
      "skills: integer postgresMajorVersion",
      () => edit(skills(), 'postgresMajorVersion: "15"', "postgresMajorVersion: 15"),
    ],
    [
      "skills: numInstances as string",
      () => edit(skills(), "    healthCheckPath", '    numInstances: "2"\n    healthCheckPath'),
    ],
    ["skills: redis alias", () => edit(skills(), "  - type: keyvalue", "  - type: redis")],
    ["dify: unknown preview generation", () => edit(dify(), "generation: off", "generation: sometimes")],
    [
      "dify: environment without name",
      () => edit(dify(), "      - name: production\n        services:", "      - services:"),
    ],
    [
      "dify: environment networking",
      () =>
        edit(
          dify(),
          "        services:",
          "        networking:\n          isolation: enabled\n        services:",
        ),
    ],
    [
      "redash: modernised",
      () => edit(redash().replace(/env: docker/g, "runtime: docker"), /envVars:\n#/, "envVars: []\n#"),
    ],
    [
      "redash: env and runtime both",
      () => edit(redash(), "env: docker\n    plan", "env: docker\n    runtime: docker\n    plan"),
    ],
    [
      "static site",
      () =>
        y([
          "services:",
          "  - type: web",
          "    name: site",
          "    runtime: static",
          "    buildCommand: npm run build",
          "    staticPublishPath: dist",
          "    headers:",
          "      - path: /*",
          "        name: X-Frame-Options",
          "        value: DENY",
          "    routes:",
          "      - type: rewrite",
          "        source: /*",
          "        destination: /index.html",
        ]),
    ],
    [
      "static site without runtime",
      () => y(["services:", "  - type: web", "    name: site", "    staticPublishPath: dist"]),
    ],
    [
      "static site with startCommand",
      () =>
        y(["services:", "  - type: web", "    name: site", "    runtime: static", "    startCommand: serve"]),
    ],
    [
      "cron without schedule",
      () =>
        y([
          "services:",
          "  - type: cron",
          "    name: nightly",
          "    runtime: python",
          "    startCommand: run",
        ]),
    ],
    [
      "cron",
      () =>
        y([
          "services:",
          "  - type: cron",
          "    name: nightly",
          "    runtime: python",
          "    schedule: '0 3 * * *'",
          "    startCommand: run",
        ]),
    ],
    [
      "keyvalue bad maxmemoryPolicy",
      () =>
        y([
          "services:",
          "  - type: keyvalue",
          "    name: kv",
          "    ipAllowList: []",
          "    maxmemoryPolicy: everything",
        ]),
    ],
    [
      "envVarGroups: generated and sync false",
      () =>
        y([
          "envVarGroups:",
          "  - name: shared",
          "    envVars:",
          "      - key: A",
          "        value: off",
          "      - key: B",
          "        generateValue: true",
          "      - key: C",
          "        sync: false",
        ]),
    ],
    [
      "envVarGroups: fromDatabase entry",
      () =>
        y([
          "databases:",
          "  - name: db",
          "envVarGroups:",
          "  - name: shared",
          "    envVars:",
          "      - key: A",
          "        fromDatabase:",
          "          name: db",
          "          property: host",
        ]),
    ],
    ["envVarGroups: without envVars", () => y(["envVarGroups:", "  - name: shared"])],
    [
      "docker image service, scaling, disk",
      () =>
        y([
          ...web.slice(0, 3),
          "    runtime: image",
          "    image:",
          "      url: ghcr.io/acme/api:1",
          "      creds:",
          "        fromRegistryCreds:",
          "          name: ghcr",
          "    scaling:",
          "      minInstances: 1",
          "      maxInstances: 3",
          "      targetCPUPercent: 60",
          "    disk:",
          "      name: data",
          "      mountPath: /data",
          "    maxShutdownDelaySeconds: 30",
        ]),
    ],
    ["maxShutdownDelaySeconds too big", () => y([...web, "    maxShutdownDelaySeconds: 301"])],
    ["disk without mountPath", () => y([...web, "    disk:", "      name: data"])],
    [
      "database with every field",
      () =>
        y([
          "databases:",
          "  - name: db",
          "    databaseName: app",
          "    user: app",
          "    plan: pro-4gb",
          "    region: frankfurt",
          "    postgresMajorVersion: '17'",
          "    diskSizeGB: 15",
          "    storageAutoscalingEnabled: true",
          "    highAvailability:",
          "      enabled: true",
          "    ipAllowList:",
          "      - source: 10.0.0.0/8",
          "        description: office",
          "    readReplicas:",
          "      - name: db-replica",
        ]),
    ],
    [
      "database highAvailability extra key",
      () =>
        y(["databases:", "  - name: db", "    highAvailability:", "      enabled: true", "      zones: 2"]),
    ],
    ["version 1 as string", () => y(['version: "1"', ...web])],
    ["version 1 as integer", () => y(["version: 1", ...web])],
    [
      "projects and ungrouped",
      () =>
        y([
          "projects:",
          "  - name: shop",
          "    environments:",
          "      - name: prod",
          "        permissions:",
          "          protection: enabled",
          `        ${web[0]}`,
          ...web.slice(1).map((l) => `        ${l}`),
          "ungrouped:",
          "  databases:",
          "    - name: legacy-db",
        ]),
    ],
    ["root unknown key", () => y(["servics:", "  - type: web"])],
    ["previews expireAfterDays 0", () => y(["previews:", "  expireAfterDays: 0"])],
    ["unknown service type", () => y(["services:", "  - type: job", "    name: x", "    runtime: node"])],
    [
      "numeric env var value",
      () =>
        y([
          ...web,
          "    envVars:",
          "      - key: WORKERS",
          "        value: 2",
          "      - key: DEBUG",
          "        value: off",
        ]),
    ],
    ["boolean env var value", () => y([...web, "    envVars:", "      - key: DEBUG", "        value: true"])],
    ["plan in title case", () => y([...web, "    plan: Starter"])],
    [
      "Key Value with persistenceMode",
      () =>
        y([
          "services:",
          "  - type: keyvalue",
          "    name: cache",
          "    plan: Basic-1gb",
          "    ipAllowList: []",
          "    persistenceMode: aof",
        ]),
    ],
    [
      "cron with an invalid schedule",
      () =>
        y(["services:", "  - type: cron", "    name: c", "    runtime: node", '    schedule: "61 * * * *"']),
    ],
    [
      "fromService without key",
      () =>
        y([
          ...web,
          "    envVars:",
          "      - fromService:",
          "          type: web",
          "          name: api",
          "          envVarKey: RENDER_EXTERNAL_URL",
        ]),
    ],
  ];
  it.each(variants)("synthetic variant: %s", (label, make) => {
    if (label.startsWith("cron with an invalid schedule")) {
      // Render's schema takes any string; Render refuses it when it syncs the Blueprint.
      // Tenantry refuses it offline, with its position: the one stricter check here.
      expect(renderVerdict(make())).toBe(true);
      expect(codes(validateBlueprint(make()).errors)).toEqual(["bad-schedule"]);
      return;
    }
    const ours = expectParity(label, make());
    if (label.includes("redis alias")) expect(codes(ours.warnings)).toContain("deprecated-redis");
  });
});

describe("validateBlueprint: positions and diagnostics", () => {
  it("reports an unknown key at its line and column with a suggestion", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: web",
        "    name: api",
        "    runtime: node",
        "    plan: starter",
        "    buildCommand: npm ci",
        "    startComand: npm start",
      ]),
    );
    expect(r.blueprint).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      code: "unknown-key",
      pointer: "/services/0/startComand",
      line: 7,
      column: 5,
    });
    expect(r.errors[0]?.message).toContain("did you mean `startCommand`");
  });

  it("reports every problem at once, sorted by position", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: web",
        "    name: api",
        "    runtime: nodejs",
        "    startCommand: npm start",
        "  - type: worker",
        "    runtime: node",
        "databases:",
        "  - name: db",
        "    postgresMajorVersion: '16'",
        "    Plan: free",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["bad-value", "/services/0/runtime", 4, 14],
      ["missing-key", "/services/1/name", 6, 5],
      ["unknown-key", "/databases/0/Plan", 11, 5],
    ]);
    expect(r.errors[0]?.message).toContain("did you mean `node`");
    expect(r.errors[1]?.message).toContain("`name` is required");
    expect(r.errors[2]?.message).toContain("did you mean `plan`");
  });

  it("reports YAML syntax errors with their position", () => {
    const r = validateBlueprint("services:\n  - type: web\n    name: [unclosed\n");
    expect(r.blueprint).toBeNull();
    expect(r.errors[0]?.code).toBe("yaml-syntax");
    expect(r.errors[0]?.line).toBeGreaterThan(0);
    expect(r.errors[0]?.column).toBeGreaterThan(0);
  });

  it("rejects a document that is not a mapping", () => {
    expect(codes(validateBlueprint("- a\n- b\n").errors)).toEqual(["wrong-type"]);
    expect(validateBlueprint("").blueprint).toBeNull();
  });

  it("reads YAML 1.2: `off` and `no` stay strings", () => {
    const r = validateBlueprint(
      y([
        ...webLines(),
        "    envVars:",
        "      - key: A",
        "        value: off",
        "      - key: B",
        "        value: no",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.blueprint?.services[0]?.envVars).toEqual([
      { key: "A", value: "off" },
      { key: "B", value: "no" },
    ]);
  });

  it("accepts `env:` and `type: redis` with warnings and normalises them", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: web",
        "    name: api",
        "    env: node",
        "  - type: redis",
        "    name: cache",
        "    ipAllowList: []",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.line, w.column])).toEqual([
      ["deprecated-env", 4, 5],
      ["deprecated-redis", 5, 11],
    ]);
    expect(r.blueprint?.services[0]).toMatchObject({ type: "web", runtime: "node" });
    expect(r.blueprint?.services[0]).not.toHaveProperty("env");
    expect(r.blueprint?.services[1]).toMatchObject({ type: "keyvalue", name: "cache", envVars: [] });
  });

  it("follows `<<` merge keys to locate a value written in an anchor", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - &base",
        "    type: web",
        "    name: a",
        "    runtime: node",
        "    plan: freee",
        "  - <<: *base",
        "    name: b",
      ]),
    );
    expect(r.errors.map((e) => [e.pointer, e.line, e.column])).toEqual([
      ["/services/0/plan", 6, 11],
      ["/services/1/plan", 6, 11],
    ]);
  });

  it("warns about unknown keys where Render's schema leaves the object open", () => {
    const r = validateBlueprint(
      y([
        "databases: [{ name: db }]",
        ...webLines(),
        "    envVars:",
        "      - key: X",
        "        fromDatabase: { name: db, property: host, propery: port }",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([
      { code: "unknown-key", pointer: "/services/0/envVars/0/fromDatabase/propery", line: 8 },
    ]);
    expect(r.warnings[0]?.message).toContain("did you mean `property`");
  });

  it("points at a missing key, located at its parent mapping", () => {
    const r = validateBlueprint(y(["services:", "  - type: cron", "    name: nightly", "    runtime: node"]));
    expect(r.errors).toMatchObject([
      { code: "missing-key", pointer: "/services/0/schedule", line: 2, column: 5 },
    ]);
    expect(r.errors[0]?.message).toContain("`schedule` is required");
  });
});

function webLines(name = "api") {
  return ["services:", "  - type: web", `    name: ${name}`, "    runtime: node"];
}

describe("validateBlueprint: references", () => {
  it("reports a missing database, group and service with suggestions", () => {
    const r = validateBlueprint(
      y([
        ...webLines(),
        "    envVars:",
        "      - key: DB",
        "        fromDatabase:",
        "          name: mian-db",
        "          property: connectionString",
        "      - fromGroup: sharred",
        "      - key: KV",
        "        fromService:",
        "          type: keyvalue",
        "          name: cach",
        "          property: connectionString",
        "databases:",
        "  - name: main-db",
        "envVarGroups:",
        "  - name: shared",
        "    envVars: []",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ["missing-reference", "/services/0/envVars/0/fromDatabase/name", 8],
      ["missing-reference", "/services/0/envVars/1/fromGroup", 10],
      ["missing-reference", "/services/0/envVars/2/fromService/name", 14],
    ]);
    expect(r.errors[0]?.message).toContain("did you mean `main-db`");
    expect(r.errors[1]?.message).toContain("did you mean `shared`");
  });

  it("checks fromService types, properties and envVarKey", () => {
    const r = validateBlueprint(
      y([
        ...webLines("api"),
        "    envVars:",
        "      - key: SECRET",
        "        generateValue: true",
        "  - type: worker",
        "    name: jobs",
        "    runtime: node",
        "    envVars:",
        "      - key: A",
        "        fromService: { type: web, name: api, envVarKey: SECRT }",
        "      - key: B",
        "        fromService: { type: pserv, name: api, property: host }",
        "      - key: C",
        "        fromService: { type: web, name: api, envVarKey: SECRET }",
        "      - key: D",
        "        fromService: { type: web, name: api, envVarKey: RENDER_EXTERNAL_URL }",
        "      - key: E",
        "        fromDatabase: { name: db, property: url }",
        "databases:",
        "  - name: db",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([
      ["missing-reference", "/services/1/envVars/0/fromService/envVarKey"],
      ["incompatible-reference", "/services/1/envVars/1/fromService/type"],
      ["bad-value", "/services/1/envVars/4/fromDatabase/property"],
    ]);
    expect(r.errors[0]?.message).toContain("did you mean `SECRET`");
  });

  it("rejects duplicate names per kind", () => {
    const r = validateBlueprint(
      y([
        ...webLines("api"),
        "  - type: worker",
        "    name: api",
        "    runtime: node",
        "databases:",
        "  - name: api",
      ]),
    );
    expect(r.errors).toMatchObject([{ code: "duplicate-name", pointer: "/services/1/name", line: 6 }]);
  });

  it("accepts two services whose addresses and variables point at each other", () => {
    const r = validateBlueprint(
      y([
        ...webLines("a"),
        "    envVars:",
        "      - key: X",
        "        fromService: { type: pserv, name: b, envVarKey: Y }",
        "      - key: B_HOST",
        "        fromService: { type: pserv, name: b, property: hostport }",
        "  - type: pserv",
        "    name: b",
        "    runtime: node",
        "    envVars:",
        "      - key: Y",
        "        fromService: { type: web, name: a, property: host }",
      ]),
    );
    expect(r.errors).toEqual([]);
  });

  it("reports variables that read each other with no value anywhere, naming the chain", () => {
    const r = validateBlueprint(
      y([
        ...webLines("a"),
        "    envVars:",
        "      - key: X",
        "        fromService: { type: pserv, name: b, envVarKey: Y }",
        "  - type: pserv",
        "    name: b",
        "    runtime: node",
        "    envVars:",
        "      - key: Y",
        "        fromService: { type: web, name: a, envVarKey: X }",
      ]),
    );
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      code: "reference-cycle",
      pointer: "/services/0/envVars/0/fromService",
      line: 7,
    });
    expect(r.errors[0]?.message).toContain("a.X → b.Y → a.X");
  });

  it("does not count Render's own variables as dependencies (mutual RENDER_EXTERNAL_URL)", () => {
    const ref = (name: string) =>
      `        fromService: { type: web, name: ${name}, envVarKey: RENDER_EXTERNAL_URL }`;
    const r = validateBlueprint(
      y([
        ...webLines("a"),
        "    envVars:",
        "      - key: B_URL",
        ref("b"),
        "  - type: web",
        "    name: b",
        "    runtime: node",
        "    envVars:",
        "      - key: A_URL",
        ref("a"),
      ]),
    );
    expect(r.errors).toEqual([]);
  });
});

describe("validateBlueprint: parameters, templates and hooks", () => {
  const params = [
    "parameters:",
    "  PLAN:",
    "    type: enum",
    "    values: [starter, standard]",
    "    default: starter",
    "  REPLICAS:",
    "    type: integer",
    "    minimum: 1",
    "    maximum: 5",
    "    default: 2",
    "  DOMAIN:",
    "    type: string",
    "    pattern: '^[a-z.]+$'",
    "    required: true",
    "    description: Custom domain",
    "  BETA:",
    "    type: boolean",
    "    default: false",
  ];

  it("accepts valid declarations and converts them", () => {
    const r = validateBlueprint(
      y([
        ...params,
        ...webLines(),
        "    envVars:",
        "      - key: DOMAIN",
        "        value: ${{params.DOMAIN}}",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.blueprint?.parameters).toEqual([
      { name: "PLAN", type: "enum", values: ["starter", "standard"], default: "starter", required: false },
      { name: "REPLICAS", type: "integer", minimum: 1, maximum: 5, default: 2, required: false },
      { name: "DOMAIN", type: "string", pattern: "^[a-z.]+$", required: true, description: "Custom domain" },
      { name: "BETA", type: "boolean", default: false, required: false },
    ]);
  });

  it("rejects a default that does not fit, an enum without values and a bad name", () => {
    const r = validateBlueprint(
      y([
        "parameters:",
        "  SIZE:",
        "    type: integer",
        "    maximum: 3",
        "    default: 4",
        "  TIER:",
        "    type: enum",
        "  SLUG:",
        "    type: string",
        "    pattern: '^[a-z]+$'",
        "    default: Not-A-Slug",
        "  1BAD:",
        "    type: string",
        "  EMPTY:",
        "    type: enum",
        "    values: []",
        "  RX:",
        "    type: string",
        "    pattern: '(['",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ["bad-default", "/parameters/SIZE/default", 5],
      ["missing-key", "/parameters/TIER", 7],
      ["bad-default", "/parameters/SLUG/default", 11],
      ["bad-parameter-name", "/parameters/1BAD", 12],
      ["bad-value", "/parameters/EMPTY/values", 16],
      ["bad-pattern", "/parameters/RX/pattern", 19],
    ]);
  });

  it("reports an unknown parameter reference at the string's position", () => {
    const r = validateBlueprint(
      y([
        ...webLines(),
        "    envVars:",
        "      - key: A",
        "        value: prefix-${{ params.missing }}",
        "      - key: B",
        "        value: ${{ tenant.email }}",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["unknown-template-reference", "/services/0/envVars/0/value", 7, 16],
      ["unknown-template-reference", "/services/0/envVars/1/value", 9, 16],
    ]);
    expect(r.errors[0]?.message).toContain("params.missing");
  });

  it("accepts tenant and org templates anywhere and rejects malformed ones", () => {
    const ok = validateBlueprint(
      y([
        "services:",
        "  - type: web",
        "    name: api-${{ tenant.slug }}",
        "    runtime: node",
        "    domains: ['${{tenant.slug}}.${{ org.slug }}.example.com']",
        "    envVars:",
        "      - key: ID",
        "        value: ${{ tenant.id }}-${{ tenant.name }}",
      ]),
    );
    expect(ok.errors).toEqual([]);
    const bad = validateBlueprint(
      y([
        ...webLines(),
        "    startCommand: echo ${{ tenant.slug | upper }}",
        "    buildCommand: echo ${{ tenant.slug",
      ]),
    );
    expect(codes(bad.errors)).toEqual(["bad-template", "bad-template"]);
  });

  it("finds and replaces templates without evaluating anything", () => {
    expect(findTemplates("a-${{tenant.slug}}-${{  params.X }}")).toEqual([
      { ref: "tenant.slug", start: 2, end: 18 },
      { ref: "params.X", start: 19, end: 35 },
    ]);
    expect(replaceTemplates("db-${{ tenant.slug }}", (r) => (r === "tenant.slug" ? "acme" : "?"))).toBe(
      "db-acme",
    );
  });

  it("checks hooks.bootstrap and the service it names", () => {
    const ok = validateBlueprint(
      y([
        ...webLines(),
        "hooks:",
        "  bootstrap:",
        "    command: npm run seed",
        "    service: api",
        "    timeoutSeconds: 600",
      ]),
    );
    expect(ok.errors).toEqual([]);
    expect(ok.blueprint?.hooks).toEqual({
      bootstrap: { command: "npm run seed", service: "api", timeoutSeconds: 600 },
    });
    expect(
      validateBlueprint(y([...webLines(), "hooks:", "  bootstrap: npm run seed"])).blueprint?.hooks,
    ).toEqual({
      bootstrap: { command: "npm run seed" },
    });
    const bad = validateBlueprint(
      y([...webLines(), "hooks:", "  bootstrap:", "    service: ap", "  boostrap: x"]),
    );
    expect(bad.errors.map((e) => [e.code, e.pointer])).toEqual([
      ["missing-key", "/hooks/bootstrap/command"],
      ["missing-reference", "/hooks/bootstrap/service"],
      ["unknown-key", "/hooks/boostrap"],
    ]);
  });
});

describe("validateBlueprint: projects and environments", () => {
  it("flattens environments into the top-level lists, keeping names and adding `environment`", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: worker",
        "    name: top",
        "    runtime: node",
        "projects:",
        "  - name: shop",
        "    environments:",
        "      - name: prod",
        "        services:",
        "          - type: web",
        "            name: api",
        "            runtime: node",
        "            envVars:",
        "              - fromGroup: cfg",
        "        databases:",
        "          - name: db",
        "        envVarGroups:",
        "          - name: cfg",
        "            envVars:",
        "              - key: A",
        "                value: b",
        "      - name: staging",
        "        services:",
        "          - type: keyvalue",
        "            name: kv",
        "            ipAllowList: []",
        "ungrouped:",
        "  databases:",
        "    - name: shared-db",
      ]),
    );
    expect(r.errors).toEqual([]);
    const bp = r.blueprint!;
    expect(bp.services.map((s) => [s.name, s.environment])).toEqual([
      ["top", undefined],
      ["api", "shop/prod"],
      ["kv", "shop/staging"],
    ]);
    expect(bp.databases).toEqual([{ name: "db", environment: "shop/prod" }, { name: "shared-db" }]);
    expect(bp.envVarGroups).toEqual([
      { name: "cfg", envVars: [{ key: "A", value: "b" }], environment: "shop/prod" },
    ]);
  });
});

describe("validateBlueprint: what Render's current templates ship", () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`./fixtures/blueprints/${name}.render.yaml`, import.meta.url), "utf8");

  it.each(["web-realtime", "queue-pair", "two-apps"])(
    "accepts services that reference each other: %s",
    (name) => {
      const r = validateBlueprint(fixture(name));
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
    },
  );

  it("reads unquoted booleans and numbers as the text written, with a warning at each", () => {
    const r = validateBlueprint(
      y([
        ...webLines(),
        "    envVars:",
        "      - key: DEBUG",
        "        value: true",
        "      - key: PORT_HINT",
        "        value: 3000",
        "      - key: PYTHON_VERSION",
        "        value: 3.10",
        "      - key: FLAG",
        "        value: yes",
        "      - key: PREVIEW",
        "        value: a",
        "        previewValue: false",
        "envVarGroups:",
        "  - name: g",
        "    envVars:",
        "      - key: WORKERS",
        "        value: 0x10",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.pointer, w.line, w.column])).toEqual([
      ["unquoted-env-value", "/services/0/envVars/0/value", 7, 16],
      ["unquoted-env-value", "/services/0/envVars/1/value", 9, 16],
      ["unquoted-env-value", "/services/0/envVars/2/value", 11, 16],
      ["unquoted-env-value", "/services/0/envVars/4/previewValue", 16, 23],
      ["unquoted-env-value", "/envVarGroups/0/envVars/0/value", 21, 16],
    ]);
    expect(r.warnings[0]?.message).toContain('read as the string "true"');
    // YAML 1.2: `yes` is a string already, nothing to say; numbers keep their spelling.
    expect(r.blueprint?.services[0]?.envVars).toEqual([
      { key: "DEBUG", value: "true" },
      { key: "PORT_HINT", value: "3000" },
      { key: "PYTHON_VERSION", value: "3.10" },
      { key: "FLAG", value: "yes" },
      { key: "PREVIEW", value: "a", previewValue: "false" },
    ]);
    expect(r.blueprint?.envVarGroups[0]?.envVars).toEqual([{ key: "WORKERS", value: "0x10" }]);
  });

  it("accepts plans and regions in the case Render accepts, normalised, with a warning", () => {
    const r = validateBlueprint(
      y([
        ...webLines(),
        "    plan: Starter",
        "    region: Frankfurt",
        "    previews:",
        "      plan: Pro  Plus",
        "  - type: keyvalue",
        "    name: cache",
        "    plan: Basic-1gb",
        "    ipAllowList: []",
        "databases:",
        "  - name: db",
        "    plan: Basic-256mb",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.pointer, w.line])).toEqual([
      ["enum-case", "/services/0/plan", 5],
      ["enum-case", "/services/0/region", 6],
      ["enum-case", "/services/0/previews/plan", 8],
      ["enum-case", "/services/1/plan", 11],
      ["enum-case", "/databases/0/plan", 15],
    ]);
    expect(r.blueprint?.services[0]).toMatchObject({
      plan: "starter",
      region: "frankfurt",
      previews: { plan: "pro plus" },
    });
    expect(r.blueprint?.services[1]?.plan).toBe("basic-1gb");
    expect(r.blueprint?.databases[0]?.plan).toBe("basic-256mb");
    // A plan that is no plan in any case is still an error, with a suggestion.
    const bad = validateBlueprint(y([...webLines(), "    plan: Startr"]));
    expect(bad.errors).toMatchObject([{ code: "bad-value", pointer: "/services/0/plan", line: 5 }]);
    expect(bad.errors[0]?.message).toContain("did you mean `starter`");
  });

  it("accepts keys Render accepts ahead of its schema with a warning, and still refuses unknown ones", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: keyvalue",
        "    name: cache",
        "    ipAllowList: []",
        "    persistenceMode: aof",
      ]),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toMatchObject([
      { code: "schema-lag", pointer: "/services/0/persistenceMode", line: 5, column: 5 },
    ]);
    expect(r.blueprint?.services[0]?.["persistenceMode"]).toBe("aof");
    const typo = validateBlueprint(
      y([
        "services:",
        "  - type: keyvalue",
        "    name: cache",
        "    ipAllowList: []",
        "    persistenceMod: aof",
      ]),
    );
    expect(codes(typo.errors)).toEqual(["unknown-key"]);
    const wrongType = validateBlueprint(
      y([
        "services:",
        "  - type: keyvalue",
        "    name: cache",
        "    ipAllowList: []",
        "    persistenceMode: 1",
      ]),
    );
    expect(wrongType.errors).toMatchObject([{ code: "wrong-type", pointer: "/services/0/persistenceMode" }]);
  });

  it("refuses a cron schedule that is not a 5-field cron expression, at its line and column", () => {
    const cron = (schedule: string) =>
      validateBlueprint(
        y([
          "services:",
          "  - type: cron",
          "    name: nightly",
          "    runtime: node",
          `    schedule: ${schedule}`,
          "    startCommand: node job.js",
        ]),
      );
    for (const ok of ['"*/15 * * * *"', '"0 3 * * MON-FRI"', '"0 0 1,15 * *"', '"${{ params.when }}"']) {
      const r = cron(ok);
      expect(
        codes(r.errors).filter((c) => c !== "unknown-template-reference"),
        ok,
      ).toEqual([]);
    }
    for (const [bad, says] of [
      ['"61 * * * *"', "minute"],
      ['"0 0 * * * *"', "5-field"],
      ["every day", "5-field"],
      ['"0 0 31 2 *"', "never fires"],
      ['""', "empty"],
    ] as const) {
      const r = cron(bad);
      expect(r.errors, bad).toMatchObject([
        { code: "bad-schedule", pointer: "/services/0/schedule", line: 5, column: 15 },
      ]);
      expect(r.errors[0]?.message).toContain(says);
    }
  });
});

describe("validateBlueprint: static site routes and headers", () => {
  it("refuses offline what Render would refuse: sources and paths that are not paths, bad destinations and header names", () => {
    const r = validateBlueprint(
      y([
        "services:",
        "  - type: web",
        "    name: site",
        "    runtime: static",
        "    routes:",
        "      - { type: rewrite, source: '*', destination: /index.html }",
        "      - { type: redirect, source: /old, destination: 'ftp://x' }",
        "      - { type: redirect, source: /ok/*, destination: 'https://example.com/*' }",
        "    headers:",
        "      - { path: assets, name: Cache-Control, value: max-age=60 }",
        "      - { path: /*, name: 'X Frame', value: DENY }",
        '      - { path: /*, name: X-Ok, value: "a\\nb" }',
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ["bad-route", "/services/0/routes/0/source", 6],
      ["bad-route", "/services/0/routes/1/destination", 7],
      ["bad-header", "/services/0/headers/0/path", 10],
      ["bad-header", "/services/0/headers/1/name", 11],
      ["bad-header", "/services/0/headers/2/value", 12],
    ]);
  });
});
