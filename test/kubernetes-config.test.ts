import { describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS, parseKubernetesConfig } from "../src/providers/kubernetes/config.js";
import { isKnownPlan, resourcesForPlan } from "../src/providers/kubernetes/plans.js";
import { unknownTargetMessage } from "../src/providers/targets.js";

describe("the kubernetes target's configuration", () => {
  it("is absent without a base domain, and says what to configure", () => {
    expect(parseKubernetesConfig({})).toEqual(KUBERNETES_DEFAULTS);
    expect(unknownTargetMessage("kubernetes", ["local"])).toMatch(
      /^target "kubernetes" is not configured: set TENANTRY_KUBERNETES_BASE_DOMAIN and give Tenantry a kubeconfig/,
    );
    expect(unknownTargetMessage("mars", ["local", "render"])).toBe(
      'no provider serves target "mars" (configured: local, render)',
    );
  });

  it("reads every setting", () => {
    const config = parseKubernetesConfig({
      TENANTRY_KUBERNETES_BASE_DOMAIN: "Apps.Example.com",
      TENANTRY_KUBERNETES_CONTEXT: "kind-kind",
      TENANTRY_KUBERNETES_NAMESPACES: "shared",
      TENANTRY_KUBERNETES_NAMESPACE: "tenants",
      TENANTRY_KUBERNETES_INGRESS_CLASS: "nginx",
      TENANTRY_KUBERNETES_CLUSTER_ISSUER: "letsencrypt",
      TENANTRY_KUBERNETES_IMAGE_PULL_SECRETS: "regcred, other",
      TENANTRY_KUBERNETES_LABELS: "team=platform,cost-center=42",
      TENANTRY_KUBERNETES_ANNOTATIONS: "example.com/owner=ops team",
      TENANTRY_KUBERNETES_POSTGRES_URL: "postgres://admin@db.internal:5432/postgres",
      TENANTRY_KUBERNETES_DATASTORES: "in-cluster",
    });
    expect(config).toMatchObject({
      kubernetesBaseDomain: "apps.example.com",
      kubernetesContext: "kind-kind",
      kubernetesNamespaces: "shared",
      kubernetesNamespace: "tenants",
      kubernetesIngressClass: "nginx",
      kubernetesClusterIssuer: "letsencrypt",
      kubernetesImagePullSecrets: ["regcred", "other"],
      kubernetesLabels: { team: "platform", "cost-center": "42" },
      kubernetesAnnotations: { "example.com/owner": "ops team" },
      kubernetesPostgresUrl: "postgres://admin@db.internal:5432/postgres",
      kubernetesDatastores: "in-cluster",
    });
    expect(() => parseKubernetesConfig({ TENANTRY_KUBERNETES_DATASTORES: "inside" })).toThrow(
      /TENANTRY_KUBERNETES_DATASTORES/,
    );
    expect(
      parseKubernetesConfig({
        TENANTRY_KUBERNETES_DATASTORE_IMAGES:
          '{"postgres": "mirror.local/library/postgres:{version}-alpine", "redis": "mirror.local/redis:7.4"}',
      }).kubernetesDatastoreImages,
    ).toEqual({
      postgres: "mirror.local/library/postgres:{version}-alpine",
      redis: "mirror.local/redis:7.4",
    });
    expect(() =>
      parseKubernetesConfig({ TENANTRY_KUBERNETES_DATASTORE_IMAGES: '{"mongodb": "mongo"}' }),
    ).toThrow(
      /TENANTRY_KUBERNETES_DATASTORE_IMAGES: "mongodb" is not one of postgres, mariadb, mysql, redis/,
    );
  });

  it("takes plan sizes over the table, and refuses bad ones", () => {
    const config = parseKubernetesConfig({
      TENANTRY_KUBERNETES_PLANS:
        '{"Starter": {"cpu": 0.25, "memoryMi": 256}, "gpu-large": {"cpu": 8, "memoryMi": 65536}}',
    });
    expect(config.kubernetesPlans).toEqual({
      starter: { cpu: 0.25, memoryMi: 256 },
      "gpu large": { cpu: 8, memoryMi: 65536 },
    });
    expect(resourcesForPlan("starter", config.kubernetesPlans)).toEqual({
      requests: { cpu: "63m", memory: "256Mi" },
      limits: { cpu: "250m", memory: "256Mi" },
    });
    expect(isKnownPlan("gpu_large", config.kubernetesPlans)).toBe(true);
    expect(isKnownPlan("gpu_large")).toBe(false);
    expect(() => parseKubernetesConfig({ TENANTRY_KUBERNETES_PLANS: '{"pro": {"cpu": 0}}' })).toThrow(
      /TENANTRY_KUBERNETES_PLANS: plan "pro": expected/,
    );
    expect(() => parseKubernetesConfig({ TENANTRY_KUBERNETES_PLANS: "starter=1" })).toThrow(/expected JSON/);
  });

  it("reports every bad value at once", () => {
    expect(() =>
      parseKubernetesConfig({
        TENANTRY_KUBERNETES_BASE_DOMAIN: "not a domain",
        TENANTRY_KUBERNETES_NAMESPACES: "shared",
        TENANTRY_KUBERNETES_LABELS: "tenantry.dev/tenant=x",
        TENANTRY_KUBERNETES_TLS_SECRET: "wildcard",
        TENANTRY_KUBERNETES_CLUSTER_ISSUER: "letsencrypt",
        TENANTRY_KUBERNETES_KUBECONFIG: "/nonexistent/kubeconfig",
      }),
    ).toThrow(
      /TENANTRY_KUBERNETES_BASE_DOMAIN: expected a domain[\s\S]*TENANTRY_KUBERNETES_LABELS: tenantry.dev\/tenant is Tenantry's own[\s\S]*TENANTRY_KUBERNETES_NAMESPACE: required with TENANTRY_KUBERNETES_NAMESPACES=shared[\s\S]*TENANTRY_KUBERNETES_TLS_SECRET: set either/,
    );
    expect(() =>
      parseKubernetesConfig({
        TENANTRY_KUBERNETES_BASE_DOMAIN: "apps.example.com",
        TENANTRY_KUBERNETES_KUBECONFIG: "/nonexistent/kubeconfig",
      }),
    ).toThrow(/TENANTRY_KUBERNETES_KUBECONFIG: \/nonexistent\/kubeconfig does not exist/);
  });
});
