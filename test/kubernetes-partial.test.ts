import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../src/domain/resources.js";
import { providerContext } from "../src/providers/context.js";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import type { Provider } from "../src/providers/provider.js";
import { type FakeKubernetes, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { loadKubernetesSpecs } from "./support/kubernetes-spec.js";

/**
 * A service whose objects were only partly applied (a worker died between the workload and
 * its Service): observing it must not call it ready, or the engine would take it over as
 * done and the tenant would be active without its Service. It is `diverged`, and apply
 * completes it.
 */
const specs = loadKubernetesSpecs();
if (!specs)
  console.warn("[kubernetes partial] SKIPPED: no Kubernetes OpenAPI documents in ../shared/specs/kubernetes");
const run = specs ? describe : describe.skip;

let fake: FakeKubernetes;
let provider: Provider;
const logger = pino({ level: "silent" });
const tenant = {
  id: "8a6c2a57-3f5c-4d54-9a8e-0d3c4b1e2f10",
  slug: "partial",
  name: "Partial",
  organizationId: "org-1",
};
const ctx = () => providerContext({ tenant, installationId: "inst-1", logger });

const api: RecordedResource<"pserv"> = {
  key: "service:api",
  kind: "pserv",
  externalName: "api-partial-abc12345",
  dependsOn: [],
  spec: { type: "pserv", runtime: "image", image: { url: "ghcr.io/acme/api:1" }, envVars: [] },
  providerId: null,
  outputs: {},
  secretOutputs: {},
};

run("a partly applied kubernetes service", () => {
  beforeAll(async () => {
    fake = await startFakeKubernetes({
      timings: { podStartMs: 10, podTerminationMs: 0, gcMs: 5, bindMs: 5 },
    });
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fake.kubeconfigPath);
    provider = createKubernetesProvider({
      config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.test" },
      kubeconfig,
    });
  });
  afterAll(async () => {
    await provider?.close?.();
    await fake?.close();
  });

  it("is diverged while its Service is missing, and apply completes it", async () => {
    const driver = provider.drivers?.pserv;
    if (!driver) throw new Error("no pserv driver");
    // The whole set, rolled out.
    for (let i = 0; i < 50; i++) {
      const result = await driver.apply(ctx(), api);
      if (result.state === "done") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ns = fake.state.namespaces().find((n) => n.startsWith("t-partial-")) as string;
    expect(fake.state.list("service", ns)).toHaveLength(1);
    expect((await driver.observe(ctx(), api)).state).toBe("ready");

    // As if the worker had died before the Service was applied.
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fake.kubeconfigPath);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    for (const s of fake.state.list("service", ns)) {
      await core.deleteNamespacedService({ name: s.metadata.name, namespace: ns });
    }
    expect(fake.state.list("service", ns)).toHaveLength(0);
    const seen = await driver.observe(ctx(), api);
    expect(seen.state).toBe("diverged");
    const applied = await driver.apply(ctx(), api, seen.state === "absent" ? undefined : seen);
    expect(applied.state).toBe("done");
    expect(fake.state.list("service", ns)).toHaveLength(1);
  });
});
