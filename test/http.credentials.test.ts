import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderRegistry } from "../src/providers/provider.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { type ApiClient, type ApiResponse, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";
import { addKey, addOrganization } from "./support/organizations.js";

/**
 * `/v1/credentials`: registration checked against the platform (a bad key is a 422 and
 * stores nothing), write-only views, roles, another organization's credential is a 404,
 * replacing and deleting while tenants use it, and `TENANTRY_CREDENTIALS_FALLBACK=none`
 * refusing a tenant of an organization without a credential before anything exists.
 */

const ORG_KEY = "rnd_org_a_key_0123456789abcdefWXYZ";
const ORG_OWNER = "tea-orga0000000000000000";
const BLUEPRINT = {
  source: `services:
  - type: web
    name: app
    runtime: image
    image:
      url: docker.io/library/nginx:1.27
    plan: starter
`,
};

let fake: FakeRender;
let t: TestApp;
let admin: ApiClient;
let other: ApiClient;
/** Every answer of this file: none may hold a secret. */
const answers: ApiResponse[] = [];
const record = async (p: Promise<ApiResponse>) => {
  const r = await p;
  answers.push(r);
  return r;
};

beforeAll(async () => {
  fake = await startFakeRender({ noRateLimits: true });
  fake.addWorkspace({ apiKey: ORG_KEY, ownerId: ORG_OWNER, name: "Org A's workspace" });
  t = await startTestApp({
    workers: false,
    env: { RENDER_API_URL: fake.url, TENANTRY_CREDENTIALS_FALLBACK: "none" },
    providers: new ProviderRegistry().register(
      // The installation has a key of its own, which fallback `none` does not let tenants use.
      createRenderProvider({ apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 2000 }),
    ),
  });
  admin = apiClient(t);
  other = apiClient(t, (await addOrganization(t, "other")).key);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await fake?.close();
});

describe("/v1/credentials", () => {
  it("refuses a key the platform refuses with 422 CREDENTIAL_CHECK_FAILED and stores nothing", async () => {
    const bad = await record(
      admin.call("POST", "/v1/credentials", {
        target: "render",
        kind: "render_api_key",
        api_key: "rnd_wrong_key_000000000",
      }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: "CREDENTIAL_CHECK_FAILED", target: "render" });
    expect(bad.body.detail).toMatch(/401/);
    const wrongWorkspace = await record(
      admin.call("POST", "/v1/credentials", {
        target: "render",
        kind: "render_api_key",
        api_key: ORG_KEY,
        workspace_id: "tea-notmine000000000000",
      }),
    );
    expect(wrongWorkspace.status).toBe(422);
    expect((await record(admin.call("GET", "/v1/credentials"))).body.data).toEqual([]);
    const { rows } = await t.app.db.query("select count(*)::int as n from target_credentials");
    expect(rows[0].n).toBe(0);
  });

  it("refuses bad shapes with each field named, before any call to the platform", async () => {
    const before = fake.requests.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ target: "render", kind: "kubeconfig", kubeconfig: "x" }, "/kind"],
      [{ target: "mars", kind: "render_api_key", api_key: "k" }, "/target"],
      [{ target: "render", kind: "render_api_key" }, "/api_key"],
      [{ target: "render", kind: "render_api_key", api_key: "k", token: "t" }, "/token"],
      [{ target: "render", kind: "render_api_key", api_key: "k", workspace_id: "ws1" }, "/workspace_id"],
      [{ target: "terraform", kind: "cloud_role", provider: "aws", role_arn: "arn:nope" }, "/role_arn"],
      [{ target: "kubernetes", kind: "kubernetes_token", server: "not a url", token: "t" }, "/server"],
    ];
    for (const [body, pointer] of cases) {
      const res = await record(admin.call("POST", "/v1/credentials", body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(fake.requests.length).toBe(before);
  });

  it("refuses a tenant on render while the organization has no credential (fallback none), before anything exists", async () => {
    const res = await record(
      admin.call("POST", "/v1/tenants", { name: "Early", blueprint: BLUEPRINT, target: "render" }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "CREDENTIAL_REQUIRED", target: "render" });
    expect(res.body.errors[0].pointer).toBe("/target");
    expect((await admin.call("GET", "/v1/tenants/early")).status).toBe(404);
    const { rows } = await t.app.db.query("select count(*)::int as n from tenants");
    expect(rows[0].n).toBe(0);
  });

  it("refuses a kubeconfig that would run a program or read a file of Tenantry's host, and runs nothing", async () => {
    const marker = path.join(os.tmpdir(), `tenantry-kubeconfig-exec-${process.pid}`);
    const server = "https://127.0.0.1:6443";
    const cases: [string, string][] = [
      [
        `users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: touch\n      args: ["${marker}"]\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n`,
        "`exec` is not allowed",
      ],
      [
        // Hidden behind a merge key: still the user's field.
        `x: &x\n  auth-provider: { name: oidc }\nusers:\n- name: u\n  user:\n    <<: *x\n`,
        "`auth-provider` is not allowed",
      ],
      [
        `users:\n- name: u\n  user:\n    token-file: /var/run/secrets/kubernetes.io/serviceaccount/token\n`,
        "`token-file`",
      ],
      [`users:\n- name: u\n  user:\n    client-key: /etc/tenantry/key.pem\n`, "`client-key`"],
      [
        `clusters:\n- name: c\n  cluster:\n    server: ${server}\n    certificate-authority: /etc/ssl/ca.pem\n`,
        "`certificate-authority`",
      ],
      [
        `clusters:\n- name: c\n  cluster:\n    server: ${server}\n    proxy-url: http://10.0.0.1:3128\n`,
        "`proxy-url`",
      ],
    ];
    for (const [kubeconfig, message] of cases) {
      const contexts = `\ncontexts:\n- name: k\n  context: { cluster: c, user: u }\ncurrent-context: k\n`;
      const res = await record(
        admin.call("POST", "/v1/credentials", {
          target: "kubernetes",
          kind: "kubeconfig",
          kubeconfig: kubeconfig + contexts,
        }),
      );
      expect(res.status, kubeconfig).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors).toContainEqual({
        pointer: "/kubeconfig",
        message: expect.stringContaining(message),
      });
    }
    expect(existsSync(marker)).toBe(false);
    expect(
      (await admin.json("GET", "/v1/credentials")).data.filter((c: any) => c.target === "kubernetes"),
    ).toEqual([]);
  });

  it("refuses a cluster on Tenantry's own network (loopback, private, link-local) unless allowed, before any call", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: "kubernetes_token", server: "https://127.0.0.1:6443", token: "t" }, "/server"],
      [{ kind: "kubernetes_token", server: "https://localhost:6443", token: "t" }, "/server"],
      [
        {
          kind: "kubeconfig",
          kubeconfig:
            "clusters:\n- name: c\n  cluster: { server: 'https://169.254.169.254' }\nusers:\n- name: u\n  user: { token: t }\ncontexts:\n- name: k\n  context: { cluster: c, user: u }\ncurrent-context: k\n",
        },
        "/kubeconfig",
      ],
    ];
    for (const [body, pointer] of cases) {
      const res = await record(admin.call("POST", "/v1/credentials", { target: "kubernetes", ...body }));
      expect(res.status, res.raw).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors).toEqual([
        { pointer, message: expect.stringMatching(/loopback|this machine|linkLocal|link-local/i) },
      ]);
    }
  });

  let credential: any;

  it("registers a key that passes its check: 201, the workspace found, never the key", async () => {
    const res = await record(
      admin.call("POST", "/v1/credentials", {
        target: "render",
        kind: "render_api_key",
        api_key: ORG_KEY,
        name: "prod",
      }),
    );
    expect(res.status, res.raw).toBe(201);
    credential = res.body;
    expect(credential).toMatchObject({
      name: "prod",
      target: "render",
      kind: "render_api_key",
      status: "ok",
      version: 1,
      last_error: null,
      display: { workspace_id: ORG_OWNER, workspace_name: "Org A's workspace", key: "…WXYZ" },
    });
    expect(res.headers["location"]).toBe(`/v1/credentials/${credential.id}`);
    expect(fake.requests.some((r) => r.path === "/owners" && r.status === 200)).toBe(true);
    // Sealed at rest.
    const { rows } = await t.app.db.query("select secret_enc from target_credentials");
    expect(rows[0].secret_enc).toMatch(/^v2\./);
    expect(JSON.stringify(rows)).not.toContain(ORG_KEY);

    expect((await record(admin.call("GET", `/v1/credentials/${credential.id}`))).body).toEqual(credential);
    const list = await record(admin.call("GET", "/v1/credentials"));
    expect(list.body.data).toEqual([credential]);
  });

  it("lets viewers read, operators re-check and only admins write", async () => {
    const orgId = (await t.app.db.query("select organization_id from target_credentials")).rows[0]
      .organization_id;
    const viewer = apiClient(t, await addKey(t, orgId, "viewer"));
    const operator = apiClient(t, await addKey(t, orgId, "operator"));
    expect((await record(viewer.call("GET", "/v1/credentials"))).status).toBe(200);
    expect((await record(viewer.call("GET", `/v1/credentials/${credential.id}`))).status).toBe(200);
    expect((await record(viewer.call("POST", `/v1/credentials/${credential.id}/check`))).status).toBe(403);
    const checked = await record(operator.call("POST", `/v1/credentials/${credential.id}/check`));
    expect(checked.status).toBe(200);
    expect(checked.body.status).toBe("ok");
    expect(
      (
        await record(
          operator.call("POST", "/v1/credentials", {
            target: "render",
            kind: "render_api_key",
            api_key: ORG_KEY,
          }),
        )
      ).status,
    ).toBe(403);
    expect((await record(operator.call("DELETE", `/v1/credentials/${credential.id}`))).status).toBe(403);
  });

  it("answers 404 for another organization's credential on every route that takes an id", async () => {
    for (const [method, url] of [
      ["GET", `/v1/credentials/${credential.id}`],
      ["DELETE", `/v1/credentials/${credential.id}`],
      ["POST", `/v1/credentials/${credential.id}/check`],
    ] as const) {
      const res = await record(other.call(method, url));
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.code).toBe("CREDENTIAL_NOT_FOUND");
    }
    expect((await record(other.call("GET", "/v1/credentials"))).body.data).toEqual([]);
    expect((await record(admin.call("GET", "/v1/credentials/not-an-id"))).status).toBe(404);
  });

  it("admits the tenant once the credential exists; deleting or moving to another workspace is refused while it lives", async () => {
    const created = await record(
      admin.call("POST", "/v1/tenants", { name: "Later", blueprint: BLUEPRINT, target: "render" }),
    );
    expect(created.status, created.raw).toBe(201);

    const del = await record(admin.call("DELETE", `/v1/credentials/${credential.id}`));
    expect(del.status).toBe(409);
    expect(del.body.code).toBe("CREDENTIAL_IN_USE");

    // Another workspace's key would strand the tenant's objects: refused, the old one kept.
    const moved = await record(
      admin.call("POST", "/v1/credentials", {
        target: "render",
        kind: "render_api_key",
        api_key: fake.apiKey,
      }),
    );
    expect(moved.status).toBe(409);
    expect(moved.body.code).toBe("CREDENTIAL_IN_USE");
    // The same workspace again (a rotated key): replaced, version 2.
    const again = await record(
      admin.call("POST", "/v1/credentials", {
        target: "render",
        kind: "render_api_key",
        api_key: ORG_KEY,
        name: "rotated",
      }),
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: credential.id, name: "rotated", version: 2 });

    await t.app.db.query("update tenants set status = 'destroyed' where slug = 'later'");
    expect((await record(admin.call("DELETE", `/v1/credentials/${credential.id}`))).status).toBe(204);
    expect((await record(admin.call("GET", `/v1/credentials/${credential.id}`))).status).toBe(404);
  });

  it("registers a cloud role reference by its shape, and refuses an unreadable kubeconfig", async () => {
    const role = await record(
      admin.call("POST", "/v1/credentials", {
        target: "terraform",
        kind: "cloud_role",
        provider: "aws",
        role_arn: "arn:aws:iam::123456789012:role/tenantry-deployer",
        external_id: "ext-secret-0123456789",
      }),
    );
    expect(role.status, role.raw).toBe(201);
    expect(role.body.display).toEqual({
      provider: "aws",
      role_arn: "arn:aws:iam::123456789012:role/tenantry-deployer",
    });
    const kube = await record(
      admin.call("POST", "/v1/credentials", {
        target: "kubernetes",
        kind: "kubeconfig",
        kubeconfig: "::: not yaml",
      }),
    );
    expect(kube.status).toBe(422);
    expect(kube.body.code).toBe("CREDENTIAL_CHECK_FAILED");
  });

  it("never answered with a secret", () => {
    const all = answers.map((a) => a.raw).join("\n");
    for (const secret of [ORG_KEY, fake.apiKey, "rnd_wrong_key_000000000", "ext-secret-0123456789"]) {
      expect(all).not.toContain(secret);
    }
  });
});
