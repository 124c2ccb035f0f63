import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { findExecutable, TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { createFakeTofu } from "./support/fake-tofu/index.js";

/**
 * The environments API with the seed's exact request body, on the terraform target with the
 * fake tofu and (when on PATH) the real CLI, and a stand-in module with the AWS example's variables and outputs
 * (test/fixtures/terraform/beta9): queued → provisioning → bootstrapping (a fake helm,
 * given the kubeconfig) → ready with the outputs; DELETE → destroyed with the state empty;
 * a bad body → 400 with JSON pointers into it, nothing created.
 */

/** The real CLI when there is one (else said, visibly), and always the fake one. */
const real = findExecutable("tofu") ?? findExecutable("terraform");
if (!real)
  console.warn("[environments e2e] the real CLI part SKIPPED: neither tofu nor terraform is on PATH");
const clis: [string, () => { bin: string; close(): Promise<void> }][] = [
  ...(real
    ? [
        ["the real CLI", () => ({ bin: real, close: async () => {} })] as [
          string,
          () => { bin: string; close(): Promise<void> },
        ],
      ]
    : []),
  [
    "the fake tofu",
    () => {
      const fake = createFakeTofu({ flavor: "tofu" });
      Object.assign(process.env, fake.env);
      return { bin: fake.bin, close: () => fake.close() };
    },
  ],
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The seed's request, as its callers send it. */
const SEED = {
  name: "acme-prod",
  cloud: {
    provider: "aws",
    region: "us-east-1",
    account_id: "123456789012",
    role_arn: "arn:aws:iam::123456789012:role/beta9-provisioner",
  },
  cluster: { profile: "small", use_existing: false },
  data: {
    postgres: { size: "small", multi_az: false },
    redis: { size: "small", ha: false },
    object_store: { bucket_prefix: "acme" },
  },
  beta9: { domain: "acme.example.com", workers: { gpu_enabled: true } },
};

/**
 * The AWS example blueprint's parameters (examples/blueprints/beta9-environment-aws.render.yaml),
 * its stack pointed at the stand-in module and without the `cloud:` block (no AWS here).
 */
function blueprint(): string {
  const example = readFileSync(
    path.join(root, "examples/blueprints/beta9-environment-aws.render.yaml"),
    "utf8",
  );
  const parameters = example.slice(example.indexOf("parameters:"), example.indexOf("\nstacks:"));
  return `${parameters}
stacks:
  - name: environment
    source: ./test/fixtures/terraform/beta9
    inputs:
      name: \${{ tenant.slug }}
      cloud: \${{ params.cloud }}
      cluster_profile: \${{ params.cluster.profile }}
      postgres: \${{ params.data.postgres }}
      redis: \${{ params.data.redis }}
      bucket_prefix: \${{ params.data.object_store.bucket_prefix }}
      domain: \${{ params.beta9.domain }}
      gpu_enabled: \${{ params.beta9.workers.gpu_enabled }}
    outputs:
      - name: cluster_endpoint
      - name: beta9_endpoint
      - name: rds_endpoint
      - name: redis_endpoint
      - name: bucket_name
      - name: kubeconfig
        secret: true
      - name: db_password
        secret: true
hooks:
  bootstrap: '"$TENANTRY_HELM_BIN" upgrade --install beta9 oci://example.test/beta9 --kubeconfig "$KUBECONFIG" --set domain="$BETA9_ENDPOINT"'
`;
}

describe.each(clis)("the environments API with %s", (_name, makeCli) => {
  let t: TestApp;
  let api: ApiClient;
  let state: TestDatabase;
  let dir: string;
  let helmLog: string;
  let cli: { bin: string; close(): Promise<void> };
  const logs: string[] = [];

  beforeAll(async () => {
    cli = makeCli();
    const bin = cli.bin;
    state = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-environments-"));
    helmLog = path.join(dir, "helm.log");
    const helm = path.join(dir, "helm");
    // A helm that records what it was asked and checks it got the cluster's kubeconfig.
    writeFileSync(
      helm,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${helmLog}'\ngrep -q 'kind: Config' "$KUBECONFIG" || { echo 'no kubeconfig' >&2; exit 1; }\n`,
    );
    chmodSync(helm, 0o755);
    const provider = createTerraformProvider({
      config: { ...TERRAFORM_DEFAULTS, terraformBin: bin, terraformModulesDir: root, helmBin: helm },
      dataDir: dir,
      databaseUrl: state.url,
    });
    t = await startTestApp({
      env: { TENANTRY_LEASE_SECONDS: "30", TENANTRY_ENVIRONMENT_BLUEPRINT: "aws=beta9-aws" },
      providers: new ProviderRegistry().register(provider),
      // Every log line, at the most talkative level: checked for secrets below.
      logger: pino({ level: "trace" }, { write: (line: string) => void logs.push(line) }),
    });
    api = apiClient(t);
    const pushed = await api.call("POST", "/v1/blueprints", { name: "beta9-aws", source: blueprint() });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await cli?.close();
    await state?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("provisions the seed's request to ready with its outputs, and destroys it", async () => {
    const created = await api.call("POST", "/v1/environments", SEED);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toEqual({
      environment_id: expect.any(String),
      status: "queued",
      created_at: expect.any(String),
    });
    const id = created.body.environment_id as string;
    expect(created.headers["location"]).toBe(`/v1/environments/${id}`);

    const seen = new Set<string>();
    const ready = await eventually(
      async () => {
        const env = await api.json("GET", `/v1/environments/${id}`);
        seen.add(env.status);
        return env.status === "ready" || env.status === "failed" ? env : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    expect(ready.error_message).toBeNull();
    expect(ready).toMatchObject({
      environment_id: id,
      name: "acme-prod",
      status: "ready",
      cloud: { provider: "aws", region: "us-east-1" },
      outputs: {
        cluster_endpoint: expect.stringMatching(/^https:\/\/.+\.eks\.us-east-1\.amazonaws\.com$/),
        beta9_endpoint: "https://acme.example.com",
        rds_endpoint: expect.stringContaining(".rds.amazonaws.com:5432"),
        redis_endpoint: expect.stringContaining(".cache.amazonaws.com:6379"),
        bucket_name: "acme-acme-prod",
      },
    });
    // Secret outputs are sealed, not shown, not logged.
    expect(Object.keys(ready.outputs)).not.toContain("kubeconfig");
    expect(Object.keys(ready.outputs)).not.toContain("db_password");
    const db = new pg.Client({ connectionString: state.url });
    await db.connect();
    const { rows } = await db.query<{ data: string }>(
      "select data from tenantry_terraform.states where name like 't-acme-prod-%'",
    );
    await db.end();
    const tfOutputs = JSON.parse(rows[0]?.data ?? "{}").outputs;
    const secrets = [
      tfOutputs.environment__db_password.value,
      tfOutputs.environment__kubeconfig.value,
    ] as string[];
    expect(secrets.every((v) => typeof v === "string" && v.length > 20)).toBe(true);
    const everything = JSON.stringify([
      ready,
      await api.json("GET", `/v1/tenants/${id}`),
      await api.json("GET", `/v1/tenants/${id}/events`),
    ]);
    expect(logs.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(logs.join("\n")).not.toContain(secret);
    }
    // Statuses the tenant went through (the poll may miss the quick ones, not the phases' order).
    const events = (await api.json("GET", `/v1/tenants/${id}/events`)).data as any[];
    const tos = events.filter((e) => e.type === "tenant.status_changed").map((e) => e.data.to);
    expect(tos).toEqual(["provisioning", "bootstrapping", "active"]);
    expect(readFileSync(helmLog, "utf8")).toContain("upgrade --install beta9 oci://example.test/beta9");
    expect(readFileSync(helmLog, "utf8")).toContain("--set domain=https://acme.example.com");

    const destroying = await api.call("DELETE", `/v1/environments/${id}`);
    expect(destroying.status).toBe(202);
    expect(destroying.body).toEqual({ environment_id: id, status: "destroying" });
    const destroyed = await eventually(
      async () => {
        const env = await api.json("GET", `/v1/environments/${id}`);
        return env.status === "destroyed" || env.status === "failed" ? env : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(destroyed.status).toBe("destroyed");
    expect(destroyed.outputs).toEqual({});
    const after = new pg.Client({ connectionString: state.url });
    await after.connect();
    const left = await after.query(
      "select name from tenantry_terraform.states where name like 't-acme-prod-%'",
    );
    await after.end();
    expect(left.rows).toEqual([]);
  });

  it("refuses a bad body with a pointer per problem, and creates nothing", async () => {
    const bad = {
      ...SEED,
      name: "bad-env",
      cloud: { provider: "aws", region: "Mars 1", account_id: "123456789012" },
      cluster: { profile: "small", use_existing: false, extra: 1 },
    };
    const res = await api.call("POST", "/v1/environments", bad);
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    const pointers = (res.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(["/cloud/region", "/cloud/role_arn", "/cluster/extra"]);
    const list = await api.json("GET", "/v1/tenants");
    expect(list.data.map((x: { name: string }) => x.name)).not.toContain("bad-env");

    const gcp = await api.call("POST", "/v1/environments", {
      ...SEED,
      cloud: { ...SEED.cloud, provider: "azure" },
    });
    expect(gcp.status).toBe(400);
    expect(gcp.body.errors).toEqual([
      { pointer: "/cloud/provider", message: expect.stringContaining("aws") },
    ]);
    expect((await api.call("GET", "/v1/environments/nope")).body.code).toBe("ENVIRONMENT_NOT_FOUND");
  });
});
