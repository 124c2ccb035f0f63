import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../src/domain/errors.js";
import { TENANT_EVENT_TYPES } from "../src/domain/events.js";
import {
  isRetryableCode,
  OperationErrorFamilies,
  OperationErrors,
  operationError,
  PLATFORM_CODE_PREFIXES,
} from "../src/domain/operation-errors.js";
import { ProviderError } from "../src/providers/provider.js";
import type { NewEvent } from "../src/store/sql/events.js";

/**
 * The error catalogues against their documentation and the sources: every HTTP problem
 * code and every operation error code is documented in docs/errors.md (and nothing else
 * is), and every string the sources use as an operation error code is in the catalogue.
 * The event types of the timeline are documented in docs/api.md.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const errorsDoc = readFileSync(path.join(root, "docs/errors.md"), "utf8");
const apiDoc = readFileSync(path.join(root, "docs/api.md"), "utf8");

/** The text under a heading, up to the next heading of the same or a higher level. */
function section(doc: string, heading: string): string {
  const lines = doc.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.indexOf(" ");
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(" ") <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The body rows of the first markdown table in `text`, as cells. */
function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    rows.push(
      line
        .slice(1, line.endsWith("|") ? -1 : undefined)
        .split("|")
        .map((c) => c.trim()),
    );
  }
  // The header and the separator.
  return rows.slice(2);
}

/** The codes a cell names: each in backticks. */
function codesIn(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

const operationSection = section(errorsDoc, "## Operation errors");
const httpSection = errorsDoc.slice(0, errorsDoc.indexOf("## Operation errors"));
const familyNames = Object.keys(OperationErrorFamilies);

describe("HTTP problem codes", () => {
  const rows = tableRows(httpSection);
  const documented = new Map(rows.flatMap((r) => codesIn(r[0]!).map((code) => [code, r[1]!] as const)));

  it("every code is documented in docs/errors.md with its status", () => {
    const missing = Object.keys(ErrorCodes).filter((code) => !documented.has(code));
    expect(missing, `HTTP problem codes not documented in docs/errors.md: ${missing.join(", ")}`).toEqual([]);
    const wrong = Object.entries(ErrorCodes)
      .filter(([code, e]) => documented.has(code) && documented.get(code) !== String(e.status))
      .map(([code, e]) => `${code} (documented ${documented.get(code)}, is ${e.status})`);
    expect(wrong, `HTTP problem codes documented with another status: ${wrong.join(", ")}`).toEqual([]);
  });

  it("every documented code is in the catalogue (src/domain/errors.ts)", () => {
    const unknown = [...documented.keys()].filter((code) => !Object.hasOwn(ErrorCodes, code));
    expect(unknown, `documented HTTP problem codes not in ErrorCodes: ${unknown.join(", ")}`).toEqual([]);
  });
});

describe("operation error codes", () => {
  const rows = tableRows(operationSection);
  /** Each documented code with what the row says about retries. */
  const documented = rows.flatMap((r) => codesIn(r[0]!).map((code) => ({ code, retried: r[1]! })));
  const documentedCodes = new Set(documented.map((d) => d.code));

  it("every code of the catalogue is documented in docs/errors.md", () => {
    const missing = [...Object.keys(OperationErrors), ...familyNames].filter(
      (code) => !documentedCodes.has(code),
    );
    expect(missing, `operation error codes not documented in docs/errors.md: ${missing.join(", ")}`).toEqual(
      [],
    );
  });

  it("every code documented as an operation error is in the catalogue", () => {
    const unknown = [...documentedCodes].filter(
      (code) => !familyNames.includes(code) && operationError(code) === undefined,
    );
    expect(
      unknown,
      `operation error codes documented but not in src/domain/operation-errors.ts: ${unknown.join(", ")}`,
    ).toEqual([]);
  });

  it("the documentation says what the catalogue says about retries", () => {
    const wrong = documented
      .filter((d) => !familyNames.includes(d.code) && operationError(d.code) !== undefined)
      .filter((d) => /^yes/.test(d.retried) !== operationError(d.code)!.retryable)
      .map(
        (d) =>
          `${d.code} (documented "${d.retried}", catalogue retryable: ${operationError(d.code)!.retryable})`,
      );
    expect(wrong, `retries documented otherwise than catalogued: ${wrong.join(", ")}`).toEqual([]);
  });

  it("ProviderError takes retryable from the catalogue unless told", () => {
    expect(new ProviderError("x", { code: "DEPENDENCY_PENDING" }).retryable).toBe(true);
    expect(new ProviderError("x", { code: "BUILD_FAILED" }).retryable).toBe(false);
    expect(new ProviderError("x", { code: "RENDER_503" }).retryable).toBe(true);
    expect(new ProviderError("x", { code: "RENDER_404" }).retryable).toBe(false);
    expect(new ProviderError("x", { retryable: true }).code).toBe("PROVIDER_TRANSIENT");
    expect(new ProviderError("x", { retryable: false }).code).toBe("PROVIDER_PERMANENT");
    expect(isRetryableCode("RENDER_408")).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------
// The sources

/**
 * Codes that look like error codes in the sources and are not operation errors, with why:
 * they are compared with or set on errors of other libraries, never recorded.
 */
const FOREIGN: { match: (code: string) => boolean; why: string }[] = [
  {
    match: (c) => /^E(AI_)?[A-Z]+$/.test(c),
    why: "Node.js system error codes (ENOENT, ECONNRESET…, EAI_AGAIN from getaddrinfo)",
  },
  { match: (c) => c === "WRONGPASS" || c === "NOAUTH", why: "Redis error replies" },
  { match: (c) => c.startsWith("FST_ERR_"), why: "Fastify's error codes" },
  { match: (c) => c.startsWith("ER_"), why: "MySQL/MariaDB server error codes (mysql2's err.code)" },
];
const foreign = (code: string) => FOREIGN.some((f) => f.match(code));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [path.join(dir, e.name)]
        : [],
  );
}

interface Use {
  code: string;
  where: string;
  /** Which catalogue it must be in. */
  catalogue: "operation" | "http";
}

const sources = sourceFiles(path.join(root, "src")).map((file) => ({
  file: path.relative(root, file),
  text: readFileSync(file, "utf8"),
}));

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** The argument text of each call that starts at a match of `re` (balanced parentheses). */
function calls(text: string, re: RegExp): { index: number; args: string }[] {
  const found: { index: number; args: string }[] = [];
  for (const m of text.matchAll(re)) {
    let i = m.index + m[0].length;
    let depth = 1;
    while (depth > 0 && i < text.length) {
      const c = text[i++];
      if (c === "(") depth++;
      else if (c === ")") depth--;
    }
    found.push({ index: m.index, args: text.slice(m.index + m[0].length, i - 1) });
  }
  return found;
}

const UPPER = "[A-Z][A-Z0-9_]*";

function uses(): Use[] {
  const all: Use[] = [];
  for (const { file, text } of sources) {
    const api = file.startsWith("src/http/") || file.startsWith("src/cli/");
    const add = (code: string, index: number, catalogue: Use["catalogue"]) =>
      all.push({ code, where: `${file}:${lineOf(text, index)}`, catalogue });
    // `code: "X"` (an error's options, a failure), not in src/http or src/cli.
    if (!api) {
      for (const m of text.matchAll(new RegExp(`[{,\\s]code:\\s*"(${UPPER})"`, "g"))) {
        add(m[1]!, m.index, "operation");
      }
      // `code: \`RENDER_${status}\``: a family's prefix, then one substitution.
      for (const m of text.matchAll(/[{,\s]code:\s*`([^`]*)`/g)) {
        const template = m[1]!.replace(/\$\{[^}]*\}/g, "<…>");
        // `${prefix}_…` (the kit's HTTP client): the code of each platform prefix.
        const expanded = template.startsWith("<…>_")
          ? PLATFORM_CODE_PREFIXES.map((p) => `${p}${template.slice("<…>".length)}`)
          : [template];
        for (const one of expanded) {
          const family = familyNames.find((f) => f.replace(/<[^>]*>$/, "<…>") === one);
          add(family ?? one, m.index, "operation");
        }
      }
      // `errorCode: "X"`: a code an operation is finished with.
      for (const m of text.matchAll(new RegExp(`[{,\\s]errorCode:\\s*"(${UPPER})"`, "g"))) {
        add(m[1]!, m.index, "operation");
      }
      // `new TenantryError("X", …)` in the engine: recorded on the operation; and the
      // codes the worker fails operations with itself.
      if (file.startsWith("src/engine/")) {
        for (const { index, args } of calls(text, /#markFailed\(/g)) {
          for (const m of args.matchAll(new RegExp(`"(${UPPER})"`, "g"))) {
            add(m[1]!, index + "#markFailed(".length + m.index, "operation");
          }
        }
        for (const m of text.matchAll(new RegExp(`new TenantryError\\(\\s*"(${UPPER})"`, "g"))) {
          add(m[1]!, m.index, "operation");
        }
      }
    }
    // Comparisons: `err.code === "X"`, `code !== "X"`.
    for (const m of text.matchAll(new RegExp(`\\bcode\\s*[!=]==?\\s*"(${UPPER})"`, "g"))) {
      add(m[1]!, m.index, api ? "http" : "operation");
    }
    // SQL: `error_code = 'X'`.
    for (const m of text.matchAll(new RegExp(`error_code\\s*=\\s*'(${UPPER})'`, "g"))) {
      add(m[1]!, m.index, "operation");
    }
  }
  return all;
}

describe("codes in the sources", () => {
  const found = uses();

  it("finds the codes it should (the scan itself works)", () => {
    const codes = new Set(found.map((u) => u.code));
    for (const code of [
      "BOOTSTRAP_FAILED",
      "CANCELED",
      "WORKER_DIED",
      "RENDER_<status>",
      "UNSUPPORTED_RESOURCE",
    ]) {
      expect(codes, code).toContain(code);
    }
  });

  it("every error code used in src is in its catalogue", () => {
    const offenders = found
      .filter((u) => !foreign(u.code))
      .filter((u) =>
        u.catalogue === "http"
          ? !Object.hasOwn(ErrorCodes, u.code)
          : !familyNames.includes(u.code) && operationError(u.code) === undefined,
      )
      .map(
        (u) =>
          `${u.code} at ${u.where} (not in ${u.catalogue === "http" ? "src/domain/errors.ts" : "src/domain/operation-errors.ts"})`,
      );
    expect(offenders, `error codes used but not catalogued:\n${offenders.join("\n")}`).toEqual([]);
  });

  it("every ProviderError made with a code and retryable agrees with the catalogue", () => {
    const offenders: string[] = [];
    for (const { file, text } of sources) {
      const made = [
        ...calls(text, /new ProviderError\(/g),
        ...(/extends ProviderError\b/.test(text) ? calls(text, /\bsuper\(/g) : []),
      ];
      for (const { index, args } of made) {
        const code = new RegExp(`[{,\\s]code:\\s*"(${UPPER})"`).exec(args)?.[1];
        const retryable = /[{,\s]retryable:\s*(true|false)\b/.exec(args)?.[1];
        const entry = code === undefined ? undefined : operationError(code);
        if (entry && retryable !== undefined && String(entry.retryable) !== retryable) {
          offenders.push(`${code} with retryable: ${retryable} at ${file}:${lineOf(text, index)}`);
        }
      }
    }
    expect(offenders, `ProviderErrors that contradict the catalogue:\n${offenders.join("\n")}`).toEqual([]);
  });
});

describe("tenant events", () => {
  it("every event type is documented in docs/api.md (Events), and only those", () => {
    const rows = tableRows(section(apiDoc, "### Events"));
    const documented = rows.flatMap((r) => codesIn(r[0]!));
    const missing = TENANT_EVENT_TYPES.filter((t) => !documented.includes(t));
    expect(missing, `event types not documented in docs/api.md: ${missing.join(", ")}`).toEqual([]);
    const unknown = documented.filter((t) => !(TENANT_EVENT_TYPES as string[]).includes(t));
    expect(unknown, `documented event types not in src/domain/events.ts: ${unknown.join(", ")}`).toEqual([]);
  });
});

describe("types", () => {
  // Checked by tsc (`npm run typecheck` reads the tests): each @ts-expect-error must be an error.
  it("refuse codes outside the catalogue and events outside the map", () => {
    const checks = () => {
      // @ts-expect-error a code that is not in the catalogue
      new ProviderError("x", { retryable: false, code: "NO_SUCH_CODE" });
      // @ts-expect-error without a code, retryable must be said
      new ProviderError("x", {});
      const base = { organizationId: "o", tenantId: "t" };
      // @ts-expect-error an event type that is not in the map
      const unknownType: NewEvent = { ...base, type: "tenant.renamed", message: "", data: {} };
      const wrongPayload: NewEvent = {
        ...base,
        type: "resource.ready",
        message: "",
        // @ts-expect-error a payload of another type
        data: { from: "active" },
      };
      const ok: NewEvent = {
        ...base,
        type: "resource.adopted",
        message: "",
        data: { resource: "service:web" },
      };
      void [unknownType, wrongPayload, ok];
    };
    expect(typeof checks).toBe("function");
  });
});
