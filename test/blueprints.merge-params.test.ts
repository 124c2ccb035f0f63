import { describe, expect, it } from "vitest";
import { mergeParams } from "../src/blueprints/merge-params.js";

/** A change's params applied to a tenant's (PATCH, plan): a JSON Merge Patch (RFC 7386). */
describe("mergeParams", () => {
  const current = {
    size: "starter",
    cloud: { provider: "aws", region: "us-east-1", account_id: "123456789012" },
    zones: ["a", "b"],
  };

  it("replaces and removes scalar params as it always did", () => {
    expect(mergeParams(current, { size: "pro", zones: null, ha: true })).toEqual({
      size: "pro",
      cloud: current.cloud,
      ha: true,
    });
  });

  it("merges objects field by field, null removing a field; lists are replaced", () => {
    expect(mergeParams(current, { cloud: { region: "eu-west-1", account_id: null }, zones: ["c"] })).toEqual({
      size: "starter",
      cloud: { provider: "aws", region: "eu-west-1" },
      zones: ["c"],
    });
    // An object over a scalar (or nothing) is the object, without its nulls.
    expect(mergeParams({ cloud: "aws" }, { cloud: { region: "x", zone: null } })).toEqual({
      cloud: { region: "x" },
    });
  });

  it("modifies neither argument", () => {
    const change = { cloud: { region: "eu-west-1" } };
    mergeParams(current, change);
    expect(current.cloud.region).toBe("us-east-1");
    expect(change).toEqual({ cloud: { region: "eu-west-1" } });
  });

  it("keeps a `__proto__` key as a key", () => {
    const merged = mergeParams({}, JSON.parse('{"labels": {"__proto__": {"x": 1}}}'));
    expect(Object.keys(merged["labels"] as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });
});
