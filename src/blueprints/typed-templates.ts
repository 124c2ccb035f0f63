import type { ParamValue } from "./model.js";
import { BUILTIN_REFERENCES, scanTemplates } from "./templates.js";
import { joinPointer } from "./yaml-source.js";

/**
 * Templates in typed values (JSON): where a string that is exactly one template takes the
 * referenced value as it is (an object, a list, a number…), so structured inputs such as
 * Terraform module variables can be filled from object parameters.
 */

/** What templates resolve against: the tenant, its organization and its resolved params. */
export interface TemplateScope {
  tenant: { id: string; slug: string; name: string };
  org: { slug: string };
  /** Resolved params (defaults filled in): `RenderResult.params` or `resolveParams().values`. */
  params: Readonly<Record<string, ParamValue>>;
}

/** A template that could not be resolved, at its JSON pointer into the rendered value. */
export interface TemplateValueProblem {
  pointer: string;
  message: string;
}

/**
 * The value `ref` names in `scope`: `tenant.id`, `tenant.slug`, `tenant.name`, `org.slug`,
 * `params.NAME` or a field of an object parameter at any depth (`params.cloud.region`);
 * undefined when there is none (an optional parameter not given, an unknown name).
 */
export function lookupReference(scope: TemplateScope, ref: string): ParamValue | undefined {
  if ((BUILTIN_REFERENCES as readonly string[]).includes(ref)) {
    const [root, field] = ref.split(".") as ["tenant" | "org", string];
    return (scope[root] as Record<string, string>)[field];
  }
  const [root, ...path] = ref.split(".");
  if (root !== "params" || path.length === 0) return undefined;
  let node: unknown = scope.params;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node as ParamValue | undefined;
}

/**
 * Resolves the templates of every string in `value` (objects' values, lists' items, at any
 * depth; keys are kept as written). A string that is exactly one template (`"${{ params.cloud }}"`,
 * no spaces around it) becomes the referenced value with its type: an object, a list, a
 * number, a boolean. Other strings interpolate: each template becomes the referenced
 * scalar as text (`"${{ tenant.slug }}-logs"` → `"acme-logs"`).
 *
 * Every problem is reported, at its pointer, and the string is left as written: a
 * malformed template, a reference `resolve` answers undefined for, an object or list
 * inside a longer string. `resolve` is usually `(ref) => lookupReference(scope, ref)`.
 * The input is not modified; referenced values are copied.
 */
export function renderTypedValue(
  value: unknown,
  resolve: (ref: string) => unknown,
): { value: unknown; problems: TemplateValueProblem[] } {
  const problems: TemplateValueProblem[] = [];
  const walk = (v: unknown, pointer: string): unknown => {
    if (typeof v === "string") return renderString(v, pointer, resolve, problems);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, joinPointer(pointer, i)));
    if (typeof v === "object" && v !== null) {
      // fromEntries defines own properties: a `__proto__` key stays a key.
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, joinPointer(pointer, k))]));
    }
    return v;
  };
  return { value: walk(value, ""), problems };
}

function renderString(
  s: string,
  pointer: string,
  resolve: (ref: string) => unknown,
  problems: TemplateValueProblem[],
): unknown {
  const { templates, problems: malformed } = scanTemplates(s);
  for (const p of malformed) problems.push({ pointer, message: p.message });
  const only = templates[0];
  if (templates.length === 1 && malformed.length === 0 && only?.start === 0 && only.end === s.length) {
    const v = resolve(only.ref);
    if (v !== undefined) return structuredClone(v);
    problems.push({ pointer, message: `nothing to resolve \`${s}\` to: \`${only.ref}\` has no value` });
    return s;
  }
  let out = "";
  let at = 0;
  for (const t of templates) {
    const written = s.slice(t.start, t.end);
    const v = resolve(t.ref);
    out += s.slice(at, t.start);
    at = t.end;
    if (v === undefined) {
      problems.push({ pointer, message: `nothing to resolve \`${written}\` to: \`${t.ref}\` has no value` });
      out += written;
    } else if (typeof v === "object" && v !== null) {
      problems.push({
        pointer,
        message: `\`${t.ref}\` is ${Array.isArray(v) ? "a list" : "an object"}: it cannot be part of a longer string; use the whole value (a string that is exactly \`${written}\`)`,
      });
      out += written;
    } else {
      out += String(v);
    }
  }
  return out + s.slice(at);
}
