import { describe, expect, it } from "vitest";
import type { CredentialSecret } from "../src/domain/credentials.js";
import type { StackSpec } from "../src/domain/resources.js";
import { withOrganizationCloud } from "../src/providers/terraform/cloud-credential.js";
import { rootModule } from "../src/providers/terraform/root-module.js";

/** Which account an organization's cloud_role gives a stack (src/providers/terraform/cloud-credential.ts). */

const stack = (name: string, cloud?: StackSpec["cloud"]) => ({
  key: `stack:${name}`,
  spec: { name, source: "./m", inputs: {}, outputs: [], ...(cloud && { cloud }) } satisfies StackSpec,
});
const AWS: CredentialSecret = {
  kind: "cloud_role",
  provider: "aws",
  roleArn: "arn:aws:iam::111111111111:role/org",
  externalId: "org-ext",
};
const GCP: CredentialSecret = {
  kind: "cloud_role",
  provider: "gcp",
  serviceAccount: "tenantry@org-project.iam.gserviceaccount.com",
};
const AZURE: CredentialSecret = {
  kind: "cloud_role",
  provider: "azure",
  clientId: "0b5f3c9e-3f5e-4a36-9d6f-2b8f7d3f1a11",
  tenantId: "6a1c8c1e-5b7a-4d2e-8f0e-1b2c3d4e5f60",
};

describe("an organization's cloud role for its stacks", () => {
  it("fills the role of aws stacks that name none, keeping a stack's own external id", () => {
    const [bare, withExt, own] = withOrganizationCloud(
      [
        stack("a", { provider: "aws", region: "eu-west-1" }),
        stack("b", { provider: "aws", region: "eu-west-1", roleArn: "", externalId: "stack-ext" }),
        stack("c", { provider: "aws", region: "eu-west-1", roleArn: "arn:aws:iam::2:role/own" }),
      ],
      AWS,
    );
    expect(bare?.spec.cloud).toEqual({
      provider: "aws",
      region: "eu-west-1",
      roleArn: AWS.roleArn,
      externalId: "org-ext",
    });
    expect(withExt?.spec.cloud).toMatchObject({ roleArn: AWS.roleArn, externalId: "stack-ext" });
    // A stack that names its own role keeps it, and gets nothing of the organization's.
    expect(own?.spec.cloud).toEqual({
      provider: "aws",
      region: "eu-west-1",
      roleArn: "arn:aws:iam::2:role/own",
    });
  });

  it("impersonates the organization's service account on google stacks that name none", () => {
    const stacks = [
      stack("g", { provider: "google", project: "p", region: "europe-west1" }),
      stack("a", { provider: "aws", region: "eu-west-1" }),
    ];
    const [g, a] = withOrganizationCloud(stacks, GCP);
    expect(g?.spec.cloud).toMatchObject({ serviceAccount: GCP.serviceAccount });
    // Another cloud's stack is not the credential's.
    expect(a?.spec.cloud).toEqual({ provider: "aws", region: "eu-west-1" });
    const json = rootModule(
      [g, a].filter((s) => s !== undefined),
      {
        marker: { "managed-by": "tenantry", installation: "i", organization: "o", tenant: "t" },
        sessionName: "tenantry-acme",
        stateKey: "t-acme-x",
      },
    ).json as { provider: { google: Record<string, unknown>[] } };
    expect(json.provider.google[0]).toMatchObject({ impersonate_service_account: GCP.serviceAccount });
  });

  it("leaves stacks without cloud, azure credentials and no credential alone", () => {
    const stacks = [stack("plain"), stack("a", { provider: "aws", region: "eu-west-1" })];
    expect(withOrganizationCloud(stacks, AZURE)).toEqual(stacks);
    expect(withOrganizationCloud(stacks, null)).toEqual(stacks);
    expect(withOrganizationCloud(stacks, AWS)[0]).toBe(stacks[0]);
  });
});
