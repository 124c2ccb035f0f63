import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { findExecutable, TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import { eventually } from "./support/app.js";
import { createEngineDatabase, type EngineDatabase } from "./support/engine-fixture.js";
import { spawnWorkerChild, type WorkerChild } from "./support/worker-child.js";

/**
 * A worker SIGKILLed while a tenant's `terraform apply` runs: the CLI run goes on by itself
 * (its own process group, output to files) and finishes, writing its state; the next
 * worker's plan waits for the state lock, then finds nothing left to do. No resource the
 * first run made is made again.
 */

const bin = findExecutable("tofu") ?? findExecutable("terraform");
if (!bin) console.warn("[terraform crash] SKIPPED: neither tofu nor terraform is on PATH");
const run = bin ? describe : describe.skip;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

let engine: EngineDatabase;
let tenants: TenantService;
const children: WorkerChild[] = [];

run("the terraform target when a worker dies mid-apply", () => {
  beforeAll(async () => {
    engine = await createEngineDatabase("tf-crash");
    tenants = new TenantService({
      providers: new ProviderRegistry().register(
        createTerraformProvider({
          config: { ...TERRAFORM_DEFAULTS, terraformBin: bin },
          dataDir: engine.dataDir,
          databaseUrl: engine.testDb.url,
        }),
      ),
      secrets: engine.secrets,
      maxAttempts: 20,
    });
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await engine?.dispose();
  });

  const worker = async (name: string) => {
    const child = await spawnWorkerChild(name, {
      DATABASE_URL: engine.testDb.url,
      TENANTRY_DATA_DIR: engine.dataDir,
      TENANTRY_ENCRYPTION_KEY: engine.encryptionKey,
      TENANTRY_LEASE_SECONDS: "6",
      TENANTRY_POLL_INTERVAL_MS: "250",
      TENANTRY_RETRY_BASE_MS: "50",
      TENANTRY_RETRY_MAX_MS: "1000",
      TENANTRY_TEST_WORKER_PROVIDER: "terraform",
      TENANTRY_TERRAFORM_BIN: bin as string,
      TENANTRY_TERRAFORM_MODULES_DIR: root,
      TENANTRY_TERRAFORM_LOCK_TIMEOUT: "1",
    });
    children.push(child);
    return child;
  };

  it("finishes with no second apply of what the first run made", async () => {
    const trace = path.join(engine.dataDir, "app-created.log");
    const { tenant } = await engine.testDb.db.tx((q) =>
      tenants.create(q, engine.principal, {
        name: "Crashy",
        slug: "crashy",
        target: "terraform",
        blueprint: {
          source: `
stacks:
  - name: env
    source: ./test/fixtures/terraform/data
    inputs:
      name: \${{ tenant.slug }}
      slow_seconds: 4
      trace: ${trace}
    outputs:
      - name: endpoint
`,
        },
      }),
    );
    const first = await worker("w1");
    // Mid-apply: network and database are in the state, app is being created (4 s).
    await eventually(
      async () =>
        readFileSync(trace, { encoding: "utf8", flag: "a+" }).includes("start") ? true : undefined,
      {
        timeoutMs: 60_000,
        intervalMs: 50,
      },
    );
    await eventually(
      async () => {
        const { rows } = await engine.testDb.db.query<{ data: string }>(
          "select data from tenantry_terraform.states where name like 't-crashy-%'",
        );
        const state = rows[0] ? JSON.parse(rows[0].data) : undefined;
        const names = (state?.resources ?? []).map((r: { name: string }) => r.name);
        return names.includes("database") ? names : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${first.output()}`);
    });
    await first.kill();
    await worker("w2");
    const done = await eventually(
      async () => {
        const { rows } = await engine.testDb.db.query<{ status: string; error_message: string | null }>(
          "select status, error_message from tenants where id = $1",
          [tenant.id],
        );
        return rows[0]?.status === "active" || rows[0]?.status === "failed" ? rows[0] : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(done.error_message).toBeNull();
    expect(done.status).toBe("active");
    // The app resource was created once, by the run the dead worker started, which went on
    // to its end: started once, finished once.
    expect(readFileSync(trace, "utf8")).toBe("start\ncreated\n");
    const { rows } = await engine.testDb.db.query<{ outputs: Record<string, unknown> }>(
      "select outputs from resources where tenant_id = $1 and key = 'stack:env'",
      [tenant.id],
    );
    expect(rows[0]?.outputs).toEqual({ endpoint: "https://crashy.example.test" });
  }, 150_000);
});
