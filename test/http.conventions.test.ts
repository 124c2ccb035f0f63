import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";

/** HTTP conventions generated clients rely on: empty JSON bodies, 413 and 415 as themselves. */
let t: TestApp;
let api: ApiClient;

async function raw(method: "POST" | "DELETE", url: string, payload: string | Buffer, type: string) {
  const res = await t.app.http!.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": type },
    payload,
  });
  return { status: res.statusCode, body: res.json(), type: res.headers["content-type"] };
}

describe("HTTP conventions", () => {
  beforeAll(async () => {
    t = await startTestApp({ workers: false });
    api = apiClient(t);
    await api.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("takes an empty body sent as application/json on every bodyless action", async () => {
    const { tenant } = await api.json("POST", "/v1/tenants", { name: "Acme", blueprint: "empty" });
    const key = (await api.json("POST", "/v1/api-keys", { name: "spare", role: "viewer" })).api_key;
    const answers: Record<string, number> = {};
    for (const [method, url] of [
      ["POST", `/v1/api-keys/${key.id}/rotate`],
      ["DELETE", `/v1/api-keys/${key.id}`],
      ["POST", `/v1/tenants/${tenant.id}/suspend`],
      ["DELETE", `/v1/tenants/${tenant.id}`],
      ["POST", `/v1/tenants/${tenant.id}/retry`],
    ] as const) {
      const res = await raw(method, url, "", "application/json");
      answers[`${method} ${url.replace(/[0-9a-f-]{36}/, "{id}")}`] = res.status;
    }
    expect(answers).toEqual({
      "POST /v1/api-keys/{id}/rotate": 201,
      "DELETE /v1/api-keys/{id}": 200,
      // Queued, not yet active: refused by the lifecycle (409), not by the body.
      "POST /v1/tenants/{id}/suspend": 409,
      "DELETE /v1/tenants/{id}": 202,
      "POST /v1/tenants/{id}/retry": 409,
    });
    // Without any content type too.
    const again = await api.json("POST", "/v1/api-keys", { name: "spare2", role: "viewer" });
    const bare = await t.app.http!.inject({
      method: "POST",
      url: `/v1/api-keys/${again.api_key.id}/rotate`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(bare.statusCode, bare.body).toBe(201);
    // A route that needs a body still says so, at its pointer.
    const missing = await raw("POST", "/v1/tenants", "", "application/json");
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("VALIDATION_FAILED");
  });

  it("answers 415 for a body that is not JSON and 413 for one too large, as problem+json", async () => {
    const text = await raw("POST", "/v1/tenants", "name=Acme", "text/plain");
    expect(text.status).toBe(415);
    expect(text.type).toMatch(/^application\/problem\+json/);
    expect(text.body).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", status: 415 });
    expect(text.body.errors[0].pointer).toBe("/header/content-type");

    const big = await raw(
      "POST",
      "/v1/blueprints",
      JSON.stringify({ name: "big", source: `# ${"x".repeat(2 * 1024 * 1024)}\n` }),
      "application/json",
    );
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
    expect((await api.json("GET", "/v1/blueprints")).data.map((b: { name: string }) => b.name)).toEqual([
      "empty",
    ]);
  });

  it("names the operation or the object in Location, also on an idempotent replay; 401 says Bearer", async () => {
    const body = { name: "Initech", blueprint: "empty" };
    const created = await api.call("POST", "/v1/tenants", body, { "idempotency-key": "signup-initech" });
    expect(created.status).toBe(201);
    expect(created.headers["location"]).toBe(`/v1/tenants/${created.body.tenant.id}`);
    const replay = await api.call("POST", "/v1/tenants", body, { "idempotency-key": "signup-initech" });
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.headers["location"]).toBe(created.headers["location"]);

    const destroy = await api.call("DELETE", `/v1/tenants/${created.body.tenant.id}`, undefined, {
      "idempotency-key": "drop-initech",
    });
    expect(destroy.status).toBe(202);
    expect(destroy.headers["location"]).toBe(`/v1/operations/${destroy.body.operation.id}`);
    const again = await api.call("DELETE", `/v1/tenants/${created.body.tenant.id}`, undefined, {
      "idempotency-key": "drop-initech",
    });
    expect(again.headers["location"]).toBe(destroy.headers["location"]);

    const anonymous = await apiClient(t, null).call("GET", "/v1/tenants");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe('Bearer realm="tenantry"');
  });

  it("answers 405 with Allow for a path it has with other methods, and OPTIONS with Allow", async () => {
    const put = await raw("DELETE", "/v1/blueprints", "", "application/json");
    expect(put.status).toBe(405);
    expect(put.body).toMatchObject({ code: "METHOD_NOT_ALLOWED", allow: ["GET", "HEAD", "OPTIONS", "POST"] });
    const tenant = await t.app.http!.inject({
      method: "PUT",
      url: "/v1/tenants/acme?x=1",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(tenant.statusCode).toBe(405);
    expect(tenant.headers["allow"]).toBe("DELETE, GET, HEAD, OPTIONS, PATCH");
    const options = await t.app.http!.inject({ method: "OPTIONS", url: "/v1/tenants/acme/suspend" });
    expect(options.statusCode).toBe(204);
    expect(options.headers["allow"]).toBe("OPTIONS, POST");
    // A path the API does not have stays a 404.
    expect((await api.call("GET", "/v1/nothing-here")).status).toBe(404);
    expect((await api.call("GET", "/v1/tenants/acme/nothing")).status).toBe(404);
  });

  it("never refuses an empty JSON body on a route that takes none, for every such route of the document", async () => {
    const doc = (await t.app.http!.inject({ method: "GET", url: "/openapi.json" })).json();
    const bodyless: string[] = [];
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, { requestBody?: unknown }>>,
    )) {
      for (const [method, op] of Object.entries(item)) {
        if (!["post", "put", "patch", "delete"].includes(method) || op.requestBody) continue;
        bodyless.push(`${method.toUpperCase()} ${path}`);
      }
    }
    // The document's own list, so a new bodyless route is covered as soon as it exists.
    expect(bodyless).toEqual(
      expect.arrayContaining(["POST /v1/tenants/{id}/suspend", "DELETE /v1/tenants/{id}"]),
    );
    const refused: string[] = [];
    for (const route of bodyless) {
      const [method, path] = route.split(" ") as ["POST" | "DELETE", string];
      const url = path.replace(/\{[^}]+\}/g, "00000000-0000-7000-8000-000000000000");
      const res = await raw(method, url, "", "application/json");
      // Whatever the route answers for an unknown id (404) or a missing precondition, it is
      // not about the body.
      if (res.status === 400 || res.status === 415)
        refused.push(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(refused).toEqual([]);
  });

  it("tags JSON reads with an ETag and answers If-None-Match with an empty 304 until the resource changes", async () => {
    const { tenant } = await api.json("POST", "/v1/tenants", { name: "Etag Co", blueprint: "empty" });
    const get = () =>
      t.app.http!.inject({
        method: "GET",
        url: `/v1/tenants/${tenant.id}`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
    const first = await get();
    const etag = first.headers["etag"] as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    expect((await get()).headers["etag"]).toBe(etag);

    const cached = await t.app.http!.inject({
      method: "GET",
      url: `/v1/tenants/${tenant.id}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "if-none-match": `"other", ${etag}` },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe("");
    expect(cached.headers["etag"]).toBe(etag);
    expect(cached.headers["content-type"]).toBeUndefined();

    // A change gives a new tag, and the old one no longer matches.
    await api.json("PATCH", `/v1/tenants/${tenant.id}`, { labels: { tier: "gold" } });
    const changed = await t.app.http!.inject({
      method: "GET",
      url: `/v1/tenants/${tenant.id}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "if-none-match": etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().labels).toEqual({ tier: "gold" });
    expect(changed.headers["etag"]).not.toBe(etag);

    // Lists are reads too; errors and writes carry no content tag.
    const list = await api.call("GET", "/v1/tenants");
    expect(list.headers["etag"]).toMatch(/^W\//);
    expect((await api.call("GET", "/v1/tenants/no-such-tenant")).headers["etag"]).toBeUndefined();
    const write = await api.call("POST", "/v1/tenants", { name: "Etag Two", blueprint: "empty" });
    expect(write.headers["etag"]).toBeUndefined();
  });

  it("compresses answers over 1 KiB for clients that accept it, and leaves small ones alone", async () => {
    const doc = await t.app.http!.inject({
      method: "GET",
      url: "/openapi.json",
      headers: { "accept-encoding": "gzip" },
    });
    expect(doc.headers["content-encoding"]).toBe("gzip");
    expect(doc.headers["vary"]).toMatch(/accept-encoding/i);
    const body = JSON.parse(gunzipSync(doc.rawPayload).toString("utf8"));
    expect(body.openapi).toBe("3.1.0");
    const br = await t.app.http!.inject({
      method: "GET",
      url: "/openapi.json",
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(br.headers["content-encoding"]).toBe("br");
    const plain = await t.app.http!.inject({ method: "GET", url: "/openapi.json" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.json().openapi).toBe("3.1.0");
    const small = await t.app.http!.inject({
      method: "GET",
      url: "/health",
      headers: { "accept-encoding": "gzip" },
    });
    expect(small.headers["content-encoding"]).toBeUndefined();
  });
});
