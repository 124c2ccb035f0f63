import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderMetrics } from "../src/providers/metrics.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { createFakeTofu, type FakeTofu } from "./support/fake-tofu/index.js";
import { parseMetrics, scrape, value } from "./support/metrics.js";

/**
 * The terraform target on the fake `tofu` (test/support/fake-tofu), where the real CLI
 * cannot go: a stack in a customer's AWS account (the provider assumes the role with the
 * external id; every AWS resource gets the installation, organization and tenant as
 * default tags), a registry module, and what the CLI is given: no secret in its arguments,
 * none of Tenantry's own variables in its environment, nothing secret in the work directory
 * at any command, and the directory gone after each run.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const BUCKET_MODULE = {
  variable: { bucket: { type: "string" } },
  resource: {
    aws_s3_bucket: { this: { bucket: "${var.bucket}", tags: { purpose: "objects" } } },
  },
  output: { bucket_name: { value: "${aws_s3_bucket.this.bucket}" } },
};

const BLUEPRINT = `
parameters:
  cloud:
    type: object
    required: true
    properties:
      region: { type: string, required: true }
      role_arn: { type: string, required: true }
      external_id: { type: string }
stacks:
  - name: environment
    source: ./test/fixtures/terraform/beta9
    cloud:
      provider: aws
      region: \${{ params.cloud.region }}
      roleArn: \${{ params.cloud.role_arn }}
      externalId: \${{ params.cloud.external_id }}
    inputs:
      name: \${{ tenant.slug }}
      cloud: \${{ params.cloud }}
      cluster_profile: small
      postgres: { size: small, multi_az: false }
      redis: { size: small, ha: false }
      bucket_prefix: acme
      domain: acme.example.com
    outputs:
      - name: beta9_endpoint
      - name: db_password
        secret: true
  - name: objects
    source: terraform-aws-modules/s3-bucket/aws
    version: "4.1.2"
    cloud:
      provider: aws
      region: \${{ params.cloud.region }}
      roleArn: \${{ params.cloud.role_arn }}
      externalId: \${{ params.cloud.external_id }}
    inputs:
      bucket: \${{ tenant.slug }}-objects
    outputs:
      - name: bucket_name
`;

let fake: FakeTofu;
let t: TestApp;
let api: ApiClient;
let state: TestDatabase;
let dir: string;
const cliMetrics = new Registry();

describe("the terraform target on the fake tofu", () => {
  beforeAll(async () => {
    fake = createFakeTofu({
      flavor: "tofu",
      dumpWorkDir: true,
      modules: { "terraform-aws-modules/s3-bucket/aws@4.1.2": BUCKET_MODULE },
    });
    // The CLI gets Tenantry's environment: the fake's settings, as a real install's AWS_* would.
    Object.assign(process.env, fake.env);
    state = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-fake-tofu-"));
    const provider = createTerraformProvider({
      config: { ...TERRAFORM_DEFAULTS, terraformBin: fake.bin, terraformModulesDir: root },
      dataDir: dir,
      databaseUrl: state.url,
      metrics: createProviderMetrics(cliMetrics),
    });
    t = await startTestApp({
      env: { TENANTRY_LEASE_SECONDS: "30" },
      providers: new ProviderRegistry().register(provider),
    });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await state?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("assumes the customer's role, tags every resource, and keeps secrets out of the CLI's way", async () => {
    await api.call("POST", "/v1/tenants", {
      name: "Acme",
      target: "terraform",
      blueprint: { source: BLUEPRINT },
      params: {
        cloud: {
          region: "eu-west-1",
          role_arn: "arn:aws:iam::123456789012:role/tenantry",
          external_id: "acme-7f3e",
        },
      },
    });
    const active = await eventually(
      async () => {
        const r = await api.json("GET", "/v1/tenants/acme");
        return r.status === "active" || r.status === "failed" ? r : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(active.error_message).toBeNull();
    const status = await api.json("GET", "/v1/tenants/acme/status");
    expect(status.outputs["stack:environment"]).toEqual({ beta9_endpoint: "https://acme.example.com" });
    expect(status.outputs["stack:objects"]).toEqual({ bucket_name: "acme-objects" });

    // The state, in the tenant's workspace of the pg backend.
    const db = new pg.Client({ connectionString: state.url });
    await db.connect();
    const { rows } = await db.query<{ name: string; data: string }>(
      "select name, data from tenantry_terraform.states where name like 't-acme-%'",
    );
    await db.end();
    expect(rows).toHaveLength(1);
    const tfState = JSON.parse(rows[0]?.data ?? "{}");
    const bucket = tfState.resources.find((r: any) => r.type === "aws_s3_bucket");
    expect(bucket.module).toBe("module.objects");
    expect(bucket.instances[0].attributes.tags_all).toEqual({
      purpose: "objects",
      "tenantry-installation": expect.any(String),
      "tenantry-organization": active.organization_id ?? expect.any(String),
      "tenantry-tenant": active.id,
    });
    const password = tfState.outputs.environment__db_password.value as string;

    // The root module the CLI was given: the role assumed with the external id.
    const dumps = fake.workDirDumps();
    const mainTf = dumps.map((d) => d.files["main.tf.json"]).find((f) => f !== undefined) as string;
    const provider = JSON.parse(mainTf).provider.aws;
    expect(provider).toContainEqual(
      expect.objectContaining({
        alias: "environment",
        region: "eu-west-1",
        assume_role: [
          {
            role_arn: "arn:aws:iam::123456789012:role/tenantry",
            external_id: "acme-7f3e",
            session_name: "tenantry-acme",
          },
        ],
      }),
    );
    // Nothing secret in any file of any command's work directory, nor in any argv; none of
    // Tenantry's own settings in the CLI's environment.
    const url = new URL(state.url);
    for (const d of dumps) {
      for (const [file, content] of Object.entries(d.files)) {
        if (file.endsWith("tfplan")) continue; // the saved plan holds what the plan computed (docs/terraform.md)
        expect(content, `${file} at ${d.argv.join(" ")}`).not.toContain(url.host + url.pathname);
        expect(content, `${file} at ${d.argv.join(" ")}`).not.toContain(password);
      }
    }
    const commands = fake.invocations();
    expect(commands.map((i) => i.argv[0])).toEqual(
      expect.arrayContaining(["init", "workspace", "plan", "show", "apply", "output"]),
    );
    for (const inv of commands) {
      expect(inv.argv.join(" ")).not.toContain("postgres://");
      expect(inv.env.filter((name) => name.startsWith("TENANTRY_") || name === "DATABASE_URL")).toEqual([]);
    }

    await api.json("DELETE", "/v1/tenants/acme");
    const destroyed = await eventually(
      async () => {
        const r = await api.json("GET", "/v1/tenants/acme");
        return r.status === "destroyed" || r.status === "failed" ? r : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(destroyed.error_message).toBeNull();
    expect(destroyed.status).toBe("destroyed");
    // Every CLI run counted, by subcommand, as it ended (all exited 0 here).
    const runs = parseMetrics(await cliMetrics.metrics());
    const verbs = new Map<string, number>();
    for (const inv of fake.invocations())
      verbs.set(inv.argv[0] ?? "", (verbs.get(inv.argv[0] ?? "") ?? 0) + 1);
    expect([...verbs.keys()]).toEqual(expect.arrayContaining(["init", "plan", "apply", "destroy"]));
    for (const [verb, n] of verbs) {
      expect(
        value(runs, "tenantry_provider_requests_total", {
          provider: "terraform",
          method: verb,
          status_class: "ok",
        }),
        verb,
      ).toBe(n);
    }
    expect(value(runs, "tenantry_provider_requests_total")).toBe(fake.invocations().length);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(path.join(dir, "terraform", "runs"))).toEqual([]);
  });

  it("fails a half-way apply with the provider's diagnostic at its address; a retry applies the rest", async () => {
    fake.control({
      failures: [
        {
          address: "module.objects.aws_s3_bucket.this",
          summary: "creating S3 Bucket (widgets-objects): BucketAlreadyExists",
          detail: "The requested bucket name is not available.",
        },
      ],
    });
    const params = { cloud: { region: "eu-west-1", role_arn: "arn:aws:iam::123456789012:role/tenantry" } };
    await api.call("POST", "/v1/tenants", {
      name: "Widgets",
      target: "terraform",
      blueprint: { source: BLUEPRINT },
      params,
    });
    const settle = (want: string) =>
      eventually(
        async () => {
          const r = await api.json("GET", "/v1/tenants/widgets");
          return r.status === want || r.status === "failed" ? r : undefined;
        },
        { timeoutMs: 60_000 },
      );
    const failed = await settle("active");
    expect(failed.status).toBe("failed");
    expect(failed.error_message).toContain(
      "BucketAlreadyExists: The requested bucket name is not available.",
    );
    expect(failed.error_message).toContain("module.objects.aws_s3_bucket.this");
    // The failed apply: an `error` run; the failure counted by the stacks' cloud and region.
    const failedRuns = parseMetrics(await cliMetrics.metrics());
    expect(
      value(failedRuns, "tenantry_provider_requests_total", {
        provider: "terraform",
        method: "apply",
        status_class: "error",
      }),
    ).toBe(1);
    await eventually(async () => {
      const { samples: s } = await scrape(t);
      return value(s, "provisioning_errors_total", { cloud: "aws", region: "eu-west-1" }) === 1
        ? s
        : undefined;
    });
    const applies = () => fake.invocations().filter((i) => i.argv[0] === "apply").length;
    const before = applies();

    fake.control({});
    await api.json("POST", "/v1/tenants/widgets/retry");
    expect((await settle("active")).status).toBe("active");
    expect(applies()).toBe(before + 1);
    // Each resource was made once: the retry made only what the failed apply had not.
    const events = (await api.json("GET", "/v1/tenants/widgets/events")).data as any[];
    const made = events
      .filter((e) => e.type === "stack.resource_applied" && e.data.status === "complete")
      .map((e) => e.data.address as string);
    expect(made.filter((a) => a === "module.objects.aws_s3_bucket.this")).toHaveLength(1);
    expect(new Set(made).size).toBe(made.length);
    expect(made).toHaveLength(6);
    // The retry planned again (nobody was following a run): its plan is on the timeline too.
    const plans = events.filter((e) => e.type === "stack.planned").map((e) => e.data.summary);
    expect(plans).toEqual(["6 to add, 0 to change, 0 to destroy", "1 to add, 0 to change, 0 to destroy"]);
    const errored = events.filter((e) => e.type === "stack.resource_applied" && e.data.status === "errored");
    expect(errored.map((e) => e.data.address)).toEqual(["module.objects.aws_s3_bucket.this"]);
  });
});
