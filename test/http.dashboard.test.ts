import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * How the API process serves the dashboard's build (src/http/dashboard.ts): index.html on
 * each of its pages, hashed assets cached for a year, a CSP of this origin only, nothing in
 * the OpenAPI document, and a page that says what to do when the build is missing. (The
 * dashboard itself, built by Vite, is tested in a browser: test/dashboard.browser.test.ts.)
 */

let built: TestApp;
let unbuilt: TestApp;
let dir: string;
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="app"></div></body></html>`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-dashboard-build-"));
  await mkdir(path.join(dir, "build", "assets"), { recursive: true });
  await writeFile(path.join(dir, "build", "index.html"), INDEX);
  await writeFile(
    path.join(dir, "build", "assets", "index-AbC123.js"),
    'console.log("dashboard");\n'.repeat(100),
  );
  [built, unbuilt] = await Promise.all([
    startTestApp({ dashboardDir: path.join(dir, "build") }),
    startTestApp({ dashboardDir: path.join(dir, "nothing-here") }),
  ]);
});

afterAll(async () => {
  await Promise.all([built?.close(), unbuilt?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const get = (t: TestApp, url: string, headers: Record<string, string> = {}) =>
  t.app.http!.inject({ method: "GET", url, headers });

describe("the dashboard's pages", () => {
  it("are its index.html at each of its paths, without a key, never cached stale", async () => {
    for (const url of [
      "/",
      "/tenants",
      "/tenants/0193abcd",
      "/new?blueprint=db",
      "/blueprints/web",
      "/validate",
      "/audit",
    ]) {
      const res = await get(built, url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toBe("text/html; charset=utf-8");
      expect(res.body, url).toBe(INDEX);
      expect(res.headers["cache-control"], url).toBe("no-cache");
    }
  });

  it("allow scripts, styles and requests to this origin only", async () => {
    const csp = String((await get(built, "/")).headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toMatch(/https?:/);
    // The API keeps its own CSP, which allows nothing.
    expect(String((await get(built, "/health")).headers["content-security-policy"])).toContain(
      "default-src 'none'",
    );
  });

  it("serve the hashed assets with a year's cache, conditional requests and compression", async () => {
    const res = await get(built, "/assets/index-AbC123.js", { "accept-encoding": "gzip" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^(text|application)\/javascript/);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers["content-encoding"]).toBe("gzip");
    const etag = String(res.headers.etag);
    expect(etag).toBeTruthy();
    expect((await get(built, "/assets/index-AbC123.js", { "if-none-match": etag })).statusCode).toBe(304);
    expect((await get(built, "/assets/missing-000.js")).statusCode).toBe(404);
    expect((await get(built, "/assets/../index.html")).statusCode).toBe(404);
  });

  it("are not API operations: the OpenAPI document leaves them out, and the API's 404 stays JSON", async () => {
    const doc = JSON.parse((await get(built, "/openapi.json")).body) as { paths: Record<string, unknown> };
    expect(
      Object.keys(doc.paths).filter((p) => !p.startsWith("/v1/") && !["/health", "/ready"].includes(p)),
    ).toEqual([]);
    const missing = await get(built, "/v1/no-such-thing");
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await get(built, "/nowhere")).statusCode).toBe(404);
  });

  it("say what to run when the dashboard is not built, the API still answering, and serve it once built", async () => {
    const res = await get(unbuilt, "/tenants");
    expect(res.statusCode).toBe(503);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain("npm run build");
    expect((await get(unbuilt, "/health")).statusCode).toBe(200);
    // Built while the server runs: served from then on, no restart.
    await mkdir(path.join(dir, "nothing-here", "assets"), { recursive: true });
    await writeFile(path.join(dir, "nothing-here", "index.html"), INDEX);
    await writeFile(path.join(dir, "nothing-here", "assets", "index-AbC123.js"), "export {};\n");
    expect((await get(unbuilt, "/tenants")).body).toBe(INDEX);
    expect((await get(unbuilt, "/assets/index-AbC123.js")).statusCode).toBe(200);
  });
});
