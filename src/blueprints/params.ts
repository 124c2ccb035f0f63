import type { FieldError } from "../domain/errors.js";
import type { BlueprintParameter, ParameterDeclaration, ParamValue } from "./model.js";
import { items, matchesPattern, resolveField, type ValueWording } from "./param-values.js";

export type { ParamValue };

/** Parameters Tenantry itself understands, whatever the blueprint declares. */
export const BUILTIN_PARAMETERS: readonly BlueprintParameter[] = [
  {
    name: "custom_plugin_repo",
    type: "string",
    required: false,
    description: "An https:// git repository cloned into CUSTOM_PLUGINS_PATH during every build",
  },
];

/**
 * Checks a tenant's `params` against the blueprint's declared parameters and fills in
 * defaults, at every level (objects' properties, arrays' items). Every problem is reported
 * at once, with a pointer under `/params`: `/params/cloud/region`, `/params/zones/2`.
 * A `null` is read as "not given", at the top level as in an object.
 */
export function resolveParams(
  declared: readonly BlueprintParameter[],
  given: Record<string, unknown>,
): { values: Record<string, ParamValue>; errors: FieldError[] } {
  const all = [...declared, ...BUILTIN_PARAMETERS.filter((b) => !declared.some((d) => d.name === b.name))];
  const byName = new Map(all.map((p) => [p.name, p]));
  const values: Record<string, ParamValue> = {};
  const errors: FieldError[] = [];
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) {
      const known = all.map((p) => p.name);
      errors.push({
        pointer: `/params/${name}`,
        message: `the blueprint declares no parameter "${name}"${known.length ? ` (it has: ${known.join(", ")})` : ""}`,
      });
    }
  }
  for (const p of all) {
    const raw = Object.hasOwn(given, p.name) ? given[p.name] : undefined;
    const at = { pointer: `/params/${p.name}`, path: p.name };
    const v = resolveField(p, raw, at, REQUEST_WORDING, errors);
    if (v !== undefined) values[p.name] = v;
  }
  return { values, errors };
}

/** The wording of problems with a tenant's params (an API caller's input). */
const REQUEST_WORDING: ValueWording = {
  scalar: (decl, value) => scalarProblem(decl, value) ?? undefined,
  notObject: (value) => `expected an object, got ${typeName(value)}`,
  notList: (value) => `expected a list, got ${typeName(value)}`,
  missing: (path) => `parameter "${path}" is required`,
  unknownField: (path, field, known) =>
    `parameter "${path}" has no field "${field}"${known.length ? ` (it has: ${known.join(", ")})` : ""}`,
  tooFew: (min, count) => `expected at least ${items(min)}, got ${count}`,
  tooMany: (max, count) => `expected at most ${items(max)}, got ${count}`,
};

function scalarProblem(p: ParameterDeclaration, value: unknown): string | null {
  switch (p.type) {
    case "string":
      if (typeof value !== "string") return `expected a string, got ${typeName(value)}`;
      if (p.pattern !== undefined && !matchesPattern(p.pattern, value)) return `must match ${p.pattern}`;
      return null;
    case "integer":
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value))
        return `expected a ${p.type}, got ${typeName(value)}`;
      if (p.type === "integer" && !Number.isInteger(value)) return "expected a whole number";
      if (p.minimum !== undefined && value < p.minimum) return `must be at least ${p.minimum}`;
      if (p.maximum !== undefined && value > p.maximum) return `must be at most ${p.maximum}`;
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : `expected true or false, got ${typeName(value)}`;
    case "enum":
      return (p.values ?? []).some((v) => v === value)
        ? null
        : `expected one of ${(p.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `unknown parameter type ${String(p.type)}`;
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
