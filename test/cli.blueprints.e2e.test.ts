import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot, useCliServer } from "./support/cli-harness.js";

/**
 * The blueprint commands and `tenants plan` / `tenants update` end to end: a `tenantry
 * serve` child process on this file's own database (tenant databases go on the test
 * PostgreSQL server), and one CLI child process per command.
 */

const examples = path.join(projectRoot, "examples", "blueprints");

let badFile: string;
/** A blueprint with an object parameter (issue 13). */
let nestedFile: string;
/** Named like the example, so the CLI stores it as the next version of `postgres`. */
let twoDatabasesFile: string;

const harness = useCliServer({
  tmpPrefix: "tenantry-cli-blueprints-",
  async setup({ tmpDir }) {
    badFile = path.join(tmpDir, "bad.render.yaml");
    await fs.writeFile(
      badFile,
      "services:\n  - type: web\n    name: app\n    runtime: node\n    startComand: node web.js\n",
    );
    nestedFile = path.join(tmpDir, "cloudy.render.yaml");
    await fs.writeFile(
      nestedFile,
      [
        "parameters:",
        "  cloud:",
        "    type: object",
        "    required: true",
        "    properties:",
        "      provider: { type: enum, values: [aws, gcp], required: true }",
        '      region: { type: string, pattern: "^[a-z]{2}-[a-z]+-[0-9]$", required: true }',
        "      use_existing: { type: boolean, default: false }",
        "services:",
        "  - type: worker",
        "    name: agent",
        "    runtime: image",
        "    image: { url: docker.io/library/busybox:1.36 }",
        "    envVars:",
        "      - key: REGION",
        "        value: ${{ params.cloud.region }}",
        "",
      ].join("\n"),
    );
    await fs.mkdir(path.join(tmpDir, "v2"));
    twoDatabasesFile = path.join(tmpDir, "v2", "postgres.render.yaml");
    await fs.writeFile(
      twoDatabasesFile,
      "databases:\n  - name: main\n    plan: basic-256mb\n  - name: analytics\n    plan: basic-256mb\n",
    );
  },
});
const cli = (args: string[]) => harness().cli(args);
const ok = (args: string[]) => harness().ok(args);
async function okJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return (await harness().okJson<T>(args)).json;
}

interface TenantJson {
  id: string;
  slug: string;
  status: string;
  generation: number;
  resources?: { key: string; status: string; outputs: Record<string, unknown> }[];
}

/** Records the tenant's databases and roles so afterAll drops whatever a failed test left. */
function remember(tenant: TenantJson): void {
  for (const r of tenant.resources ?? []) {
    const { database, user } = r.outputs;
    if (typeof database === "string" && typeof user === "string") harness().track({ database, user });
  }
}

describe("tenantry blueprints", () => {
  it("validates offline: file:line:col lines on stdout, a summary on stderr, exit 1 on errors", async () => {
    const [bad, good] = await Promise.all([
      cli(["blueprints", "validate", badFile]),
      cli([
        "blueprints",
        "validate",
        ...["django-four-services", "parameterised", "postgres", "starter"].map((n) =>
          path.join(examples, `${n}.render.yaml`),
        ),
      ]),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${badFile}:5:5: error: unknown key \`startComand\``);
    expect(bad.stdout).toMatch(/:5:5: error: .*\[unknown-key\]/);
    expect(bad.stderr).toContain("1 file(s) checked: 1 error(s)");
    expect(good.code, good.stdout).toBe(0);
    expect(good.stderr).toContain("4 file(s) checked: 0 error(s)");
  });

  it("reports a hostile file at its position and goes on with the next file", async () => {
    const bomb = path.join(path.dirname(badFile), "bomb.render.yaml");
    await fs.writeFile(bomb, "databases:\n  - &a [*a]\n");
    const res = await cli(["blueprints", "validate", bomb, path.join(examples, "starter.render.yaml")]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      new RegExp(`${bomb.replaceAll(".", "\\.")}:2:\\d+: error: the document contains itself`),
    );
    expect(res.stderr).toContain("2 file(s) checked: 1 error(s)");
    expect(res.stderr).not.toMatch(/Maximum call stack/);
  });

  it("pushes a blueprint once, then reports it unchanged; lists and shows it", async () => {
    const file = path.join(examples, "parameterised.render.yaml");
    const first = await ok(["blueprints", "push", "crm", file]);
    expect(first.stdout.trim()).toBe("pushed crm@1");
    const again = await ok(["blueprints", "push", "crm", file]);
    expect(again.stdout.trim()).toBe("unchanged: crm@1 is identical");

    const [list, shown, text] = await Promise.all([
      ok(["blueprints", "list"]),
      okJson<{ name: string; version: number; source: string; parsed: Record<string, unknown> }>([
        "blueprints",
        "show",
        "crm",
      ]),
      ok(["blueprints", "show", "crm@1"]),
    ]);
    expect(list.stdout).toMatch(/^NAME\s+VERSION/);
    expect(list.stdout).toMatch(/^crm\s+1\s/m);
    expect(shown).toMatchObject({ name: "crm", version: 1 });
    expect(shown.parsed).toBeDefined();
    expect(shown.parsed["databases"]).toEqual([expect.objectContaining({ name: "crm-db" })]);
    expect(shown.source).toContain("crm-backend");
    expect(text.stdout).toMatch(/^\s+support_email\s+string\s/m);
  });

  it("shows an invalid push at its line in the file", async () => {
    const result = await cli(["blueprints", "push", "broken", badFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${badFile}:5:5: error: unknown key`);
    expect(result.stderr).toContain("BLUEPRINT_INVALID");
  });

  it("renders a blueprint for a would-be tenant, with its cost", async () => {
    await ok(["blueprints", "push", "django", path.join(examples, "django-four-services.render.yaml")]);
    const [rendered, cost, table] = await Promise.all([
      okJson<{ resources: { key: string }[]; cost: { totalMonthly: number; currency: string } }>([
        "blueprints",
        "render",
        "django",
        "--tenant",
        "Acme Corp",
        "--target",
        "render",
      ]),
      ok(["blueprints", "cost", "django", "--tenant", "Acme", "--target", "render"]),
      ok(["blueprints", "render", "django@1", "--tenant", "Acme Corp", "--target", "render"]),
    ]);
    expect(rendered.resources).toHaveLength(7);
    expect(rendered.cost.totalMonthly).toBeGreaterThan(0);
    expect(cost.stdout).toMatch(/^RESOURCE\s+PLAN\s+DETAIL\s+MONTHLY$/m);
    expect(cost.stdout).toMatch(/^Total:\s+\d+\.\d\d USD$/m);
    expect(table.stdout).toMatch(/^KEY\s+KIND\s+NAME\s+DEPENDS_ON$/m);
    expect(table.stdout).toContain("acme-corp");
  });

  it("renders object params given as JSON and dotted --param fields; a bad field is named by its pointer", async () => {
    await ok(["blueprints", "push", "cloudy", nestedFile]);
    const base = ["blueprints", "render", "cloudy", "--tenant", "Acme", "--target", "render"];
    const [rendered, bad, shown] = await Promise.all([
      okJson<{ params: Record<string, unknown> }>([
        ...base,
        "--param",
        'cloud={"provider":"aws"}',
        "--param",
        "cloud.region=us-east-1",
      ]),
      cli([
        ...base,
        "--param",
        "cloud.provider=aws",
        "--param",
        "cloud.region=US",
        "--param",
        "cloud.zone=a",
      ]),
      ok(["blueprints", "show", "cloudy"]),
    ]);
    expect(rendered.params).toEqual({ cloud: { provider: "aws", region: "us-east-1", use_existing: false } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("/params/cloud/region");
    expect(bad.stderr).toContain("/params/cloud/zone");
    expect(shown.stdout).toMatch(/^\s+cloud\s+object\s+-\s+yes$/m);
    expect(shown.stdout).toMatch(/^\s+cloud\.provider\s+enum\(aws\|gcp\)\s+-\s+yes$/m);
  });

  it("refuses an unknown target and a missing blueprint with their codes", async () => {
    const [target, missing] = await Promise.all([
      cli(["blueprints", "cost", "django", "--tenant", "Acme", "--target", "nowhere"]),
      cli(["blueprints", "show", "nope"]),
    ]);
    expect(target.code).toBe(1);
    expect(target.stderr).toContain("UNKNOWN_TARGET");
    // Not found has its own exit code (src/cli/exit-codes.ts).
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("BLUEPRINT_NOT_FOUND");
  });
});

describe("tenantry tenants plan / update", () => {
  it("creates a tenant and plans adding a database", async () => {
    const tenant = await okJson<TenantJson>([
      "tenants",
      "create",
      "Acme",
      "--blueprint",
      path.join(examples, "postgres.render.yaml"),
      "--wait",
      "--timeout",
      "20",
    ]);
    remember(tenant);
    expect(tenant).toMatchObject({ slug: "acme", status: "active" });

    const [plan, same] = await Promise.all([
      ok(["tenants", "plan", "acme", "--blueprint", twoDatabasesFile]),
      okJson<{ summary: Record<string, number> }>(["tenants", "plan", "acme"]),
    ]);
    expect(plan.stdout).toMatch(/^\s*\+ create\s+database:analytics\b/m);
    expect(plan.stdout).toMatch(/^\s*= no-op\s+database:main\b/m);
    expect(plan.stdout).toMatch(
      /^Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 1 unchanged\.$/m,
    );
    expect(same.summary).toMatchObject({ create: 0, "no-op": 1 });
  });

  it("updates the tenant to the new blueprint and waits until it is active", async () => {
    const tenant = await okJson<TenantJson>([
      "tenants",
      "update",
      "acme",
      "--blueprint",
      twoDatabasesFile,
      "--wait",
      "--timeout",
      "20",
    ]);
    remember(tenant);
    expect(tenant.status).toBe("active");
    expect(tenant.resources?.filter((r) => r.status !== "deleted")).toHaveLength(2);

    expect(tenant.generation).toBe(2);

    const [stale, labelled] = await Promise.all([
      cli(["tenants", "update", "acme", "--name", "Acme 2", "--if-generation", "1"]),
      okJson<{ tenant: TenantJson & { name: string; labels: Record<string, string> }; operation: unknown }>([
        "tenants",
        "update",
        "acme",
        "--label",
        "tier=gold",
        "--if-generation",
        "2",
      ]),
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("PRECONDITION_FAILED");
    expect(labelled.operation).toBeNull();
    expect(labelled.tenant).toMatchObject({ name: "Acme", labels: { tier: "gold" } });
  });

  it("deletes the tenant", async () => {
    const tenant = await okJson<TenantJson>(["tenants", "delete", "acme", "--wait", "--timeout", "20"]);
    expect(tenant.status).toBe("destroyed");
  });
});
