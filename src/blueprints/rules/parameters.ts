import type { BlueprintParameter, ParameterDeclaration, ParameterType } from "../model.js";
import { items, matchesPattern, resolveValue, type ValueWording } from "../param-values.js";
import { didYouMean } from "../suggest.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject, type PlainObject } from "./context.js";
import { bool, checkShape, int, listValues, obj, str, typeName } from "./shape.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPES = ["string", "integer", "number", "boolean", "enum", "object", "array"] as const;

/**
 * How deep declarations nest (a parameter is level 1, its properties or items level 2…).
 * Real blueprints use three or four; the bound keeps every walk over declarations and
 * values shallow whatever a hostile blueprint says.
 */
export const MAX_PARAMETER_DEPTH = 16;

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
    properties: { t: "any" },
    additionalProperties: bool,
    items: { t: "any" },
    minItems: int(0),
    maxItems: int(0),
  },
  ["type"],
);

/** Which keys apply to which types (`type`, `description`, `default`, `required`: all). */
const ONLY_FOR: Record<string, readonly ParameterType[]> = {
  pattern: ["string"],
  values: ["enum"],
  minimum: ["integer", "number"],
  maximum: ["integer", "number"],
  properties: ["object"],
  additionalProperties: ["object"],
  items: ["array"],
  minItems: ["array"],
  maxItems: ["array"],
};

/** What a declaration is: a top-level parameter, an object's property, an array's items. */
type Role = "parameter" | "property" | "items";

/** A parameter's or field's name: what a template's dotted reference can spell. */
function isName(name: string): boolean {
  return NAME.test(name) && name !== "__proto__";
}

/**
 * Checks `parameters:` (Tenantry extension): NAME → { type, description?, default?,
 * required?, pattern?, values?, minimum?, maximum?, properties?, additionalProperties?,
 * items?, minItems?, maxItems? }, objects' properties and arrays' items being declarations
 * themselves. Returns the declared names (even of faulty declarations, so templates naming
 * them are not reported twice), each name's declaration (undefined when faulty) and the
 * valid parameters.
 */
export function checkParameters(
  value: unknown,
  d: Diagnostics,
): {
  names: Set<string>;
  declared: Map<string, ParameterDeclaration | undefined>;
  parameters: BlueprintParameter[];
} {
  const names = new Set<string>();
  const declared = new Map<string, ParameterDeclaration | undefined>();
  const parameters: BlueprintParameter[] = [];
  if (value === undefined) return { names, declared, parameters };
  if (!isObject(value)) {
    d.error(
      "wrong-type",
      "/parameters",
      `must be a mapping of parameter names to declarations, not ${typeName(value)}`,
    );
    return { names, declared, parameters };
  }
  for (const [name, decl] of Object.entries(value)) {
    const at = joinPointer("/parameters", name);
    if (!isName(name)) {
      d.error(
        "bad-parameter-name",
        at,
        `\`${name}\` is not a parameter name: use letters, digits and \`_\`, not starting with a digit`,
        true,
      );
      continue;
    }
    names.add(name);
    const checked = checkDeclaration(decl, { at, path: name, role: "parameter", depth: 1 }, d);
    declared.set(name, checked);
    if (checked) parameters.push({ name, ...checked });
  }
  return { names, declared, parameters };
}

interface Place {
  /** JSON pointer of the declaration. */
  at: string;
  /** Its dotted path, for messages: `cloud.region`, `zones[]`. */
  path: string;
  role: Role;
  depth: number;
}

/** The typed declaration, or undefined when it (or one nested in it) has errors. */
function checkDeclaration(decl: unknown, place: Place, d: Diagnostics): ParameterDeclaration | undefined {
  const { at } = place;
  const before = d.errors.length;
  checkShape(decl, declaration, at, d);
  // Past a wrong key or value, the rest is still checked: every problem at once.
  if (!isObject(decl) || !(TYPES as readonly unknown[]).includes(decl["type"])) return undefined;
  const type = decl["type"] as ParameterType;
  for (const [key, types] of Object.entries(ONLY_FOR)) {
    if (key in decl && !types.includes(type)) {
      d.error(
        "unknown-key",
        joinPointer(at, key),
        `\`${key}\` applies to ${types.join("/")} parameters only, not ${type}`,
        true,
      );
    }
  }
  if (place.role === "items") {
    for (const key of ["required", "default"]) {
      if (key in decl) {
        d.error(
          "unknown-key",
          joinPointer(at, key),
          `\`${key}\` does not apply to an array's \`items\` (every item is given): set it on the array`,
          true,
        );
      }
    }
  }
  checkScalarKeys(decl, type, at, d);
  const nested = checkNested(decl, type, place, d);
  if (d.errors.length > before || nested === undefined) return undefined;
  const typed = toDeclaration(decl, type, nested);
  if ("default" in decl) {
    const problems: { pointer: string; message: string }[] = [];
    resolveValue(
      typed,
      decl["default"],
      { pointer: joinPointer(at, "default"), path: place.path },
      DEFAULT_WORDING,
      problems,
    );
    for (const p of problems) d.error("bad-default", p.pointer, p.message);
    if (problems.length > 0) return undefined;
    typed.default = decl["default"] as ParameterDeclaration["default"];
  }
  return typed;
}

/** `pattern`, `values`, `minimum`/`maximum`, `minItems`/`maxItems`. */
function checkScalarKeys(decl: PlainObject, type: ParameterType, at: string, d: Diagnostics): void {
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
    else if (Array.isArray(values) && values.length === 0) {
      d.error("bad-value", joinPointer(at, "values"), "must be a non-empty list of strings or numbers");
    } else if (Array.isArray(values)) {
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
  const minItems = decl["minItems"];
  const maxItems = decl["maxItems"];
  if (typeof minItems === "number" && typeof maxItems === "number" && minItems > maxItems) {
    d.error("out-of-range", joinPointer(at, "maxItems"), "must not be less than `minItems`");
  }
}

/** An object's properties or an array's items, checked; undefined when any is faulty. */
function checkNested(
  decl: PlainObject,
  type: ParameterType,
  place: Place,
  d: Diagnostics,
): { properties?: Record<string, ParameterDeclaration>; items?: ParameterDeclaration } | undefined {
  const { at, depth } = place;
  const tooDeep = (key: string) => {
    if (depth < MAX_PARAMETER_DEPTH) return false;
    d.error(
      "too-deep",
      joinPointer(at, key),
      `declarations nest at most ${MAX_PARAMETER_DEPTH} levels deep (a parameter's properties or items are one level down)`,
    );
    return true;
  };
  if (type === "object") {
    const props = decl["properties"];
    if (props === undefined) return { properties: {} };
    if (!isObject(props)) {
      d.error(
        "wrong-type",
        joinPointer(at, "properties"),
        `must be a mapping of field names to declarations, not ${typeName(props)}`,
      );
      return undefined;
    }
    if (tooDeep("properties")) return undefined;
    const properties: Record<string, ParameterDeclaration> = {};
    let ok = true;
    for (const [name, child] of Object.entries(props)) {
      const here = joinPointer(at, "properties", name);
      if (!isName(name)) {
        d.error(
          "bad-parameter-name",
          here,
          `\`${name}\` is not a field name: use letters, digits and \`_\`, not starting with a digit`,
          true,
        );
        ok = false;
        continue;
      }
      const checked = checkDeclaration(
        child,
        { at: here, path: `${place.path}.${name}`, role: "property", depth: depth + 1 },
        d,
      );
      if (checked) properties[name] = checked;
      else ok = false;
    }
    return ok ? { properties } : undefined;
  }
  if (type === "array") {
    if (!("items" in decl)) {
      d.error(
        "missing-key",
        at,
        "`items` is required for an array parameter (e.g. `items: { type: string }`)",
      );
      return undefined;
    }
    if (tooDeep("items")) return undefined;
    const checked = checkDeclaration(
      decl["items"],
      { at: joinPointer(at, "items"), path: `${place.path}[]`, role: "items", depth: depth + 1 },
      d,
    );
    return checked ? { items: checked } : undefined;
  }
  return {};
}

function toDeclaration(
  decl: PlainObject,
  type: ParameterType,
  nested: { properties?: Record<string, ParameterDeclaration>; items?: ParameterDeclaration },
): ParameterDeclaration {
  const p: ParameterDeclaration = { type, required: decl["required"] === true };
  if (typeof decl["description"] === "string") p.description = decl["description"];
  if (typeof decl["pattern"] === "string") p.pattern = decl["pattern"];
  if (Array.isArray(decl["values"])) p.values = decl["values"] as (string | number)[];
  if (typeof decl["minimum"] === "number") p.minimum = decl["minimum"];
  if (typeof decl["maximum"] === "number") p.maximum = decl["maximum"];
  if (type === "object") {
    p.properties = nested.properties ?? {};
    p.additionalProperties = decl["additionalProperties"] === true;
  }
  if (nested.items) p.items = nested.items;
  if (typeof decl["minItems"] === "number") p.minItems = decl["minItems"];
  if (typeof decl["maxItems"] === "number") p.maxItems = decl["maxItems"];
  return p;
}

/** The wording of problems with a blueprint's defaults (its author's input), as elsewhere in rules/. */
const DEFAULT_WORDING: ValueWording = {
  scalar: (decl, value) => defaultProblem(value, decl),
  notObject: (value) => `must be a mapping, not ${typeName(value)}`,
  notList: (value) => `must be a list, not ${typeName(value)}`,
  missing: (path) => `\`${path}\` is required: the default must give it`,
  unknownField: (path, field, known) =>
    `unknown field \`${field}\`: \`${path}\` ${known.length ? `declares ${listValues(known)}${didYouMean(field, known)}` : "declares no fields"}`,
  tooFew: (min, count) => `must have at least ${items(min)}, not ${count}`,
  tooMany: (max, count) => `must have at most ${items(max)}, not ${count}`,
};

/** Why `v` cannot be a value of the scalar declaration `decl`, or undefined when it can. */
export function defaultProblem(v: unknown, decl: ParameterDeclaration): string | undefined {
  switch (decl.type) {
    case "string": {
      if (typeof v !== "string") return `must be a string, not ${typeName(v)}`;
      const pattern = decl.pattern;
      if (pattern !== undefined && !matchesPattern(pattern, v))
        return `\`${v}\` does not match \`${pattern}\``;
      return undefined;
    }
    case "integer":
    case "number": {
      if (typeof v !== "number" || (decl.type === "integer" && !Number.isInteger(v))) {
        return `must be ${decl.type === "integer" ? "an integer" : "a number"}, not ${typeName(v)}`;
      }
      if (decl.minimum !== undefined && v < decl.minimum) return `must be at least ${decl.minimum}`;
      if (decl.maximum !== undefined && v > decl.maximum) return `must be at most ${decl.maximum}`;
      return undefined;
    }
    case "boolean":
      return typeof v === "boolean" ? undefined : `must be true or false, not ${typeName(v)}`;
    case "enum": {
      const values = decl.values ?? [];
      return values.some((x) => x === v)
        ? undefined
        : `${typeName(v)} is not one of ${values.map((x) => `\`${x}\``).join(", ")}`;
    }
    default:
      return undefined;
  }
}
