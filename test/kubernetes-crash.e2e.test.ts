import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { TenantService } from "../src/services/tenant-service.js";
import { eventually } from "./support/app.js";
import { createEngineDatabase, type EngineDatabase } from "./support/engine-fixture.js";
import { type FakeKubernetes, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { loadKubernetesSpecs } from "./support/kubernetes-spec.js";
import { spawnWorkerChild, type WorkerChild } from "./support/worker-child.js";

/**
 * A worker SIGKILLed in the middle of provisioning a tenant on the kubernetes target: another
 * worker takes the operation over and finishes it, with exactly one of each object (objects
 * are applied by name, the bootstrap Job is found again by its name).
 */
const specs = loadKubernetesSpecs();
if (!specs)
  console.warn("[kubernetes crash] SKIPPED: no Kubernetes OpenAPI documents in ../shared/specs/kubernetes");
const run = specs ? describe : describe.skip;

const BLUEPRINT = `
services:
  - type: web
    name: web
    runtime: image
    image:
      url: ghcr.io/acme/web:1
  - type: worker
    name: jobs
    runtime: image
    image:
      url: ghcr.io/acme/jobs:1
  - type: pserv
    name: api
    runtime: image
    image:
      url: ghcr.io/acme/api:1
hooks:
  bootstrap:
    command: ./seed
`;

let fake: FakeKubernetes;
let engine: EngineDatabase;
let tenants: TenantService;
const children: WorkerChild[] = [];

run("the kubernetes target when a worker dies", () => {
  beforeAll(async () => {
    // Slow pods: the rollouts take long enough for a worker to die in the middle.
    fake = await startFakeKubernetes({
      timings: {
        podStartMs: 1500,
        jobRunMs: 500,
        namespaceTerminationMs: 100,
        gcMs: 5,
        bindMs: 20,
        secondMs: 20,
      },
    });
    engine = await createEngineDatabase("k8s-crash");
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fake.kubeconfigPath);
    tenants = new TenantService({
      providers: new ProviderRegistry().register(
        createKubernetesProvider({
          config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.test" },
          kubeconfig,
        }),
      ),
      secrets: engine.secrets,
      maxAttempts: 20,
    });
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await fake?.close();
    await engine?.dispose();
  });

  const worker = async (name: string) => {
    const child = await spawnWorkerChild(name, {
      DATABASE_URL: engine.testDb.url,
      TENANTRY_DATA_DIR: engine.dataDir,
      TENANTRY_ENCRYPTION_KEY: engine.encryptionKey,
      TENANTRY_LEASE_SECONDS: "4",
      TENANTRY_POLL_INTERVAL_MS: "250",
      TENANTRY_RETRY_BASE_MS: "50",
      TENANTRY_RETRY_MAX_MS: "1000",
      TENANTRY_TEST_WORKER_PROVIDER: "kubernetes",
      TENANTRY_KUBERNETES_BASE_DOMAIN: "apps.test",
      TENANTRY_KUBERNETES_KUBECONFIG: fake.kubeconfigPath,
    });
    children.push(child);
    return child;
  };

  it("finishes on another worker with exactly one of each object", async () => {
    const { tenant } = await engine.testDb.db.tx((q) =>
      tenants.create(q, engine.principal, {
        name: "Crashy",
        slug: "crashy",
        blueprint: { source: BLUEPRINT },
        target: "kubernetes",
      }),
    );
    const first = await worker("w1");
    // Mid-provisioning: the first workload exists, the rest does not yet.
    const namespace = await eventually(
      async () => {
        const ns = fake.state.namespaces().find((n) => n.startsWith("t-crashy-"));
        return ns && fake.state.list("deployment", ns).length > 0 ? ns : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    await first.kill();
    expect(fake.state.list("deployment", namespace).length).toBeLessThan(3);
    await worker("w2");
    await eventually(
      async () => {
        const { rows } = await engine.testDb.db.query<{ status: string }>(
          "select status from tenants where id = $1",
          [tenant.id],
        );
        return rows[0]?.status === "active" ? rows[0] : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(fake.state.list("deployment", namespace)).toHaveLength(3);
    expect(fake.state.list("service", namespace)).toHaveLength(2);
    expect(fake.state.list("ingress", namespace)).toHaveLength(1);
    expect(fake.state.list("job", namespace)).toHaveLength(1);
    expect(
      fake.state.list("configmap", namespace).filter((c) => c.metadata.name.endsWith("-env")),
    ).toHaveLength(3);
    expect(fake.violations).toEqual([]);
  }, 120_000);
});
