import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";

/**
 * Hostile input gets a 4xx with the field's path and changes nothing: NUL characters,
 * invalid UTF-8, out-of-range integers, keys that break their pattern, YAML alias bombs and
 * self-referencing documents, and blueprints with thousands of problems.
 */

let t: TestApp;
let api: ApiClient;

beforeAll(async () => {
  t = await startTestApp({ workers: false });
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
});

const ONE_DB = { source: "databases:\n  - name: main\n" };
// A lone surrogate cannot be percent-encoded; a client would send its replacement.
const uri = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/gu, "\ufffd"));

async function tenantCount(): Promise<number> {
  const { rows } = await t.app.db.query<{ n: number }>("select count(*)::int as n from tenants");
  return rows[0]!.n;
}

describe("hostile input", () => {
  it("refuses a NUL character anywhere, with the field's path", async () => {
    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/tenants", { name: "a\u0000b", blueprint: ONE_DB }, "/name"],
      ["POST", "/v1/tenants", { name: "ok", slug: "s\u0000", blueprint: ONE_DB }, "/slug"],
      [
        "POST",
        "/v1/tenants",
        { name: "ok", blueprint: ONE_DB, labels: { tier: "go\u0000ld" } },
        "/labels/tier",
      ],
      [
        "POST",
        "/v1/tenants",
        { name: "ok", blueprint: { source: "databases:\n  - name: m\u0000\n" } },
        "/blueprint/source",
      ],
      ["POST", "/v1/blueprints", { name: "bp", source: "databases: []\u0000\n" }, "/source"],
      ["GET", "/v1/tenants?q=ac%00me", undefined, "/query/q"],
      ["GET", "/v1/tenants/ac%00me", undefined, "/path/id"],
    ];
    const before = await tenantCount();
    for (const [method, url, body, pointer] of cases) {
      const res = await api.call(method as "GET" | "POST", url, body);
      expect(res.status, `${method} ${url}: ${res.raw}`).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors).toEqual([{ pointer, message: "contains a NUL character" }]);
    }
    expect(await tenantCount()).toBe(before);
  });

  it("refuses a body that is not UTF-8", async () => {
    const res = await t.app.http!.inject({
      method: "POST",
      url: "/v1/tenants",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      payload: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: [{ message: "is not valid UTF-8" }],
    });
  });

  it("refuses integers out of range with 400, not 500", async () => {
    await api.call("POST", "/v1/tenants", { name: "Ints", slug: "ints", blueprint: ONE_DB });
    for (const url of [
      "/v1/tenants/ints/events?after=1e308",
      "/v1/tenants/ints/events?after=9223372036854775808",
      "/v1/blueprints/x/versions/9223372036854775808",
      "/v1/blueprints/x/versions/1e308",
    ]) {
      const res = await api.call("GET", url);
      expect(res.status, `${url}: ${res.raw}`).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
    }
  });

  it("refuses label, param and secret keys that break their pattern", async () => {
    const before = await tenantCount();
    for (const [body, pointer] of [
      [{ name: "k", blueprint: ONE_DB, labels: { "bad key!": "x" } }, "/labels/bad key!"],
      [{ name: "k", blueprint: ONE_DB, secrets: { "not-an-env-name": "x" } }, "/secrets/not-an-env-name"],
      [{ name: "k", blueprint: ONE_DB, params: { "9lives": 1 } }, "/params/9lives"],
      [{ name: "k", blueprint: ONE_DB, labels: { tier: "x".repeat(100_000) } }, "/labels/tier"],
    ] as const) {
      const res = await api.call("POST", "/v1/tenants", body);
      expect(res.status, res.raw).toBe(400);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(await tenantCount()).toBe(before);
  });

  it("answers YAML alias bombs and self-referencing documents with located errors", async () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "",
    ].join("\n");
    for (const source of [bomb, "a: &a [*a]\n", "services: &s\n  - *s\n"]) {
      const res = await api.call("POST", "/v1/blueprints/validate", { source });
      expect(res.status, res.raw).toBe(200);
      expect(res.body.valid).toBe(false);
      const [first] = res.body.errors;
      expect(first.line).toBeGreaterThanOrEqual(1);
      expect(first.column).toBeGreaterThanOrEqual(1);
      const stored = await api.call("POST", "/v1/blueprints", { name: "bomb", source });
      expect(stored.status, stored.raw).toBe(422);
      expect(stored.body.code).toBe("BLUEPRINT_INVALID");
    }
  });

  it("caps the diagnostics of a blueprint with thousands of problems", async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 1`).join("\n");
    const res = await api.call("POST", "/v1/blueprints/validate", { source: `${keys}\n` });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors.length).toBe(201);
    expect(res.body.errors.at(-1).message).toBe("… and 19800 more errors");
  });

  it("never answers 500 to strings with NUL bytes, lone surrogates or huge numbers in any field", async () => {
    const weird = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.constantFrom("\u0000", "\ud800", "a\u0000b", "1e308", "-1", "9223372036854775808"),
    );
    await fc.assert(
      fc.asyncProperty(weird, weird, async (a, b) => {
        const requests: [string, string, unknown][] = [
          ["POST", "/v1/tenants", { name: a, slug: b, blueprint: ONE_DB }],
          ["POST", "/v1/tenants", { name: "x", blueprint: { source: a }, labels: { [b || "k"]: a } }],
          ["GET", `/v1/tenants?q=${uri(a)}&status=${uri(b)}`, undefined],
          ["GET", `/v1/tenants/${uri(a || "x")}/events?after=${uri(b)}`, undefined],
          ["POST", "/v1/blueprints/validate", { source: a }],
        ];
        for (const [method, url, body] of requests) {
          const res = await api.call(method as "GET" | "POST", url, body);
          expect(res.status, `${method} ${url} ${JSON.stringify(body)}: ${res.raw}`).toBeLessThan(500);
        }
      }),
      { numRuns: 40 },
    );
  });
});
