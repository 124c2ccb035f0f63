import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { findExecutable, TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/**
 * The terraform target end to end with the real `tofu` or `terraform` on PATH, on a module
 * that needs no cloud (built-in `terraform_data` resources, test/fixtures/terraform/data):
 * create → bootstrapping → active with the stack's outputs (secret ones sealed), state in
 * Tenantry's PostgreSQL (one workspace per tenant), an update, a half-way apply failure and
 * its retry that applies only the rest, destroy with the state emptied and the workspace
 * gone, and no work directory left behind.
 */

const bin = findExecutable("tofu") ?? findExecutable("terraform");
if (!bin) console.warn("[terraform e2e] SKIPPED: neither tofu nor terraform is on PATH");
const run = bin ? describe : describe.skip;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const BLUEPRINT = `
parameters:
  size:
    type: string
    default: small
  fail_while:
    type: string
    default: ""
  fail_destroy_while:
    type: string
    default: ""
stacks:
  - name: env
    source: ./test/fixtures/terraform/data
    inputs:
      name: \${{ tenant.slug }}
      size: \${{ params.size }}
      fail_while: \${{ params.fail_while }}
      fail_destroy_while: \${{ params.fail_destroy_while }}
    outputs:
      - name: endpoint
      - name: size
      - name: password
        secret: true
hooks:
  bootstrap: 'test -n "$ENDPOINT" && test -n "$PASSWORD" && echo "bootstrapped $ENDPOINT"'
`;

let t: TestApp;
let api: ApiClient;
let db: pg.Client;
let state: TestDatabase;
let dataDir: string;

const settled = (slug: string, statuses: string[]) =>
  eventually(
    async () => {
      const r = await api.json("GET", `/v1/tenants/${slug}`);
      return statuses.includes(r.status) || r.status === "failed" ? r : undefined;
    },
    { timeoutMs: 90_000 },
  );

/** The tenant's state in the pg backend (its workspace's row), or undefined. */
async function stateOf(slug: string): Promise<any> {
  const { rows } = await db.query<{ name: string; data: string }>(
    "select name, data from tenantry_terraform.states where name like $1",
    [`t-${slug}-%`],
  );
  return rows[0] ? JSON.parse(rows[0].data) : undefined;
}

const ids = (state: any) =>
  Object.fromEntries(
    state.resources.map((r: any) => [`${r.module}.${r.type}.${r.name}`, r.instances[0].attributes.id]),
  );

run("the terraform target with the real CLI", () => {
  beforeAll(async () => {
    state = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-terraform-"));
    const provider = createTerraformProvider({
      config: {
        ...TERRAFORM_DEFAULTS,
        terraformBin: bin,
        terraformModulesDir: root,
        terraformLockTimeoutSeconds: 1,
      },
      dataDir,
      databaseUrl: state.url,
    });
    // Tests start their apps with short leases; a CLI run takes a second or two.
    t = await startTestApp({
      env: { TENANTRY_LEASE_SECONDS: "30" },
      providers: new ProviderRegistry().register(provider),
    });
    api = apiClient(t);
    db = new pg.Client({ connectionString: state.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
    await state?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("creates, updates and destroys a stack tenant, with outputs and its state in PostgreSQL", async () => {
    const created = await api.call("POST", "/v1/tenants", {
      name: "Acme",
      target: "terraform",
      blueprint: { source: BLUEPRINT },
    });
    expect(created.status).toBe(201);
    const active = await settled("acme", ["active"]);
    expect(active.error_message).toBeNull();
    expect(active.status).toBe("active");

    const status = await api.json("GET", "/v1/tenants/acme/status");
    expect(status.outputs["stack:env"]).toEqual({ endpoint: "https://acme.example.test", size: "small" });
    const state = await stateOf("acme");
    expect(state.resources.map((r: any) => `${r.module}.${r.type}.${r.name}`).sort()).toEqual([
      "module.env.terraform_data.app",
      "module.env.terraform_data.database",
      "module.env.terraform_data.guard",
      "module.env.terraform_data.network",
    ]);
    // The secret output is sealed: nowhere in the API's answers.
    const password = state.outputs.env__password.value as string;
    expect(password).toMatch(/^[0-9a-f-]{36}$/);
    const everything = JSON.stringify([
      await api.json("GET", "/v1/tenants/acme"),
      status,
      await api.json("GET", "/v1/tenants/acme/events"),
    ]);
    expect(everything).not.toContain(password);
    // The plan resource by resource, each resource as the apply finished it, then bootstrapping.
    const events = (await api.json("GET", "/v1/tenants/acme/events")).data as any[];
    const planned = events.find((e) => e.type === "stack.planned");
    expect(planned.data.summary).toBe("4 to add, 0 to change, 0 to destroy");
    expect(planned.data.resources).toContainEqual({
      address: "module.env.terraform_data.app",
      action: "create",
    });
    const applied = events.filter((e) => e.type === "stack.resource_applied").map((e) => e.data);
    expect(applied.map((d) => d.address).sort()).toEqual([
      "module.env.terraform_data.app",
      "module.env.terraform_data.database",
      "module.env.terraform_data.guard",
      "module.env.terraform_data.network",
    ]);
    expect(applied.every((d) => d.status === "complete" && d.action === "create")).toBe(true);
    expect(events.some((e) => e.type === "tenant.status_changed" && e.data.to === "bootstrapping")).toBe(
      true,
    );

    await api.json("PATCH", "/v1/tenants/acme", { params: { size: "large" } });
    expect((await settled("acme", ["active"])).status).toBe("active");
    expect((await api.json("GET", "/v1/tenants/acme/status")).outputs["stack:env"].size).toBe("large");
    expect((await stateOf("acme")).outputs.env__size.value).toBe("large");

    await api.json("DELETE", "/v1/tenants/acme");
    expect((await settled("acme", ["destroyed"])).status).toBe("destroyed");
    expect(await stateOf("acme")).toBeUndefined();
    expect(readdirSync(path.join(dataDir, "terraform", "runs"))).toEqual([]);
  });

  it("fails a half-way apply with the CLI's diagnostics, and a retry applies only the rest", async () => {
    const flag = path.join(tmpdir(), `tenantry-fail-${process.pid}`);
    writeFileSync(flag, "");
    try {
      await api.call("POST", "/v1/tenants", {
        name: "Broken",
        target: "terraform",
        blueprint: { source: BLUEPRINT },
        params: { fail_while: flag },
      });
      const failed = await settled("broken", ["active"]);
      expect(failed.status).toBe("failed");
      expect(failed.error_message).toContain("local-exec");
      expect(failed.error_message).toContain("terraform_data.app");
      const half = await stateOf("broken");
      const before = ids(half);
      expect(before["module.env.terraform_data.network"]).toBeTruthy();
      expect(before["module.env.terraform_data.database"]).toBeTruthy();

      await rm(flag);
      await api.json("POST", "/v1/tenants/broken/retry");
      expect((await settled("broken", ["active"])).status).toBe("active");
      const after = ids(await stateOf("broken"));
      // What the failed apply made is kept; only the failed resource was made again.
      expect(after["module.env.terraform_data.network"]).toBe(before["module.env.terraform_data.network"]);
      expect(after["module.env.terraform_data.database"]).toBe(before["module.env.terraform_data.database"]);
      expect(after["module.env.terraform_data.app"]).toBeTruthy();

      await api.json("DELETE", "/v1/tenants/broken");
      expect((await settled("broken", ["destroyed"])).status).toBe("destroyed");
    } finally {
      if (existsSync(flag)) await rm(flag);
    }
  });

  it("fails a half-way destroy, and a retry destroys what is left", async () => {
    const flag = path.join(tmpdir(), `tenantry-guard-${process.pid}`);
    writeFileSync(flag, "");
    try {
      await api.call("POST", "/v1/tenants", {
        name: "Guarded",
        target: "terraform",
        blueprint: { source: BLUEPRINT },
        params: { fail_destroy_while: flag },
      });
      expect((await settled("guarded", ["active"])).status).toBe("active");
      await api.json("DELETE", "/v1/tenants/guarded");
      const failed = await settled("guarded", ["destroyed"]);
      expect(failed.status).toBe("failed");
      expect(failed.error_message).toContain("terraform_data.guard");
      const left = (await stateOf("guarded")).resources.map((r: any) => r.name);
      expect(left).toContain("guard");
      expect(left).not.toContain("app");

      await rm(flag);
      await api.json("POST", "/v1/tenants/guarded/retry");
      expect((await settled("guarded", ["destroyed"])).status).toBe("destroyed");
      expect(await stateOf("guarded")).toBeUndefined();
    } finally {
      if (existsSync(flag)) await rm(flag);
    }
  });

  it("waits for a held state lock, reports who holds it, and goes on once it is released", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Locked",
      target: "terraform",
      blueprint: { source: BLUEPRINT },
    });
    expect((await settled("locked", ["active"])).status).toBe("active");
    // Someone else holds the workspace's lock (as the pg backend takes it: an advisory lock on the state's row).
    const holder = new pg.Client({ connectionString: state.url, application_name: "ops-console (alice)" });
    await holder.connect();
    try {
      const { rows } = await holder.query<{ id: string }>(
        "select id from tenantry_terraform.states where name like 't-locked-%'",
      );
      await holder.query("select pg_advisory_lock($1)", [rows[0]?.id]);
      await api.json("PATCH", "/v1/tenants/locked", { params: { size: "large" } });
      const retry = await eventually(
        async () => {
          const events = (await api.json("GET", "/v1/tenants/locked/events")).data as any[];
          return events.find((e) => e.type === "operation.retry_scheduled");
        },
        { timeoutMs: 30_000 },
      );
      expect(retry.data.code).toBe("TERRAFORM_STATE_LOCKED");
      expect(retry.message).toContain("the tenant's Terraform state is locked");
      expect(retry.message).toContain("ops-console (alice)");
    } finally {
      await holder.end();
    }
    expect((await settled("locked", ["active"])).status).toBe("active");
    expect((await stateOf("locked")).outputs.env__size.value).toBe("large");
  });

  it("runs the offline example blueprint (examples/terraform/hello)", async () => {
    const source = readFileSync(path.join(root, "examples/blueprints/terraform-hello.render.yaml"), "utf8");
    await api.call("POST", "/v1/tenants", { name: "Hello", target: "terraform", blueprint: { source } });
    const active = await settled("hello", ["active"]);
    expect(active.error_message).toBeNull();
    const status = await api.json("GET", "/v1/tenants/hello/status");
    expect(status.outputs["stack:env"]).toEqual({ endpoint: "https://hello.example.test", size: "small" });
    await api.json("DELETE", "/v1/tenants/hello");
    expect((await settled("hello", ["destroyed"])).status).toBe("destroyed");
  });

  it("refuses what the target cannot serve at create, naming it", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Mixed",
      target: "terraform",
      blueprint: {
        source: `${BLUEPRINT}\nservices:\n  - type: worker\n    name: w\n    runtime: image\n    image:\n      url: busybox\n`,
      },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain("the terraform target applies a blueprint's `stacks:` only");
    expect((await api.call("GET", "/v1/tenants/mixed")).status).toBe(404);
  });
});
