import { describe, expect, it } from "vitest";
import { useCliServer } from "./support/cli-harness.js";

/** `tenantry orgs quotas` end to end against a `tenantry serve` child process. */
const harness = useCliServer({ tmpPrefix: "tenantry-cli-quotas-" });
const cli = (args: string[], env?: Record<string, string>) => harness().cli(args, env);

describe("tenantry orgs quotas", () => {
  it("shows quotas, lets the platform admin override and reset them, and refuses others", {
    timeout: 120_000,
  }, async () => {
    const created = await cli(["orgs", "create", "acme"]);
    expect(created.code, created.stderr).toBe(0);
    const acmeKey = /tnt_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0] ?? "";

    const own = await cli(["orgs", "quotas"], { TENANTRY_API_KEY: acmeKey });
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain("Organization: acme");
    expect(own.stdout).toMatch(/max_tenants\s+1000\s+0\s+default/);
    expect(own.stdout).toMatch(/max_concurrent_operations\s+unlimited\s+0\s+default/);

    const set = await cli([
      "orgs",
      "quotas",
      "acme",
      "--max-tenants",
      "5",
      "--creates-per-minute",
      "0",
      "-o",
      "json",
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).quotas).toMatchObject({
      max_tenants: { limit: 5, overridden: true },
      creates_per_minute: { limit: 0, overridden: true },
    });
    const reset = await cli(["orgs", "quotas", "acme", "--max-tenants", "default"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/max_tenants\s+1000\s+0\s+default/);
    expect(reset.stdout).toMatch(/creates_per_minute\s+unlimited\s+0\s+override/);

    const refused = await cli(["orgs", "quotas", "acme", "--max-tenants", "9999"], {
      TENANTRY_API_KEY: acmeKey,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/platform_admin/);
    const bad = await cli(["orgs", "quotas", "acme", "--max-tenants", "lots"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--max-tenants: expected a whole number or "default", got "lots"');
  });
});
