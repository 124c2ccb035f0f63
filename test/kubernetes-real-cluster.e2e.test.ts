import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * Against a real cluster (kind, k3s, a cloud's), when TENANTRY_TEST_KUBECONFIG names its
 * kubeconfig (TENANTRY_TEST_KUBE_CONTEXT: the context; the image must be pullable there).
 * A web service from an image, to active and destroyed with its namespace gone.
 */
const kubeconfigPath = process.env.TENANTRY_TEST_KUBECONFIG;
if (!kubeconfigPath) {
  console.warn("[kubernetes real cluster] SKIPPED: set TENANTRY_TEST_KUBECONFIG to run it against a cluster");
}
const run = kubeconfigPath ? describe : describe.skip;
const image = process.env.TENANTRY_TEST_KUBE_IMAGE ?? "nginxinc/nginx-unprivileged:1.27-alpine";

let t: TestApp;
let api: ApiClient;

run("the kubernetes target on a real cluster", () => {
  beforeAll(async () => {
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(kubeconfigPath as string);
    if (process.env.TENANTRY_TEST_KUBE_CONTEXT)
      kubeconfig.setCurrentContext(process.env.TENANTRY_TEST_KUBE_CONTEXT);
    const provider = createKubernetesProvider({
      config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "tenantry-test.invalid" },
      kubeconfig,
    });
    t = await startTestApp({ providers: new ProviderRegistry().register(provider) });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(
    "creates a tenant's namespace, rolls its service out, and deletes it all",
    async () => {
      await api.json("POST", "/v1/tenants", {
        name: "Real cluster",
        slug: `real-${Date.now().toString(36)}`,
        target: "kubernetes",
        blueprint: {
          source: `services:\n  - type: web\n    name: web\n    runtime: image\n    image:\n      url: ${image}\n    dockerCommand: "sed -i 's/8080/10000/' /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"\n`,
        },
      });
      const list = await api.json("GET", "/v1/tenants");
      const slug = list.data[0].slug as string;
      const settled = (statuses: string[]) =>
        eventually(
          async () => {
            const r = await api.json("GET", `/v1/tenants/${slug}`);
            return statuses.includes(r.status) || r.status === "failed" ? r : undefined;
          },
          { timeoutMs: 5 * 60_000, intervalMs: 1000 },
        );
      expect((await settled(["active"])).status).toBe("active");
      await api.json("DELETE", `/v1/tenants/${slug}`);
      expect((await settled(["destroyed"])).status).toBe("destroyed");
    },
    12 * 60_000,
  );
});
