import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * Declared capabilities: a blueprint a target cannot fully serve is a 422 at create, each
 * thing named with why, and nothing exists afterwards; `GET /v1/targets` shows the table.
 * The render target is configured with an address nothing listens on: a refusal must come
 * from its declaration, before any call to Render.
 */

let t: TestApp;
let api: ApiClient;
let appDir: string;

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-caps-app-"));
  await writeFile(
    path.join(appDir, "web.js"),
    "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)",
  );
  t = await startTestApp({
    env: { RENDER_API_KEY: "rnd_test_key_for_capabilities", RENDER_API_URL: "http://127.0.0.1:9/v1" },
  });
  api = apiClient(t);
});

afterAll(async () => {
  await t?.close();
  if (appDir) await rm(appDir, { recursive: true, force: true });
});

async function nothingCreated(slug: string) {
  expect((await api.call("GET", `/v1/tenants/${slug}`)).status).toBe(404);
  const { rows } = await t.app.db.query("select count(*)::int as n from operations");
  return rows[0].n as number;
}

describe("refusals at create", () => {
  it("refuses an image service, a Dockerfile, a remote repo and a missing startCommand on local, each named", async () => {
    const before = (await t.app.db.query("select count(*)::int as n from operations")).rows[0].n;
    const res = await api.call("POST", "/v1/tenants", {
      name: "Imagery",
      blueprint: {
        source: `
databases:
  - name: main
services:
  - type: web
    name: app
    runtime: image
    image:
      url: docker.io/library/nginx:1.27
  - type: worker
    name: jobs
    runtime: docker
    repo: ${appDir}
  - type: pserv
    name: api
    runtime: node
    repo: https://github.com/example/api
    startCommand: node server.js
  - type: web
    name: site
    runtime: node
    repo: ${appDir}
`,
      },
    });
    expect(res.status).toBe(422);
    expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe("UNSUPPORTED_RESOURCE");
    expect(res.body.target).toBe("local");
    const refusals = res.body.refusals as { resource: string; field: string; message: string }[];
    expect(refusals.map((r) => [r.resource, r.field])).toEqual([
      ["service:app", "image"],
      ["service:jobs", "runtime"],
      ["service:api", "repo"],
      ["service:site", "startCommand"],
    ]);
    expect(refusals[0]!.message).toMatch(/not images/);
    expect(refusals[2]!.message).toMatch(/remote repository/);
    // One field error per refusal, and the detail names them all.
    expect(res.body.errors).toHaveLength(4);
    expect(res.body.detail).toMatch(
      /service:app \(image\), service:jobs \(runtime\), service:api \(repo\), service:site \(startCommand\)/,
    );
    expect(await nothingCreated("imagery")).toBe(before);
  });

  it("accepts on local what it can serve", async () => {
    const res = await api.call("POST", "/v1/tenants", {
      name: "Servable",
      blueprint: {
        source: `
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node web.js
`,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await api.waitForTenant("servable", "active", { timeoutMs: 20_000 });
  });

  it("refuses on render what Render's API would refuse, before calling it", async () => {
    const before = (await t.app.db.query("select count(*)::int as n from operations")).rows[0].n;
    const res = await api.call("POST", "/v1/tenants", {
      name: "Renderless",
      target: "render",
      blueprint: {
        source: `
services:
  - type: web
    name: web
    runtime: node
    repo: ./apps/web
    startCommand: node web.js
`,
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.refusals).toEqual([
      {
        resource: "service:web",
        field: null,
        message: expect.stringMatching(/repo "\.\/apps\/web" is not a Git URL Render can reach/),
      },
    ]);
    expect(await nothingCreated("renderless")).toBe(before);
  });
});

describe("MySQL/MariaDB databases", () => {
  it("are refused on render with the reason, before calling it", async () => {
    const before = (await t.app.db.query("select count(*)::int as n from operations")).rows[0].n;
    const res = await api.call("POST", "/v1/tenants", {
      name: "Frappeless",
      target: "render",
      blueprint: { source: "databases:\n  - name: site-db\n    engine: mariadb\n" },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("UNSUPPORTED_RESOURCE");
    expect(res.body.refusals).toEqual([
      {
        resource: "database:site-db",
        field: "engine",
        message:
          'kind "mysql" is not supported by target "render": Render has no MySQL or MariaDB; use a postgres database or another target (local)',
      },
    ]);
    expect(await nothingCreated("frappeless")).toBe(before);
  });

  it("are refused on local without TENANTRY_LOCAL_MYSQL_URL, saying what to set", async () => {
    const bare = await startTestApp({ env: { TENANTRY_LOCAL_MYSQL_URL: "" } });
    try {
      const res = await apiClient(bare).call("POST", "/v1/tenants", {
        name: "Nomysql",
        blueprint: { source: "databases:\n  - name: site-db\n    engine: mysql\n" },
      });
      expect(res.status).toBe(422);
      expect(res.body.refusals).toEqual([
        {
          resource: "database:site-db",
          field: "engine",
          message: expect.stringMatching(/not supported by target "local": set TENANTRY_LOCAL_MYSQL_URL/),
        },
      ]);
    } finally {
      await bare.close();
    }
  });
});

describe("GET /v1/targets", () => {
  it("lists each target's kinds with suspend, logs, jobs and time limits, and what it lacks", async () => {
    const res = await api.call("GET", "/v1/targets");
    expect(res.status).toBe(200);
    const local = res.body.data.find((d: { name: string }) => d.name === "local");
    const render = res.body.data.find((d: { name: string }) => d.name === "render");
    expect(local).toMatchObject({ placement: "node", bootstrap: true });
    expect(render).toMatchObject({ placement: "anywhere", bootstrap: true });
    const cron = local.kinds.find((k: { kind: string }) => k.kind === "cron");
    expect(cron).toMatchObject({ suspend: true, logs: true, jobs: true });
    expect(cron.action_timeout_ms).toBeGreaterThan(15 * 60_000);
    const renderWeb = render.kinds.find((k: { kind: string }) => k.kind === "web");
    expect(renderWeb).toMatchObject({
      suspend: true,
      logs: false,
      jobs: false,
      max_wait_ms: expect.any(Number),
    });
    // Render has no MySQL or MariaDB (`engine:` is Tenantry's extension).
    expect(render.missing).toEqual([
      { kind: "mysql", why: expect.stringMatching(/^Render has no MySQL or MariaDB/) },
    ]);
    expect(res.body.data.map((d: { name: string }) => d.name)).toEqual(["local", "render"]);
  });
});
