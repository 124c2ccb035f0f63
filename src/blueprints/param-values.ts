import type { ParameterDeclaration, ParamValue } from "./model.js";
import { joinPointer } from "./yaml-source.js";

/**
 * Checking a value against a parameter declaration, at every level: a tenant's params
 * (src/blueprints/params.ts) and a blueprint's defaults (src/blueprints/rules/parameters.ts)
 * go through the same walk, each with its own wording.
 */

/** How problems are worded: tenants' params and blueprint defaults each have their style. */
export interface ValueWording {
  /** Why `value` is not a value of the scalar declaration `decl`, or undefined when it is. */
  scalar(decl: ParameterDeclaration, value: unknown): string | undefined;
  notObject(value: unknown): string;
  notList(value: unknown): string;
  /** `path`: the field's dotted path from the parameter, `cloud.role_arn`, `zones[0].name`. */
  missing(path: string): string;
  /** A field the object at `path` does not declare (`known` are those it does). */
  unknownField(path: string, field: string, known: readonly string[]): string;
  tooFew(minItems: number, count: number): string;
  tooMany(maxItems: number, count: number): string;
}

export interface ValueProblem {
  /** JSON pointer to the faulty value (or to the object missing a field, plus the field). */
  pointer: string;
  message: string;
}

/** Where a walk is: the JSON pointer, and the dotted path shown in messages. */
export interface ValuePosition {
  pointer: string;
  path: string;
}

/**
 * Checks `value` against `decl` and fills in defaults: an object's missing (or `null`)
 * property takes its default, itself resolved the same way (so an object default gets the
 * defaults of the fields it leaves out). Every problem is appended to `problems`; the
 * result is undefined when there was any. Fields kept by `additionalProperties: true` are
 * kept as given; nothing else is copied from `value` unchecked.
 */
export function resolveValue(
  decl: ParameterDeclaration,
  value: unknown,
  at: ValuePosition,
  wording: ValueWording,
  problems: ValueProblem[],
): ParamValue | undefined {
  switch (decl.type) {
    case "object":
      return resolveObject(decl, value, at, wording, problems);
    case "array":
      return resolveArray(decl, value, at, wording, problems);
    default: {
      const problem = wording.scalar(decl, value);
      if (problem === undefined) return value as ParamValue;
      problems.push({ pointer: at.pointer, message: problem });
      return undefined;
    }
  }
}

/** The value of a field that may be missing: its default (resolved), or a problem when required. */
export function resolveField(
  decl: ParameterDeclaration,
  given: unknown,
  at: ValuePosition,
  wording: ValueWording,
  problems: ValueProblem[],
): ParamValue | undefined {
  if (given !== undefined && given !== null) return resolveValue(decl, given, at, wording, problems);
  if (decl.default !== undefined) return resolveValue(decl, decl.default, at, wording, problems);
  if (decl.required) problems.push({ pointer: at.pointer, message: wording.missing(at.path) });
  return undefined;
}

function resolveObject(
  decl: ParameterDeclaration,
  value: unknown,
  at: ValuePosition,
  wording: ValueWording,
  problems: ValueProblem[],
): ParamValue | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push({ pointer: at.pointer, message: wording.notObject(value) });
    return undefined;
  }
  const given = value as Record<string, unknown>;
  const properties = decl.properties ?? {};
  const known = Object.keys(properties);
  const before = problems.length;
  const out: Record<string, ParamValue> = {};
  for (const field of Object.keys(given)) {
    if (Object.hasOwn(properties, field)) continue;
    if (decl.additionalProperties) {
      // As given, `__proto__` included (JSON.parse makes it an own key): an own property.
      Object.defineProperty(out, field, {
        value: given[field],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      problems.push({
        pointer: joinPointer(at.pointer, field),
        message: wording.unknownField(at.path, field, known),
      });
    }
  }
  for (const [field, child] of Object.entries(properties)) {
    const here = { pointer: joinPointer(at.pointer, field), path: `${at.path}.${field}` };
    const v = resolveField(
      child,
      Object.hasOwn(given, field) ? given[field] : undefined,
      here,
      wording,
      problems,
    );
    if (v !== undefined) out[field] = v;
  }
  return problems.length > before ? undefined : out;
}

function resolveArray(
  decl: ParameterDeclaration,
  value: unknown,
  at: ValuePosition,
  wording: ValueWording,
  problems: ValueProblem[],
): ParamValue | undefined {
  if (!Array.isArray(value)) {
    problems.push({ pointer: at.pointer, message: wording.notList(value) });
    return undefined;
  }
  const before = problems.length;
  if (decl.minItems !== undefined && value.length < decl.minItems) {
    problems.push({ pointer: at.pointer, message: wording.tooFew(decl.minItems, value.length) });
  }
  if (decl.maxItems !== undefined && value.length > decl.maxItems) {
    problems.push({ pointer: at.pointer, message: wording.tooMany(decl.maxItems, value.length) });
  }
  const items = decl.items;
  if (!items) return problems.length > before ? undefined : (value as ParamValue[]);
  const out = value.map((item, i) =>
    resolveValue(
      items,
      item,
      { pointer: joinPointer(at.pointer, i), path: `${at.path}[${i}]` },
      wording,
      problems,
    ),
  );
  return problems.length > before ? undefined : (out as ParamValue[]);
}

const compiled = new Map<string, RegExp>();
// Patterns come from blueprints, a handful each; past this many the cache starts over.
const PATTERN_CACHE_SIZE = 1000;

/** Whether `value` matches `pattern` (compiled once, with the `u` flag validation checked it with). */
export function matchesPattern(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern, "u");
    if (compiled.size >= PATTERN_CACHE_SIZE) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** `1 item`, `3 items`. */
export function items(n: number): string {
  return `${n} item${n === 1 ? "" : "s"}`;
}
