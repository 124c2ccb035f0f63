import { didYouMean } from "../suggest.js";
import { BUILTIN_REFERENCES, isKnownReference, scanTemplates } from "../templates.js";
import { joinPointer } from "../yaml-source.js";
import { type Diagnostics, isObject } from "./context.js";

/** Checks the `${{ … }}` templates of every string value in the blueprint. */
export function checkTemplates(doc: unknown, parameters: ReadonlySet<string>, d: Diagnostics): void {
  const known = [...BUILTIN_REFERENCES, ...[...parameters].map((p) => `params.${p}`)];
  const walk = (v: unknown, at: string) => {
    if (typeof v === "string") {
      const { templates, problems } = scanTemplates(v);
      for (const p of problems) d.error("bad-template", at, p.message);
      for (const t of templates) {
        if (isKnownReference(t.ref, parameters)) continue;
        const undeclared = t.ref.startsWith("params.") ? ` (declare it under \`parameters:\`)` : "";
        const hint = didYouMean(t.ref, known) || undeclared;
        d.error(
          "unknown-template-reference",
          at,
          `unknown reference \`${t.ref}\` in \`${v.slice(t.start, t.end)}\`${hint}`,
        );
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, joinPointer(at, i));
      });
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (at.startsWith("/parameters/") && k === "pattern") continue;
        walk(x, joinPointer(at, k));
      }
    }
  };
  walk(doc, "");
}
