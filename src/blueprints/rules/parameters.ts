import type { BlueprintParameter, ParameterType } from "../model.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject, type PlainObject } from "./context.js";
import { bool, checkShape, obj, str, typeName } from "./shape.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = ["string", "integer", "number", "boolean", "enum"] as const;

const declaration = obj(
  {
    type: str(TYPES),
    description: str(),
    default: { t: "any" },
    required: bool,
    pattern: str(),
    values: { t: "list", of: { t: "any" } },
    minimum: { t: "any" },
    maximum: { t: "any" },
  },
  ["type"],
);

/**
 * Checks `parameters:` (Tenantry extension): NAME → { type, description?, default?,
 * required?, pattern?, values?, minimum?, maximum? }. Returns the declared names (even of
 * faulty declarations, so templates naming them are not reported twice) and the valid ones.
 */
export function checkParameters(
  value: unknown,
  d: Diagnostics,
): { names: Set<string>; parameters: BlueprintParameter[] } {
  const names = new Set<string>();
  const parameters: BlueprintParameter[] = [];
  if (value === undefined) return { names, parameters };
  if (!isObject(value)) {
    d.error(
      "wrong-type",
      "/parameters",
      `must be a mapping of parameter names to declarations, not ${typeName(value)}`,
    );
    return { names, parameters };
  }
  for (const [name, decl] of Object.entries(value)) {
    const at = joinPointer("/parameters", name);
    if (!NAME.test(name)) {
      d.error(
        "bad-parameter-name",
        at,
        `\`${name}\` is not a parameter name: use letters, digits and \`_\`, not starting with a digit`,
        true,
      );
      continue;
    }
    names.add(name);
    const before = d.errors.length;
    checkShape(decl, declaration, at, d);
    if (!isObject(decl) || d.errors.length > before) continue;
    if (checkDeclaration(decl, at, d)) parameters.push(toParameter(name, decl));
  }
  return { names, parameters };
}

function checkDeclaration(decl: PlainObject, at: string, d: Diagnostics): boolean {
  const before = d.errors.length;
  const type = decl["type"] as ParameterType;
  const onlyFor = (key: string, types: ParameterType[]) => {
    if (key in decl && !types.includes(type)) {
      d.error(
        "unknown-key",
        joinPointer(at, key),
        `\`${key}\` applies to ${types.join("/")} parameters only, not ${type}`,
        true,
      );
    }
  };
  onlyFor("pattern", ["string"]);
  onlyFor("values", ["enum"]);
  onlyFor("minimum", ["integer", "number"]);
  onlyFor("maximum", ["integer", "number"]);
  const pattern = decl["pattern"];
  if (typeof pattern === "string" && type === "string") {
    try {
      new RegExp(pattern, "u");
    } catch (e) {
      d.error(
        "bad-pattern",
        joinPointer(at, "pattern"),
        `not a valid regular expression: ${(e as Error).message}`,
      );
    }
  }
  const values = decl["values"];
  if (type === "enum") {
    if (values === undefined) d.error("missing-key", at, "`values` is required for an enum parameter");
    else if (!Array.isArray(values) || values.length === 0) {
      d.error("bad-value", joinPointer(at, "values"), "must be a non-empty list of strings or numbers");
    } else {
      values.forEach((v, i) => {
        if (typeof v !== "string" && typeof v !== "number") {
          d.error(
            "wrong-type",
            joinPointer(at, "values", i),
            `must be a string or a number, not ${typeName(v)}`,
          );
        } else if (values.indexOf(v) !== i)
          d.error("bad-value", joinPointer(at, "values", i), `\`${v}\` is listed twice`);
      });
    }
  }
  for (const bound of ["minimum", "maximum"] as const) {
    const b = decl[bound];
    if (b === undefined || (type !== "integer" && type !== "number")) continue;
    if (typeof b !== "number" || (type === "integer" && !Number.isInteger(b))) {
      d.error(
        "wrong-type",
        joinPointer(at, bound),
        `must be ${type === "integer" ? "an integer" : "a number"}, not ${typeName(b)}`,
      );
    }
  }
  const min = decl["minimum"];
  const max = decl["maximum"];
  if (typeof min === "number" && typeof max === "number" && min > max) {
    d.error("out-of-range", joinPointer(at, "maximum"), "must not be less than `minimum`");
  }
  if (d.errors.length > before) return false;
  if ("default" in decl) {
    const problem = defaultProblem(decl["default"], decl);
    if (problem) d.error("bad-default", joinPointer(at, "default"), problem);
  }
  return d.errors.length === before;
}

/** Why `v` cannot be a value of the declared parameter, or undefined when it can. */
export function defaultProblem(v: unknown, decl: PlainObject): string | undefined {
  switch (decl["type"]) {
    case "string": {
      if (typeof v !== "string") return `must be a string, not ${typeName(v)}`;
      const pattern = decl["pattern"];
      if (typeof pattern === "string" && !new RegExp(pattern, "u").test(v))
        return `\`${v}\` does not match \`${pattern}\``;
      return undefined;
    }
    case "integer":
    case "number": {
      if (typeof v !== "number" || (decl["type"] === "integer" && !Number.isInteger(v))) {
        return `must be ${decl["type"] === "integer" ? "an integer" : "a number"}, not ${typeName(v)}`;
      }
      const min = decl["minimum"];
      const max = decl["maximum"];
      if (typeof min === "number" && v < min) return `must be at least ${min}`;
      if (typeof max === "number" && v > max) return `must be at most ${max}`;
      return undefined;
    }
    case "boolean":
      return typeof v === "boolean" ? undefined : `must be true or false, not ${typeName(v)}`;
    case "enum": {
      const values = decl["values"] as unknown[];
      return values.includes(v)
        ? undefined
        : `${typeName(v)} is not one of ${values.map((x) => `\`${x}\``).join(", ")}`;
    }
    default:
      return undefined;
  }
}

function toParameter(name: string, decl: PlainObject): BlueprintParameter {
  const p: BlueprintParameter = {
    name,
    type: decl["type"] as ParameterType,
    required: decl["required"] === true,
  };
  if (typeof decl["description"] === "string") p.description = decl["description"];
  if (decl["default"] !== undefined) p.default = decl["default"] as string | number | boolean;
  if (typeof decl["pattern"] === "string") p.pattern = decl["pattern"];
  if (Array.isArray(decl["values"])) p.values = decl["values"] as (string | number)[];
  if (typeof decl["minimum"] === "number") p.minimum = decl["minimum"];
  if (typeof decl["maximum"] === "number") p.maximum = decl["maximum"];
  return p;
}
