import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateBlueprint } from "../src/blueprints/validate.js";

/** Every example blueprint the docs point at is valid as shipped. */
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../examples/blueprints");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));

describe("example blueprints", () => {
  it("are there", () => {
    expect(files.length).toBeGreaterThan(5);
  });
  it.each(files)("%s validates without errors", (file) => {
    const { errors } = validateBlueprint(readFileSync(path.join(dir, file), "utf8"));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.code} ${e.pointer}: ${e.message}`)).toEqual([]);
  });
});
