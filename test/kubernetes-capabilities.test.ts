import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * What the kubernetes target refuses at create, before anything exists (no cluster is
 * contacted: the kubeconfig points at a port nothing listens on).
 */

let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromOptions({
    clusters: [{ name: "none", server: "http://127.0.0.1:9", skipTLSVerify: true }],
    users: [{ name: "none", token: "none" }],
    contexts: [{ name: "none", cluster: "none", user: "none" }],
    currentContext: "none",
  });
  const provider = createKubernetesProvider({
    config: { ...KUBERNETES_DEFAULTS, kubernetesBaseDomain: "apps.example.com" },
    kubeconfig,
  });
  t = await startTestApp({ providers: new ProviderRegistry().register(provider) });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

describe("the kubernetes target refuses at create what a cluster cannot run", () => {
  it("a service built from source, a static site and a database without a server", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Sourced",
      target: "kubernetes",
      blueprint: {
        source: `
databases:
  - name: main
services:
  - type: web
    name: app
    runtime: node
    buildCommand: npm ci
    startCommand: node app.js
  - type: web
    name: site
    runtime: static
    buildCommand: npm run build
    staticPublishPath: dist
  - type: worker
    name: jobs
    runtime: image
    image:
      url: ghcr.io/acme/jobs:1.2.3
`,
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("UNSUPPORTED_RESOURCE");
    const refusals = res.body.refusals as { resource: string | null; field: string; message: string }[];
    expect(refusals.map((r) => [r.resource, r.field])).toEqual([
      ["database:main", "type"],
      ["service:app", "runtime"],
      ["service:site", "runtime"],
    ]);
    expect(refusals[0]?.message).toContain("TENANTRY_KUBERNETES_POSTGRES_URL");
    expect(refusals[1]?.message).toMatch(
      /builds from source, which a cluster cannot do: .*runtime: image with image.url/,
    );
    expect(refusals[2]?.message).toMatch(/static sites are not built on a cluster/);
    expect((await api.call("GET", "/v1/tenants/sourced")).status).toBe(404);
  });

  it("lists what the target serves", async () => {
    const targets = await api.json("GET", "/v1/targets");
    const k8s = targets.data.find((d: { name: string }) => d.name === "kubernetes");
    expect(k8s.bootstrap).toBe(true);
    expect(k8s.kinds.map((k: { kind: string }) => k.kind)).toEqual([
      "cron",
      "envgroup",
      "pserv",
      "web",
      "worker",
    ]);
    expect(k8s.missing.map((m: { kind: string }) => m.kind)).toEqual(["postgres", "mysql", "keyvalue"]);
  });
});
