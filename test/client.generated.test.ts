import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  generateClientSchema,
  generateClientVersion,
  packageVersion,
  SCHEMA_FILE,
  VERSION_FILE,
} from "../scripts/generate-client.js";
import { buildOpenApiDocument } from "../scripts/openapi-document.js";
import type { CreateTenantRequest, Operation, Problem, Tenant, TenantStatus } from "../src/client/index.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";

/**
 * The SDK's generated types (`src/client/schema.ts`) are those of the document a running
 * Tenantry serves: regenerated here in memory and compared with the checked-in file.
 */

let t: TestApp;
let served: Record<string, any>;

beforeAll(async () => {
  t = await startTestApp({ workers: false });
  const res = await t.app.http!.inject({ method: "GET", url: "/openapi.json" });
  expect(res.statusCode).toBe(200);
  served = res.json();
});
afterAll(async () => {
  await t?.close();
});

const STALE = "is stale: run npm run generate:client (and commit the result)";

describe("the generated SDK types", () => {
  it("are those of the served document: src/client/schema.ts is up to date", async () => {
    const expected = await generateClientSchema(served);
    const actual = await readFile(SCHEMA_FILE, "utf8");
    // Not toBe: a 5000-line diff helps no one; the message says what to do.
    expect(actual === expected, `src/client/schema.ts ${STALE}`).toBe(true);
  });

  it("carry the package's version (the User-Agent): src/client/version.ts is up to date", async () => {
    const actual = await readFile(VERSION_FILE, "utf8");
    expect(actual, `src/client/version.ts ${STALE}`).toBe(generateClientVersion(await packageVersion()));
  });

  it("come from the same document as npm run generate:client builds without a database", async () => {
    expect(await buildOpenApiDocument()).toEqual(served);
  });

  it("are the same text every time (deterministic)", async () => {
    expect(await generateClientSchema(served)).toBe(await generateClientSchema(structuredClone(served)));
  });

  it("give the public types their fields (today's document)", () => {
    expectTypeOf<Tenant["slug"]>().toEqualTypeOf<string>();
    expectTypeOf<Tenant["labels"]>().toEqualTypeOf<{ [key: string]: string }>();
    expectTypeOf<Operation["id"]>().toEqualTypeOf<string>();
    expectTypeOf<Operation["status"]>().toEqualTypeOf<string>();
    expectTypeOf<Problem["code"]>().toEqualTypeOf<string>();
    expectTypeOf<Problem["errors"]>().toEqualTypeOf<
      { pointer: string; message: string; line?: number; column?: number }[] | undefined
    >();
    expectTypeOf<TenantStatus["slug"]>().toEqualTypeOf<string>();
    expectTypeOf<Tenant["status"]>().toExtend<string>();
    expectTypeOf<CreateTenantRequest["name"]>().toEqualTypeOf<string>();
  });

  it("are the document's named component schemas, and compile in a browser project (no Node types)", async () => {
    const names = Object.keys(served.components.schemas);
    expect(names).toEqual(
      expect.arrayContaining(["Tenant", "Operation", "Problem", "TenantStatus", "Event"]),
    );
    expect(names.filter((n) => /^def-\d+$/.test(n))).toEqual([]);

    const dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-client-types-"));
    try {
      await symlink(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
      await writeFile(path.join(dir, "package.json"), '{ "type": "module" }\n');
      // Every file of the SDK (what the package ships as tenantry/client).
      const files = (await readdir(path.join(projectRoot, "src/client"))).filter((f) => f.endsWith(".ts"));
      expect(files).toEqual(expect.arrayContaining(["schema.ts", "index.ts", "version.ts", "sse.ts"]));
      for (const file of files)
        await writeFile(
          path.join(dir, file),
          await readFile(path.join(projectRoot, "src/client", file), "utf8"),
        );
      await writeFile(
        path.join(dir, "probe.ts"),
        [
          'import type { components } from "./schema.js";',
          'import type { Operation, Problem, Tenant } from "./index.js";',
          "type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;",
          'export const tenant: Equal<Tenant, components["schemas"]["Tenant"]> = true;',
          'export const operation: Equal<Operation, components["schemas"]["Operation"]> = true;',
          'export const problem: Equal<Problem, components["schemas"]["Problem"]> = true;',
          'export const slug: Tenant["slug"] = "acme";',
          'export const code: Problem["code"] = "TENANT_NOT_FOUND";',
          "",
        ].join("\n"),
      );
      // As a browser project would compile it: DOM's fetch types, no Node types.
      const program = ts.createProgram([path.join(dir, "probe.ts"), path.join(dir, "index.ts")], {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
        types: [],
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
