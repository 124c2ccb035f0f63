/**
 * Tenantry's template syntax: `${{ ref }}` where `ref` is a dotted name such as
 * `tenant.slug`, `params.NAME` or `params.NAME.FIELD` (a field of an object parameter, at
 * any depth). Whitespace inside the braces is optional. There are no expressions, filters,
 * indexes or function calls: a template is a lookup, nothing more.
 */

import type { ParameterDeclaration } from "./model.js";
import { didYouMean } from "./suggest.js";

export interface TemplateRef {
  /** The reference, trimmed: `tenant.slug`, `params.region`, … */
  ref: string;
  /** Offsets of the whole `${{ … }}` in the string (end exclusive). */
  start: number;
  end: number;
}

export interface TemplateProblem {
  start: number;
  end: number;
  message: string;
}

const OPEN = "${{";
const CLOSE = "}}";
const REF = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** The fixed references every tenant provides; `params.NAME` comes from the blueprint's parameters. */
export const BUILTIN_REFERENCES = ["tenant.slug", "tenant.name", "tenant.id", "org.slug"] as const;

/** Scans `s` for templates; malformed ones are reported as problems, never guessed at. */
export function scanTemplates(s: string): { templates: TemplateRef[]; problems: TemplateProblem[] } {
  const templates: TemplateRef[] = [];
  const problems: TemplateProblem[] = [];
  let from = 0;
  for (;;) {
    const start = s.indexOf(OPEN, from);
    if (start < 0) break;
    const close = s.indexOf(CLOSE, start + OPEN.length);
    if (close < 0) {
      problems.push({ start, end: s.length, message: `\`${OPEN}\` is not closed by \`${CLOSE}\`` });
      break;
    }
    const end = close + CLOSE.length;
    const inner = s.slice(start + OPEN.length, close);
    const ref = inner.trim();
    if (inner.includes("${{")) {
      problems.push({ start, end, message: "templates cannot be nested" });
    } else if (!REF.test(ref)) {
      problems.push({
        start,
        end,
        message: `\`${s.slice(start, end)}\` is not a template: write a reference such as \`\${{ tenant.slug }}\` or \`\${{ params.NAME }}\` (no expressions)`,
      });
    } else {
      templates.push({ ref, start, end });
    }
    from = end;
  }
  return { templates, problems };
}

/** The well-formed templates of `s`, in order. */
export function findTemplates(s: string): TemplateRef[] {
  return scanTemplates(s).templates;
}

/** Replaces each template of `s` by `resolve(ref)`; malformed text is left as written. */
export function replaceTemplates(s: string, resolve: (ref: string) => string): string {
  let out = "";
  let at = 0;
  for (const t of findTemplates(s)) {
    out += s.slice(at, t.start) + resolve(t.ref);
    at = t.end;
  }
  return out + s.slice(at);
}

/**
 * The declared parameters, as templates see them: each name's declaration, or undefined
 * when its declaration is faulty (then every path under it is accepted, so a reference
 * is not reported on top of the declaration's own errors).
 */
export type DeclaredParameters = ReadonlyMap<string, ParameterDeclaration | undefined>;

/** What a reference names, as far as validation knows. */
export interface ReferenceTarget {
  known: boolean;
  /** The declaration of the parameter or field named (absent for builtins and unchecked fields). */
  declaration?: ParameterDeclaration;
  /** Why a `params.NAME.FIELD` reference is unknown: `` `params.cloud` has no field `regoin` ``. */
  problem?: string;
}

/**
 * What `ref` names: a builtin (`tenant.slug`…), a declared parameter (`params.NAME`) or
 * one of an object parameter's fields (`params.NAME.FIELD…`). A field of an object with
 * `additionalProperties: true` that `properties` does not declare is known, unchecked.
 */
export function referenceTarget(ref: string, parameters: DeclaredParameters): ReferenceTarget {
  if ((BUILTIN_REFERENCES as readonly string[]).includes(ref)) return { known: true };
  const [root, name, ...fields] = ref.split(".");
  if (root !== "params" || name === undefined || !parameters.has(name)) return { known: false };
  let decl = parameters.get(name);
  let path = `params.${name}`;
  for (const field of fields) {
    if (decl === undefined) return { known: true };
    if (decl.type !== "object") {
      const what =
        decl.type === "array"
          ? "a list (its items cannot be referenced)"
          : `${/^[aeiou]/.test(decl.type) ? "an" : "a"} ${decl.type}`;
      return { known: false, problem: `\`${path}\` is ${what}, not an object` };
    }
    const properties = decl.properties ?? {};
    if (!Object.hasOwn(properties, field)) {
      if (decl.additionalProperties) return { known: true };
      const names = Object.keys(properties);
      const hint = didYouMean(field, names);
      return {
        known: false,
        problem: `\`${path}\` has no field \`${field}\`${hint || (names.length ? ` (it has ${names.map((n) => `\`${n}\``).join(", ")})` : "")}`,
      };
    }
    decl = properties[field];
    path = `${path}.${field}`;
  }
  return decl === undefined ? { known: true } : { known: true, declaration: decl };
}

/** Whether `ref` is a reference Tenantry can resolve, given the declared parameters. */
export function isKnownReference(ref: string, parameters: DeclaredParameters): boolean {
  return referenceTarget(ref, parameters).known;
}
