import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./support/app.js";

describe("CORS (ALLOWED_ORIGINS)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ workers: false, env: { ALLOWED_ORIGINS: "https://app.example.com" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers a preflight from an allowed origin", async () => {
    const res = await t.app.http!.inject({
      method: "OPTIONS",
      url: "/v1/tenants",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,idempotency-key",
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://app.example.com");
  });

  it("allows every method the API has, and exposes the headers clients read", async () => {
    for (const method of ["PATCH", "DELETE", "PUT"]) {
      const res = await t.app.http!.inject({
        method: "OPTIONS",
        url: "/v1/tenants/acme",
        headers: {
          origin: "https://app.example.com",
          "access-control-request-method": method,
          "access-control-request-headers": "authorization,content-type,if-match,x-request-id",
        },
      });
      expect(res.statusCode).toBe(204);
      expect(String(res.headers["access-control-allow-methods"]).split(/,\s*/)).toContain(method);
      expect(String(res.headers["access-control-allow-headers"])).toContain("if-match");
    }
    const res = await t.app.http!.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://app.example.com" },
    });
    const exposed = String(res.headers["access-control-expose-headers"]).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["etag", "location", "retry-after", "x-request-id"]));
  });

  it("does not allow another origin", async () => {
    const res = await t.app.http!.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://evil.example" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("security headers", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("are on every answer: JSON, errors, unknown routes", async () => {
    for (const [url, status] of [
      ["/health", 200],
      ["/v1/tenants", 401],
      ["/nope", 404],
    ] as const) {
      const res = await t.app.http!.inject({ method: "GET", url });
      expect(res.statusCode).toBe(status);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
      expect(res.headers["content-security-policy"]).toBe(
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      );
    }
  });

  it("let the documentation pages load what they need, and nothing else", async () => {
    const docs = await t.app.http!.inject({ method: "GET", url: "/docs" });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    const redoc = await t.app.http!.inject({ method: "GET", url: "/redoc" });
    // ReDoc's script is served from here: nothing from elsewhere.
    expect(redoc.headers["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
    expect(redoc.headers["content-security-policy"]).not.toMatch(/https?:/);
    expect(redoc.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
  });
});
