import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/** A supervised process that keeps crashing makes its tenant `degraded`, with the reason. */

let t: TestApp;
let api: ApiClient;
let appDir: string;

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-crashy-"));
  await writeFile(path.join(appDir, "crash.js"), "console.log('starting'); process.exit(3);\n");
  t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "2" } });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("a crash-looping service", () => {
  it("degrades its tenant with the reason, and the tenant can still be destroyed", async () => {
    const blueprint = `services:\n  - type: worker\n    name: crashy\n    runtime: node\n    repo: ${appDir}\n    startCommand: node crash.js\n`;
    const created = await api.json("POST", "/v1/tenants", {
      name: "Crashy",
      blueprint: { source: blueprint },
    });
    try {
      const degraded = await eventually(
        async () => {
          const r = await api.json("GET", "/v1/tenants/crashy");
          return r.status === "degraded" ? r : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 200 },
      );
      expect(degraded.error_message).toMatch(
        /service:crashy is crash-looping \(\d+ restarts, last exit code 3\)/,
      );
    } finally {
      await api.json("DELETE", `/v1/tenants/${created.tenant.id}`);
      await api.waitForTenant(created.tenant.id, "destroyed", { timeoutMs: 30_000 });
    }
  }, 90_000);
});
