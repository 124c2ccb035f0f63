import { KubeConfig } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TargetCredential } from "../src/domain/credentials.js";
import type { RecordedResource } from "../src/domain/resources.js";
import { guardedLookup } from "../src/lib/outbound.js";
import { providerContext } from "../src/providers/context.js";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { KubeClient } from "../src/providers/kubernetes/kube-client.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import type { OrganizationCredentials } from "../src/providers/provider.js";
import { type FakeKubernetes, startFakeKubernetes } from "./support/fake-kubernetes/index.js";

/**
 * An organization's cluster on Tenantry's own network is refused when it is used, not only
 * when it is registered: a credential stored before the rule (or under a wider
 * `TENANTRY_OUTBOUND_ALLOWED_NETWORKS`) is checked before its first call, and every
 * connection resolves the server's name through the guard (a name re-pointed at an internal
 * address after its check). Nothing reaches the cluster.
 */

let fake: FakeKubernetes;
const logger = pino({ level: "silent" });
const tenant = {
  id: "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
  slug: "guarded",
  name: "Guarded",
  organizationId: "org-g",
};
const web: RecordedResource<"web"> = {
  key: "service:app",
  kind: "web",
  externalName: "app-guarded-abc12345",
  dependsOn: [],
  spec: { type: "web", runtime: "image", image: { url: "docker.io/library/nginx:1.27" }, envVars: [] },
  providerId: null,
  outputs: {},
  secretOutputs: {},
};

beforeAll(async () => {
  fake = await startFakeKubernetes({ timings: { podStartMs: 10, podTerminationMs: 0, gcMs: 5, bindMs: 5 } });
});
afterAll(async () => {
  await fake?.close();
});

describe("organizations' clusters on Tenantry's own network", () => {
  it("refuses a stored credential's loopback server before its first call, and marks nothing", async () => {
    const installation = new KubeConfig();
    installation.loadFromFile(fake.kubeconfigPath);
    const provider = createKubernetesProvider({
      config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.test" },
      kubeconfig: installation,
    });
    const credential: TargetCredential = {
      id: "cred-1",
      organizationId: tenant.organizationId,
      target: "kubernetes",
      version: 1,
      status: "ok",
      secret: {
        kind: "kubernetes_token",
        server: fake.httpsUrl ?? fake.url,
        token: fake.token,
        ...(fake.caCertificate && { caCert: fake.caCertificate }),
      },
    };
    const lost: string[] = [];
    const credentials: OrganizationCredentials = {
      resolve: async () => credential,
      accessLost: async (_c, message) => {
        lost.push(message);
      },
      accessRestored: async () => {},
    };
    const before = fake.requests.length;
    const ctx = providerContext({ tenant, installationId: "inst-g", logger, credentials });
    await expect(provider.drivers?.web?.observe(ctx, web)).rejects.toMatchObject({
      code: "CREDENTIAL_REQUIRED",
      retryable: false,
      message: expect.stringMatching(/127\.0\.0\.1.*loopback/),
    });
    expect(fake.requests.length).toBe(before);
    expect(lost).toEqual([]);
    await provider.close?.();
  });

  it("resolves the server's name through the guard at every connection", async () => {
    const port = new URL(fake.url).port;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://localhost:${port}`, skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "k", cluster: "c", user: "u" }],
      currentContext: "k",
    });
    const bound = { signal: new AbortController().signal, timeLeft: () => 5000 };
    const ref = { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } };
    const before = fake.requests.length;
    const guarded = new KubeClient(kc, { lookup: guardedLookup() });
    await expect(guarded.read(bound, ref)).rejects.toMatchObject({
      code: "KUBERNETES_UNREACHABLE",
      message: expect.stringContaining("refusing to connect to localhost"),
    });
    expect(fake.requests.length).toBe(before);
    // The same client without the guard reaches the fake (which refuses the anonymous user).
    await expect(new KubeClient(kc).read(bound, ref)).rejects.toMatchObject({ code: "ACCESS_ERROR" });
    expect(fake.requests.length).toBe(before + 1);
  });
});
