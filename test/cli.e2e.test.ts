import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { useCliServer } from "./support/cli-harness.js";

/**
 * End to end through the real CLI: a `tenantry serve` child process on this file's own
 * database (tenant databases go on the test PostgreSQL server), and one CLI child process
 * per command.
 */

let blueprintFile: string;

const harness = useCliServer({
  tmpPrefix: "tenantry-cli-e2e-",
  async setup({ tmpDir }) {
    blueprintFile = path.join(tmpDir, "blueprint.yaml");
    await fs.writeFile(blueprintFile, "databases:\n  - name: main\n");
  },
});
const cli = (args: string[], env?: Record<string, string>) => harness().cli(args, env);
const ok = (args: string[]) => harness().ok(args);
const okJson = <T = Record<string, unknown>>(args: string[]) => harness().okJson<T>(args);

async function exists(catalog: "pg_database" | "pg_roles", name: string): Promise<boolean> {
  const column = catalog === "pg_database" ? "datname" : "rolname";
  const client = new pg.Client({ connectionString: harness().adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(`select 1 from ${catalog} where ${column} = $1`, [name]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

interface TenantJson {
  id: string;
  slug: string;
  status: string;
  resources?: { key: string; outputs: Record<string, unknown> }[];
}

describe("tenantry CLI against a running server", () => {
  let names: { database: string; user: string };

  it("shows the server's installation id and node id (tenantry info)", async () => {
    const { json } = await okJson<{ installation_id: string; node_id: string; version: string }>(["info"]);
    const { rows } = await harness().testDb.db.query<{ value: string }>(
      "select value from settings where key = 'installation_id'",
    );
    expect(json.installation_id).toBe(rows[0]!.value);
    expect(json.node_id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    const text = await ok(["info"]);
    expect(text.stdout).toContain(`installation:  ${rows[0]!.value}`);
  });

  it("lists the targets and what each can do (tenantry targets)", async () => {
    const { json } = await okJson<{ name: string; kinds: { kind: string; jobs: boolean }[] }[]>(["targets"]);
    const local = json.find((t) => t.name === "local");
    expect(local?.kinds.find((k) => k.kind === "cron")?.jobs).toBe(true);
    const text = await ok(["targets"]);
    expect(text.stdout).toMatch(/^local {2}\(bootstrap hooks: (yes|no), placement: node\)$/m);
    expect(text.stdout).toMatch(/^ {2}KIND +SUSPEND +LOGS +JOBS +ACTION TIMEOUT +MAX WAIT$/m);
    expect(text.stdout).toMatch(/^ {2}cron +yes +yes +yes /m);
  });

  it("creates a tenant from a blueprint file and waits until it is active", async () => {
    const { json, stderr } = await okJson<TenantJson>([
      "tenants",
      "create",
      "Acme Corp",
      "--blueprint",
      blueprintFile,
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("active");
    expect(json.slug).toBe("acme-corp");
    // Progress lines on stderr: `[ 0.3s] active`, one per change.
    expect(stderr).toMatch(/^\[\s*\d+\.\ds\] \w+/m);
    expect(stderr).toMatch(/^\[\s*\d+\.\ds\] active\s*$/m);

    const { json: tenant } = await okJson<TenantJson>(["tenants", "get", "acme-corp"]);
    const outputs = tenant.resources?.[0]?.outputs ?? {};
    expect(typeof outputs["database"]).toBe("string");
    expect(typeof outputs["user"]).toBe("string");
    names = { database: outputs["database"] as string, user: outputs["user"] as string };
    harness().track(names);
    expect(await exists("pg_database", names.database)).toBe(true);
    expect(await exists("pg_roles", names.user)).toBe(true);
  });

  it("lists the tenant and shows its status", async () => {
    const [{ json: list }, status] = await Promise.all([
      okJson<TenantJson[]>(["tenants", "list"]),
      ok(["tenants", "status", "acme-corp"]),
    ]);
    expect(list.map((t) => t.slug)).toContain("acme-corp");
    expect(status.stdout).toContain("active");
  });

  it("refuses a transition the lifecycle does not allow", async () => {
    const result = await cli(["tenants", "resume", "acme-corp"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("TRANSITION_NOT_ALLOWED");
  });

  it("suspends and resumes the tenant", async () => {
    const suspended = await ok(["tenants", "suspend", "acme-corp", "--wait", "--timeout", "20"]);
    expect(suspended.stdout).toContain("is suspended");
    expect(suspended.stderr).toMatch(/\] suspended\s*$/m);

    const { json } = await okJson<TenantJson>([
      "tenants",
      "resume",
      "acme-corp",
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("active");
  });

  it("deletes the tenant and its database and role", async () => {
    const { json } = await okJson<TenantJson>([
      "tenants",
      "delete",
      "acme-corp",
      "--wait",
      "--timeout",
      "20",
    ]);
    expect(json.status).toBe("destroyed");
    expect(await exists("pg_database", names.database)).toBe(false);
    expect(await exists("pg_roles", names.user)).toBe(false);
  });

  it("reports validation and authentication errors with their codes", async () => {
    const [badSlug, wrongKey] = await Promise.all([
      cli(["tenants", "create", "Bad", "--blueprint", blueprintFile, "--slug", "Bad_Slug"]),
      cli(["tenants", "list"], { TENANTRY_API_KEY: "wrong" }),
    ]);
    expect(badSlug.code).toBe(1);
    expect(badSlug.stderr).toContain("VALIDATION_FAILED");
    expect(badSlug.stderr).toMatch(/^ {2}\/slug: /m);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("UNAUTHENTICATED");
  });
});
