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
