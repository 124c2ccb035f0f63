import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, projectRoot } from "./support/cli-harness.js";

/** The modules `tenantry <args>` loads (recorded by test/support/import-recorder). */
function modulesLoadedBy(args: string[], env: Record<string, string> = {}): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tenantry-imports-")), "imports.txt");
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./test/support/import-recorder/register.mjs",
      "src/cli/main.ts",
      ...args,
    ],
    {
      cwd: projectRoot,
      env: { ...cleanEnv(), TENANTRY_RECORD_IMPORTS: file, TENANTRY_URL: "http://127.0.0.1:9", ...env },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  const loaded = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  expect(result.error).toBeUndefined();
  return loaded;
}

describe("the CLI's client commands", () => {
  it("load neither the server (Fastify, the engine, the providers) nor its database driver", () => {
    for (const args of [["--help"], ["tenants", "list"], ["blueprints", "validate", "--help"]]) {
      const loaded = modulesLoadedBy(args);
      // The recorder works: the CLI's own entry point and commander are there.
      expect(loaded.some((u) => u.endsWith("/src/cli/program.ts"))).toBe(true);
      expect(loaded.some((u) => u.includes("/node_modules/commander/"))).toBe(true);
      const heavy = loaded.filter((u) =>
        /\/node_modules\/(fastify|pg|@kubernetes|ioredis|mysql2|pino)\/|\/src\/(app\.ts|engine\/|http\/)/.test(
          u,
        ),
      );
      expect(heavy, `tenantry ${args.join(" ")}`).toEqual([]);
    }
  });

  it("load the server for the commands that run it", () => {
    // A bad setting stops `tenantry migrate` right after it loaded the server's modules.
    const loaded = modulesLoadedBy(["migrate"], { TENANTRY_WORKER_CONCURRENCY: "many" });
    expect(loaded.some((u) => u.endsWith("/src/app.ts"))).toBe(true);
  });
});
