import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_DEFAULTS } from "../src/providers/kubernetes/config.js";
import { createKubernetesProvider } from "../src/providers/kubernetes/kubernetes-provider.js";
import { ProviderRegistry } from "../src/providers/provider.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { type FakeKubernetes, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { loadKubernetesSpecs } from "./support/kubernetes-spec.js";
import { mysqlReachable, TEST_MYSQL_URL } from "./support/mysql.js";

/**
 * The kubernetes target end to end on the fake API server (validating every object against
 * the published OpenAPI documents, strict field validation): the Frappe example to active
 * with its site on the base domain and its bootstrap Job run once, suspend, resume, an
 * update of the image, destroy with nothing left, and a failing bootstrap Job.
 */

const specs = loadKubernetesSpecs();
const mariadb = await mysqlReachable("kubernetes e2e");
if (!specs)
  console.warn("[kubernetes e2e] SKIPPED: no Kubernetes OpenAPI documents in ../shared/specs/kubernetes");
const run = specs && mariadb ? describe : describe.skip;

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

const frappe = readFileSync(
  new URL("../examples/blueprints/frappe-site.render.yaml", import.meta.url),
  "utf8",
);

let fake: FakeKubernetes;
let t: TestApp;
let api: ApiClient;

const settled = (slug: string, statuses: string[]) =>
  eventually(
    async () => {
      const r = await api.json("GET", `/v1/tenants/${slug}`);
      return statuses.includes(r.status) || r.status === "failed" ? r : undefined;
    },
    { timeoutMs: 60_000 },
  );

run("the kubernetes target on the fake API server", () => {
  beforeAll(async () => {
    fake = await startFakeKubernetes({ timings: FAST, defaultFieldValidation: "Strict" });
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(fake.kubeconfigPath);
    const provider = createKubernetesProvider({
      config: {
        ...KUBERNETES_DEFAULTS,
        kubernetesBaseDomain: "apps.test",
        kubernetesTlsSecret: "wildcard-tls",
        kubernetesIngressClass: "nginx",
        kubernetesMysqlUrl: TEST_MYSQL_URL,
        kubernetesRedisUrl: process.env.TENANTRY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
      },
      kubeconfig,
    });
    t = await startTestApp({ providers: new ProviderRegistry().register(provider) });
    api = apiClient(t);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it("runs the Frappe example through its whole life", async () => {
    const created = await api.json("POST", "/v1/tenants", {
      name: "Acme",
      target: "kubernetes",
      blueprint: { source: frappe },
      params: { admin_email: "ops@acme.test" },
      secrets: { ADMIN_PASSWORD: "correct horse" },
    });
    expect(created.tenant?.id ?? created.id).toBeTruthy();
    const active = await settled("acme", ["active"]);
    expect(active.error_message).toBeNull();
    expect(active.status).toBe("active");
    const status = await api.json("GET", "/v1/tenants/acme/status");
    expect(status.site_url).toBe("https://acme.apps.test");
    expect(fake.violations).toEqual([]);

    const ns = fake.state.namespaces().find((n) => n.startsWith("t-acme-"));
    expect(ns).toBeDefined();
    const namespace = ns as string;
    const deployments = fake.state.list("deployment", namespace);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      [
        expect.stringMatching(/^frappe-acme-/),
        expect.stringMatching(/^queue-acme-/),
        expect.stringMatching(/^scheduler-acme-/),
      ].sort(),
    );
    for (const d of deployments) {
      expect(d.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("tenantry");
      expect(d.metadata.labels?.["tenantry.dev/tenant"]).toBe(active.id);
    }
    const ingress = fake.state.list("ingress", namespace);
    expect(ingress).toHaveLength(1);
    expect((ingress[0] as any).spec.rules[0].host).toBe("acme.apps.test");
    expect((ingress[0] as any).spec.tls[0].secretName).toBe("wildcard-tls");
    // The bootstrap Job ran once, with the service's image and env.
    const jobs = fake.state.list("job", namespace);
    expect(jobs).toHaveLength(1);
    expect((jobs[0] as any).status.conditions.some((c: any) => c.type === "Complete")).toBe(true);
    const web = deployments.find((d) => d.metadata.name.startsWith("frappe-"));
    const secret = fake.state.get("secret", namespace, `${web?.metadata.name}-env`) as any;
    expect(Object.keys(secret.data)).toEqual(expect.arrayContaining(["ADMIN_PASSWORD", "DB_HOST"]));

    await api.json("POST", "/v1/tenants/acme/suspend");
    expect((await settled("acme", ["suspended"])).status).toBe("suspended");
    for (const d of fake.state.list("deployment", namespace)) expect((d as any).spec.replicas).toBe(0);

    await api.json("POST", "/v1/tenants/acme/resume");
    expect((await settled("acme", ["active"])).status).toBe("active");
    for (const d of fake.state.list("deployment", namespace)) expect((d as any).spec.replicas).toBe(1);

    await api.json("PATCH", "/v1/tenants/acme", { params: { frappe_image: "frappe/erpnext:v15.60.0" } });
    expect((await settled("acme", ["active"])).status).toBe("active");
    for (const d of fake.state.list("deployment", namespace)) {
      expect((d as any).spec.template.spec.containers[0].image).toBe("frappe/erpnext:v15.60.0");
    }
    expect(fake.state.list("job", namespace)).toHaveLength(1);

    // A rotated secret: the Secret holds the new value and the pods roll (their template's
    // env digest changed), so they read it.
    const digestOf = () =>
      (fake.state.get("deployment", namespace, web!.metadata.name) as any).spec.template.metadata.annotations[
        "tenantry.dev/env-digest"
      ];
    const digestBefore = digestOf();
    expect(digestBefore).toMatch(/^[0-9a-f]{32}$/);
    expect(
      (await api.call("PATCH", "/v1/tenants/acme", { secrets: { ADMIN_PASSWORD: "battery staple" } })).status,
    ).toBe(202);
    expect((await settled("acme", ["active"])).status).toBe("active");
    const rotated = fake.state.get("secret", namespace, `${web?.metadata.name}-env`) as any;
    expect(Buffer.from(rotated.data.ADMIN_PASSWORD, "base64").toString()).toBe("battery staple");
    expect(digestOf()).not.toBe(digestBefore);

    await api.json("DELETE", "/v1/tenants/acme");
    expect((await settled("acme", ["destroyed"])).status).toBe("destroyed");
    expect(fake.state.namespaces()).not.toContain(namespace);
    expect(fake.violations).toEqual([]);
  });

  it("runs a preDeployCommand Job before the rollout, and fails the tenant with its log when it fails", async () => {
    const blueprint = (command: string) => `
services:
  - type: web
    name: app
    runtime: image
    image:
      url: ghcr.io/acme/app:1.0.0
    preDeployCommand: ${command}
`;
    await api.json("POST", "/v1/tenants", {
      name: "Migrated",
      target: "kubernetes",
      blueprint: { source: blueprint("./manage.py migrate") },
    });
    expect((await settled("migrated", ["active"])).status).toBe("active");
    const ns = fake.state.namespaces().find((n) => n.startsWith("t-migrated-")) as string;
    const jobs = fake.state.list("job", ns);
    expect(jobs.map((j) => j.metadata.name)).toEqual([expect.stringMatching(/-predeploy-[0-9a-f]{8}$/)]);
    expect((jobs[0] as any).spec.template.spec.containers[0].command).toEqual([
      "/bin/sh",
      "-c",
      "./manage.py migrate",
    ]);

    await api.json("POST", "/v1/tenants", {
      name: "Unmigrated",
      target: "kubernetes",
      blueprint: { source: blueprint('echo "relation already exists"; exit 1') },
    });
    const failed = await settled("unmigrated", ["active"]);
    expect(failed.status).toBe("failed");
    expect(failed.error_message).toContain("preDeployCommand failed");
    expect(failed.error_message).toContain("relation already exists");
    // The rollout never started.
    const ns2 = fake.state.namespaces().find((n) => n.startsWith("t-unmigrated-")) as string;
    expect(fake.state.list("deployment", ns2)).toEqual([]);
  });

  it("waits out throttling, fails a rollout that cannot finish with its reason, and marks lost access", async () => {
    const app = (image: string) => `
services:
  - type: web
    name: app
    runtime: image
    image:
      url: ${image}
`;
    // Throttled requests are waited out (429 with Retry-After), spending no attempt.
    fake.throttle(3, 1, { method: "PATCH" });
    await api.json("POST", "/v1/tenants", {
      name: "Rolled",
      target: "kubernetes",
      blueprint: { source: app("ghcr.io/acme/app:1") },
    });
    const active = await settled("rolled", ["active"]);
    expect(active.status).toBe("active");
    expect(fake.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);

    // An image whose pods crash-loop: ProgressDeadlineExceeded → failed with the reason.
    await api.json("PATCH", "/v1/tenants/rolled", {
      blueprint: { source: app("ghcr.io/acme/app:crashloop") },
    });
    const failed = await settled("rolled", ["active"]);
    expect(failed.status).toBe("failed");
    expect(failed.error_message).toMatch(/did not roll out/);

    // Revoked credentials: the tenant's access_error condition, without retrying for nothing.
    fake.setAccess("unauthorized");
    try {
      await api.json("POST", "/v1/tenants/rolled/retry");
      const denied = await eventually(
        async () => {
          const r = await api.json("GET", "/v1/tenants/rolled");
          return r.status === "failed" &&
            r.conditions?.some((c: { type: string }) => c.type === "access_error")
            ? r
            : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(denied.conditions[0].type).toBe("access_error");
    } finally {
      fake.setAccess("ok");
    }
  }, 60_000);

  it("fails the tenant with the bootstrap Job's last log lines", async () => {
    const failing = frappe.replace(
      /command: >-[\s\S]*?timeoutSeconds/,
      'command: echo "site exists already"; exit 3\n    timeoutSeconds',
    );
    await api.json("POST", "/v1/tenants", {
      name: "Broken",
      target: "kubernetes",
      blueprint: { source: failing },
      params: { admin_email: "ops@broken.test" },
      secrets: { ADMIN_PASSWORD: "pw" },
    });
    const tenant = await settled("broken", ["active"]);
    expect(tenant.status).toBe("failed");
    expect(tenant.error_message).toContain("hooks.bootstrap failed");
    expect(tenant.error_message).toContain("site exists already");
    await api.json("DELETE", "/v1/tenants/broken");
    expect((await settled("broken", ["destroyed"])).status).toBe("destroyed");
  });
});
