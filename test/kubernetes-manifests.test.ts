import { describe, expect, it } from "vitest";
import type { DesiredResource, ServiceSpec } from "../src/domain/resources.js";
import {
  isOwnedBy,
  jobManifest,
  type ManifestContext,
  serviceDns,
  serviceManifests,
  tenantSelector,
} from "../src/providers/kubernetes/manifests.js";
import { resourcesForPlan } from "../src/providers/kubernetes/plans.js";

const marker = {
  "managed-by": "tenantry" as const,
  installation: "inst-1",
  organization: "org-1",
  tenant: "ten-1",
};
const ctx: ManifestContext = {
  namespace: "acme-abcdefgh",
  slug: "acme",
  marker,
  baseDomain: "apps.example.com",
  ingressClass: "nginx",
  tls: { clusterIssuer: "letsencrypt" },
  imagePullSecrets: ["regcred"],
  labels: { team: "platform" },
  annotations: {},
};

function service(
  kind: "web" | "pserv" | "worker" | "cron",
  spec: Partial<ServiceSpec>,
): DesiredResource<typeof kind> {
  return {
    key: `service:${kind}`,
    kind,
    externalName: `${kind}-acme-abcdefgh`,
    dependsOn: [],
    spec: { type: kind, runtime: "image", image: { url: "frappe/erpnext:v15" }, envVars: [], ...spec },
  } as DesiredResource<typeof kind>;
}

describe("kubernetes manifests", () => {
  it("maps a web service to a Deployment, a Service and an Ingress on the tenant's site", () => {
    const m = serviceManifests(
      service("web", {
        numInstances: 2,
        healthCheckPath: "/api/ping",
        plan: "standard",
        domains: ["erp.acme.com"],
      }),
      { values: { SITE: "acme" }, secrets: { ADMIN_PASSWORD: "s3cret" } },
      ctx,
      { primaryWeb: true, serviceName: "web" },
    );
    expect(m.config.map((o) => o.kind)).toEqual(["ConfigMap", "Secret"]);
    expect(m.config[0]).toMatchObject({ data: { PORT: "10000", SITE: "acme" } });
    expect(m.config[1]).toMatchObject({ stringData: { ADMIN_PASSWORD: "s3cret" } });
    expect(m.workload.kind).toBe("Deployment");
    const spec = m.workload["spec"] as any;
    expect(spec.replicas).toBe(2);
    const container = spec.template.spec.containers[0];
    expect(container.image).toBe("frappe/erpnext:v15");
    expect(container.readinessProbe.httpGet).toEqual({ path: "/api/ping", port: 10000 });
    expect(container.resources).toEqual(resourcesForPlan("standard"));
    expect(spec.template.spec.imagePullSecrets).toEqual([{ name: "regcred" }]);
    expect(m.hosts).toEqual(["acme.apps.example.com", "erp.acme.com"]);
    expect(m.network.map((o) => o.kind)).toEqual(["Service", "Ingress", "Ingress"]);
    const ingress = m.network[1] as any;
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt");
    expect(ingress.spec.rules[0].host).toBe("acme.apps.example.com");
    // Every object is marked as the tenant's, with the configured extra labels.
    for (const o of [...m.config, m.workload, ...m.network]) {
      expect(isOwnedBy(o, marker)).toBe(true);
      expect(o.metadata.labels?.["team"]).toBe("platform");
      expect(o.metadata.annotations?.["tenantry.dev/resource-key"]).toBe("service:web");
      expect(o.metadata.namespace).toBe("acme-abcdefgh");
    }
  });

  it("uses a StatefulSet with a volume claim for a service with a disk, and a CronJob for cron", () => {
    const disk = serviceManifests(
      service("pserv", { disk: { name: "data", mountPath: "/data", sizeGB: 5 } }),
      { values: {}, secrets: {} },
      ctx,
      { primaryWeb: false, serviceName: "pserv" },
    );
    expect(disk.workload.kind).toBe("StatefulSet");
    expect((disk.workload["spec"] as any).volumeClaimTemplates[0].spec.resources.requests.storage).toBe(
      "5Gi",
    );
    const cron = serviceManifests(
      service("cron", { schedule: "*/5 * * * *", startCommand: "bench execute jobs" }),
      { values: {}, secrets: {} },
      ctx,
      { primaryWeb: false, serviceName: "cron" },
    );
    expect(cron.workload).toMatchObject({
      kind: "CronJob",
      spec: { schedule: "*/5 * * * *", suspend: false },
    });
    expect(cron.network).toEqual([]);
  });

  it("refuses a service without an image, and marks jobs", () => {
    expect(() =>
      serviceManifests(
        service("worker", { runtime: "node", image: undefined }),
        { values: {}, secrets: {} },
        ctx,
        { primaryWeb: false, serviceName: "w" },
      ),
    ).toThrow(/runs images only/);
    const job = jobManifest("bootstrap-acme", service("web", {}), "bench new-site acme", ctx, {
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 3600,
    });
    expect(job).toMatchObject({ kind: "Job", spec: { backoffLimit: 0, ttlSecondsAfterFinished: 3600 } });
    expect(isOwnedBy(job, marker)).toBe(true);
    expect(isOwnedBy(job, { ...marker, tenant: "other" })).toBe(false);
  });

  it("names what a tenant owns by selector and in-cluster DNS", () => {
    expect(tenantSelector(marker)).toBe(
      "app.kubernetes.io/managed-by=tenantry,tenantry.dev/installation=inst-1,tenantry.dev/organization=org-1,tenantry.dev/tenant=ten-1",
    );
    expect(serviceDns("web-acme", "acme-ns")).toBe("web-acme.acme-ns.svc.cluster.local");
    expect(resourcesForPlan(undefined)).toEqual({
      requests: { cpu: "125m", memory: "512Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
  });
});

describe("in-cluster data stores", () => {
  it("use Docker Hub's images, or the mirror's when configured", async () => {
    const { datastoreManifests } = await import("../src/providers/kubernetes/datastore-manifests.js");
    const db = {
      key: "database:main",
      kind: "postgres" as const,
      externalName: "main-acme-abc12345",
      dependsOn: [],
      spec: { name: "main", postgresMajorVersion: "16" },
    };
    const base = {
      namespace: "t-acme",
      slug: "acme",
      marker: { "managed-by": "tenantry" as const, installation: "i", organization: "o", tenant: "t" },
      baseDomain: "apps.test",
      imagePullSecrets: [],
      labels: {},
      annotations: {},
    };
    const image = (ctx: typeof base & { datastoreImages?: Record<string, string> }) =>
      (datastoreManifests(db, { password: "pw-123456" }, ctx).statefulSet as any).spec.template.spec
        .containers[0].image;
    expect(image(base)).toBe("postgres:16");
    expect(image({ ...base, datastoreImages: { postgres: "mirror.local/postgres:{version}-alpine" } })).toBe(
      "mirror.local/postgres:16-alpine",
    );
  });
});
