import http from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import {
  BucketRateLimiter,
  createdAfterRule,
  deleteAndConfirm,
  findByName,
  findOwned,
  HttpApiError,
  HttpClient,
  isNotFound,
  markerRule,
  type Named,
  type OwnedCollection,
  PollTimeoutError,
  pollUntil,
  RateLimitedError,
  resetTimeOf,
  sleep,
  throwIfAborted,
} from "../src/providers/kit/index.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import { AccessError, ProviderError, type RecordedResource } from "../src/providers/provider.js";

/**
 * The provider kit (src/providers/kit/) against a small real HTTP server: a platform API
 * with objects that carry a `marker` label, paginated lists, a way to make the next
 * answers fail (5xx, dropped connections, 429 with the platform's own header names, no
 * answer at all), and a log of what it received. No fetch is mocked.
 */

interface Obj extends Named {
  marker?: string;
  deleting?: number;
}

const logger = pino({ level: "silent" });
let server: http.Server;
let base: string;
let objects: Map<string, Obj>;
let received: { method: string; path: string; auth?: string }[];
/** Answers to give before the normal one: a status (with headers), "drop", or "hang". */
let script: ({ status: number; headers?: Record<string, string> } | "drop" | "hang")[];
let nextId = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    received.push({ method: req.method ?? "", path: url.pathname, auth: req.headers["x-api-key"] as string });
    const step = script.shift();
    if (step === "drop") return req.socket.destroy();
    if (step === "hang") return;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    if (step) return json(step.status, { message: `scripted ${step.status}` }, step.headers);
    if (req.headers["x-api-key"] !== "secret") return json(401, { message: "bad key" });
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const m = /^\/v2\/things(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return json(404, { message: "no such path" });
      const id = m[1];
      if (!id && req.method === "GET") {
        // Pages of 2: `?page=N`, the next page's number in `next`.
        const name = url.searchParams.get("name");
        const all = [...objects.values()].filter((o) => !name || o.name.startsWith(name));
        const page = Number(url.searchParams.get("page") ?? "0");
        const items = all.slice(page * 2, page * 2 + 2);
        return json(200, { items, next: page * 2 + 2 < all.length ? String(page + 1) : null });
      }
      if (!id && req.method === "POST") {
        const o = { id: `t-${++nextId}`, createdAt: new Date().toISOString(), ...JSON.parse(body) } as Obj;
        objects.set(o.id, o);
        return json(201, o);
      }
      const o = id ? objects.get(id) : undefined;
      if (!o) return json(404, { message: "not found" });
      if (req.method === "GET") {
        // A deleted object lingers for `deleting` more reads.
        if (o.deleting !== undefined && o.deleting-- <= 0) {
          objects.delete(o.id);
          return json(404, { message: "not found" });
        }
        return json(200, o);
      }
      if (req.method === "DELETE") {
        o.deleting ??= 1;
        return json(204, undefined);
      }
      return json(405, { message: "method not allowed" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  objects = new Map();
  received = [];
  script = [];
});

const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    baseUrl: base,
    platform: "Acme",
    headers: { "x-api-key": "secret" },
    rateLimitHeaders: { reset: "x-acme-reset", retryAfter: "x-acme-retry" },
    retry: { baseMs: 1, maxMs: 5 },
    logger,
    ...options,
  });

const tenant = {
  id: "00000000-0000-4000-8000-00000000c0de",
  slug: "kit",
  name: "Kit",
  organizationId: "org",
};
const ctxOf = (extra: { deadline?: number; signal?: AbortSignal; tenantId?: string } = {}) =>
  providerContext({
    tenant: { ...tenant, id: extra.tenantId ?? tenant.id },
    installationId: "inst",
    logger,
    deadline: extra.deadline,
    signal: extra.signal,
  });

describe("the paced HTTP client", () => {
  it("sends the auth header, parses JSON, and maps refusals: 401 → AccessError, 404 → HttpApiError", async () => {
    const created = await client().request<Obj>("POST", "/things", { body: { name: "a" } });
    expect(created).toMatchObject({ name: "a", id: expect.stringMatching(/^t-/) });
    expect(received.at(-1)?.auth).toBe("secret");

    const denied = await client({ headers: { "x-api-key": "wrong" } })
      .get("/things")
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AccessError);
    expect(denied).toMatchObject({ retryable: false, code: "ACCESS_ERROR", condition: "access_error" });

    const missing = await client()
      .get("/things/nope")
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpApiError);
    expect(missing).toMatchObject({ status: 404, retryable: false, code: "ACME_404" });
    expect((missing as Error).message).toBe("Acme GET /things/nope: 404 not found");
    expect(isNotFound(missing)).toBe(true);
    expect(await client().find("/things/nope")).toBeUndefined();
    expect(await client().remove("/things/nope")).toBe(false);
  });

  it("retries an idempotent request through 5xx and dropped connections, with backoff", async () => {
    script = [{ status: 503 }, "drop", { status: 502 }];
    const page = await client().get<{ items: Obj[] }>("/things");
    expect(page.items).toEqual([]);
    expect(received).toHaveLength(4);
  });

  it("gives up after maxAttempts with a retryable error coded by the platform", async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    const err = await client({ maxAttempts: 3 })
      .get("/things")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true, code: "ACME_503" });
    expect(received).toHaveLength(3);
  });

  it("never re-sends a create (POST) after an unknown outcome", async () => {
    script = ["drop"];
    const err = await client()
      .request("POST", "/things", { body: { name: "once" } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, code: "ACME_UNREACHABLE" });
    expect(received.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("reads the platform's rate-limit headers: waits out a short 429, surfaces a long one with retryAfterMs", async () => {
    script = [{ status: 429, headers: { "x-acme-retry": "0.05" } }];
    const started = Date.now();
    await client().get("/things");
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(received).toHaveLength(2);

    received = [];
    script = [{ status: 429, headers: { "x-acme-reset": "120" } }];
    const limiter = new BucketRateLimiter({
      limits: { all: { limit: 100, windowMs: 60_000 } },
      bucketOf: () => ({ name: "all", key: "all" }),
    });
    const err = await client({ limiter, maxInlineWaitMs: 1000 })
      .get("/things")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryable).toBe(true);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThan(100_000);
    expect(received).toHaveLength(1);
    // The bucket stays closed: the next request is not even sent.
    await expect(client({ limiter }).get("/things")).rejects.toBeInstanceOf(RateLimitedError);
    expect(received).toHaveLength(1);
  });

  it("paces within the limiter's buckets", async () => {
    let now = 0;
    const limiter = new BucketRateLimiter(
      {
        limits: { read: { limit: 2, windowMs: 1000 }, write: { limit: 1, windowMs: 1000 } },
        bucketOf: (m) => (m === "GET" ? { name: "read", key: "read" } : { name: "write", key: "write" }),
        scale: 2,
      },
      () => now,
    );
    expect([limiter.take("GET", "/a"), limiter.take("GET", "/a"), limiter.take("GET", "/a")]).toEqual([
      0, 0, 500,
    ]);
    expect(limiter.take("POST", "/a")).toBe(0);
    now = 500;
    expect(limiter.take("GET", "/a")).toBe(0);
    limiter.blockUntil("GET", "/a", 2000);
    now = 1500;
    expect(limiter.take("GET", "/a")).toBe(500);
    expect(resetTimeOf(new Headers({ "ratelimit-reset": "3" }), 10_000)).toBe(13_000);
    expect(resetTimeOf(new Headers({ "x-r": "2000000000" }), 10_000, { reset: "x-r" })).toBe(
      2_000_000_000_000,
    );
    expect(resetTimeOf(new Headers(), 10_000)).toBe(11_000);
  });

  it("bounds a request that gets no answer by the caller's deadline, not its own timeout", async () => {
    script = ["hang"];
    const started = Date.now();
    const err = await client({ timeoutMs: 30_000 })
      .get("/things", { ctx: ctxOf({ deadline: Date.now() + 300 }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("times a request out after its own timeout and retries it, when the deadline allows", async () => {
    script = ["hang"];
    const started = Date.now();
    await client({ timeoutMs: 200 }).get("/things", { ctx: ctxOf({ deadline: Date.now() + 5000 }) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(received).toHaveLength(2);
  });

  it("does not start a create with too little time left, and stops with the signal", async () => {
    const late = await client()
      .request("POST", "/things", { body: { name: "late" }, ctx: ctxOf({ deadline: Date.now() + 500 }) })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(AbortedError);
    expect((late as Error).message).toMatch(/not started/);
    expect(received).toHaveLength(0);

    const controller = new AbortController();
    script = ["hang"];
    const pending = client({ timeoutMs: 30_000 })
      .get("/things", { ctx: ctxOf({ signal: controller.signal }) })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error("lease lost")), 100);
    const aborted = await pending;
    expect(aborted).toBeInstanceOf(AbortedError);
    expect((aborted as Error).message).toBe("lease lost");
  });
});

describe("the abort check and polling", () => {
  it("throws the engine's AbortedError with the signal's reason", async () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort(new Error("shutting down"));
    expect(() => throwIfAborted(controller.signal)).toThrow(AbortedError);
    await expect(sleep(10_000, controller.signal)).rejects.toThrow("shutting down");
  });

  it("polls until a condition holds, and no longer than its timeout or the deadline", async () => {
    let n = 0;
    const value = await pollUntil(ctxOf(), async () => (++n >= 3 ? "there" : undefined), {
      what: "the thing",
      intervalMs: 10,
    });
    expect(value).toBe("there");
    expect(n).toBe(3);

    const started = Date.now();
    const timedOut = await pollUntil(ctxOf(), async () => undefined, {
      what: "never",
      intervalMs: 20,
      timeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(PollTimeoutError);
    expect(timedOut).toMatchObject({ retryable: true });
    expect(Date.now() - started).toBeLessThan(1000);

    const byDeadline = await pollUntil(ctxOf({ deadline: Date.now() + 80 }), async () => undefined, {
      what: "never",
      intervalMs: 1000,
    }).catch((e: unknown) => e);
    expect(byDeadline).toBeInstanceOf(PollTimeoutError);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("lease lost")), 50);
    const aborted = await pollUntil(ctxOf({ signal: controller.signal }), async () => undefined, {
      what: "never",
      intervalMs: 10_000,
    }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(AbortedError);
  });
});

describe("find by name within ownership rules, and delete-and-confirm", () => {
  const ours = ownerMarkerText(ownerMarker({ installationId: "inst", tenant }));
  const things = (rule: "marker" | "created"): OwnedCollection<Obj> => {
    const c = client();
    return {
      label: "thing",
      platform: "acme",
      get: (ctx, id) => c.find<Obj>(`/things/${id}`, { ctx }),
      list: async (ctx, name) => {
        // Every page, following `next`.
        const out: Obj[] = [];
        let page: string | null = "0";
        while (page !== null) {
          const r: { items: Obj[]; next: string | null } = await c.get(`/things`, {
            query: { name, page },
            ctx,
          });
          out.push(...r.items);
          page = r.next;
        }
        return out;
      },
      remove: (ctx, id) => c.request("DELETE", `/things/${id}`, { ctx }),
      owned:
        rule === "marker"
          ? markerRule("marker", async (_ctx, o) => o.marker)
          : createdAfterRule("Acme", 60_000),
    };
  };
  // The kit is kind-agnostic: any kind does (a service here).
  const resource = (name: string, extra: Partial<RecordedResource<"web">> = {}): RecordedResource => ({
    key: `thing:${name}`,
    kind: "web",
    externalName: name,
    dependsOn: [],
    spec: { type: "web", envVars: [] },
    providerId: null,
    outputs: {},
    secretOutputs: {},
    ...extra,
  });
  const put = (o: Obj) => objects.set(o.id, o);

  it("adopts only the tenant's marked object, oldest first, across pages; exact names only", async () => {
    put({
      id: "a",
      name: "web-kit",
      marker: "tenantry:inst/org/someone-else",
      createdAt: "2024-01-01T00:00:00Z",
    });
    put({ id: "b", name: "web-kit-2", marker: ours, createdAt: "2024-01-01T00:00:00Z" });
    put({ id: "c", name: "web-kit", createdAt: "2024-01-02T00:00:00Z" });
    put({ id: "d", name: "web-kit", marker: ours, createdAt: "2024-01-04T00:00:00Z" });
    put({ id: "e", name: "web-kit", marker: ours, createdAt: "2024-01-03T00:00:00Z" });
    const matches = await findByName(things("marker"), ctxOf(), resource("web-kit"));
    expect(matches.ours.map((o) => o.id)).toEqual(["e", "d"]);
    expect(matches.others.map((o) => [o.object.id, o.why])).toEqual([
      ["a", "its marker marker is another tenant's"],
      ["c", "it has no marker ownership marker"],
    ]);
    expect((await findOwned(things("marker"), ctxOf(), resource("web-kit")))?.id).toBe("e");
  });

  it("fails NAME_TAKEN when only others' objects have the name, and finds nothing when none has", async () => {
    put({ id: "x", name: "db-kit", marker: "not a marker" });
    const err = await findOwned(things("marker"), ctxOf(), resource("db-kit")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "NAME_TAKEN", retryable: false });
    expect(await findOwned(things("marker"), ctxOf(), resource("nothing-kit"))).toBeUndefined();
  });

  it("proves objects without a marker by their creation time", async () => {
    const asked = new Date();
    put({ id: "old", name: "kv-kit", createdAt: new Date(asked.getTime() - 3_600_000).toISOString() });
    put({ id: "new", name: "kv-kit", createdAt: new Date(asked.getTime() + 1000).toISOString() });
    const matches = await findByName(
      things("created"),
      ctxOf(),
      resource("kv-kit", { createRequestedAt: asked }),
    );
    expect(matches.ours.map((o) => o.id)).toEqual(["new"]);
    expect(matches.others[0]?.why).toMatch(/before this tenant asked for it/);
    const unknownTime = await findByName(things("created"), ctxOf(), resource("kv-kit"));
    expect(unknownTime.ours).toEqual([]);
    expect(unknownTime.others[0]?.why).toBe("Tenantry has no record of when it asked Acme for it");
  });

  it("uses a recorded id only: a 404 by it is gone, the name is not looked up", async () => {
    put({ id: "z", name: "web-kit", marker: ours });
    expect(
      await findOwned(things("marker"), ctxOf(), resource("web-kit", { providerId: "gone" })),
    ).toBeUndefined();
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v2/things/gone"]);
  });

  it("deletes by the recorded id, treats 404 as gone, and is pending until it is confirmed gone", async () => {
    put({ id: "t1", name: "web-kit", marker: ours });
    const c = things("marker");
    const r = resource("web-kit", { providerId: "t1" });
    // The platform still shows it on the first read after the delete.
    const first = await deleteAndConfirm(c, ctxOf(), r, { pollMs: 25 });
    expect(first).toMatchObject({ state: "pending", retryAfterMs: 25, providerId: "t1" });
    expect(await deleteAndConfirm(c, ctxOf(), r, { pollMs: 25 })).toEqual({ state: "done" });
    // Already gone: the DELETE's 404 is done too.
    expect(
      await deleteAndConfirm(c, ctxOf(), resource("web-kit", { providerId: "never" }), { pollMs: 25 }),
    ).toEqual({
      state: "done",
    });
  });

  it("without a recorded id, deletes only the provably-ours objects with the name", async () => {
    put({ id: "mine", name: "w-kit", marker: ours });
    put({ id: "theirs", name: "w-kit" });
    const c = things("marker");
    let result = await deleteAndConfirm(c, ctxOf(), resource("w-kit"), { pollMs: 5 });
    while (result.state === "pending")
      result = await deleteAndConfirm(c, ctxOf(), resource("w-kit"), { pollMs: 5 });
    expect(result).toEqual({ state: "done" });
    expect(objects.has("mine")).toBe(false);
    expect(objects.has("theirs")).toBe(true);
    expect(new Set(received.filter((x) => x.method === "DELETE").map((x) => x.path))).toEqual(
      new Set(["/v2/things/mine"]),
    );
  });
});
