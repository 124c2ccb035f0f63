import { describe, expect, it } from "vitest";
import { renderBlueprint } from "../src/blueprints/render.js";
import { validateBlueprint } from "../src/blueprints/validate.js";
import { literal, rootModule } from "../src/providers/terraform/root-module.js";

/** `stacks:` (Tenantry extension): validation with positions, rendering, and the root module. */

const GOOD = `
parameters:
  region:
    type: string
    default: eu-west-1
stacks:
  - name: env
    source: ./examples/terraform/aws
    cloud:
      provider: aws
      region: \${{ params.region }}
      roleArn: arn:aws:iam::123456789012:role/tenantry
      externalId: acme-ext
    inputs:
      name: \${{ tenant.slug }}
      nodes: 3
    outputs:
      - name: cluster_endpoint
      - name: kubeconfig
        secret: true
`;

const codes = (source: string) =>
  validateBlueprint(source).errors.map((e) => [e.code, e.pointer, e.line] as const);

describe("blueprint stacks", () => {
  it("validates and renders a stack to one resource of kind stack", () => {
    const result = validateBlueprint(GOOD);
    expect(result.errors).toEqual([]);
    const rendered = renderBlueprint(result.blueprint!, {
      tenant: { id: "t1", slug: "acme", name: "Acme" },
      org: { slug: "org" },
      installationId: "i1",
      params: {},
    });
    expect(rendered.resources).toHaveLength(1);
    const [stack] = rendered.resources;
    expect(stack).toMatchObject({
      key: "stack:env",
      kind: "stack",
      externalName: expect.stringMatching(/^env-acme-[a-z0-9]+$/),
      spec: {
        source: "./examples/terraform/aws",
        cloud: { provider: "aws", region: "eu-west-1" },
        inputs: { name: "acme", nodes: 3 },
        outputs: [
          { name: "cluster_endpoint", secret: false },
          { name: "kubeconfig", secret: true },
        ],
      },
    });
  });

  it("reports each problem at its line", () => {
    expect(
      codes(`
stacks:
  - name: Env
    source: https://example.com/module.zip
    version: "1.0"
  - name: env2
    source: git::https://github.com/acme/infra.git//env?ref=v1
    version: "1.0"
    cloud:
      provider: aws
    inputs:
      "bad name": 1
    outputs:
      - name: out
      - name: out
    state:
      backend: pg
      config:
        bucket: x
  - name: env3
    source: terraform-aws-modules/vpc/aws
    version: "5.8.1"
    state:
      backend: s3
`),
    ).toEqual([
      ["bad-name", "/stacks/0/name", 3],
      ["bad-source", "/stacks/0/source", 4],
      ["version-not-allowed", "/stacks/0/version", 5],
      ["version-not-allowed", "/stacks/1/version", 8],
      ["missing-key", "/stacks/1/cloud", 10],
      ["bad-name", "/stacks/1/inputs/bad name", 12],
      ["duplicate-name", "/stacks/1/outputs/1/name", 15],
      ["not-for-backend", "/stacks/1/state/config", 19],
      ["one-state", "/stacks/2/state", 24],
    ]);
  });

  it("warns about unpinned modules and roles without an external id", () => {
    const { warnings } = validateBlueprint(`
stacks:
  - name: a
    source: terraform-aws-modules/vpc/aws
  - name: b
    source: git::https://github.com/acme/infra.git//env
    cloud:
      provider: aws
      region: us-east-1
      roleArn: arn:aws:iam::123456789012:role/x
`);
    expect(warnings.map((w) => [w.code, w.pointer])).toEqual([
      ["unpinned-module", "/stacks/0/source"],
      ["unpinned-module", "/stacks/1/source"],
      ["no-external-id", "/stacks/1/cloud/roleArn"],
    ]);
  });

  it("writes a root module that assumes the role, tags everything, and keeps inputs literal", () => {
    const root = rootModule(
      [
        {
          key: "stack:env",
          spec: {
            name: "env",
            source: "./examples/terraform/aws",
            cloud: {
              provider: "aws",
              region: "eu-west-1",
              roleArn: "arn:aws:iam::1:role/t",
              externalId: "x",
            },
            inputs: { name: "acme", evil: '${file("/etc/passwd")}', nested: { "%{ if }": ["${a}"] } },
            outputs: [{ name: "kubeconfig", secret: true }],
          },
        },
      ],
      {
        marker: { "managed-by": "tenantry", installation: "i1", organization: "o1", tenant: "t1" },
        sessionName: "tenantry-acme",
        stateKey: "t-acme-abc",
      },
    );
    expect(root.localModules).toEqual([{ stack: "env", source: "./examples/terraform/aws" }]);
    expect(root.json).toMatchObject({
      terraform: { backend: { pg: {} } },
      provider: {
        aws: [
          {
            alias: "env",
            region: "eu-west-1",
            assume_role: [
              { role_arn: "arn:aws:iam::1:role/t", external_id: "x", session_name: "tenantry-acme" },
            ],
            default_tags: [
              {
                tags: {
                  "tenantry-installation": "i1",
                  "tenantry-organization": "o1",
                  "tenantry-tenant": "t1",
                },
              },
            ],
          },
        ],
      },
      module: {
        env: {
          source: "./modules/env",
          providers: { aws: "aws.env" },
          evil: '$${file("/etc/passwd")}',
          nested: { "%%{ if }": ["$${a}"] },
        },
      },
      output: { env__kubeconfig: { value: "${module.env.kubeconfig}", sensitive: true } },
    });
    expect(literal("plain")).toBe("plain");

    const google = rootModule(
      [
        {
          key: "stack:gke",
          spec: {
            name: "gke",
            source: "terraform-google-modules/kubernetes-engine/google",
            version: "36.0.0",
            cloud: {
              provider: "google",
              project: "acme-prod",
              region: "europe-west1",
              serviceAccount: "t@acme.iam.gserviceaccount.com",
            },
            inputs: {},
            outputs: [],
            state: { backend: "gcs", config: { bucket: "acme-tf" } },
          },
        },
      ],
      {
        marker: { "managed-by": "tenantry", installation: "i1", organization: "o1", tenant: "t1" },
        sessionName: "tenantry-acme",
        stateKey: "t-acme-abc",
      },
    );
    expect(google.localModules).toEqual([]);
    expect(google.json).toMatchObject({
      terraform: {
        backend: {
          gcs: {
            bucket: "acme-tf",
            prefix: "tenantry/t-acme-abc",
            impersonate_service_account: "t@acme.iam.gserviceaccount.com",
          },
        },
      },
      module: {
        gke: {
          source: "terraform-google-modules/kubernetes-engine/google",
          version: "36.0.0",
          providers: { google: "google.gke", "google-beta": "google-beta.gke" },
        },
      },
    });
    // A default state location (TENANTRY_TERRAFORM_STATE) for stacks that name none, with the stack's role.
    const defaulted = rootModule(
      [
        {
          key: "stack:env",
          spec: {
            name: "env",
            source: "./m",
            cloud: {
              provider: "aws",
              region: "eu-west-1",
              roleArn: "arn:aws:iam::1:role/t",
              externalId: "x",
            },
            inputs: {},
            outputs: [],
          },
        },
      ],
      {
        marker: { "managed-by": "tenantry", installation: "i1", organization: "o1", tenant: "t1" },
        sessionName: "tenantry-acme",
        stateKey: "t-acme-abc",
        defaultState: { backend: "s3", config: { bucket: "tf-states", use_lockfile: true } },
      },
    );
    expect((defaulted.json["terraform"] as { backend: unknown }).backend).toEqual({
      s3: {
        key: "tenantry/t-acme-abc/terraform.tfstate",
        region: "eu-west-1",
        assume_role: { role_arn: "arn:aws:iam::1:role/t", external_id: "x", session_name: "tenantry-acme" },
        bucket: "tf-states",
        use_lockfile: true,
      },
    });
    const providers = google.json["provider"] as Record<
      string,
      { default_labels: object; project: string }[]
    >;
    for (const name of ["google", "google-beta"]) {
      expect(providers[name]?.[0]).toMatchObject({
        project: "acme-prod",
        impersonate_service_account: "t@acme.iam.gserviceaccount.com",
        default_labels: { "tenantry-tenant": "t1" },
      });
    }
  });
});

describe("stack inputs from object parameters", () => {
  it("keep the type of a whole-value template, interpolate the rest, and leave out optional ones not given", () => {
    const result = validateBlueprint(`
parameters:
  data:
    type: object
    properties:
      postgres:
        type: object
        properties:
          size: { type: enum, values: [small, large], default: small }
          multi_az: { type: boolean, default: false }
  nodes:
    type: integer
    default: 2
  bucket_prefix:
    type: string
stacks:
  - name: env
    source: ./examples/terraform/aws
    inputs:
      postgres: \${{ params.data.postgres }}
      size: \${{ params.data.postgres.size }}
      nodes: \${{ params.nodes }}
      label: "\${{ tenant.slug }}-\${{ params.nodes }}"
      bucket_prefix: \${{ params.bucket_prefix }}
`);
    expect(result.errors).toEqual([]);
    const rendered = renderBlueprint(result.blueprint!, {
      tenant: { id: "t1", slug: "acme", name: "Acme" },
      org: { slug: "org" },
      installationId: "i1",
      params: { data: { postgres: { size: "large" } } },
    });
    expect(rendered.errors).toEqual([]);
    expect(rendered.resources[0]?.spec).toMatchObject({
      inputs: {
        postgres: { size: "large", multi_az: false },
        size: "large",
        nodes: 2,
        label: "acme-2",
      },
    });
    const spec = rendered.resources[0]?.spec as { inputs: object } | undefined;
    expect(Object.keys(spec?.inputs ?? { missing: true })).not.toContain("bucket_prefix");
  });
});
