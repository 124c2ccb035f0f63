import { type JNode, type Range, rangeInString } from "./json-source.js";
import { type Diagnostic, DiagnosticsError } from "./ui.js";

/**
 * The expression language the fake understands inside Terraform JSON strings: `${…}`
 * holding a reference (`var.x`, `local.x`, `module.m.o`, `<type>.<name>.<attr>`, with
 * `.attr`, `[0]`, `["key"]` steps) or a literal; strings mixing text and `${…}` (a
 * template, always a string); `$${` for a literal `${`. A string that is exactly one
 * `${…}` keeps the referenced value's type, as in Terraform. Values are JSON values, with
 * `UNKNOWN` standing for "known after apply".
 */

export class Unknown {
  readonly unknown = true;
}
export const UNKNOWN = new Unknown();

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | Unknown;

export type Step = { kind: "attr"; name: string } | { kind: "index"; key: string | number };

export interface Traversal {
  root: string;
  steps: Step[];
  /** The whole traversal's range, and each step's, in the file. */
  range: Range;
  stepRanges: Range[];
}

type Part =
  | { kind: "text"; text: string }
  | { kind: "ref"; ref: Traversal }
  | { kind: "literal"; value: Value };

export interface Template {
  parts: Part[];
  /** A string that is exactly one `${…}`: its value keeps its type. */
  whole: boolean;
}

const cache = new WeakMap<JNode, Template>();

export function parseTemplate(node: JNode & { kind: "string" }, context: string | null): Template {
  const hit = cache.get(node);
  if (hit) return hit;
  const s = node.value;
  const parts: Part[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
      text += s.slice(i + 1, i + 3);
      i += 3;
      continue;
    }
    if (s.startsWith("%{", i)) {
      throw new DiagnosticsError([
        unsupported(node, i, 2, context, "Template directives (%{…}) are not implemented by the fake."),
      ]);
    }
    if (s.startsWith("${", i)) {
      const close = s.indexOf("}", i + 2);
      if (close < 0) {
        throw new DiagnosticsError([
          {
            severity: "error",
            summary: "Unterminated template string",
            detail: "No closing marker was found for the string.",
            range: rangeInString(node, i, 2),
            context,
          },
        ]);
      }
      if (text) parts.push({ kind: "text", text });
      text = "";
      const inner = s.slice(i + 2, close);
      const lead = inner.length - inner.trimStart().length;
      parts.push(parseInner(node, inner.trim(), i + 2 + lead, context));
      i = close + 1;
      continue;
    }
    text += s[i];
    i++;
  }
  if (text) parts.push({ kind: "text", text });
  const whole = parts.length === 1 && parts[0]!.kind !== "text";
  const t = { parts, whole };
  cache.set(node, t);
  return t;
}

function unsupported(
  node: JNode & { kind: "string" },
  at: number,
  len: number,
  context: string | null,
  why: string,
) {
  return {
    severity: "error" as const,
    summary: "Expression not supported by the fake",
    detail: `${why} Inside \${…} the fake understands references (var.x, local.x, module.m.o, <type>.<name>.<attr>, with [N] and ["key"]) and literals; use the real CLI for functions and operators (docs/fake-tofu.md).`,
    range: rangeInString(node, at, len),
    context,
  };
}

function parseInner(
  node: JNode & { kind: "string" },
  src: string,
  offset: number,
  context: string | null,
): Part {
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(src)) return { kind: "literal", value: Number(src) };
  if (src === "true" || src === "false") return { kind: "literal", value: src === "true" };
  if (src === "null") return { kind: "literal", value: null };
  if (/^"([^"\\]|\\.)*"$/.test(src)) return { kind: "literal", value: JSON.parse(src) as string };
  const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src);
  if (!m)
    throw new DiagnosticsError([
      unsupported(node, offset, Math.max(1, src.length), context, `"${src}" is not a reference.`),
    ]);
  const root = m[0];
  const steps: Step[] = [];
  const stepRanges: Range[] = [];
  let j = root.length;
  while (j < src.length) {
    const rest = src.slice(j);
    const attr = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest);
    const index = /^\.([0-9]+)/.exec(rest) ?? /^\[\s*([0-9]+)\s*\]/.exec(rest);
    const key = /^\[\s*("(?:[^"\\]|\\.)*")\s*\]/.exec(rest);
    const sm = attr ?? index ?? key;
    if (attr) {
      steps.push({ kind: "attr", name: attr[1]! });
    } else if (index) {
      steps.push({ kind: "index", key: Number(index[1]) });
    } else if (key) {
      steps.push({ kind: "index", key: JSON.parse(key[1]!) as string });
    } else {
      throw new DiagnosticsError([
        unsupported(
          node,
          offset + j,
          rest.length,
          context,
          `Only references and literals are implemented; "${src}" is more.`,
        ),
      ]);
    }
    stepRanges.push(rangeInString(node, offset + j, sm![0].length));
    j += sm![0].length;
  }
  return { kind: "ref", ref: { root, steps, range: rangeInString(node, offset, src.length), stepRanges } };
}

/** Every traversal in a JSON value (strings inside objects and arrays). */
export function traversals(node: JNode | undefined, context: string | null): Traversal[] {
  if (!node) return [];
  switch (node.kind) {
    case "string":
      return parseTemplate(node, context).parts.flatMap((p) => (p.kind === "ref" ? [p.ref] : []));
    case "object":
      return node.props.flatMap((p) => traversals(p.value, context));
    case "array":
      return node.items.flatMap((i) => traversals(i, context));
    default:
      return [];
  }
}

/** Evaluates a JSON value; `resolve` answers each reference. */
export function evaluate(node: JNode, resolve: (t: Traversal) => Value, context: string | null): Value {
  switch (node.kind) {
    case "object": {
      const out: Record<string, Value> = {};
      for (const p of node.props) if (p.key !== "//") out[p.key] = evaluate(p.value, resolve, context);
      return out;
    }
    case "array":
      return node.items.map((i) => evaluate(i, resolve, context));
    case "string": {
      const t = parseTemplate(node, context);
      if (t.whole) {
        const p = t.parts[0]!;
        return p.kind === "ref" ? resolve(p.ref) : p.kind === "literal" ? p.value : p.text;
      }
      let out = "";
      for (const p of t.parts) {
        const v = p.kind === "text" ? p.text : p.kind === "literal" ? p.value : resolve(p.ref);
        if (v instanceof Unknown) return UNKNOWN;
        if (v === null) {
          throw new DiagnosticsError([
            interpolationError(
              node,
              p,
              context,
              "The expression result is null. Cannot include a null value in a string template.",
            ),
          ]);
        }
        if (typeof v === "object") {
          throw new DiagnosticsError([
            interpolationError(
              node,
              p,
              context,
              "Cannot include the given value in a string template: string required.",
            ),
          ]);
        }
        out += String(v);
      }
      return out;
    }
    default:
      return node.value;
  }
}

function interpolationError(node: JNode, p: Part, context: string | null, detail: string): Diagnostic {
  return {
    severity: "error",
    summary: "Invalid template interpolation value",
    detail,
    range: p.kind === "ref" ? p.ref.range : node.range,
    context,
  };
}

/** Steps into a value; unknown stays unknown. Throws a diagnostic for a missing attribute. */
export function step(v: Value, s: Step, range: Range, context: string | null, describe: string): Value {
  if (v instanceof Unknown) return UNKNOWN;
  const key = s.kind === "attr" ? s.name : s.key;
  if (Array.isArray(v)) {
    if (typeof key === "number" && key < v.length) return v[key]!;
    throw new DiagnosticsError([
      {
        severity: "error",
        summary: "Invalid index",
        detail: `The given key does not identify an element in this collection value.`,
        range,
        context,
      },
    ]);
  }
  if (v !== null && typeof v === "object" && Object.hasOwn(v, String(key)))
    return (v as Record<string, Value>)[String(key)]!;
  throw new DiagnosticsError([
    {
      severity: "error",
      summary: s.kind === "attr" ? "Unsupported attribute" : "Invalid index",
      detail:
        s.kind === "attr"
          ? `This object does not have an attribute named "${key}".`
          : "The given key does not identify an element in this collection value.",
      range,
      context,
      values: [{ traversal: describe, statement: v === null ? "is null" : "is a object" }],
    },
  ]);
}

export function hasUnknown(v: Value): boolean {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a instanceof Unknown || b instanceof Unknown) return false;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: Value): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, Value>)[k]!)]),
    );
  }
  return v;
}

/**
 * The cty type of a value as Terraform writes it in state and `outputs`: JSON arrays are
 * tuples and objects are objects (a variable's declared `list(…)`/`map(…)` is kept by
 * `convert`).
 */
export type CtyType = string | [string, unknown];

export function typeOf(v: Value): CtyType {
  if (v === null) return "dynamic";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (v instanceof Unknown) return "dynamic";
  if (Array.isArray(v)) return ["tuple", v.map(typeOf)];
  return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOf(x)]))];
}

/** Loose conversion to a variable's declared type (`string`, `number`, `bool`, `list(…)`, `map(…)`, `any`…). */
export function convert(v: Value, type: string | undefined): Value {
  if (!type || v === null || v instanceof Unknown) return v;
  const t = type.replace(/\s+/g, "");
  if (t === "string" && (typeof v === "number" || typeof v === "boolean")) return String(v);
  if (t === "number" && typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
  if (t === "bool" && (v === "true" || v === "false")) return v === "true";
  const inner = /^(list|set|map)\((.*)\)$/.exec(t)?.[2];
  if (inner && Array.isArray(v)) return v.map((x) => convert(x, inner));
  if (inner && typeof v === "object" && !Array.isArray(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, inner)]));
  return v;
}

/** Whether a value fits a declared type, loosely (primitives and the collection kind). */
export function fitsType(v: Value, type: string | undefined): boolean {
  if (!type || v === null || v instanceof Unknown) return true;
  const t = type.replace(/\s+/g, "");
  if (t === "any") return true;
  if (t === "string") return typeof v === "string";
  if (t === "number") return typeof v === "number";
  if (t === "bool") return typeof v === "boolean";
  if (/^(list|set|tuple)\(/.test(t) || t.startsWith("tuple(")) return Array.isArray(v);
  if (/^(map|object)\(/.test(t)) return typeof v === "object" && !Array.isArray(v);
  return true;
}

/** The declared type as cty writes it, when the value was converted to it. */
export function declaredType(v: Value, type: string | undefined): CtyType {
  const t = type?.replace(/\s+/g, "");
  const m = t ? /^(list|set|map)\((string|number|bool)\)$/.exec(t) : null;
  if (m) return [m[1]!, m[2]!];
  return typeOf(v);
}

export function traversalText(t: Traversal, upTo = t.steps.length): string {
  let s = t.root;
  for (const st of t.steps.slice(0, upTo))
    s += st.kind === "attr" ? `.${st.name}` : `[${JSON.stringify(st.key)}]`;
  return s;
}
