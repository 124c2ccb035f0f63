import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS, type KubernetesConfig } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeKubernetes, type KObject, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { loadKubernetesSpecs } from "./support/kubernetes-spec.js";

/**
 * In-cluster data stores for development (TENANTRY_KUBERNETES_DATASTORES=in-cluster) on the
 * fake API server: PostgreSQL, MariaDB and Redis as StatefulSets in the tenant's
 * namespace, wired into the service's env by in-cluster DNS names, their passwords kept
 * across updates, scaled to 0 and back with the tenant, and gone after a destroy, volume
 * claims included (also in a shared namespace, which is not deleted).
 */

const specs = loadKubernetesSpecs();
if (!specs)
  console.warn(
    "[kubernetes datastores] SKIPPED: no Kubernetes OpenAPI documents in ../shared/specs/kubernetes",
  );
const run = specs ? describe : describe.skip;

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

const BLUEPRINT = `
databases:
  - name: appdb
    postgresMajorVersion: "16"
    diskSizeGB: 5
  - name: sitedb
    engine: mariadb
services:
  - type: keyvalue
    name: cache
    ipAllowList: []
  - type: web
    name: app
    runtime: image
    image:
      url: \${{ params.image }}
    envVars:
      - key: DATABASE_URL
        fromDatabase:
          name: appdb
          property: connectionString
      - key: DB_HOST
        fromDatabase:
          name: sitedb
          property: host
      - key: DB_PASSWORD
        fromDatabase:
          name: sitedb
          property: password
      - key: REDIS_URL
        fromService:
          type: keyvalue
          name: cache
          property: connectionString
parameters:
  image:
    type: string
    default: ghcr.io/acme/app:1
`;

let fake: FakeKubernetes;

async function start(config: Partial<KubernetesConfig>): Promise<{ t: TestApp; api: ApiClient }> {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(fake.kubeconfigPath);
  const provider = createKubernetesProvider({
    config: {
      ...KUBERNETES_DEFAULTS,
      kubernetesBaseDomain: "apps.test",
      kubernetesDatastores: "in-cluster",
      ...config,
    },
    kubeconfig,
  });
  const t = await startTestApp({ providers: new ProviderRegistry().register(provider) });
  return { t, api: apiClient(t) };
}

const settled = (api: ApiClient, slug: string, statuses: string[]) =>
  eventually(
    async () => {
      const r = await api.json("GET", `/v1/tenants/${slug}`);
      return statuses.includes(r.status) || r.status === "failed" ? r : undefined;
    },
    { timeoutMs: 60_000 },
  );

const decode = (secret: KObject | undefined, key: string) =>
  Buffer.from(String((secret as any)?.data?.[key] ?? ""), "base64").toString("utf8");

const owned = (objects: KObject[], tenantId: string) =>
  objects.filter((o) => o.metadata.labels?.["tenantry.dev/tenant"] === tenantId);

run("in-cluster data stores on the kubernetes target", () => {
  beforeAll(async () => {
    fake = await startFakeKubernetes({ timings: FAST, defaultFieldValidation: "Strict" });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("runs PostgreSQL, MariaDB and Redis in the tenant's namespace through its whole life", async () => {
    const { t, api } = await start({});
    try {
      await api.json("POST", "/v1/tenants", {
        name: "Devco",
        target: "kubernetes",
        blueprint: { source: BLUEPRINT },
      });
      const active = await settled(api, "devco", ["active"]);
      expect(active.error_message).toBeNull();
      expect(active.status).toBe("active");
      expect(fake.violations).toEqual([]);
      const ns = fake.state.namespaces().find((n) => n.startsWith("t-devco-")) as string;

      const sets = fake.state.list("statefulset", ns);
      const byName = (prefix: string) => sets.find((s) => s.metadata.name.startsWith(prefix)) as any;
      const pg = byName("appdb-devco-");
      const maria = byName("sitedb-devco-");
      const redis = byName("cache-devco-");
      expect(pg.spec.template.spec.containers[0].image).toBe("postgres:16");
      expect(maria.spec.template.spec.containers[0].image).toBe("mariadb:11.4");
      expect(redis.spec.template.spec.containers[0].image).toBe("redis:7.4");
      expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
      for (const s of sets) {
        expect(s.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("tenantry");
        expect(s.metadata.labels?.["tenantry.dev/tenant"]).toBe(active.id);
      }
      // A claim per store, carrying the tenant's labels.
      expect(owned(fake.state.list("persistentvolumeclaim", ns), active.id)).toHaveLength(3);

      // The web service reaches them by their in-cluster names, with the generated passwords.
      const web = fake.state.list("deployment", ns)[0] as KObject;
      const env = fake.state.get("secret", ns, `${web.metadata.name}-env`);
      const pgPassword = decode(fake.state.get("secret", ns, `${pg.metadata.name}-credentials`), "password");
      expect(pgPassword.length).toBeGreaterThanOrEqual(24);
      expect(decode(env, "DATABASE_URL")).toBe(
        `postgresql://appdb:${pgPassword}@${pg.metadata.name}.${ns}.svc.cluster.local:5432/appdb`,
      );
      expect(decode(env, "DB_HOST")).toBe(`${maria.metadata.name}.${ns}.svc.cluster.local`);
      expect(decode(env, "DB_PASSWORD")).toBe(
        decode(fake.state.get("secret", ns, `${maria.metadata.name}-credentials`), "password"),
      );
      expect(decode(env, "REDIS_URL")).toMatch(
        new RegExp(`^redis://default:[^@]+@${redis.metadata.name}\\.${ns}\\.svc\\.cluster\\.local:6379$`),
      );
      // Outputs as on the other targets, the password not among them.
      const status = await api.json("GET", "/v1/tenants/devco/status");
      expect(status.outputs["database:appdb"]).toMatchObject({
        port: 5432,
        database: "appdb",
        user: "appdb",
      });
      expect(JSON.stringify(status.outputs)).not.toContain(pgPassword);

      // Suspend scales every store to 0 and keeps the data; resume brings them back.
      await api.json("POST", "/v1/tenants/devco/suspend");
      expect((await settled(api, "devco", ["suspended"])).status).toBe("suspended");
      for (const s of fake.state.list("statefulset", ns)) expect((s as any).spec.replicas).toBe(0);
      expect(owned(fake.state.list("persistentvolumeclaim", ns), active.id)).toHaveLength(3);
      await api.json("POST", "/v1/tenants/devco/resume");
      expect((await settled(api, "devco", ["active"])).status).toBe("active");
      for (const s of fake.state.list("statefulset", ns)) expect((s as any).spec.replicas).toBe(1);

      // An update keeps the stores' passwords (their data was initialised with them).
      await api.json("PATCH", "/v1/tenants/devco", { params: { image: "ghcr.io/acme/app:2" } });
      expect((await settled(api, "devco", ["active"])).status).toBe("active");
      expect(decode(fake.state.get("secret", ns, `${pg.metadata.name}-credentials`), "password")).toBe(
        pgPassword,
      );

      await api.json("DELETE", "/v1/tenants/devco");
      expect((await settled(api, "devco", ["destroyed"])).status).toBe("destroyed");
      expect(fake.state.namespaces()).not.toContain(ns);
      expect(fake.violations).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("deletes a tenant's volume claims from a shared namespace, and nobody else's", async () => {
    const { t, api } = await start({ kubernetesNamespaces: "shared", kubernetesNamespace: "tenants" });
    try {
      // The shared namespace is the operator's: a create before it exists fails, saying so.
      await api.json("POST", "/v1/tenants", {
        name: "Early",
        target: "kubernetes",
        blueprint: {
          source:
            "services:\n  - type: worker\n    name: w\n    runtime: image\n    image:\n      url: busybox\n",
        },
      });
      const early = await settled(api, "early", ["active"]);
      expect(early.status).toBe("failed");
      expect(early.error_message).toContain("kubectl create namespace tenants");
      const kubeconfig = new KubeConfig();
      kubeconfig.loadFromFile(fake.kubeconfigPath);
      await kubeconfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "tenants" } } });

      const blueprint = `
databases:
  - name: db
services:
  - type: pserv
    name: files
    runtime: image
    image:
      url: ghcr.io/acme/files:1
    disk:
      name: data
      mountPath: /data
      sizeGB: 2
`;
      for (const name of ["Left", "Kept"]) {
        await api.json("POST", "/v1/tenants", {
          name,
          target: "kubernetes",
          blueprint: { source: blueprint },
        });
      }
      const left = await settled(api, "left", ["active"]);
      const kept = await settled(api, "kept", ["active"]);
      expect([left.error_message, kept.error_message]).toEqual([null, null]);
      expect([left.status, kept.status]).toEqual(["active", "active"]);
      const claims = () => fake.state.list("persistentvolumeclaim", "tenants");
      // The service's disk and the database's data, for each tenant.
      expect(owned(claims(), left.id)).toHaveLength(2);
      expect(owned(claims(), kept.id)).toHaveLength(2);

      await api.json("DELETE", "/v1/tenants/left");
      expect((await settled(api, "left", ["destroyed"])).status).toBe("destroyed");
      const everything = ["statefulset", "service", "secret", "configmap", "persistentvolumeclaim"].flatMap(
        (kind) => owned(fake.state.list(kind, "tenants"), left.id),
      );
      expect(everything.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
      expect(owned(claims(), kept.id)).toHaveLength(2);
      expect(fake.state.namespaces()).toContain("tenants");
      expect(fake.violations).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("refuses a database at create, saying what to configure, when the stores are external and none is set", async () => {
    const { t, api } = await start({ kubernetesDatastores: "external" });
    try {
      const res = await api.call("POST", "/v1/tenants", {
        name: "Nodb",
        target: "kubernetes",
        blueprint: { source: BLUEPRINT },
      });
      expect(res.status).toBe(422);
      const body = res.body;
      expect(JSON.stringify(body)).toContain("TENANTRY_KUBERNETES_POSTGRES_URL");
      expect(JSON.stringify(body)).toContain("TENANTRY_KUBERNETES_DATASTORES=in-cluster");
      expect(fake.state.namespaces().some((n) => n.startsWith("t-nodb-"))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
