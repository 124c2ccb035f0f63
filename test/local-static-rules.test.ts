import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchStaticRule, staticHeadersFor } from "../src/proxy/host-proxy.js";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * A static site's `routes` (redirects, rewrites) and `headers` served by the local
 * target's host proxy as Render serves them (render.com/docs/redirects-rewrites): a file
 * that exists wins over any rule; otherwise the first matching rule applies; `*` and
 * `:name` are filled into the destination; header rules add to what is served.
 */

let t: TestApp;
let api: ApiClient;
let base: string;
let appDir: string;

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-static-"));
  t = await startTestApp({
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
  });
  base = await t.app.listen();
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("static site routes and headers on the local target", () => {
  it("serves a rewrite, a redirect and a header as Render would", async () => {
    const blueprint = `
services:
  - type: web
    name: site
    runtime: static
    repo: ${appDir}
    buildCommand: >-
      mkdir -p public/assets public/blog &&
      echo app > public/index.html && echo css > public/assets/app.css &&
      echo post > public/blog/hello.html
    staticPublishPath: public
    routes:
      - type: redirect
        source: /old/*
        destination: /blog/*
      - type: redirect
        source: /posts/:year/:slug
        destination: /blog/:slug.html
      - type: redirect
        source: /elsewhere
        destination: https://example.com/landing
      - type: rewrite
        source: /*
        destination: /index.html
    headers:
      - path: /*
        name: X-Frame-Options
        value: DENY
      - path: /assets/*
        name: Cache-Control
        value: public, max-age=600
`;
    const created = await api.json("POST", "/v1/tenants", { name: "Spa", blueprint: { source: blueprint } });
    expect(created.tenant?.status, JSON.stringify(created)).toBe("queued");
    try {
      const active = await api.waitForTenant("spa", "active", { timeoutMs: 60_000 });
      const site = active.resources.find((r: any) => r.key === "service:site");
      const host = new URL(site.outputs.url).hostname;
      const get = (p: string) => requestWithHost(base, host, p);

      // A file that exists is served as it is, with the headers of every matching rule.
      const css = await get("/assets/app.css");
      expect(css).toMatchObject({ status: 200, body: "css\n" });
      expect(css.headers["x-frame-options"]).toBe("DENY");
      expect(css.headers["cache-control"]).toBe("public, max-age=600");
      expect((await get("/blog/hello.html")).body).toBe("post\n");

      // No file: the first matching rule. Redirects are 301s with the wildcard filled in…
      const moved = await get("/old/hello.html?ref=mail");
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toBe("/blog/hello.html?ref=mail");
      // …and placeholders; a destination may be another site.
      expect((await get("/posts/2024/hello")).headers.location).toBe("/blog/hello.html");
      expect((await get("/elsewhere")).headers.location).toBe("https://example.com/landing");
      // The catch-all rewrite serves index.html under the requested path (client routing).
      const deep = await get("/app/settings/profile");
      expect(deep).toMatchObject({ status: 200, body: "app\n" });
      expect(deep.headers["x-frame-options"]).toBe("DENY");
      expect(deep.headers["cache-control"]).toBe("no-cache");
      // The rules do not shadow what exists, and are on the outputs the proxy reads.
      expect((await get("/")).body).toBe("app\n");
      expect(site.outputs.staticRoutes).toHaveLength(4);
      expect(site.outputs.staticHeaders).toHaveLength(2);
    } finally {
      await api.json("DELETE", "/v1/tenants/spa");
      await api.waitForTenant(created.tenant.id, "destroyed", { timeoutMs: 60_000 });
    }
  });

  it("applies the first matching rule, ignores a trailing slash, and lets a later header rule win", async () => {
    const rules = [
      { type: "rewrite", source: "/docs/*", destination: "/docs/index.html" },
      { type: "redirect", source: "/docs/*", destination: "/never" },
    ];
    expect(matchStaticRule(rules, "/docs/a/b")).toMatchObject({ destination: "/docs/index.html" });
    expect(matchStaticRule(rules, "/doc")).toBeUndefined();
    expect(matchStaticRule([{ type: "redirect", source: "/a/", destination: "/b" }], "/a")).toBeDefined();
    expect(
      staticHeadersFor(
        [
          { path: "/*", name: "X-A", value: "1" },
          { path: "/x/*", name: "x-a", value: "2" },
          { path: "/y/*", name: "X-B", value: "3" },
        ],
        "/x/file",
      ),
    ).toEqual({ "x-a": "2" });
  });
});
