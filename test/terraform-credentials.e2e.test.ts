import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { createFakeTofu, type FakeTofu } from "./support/fake-tofu/index.js";
import { addOrganization } from "./support/organizations.js";

/**
 * Bring your own cloud account on the terraform target, on the fake `tofu`: two
 * organizations register their own AWS role (`cloud_role`); a stack that names no role
 * assumes its organization's (with its external id) in the root module the CLI is given,
 * and a stack that names its own keeps it.
 */

const BUCKET_MODULE = {
  variable: { bucket: { type: "string" } },
  resource: { aws_s3_bucket: { this: { bucket: "${var.bucket}" } } },
  output: { bucket_name: { value: "${aws_s3_bucket.this.bucket}" } },
};

const stackBlueprint = (cloud: string) => ({
  source: `stacks:
  - name: objects
    source: terraform-aws-modules/s3-bucket/aws
    version: "4.1.2"
    cloud:
      provider: aws
      region: eu-west-1
${cloud}    inputs:
      bucket: \${{ tenant.slug }}-objects
    outputs:
      - name: bucket_name
`,
});
const NO_ROLE = stackBlueprint("");
const OWN_ROLE = stackBlueprint(
  "      roleArn: arn:aws:iam::333333333333:role/own\n      externalId: own-ext\n",
);

const ROLE_A = "arn:aws:iam::111111111111:role/tenantry-alpha";
const ROLE_B = "arn:aws:iam::222222222222:role/tenantry-beta";

let fake: FakeTofu;
let t: TestApp;
let a: ApiClient;
let b: ApiClient;
let state: TestDatabase;
let dir: string;

/** The aws provider blocks of the root module of the tenant's last `apply`. */
function awsProviders(slug: string): Record<string, unknown>[] {
  const dump = fake
    .workDirDumps()
    // t-<slug>-<discriminator>-<run>: the slug, exactly (alpha is not alpha-own).
    .filter((d) => new RegExp(`^t-${slug}-[a-z0-9]+-[0-9a-f]{8}$`).test(path.basename(d.cwd)))
    .filter((d) => d.argv[0] === "apply")
    .at(-1);
  const mainTf = dump?.files["main.tf.json"];
  if (!mainTf) throw new Error(`no apply of ${slug} recorded`);
  return JSON.parse(mainTf).provider.aws;
}

beforeAll(async () => {
  fake = createFakeTofu({
    flavor: "tofu",
    dumpWorkDir: true,
    modules: { "terraform-aws-modules/s3-bucket/aws@4.1.2": BUCKET_MODULE },
  });
  Object.assign(process.env, fake.env);
  state = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "tenantry-tf-creds-"));
  t = await startTestApp({
    env: { TENANTRY_LEASE_SECONDS: "30", TENANTRY_WORKER_CONCURRENCY: "3" },
    providers: new ProviderRegistry().register(
      createTerraformProvider({
        config: { ...TERRAFORM_DEFAULTS, terraformBin: fake.bin },
        dataDir: dir,
        databaseUrl: state.url,
      }),
    ),
  });
  a = apiClient(t);
  b = apiClient(t, (await addOrganization(t, "beta")).key);
  for (const [api, body] of [
    [a, { role_arn: ROLE_A, external_id: "alpha-ext-7f3e" }],
    [b, { role_arn: ROLE_B }],
  ] as const) {
    const res = await api.call("POST", "/v1/credentials", {
      target: "terraform",
      kind: "cloud_role",
      provider: "aws",
      ...body,
    });
    expect(res.status, res.raw).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
  await state?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("organizations' own cloud roles on the terraform target", () => {
  it("assumes each organization's role for stacks that name none, and a stack's own role otherwise", async () => {
    for (const [api, name, blueprint] of [
      [a, "Alpha", NO_ROLE],
      [a, "Alpha Own", OWN_ROLE],
      [b, "Beta", NO_ROLE],
    ] as const) {
      const res = await api.call("POST", "/v1/tenants", { name, target: "terraform", blueprint });
      expect(res.status, res.raw).toBe(201);
    }
    for (const [api, slug] of [
      [a, "alpha"],
      [a, "alpha-own"],
      [b, "beta"],
    ] as const) {
      const active = await api.waitForTenant(slug, "active", { timeoutMs: 60_000 });
      expect(active.error_message).toBeNull();
    }

    expect(awsProviders("alpha")).toEqual([
      expect.objectContaining({
        alias: "objects",
        region: "eu-west-1",
        assume_role: [{ role_arn: ROLE_A, external_id: "alpha-ext-7f3e", session_name: "tenantry-alpha" }],
      }),
    ]);
    expect(awsProviders("beta")).toEqual([
      expect.objectContaining({
        assume_role: [{ role_arn: ROLE_B, session_name: "tenantry-beta" }],
      }),
    ]);
    expect(awsProviders("alpha-own")).toEqual([
      expect.objectContaining({
        assume_role: [
          {
            role_arn: "arn:aws:iam::333333333333:role/own",
            external_id: "own-ext",
            session_name: "tenantry-alpha-own",
          },
        ],
      }),
    ]);
    // The external id is secret: in the root module the CLI needs, nowhere in the API's answers.
    const credential = (await a.json("GET", "/v1/credentials")).data[0];
    expect(JSON.stringify(credential)).not.toContain("alpha-ext-7f3e");
  });
});
