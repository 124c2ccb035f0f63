import http from "node:http";
import type net from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  CLIENT_VERSION,
  createClient,
  type Problem,
  type Tenant,
  TenantryApiError,
  unwrap,
  waitForOperation,
} from "../src/index.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";

/**
 * The SDK (`tenantry/client`) against a real Tenantry listening on a port: the local
 * target, an empty blueprint (nothing to create, so a tenant is active at once).
 */

let t: TestApp;
let baseUrl: string;
const EMPTY = { source: "databases: []\n" };

/** The headers of every request the client sent (a pass-through fetch: the server answers). */
function recordingFetch() {
  const sent: Headers[] = [];
  const fetchFn = (input: Request, init?: RequestInit) => {
    sent.push(new Headers(input.headers));
    return fetch(input, init);
  };
  return { sent, fetch: fetchFn };
}

beforeAll(async () => {
  t = await startTestApp({ env: { PORT: "0", HOST: "127.0.0.1", TENANTRY_WORKER_CONCURRENCY: "2" } });
  baseUrl = await t.app.listen();
});
afterAll(async () => {
  await t?.close();
});

describe("the SDK against a running Tenantry", () => {
  it("creates a tenant, waits for its operation, gets it; sends the key and its User-Agent", async () => {
    const recorder = recordingFetch();
    const tenantry = createClient({ baseUrl, apiKey: ADMIN_KEY, fetch: recorder.fetch });

    const created = await unwrap(
      tenantry.POST("/v1/tenants", {
        body: { name: "Acme SDK", slug: "acme-sdk", blueprint: EMPTY, labels: { plan: "pro" } },
        params: { header: { "Idempotency-Key": "sdk-acme-1" } },
      }),
    );
    expect(created.tenant).toMatchObject({ slug: "acme-sdk", status: "queued", labels: { plan: "pro" } });
    expect(created.operation.kind).toBe("create");

    const operation = await waitForOperation(tenantry, created.operation.id, {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    expect(operation).toMatchObject({ id: created.operation.id, status: "succeeded" });

    const tenant: Tenant = await unwrap(
      tenantry.GET("/v1/tenants/{id}", { params: { path: { id: "acme-sdk" } } }),
    );
    expect(tenant).toMatchObject({ id: created.tenant.id, status: "active" });

    expect(recorder.sent.length).toBeGreaterThanOrEqual(3);
    for (const headers of recorder.sent) {
      expect(headers.get("authorization")).toBe(`Bearer ${ADMIN_KEY}`);
      expect(headers.get("user-agent")).toBe(`tenantry-client/${CLIENT_VERSION}`);
    }
    // The SDK's version is the server's, from the same package.json.
    expect((await unwrap(tenantry.GET("/health"))).version).toBe(CLIENT_VERSION);
  });

  it("turns a 404 into a typed problem, and unwrap into a TenantryApiError", async () => {
    const tenantry = createClient({ baseUrl, apiKey: ADMIN_KEY });
    const result = await tenantry.GET("/v1/tenants/{id}", { params: { path: { id: "nobody" } } });
    expect(result.response.status).toBe(404);
    expect(result.data).toBeUndefined();
    const problem = result.error;
    expectTypeOf(problem).toEqualTypeOf<Problem | undefined>();
    expect(problem).toMatchObject({ status: 404, code: "TENANT_NOT_FOUND" });

    const err = await unwrap(tenantry.GET("/v1/tenants/{id}", { params: { path: { id: "nobody" } } })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TenantryApiError);
    const apiError = err as TenantryApiError;
    expect(apiError).toMatchObject({ status: 404, code: "TENANT_NOT_FOUND", errors: [] });
    expect(apiError.detail).toContain("nobody");
    expect(apiError.message).toBe(`${apiError.detail} (TENANT_NOT_FOUND)`);
    expect(apiError.requestId).toBe(apiError.response.headers.get("x-request-id"));
    expect(apiError.requestId).toMatch(/\S/);
  });

  it("carries the field errors of a refused request (400 VALIDATION_FAILED, with pointers)", async () => {
    const tenantry = createClient({ baseUrl, apiKey: ADMIN_KEY });
    const err = (await unwrap(
      tenantry.POST("/v1/tenants", { body: { name: "Bad", slug: "Not A Slug", blueprint: EMPTY } }),
    ).catch((e: unknown) => e)) as TenantryApiError;
    expect(err).toBeInstanceOf(TenantryApiError);
    expect(err).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    expect(err.errors.map((e) => e.pointer)).toContain("/slug");
    // Nothing was created.
    const list = await unwrap(tenantry.GET("/v1/tenants", { params: { query: { q: "Bad" } } }));
    expect(list.data).toEqual([]);
  });

  it("without a key is refused (401), and a request's own Authorization wins over the client's", async () => {
    const anonymous = createClient({ baseUrl });
    const refused = await anonymous.GET("/v1/tenants");
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: "UNAUTHENTICATED" });
    // Public endpoints answer without one.
    expect(await unwrap(anonymous.GET("/health"))).toMatchObject({ status: "ok" });

    const wrongKey = createClient({ baseUrl, apiKey: "tnt_not_a_real_key_0123456789abcdef" });
    expect((await wrongKey.GET("/v1/tenants")).response.status).toBe(401);
    const overridden = await wrongKey.GET("/v1/tenants", {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(overridden.response.status).toBe(200);
  });

  it("sends the client's extra headers (X-Request-Id comes back)", async () => {
    const tenantry = createClient({
      baseUrl,
      apiKey: ADMIN_KEY,
      headers: { "x-request-id": "sdk-test-req-1" },
    });
    const { response } = await tenantry.GET("/v1/tenants");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("sdk-test-req-1");
  });
});

describe("the SDK's timeout", () => {
  let server: http.Server;
  let silentUrl: string;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    // /silent: accepts, never answers. /stalled: headers and half a body, then nothing.
    // /stream: an event stream whose events come after the timeout.
    server = http.createServer((req, res) => {
      if (req.url === "/stalled") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"data": [');
      } else if (req.url === "/stream") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": hello\n\n");
        setTimeout(() => res.end("data: late\n\n"), 400).unref();
      }
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    silentUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends `GET path` through the SDK (an untyped path: the test server's own). */
  function send(client: ReturnType<typeof createClient>, path: string, init: Record<string, unknown> = {}) {
    return (client.GET as (p: string, i?: unknown) => Promise<{ data?: unknown; response: Response }>)(
      path,
      init,
    );
  }

  it("ends a request that gets no answer with a TimeoutError, every time, also under GC pressure", async () => {
    // The bug fixed in src/providers/kit/http-client.ts (nodejs/node#55428): a timeout
    // signal behind AbortSignal.any() was collected, and the request outlived it.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const client = createClient({ baseUrl: silentUrl, apiKey: "k", timeoutMs: 150 });
    const collector = setInterval(gc, 5);
    try {
      for (let round = 0; round < 5; round++) {
        const started = Date.now();
        const outcome = await Promise.race([
          send(client, "/silent").catch((e: unknown) => e),
          new Promise((resolve) => setTimeout(() => resolve("still waiting after 3 s"), 3000).unref()),
        ]);
        expect(outcome, `round ${round}`).toBeInstanceOf(DOMException);
        expect((outcome as DOMException).name).toBe("TimeoutError");
        expect((outcome as DOMException).message).toBe("GET /silent: no answer within 150 ms");
        expect(Date.now() - started).toBeLessThan(2000);
      }
    } finally {
      clearInterval(collector);
    }
  }, 30_000);

  it("covers the reading of the answer, not only its headers", async () => {
    const client = createClient({ baseUrl: silentUrl, timeoutMs: 150 });
    const started = Date.now();
    const err = await send(client, "/stalled").catch((e: unknown) => e);
    expect((err as DOMException).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("lets the caller's signal abort a request", async () => {
    const client = createClient({ baseUrl: silentUrl, timeoutMs: 10_000 });
    const caller = new AbortController();
    const pending = send(client, "/silent", { signal: caller.signal }).catch((e: unknown) => e);
    setTimeout(() => caller.abort(new Error("caller gave up")), 50);
    expect(await pending).toMatchObject({ message: "caller gave up" });
  });

  it("times an event stream until its headers only: its events still come after the timeout", async () => {
    const client = createClient({ baseUrl: silentUrl, timeoutMs: 150 });
    const { data } = await send(client, "/stream", { parseAs: "stream" });
    const text = await new Response(data as ReadableStream).text();
    expect(text).toBe(": hello\n\ndata: late\n\n");
  });

  it("refuses a timeout that is not a number of milliseconds", () => {
    expect(() => createClient({ baseUrl: silentUrl, timeoutMs: -1 })).toThrow(RangeError);
    expect(() => createClient({ baseUrl: silentUrl, timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => createClient({ baseUrl: "" })).toThrow(TypeError);
  });
});
