import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TERRAFORM_DEFAULTS } from "../src/providers/terraform/config.js";
import { createTerraformProvider } from "../src/providers/terraform/terraform-provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeKubernetes, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { addOrganization } from "./support/organizations.js";

/**
 * Bring your own cluster, end to end on three fake API servers (each with its own bearer
 * token): organization A registers a service-account token for cluster A, organization C a
 * kubeconfig for cluster C, organization D a token confined to one namespace of cluster C,
 * and organization B has none, so it uses the installation's cluster. Each tenant lands in
 * its own organization's cluster and nowhere else; cluster A refusing A's token fails only
 * A's tenants (`access_error` on all of them, none on the others', which still suspend);
 * a re-check once the token is back clears it and a retry settles. With fallback `none`,
 * both targets refuse a tenant of an organization without a credential at create.
 */

const FAST = {
  podStartMs: 30,
  podTerminationMs: 0,
  crashLoopMs: 40,
  jobRunMs: 40,
  jobBackoffMs: 20,
  namespaceTerminationMs: 150,
  gcMs: 5,
  bindMs: 20,
  secondMs: 20,
};

const BLUEPRINT = {
  source: `services:
  - type: web
    name: app
    runtime: image
    image:
      url: docker.io/library/nginx:1.27
`,
};
const WAIT = { timeoutMs: 30_000 };
/** The fake clusters listen on loopback, which organizations' servers may not be on otherwise. */
const LOOPBACK_ALLOWED = { networks: ["127.0.0.1"] };

let clusterA: FakeKubernetes;
let clusterC: FakeKubernetes;
let installation: FakeKubernetes;
let t: TestApp;
let a: ApiClient;
let b: ApiClient;
let c: ApiClient;
let d: ApiClient;

const tenantNamespaces = (cluster: FakeKubernetes) =>
  cluster.state
    .namespaces()
    .filter((n) => n.startsWith("t-"))
    .sort();
const deploymentNames = (cluster: FakeKubernetes, namespace?: string) =>
  cluster.state
    .list("deployment", namespace)
    .map((o) => o.metadata.name)
    .sort();
/** A token over TLS, with the cluster's CA (the client sends a token over plain HTTP to no one). */
const tokenCredential = (cluster: FakeKubernetes): Record<string, string> => {
  if (!cluster.httpsUrl || !cluster.caCertificate) throw new Error("the fake Kubernetes needs TLS (openssl)");
  return {
    kind: "kubernetes_token",
    server: cluster.httpsUrl,
    token: cluster.token,
    ca_cert: cluster.caCertificate,
  };
};
const conditionsOf = async (api: ApiClient, slug: string) =>
  ((await api.json("GET", `/v1/tenants/${slug}`)).conditions as { type: string }[]).map((x) => x.type);

beforeAll(async () => {
  [clusterA, clusterC, installation] = await Promise.all([
    startFakeKubernetes({ timings: FAST, token: "cluster-a-token-0123456789abcdef" }),
    startFakeKubernetes({ timings: FAST, token: "cluster-c-token-0123456789abcdef" }),
    startFakeKubernetes({ timings: FAST }),
  ]);
  // Organization D's namespace on cluster C, made by the cluster's operator.
  const made = await fetch(`${clusterC.url}/api/v1/namespaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${clusterC.token}`, "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "org-d" } }),
  });
  expect(made.status).toBe(201);

  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(installation.kubeconfigPath);
  t = await startTestApp({
    env: {
      TENANTRY_WORKER_CONCURRENCY: "4",
      TENANTRY_RETRY_MAX_ATTEMPTS: "2",
      TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1",
    },
    providers: new ProviderRegistry().register(
      createKubernetesProvider({
        config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.test" },
        kubeconfig,
        outbound: LOOPBACK_ALLOWED,
      }),
    ),
  });
  a = apiClient(t);
  b = apiClient(t, (await addOrganization(t, "beta")).key);
  c = apiClient(t, (await addOrganization(t, "gamma")).key);
  d = apiClient(t, (await addOrganization(t, "delta")).key);
  const registrations: [ApiClient, Record<string, string>][] = [
    [a, tokenCredential(clusterA)],
    [c, { kind: "kubeconfig", kubeconfig: readFileSync(clusterC.kubeconfigPath, "utf8") }],
    [d, { ...tokenCredential(clusterC), namespace: "org-d" }],
  ];
  for (const [api, body] of registrations) {
    const res = await api.call("POST", "/v1/credentials", { target: "kubernetes", ...body });
    expect(res.status, res.raw).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  await Promise.all([clusterA?.close(), clusterC?.close(), installation?.close()]);
});

describe("organizations' own Kubernetes clusters", () => {
  it("puts each tenant on its own organization's cluster, and the others on the installation's", async () => {
    const tenants = [
      [a, "Alpha One"],
      [a, "Alpha Two"],
      [b, "Beta One"],
      [c, "Gamma One"],
      [d, "Delta One"],
    ] as const;
    for (const [api, name] of tenants) {
      const res = await api.call("POST", "/v1/tenants", { name, blueprint: BLUEPRINT, target: "kubernetes" });
      expect(res.status, res.raw).toBe(201);
    }
    for (const [api, name] of tenants) {
      await api.waitForTenant(name.toLowerCase().replace(" ", "-"), "active", WAIT);
    }

    expect(tenantNamespaces(clusterA)).toEqual([
      expect.stringMatching(/^t-alpha-one-/),
      expect.stringMatching(/^t-alpha-two-/),
    ]);
    expect(deploymentNames(clusterA)).toEqual([
      expect.stringMatching(/^app-alpha-one-/),
      expect.stringMatching(/^app-alpha-two-/),
    ]);
    expect(tenantNamespaces(installation)).toEqual([expect.stringMatching(/^t-beta-one-/)]);
    expect(deploymentNames(installation)).toEqual([expect.stringMatching(/^app-beta-one-/)]);
    // Cluster C: C's tenant in a namespace of its own, D's in the namespace its token names.
    expect(tenantNamespaces(clusterC)).toEqual([expect.stringMatching(/^t-gamma-one-/)]);
    expect(deploymentNames(clusterC, "org-d")).toEqual([expect.stringMatching(/^app-delta-one-/)]);
    expect(deploymentNames(clusterC)).toHaveLength(2);

    // The ownership labels hold on every cluster: installation, organization, tenant.
    const alpha = await a.json("GET", "/v1/tenants/alpha-one");
    const delta = await d.json("GET", "/v1/tenants/delta-one");
    const alphaDeployment = clusterA.state
      .list("deployment")
      .find((o) => o.metadata.name.startsWith("app-alpha-one-"));
    expect(alphaDeployment?.metadata.labels).toMatchObject({
      "tenantry.dev/organization": alpha.organization_id ?? expect.any(String),
      "tenantry.dev/tenant": alpha.id,
      "tenantry.dev/installation": expect.any(String),
    });
    const deltaDeployment = clusterC.state.list("deployment", "org-d")[0];
    expect(deltaDeployment?.metadata.labels?.["tenantry.dev/tenant"]).toBe(delta.id);
    expect(deltaDeployment?.metadata.labels?.["tenantry.dev/organization"]).not.toBe(
      alphaDeployment?.metadata.labels?.["tenantry.dev/organization"],
    );
    for (const cluster of [clusterA, clusterC, installation]) expect(cluster.violations).toEqual([]);

    // D's tenant lives in org-d: the same server without the namespace is another account.
    const moved = await d.call("POST", "/v1/credentials", {
      target: "kubernetes",
      ...tokenCredential(clusterC),
    });
    expect(moved.status, moved.raw).toBe(409);
    expect(moved.body.code).toBe("CREDENTIAL_IN_USE");
    // A rotated token for the same cluster and namespace is fine.
    const rotated = await d.call("POST", "/v1/credentials", {
      target: "kubernetes",
      ...tokenCredential(clusterC),
      namespace: "org-d",
    });
    expect(rotated.status, rotated.raw).toBe(200);
    expect(rotated.body.version).toBe(2);
  });

  it("fails only the organization whose token the cluster refuses, with access_error on all its tenants", async () => {
    clusterA.setAccess("unauthorized");
    expect((await a.call("POST", "/v1/tenants/alpha-one/suspend")).status).toBe(202);
    const failed = await a.waitForTenant("alpha-one", "failed", WAIT);
    expect(failed.error_message).toMatch(/401/);

    const credA = (await a.json("GET", "/v1/credentials")).data[0];
    expect(credA.status).toBe("access_error");
    expect(credA.last_error).toMatch(/HTTP 401/);
    expect(await conditionsOf(a, "alpha-one")).toEqual(["access_error"]);
    expect(await conditionsOf(a, "alpha-two")).toEqual(["access_error"]);

    // The others: untouched, and still working on their own clusters.
    for (const [api, slug] of [
      [b, "beta-one"],
      [c, "gamma-one"],
      [d, "delta-one"],
    ] as const) {
      expect(await conditionsOf(api, slug)).toEqual([]);
      expect((await api.call("POST", `/v1/tenants/${slug}/suspend`)).status).toBe(202);
      await api.waitForTenant(slug, "suspended", WAIT);
    }
    expect((await c.json("GET", "/v1/credentials")).data[0].status).toBe("ok");
    for (const o of installation.state.list("deployment")) expect((o as any).spec.replicas).toBe(0);
    for (const o of clusterC.state.list("deployment")) expect((o as any).spec.replicas).toBe(0);
  });

  it("clears the access error when a re-check passes again, and a retry settles on the organization's cluster", async () => {
    clusterA.setAccess("ok");
    const credA = (await a.json("GET", "/v1/credentials")).data[0];
    const checked = await a.call("POST", `/v1/credentials/${credA.id}/check`);
    expect(checked.status, checked.raw).toBe(200);
    expect(checked.body).toMatchObject({ status: "ok", last_error: null });
    expect(await conditionsOf(a, "alpha-two")).toEqual([]);

    expect((await a.call("POST", "/v1/tenants/alpha-one/retry")).status).toBe(202);
    await eventually(
      async () => {
        const s = (await a.json("GET", "/v1/tenants/alpha-one")).status;
        return s === "suspended" || s === "active" ? s : undefined;
      },
      { ...WAIT, what: "alpha-one settled after the retry" },
    );
    const alphaOne = clusterA.state
      .list("deployment")
      .find((o) => o.metadata.name.startsWith("app-alpha-one-"));
    expect((alphaOne as any).spec.replicas).toBe(0);
    expect(deploymentNames(installation)).toEqual([expect.stringMatching(/^app-beta-one-/)]);
  });
});

describe("TENANTRY_CREDENTIALS_FALLBACK=none on the kubernetes and terraform targets", () => {
  let strict: TestApp | undefined;
  let runs: string | undefined;
  afterAll(async () => {
    await strict?.close();
    if (runs) await rm(runs, { recursive: true, force: true });
  });

  it("refuses a tenant of an organization without a credential at once, and takes one whose organization has it", async () => {
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(installation.kubeconfigPath);
    runs = await mkdtemp(path.join(tmpdir(), "tenantry-kcreds-"));
    strict = await startTestApp({
      workers: false,
      env: { TENANTRY_CREDENTIALS_FALLBACK: "none", TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1" },
      providers: new ProviderRegistry()
        .register(
          createKubernetesProvider({
            config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.test" },
            kubeconfig,
          }),
        )
        .register(
          createTerraformProvider({
            config: { ...TERRAFORM_DEFAULTS, terraformBin: "/nonexistent/tofu" },
            dataDir: runs,
            databaseUrl: "postgres://unused@127.0.0.1:1/unused",
          }),
        ),
    });
    const admin = apiClient(strict);
    const stack = {
      source:
        "stacks:\n  - name: objects\n    source: ./m\n    cloud:\n      provider: aws\n      region: eu-west-1\n    inputs: {}\n",
    };
    for (const [target, blueprint] of [
      ["kubernetes", BLUEPRINT],
      ["terraform", stack],
    ] as const) {
      const res = await admin.call("POST", "/v1/tenants", { name: `Early ${target}`, blueprint, target });
      expect(res.status, res.raw).toBe(422);
      expect(res.body).toMatchObject({ code: "CREDENTIAL_REQUIRED", target });
    }
    expect((await strict.app.db.query("select count(*)::int as n from tenants")).rows[0].n).toBe(0);

    const registered = await admin.call("POST", "/v1/credentials", {
      target: "kubernetes",
      ...tokenCredential(clusterA),
    });
    expect(registered.status, registered.raw).toBe(201);
    const created = await admin.call("POST", "/v1/tenants", {
      name: "Later",
      blueprint: BLUEPRINT,
      target: "kubernetes",
    });
    expect(created.status, created.raw).toBe(201);
  });
});
