import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";

/**
 * The npm package as a user gets it: the project (its files as git sees them: a clean
 * checkout) is built and packed in a staging copy (so the project's own dist/ is left
 * alone for the tests that run it), the tarball is installed in a scratch project from
 * the registry, and there `tenantry/client` is imported, type-checked and run against a
 * real Tenantry, and the `tenantry` command runs.
 */

const execFileP = promisify(execFile);
const pkg = JSON.parse(await readFile(path.join(projectRoot, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};

const started = Date.now();
function log(message: string) {
  console.log(`[package] ${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
}

/** The environment without npm's own variables (an `npm test` run's would steer the child npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

async function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, {
      cwd,
      env: cleanEnv(),
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`,
    );
  }
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

/** The module specifiers a compiled file imports (static, dynamic and type imports). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*["']([^"']+)["']/g))
    out.push(m[1]!);
  for (const m of source.matchAll(/(?:^|[\s;])import\s*["']([^"']+)["']/g)) out.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) out.push(m[1]!);
  return out;
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

const builtins = new Set(builtinModules);
const isBuiltin = (s: string) => s.startsWith("node:") || builtins.has(s) || builtins.has(s.split("/")[0]!);

let t: TestApp;
let baseUrl: string;
let work: string;

beforeAll(async () => {
  t = await startTestApp({ workers: false, env: { PORT: "0", HOST: "127.0.0.1" } });
  baseUrl = await t.app.listen();
  work = await mkdtemp(path.join(os.tmpdir(), "tenantry-package-"));
});
afterAll(async () => {
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("builds, packs without tests or dangling source maps, installs, and works from the tarball", async () => {
    expect(pkg.scripts["prepack"], "npm pack and npm publish build first").toBe("npm run build");

    // 1. A staging copy of the project as git sees it (tracked and new files, not ignored ones).
    const staging = path.join(work, "staging");
    log(`copying the project to ${staging}`);
    const listed = (await run("git", ["ls-files", "-co", "--exclude-standard", "-z"], projectRoot))
      .split("\0")
      .filter((f) => f !== "" && f !== "node_modules" && !f.startsWith("node_modules/"));
    for (const file of listed) {
      await cp(path.join(projectRoot, file), path.join(staging, file)).catch((err: { code?: string }) => {
        if (err.code !== "ENOENT") throw err; // deleted in the working tree
      });
    }
    await symlink(await realpath(path.join(projectRoot, "node_modules")), path.join(staging, "node_modules"));

    log("npm run build");
    await run("npm", ["run", "build"], staging);
    const dist = path.join(staging, "dist");
    const built = await filesUnder(dist);
    for (const f of ["index.js", "index.d.ts", "client/index.js", "client/index.d.ts", "cli/main.js"])
      expect(built, `dist/${f}`).toContain(f);

    // 2. Nothing in dist reaches outside it or into a devDependency; the SDK needs only openapi-fetch.
    log("checking what dist/ imports");
    const allowed = new Set([...Object.keys(pkg.dependencies), "tenantry"]);
    const wrong: string[] = [];
    const graph = new Map<string, string[]>();
    for (const file of built.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const source = await readFile(path.join(dist, file), "utf8");
      // A comment of the file itself (a bundle may hold the words in its strings).
      if (/^\/\/[#@] sourceMappingURL=/m.test(source)) wrong.push(`${file}: a source map comment`);
      const specs = specifiers(source);
      graph.set(file, specs);
      for (const s of specs) {
        if (s.startsWith(".")) {
          const target = path.resolve(path.dirname(path.join(dist, file)), s);
          if (!target.startsWith(dist + path.sep)) wrong.push(`${file}: imports ${s}, outside dist/`);
        } else if (!isBuiltin(s) && !allowed.has(packageName(s))) {
          wrong.push(`${file}: imports ${s}, not a runtime dependency`);
        }
      }
    }
    expect(wrong).toEqual([]);
    for (const entry of ["index.js", "index.d.ts"]) {
      const bare = new Set<string>();
      const queue = [entry];
      const visited = new Set<string>();
      while (queue.length > 0) {
        const file = queue.pop()!;
        if (visited.has(file)) continue;
        visited.add(file);
        for (const s of graph.get(file) ?? []) {
          if (!s.startsWith(".")) bare.add(s);
          else {
            const next = path.normalize(path.join(path.dirname(file), s));
            queue.push(entry.endsWith(".d.ts") ? next.replace(/\.js$/, ".d.ts") : next);
          }
        }
      }
      expect([...visited].sort(), `what ${entry} loads`).toEqual(
        expect.arrayContaining([entry.replace("index", "client/index")]),
      );
      expect([...bare], `the packages ${entry} loads: the SDK, not the server`).toEqual(["openapi-fetch"]);
    }

    // 3. npm pack.
    const out = path.join(work, "out");
    await mkdir(out);
    log("npm pack");
    const packed = JSON.parse(
      await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], staging),
    ) as { filename: string; size: number; files: { path: string }[] }[];
    const tarball = path.join(out, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);
    log(`${path.basename(tarball)}: ${files.length} files, ${packed[0]!.size} bytes`);
    for (const f of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/client/index.d.ts",
      "dist/client/schema.d.ts",
      "dist/cli/main.js",
      "dist/dashboard/index.html",
      "migrations/0001_core.sql",
      "examples/blueprints/starter.render.yaml",
      "examples/apps/starter/web.js",
      "examples/apps/starter/package.json",
    ])
      expect(files, f).toContain(f);
    const unwanted = files.filter(
      (f) =>
        /^(test|bench|scripts|src|dashboard|\.ci|docs)\//.test(f) ||
        f.endsWith(".map") ||
        /\.test\.[cm]?[jt]s$/.test(f) ||
        f.includes("node_modules/"),
    );
    expect(unwanted).toEqual([]);
    const license = await readFile(path.join(projectRoot, "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    expect(license).toContain("Version 2.0, January 2004");
    expect(license).toContain("END OF TERMS AND CONDITIONS");

    // 4. A scratch project installs the tarball (its dependencies from the registry).
    const scratch = path.join(work, "scratch");
    await mkdir(scratch);
    await writeFile(
      path.join(scratch, "package.json"),
      `${JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2)}\n`,
    );
    log(`npm install ${path.basename(tarball)} in ${scratch} (may take a minute)`);
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], scratch, 480_000);

    // (a) The SDK from the installed package, against a real Tenantry.
    log("node: import { createClient } from 'tenantry/client', against a running Tenantry");
    const script = `
      import { createClient, unwrap, TenantryApiError, CLIENT_VERSION } from "tenantry/client";
      import * as root from "tenantry";
      const client = createClient({ baseUrl: process.env.TENANTRY_URL, apiKey: "tnt_not_a_key_0123456789abcdefghij" });
      const health = await unwrap(client.GET("/health"));
      const refused = await unwrap(client.GET("/v1/tenants/{id}", { params: { path: { id: "acme" } } })).catch((e) => e);
      console.log(JSON.stringify({
        same: root.createClient === createClient,
        version: CLIENT_VERSION,
        health: health.status,
        refused: refused instanceof TenantryApiError && { status: refused.status, code: refused.code },
      }));
    `;
    const { stdout } = await execFileP(process.execPath, ["--input-type=module", "-e", script], {
      cwd: scratch,
      env: { ...cleanEnv(), TENANTRY_URL: baseUrl },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      same: true,
      version: pkg.version,
      health: "ok",
      refused: { status: 401, code: "UNAUTHENTICATED" },
    });

    // (b) A TypeScript project type-checks against the package's declarations.
    log("tsc: a .ts file importing createClient and Tenant from tenantry/client and tenantry");
    await writeFile(
      path.join(scratch, "tsconfig.json"),
      `${JSON.stringify(
        {
          compilerOptions: {
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            lib: ["es2023", "dom"],
            types: [],
            strict: true,
            noEmit: true,
          },
          files: ["check.ts"],
        },
        null,
        2,
      )}\n`,
    );
    await writeFile(
      path.join(scratch, "check.ts"),
      [
        'import { createClient, type Tenant, TenantryApiError, unwrap } from "tenantry/client";',
        'import { createClient as createFromRoot, type Operation, type Problem } from "tenantry";',
        "",
        'const client = createClient({ baseUrl: "http://localhost:8080", apiKey: "key", timeoutMs: 5000 });',
        "export async function slugOf(id: string): Promise<string> {",
        '  const tenant: Tenant = await unwrap(client.GET("/v1/tenants/{id}", { params: { path: { id } } }));',
        "  return tenant.slug;",
        "}",
        "export async function create(): Promise<Operation> {",
        '  const created = await unwrap(client.POST("/v1/tenants", { body: { name: "Acme", blueprint: "starter" } }));',
        "  return created.operation;",
        "}",
        "export function codeOf(err: unknown): string | undefined {",
        "  const problem: Problem | undefined = err instanceof TenantryApiError ? err.problem : undefined;",
        "  return problem?.code;",
        "}",
        'export const other = createFromRoot({ baseUrl: "http://localhost:8080" });',
        "// The types are real, not any:",
        "// @ts-expect-error: no such path",
        'void client.GET("/v1/no-such-path");',
        "// @ts-expect-error: a slug is a string",
        "export const wrong: number = ({} as Tenant).slug;",
        "",
      ].join("\n"),
    );
    await run(
      path.join(projectRoot, "node_modules", ".bin", "tsc"),
      ["-p", "tsconfig.json"],
      scratch,
      120_000,
    );

    // (c) The command.
    log("node_modules/.bin/tenantry --version");
    const version = await run(
      path.join(scratch, "node_modules", ".bin", "tenantry"),
      ["--version"],
      scratch,
      60_000,
    );
    expect(version.trim()).toBe(pkg.version);
    log("done");
  }, 900_000);
});
