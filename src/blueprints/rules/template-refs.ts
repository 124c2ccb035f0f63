import { didYouMean } from "../suggest.js";
import { BUILTIN_REFERENCES, type DeclaredParameters, referenceTarget, scanTemplates } from "../templates.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject } from "./context.js";

/**
 * Checks the `${{ … }}` templates of every string value in the blueprint: each names a
 * builtin, a declared parameter or a declared field of one; an object or list parameter
 * is used as a whole value (the string is exactly the template), never inside a longer one.
 */
export function checkTemplates(doc: unknown, parameters: DeclaredParameters, d: Diagnostics): void {
  const known = [...BUILTIN_REFERENCES, ...[...parameters.keys()].map((p) => `params.${p}`)];
  const walk = (v: unknown, at: string) => {
    if (typeof v === "string") {
      const { templates, problems } = scanTemplates(v);
      for (const p of problems) d.error("bad-template", at, p.message);
      for (const t of templates) {
        const written: string = v.slice(t.start, t.end);
        const target = referenceTarget(t.ref, parameters);
        if (!target.known) {
          const undeclared = t.ref.startsWith("params.") ? ` (declare it under \`parameters:\`)` : "";
          const why = target.problem ? `: ${target.problem}` : "";
          const hint = why || (d.accepts("error") ? didYouMean(t.ref, known) : "") || undeclared;
          d.error(
            "unknown-template-reference",
            at,
            `unknown reference \`${t.ref}\` in \`${written}\`${hint}`,
          );
          continue;
        }
        const type = target.declaration?.type;
        if ((type === "object" || type === "array") && written !== v) {
          const what = type === "object" ? "an object" : "a list";
          const field = type === "object" ? ` or one of its fields (\`\${{ ${t.ref}.FIELD }}\`)` : "";
          d.error(
            "structured-template-in-string",
            at,
            `\`${t.ref}\` is ${what}: it cannot be part of a longer string; use the whole value (a string that is exactly \`${written}\`)${field}`,
          );
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, joinPointer(at, i));
      });
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        // A declaration's regular expression (`pattern: "^\${{"` would be no template).
        if (at.startsWith("/parameters/") && k === "pattern" && typeof x === "string") continue;
        walk(x, joinPointer(at, k));
      }
    }
  };
  walk(doc, "");
}
