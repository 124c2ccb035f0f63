/**
 * Tenantry's template syntax: `${{ ref }}` where `ref` is a dotted name such as
 * `tenant.slug` or `params.NAME`. Whitespace inside the braces is optional. There are no
 * expressions, filters or function calls: a template is a lookup, nothing more.
 */

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

/** Whether `ref` is a reference Tenantry can resolve, given the declared parameter names. */
export function isKnownReference(ref: string, parameters: ReadonlySet<string>): boolean {
  if ((BUILTIN_REFERENCES as readonly string[]).includes(ref)) return true;
  const m = /^params\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(ref);
  return m !== null && parameters.has(m[1] ?? "");
}
