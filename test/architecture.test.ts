import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Architecture rules: which parts of `src/` may use which, where SQL lives, and what ends
 * operations. Each rule covers some files and says what is wrong in one; a failing rule
 * names every offending file (with the line). To add a rule, add an entry to RULES
 * (`noImports(...)` for a part that must not import another).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface SourceFile {
  /** Relative to the repository, with `/`: `src/http/server.ts`. */
  path: string;
  text: string;
}

interface Rule {
  name: string;
  /** Whether the rule covers the file. */
  covers: (file: string) => boolean;
  /** What is wrong in the file, one line each (`path:line: what`); empty when nothing. */
  check: (file: SourceFile) => string[];
}

function sourceFiles(dir = "src"): SourceFile[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(rel);
    return entry.name.endsWith(".ts")
      ? [{ path: rel, text: readFileSync(path.join(ROOT, rel), "utf8") }]
      : [];
  });
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

const under =
  (...dirs: string[]) =>
  (file: string) =>
    dirs.some((d) => file.startsWith(`${d}/`));

/**
 * The modules a file imports or re-exports (`import … from`, `export … from`, `import "…"`,
 * `import("…")`, type-only imports too), resolved to repository paths (`src/store/db.ts`);
 * packages as they are written (`pg`).
 */
function importsOf(file: SourceFile): { module: string; line: number }[] {
  const out: { module: string; line: number }[] = [];
  for (const m of file.text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)) {
    const spec = m[1] ?? "";
    const module = spec.startsWith(".")
      ? path.posix.join(path.posix.dirname(file.path), spec).replace(/\.js$/, ".ts")
      : spec;
    out.push({ module, line: lineOf(file.text, m.index) });
  }
  return out;
}

/** Files under one of `dirs` must not import anything under one of `forbidden`. */
function noImports(name: string, dirs: string[], forbidden: string[]): Rule {
  return {
    name,
    covers: under(...dirs),
    check: (file) =>
      importsOf(file)
        .filter((i) => forbidden.some((f) => i.module.startsWith(`${f}/`)))
        .map((i) => `${file.path}:${i.line}: imports ${i.module}`),
  };
}

/**
 * SQL sent to Tenantry's database, found pragmatically: a `.query(` (generic type
 * arguments allowed) whose first argument is a string literal starting with an SQL
 * keyword. SQL built in a variable and passed in is not seen; neither is SQL of the
 * providers, which talk to their own platforms (the local target's PostgreSQL server).
 */
const SQL_AT_QUERY =
  /\.query\s*(?:<[^()]*?>)?\s*\(\s*[`'"]\s*(select|insert|update|delete|with|listen|unlisten|notify|create|alter|drop|truncate|begin|commit|rollback|lock|set|show)\b/gi;

function sqlIn(file: SourceFile): string[] {
  return [...file.text.matchAll(SQL_AT_QUERY)].map(
    (m) => `${file.path}:${lineOf(file.text, m.index)}: ${(m[1] ?? "").toLowerCase()} … sent with .query(`,
  );
}

/**
 * An operation ended by hand: SQL that sets an operation's status to a final one written
 * out (`update operations set status = 'failed'`). `finishOperation` in
 * src/store/sql/operations.ts, the one place that finishes operations, takes it as a parameter.
 */
const FINISHED_BY_HAND =
  /update\s+operations\s+set\b(?:(?!\bupdate\b)[^`"])*?\bstatus\s*=\s*'(succeeded|failed|canceled)'/gi;

function operationsFinishedIn(file: SourceFile): string[] {
  return [...file.text.matchAll(FINISHED_BY_HAND)].map(
    (m) => `${file.path}:${lineOf(file.text, m.index)}: sets status '${m[1]}'; call finishOperation`,
  );
}

/** Files that still send SQL outside src/store, each with when that ends. Keep it short. */
/**
 * A provider reading its resource's spec untyped (`spec["x"]`, `spec as …`) instead of
 * through the typed model of src/domain/resources.ts.
 */
function untypedSpecReadsIn(file: SourceFile): string[] {
  const out: string[] = [];
  for (const m of file.text.matchAll(/\bspec\s*\[|\bspec\s+as\s+(?!ResourceSpecs\[)/g)) {
    out.push(`${file.path}:${lineOf(file.text, m.index)}: ${m[0].trim()}`);
  }
  return out;
}

const RULES: Rule[] = [
  noImports("the HTTP layer reaches the store only through services", ["src/http"], ["src/store"]),
  {
    name: "SQL to Tenantry's database lives in src/store",
    covers: (file) => !under("src/store", "src/providers")(file),
    check: sqlIn,
  },
  noImports(
    "blueprints do not depend on providers (both use src/domain)",
    ["src/blueprints"],
    ["src/providers"],
  ),
  noImports(
    "providers do not depend on blueprints (both use src/domain)",
    ["src/providers"],
    ["src/blueprints"],
  ),
  {
    name: "providers read resource specs through the typed model",
    covers: under("src/providers"),
    check: untypedSpecReadsIn,
  },
  {
    name: "operations are finished only by finishOperation",
    covers: under("src"),
    check: operationsFinishedIn,
  },
  {
    // The package's entry point (`tenantry`, `tenantry/client`) ships without the server.
    name: "the SDK (src/client, src/index.ts) uses only its own files and openapi-fetch",
    covers: (file) => file === "src/index.ts" || under("src/client")(file),
    check: (file) =>
      importsOf(file)
        .filter((i) => !i.module.startsWith("src/client/") && i.module !== "openapi-fetch")
        .map((i) => `${file.path}:${i.line}: imports ${i.module}`),
  },
];

describe("architecture", () => {
  const files = sourceFiles();

  it("finds the source files and what they import", () => {
    expect(files.length).toBeGreaterThan(50);
    const server = files.find((f) => f.path === "src/http/server.ts");
    expect(server && importsOf(server).map((i) => i.module)).toContain("src/http/routes/tenants.ts");
  });

  it("sees SQL sent with .query(, also with type arguments and on the next line", () => {
    const sample = (text: string) => sqlIn({ path: "x.ts", text });
    expect(sample(`await q.query("select 1")`)).toHaveLength(1);
    expect(sample("await db.query<{ id: string }>(\n  `insert into t values ($1)`, [1])")).toHaveLength(1);
    expect(sample("await client.query(`listen ${CHANNEL}`)")).toHaveLength(1);
    expect(sample(`await q.query(sql, args); const s = "select a target";`)).toEqual([]);
  });

  it("sees an untyped read of a spec", () => {
    const sample = (text: string) => untypedSpecReadsIn({ path: "x.ts", text });
    expect(sample(`const p = r.spec["plan"];`)).toHaveLength(1);
    expect(sample("const s = resource.spec as Record<string, unknown>;")).toHaveLength(1);
    expect(sample("const p = r.spec.plan;")).toEqual([]);
    // The one place TypeScript cannot correlate a generic kind with its spec.
    expect(sample("r.spec as ResourceSpecs[K]")).toEqual([]);
  });

  it("sees an operation finished by hand", () => {
    const sample = (text: string) => operationsFinishedIn({ path: "x.ts", text });
    expect(sample("`update operations set status = 'canceled', finished_at = now()`")).toHaveLength(1);
    expect(sample("`update operations set error_code = 'X', status = 'failed'`")).toHaveLength(1);
    expect(sample("`update operations set finished_at = now(), status = $2`")).toEqual([]);
    expect(
      sample("`update operations set run_at = now() … update operation_steps set status = 'failed'`"),
    ).toEqual([]);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const offences = files.filter((f) => rule.covers(f.path)).flatMap(rule.check);
      expect(offences, `${rule.name}; offending files:\n  ${offences.join("\n  ")}\n`).toEqual([]);
    });
  }
});
