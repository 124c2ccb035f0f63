import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { collectParams } from "../src/cli/commands/tenants.js";

/** `--param` as commander collects it: repeated options folded into one params object. */
const collect = (...args: string[]) =>
  args.reduce<Record<string, unknown> | undefined>((acc, raw) => collectParams(raw, acc), undefined);

describe("--param", () => {
  it("parses scalars as before", () => {
    expect(collect("size=pro", "workers=3", "ha=true", "note=null", "zip=01234")).toEqual({
      size: "pro",
      workers: 3,
      ha: true,
      note: null,
      zip: "01234",
    });
  });

  it("sets a field of an object with a dotted name, at any depth", () => {
    expect(collect("cloud.region=us-east-1", "cloud.account.id=123456789012", "data.redis.ha=false")).toEqual(
      {
        cloud: { region: "us-east-1", account: { id: 123456789012 } },
        data: { redis: { ha: false } },
      },
    );
  });

  it("reads JSON objects and lists, and merges dotted fields into them", () => {
    expect(collect('cloud={"provider":"aws"}', "cloud.region=us-east-1", 'zones=["a","b"]')).toEqual({
      cloud: { provider: "aws", region: "us-east-1" },
      zones: ["a", "b"],
    });
    // A later whole value replaces what the fields built.
    expect(collect("cloud.region=x", 'cloud={"provider":"gcp"}')).toEqual({ cloud: { provider: "gcp" } });
  });

  it("refuses a field of something that is not an object, and malformed names", () => {
    expect(() => collect("cloud=aws", "cloud.region=x")).toThrow(
      new InvalidArgumentError('cannot set cloud.region: cloud was given as "aws", not an object'),
    );
    for (const bad of ["cloud..region=x", ".x=1", "a.__proto__.b=1", "a-b=1"]) {
      expect(() => collect(bad), bad).toThrow(InvalidArgumentError);
    }
  });

  it("does not modify what earlier options collected", () => {
    const first = collect("cloud.region=a") ?? {};
    const second = collectParams("cloud.zone=b", first);
    expect(first).toEqual({ cloud: { region: "a" } });
    expect(second).toEqual({ cloud: { region: "a", zone: "b" } });
  });
});
