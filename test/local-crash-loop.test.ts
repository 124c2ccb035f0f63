import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";

/** A supervised process that keeps crashing makes its tenant `degraded`, with the reason. */

let t: TestApp;
let appDir: string;

async function api(method: string, url: string, body?: unknown) {
  const res = await t.app.http!.inject({
    method: method as "GET",
    url,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    payload: body ? JSON.stringify(body) : undefined,
  });
  return res.json() as any;
}

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-crashy-"));
  await writeFile(path.join(appDir, "crash.js"), "console.log('starting'); process.exit(3);\n");
  t = await startTestApp({ env: { TENANTRY_WORKER_CONCURRENCY: "2" } });
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("a crash-looping service", () => {
  it("degrades its tenant with the reason, and the tenant can still be destroyed", async () => {
    const blueprint = `services:\n  - type: worker\n    name: crashy\n    runtime: node\n    repo: ${appDir}\n    startCommand: node crash.js\n`;
    const created = await api("POST", "/v1/tenants", { name: "Crashy", blueprint: { source: blueprint } });
    try {
      const degraded = await eventually(
        async () => {
          const r = await api("GET", "/v1/tenants/crashy");
          return r.status === "degraded" ? r : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 200 },
      );
      expect(degraded.error_message).toMatch(
        /service:crashy is crash-looping \(\d+ restarts, last exit code 3\)/,
      );
    } finally {
      await api("DELETE", `/v1/tenants/${created.tenant.id}`);
      await eventually(
        async () =>
          (await api("GET", `/v1/tenants/${created.tenant.id}`)).status === "destroyed" ? true : undefined,
        {
          timeoutMs: 30_000,
        },
      );
    }
  }, 90_000);
});
