import { didYouMean } from "../suggest.js";
import { findTemplates } from "../templates.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject } from "./context.js";

/**
 * A small declarative description of a YAML value, checked by `checkShape`. It covers what
 * Render's render.yaml schema expresses (types, enums, bounds, required and closed keys)
 * with messages meant for people; rules that need the whole blueprint live in code.
 */
export type Shape = (
  | {
      t: "string";
      enum?: readonly string[];
      /** Render accepts the enum in any case (`Starter`): read as the canonical value, with a warning. */
      foldCase?: boolean;
    }
  | { t: "integer"; min?: number; max?: number }
  | { t: "boolean" }
  | { t: "stringOrNumber" }
  | { t: "list"; of: Shape; nullMeansEmpty?: boolean }
  | {
      t: "object";
      props: Record<string, Shape>;
      required?: readonly string[];
      /** Render does not close this object: unknown keys are warnings, not errors. */
      open?: boolean;
      /** Deprecated spellings accepted for a key: `{ env: { to: "runtime", code: "deprecated-env" } }`. */
      aliases?: Record<string, { to: string; code: string }>;
      /**
       * Keys Render accepts (and documents) that its published JSON Schema does not list yet:
       * accepted with a `schema-lag` warning, checked against their shape, kept as written.
       */
      lagging?: Record<string, Shape>;
    }
  | { t: "any" }
) & { deprecated?: string; missingHint?: string };

export const str = (values?: readonly string[]): Shape =>
  values ? { t: "string", enum: values } : { t: "string" };
export const int = (min?: number, max?: number): Shape => ({ t: "integer", min, max });
export const bool: Shape = { t: "boolean" };
export const list = (of: Shape): Shape => ({ t: "list", of });
export const obj = (
  props: Record<string, Shape>,
  required: readonly string[] = [],
  extra: {
    open?: boolean;
    aliases?: Record<string, { to: string; code: string }>;
    lagging?: Record<string, Shape>;
  } = {},
): Shape => ({ t: "object", props, required, ...extra });

/** The enum value `value` stands for when case and spacing are ignored (`Pro  Plus` → `pro plus`). */
export function foldedEnumValue(value: string, values: readonly string[]): string | undefined {
  const folded = value.trim().replace(/\s+/g, " ").toLowerCase();
  return values.find((v) => v.toLowerCase() === folded);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** `a`, `b`, `c` — the first ten values of a long list, then how many there are. */
export function listValues(values: readonly string[]): string {
  const shown = values.slice(0, 10).map((e) => `\`${e}\``);
  return values.length > 10 ? `${shown.join(", ")}… (${values.length} values)` : shown.join(", ");
}

/** Checks `value` against `shape`, reporting every mismatch at its pointer. */
export function checkShape(value: unknown, shape: Shape, pointer: string, d: Diagnostics): void {
  switch (shape.t) {
    case "any":
      return;
    case "string":
      if (typeof value !== "string") {
        d.error("wrong-type", pointer, `must be a string, not ${typeName(value)}`);
      } else if (shape.enum && !shape.enum.includes(value) && findTemplates(value).length === 0) {
        // A templated value (`plan: ${{ params.size }}`) is checked once it is rendered.
        const canonical = shape.foldCase ? foldedEnumValue(value, shape.enum) : undefined;
        if (canonical !== undefined) {
          d.warn(
            "enum-case",
            pointer,
            `\`${value}\` is spelled \`${canonical}\` in Render's schema (Render accepts either): read as \`${canonical}\``,
          );
          d.normalise(pointer, canonical);
          return;
        }
        d.error(
          "bad-value",
          pointer,
          `\`${value}\` is not one of ${listValues(shape.enum)}${didYouMean(value, shape.enum)}`,
        );
      }
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        d.error("wrong-type", pointer, `must be an integer, not ${typeName(value)}`);
      } else if (shape.min !== undefined && value < shape.min) {
        d.error("out-of-range", pointer, `must be at least ${shape.min}`);
      } else if (shape.max !== undefined && value > shape.max) {
        d.error("out-of-range", pointer, `must be at most ${shape.max}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean")
        d.error("wrong-type", pointer, `must be true or false, not ${typeName(value)}`);
      return;
    case "stringOrNumber":
      if (typeof value !== "string" && typeof value !== "number") {
        d.error("wrong-type", pointer, `must be a string or a number, not ${typeName(value)}`);
      }
      return;
    case "list":
      if (!Array.isArray(value)) {
        if ((value === null || value === undefined) && shape.nullMeansEmpty) {
          d.warn("empty-list", pointer, "is empty (null): read as an empty list `[]`", true);
          return;
        }
        d.error("wrong-type", pointer, `must be a list, not ${typeName(value)}`);
        return;
      }
      value.forEach((item, i) => {
        checkShape(item, shape.of, joinPointer(pointer, i), d);
      });
      return;
    case "object":
      checkObject(value, shape, pointer, d);
      return;
  }
}

function checkObject(
  value: unknown,
  shape: Extract<Shape, { t: "object" }>,
  pointer: string,
  d: Diagnostics,
): void {
  if (!isObject(value)) {
    d.error("wrong-type", pointer, `must be a mapping, not ${typeName(value)}`);
    return;
  }
  const aliases = shape.aliases ?? {};
  const known = Object.keys(shape.props);
  for (const [key, v] of Object.entries(value)) {
    const at = joinPointer(pointer, key);
    const alias = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    const prop = Object.hasOwn(shape.props, key)
      ? shape.props[key]
      : alias
        ? shape.props[alias.to]
        : undefined;
    if (alias) {
      if (alias.to in value) {
        d.error(
          "conflicting-keys",
          at,
          `\`${key}\` is the deprecated spelling of \`${alias.to}\`: keep only \`${alias.to}\``,
          true,
        );
        continue;
      }
      d.warn(alias.code, at, `\`${key}\` is deprecated: write \`${alias.to}: ${String(v)}\``, true);
    }
    const lag = !prop && shape.lagging && Object.hasOwn(shape.lagging, key) ? shape.lagging[key] : undefined;
    if (lag) {
      d.warn(
        "schema-lag",
        at,
        `\`${key}\` is accepted by Render but not yet in its published schema: kept as written`,
        true,
      );
      checkShape(v, lag, at, d);
      continue;
    }
    if (!prop) {
      // A suggestion costs an edit distance per known key: none for what is only counted.
      const located = d.accepts(shape.open ? "warning" : "error");
      const message = `unknown key \`${key}\`${located ? didYouMean(key, known) : ""}`;
      if (shape.open) d.warn("unknown-key", at, message, true);
      else d.error("unknown-key", at, message, true);
      continue;
    }
    if (prop.deprecated) d.warn("deprecated-key", at, `\`${key}\` is deprecated: ${prop.deprecated}`, true);
    checkShape(v, prop, at, d);
  }
  for (const key of shape.required ?? []) {
    if (key in value) continue;
    if (Object.entries(aliases).some(([from, a]) => a.to === key && from in value)) continue;
    const hint = shape.props[key]?.missingHint;
    d.error("missing-key", joinPointer(pointer, key), `\`${key}\` is required${hint ? ` (${hint})` : ""}`);
  }
}
