import { describe, expect, it } from "vitest";
import type { BlueprintParameter } from "../src/blueprints/model.js";
import { resolveParams } from "../src/blueprints/params.js";
import { MAX_PARAMETER_DEPTH } from "../src/blueprints/rules/parameters.js";
import { validateBlueprint } from "../src/blueprints/validate.js";

/**
 * `type: object` and `type: array` parameters: declarations checked at validation (every
 * problem at its line and column), values checked per tenant with JSON pointers, defaults
 * filled at every level.
 */

const y = (lines: string[]) => `${lines.join("\n")}\n`;
const web = ["services:", "  - type: web", "    name: api", "    runtime: node"];

/** The seed API's shape (issue 13), as a blueprint declares it. */
const SEED = [
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
  "  data:",
  "    type: object",
  "    properties:",
  "      postgres:",
  "        type: object",
  "        default: {}",
  "        properties:",
  "          size: { type: enum, values: [small, large], default: small }",
  "          multi_az: { type: boolean, default: false }",
  "      object_store:",
  "        type: object",
  "        properties:",
  "          bucket_prefix: { type: string, required: true }",
  "  zones:",
  "    type: array",
  "    items: { type: string }",
  "    minItems: 1",
  "    maxItems: 3",
  "  workers:",
  "    type: array",
  "    items:",
  "      type: object",
  "      properties:",
  "        name: { type: string, required: true }",
  "        gpu: { type: boolean, default: false }",
  "  labels:",
  "    type: object",
  "    additionalProperties: true",
];

function seedParameters(): BlueprintParameter[] {
  const r = validateBlueprint(y([...SEED, ...web]));
  expect(r.errors).toEqual([]);
  return r.blueprint?.parameters ?? [];
}

const CLOUD = {
  provider: "aws",
  region: "us-east-1",
  account_id: "123456789012",
  role_arn: "arn:aws:iam::123456789012:role/beta9",
};

describe("object and array parameter declarations", () => {
  it("are read into typed, nested declarations", () => {
    const [cloud, cluster, , zones, workers, labels] = seedParameters();
    expect(cloud).toEqual({
      name: "cloud",
      type: "object",
      required: true,
      additionalProperties: false,
      properties: {
        provider: { type: "enum", values: ["aws", "gcp"], required: true },
        region: { type: "string", pattern: "^[a-z]{2}-[a-z]+-[0-9]$", required: true },
        account_id: { type: "string", pattern: "^[0-9]{12}$", required: false },
        role_arn: { type: "string", pattern: "^arn:aws:iam::[0-9]{12}:role/.+$", required: true },
      },
    });
    expect(cluster?.default).toEqual({ profile: "small" });
    expect(cluster?.properties?.["use_existing"]).toEqual({
      type: "boolean",
      default: false,
      required: false,
    });
    expect(zones).toEqual({
      name: "zones",
      type: "array",
      required: false,
      items: { type: "string", required: false },
      minItems: 1,
      maxItems: 3,
    });
    expect(workers?.items?.properties?.["name"]).toEqual({ type: "string", required: true });
    expect(labels).toMatchObject({ type: "object", additionalProperties: true, properties: {} });
  });

  it("reports every faulty nested declaration at its line and column", () => {
    const r = validateBlueprint(
      y([
        "parameters:", //                                                     1
        "  cloud:",
        "    type: object",
        "    properties:",
        "      region: { type: string, pattern: '([' }", //                    5
        "      provider: { type: enum, valuse: [aws] }",
        "      bad-name: { type: string }",
        "      nested:",
        "        type: object",
        "        properties:", //                                             10
        "          size: { type: integer, minimum: 1, default: 0 }",
        "  zones:",
        "    type: array",
        "    minItems: 2",
        "    maxItems: 1", //                                                 15
        "    items: { type: string, required: true }",
        "  tags:",
        "    type: array",
        "  box:",
        "    type: object", //                                                20
        "    pattern: x",
        "    properties: [a, b]",
        "    additionalProperties: maybe",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column])).toEqual([
      ["bad-pattern", "/parameters/cloud/properties/region/pattern", 5, 40],
      ["missing-key", "/parameters/cloud/properties/provider", 6, 17],
      ["unknown-key", "/parameters/cloud/properties/provider/valuse", 6, 31],
      ["bad-parameter-name", "/parameters/cloud/properties/bad-name", 7, 7],
      ["bad-default", "/parameters/cloud/properties/nested/properties/size/default", 11, 55],
      ["out-of-range", "/parameters/zones/maxItems", 15, 15],
      ["unknown-key", "/parameters/zones/items/required", 16, 28],
      ["missing-key", "/parameters/tags", 18, 5],
      ["unknown-key", "/parameters/box/pattern", 21, 5],
      ["wrong-type", "/parameters/box/properties", 22, 17],
      ["wrong-type", "/parameters/box/additionalProperties", 23, 27],
    ]);
    const byPointer = new Map(r.errors.map((e) => [e.pointer, e.message]));
    expect(byPointer.get("/parameters/cloud/properties/provider/valuse")).toContain("did you mean `values`?");
    expect(byPointer.get("/parameters/tags")).toContain("`items` is required");
    expect(byPointer.get("/parameters/box/pattern")).toBe(
      "`pattern` applies to string parameters only, not object",
    );
  });

  it("checks object and array defaults against the declaration, at the faulty field", () => {
    const r = validateBlueprint(
      y([
        "parameters:",
        "  cluster:",
        "    type: object",
        "    default: { profile: huge, extra: 1 }",
        "    properties:",
        "      profile: { type: enum, values: [small, large] }",
        "      region: { type: string, required: true }",
        "  zones:",
        "    type: array",
        "    items: { type: string, pattern: '^[a-z]+-[0-9]$' }",
        "    maxItems: 2",
        "    default: [eu-1, EU-2, us-3]",
        "  flags:",
        "    type: object",
        "    default: [a]",
      ]),
    );
    expect(r.errors.map((e) => [e.code, e.pointer, e.line, e.column, e.message])).toEqual([
      [
        "bad-default",
        "/parameters/cluster/default/region",
        4,
        14,
        "`cluster.region` is required: the default must give it",
      ],
      [
        "bad-default",
        "/parameters/cluster/default/profile",
        4,
        25,
        'the string "huge" is not one of `small`, `large`',
      ],
      [
        "bad-default",
        "/parameters/cluster/default/extra",
        4,
        38,
        "unknown field `extra`: `cluster` declares `profile`, `region`",
      ],
      ["bad-default", "/parameters/zones/default", 12, 14, "must have at most 2 items, not 3"],
      ["bad-default", "/parameters/zones/default/1", 12, 21, "`EU-2` does not match `^[a-z]+-[0-9]$`"],
      ["bad-default", "/parameters/flags/default", 15, 14, "must be a mapping, not a list"],
    ]);
  });

  it("refuses declarations nested deeper than the bound", () => {
    const lines = ["parameters:", "  p:"];
    let indent = "    ";
    for (let i = 0; i < MAX_PARAMETER_DEPTH; i++) {
      lines.push(`${indent}type: object`, `${indent}properties:`, `${indent}  f:`);
      indent += "    ";
    }
    lines.push(`${indent}type: string`);
    const r = validateBlueprint(y(lines));
    expect(r.errors.map((e) => e.code)).toEqual(["too-deep"]);
    expect(r.errors[0]?.pointer).toBe(
      `/parameters/p${"/properties/f".repeat(MAX_PARAMETER_DEPTH - 1)}/properties`,
    );
  });
});

describe("nested parameter values", () => {
  it("reports every problem at once, each at its exact pointer", () => {
    const { values, errors } = resolveParams(seedParameters(), {
      cloud: { provider: "azure", region: "US-EAST-1", account_id: "123", extra: true },
      cluster: { profile: "small", use_existing: "no" },
      data: { postgres: [], object_store: {} },
      zones: ["eu-1", "eu-2", 3, "eu-4"],
      workers: [{ name: "a" }, { gpu: true }, "c"],
    });
    expect(errors).toEqual([
      {
        pointer: "/params/cloud/extra",
        message: 'parameter "cloud" has no field "extra" (it has: provider, region, account_id, role_arn)',
      },
      { pointer: "/params/cloud/provider", message: 'expected one of "aws", "gcp"' },
      { pointer: "/params/cloud/region", message: "must match ^[a-z]{2}-[a-z]+-[0-9]$" },
      { pointer: "/params/cloud/account_id", message: "must match ^[0-9]{12}$" },
      { pointer: "/params/cloud/role_arn", message: 'parameter "cloud.role_arn" is required' },
      { pointer: "/params/cluster/use_existing", message: "expected true or false, got a string" },
      { pointer: "/params/data/postgres", message: "expected an object, got a list" },
      {
        pointer: "/params/data/object_store/bucket_prefix",
        message: 'parameter "data.object_store.bucket_prefix" is required',
      },
      { pointer: "/params/zones", message: "expected at most 3 items, got 4" },
      { pointer: "/params/zones/2", message: "expected a string, got a number" },
      { pointer: "/params/workers/1/name", message: 'parameter "workers[1].name" is required' },
      { pointer: "/params/workers/2", message: "expected an object, got a string" },
    ]);
    expect(values).toEqual({});
  });

  it("refuses a missing required object and a value of the wrong kind", () => {
    const { errors } = resolveParams(seedParameters(), { zones: "eu-1", labels: [] });
    expect(errors).toEqual([
      { pointer: "/params/cloud", message: 'parameter "cloud" is required' },
      { pointer: "/params/zones", message: "expected a list, got a string" },
      { pointer: "/params/labels", message: "expected an object, got a list" },
    ]);
    expect(resolveParams(seedParameters(), { cloud: CLOUD, zones: [] }).errors).toEqual([
      { pointer: "/params/zones", message: "expected at least 1 item, got 0" },
    ]);
  });

  it("fills defaults at every level: a missing object, missing fields, items' fields", () => {
    const { values, errors } = resolveParams(seedParameters(), {
      cloud: CLOUD,
      data: { object_store: { bucket_prefix: "acme" } },
      workers: [{ name: "a" }, { name: "b", gpu: true }],
    });
    expect(errors).toEqual([]);
    expect(values).toEqual({
      cloud: CLOUD,
      // The object's default, with the defaults of the fields it leaves out.
      cluster: { profile: "small", use_existing: false },
      // A missing object with a default (`{}`) inside a given one, then its fields' defaults.
      data: { postgres: { size: "small", multi_az: false }, object_store: { bucket_prefix: "acme" } },
      workers: [
        { name: "a", gpu: false },
        { name: "b", gpu: true },
      ],
    });
    // A given object gets the defaults of the fields it leaves out; null reads as "not given".
    const given = resolveParams(seedParameters(), {
      cloud: CLOUD,
      cluster: { profile: "large", use_existing: null },
    });
    expect(given.values["cluster"]).toEqual({ profile: "large", use_existing: false });
  });

  it("keeps the fields an open object does not declare, as given", () => {
    const { values, errors } = resolveParams(seedParameters(), {
      cloud: CLOUD,
      labels: { team: "core", cost: { centre: 42 } },
    });
    expect(errors).toEqual([]);
    expect(values["labels"]).toEqual({ team: "core", cost: { centre: 42 } });
  });

  it("keeps the scalar parameters' behaviour", () => {
    const declared: BlueprintParameter[] = [
      { name: "size", type: "enum", values: ["s", "m"], required: true },
      { name: "constructor", type: "string", required: false },
    ];
    // `constructor` is not read from Object.prototype when it is not given.
    expect(resolveParams(declared, { size: "m" })).toEqual({ values: { size: "m" }, errors: [] });
  });
});
