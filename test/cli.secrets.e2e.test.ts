import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useCliServer } from "./support/cli-harness.js";

/** `tenantry tenants create/update` with write-only secrets, against a `tenantry serve` child. */
const harness = useCliServer({
  tmpPrefix: "tenantry-cli-secrets-",
  async setup(server) {
    // API_TOKEN is declared (sync: false) in a group no service uses: nothing to run.
    await writeFile(
      path.join(server.tmpDir, "blueprint.yaml"),
      "envVarGroups:\n  - name: shared\n    envVars:\n      - key: API_TOKEN\n        sync: false\n",
    );
    await writeFile(
      path.join(server.tmpDir, "first.env"),
      "# the first token\nAPI_TOKEN=first-value=with-equals\n",
    );
    await writeFile(path.join(server.tmpDir, "bad.env"), "API_TOKEN=ok\nthis line holds a-secret-value\n");
  },
});
const cli = (args: string[]) => harness().cli(args);
const file = (name: string) => path.join(harness().tmpDir, name);

describe("tenantry tenants … secrets", () => {
  it("creates a tenant with --secrets-file and rotates a secret with --secret", async () => {
    const created = await cli([
      "tenants",
      "create",
      "Acme",
      "--blueprint",
      file("blueprint.yaml"),
      "--secrets-file",
      file("first.env"),
    ]);
    expect(created.code, created.stderr).toBe(0);
    const rotated = await cli([
      "tenants",
      "update",
      "acme",
      "--secret",
      "API_TOKEN=second-value",
      "-o",
      "json",
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout).tenant.generation).toBe(2);
    const same = await cli(["tenants", "update", "acme", "--secret", "API_TOKEN=second-value"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("no operation needed");
    for (const out of [created, rotated, same]) {
      expect(`${out.stdout}${out.stderr}`).not.toMatch(/first-value|second-value/);
    }
    const { rows } = await harness().testDb.db.query("select secrets_enc from tenants where slug = 'acme'");
    expect(rows[0].secrets_enc).toMatch(/^v2\./);
  });

  it("says which secrets the blueprint does not declare", async () => {
    const refused = await cli([
      "tenants",
      "update",
      "acme",
      "--secret",
      "API_TOKNE=x",
      "--unset-secret",
      "OLD",
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("API_TOKNE");
    expect(refused.stderr).toMatch(/UNDECLARED_SECRETS|declares no secret/);
  });

  it("names the bad line of a secrets file, never its content", async () => {
    const bad = await cli(["tenants", "update", "acme", "--secrets-file", file("bad.env")]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("line 2: expected KEY=value");
    expect(bad.stderr).not.toContain("a-secret-value");
  });
});
