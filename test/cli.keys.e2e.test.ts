import { describe, expect, it } from "vitest";
import { useCliServer } from "./support/cli-harness.js";

/** `tenantry keys` end to end against a `tenantry serve` child process. */
const harness = useCliServer({ tmpPrefix: "tenantry-cli-keys-" });
const cli = (args: string[], env?: Record<string, string>) => harness().cli(args, env);

describe("tenantry keys", () => {
  it("creates a key printed once, lists it, rotates and revokes it", async () => {
    const created = await cli(["keys", "create", "ci", "--role", "viewer", "-o", "json"]);
    expect(created.code, created.stderr).toBe(0);
    const { api_key: key, key: secret } = JSON.parse(created.stdout);
    expect(secret).toMatch(/^tnt_/);

    const listed = await cli(["keys", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ID\s+NAME\s+ROLE\s+PREFIX\s+STATE/);
    expect(listed.stdout).toContain(`${key.prefix}…`);
    expect(listed.stdout).not.toContain(secret);

    // The new key works, with its role.
    const asViewer = await cli(["tenants", "list"], { TENANTRY_API_KEY: secret });
    expect(asViewer.code, asViewer.stderr).toBe(0);

    const rotated = await cli(["keys", "rotate", key.id, "--grace", "60"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/tnt_[A-Za-z0-9_-]{43}/);
    expect(rotated.stdout).toContain("The new key is shown this once");

    const revoked = await cli(["keys", "revoke", key.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ci (${key.prefix}…)`);
    const refused = await cli(["tenants", "list"], { TENANTRY_API_KEY: secret });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/revoked|not valid/);
  });

  it("says what is wrong with a bad role", async () => {
    const bad = await cli(["keys", "create", "x", "--role", "root"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/role/);
  });
});

describe("tenantry orgs and whoami", () => {
  it("creates an organization whose printed admin key works, lists, renames and deletes it", async () => {
    const me = await cli(["whoami"]);
    expect(me.code, me.stderr).toBe(0);
    expect(me.stdout).toMatch(/Role:\s+platform_admin/);

    const created = await cli(["orgs", "create", "acme", "--name", "Acme Corp"]);
    expect(created.code, created.stderr).toBe(0);
    const secret = /tnt_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    expect(secret).toBeDefined();
    const asAcme = await cli(["whoami", "-o", "json"], { TENANTRY_API_KEY: secret! });
    expect(asAcme.code, asAcme.stderr).toBe(0);
    expect(JSON.parse(asAcme.stdout)).toMatchObject({
      organization: { slug: "acme", name: "Acme Corp" },
      api_key: { role: "admin" },
    });
    // An organization's admin is not a platform admin.
    const refused = await cli(["orgs", "list"], { TENANTRY_API_KEY: secret! });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/platform_admin/);

    expect((await cli(["orgs", "rename", "acme", "Acme Inc."])).code).toBe(0);
    const listed = await cli(["orgs", "list"]);
    expect(listed.stdout).toMatch(/SLUG\s+NAME\s+TENANTS/);
    expect(listed.stdout).toMatch(/acme\s+Acme Inc\.\s+0/);

    const deleted = await cli(["orgs", "delete", "acme"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain("deleted acme");
    const gone = await cli(["orgs", "get", "acme"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/no organization/);
    // Nine CLI processes, each starting Node and tsx: slow on a loaded two-core machine.
  }, 120_000);
});
