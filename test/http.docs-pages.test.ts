import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app.js";

/** The documentation pages work offline: everything they load is served by Tenantry. */

let t: TestApp;
const get = (url: string) => t.app.http!.inject({ method: "GET", url });

beforeAll(async () => {
  t = await startTestApp({ workers: false });
});
afterAll(async () => {
  await t?.close();
});

describe("ReDoc at /redoc", () => {
  it("loads only same-origin scripts, and its script is served as JavaScript", async () => {
    const page = await get("/redoc");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('spec-url="/openapi.json"');
    expect(page.body).not.toMatch(/https?:\/\//);
    const scripts = [...page.body.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    for (const src of scripts) expect(src, src).toMatch(/^\/(?!\/)/);

    const script = await get(scripts[0]!);
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(script.headers["cache-control"]).toMatch(/max-age=31536000/);
    // The package's own bundle, byte for byte.
    const bundle = readFileSync(createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"));
    expect(script.rawPayload.equals(bundle)).toBe(true);

    const icon = page.body.match(/<link rel="icon"[^>]*href="([^"]+)"/)?.[1];
    expect(icon).toMatch(/^\/(?!\/)/);
    const svg = await get(icon!);
    expect(svg.statusCode).toBe(200);
    expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
  });

  it("is allowed to run nothing but its own script", async () => {
    const csp = String((await get("/redoc")).headers["content-security-policy"]);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/https?:/);
  });
});

describe("Swagger UI at /docs", () => {
  it("is branded as Tenantry: title, favicon and logo", async () => {
    const page = await get("/docs/");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>Tenantry API</title>");
    const favicon = page.body.match(/<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/)?.[1];
    expect(favicon).toBeDefined();
    const icon = await get(`/docs/${favicon!.replace(/^\.\//, "")}`);
    expect(icon.statusCode).toBe(200);
    expect(icon.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(icon.body).toContain("<svg");
    // The top bar's logo is ours (a data: URL in the initializer), not Swagger's.
    const init = await get("/docs/static/swagger-initializer.js");
    const logo = init.body.match(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/)?.[1];
    expect(Buffer.from(logo!, "base64").toString("utf8")).toContain("Tenantry");
  });
});
