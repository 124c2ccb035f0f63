import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unknownTargetMessage } from "../src/providers/targets.js";
import { parseTerraformConfig } from "../src/providers/terraform/config.js";

describe("the terraform target's configuration", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tenantry-tfbin-"));
  const fake = path.join(dir, "tofu");
  writeFileSync(fake, "#!/bin/sh\n");
  chmodSync(fake, 0o755);
  const other = mkdtempSync(path.join(tmpdir(), "tenantry-tfbin-"));
  writeFileSync(path.join(other, "terraform"), "not executable");

  it("finds tofu, else terraform, on PATH; nothing found: no target, and a create says what to install", () => {
    expect(parseTerraformConfig({ PATH: dir }).terraformBin).toBe(fake);
    expect(parseTerraformConfig({ PATH: "/nonexistent" }).terraformBin).toBeUndefined();
    // A file that is not executable is not a candidate.
    expect(parseTerraformConfig({ PATH: other }).terraformBin).toBeUndefined();
    expect(parseTerraformConfig({ PATH: `${other}:${dir}` }).terraformBin).toBe(fake);
    expect(unknownTargetMessage("terraform", ["local"])).toMatch(/install OpenTofu \(tofu\) or Terraform/);
  });

  it("takes a default state location for stacks that name none", () => {
    expect(
      parseTerraformConfig({
        PATH: dir,
        TENANTRY_TERRAFORM_STATE:
          '{"backend": "s3", "config": {"bucket": "tf-states", "region": "eu-west-1", "use_lockfile": true}}',
      }).terraformState,
    ).toEqual({ backend: "s3", config: { bucket: "tf-states", region: "eu-west-1", use_lockfile: true } });
    expect(parseTerraformConfig({ PATH: dir }).terraformState).toBeUndefined();
    expect(() =>
      parseTerraformConfig({ PATH: dir, TENANTRY_TERRAFORM_STATE: '{"backend": "azurerm"}' }),
    ).toThrow(/TENANTRY_TERRAFORM_STATE: "backend" must be "s3" or "gcs"/);
    expect(() => parseTerraformConfig({ PATH: dir, TENANTRY_TERRAFORM_STATE: "s3://bucket" })).toThrow(
      /TENANTRY_TERRAFORM_STATE: expected JSON/,
    );
  });

  it("reads every setting and reports bad ones at once", () => {
    const config = parseTerraformConfig({
      PATH: dir,
      TENANTRY_TERRAFORM_BIN: fake,
      TENANTRY_TERRAFORM_MODULES_DIR: "/srv/modules",
      TENANTRY_TERRAFORM_STATE_URL: "postgres://tf@db/tf",
      TENANTRY_TERRAFORM_STATE_SCHEMA: "tf_states",
      TENANTRY_TERRAFORM_LOCK_TIMEOUT: "120",
      TENANTRY_HELM_BIN: "/usr/local/bin/helm",
    });
    expect(config).toMatchObject({
      terraformBin: fake,
      terraformModulesDir: "/srv/modules",
      terraformStateUrl: "postgres://tf@db/tf",
      terraformStateSchema: "tf_states",
      terraformLockTimeoutSeconds: 120,
      helmBin: "/usr/local/bin/helm",
    });
    expect(() =>
      parseTerraformConfig({
        PATH: other,
        TENANTRY_TERRAFORM_BIN: "terraform",
        TENANTRY_TERRAFORM_STATE_SCHEMA: "Bad-Schema",
        TENANTRY_TERRAFORM_STATE_URL: "mysql://x",
      }),
    ).toThrow(
      /TENANTRY_TERRAFORM_BIN: no executable "terraform"[\s\S]*TENANTRY_TERRAFORM_STATE_SCHEMA[\s\S]*TENANTRY_TERRAFORM_STATE_URL/,
    );
  });
});
