import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useCliServer } from "./support/cli-harness.js";

/** `tenantry audit` end to end against a `tenantry serve` child process. */
let blueprintFile: string;
const harness = useCliServer({
  tmpPrefix: "tenantry-cli-audit-",
  async setup({ tmpDir }) {
    blueprintFile = path.join(tmpDir, "empty.yaml");
    await fs.writeFile(blueprintFile, "databases: []\n");
  },
});
const cli = (args: string[], env?: Record<string, string>) => harness().cli(args, env);

describe("tenantry audit", () => {
  it("lists who did what as a table or JSON, with filters, and is refused to a viewer", async () => {
    const created = await cli(["keys", "create", "auditor", "--role", "viewer", "-o", "json"]);
    expect(created.code, created.stderr).toBe(0);
    const { api_key: key, key: secret } = JSON.parse(created.stdout);
    const refused = await cli(["audit"], { TENANTRY_API_KEY: secret });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/admin/);
    expect((await cli(["keys", "revoke", key.id])).code).toBe(0);

    const listed = await cli(["audit"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/TIME\s+ACTOR\s+ACTION\s+OUTCOME\s+TENANT\s+OPERATION\s+REQUEST ID/);
    expect(listed.stdout).toMatch(/api_key\.create\s+succeeded 201/);
    expect(listed.stdout).toMatch(/api_key\.revoke\s+succeeded 200/);
    expect(listed.stdout).not.toContain(secret);

    const json = await cli(["audit", "--action", "api_key.revoke", "-o", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const entries = JSON.parse(json.stdout);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "api_key.revoke",
      actor: { type: "api_key" },
      summary: { path: { id: key.id } },
    });
    const one = await cli(["audit", "--request-id", entries[0].request_id, "--limit", "1", "-o", "json"]);
    expect(JSON.parse(one.stdout).map((e: { id: string }) => e.id)).toEqual([entries[0].id]);

    const bad = await cli(["audit", "--since", "yesterday"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/since/);
  }, 180_000);

  it("shows who requested an operation, and the request id that leads to its audit entries", async () => {
    const created = await cli(["tenants", "create", "Audited", "--blueprint", blueprintFile, "-o", "json"]);
    expect(created.code, created.stderr).toBe(0);
    const entries = JSON.parse((await cli(["audit", "--action", "tenant.create", "-o", "json"])).stdout);
    // The only tenant created here.
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    expect(entry?.operation_id).toBeTruthy();
    const op = await cli(["operations", "get", entry.operation_id]);
    expect(op.code, op.stderr).toBe(0);
    expect(op.stdout).toMatch(/Requested by:\s+admin \(bootstrap\) \([0-9a-f-]{36}\)/);
    expect(op.stdout).toMatch(new RegExp(`Request id:\\s+${entry.request_id}`));
  }, 120_000);
});
