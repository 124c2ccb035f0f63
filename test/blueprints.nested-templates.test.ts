import { describe, expect, it } from "vitest";
import { renderBlueprint } from "../src/blueprints/render.js";
import { isKnownReference } from "../src/blueprints/templates.js";
import { lookupReference, renderTypedValue, type TemplateScope } from "../src/blueprints/typed-templates.js";
import { validateBlueprint } from "../src/blueprints/validate.js";
import { isService } from "../src/domain/resources.js";

/** Templates naming object parameters and their fields: `${{ params.cloud.region }}`. */

const y = (lines: string[]) => `${lines.join("\n")}\n`;

const PARAMETERS = [
  "parameters:",
  "  cloud:",
  "    type: object",
  "    required: true",
  "    properties:",
  "      provider: { type: enum, values: [aws, gcp], required: true }",
  "      region: { type: string, required: true }",
  "      account: { type: object, properties: { id: { type: string } } }",
  "  cluster:",
  "    type: object",
  "    default: { profile: small }",
  "    properties:",
  "      profile: { type: enum, values: [small, large] }",
  "      nodes: { type: integer, default: 3 }",
  "  zones:",
  "    type: array",
  "    items: { type: string }",
  "  labels:",
  "    type: object",
  "    additionalProperties: true",
];

/** A blueprint with the parameters above and one web service whose env vars are `vars`. */
function withVars(vars: string[], extra: string[] = []): string {
  return y([
    ...PARAMETERS,
    "services:",
    "  - type: web",
    "    name: api",
    "    runtime: node",
    "    buildCommand: npm ci",
    "    startCommand: npm start",
    ...extra,
    "    envVars:",
    ...vars.flatMap((v, i) => [`      - key: V${i}`, `        value: ${v}`]),
  ]);
}

describe("validating templates of nested parameters", () => {
  it("accepts declared fields, whole objects and lists, and fields of open objects", () => {
    const r = validateBlueprint(
      withVars([
        "${{ params.cloud.region }}",
        "${{ params.cloud.account.id }}",
        "arn:${{ params.cloud.provider }}:${{ params.cluster.nodes }}",
        "${{ params.cloud }}",
        "'${{ params.zones }}'",
        "${{ params.labels.team }}",
      ]),
    );
    expect(r.errors).toEqual([]);
  });

  it("reports unknown fields at the string's line and column, with what the object has", () => {
    const r = validateBlueprint(
      withVars([
        "${{ params.cloud.regoin }}",
        "${{ params.cloud.account.name }}",
        "${{ params.zones.first }}",
        "${{ params.cluster.nodes.max }}",
        "${{ params.clodu.region }}",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["unknown-template-reference", "/services/0/envVars/0/value", 29, 16],
      ["unknown-template-reference", "/services/0/envVars/1/value", 31, 16],
      ["unknown-template-reference", "/services/0/envVars/2/value", 33, 16],
      ["unknown-template-reference", "/services/0/envVars/3/value", 35, 16],
      ["unknown-template-reference", "/services/0/envVars/4/value", 37, 16],
    ]);
    expect(r.errors.map((e) => e.message)).toEqual([
      "unknown reference `params.cloud.regoin` in `${{ params.cloud.regoin }}`: `params.cloud` has no field `regoin` (did you mean `region`?)",
      "unknown reference `params.cloud.account.name` in `${{ params.cloud.account.name }}`: `params.cloud.account` has no field `name` (it has `id`)",
      "unknown reference `params.zones.first` in `${{ params.zones.first }}`: `params.zones` is a list (its items cannot be referenced), not an object",
      "unknown reference `params.cluster.nodes.max` in `${{ params.cluster.nodes.max }}`: `params.cluster.nodes` is an integer, not an object",
      "unknown reference `params.clodu.region` in `${{ params.clodu.region }}` (declare it under `parameters:`)",
    ]);
  });

  it("refuses an object or list inside a longer string", () => {
    const r = validateBlueprint(
      withVars(["cloud=${{ params.cloud }}", "'${{ params.zones }} '", "${{ params.cloud.account }}x"]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ["structured-template-in-string", "/services/0/envVars/0/value", 29],
      ["structured-template-in-string", "/services/0/envVars/1/value", 31],
      ["structured-template-in-string", "/services/0/envVars/2/value", 33],
    ]);
    expect(r.errors[0]?.message).toBe(
      "`params.cloud` is an object: it cannot be part of a longer string; use the whole value (a string that is exactly `${{ params.cloud }}`) or one of its fields (`${{ params.cloud.FIELD }}`)",
    );
    expect(r.errors[1]?.message).toContain("`params.zones` is a list");
  });

  it("does not report references into a faulty declaration on top of its own errors", () => {
    const r = validateBlueprint(
      y([
        "parameters:",
        "  cloud:",
        "    type: object",
        "    properties:",
        "      region: { type: strnig }",
        "services:",
        "  - type: web",
        "    name: api",
        "    runtime: node",
        "    envVars:",
        "      - key: REGION",
        "        value: ${{ params.cloud.region }}-${{ params.cloud.anything }}",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([
      ["bad-value", "/parameters/cloud/properties/region/type"],
    ]);
  });

  it("knows which paths exist in the declarations", () => {
    const r = validateBlueprint(withVars(["x"]));
    expect(r.errors).toEqual([]);
    const declared = new Map((r.blueprint?.parameters ?? []).map((p) => [p.name, p]));
    expect(isKnownReference("params.cloud.account.id", declared)).toBe(true);
    expect(isKnownReference("params.cloud.account.iban", declared)).toBe(false);
    expect(isKnownReference("params.labels.anything", declared)).toBe(true);
    expect(isKnownReference("tenant.slug", declared)).toBe(true);
    expect(isKnownReference("params.nope", declared)).toBe(false);
  });
});

describe("rendering templates of nested parameters", () => {
  const source = withVars(
    [
      "${{ params.cloud.region }}",
      "${{ params.cluster.profile }}-${{ params.cluster.nodes }}",
      "${{ params.cloud }}",
      "${{ params.cloud.account.id }}",
    ],
    ["    preDeployCommand: ./migrate --region ${{ params.cloud.region }}"],
  );
  const tenant = { id: "01a2b3c4-0000-7000-8000-000000000001", slug: "acme", name: "Acme" };

  it("resolves fields, defaults included, and whole objects as JSON in render.yaml strings", () => {
    const bp = validateBlueprint(source).blueprint;
    if (!bp) throw new Error("invalid");
    const r = renderBlueprint(bp, {
      tenant,
      org: { slug: "default" },
      installationId: "test",
      params: { cloud: { provider: "aws", region: "us-east-1; rm -rf /" } },
    });
    expect(r.errors).toEqual([]);
    const api = r.resources.find((x) => x.key === "service:api");
    if (!api || !isService(api)) throw new Error("no service");
    const vars = Object.fromEntries(api.spec.envVars.map((b) => [b.key, "value" in b ? b.value : undefined]));
    expect(vars).toMatchObject({
      V0: "us-east-1; rm -rf /",
      V1: "small-3",
      V2: '{"provider":"aws","region":"us-east-1; rm -rf /"}',
      // An optional field not given is left as written, as an optional parameter is.
      V3: "${{ params.cloud.account.id }}",
    });
    // In a shell command, a field is one quoted word too.
    expect(api.spec.preDeployCommand).toBe("./migrate --region 'us-east-1; rm -rf /'");
    expect(r.params).toEqual({
      cloud: { provider: "aws", region: "us-east-1; rm -rf /" },
      cluster: { profile: "small", nodes: 3 },
    });
  });
});

describe("renderTypedValue", () => {
  const scope: TemplateScope = {
    tenant: { id: "t-1", slug: "acme", name: "Acme" },
    org: { slug: "default" },
    params: {
      cloud: { provider: "aws", region: "us-east-1" },
      cluster: { profile: "small", nodes: 3, use_existing: false },
      zones: ["a", "b"],
    },
  };
  const resolve = (ref: string) => lookupReference(scope, ref);

  it("keeps the referenced value's type when a string is exactly one template", () => {
    const inputs = {
      cloud: "${{ params.cloud }}",
      nodes: "${{params.cluster.nodes}}",
      use_existing: "${{ params.cluster.use_existing }}",
      zones: "${{ params.zones }}",
      nested: { list: ["${{ params.cloud.region }}", 7, null, true] },
    };
    const { value, problems } = renderTypedValue(inputs, resolve);
    expect(problems).toEqual([]);
    expect(value).toEqual({
      cloud: { provider: "aws", region: "us-east-1" },
      nodes: 3,
      use_existing: false,
      zones: ["a", "b"],
      nested: { list: ["us-east-1", 7, null, true] },
    });
    // Copied, not shared: the input and the scope stay as they were.
    (value as { cloud: { region: string } }).cloud.region = "changed";
    expect(scope.params["cloud"]).toEqual({ provider: "aws", region: "us-east-1" });
    expect(inputs.cloud).toBe("${{ params.cloud }}");
  });

  it("interpolates scalars into longer strings", () => {
    const { value, problems } = renderTypedValue(
      {
        name: "${{ tenant.slug }}-${{ params.cloud.region }}",
        n: "x${{ params.cluster.nodes }}",
        b: " ${{ params.cluster.use_existing }}",
      },
      resolve,
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({ name: "acme-us-east-1", n: "x3", b: " false" });
  });

  it("reports an object inside a longer string, unknown references and malformed templates at their pointers", () => {
    const { value, problems } = renderTypedValue(
      {
        a: "cloud: ${{ params.cloud }}",
        b: ["ok", "${{ params.cloud.zone }}"],
        "c/d": "${{ params.cluster | json }}",
      },
      resolve,
    );
    expect(problems.map((p) => p.pointer)).toEqual(["/a", "/b/1", "/c~1d"]);
    expect(problems[0]?.message).toBe(
      "`params.cloud` is an object: it cannot be part of a longer string; use the whole value (a string that is exactly `${{ params.cloud }}`)",
    );
    expect(problems[1]?.message).toBe(
      "nothing to resolve `${{ params.cloud.zone }}` to: `params.cloud.zone` has no value",
    );
    expect(problems[2]?.message).toContain("is not a template");
    // What could not be resolved is left as written.
    expect(value).toEqual({
      a: "cloud: ${{ params.cloud }}",
      b: ["ok", "${{ params.cloud.zone }}"],
      "c/d": "${{ params.cluster | json }}",
    });
  });

  it("looks up builtins and nested fields only", () => {
    expect(lookupReference(scope, "tenant.name")).toBe("Acme");
    expect(lookupReference(scope, "org.slug")).toBe("default");
    expect(lookupReference(scope, "params.cloud.region")).toBe("us-east-1");
    expect(lookupReference(scope, "params.zones.0")).toBeUndefined();
    expect(lookupReference(scope, "params.cloud.constructor")).toBeUndefined();
    expect(lookupReference(scope, "tenant.constructor")).toBeUndefined();
    expect(lookupReference(scope, "params")).toBeUndefined();
  });
});
