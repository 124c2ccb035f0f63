import type { FieldError } from "../domain/errors.js";
import type { BlueprintParameter } from "./model.js";

/** Parameters Tenantry itself understands, whatever the blueprint declares. */
export const BUILTIN_PARAMETERS: readonly BlueprintParameter[] = [
  {
    name: "custom_plugin_repo",
    type: "string",
    required: false,
    description: "An https:// git repository cloned into CUSTOM_PLUGINS_PATH during every build",
  },
];

export type ParamValue = string | number | boolean;

/**
 * Checks a tenant's `params` against the blueprint's declared parameters and fills in
 * defaults. Every problem is reported at once, with a pointer under `/params`.
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
    const raw = given[p.name];
    const pointer = `/params/${p.name}`;
    if (raw === undefined || raw === null) {
      if (p.default !== undefined) values[p.name] = p.default;
      else if (p.required) errors.push({ pointer, message: `parameter "${p.name}" is required` });
      continue;
    }
    const problem = checkValue(p, raw);
    if (problem) errors.push({ pointer, message: problem });
    else values[p.name] = raw as ParamValue;
  }
  return { values, errors };
}

function checkValue(p: BlueprintParameter, value: unknown): string | null {
  switch (p.type) {
    case "string":
      if (typeof value !== "string") return `expected a string, got ${typeName(value)}`;
      if (p.pattern !== undefined && !new RegExp(p.pattern).test(value)) return `must match ${p.pattern}`;
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
  return Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`;
}
