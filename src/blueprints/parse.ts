import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { type FieldError, TenantryError } from "../domain/errors.js";

/**
 * The subset of Render's blueprint format the core understands: `databases` and the
 * names and types of `services`. The full format (validation against Render's schema,
 * env vars, parameters, templating) builds on this.
 */
export interface BlueprintDatabase {
  name: string;
  databaseName?: string;
  user?: string;
  plan?: string;
  postgresMajorVersion?: string;
}

export interface BlueprintService {
  name: string;
  type: string;
}

export interface ParsedBlueprint {
  databases: BlueprintDatabase[];
  services: BlueprintService[];
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;

/** Line and column of the node at `path`, or of its nearest ancestor when it is missing. */
function locate(
  doc: Document,
  lines: LineCounter,
  path: (string | number)[],
): { line?: number; column?: number } {
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) continue;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
  return {};
}

/** Parses YAML 1.2 blueprint source; every problem is reported at once with its line and column. */
export function parseBlueprint(source: string): ParsedBlueprint {
  const lines = new LineCounter();
  const doc = parseDocument(source, { version: "1.2", lineCounter: lines, prettyErrors: false });
  const errors: FieldError[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    errors.push({
      pointer: "",
      message: e.message.split("\n")[0] ?? e.message,
      line: pos?.line,
      column: pos?.col,
    });
  }
  if (errors.length > 0) throw invalid(errors);
  if (!isMap(doc.contents)) {
    throw invalid([
      { pointer: "", message: "a blueprint is a YAML mapping with `services` and/or `databases`" },
    ]);
  }
  const add = (path: (string | number)[], message: string) =>
    errors.push({ pointer: `/${path.join("/")}`, message, ...locate(doc, lines, path) });

  const result: ParsedBlueprint = { databases: [], services: [] };
  const seen = new Set<string>();
  for (const section of ["databases", "services"] as const) {
    const node = doc.get(section, true);
    if (node === undefined || node === null) continue;
    if (!isSeq(node)) {
      add([section], `\`${section}\` must be a list`);
      continue;
    }
    const items = doc.toJS()[section] as unknown[];
    items.forEach((item, i) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        add([section, i], "must be a mapping");
        return;
      }
      const entry = item as Record<string, unknown>;
      const name = entry["name"];
      if (typeof name !== "string" || !NAME.test(name)) {
        add([section, i, "name"], "a name of letters, digits, `-` and `_` (at most 63) is required");
        return;
      }
      const key = `${section}:${name}`;
      if (seen.has(key)) add([section, i, "name"], `duplicate name "${name}"`);
      seen.add(key);
      if (section === "databases") {
        const db: BlueprintDatabase = { name };
        for (const field of ["databaseName", "user", "plan", "postgresMajorVersion"] as const) {
          const v = entry[field];
          if (v === undefined) continue;
          if (typeof v !== "string" && typeof v !== "number") add([section, i, field], "must be a string");
          else db[field] = String(v);
        }
        result.databases.push(db);
      } else {
        const type = entry["type"];
        if (typeof type !== "string") add([section, i, "type"], "a service `type` is required");
        else result.services.push({ name, type });
      }
    });
  }
  if (errors.length > 0) throw invalid(errors);
  return result;
}

function invalid(errors: FieldError[]): TenantryError {
  const first = errors[0];
  const where = first?.line ? ` (line ${first.line}, column ${first.column})` : "";
  return new TenantryError("BLUEPRINT_INVALID", `${first?.message ?? "invalid blueprint"}${where}`, {
    errors: errors.map((e) => ({ ...e, pointer: `/blueprint${e.pointer}` })),
  });
}
