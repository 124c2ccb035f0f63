import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeKubernetes, ownedBy, startFakeKubernetes } from "./support/fake-kubernetes/index.js";
import { loadKubernetesSpecs } from "./support/kubernetes-spec.js";

/**
 * The fake Kubernetes API server itself, over real HTTP: validation against the
 * published OpenAPI v3 documents, server-side apply and field ownership, selectors,
 * deletion, the controllers' progressions, errors, and the real clients Tenantry and its
 * users point at it (@kubernetes/client-node, kubectl).
 */

const specs = loadKubernetesSpecs();
if (!specs) {
  console.warn(
    "[fake-kubernetes] SKIPPED: the Kubernetes OpenAPI documents are not in ../shared/specs/kubernetes (or TENANTRY_KUBERNETES_SPECS)",
  );
}
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
if (specs && !KUBECTL) console.warn("[fake-kubernetes] kubectl test SKIPPED: kubectl is not installed");

const run = promisify(execFile);

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

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

interface CallOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string>;
  token?: string | null;
  accept?: string;
}

async function until<T>(read: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(v)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function deployment(
  name: string,
  extra: { image?: string; replicas?: number; progressDeadlineSeconds?: number } = {},
) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: extra.replicas ?? 2,
      ...(extra.progressDeadlineSeconds !== undefined && {
        progressDeadlineSeconds: extra.progressDeadlineSeconds,
      }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: "web", image: extra.image ?? "nginx:1.27", ports: [{ containerPort: 80 }] }],
        },
      },
    },
  };
}

function job(name: string, command: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...extra,
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", command] }],
        },
      },
    },
  };
}

describe.skipIf(!specs)("fake Kubernetes API", () => {
  let k: FakeKubernetes;

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const url = new URL(k.url + path);
    for (const [key, v] of Object.entries(options.query ?? {})) url.searchParams.set(key, v);
    const token = options.token === undefined ? k.token : options.token;
    const res = await fetch(url, {
      method,
      headers: {
        ...(token !== null && { Authorization: `Bearer ${token}` }),
        ...(options.body !== undefined && { "Content-Type": options.contentType ?? "application/json" }),
        ...(options.accept && { Accept: options.accept }),
      },
      ...(options.body !== undefined && {
        body: typeof options.body === "string" ? options.body : JSON.stringify(options.body),
      }),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, text, headers: res.headers };
  }

  const apply = (path: string, body: unknown, manager: string, extra: Record<string, string> = {}) =>
    call("PATCH", path, {
      body,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: manager, ...extra },
    });

  async function namespace(name: string): Promise<void> {
    const res = await call("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    });
    expect(res.status, res.text).toBe(201);
  }

  beforeAll(async () => {
    k = await startFakeKubernetes({ timings: FAST });
  });

  afterAll(async () => {
    await k?.close();
  });

  describe("discovery", () => {
    it("answers /version, /api, /apis, the resource lists and the OpenAPI v3 index", async () => {
      const version = await call("GET", "/version");
      expect(version.body).toMatchObject({ major: "1", minor: "35", gitVersion: "v1.35.0" });
      expect((await call("GET", "/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
      const groups = (await call("GET", "/apis")).body;
      expect(groups.kind).toBe("APIGroupList");
      expect(groups.groups.map((g: any) => g.name)).toEqual(["apps", "batch", "networking.k8s.io"]);
      const core = (await call("GET", "/api/v1")).body;
      expect(core).toMatchObject({ kind: "APIResourceList", groupVersion: "v1" });
      const names = core.resources.map((r: any) => r.name);
      expect(names).toEqual(
        expect.arrayContaining([
          "namespaces",
          "secrets",
          "configmaps",
          "services",
          "pods",
          "pods/log",
          "persistentvolumeclaims",
          "events",
        ]),
      );
      const apps = (await call("GET", "/apis/apps/v1")).body;
      expect(apps.resources.find((r: any) => r.name === "deployments")).toMatchObject({
        kind: "Deployment",
        namespaced: true,
        shortNames: ["deploy"],
      });
      const index = (await call("GET", "/openapi/v3")).body;
      expect(Object.keys(index.paths)).toEqual([
        "api/v1",
        "apis/apps/v1",
        "apis/batch/v1",
        "apis/networking.k8s.io/v1",
      ]);
      const doc = await call("GET", index.paths["apis/apps/v1"].serverRelativeURL);
      expect(doc.body.components.schemas["io.k8s.api.apps.v1.Deployment"]).toBeDefined();
    });
  });

  describe("authentication, authorization, throttling", () => {
    it("answers 401 without the token, 403 for a forbidden token, 429 with Retry-After when throttled", async () => {
      const none = await call("GET", "/api/v1/namespaces", { token: null });
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({
        kind: "Status",
        status: "Failure",
        reason: "Unauthorized",
        code: 401,
      });
      expect((await call("GET", "/api/v1/namespaces", { token: "wrong" })).status).toBe(401);

      const denied = await call("GET", "/apis/apps/v1/namespaces/default/deployments", {
        token: "fake-kubernetes-forbidden-token",
      });
      expect(denied.status).toBe(403);
      expect(denied.body.reason).toBe("Forbidden");
      expect(denied.body.message).toContain(
        'cannot list resource "deployments" in API group "apps" in the namespace "default"',
      );
      // Discovery stays open, as for system:discovery.
      expect((await call("GET", "/api", { token: "fake-kubernetes-forbidden-token" })).status).toBe(200);

      k.throttle(2, 3, { path: "/configmaps" });
      const first = await call("GET", "/api/v1/namespaces/default/configmaps");
      expect(first.status).toBe(429);
      expect(first.headers.get("retry-after")).toBe("3");
      expect(first.body).toMatchObject({ reason: "TooManyRequests", details: { retryAfterSeconds: 3 } });
      expect((await call("GET", "/api/v1/namespaces/default/secrets")).status).toBe(200);
      expect((await call("GET", "/api/v1/namespaces/default/configmaps")).status).toBe(429);
      expect((await call("GET", "/api/v1/namespaces/default/configmaps")).status).toBe(200);

      k.setAccess("forbidden");
      expect((await call("GET", "/api/v1/namespaces/default/configmaps")).status).toBe(403);
      k.setAccess("ok");
    });
  });

  describe("validation against the OpenAPI documents", () => {
    it("refuses an unknown field with fieldValidation=Strict, warns and drops it with Warn", async () => {
      const body = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "strict" },
        data: { a: "b" },
        extra: 1,
      };
      const strict = await call("POST", "/api/v1/namespaces/default/configmaps", {
        body,
        query: { fieldValidation: "Strict" },
      });
      expect(strict.status).toBe(400);
      expect(strict.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
      expect(strict.body.message).toContain('strict decoding error: unknown field "extra"');

      const warn = await call("POST", "/api/v1/namespaces/default/configmaps", { body });
      expect(warn.status).toBe(201);
      expect(warn.headers.get("warning")).toContain('unknown field \\"extra\\"');
      expect(warn.body.extra).toBeUndefined();
      expect(k.violations.some((v) => v.name === "strict" && v.errors.some((e) => e.includes("extra")))).toBe(
        true,
      );

      const nested = deployment("nested") as any;
      nested.spec.template.spec.containers[0].imagePullPolicyy = "Always";
      const deep = await call("POST", "/apis/apps/v1/namespaces/default/deployments", {
        body: nested,
        query: { fieldValidation: "Strict" },
      });
      expect(deep.status).toBe(400);
      expect(deep.body.message).toContain(
        'unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
      );

      const ssa = await apply(
        "/api/v1/namespaces/default/configmaps/strict-ssa",
        { ...body, metadata: { name: "strict-ssa" } },
        "t",
        {
          fieldValidation: "Strict",
        },
      );
      expect(ssa.status).toBe(400);
      expect(ssa.body.message).toContain(".extra: field not declared in schema");
    });

    it("refuses a wrong type (400, the server cannot decode it) naming the field", async () => {
      const bad = deployment("typed") as any;
      bad.spec.replicas = "three";
      const res = await call("POST", "/apis/apps/v1/namespaces/default/deployments", { body: bad });
      expect(res.status).toBe(400);
      expect(res.body.reason).toBe("BadRequest");
      expect(res.body.message).toContain("spec.replicas of type int32");
      const secret = await call("POST", "/api/v1/namespaces/default/secrets", {
        body: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "not base64!" } },
      });
      expect(secret.status).toBe(400);
      expect(secret.body.message).toContain("data.k");
    });

    it("answers 422 Invalid with one cause per field for missing and invalid values", async () => {
      const bad = deployment("Bad_Name") as any;
      delete bad.spec.template.spec.containers[0].name;
      bad.spec.template.metadata.labels = { app: "other" };
      const res = await call("POST", "/apis/apps/v1/namespaces/default/deployments", { body: bad });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        kind: "Status",
        reason: "Invalid",
        code: 422,
        details: { kind: "Deployment" },
      });
      const fields = res.body.details.causes.map((c: any) => c.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          "spec.template.spec.containers[0].name",
          "metadata.name",
          "spec.template.metadata.labels",
        ]),
      );
      expect(
        res.body.details.causes.find((c: any) => c.field === "spec.template.spec.containers[0].name"),
      ).toMatchObject({
        reason: "FieldValueRequired",
        message: "Required value",
      });
      expect(res.body.message).toContain('Deployment "Bad_Name" is invalid');

      const jobRes = await call("POST", "/apis/batch/v1/namespaces/default/jobs", {
        body: {
          ...job("no-policy", "true"),
          spec: { template: { spec: { containers: [{ name: "m", image: "busybox" }] } } },
        },
      });
      expect(jobRes.status).toBe(422);
      expect(jobRes.body.details.causes[0]).toMatchObject({
        field: "spec.template.spec.restartPolicy",
        reason: "FieldValueNotSupported",
      });
    });
  });

  describe("create, read, update", () => {
    it("creates with uid, creationTimestamp, resourceVersion; answers AlreadyExists, NotFound and stale-update conflicts", async () => {
      const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plain" }, data: { a: "1" } };
      const created = await call("POST", "/api/v1/namespaces/default/configmaps", { body });
      expect(created.status).toBe(201);
      expect(created.body.metadata).toMatchObject({ name: "plain", namespace: "default" });
      expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(created.body.metadata.managedFields[0]).toMatchObject({
        operation: "Update",
        fieldsType: "FieldsV1",
      });

      const again = await call("POST", "/api/v1/namespaces/default/configmaps", { body });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        reason: "AlreadyExists",
        details: { name: "plain", kind: "configmaps" },
      });

      const missing = await call("GET", "/api/v1/namespaces/default/configmaps/nope");
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ reason: "NotFound", message: 'configmaps "nope" not found' });
      expect((await call("GET", "/apis/apps/v1/namespaces/default/deployments/nope")).body.message).toBe(
        'deployments.apps "nope" not found',
      );
      expect((await call("POST", "/api/v1/namespaces/ghost/configmaps", { body })).body.message).toBe(
        'namespaces "ghost" not found',
      );

      const rv = created.body.metadata.resourceVersion;
      const updated = await call("PUT", "/api/v1/namespaces/default/configmaps/plain", {
        body: { ...created.body, data: { a: "2" } },
      });
      expect(updated.status).toBe(200);
      expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
      const stale = await call("PUT", "/api/v1/namespaces/default/configmaps/plain", {
        body: { ...created.body, data: { a: "3" } },
      });
      expect(stale.status).toBe(409);
      expect(stale.body.reason).toBe("Conflict");
      expect(stale.body.message).toContain("the object has been modified");

      const merged = await call("PATCH", "/api/v1/namespaces/default/configmaps/plain", {
        body: { data: { b: "x" } },
        contentType: "application/merge-patch+json",
      });
      expect(merged.body.data).toEqual({ a: "2", b: "x" });
    });
  });

  describe("server-side apply", () => {
    const path = "/apis/apps/v1/namespaces/default/deployments/ssa";

    it("creates, merges another manager's fields, refuses a conflicting change, takes it over with force", async () => {
      const created = await apply(path, deployment("ssa"), "tenantry");
      expect(created.status).toBe(201);
      expect(created.body.metadata.generation).toBe(1);
      expect(created.body.metadata.managedFields).toHaveLength(1);
      expect(created.body.metadata.managedFields[0]).toMatchObject({
        manager: "tenantry",
        operation: "Apply",
        apiVersion: "apps/v1",
      });
      expect(ownedBy(created.body, "tenantry")).toEqual(
        expect.arrayContaining([
          ".spec.replicas",
          ".metadata.labels.app",
          '.spec.template.spec.containers[name="web"].image',
        ]),
      );
      // Defaults belong to nobody.
      expect(created.body.spec.progressDeadlineSeconds).toBe(600);
      expect(ownedBy(created.body, "tenantry")).not.toContain(".spec.progressDeadlineSeconds");

      // Another manager adds a label: merged, shared object, generation unchanged.
      const other = await apply(
        path,
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ssa", labels: { team: "a" } } },
        "ops",
      );
      expect(other.status).toBe(200);
      expect(other.body.metadata.labels).toEqual({ app: "ssa", team: "a" });
      expect(other.body.spec.replicas).toBe(2);
      expect(other.body.metadata.generation).toBe(1);
      expect(other.body.metadata.managedFields.map((m: any) => m.manager).sort()).toEqual([
        "ops",
        "tenantry",
      ]);

      // Changing a field tenantry owns: conflict, nothing changed.
      const scale = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "ssa" },
        spec: { replicas: 5 },
      };
      const refused = await apply(path, scale, "ops");
      expect(refused.status).toBe(409);
      expect(refused.body.reason).toBe("Conflict");
      expect(refused.body.message).toBe(
        'Apply failed with 1 conflict: conflict with "tenantry" using apps/v1: .spec.replicas',
      );
      expect(refused.body.details.causes).toEqual([
        {
          reason: "FieldManagerConflict",
          message: 'conflict with "tenantry" using apps/v1',
          field: ".spec.replicas",
        },
      ]);
      expect(k.state.get("deployment", "default", "ssa")!["spec"]).toMatchObject({ replicas: 2 });

      // The same value is no conflict: shared ownership.
      const same = await apply(path, { ...scale, spec: { replicas: 2 } }, "ops");
      expect(same.status).toBe(200);
      expect(ownedBy(same.body, "ops")).toContain(".spec.replicas");
      expect(ownedBy(same.body, "tenantry")).toContain(".spec.replicas");

      const forced = await apply(path, scale, "ops", { force: "true" });
      expect(forced.status).toBe(200);
      expect(forced.body.spec.replicas).toBe(5);
      expect(forced.body.metadata.generation).toBe(2);
      expect(ownedBy(forced.body, "ops")).toContain(".spec.replicas");
      expect(ownedBy(forced.body, "tenantry")).not.toContain(".spec.replicas");
    });

    it("removes what a manager stops applying, unless someone else owns it", async () => {
      const p = "/api/v1/namespaces/default/configmaps/owned";
      const cm = (data: Record<string, string>) => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owned" },
        data,
      });
      await apply(p, cm({ a: "1", b: "2", c: "3" }), "tenantry");
      await apply(p, cm({ c: "3" }), "ops");
      const res = await apply(p, cm({ a: "1" }), "tenantry");
      expect(res.body.data).toEqual({ a: "1", c: "3" });
      // A no-op apply changes nothing, not even the resourceVersion.
      const noop = await apply(p, cm({ a: "1" }), "tenantry");
      expect(noop.status).toBe(200);
      expect(noop.body.metadata.resourceVersion).toBe(res.body.metadata.resourceVersion);
    });

    it("merges lists by their keys: another manager's container stays; an Update takes fields without conflict", async () => {
      const p = "/apis/apps/v1/namespaces/default/deployments/mesh";
      await apply(p, deployment("mesh", { replicas: 1 }), "tenantry");
      const sidecar = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "mesh" },
        spec: { template: { spec: { containers: [{ name: "proxy", image: "envoy:1.31" }] } } },
      };
      const both = await apply(p, sidecar, "mesh-injector");
      expect(both.status, both.text).toBe(200);
      expect(both.body.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["web", "proxy"]);
      const again = await apply(p, deployment("mesh", { replicas: 1, image: "nginx:1.28" }), "tenantry");
      expect(again.body.spec.template.spec.containers.map((c: any) => [c.name, c.image])).toEqual([
        ["web", "nginx:1.28"],
        ["proxy", "envoy:1.31"],
      ]);
      // kubectl scale is an Update: it takes .spec.replicas, and tenantry's next apply conflicts with it.
      const scaled = await call("PATCH", `${p}/scale`, {
        body: { spec: { replicas: 4 } },
        contentType: "application/merge-patch+json",
        query: { fieldManager: "kubectl" },
      });
      expect(scaled.body).toMatchObject({ kind: "Scale", spec: { replicas: 4 } });
      const back = await apply(p, deployment("mesh", { replicas: 1, image: "nginx:1.28" }), "tenantry");
      expect(back.status).toBe(409);
      expect(back.body.message).toContain('conflict with "kubectl"');
      expect(
        (
          await apply(p, deployment("mesh", { replicas: 1, image: "nginx:1.28" }), "tenantry", {
            force: "true",
          })
        ).body.spec.replicas,
      ).toBe(1);
    });

    it("needs a fieldManager, apiVersion and kind; takes YAML; honours dryRun", async () => {
      const p = "/api/v1/namespaces/default/configmaps/yaml";
      const noManager = await call("PATCH", p, { body: "{}", contentType: "application/apply-patch+yaml" });
      expect(noManager.status).toBe(400);
      expect(noManager.body.message).toContain("fieldManager");
      expect((await apply(p, { metadata: { name: "yaml" } }, "t")).body.message).toBe(
        "apiVersion must be set",
      );
      const yamlBody = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  key: value\n";
      const dry = await apply(p, yamlBody, "t", { dryRun: "All" });
      expect(dry.status).toBe(201);
      expect(k.state.get("configmap", "default", "yaml")).toBeUndefined();
      const real = await apply(p, yamlBody, "t");
      expect(real.status).toBe(201);
      expect(real.body.data).toEqual({ key: "value" });
    });
  });

  describe("selectors", () => {
    it("lists by label selector (=, !=, in, notin, exists, !) and by metadata.name", async () => {
      await namespace("sel");
      const items: [string, Record<string, string>][] = [
        ["a", { app: "web", env: "prod", tier: "front" }],
        ["b", { app: "web", env: "dev" }],
        ["c", { app: "db", env: "prod", tier: "back" }],
      ];
      for (const [name, labels] of items) {
        await call("POST", "/api/v1/namespaces/sel/configmaps", {
          body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels } },
        });
      }
      const names = async (query: Record<string, string>) =>
        (await call("GET", "/api/v1/namespaces/sel/configmaps", { query })).body.items.map(
          (i: any) => i.metadata.name,
        );
      expect(await names({ labelSelector: "app=web" })).toEqual(["a", "b"]);
      expect(await names({ labelSelector: "app==web,env=prod" })).toEqual(["a"]);
      expect(await names({ labelSelector: "app!=web" })).toEqual(["c"]);
      expect(await names({ labelSelector: "env in (dev, staging)" })).toEqual(["b"]);
      expect(await names({ labelSelector: "env notin (dev)" })).toEqual(["a", "c"]);
      expect(await names({ labelSelector: "tier" })).toEqual(["a", "c"]);
      expect(await names({ labelSelector: "!tier" })).toEqual(["b"]);
      expect(await names({ fieldSelector: "metadata.name=b" })).toEqual(["b"]);
      expect(await names({ fieldSelector: "metadata.name!=b", labelSelector: "app" })).toEqual(["a", "c"]);
      const list = await call("GET", "/api/v1/namespaces/sel/configmaps", { query: { limit: "2" } });
      expect(list.body).toMatchObject({ kind: "ConfigMapList", apiVersion: "v1" });
      expect(list.body.items).toHaveLength(2);
      expect(list.body.metadata.remainingItemCount).toBe(1);
      const rest = await call("GET", "/api/v1/namespaces/sel/configmaps", {
        query: { limit: "2", continue: list.body.metadata.continue },
      });
      expect(rest.body.items.map((i: any) => i.metadata.name)).toEqual(["c"]);
      expect(
        (await call("GET", "/api/v1/namespaces/sel/configmaps", { query: { fieldSelector: "data.x=1" } }))
          .status,
      ).toBe(400);
      expect(
        (await call("GET", "/api/v1/namespaces/sel/configmaps", { query: { labelSelector: "a in b" } }))
          .status,
      ).toBe(400);
      const across = await call("GET", "/api/v1/configmaps", { query: { labelSelector: "app=db" } });
      expect(across.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
        "sel/c",
      ]);
    });
  });

  describe("deletion", () => {
    it("propagates Background (dependents go), Orphan (they stay, unowned), Foreground (owner waits)", async () => {
      await namespace("del");
      const base = "/apis/apps/v1/namespaces/del/deployments";
      for (const name of ["bg", "orphan", "fg"]) {
        expect((await apply(`${base}/${name}`, deployment(name, { replicas: 1 }), "t")).status).toBe(201);
      }
      await until(
        () =>
          k.state.list("pods", "del").filter((p) => p["status"] && (p["status"] as any).phase === "Running")
            .length,
        (n) => n === 3,
      );
      const rsOf = (name: string) =>
        k.state.list("replicasets", "del").filter((r) => r.metadata.name.startsWith(`${name}-`));

      const bg = await call("DELETE", `${base}/bg`, { query: { propagationPolicy: "Background" } });
      expect(bg.status).toBe(200);
      expect(bg.body).toMatchObject({
        kind: "Status",
        status: "Success",
        details: { name: "bg", group: "apps", kind: "deployments" },
      });
      await until(
        () =>
          rsOf("bg").length +
          k.state.list("pods", "del").filter((p) => p.metadata.name.startsWith("bg-")).length,
        (n) => n === 0,
      );

      await call("DELETE", `${base}/orphan`, { body: { propagationPolicy: "Orphan" } });
      expect(k.state.get("deployment", "del", "orphan")).toBeUndefined();
      const [kept] = rsOf("orphan");
      expect(kept).toBeDefined();
      expect(kept!.metadata.ownerReferences).toBeUndefined();

      const fg = await call("DELETE", `${base}/fg`, { query: { propagationPolicy: "Foreground" } });
      expect(fg.status).toBe(202);
      expect(fg.body.metadata.deletionTimestamp).toBeDefined();
      expect(fg.body.metadata.finalizers).toContain("foregroundDeletion");
      await until(
        () => k.state.get("deployment", "del", "fg"),
        (d) => d === undefined,
      );
      expect(rsOf("fg")).toEqual([]);
    });

    it("keeps an object with finalizers (deletionTimestamp set) until they are removed", async () => {
      const p = "/api/v1/namespaces/default/configmaps/finalized";
      await apply(
        p,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "finalized", finalizers: ["example.com/keep"] },
        },
        "t",
      );
      const res = await call("DELETE", p);
      expect(res.status).toBe(200);
      expect(res.body.metadata.deletionTimestamp).toBeDefined();
      expect(k.state.get("configmap", "default", "finalized")!.metadata.deletionTimestamp).toBeDefined();
      await call("PATCH", p, {
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
      expect(k.state.get("configmap", "default", "finalized")).toBeUndefined();
    });

    it("a Job's pods are kept by default (with the server's warning)", async () => {
      await namespace("orph");
      await call("POST", "/apis/batch/v1/namespaces/orph/jobs", { body: job("quick", "echo hi") });
      await until(
        () => k.state.list("pods", "orph").length,
        (n) => n === 1,
      );
      const res = await call("DELETE", "/apis/batch/v1/namespaces/orph/jobs/quick");
      expect(res.status).toBe(200);
      expect(res.headers.get("warning")).toContain("child pods are preserved by default");
      await new Promise((r) => setTimeout(r, 50));
      expect(k.state.list("pods", "orph")).toHaveLength(1);
    });

    it("a deleted namespace is Terminating, refuses new content, then is gone with everything in it", async () => {
      await namespace("doomed");
      await apply("/apis/apps/v1/namespaces/doomed/deployments/web", deployment("web"), "t");
      await apply(
        "/api/v1/namespaces/doomed/secrets/s",
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { k: "v" } },
        "t",
      );
      await until(
        () => k.state.list("pods", "doomed").length,
        (n) => n === 2,
      );
      const res = await call("DELETE", "/api/v1/namespaces/doomed");
      expect(res.status).toBe(200);
      expect(res.body.status.phase).toBe("Terminating");
      expect(res.body.metadata.deletionTimestamp).toBeDefined();
      expect((await call("GET", "/api/v1/namespaces/doomed")).body.status.phase).toBe("Terminating");
      const refused = await call("POST", "/api/v1/namespaces/doomed/configmaps", {
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" } },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toContain("because it is being terminated");
      await until(
        () => k.state.namespaces().includes("doomed"),
        (v) => !v,
      );
      expect((await call("GET", "/api/v1/namespaces/doomed")).status).toBe(404);
      expect(k.state.contents("doomed")).toEqual([]);
    });
  });

  describe("deployments", () => {
    it("roll out: observedGeneration, replica counts, Available and Progressing; scale to 0", async () => {
      await namespace("roll");
      const path = "/apis/apps/v1/namespaces/roll/deployments/app";
      await apply(path, deployment("app", { replicas: 3 }), "tenantry");
      const done = await until(
        async () => (await call("GET", path)).body,
        (d) =>
          d.status?.availableReplicas === 3 &&
          d.status.conditions?.some((c: any) => c.reason === "NewReplicaSetAvailable"),
      );
      expect(done.status).toMatchObject({
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
      });
      expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
        ["Available", "True", "MinimumReplicasAvailable"],
        ["Progressing", "True", "NewReplicaSetAvailable"],
      ]);
      expect(k.state.list("pods", "roll")).toHaveLength(3);

      // A new image: a second ReplicaSet, the old one scaled down once the new is ready.
      await apply(path, deployment("app", { replicas: 3, image: "nginx:1.28" }), "tenantry");
      const updated = await until(
        async () => (await call("GET", path)).body,
        (d) =>
          d.status?.observedGeneration === 2 &&
          d.status.updatedReplicas === 3 &&
          d.status.replicas === 3 &&
          d.status.availableReplicas === 3,
      );
      expect(updated.metadata.generation).toBe(2);
      const sets = k.state.list("replicasets", "roll");
      expect(sets).toHaveLength(2);
      expect(sets.map((s) => (s["spec"] as any).replicas).sort()).toEqual([0, 3]);

      await apply(path, deployment("app", { replicas: 0, image: "nginx:1.28" }), "tenantry");
      const zero = await until(
        async () => (await call("GET", path)).body,
        (d) => d.status?.observedGeneration === 3 && d.status.replicas === undefined,
      );
      expect(zero.status.readyReplicas).toBeUndefined();
      await until(
        () => k.state.list("pods", "roll").length,
        (n) => n === 0,
      );
    });

    it("a crash-looping image: pods in CrashLoopBackOff, then ProgressDeadlineExceeded", async () => {
      await namespace("crash");
      const path = "/apis/apps/v1/namespaces/crash/deployments/bad";
      await apply(
        path,
        deployment("bad", { replicas: 1, image: "example/app:crashloop", progressDeadlineSeconds: 5 }),
        "t",
      );
      const failed = await until(
        async () => (await call("GET", path)).body,
        (d) => d.status?.conditions?.some((c: any) => c.type === "Progressing" && c.status === "False"),
      );
      const progressing = failed.status.conditions.find((c: any) => c.type === "Progressing");
      expect(progressing.reason).toBe("ProgressDeadlineExceeded");
      expect(progressing.message).toMatch(/has timed out progressing/);
      expect(failed.status.availableReplicas).toBeUndefined();
      const [pod] = k.state.list("pods", "crash");
      const cs = (pod!["status"] as any).containerStatuses[0];
      expect(cs.state.waiting.reason).toBe("CrashLoopBackOff");
      expect(cs.restartCount).toBeGreaterThan(0);
      expect(cs.ready).toBe(false);
      const log = await call("GET", `/api/v1/namespaces/crash/pods/${pod!.metadata.name}/log`);
      expect(log.text).toContain("crashed");
    });

    it("an image that cannot be pulled: ErrImagePull, then ImagePullBackOff", async () => {
      await apply(
        "/apis/apps/v1/namespaces/crash/deployments/nopull",
        deployment("nopull", { replicas: 1, image: "example/app:nonexistent" }),
        "t",
      );
      const pod = await until(
        () => k.state.list("pods", "crash").find((p) => p.metadata.name.startsWith("nopull-")),
        (p) => (p?.["status"] as any)?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff",
      );
      expect((pod!["status"] as any).phase).toBe("Pending");
    });

    it("a StatefulSet gets ordered pods and its claims, Bound", async () => {
      await namespace("sts");
      const body = {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: {
            metadata: { labels: { app: "db" } },
            spec: { containers: [{ name: "db", image: "mariadb:11" }] },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
          ],
        },
      };
      expect((await apply("/apis/apps/v1/namespaces/sts/statefulsets/db", body, "t")).status).toBe(201);
      const sts = await until(
        async () => (await call("GET", "/apis/apps/v1/namespaces/sts/statefulsets/db")).body,
        (s) => s.status?.readyReplicas === 2,
      );
      expect(sts.status).toMatchObject({
        replicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        observedGeneration: 1,
      });
      expect(k.state.list("pods", "sts").map((p) => p.metadata.name)).toEqual(["db-0", "db-1"]);
      const claims = await until(
        () => k.state.list("pvc", "sts"),
        (c) => c.length === 2 && c.every((x) => (x["status"] as any).phase === "Bound"),
      );
      expect(claims.map((c) => c.metadata.name)).toEqual(["data-db-0", "data-db-1"]);
    });
  });

  describe("jobs", () => {
    it("succeed with the command's output as the pod's log, Complete", async () => {
      await namespace("jobs");
      await call("POST", "/apis/batch/v1/namespaces/jobs/jobs", {
        body: job("ok", "echo creating site; echo done"),
      });
      const done = await until(
        async () => (await call("GET", "/apis/batch/v1/namespaces/jobs/jobs/ok")).body,
        (j) => j.status?.conditions?.some((c: any) => c.type === "Complete"),
      );
      expect(done.status).toMatchObject({ succeeded: 1, ready: 0 });
      expect(done.metadata.labels).toMatchObject({ "job-name": "ok", "batch.kubernetes.io/job-name": "ok" });
      expect(done.status.completionTime).toBeDefined();
      expect(done.status.conditions.map((c: any) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
      const pods = await call("GET", "/api/v1/namespaces/jobs/pods", {
        query: { labelSelector: "batch.kubernetes.io/job-name=ok" },
      });
      expect(pods.body.items).toHaveLength(1);
      expect(pods.body.items[0].status.phase).toBe("Succeeded");
      const log = await call("GET", `/api/v1/namespaces/jobs/pods/${pods.body.items[0].metadata.name}/log`);
      expect(log.headers.get("content-type")).toBe("text/plain");
      expect(log.text).toBe("creating site\ndone\n");
    });

    it("fail with `exit N`: the pod's exit code, Failed BackoffLimitExceeded, the log kept", async () => {
      await call("POST", "/apis/batch/v1/namespaces/jobs/jobs", {
        body: job("bad", 'echo "site already exists" >&2; exit 3', { backoffLimit: 1 }),
      });
      const failed = await until(
        async () => (await call("GET", "/apis/batch/v1/namespaces/jobs/jobs/bad")).body,
        (j) => j.status?.conditions?.some((c: any) => c.type === "Failed"),
      );
      expect(failed.status.failed).toBe(2);
      expect(failed.status.conditions.find((c: any) => c.type === "Failed")).toMatchObject({
        status: "True",
        reason: "BackoffLimitExceeded",
      });
      const pods = k.state.list("pods", "jobs").filter((p) => p.metadata.labels?.["job-name"] === "bad");
      expect(pods).toHaveLength(2);
      const terminated = (pods[0]!["status"] as any).containerStatuses[0].state.terminated;
      expect(terminated).toMatchObject({ exitCode: 3, reason: "Error" });
      const log = await call("GET", `/api/v1/namespaces/jobs/pods/${pods[0]!.metadata.name}/log`, {
        query: { tailLines: "5" },
      });
      expect(log.text).toBe("site already exists\n");
    });

    it("are deleted with their pods ttlSecondsAfterFinished after they finish", async () => {
      await namespace("ttl");
      await call("POST", "/apis/batch/v1/namespaces/ttl/jobs", {
        body: job("short", "echo x", { ttlSecondsAfterFinished: 2 }),
      });
      await until(
        () => k.state.get("job", "ttl", "short"),
        (j) => ((j?.["status"] as any)?.succeeded ?? 0) === 1,
      );
      await until(
        () => k.state.contents("ttl"),
        (c) => c.length === 0,
      );
    });

    it("a suspended CronJob runs nothing; an invalid schedule is refused", async () => {
      const cron = {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "tick" },
        spec: {
          schedule: "* * * * *",
          suspend: true,
          jobTemplate: job("x", "echo tick").spec ? { spec: job("x", "echo tick").spec } : {},
        },
      };
      const res = await apply("/apis/batch/v1/namespaces/jobs/cronjobs/tick", cron, "t");
      expect(res.status).toBe(201);
      expect(res.body.spec).toMatchObject({
        suspend: true,
        concurrencyPolicy: "Allow",
        successfulJobsHistoryLimit: 3,
      });
      const bad = await apply(
        "/apis/batch/v1/namespaces/jobs/cronjobs/tock",
        { ...cron, metadata: { name: "tock" }, spec: { ...cron.spec, schedule: "every minute" } },
        "t",
      );
      expect(bad.status).toBe(422);
      expect(bad.body.details.causes[0].field).toBe("spec.schedule");
    });
  });

  describe("watch", () => {
    it("streams ADDED and MODIFIED events from a resourceVersion", async () => {
      await namespace("w");
      const list = await call("GET", "/api/v1/namespaces/w/configmaps");
      const controller = new AbortController();
      const res = await fetch(
        `${k.url}/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
        {
          headers: { Authorization: `Bearer ${k.token}` },
          signal: controller.signal,
        },
      );
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const events: any[] = [];
      const reading = (async () => {
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += Buffer.from(value).toString("utf8");
          const lines = buf.split("\n");
          buf = lines.pop() ?? "";
          for (const line of lines) events.push(JSON.parse(line));
        }
      })().catch(() => {});
      await apply(
        "/api/v1/namespaces/w/configmaps/c",
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } },
        "t",
      );
      await apply(
        "/api/v1/namespaces/w/configmaps/c",
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "2" } },
        "t",
      );
      await call("DELETE", "/api/v1/namespaces/w/configmaps/c");
      await until(
        () => events.length,
        (n) => n >= 3,
      );
      expect(events.map((e) => [e.type, e.object.data?.a])).toEqual([
        ["ADDED", "1"],
        ["MODIFIED", "2"],
        ["DELETED", "2"],
      ]);
      controller.abort();
      await reading;
    });
  });

  describe("real clients", () => {
    it("@kubernetes/client-node: typed APIs and server-side apply through KubernetesObjectApi", async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(k.kubeconfigPath);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const apps = kc.makeApiClient(k8s.AppsV1Api);
      const batch = kc.makeApiClient(k8s.BatchV1Api);
      const objects = k8s.KubernetesObjectApi.makeApiClient(kc);

      await core.createNamespace({ body: { metadata: { name: "client" } } });
      const applied = await objects.patch(
        {
          ...deployment("site"),
          metadata: { name: "site", namespace: "client", labels: { app: "site" } },
        } as k8s.KubernetesObject,
        undefined,
        undefined,
        "tenantry",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      expect(applied.metadata?.managedFields?.[0]?.manager).toBe("tenantry");
      await objects.patch(
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "site", namespace: "client" },
          spec: { selector: { app: "site" }, ports: [{ port: 80, targetPort: 8000 }] },
        } as k8s.KubernetesObject,
        undefined,
        undefined,
        "tenantry",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      await objects.patch(
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: { name: "site", namespace: "client" },
          spec: {
            rules: [
              {
                host: "acme.example.com",
                http: {
                  paths: [
                    {
                      path: "/",
                      pathType: "Prefix",
                      backend: { service: { name: "site", port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        } as k8s.KubernetesObject,
        undefined,
        undefined,
        "tenantry",
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      const ready = await until(
        () => apps.readNamespacedDeployment({ name: "site", namespace: "client" }),
        (d) => d.status?.availableReplicas === 2,
      );
      expect(ready.status?.observedGeneration).toBe(1);
      const svc = await core.readNamespacedService({ name: "site", namespace: "client" });
      expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);

      await batch.createNamespacedJob({
        namespace: "client",
        body: job("bootstrap", "echo bench new-site acme") as k8s.V1Job,
      });
      const finished = await until(
        () => batch.readNamespacedJob({ name: "bootstrap", namespace: "client" }),
        (j) => (j.status?.conditions ?? []).some((c) => c.type === "Complete"),
      );
      expect(finished.status?.succeeded).toBe(1);
      const pods = await core.listNamespacedPod({ namespace: "client", labelSelector: "job-name=bootstrap" });
      const log = await core.readNamespacedPodLog({
        name: pods.items[0]!.metadata!.name!,
        namespace: "client",
      });
      expect(log).toBe("bench new-site acme\n");

      const err = await apps
        .readNamespacedDeployment({ name: "missing", namespace: "client" })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(k8s.ApiException);
      expect((err as k8s.ApiException<string>).code).toBe(404);

      const conflict = await objects
        .patch(
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "site", namespace: "client" },
            spec: { replicas: 9 },
          } as k8s.KubernetesObject,
          undefined,
          undefined,
          "intruder",
          false,
          k8s.PatchStrategy.ServerSideApply,
        )
        .catch((e: unknown) => e);
      expect((conflict as k8s.ApiException<string>).code).toBe(409);
    });

    it("@kubernetes/client-node over plain HTTP (tls: false), with its Watch", async () => {
      const plain = await startFakeKubernetes({ tls: false, timings: FAST });
      try {
        expect(plain.httpsUrl).toBeUndefined();
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(plain.kubeconfigPath);
        expect(kc.getCurrentCluster()?.server).toBe(plain.url);
        const core = kc.makeApiClient(k8s.CoreV1Api);
        await core.createNamespacedConfigMap({
          namespace: "default",
          body: { metadata: { name: "w" }, data: { a: "1" } },
        });
        const seen: string[] = [];
        const watching = await new k8s.Watch(kc).watch(
          "/api/v1/namespaces/default/configmaps",
          {},
          (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.data?.a}`),
          () => {},
        );
        await core.patchNamespacedConfigMap(
          { namespace: "default", name: "w", body: { data: { a: "2" } } },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
        await until(
          () => seen.length,
          (n) => n >= 2,
        );
        expect(seen).toEqual(["ADDED w 1", "MODIFIED w 2"]);
        watching.abort();
      } finally {
        await plain.close();
      }
    });

    it.skipIf(!KUBECTL)("kubectl lists and describes what the client created", async () => {
      await until(
        () => k.state.get("ingress", "client", "site"),
        (i) => i !== undefined,
      );
      const kc = ["--kubeconfig", k.kubeconfigPath];
      const get = await run(KUBECTL!, [...kc, "get", "deployments,services,ingress", "-n", "client"]);
      expect(get.stdout).toMatch(/deployment\.apps\/site\s+2\/2\s+2\s+2\s+/);
      expect(get.stdout).toMatch(/service\/site\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
      expect(get.stdout).toMatch(
        /ingress\.networking\.k8s\.io\/site\s+<none>\s+acme\.example\.com\s+127\.0\.0\.1\s+80/,
      );
      const describe = await run(KUBECTL!, [...kc, "describe", "deployment", "site", "-n", "client"]);
      expect(describe.stdout).toMatch(/^Name:\s+site$/m);
      expect(describe.stdout).toMatch(/^Namespace:\s+client$/m);
      expect(describe.stdout).toMatch(
        /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/,
      );
      expect(describe.stdout).toMatch(/Available\s+True\s+MinimumReplicasAvailable/);
      expect(describe.stdout).toMatch(/NewReplicaSet:\s+site-\w+ \(2\/2 replicas created\)/);
      expect(describe.stdout).toContain("ScalingReplicaSet");
      const yaml = await run(KUBECTL!, [
        ...kc,
        "get",
        "deployment",
        "site",
        "-n",
        "client",
        "-o",
        "jsonpath={.status.readyReplicas}",
      ]);
      expect(yaml.stdout).toBe("2");
    });
  });
});
