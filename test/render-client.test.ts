import net from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "../src/engine/aborted.js";
import { providerContext } from "../src/providers/context.js";
import { ownerMarker, ownerMarkerText } from "../src/providers/ownership.js";
import {
  ABSENT,
  type Observation,
  type ProviderContext,
  type RecordedResource,
  type ResourceDriver,
} from "../src/providers/provider.js";
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MIN_TIME_TO_START_CREATE_MS,
  RenderAccessError,
  RenderApiError,
  RenderClient,
  RenderRateLimitedError,
} from "../src/providers/render/client.js";
import { createDatastoreDriver, KEY_VALUE, POSTGRES } from "../src/providers/render/datastore-driver.js";
import { createEnvGroupDriver } from "../src/providers/render/env-group-driver.js";
import { RenderRateLimiter } from "../src/providers/render/rate-limits.js";
import { createRenderProvider } from "../src/providers/render/render-provider.js";
import { createServiceDriver } from "../src/providers/render/service-driver.js";
import { type FakeRender, startFakeRender } from "./support/fake-render/index.js";

/**
 * The Render client and drivers against the fake Render API: errors mapped to what the
 * engine does with them, retries only where a request is safe to repeat, rate limits, and
 * the name lookups that adopt an object a crashed worker created but never recorded
 * (only the tenant's own: test/render-ownership.test.ts checks what is not).
 */

let fake: FakeRender;
const logger = pino({ level: "silent" });

function client(options: { scale?: number; maxInlineWaitMs?: number; apiKey?: string } = {}) {
  return new RenderClient({
    apiKey: options.apiKey ?? fake.apiKey,
    baseUrl: fake.url,
    limiter: new RenderRateLimiter({ scale: options.scale ?? 3600 }),
    retry: { baseMs: 5, maxMs: 20 },
    maxInlineWaitMs: options.maxInlineWaitMs,
    logger,
  });
}

const ctx: ProviderContext = providerContext({
  tenant: {
    id: "00000000-0000-4000-8000-000000000009",
    slug: "initech",
    name: "Initech",
    organizationId: "o",
  },
  installationId: "test-installation",
  logger,
});

/** A resource never created (no provider id), with the least spec of its kind. */
function resource(
  key: string,
  kind: "postgres" | "keyvalue" | "envgroup" | "worker",
  externalName: string,
): RecordedResource {
  const base = { key, externalName, dependsOn: [], providerId: null, outputs: {}, secretOutputs: {} };
  switch (kind) {
    case "postgres":
      return { ...base, kind, spec: { name: externalName } };
    case "keyvalue":
      return { ...base, kind, spec: { type: kind, envVars: [] } };
    case "envgroup":
      return { ...base, kind, spec: { envVars: [] } };
    case "worker":
      return { ...base, kind, spec: { type: kind, envVars: [] } };
  }
}

const providerIdOf = (o: Observation) => (o.state === "absent" ? undefined : o.providerId);

beforeAll(async () => {
  fake = await startFakeRender({
    rateLimitScale: 3600,
    timings: { postgresCreateMs: 50, keyValueCreateMs: 50, buildMs: 50, deployMs: 50 },
  });
});
afterAll(async () => {
  await fake?.close();
});

describe("the Render client", () => {
  it("maps 401 to an access error and 404 to a permanent error with Render's message", async () => {
    await expect(client({ apiKey: "rnd_wrong" }).get("/owners")).rejects.toBeInstanceOf(RenderAccessError);
    const err = await client()
      .get("/services/srv-doesnotexist")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderApiError);
    expect((err as RenderApiError).status).toBe(404);
    expect((err as RenderApiError).retryable).toBe(false);
    expect(await client().find("/services/srv-doesnotexist")).toBeUndefined();
  });

  it("retries an idempotent request through a burst of 503s and dropped connections", async () => {
    fake.failNext(2, 503, (m, p) => m === "GET" && p === "/owners");
    fake.failNext(1, "drop", (m, p) => m === "GET" && p === "/owners");
    const owners = await client().list<{ id: string }>("/owners", "owner");
    expect(owners.map((o) => o.id)).toEqual([fake.ownerId]);
  });

  it("times out a request that gets no answer, and reports it as retryable", async () => {
    const silent = net.createServer(() => {
      // accepts, never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const c = new RenderClient({
        apiKey: "k",
        baseUrl: `http://127.0.0.1:${port}/v1`,
        timeoutMs: 200,
        maxAttempts: 2,
        retry: { baseMs: 1, maxMs: 1 },
      });
      const started = Date.now();
      const err = await c.get("/owners").catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, code: "RENDER_UNREACHABLE" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400); // two attempts of 200 ms
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it("never re-sends a create after an unknown outcome: the error surfaces as retryable", async () => {
    const before = fake.requests.filter((r) => r.method === "POST" && r.path === "/env-groups").length;
    fake.failNext(1, "drop", (m, p) => m === "POST" && p === "/env-groups");
    const err = await client()
      .request("POST", "/env-groups", { body: { name: "x-once", ownerId: fake.ownerId, envVars: [] } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, code: "RENDER_UNREACHABLE" });
    const after = fake.requests.filter((r) => r.method === "POST" && r.path === "/env-groups").length;
    expect(after - before).toBe(1);
  });

  it("waits out a short rate limit, and hands a long one back to the engine", async () => {
    // The client thinks it may send 20 creates per 0.5 s; the fake allows 20 per 1 s.
    const c = client({ scale: 7200 });
    const attempts = Array.from({ length: 25 }, (_, i) =>
      c
        .request("POST", "/services", {
          body: {
            type: "background_worker",
            name: `rl-${i}`,
            ownerId: fake.ownerId,
            image: { ownerId: fake.ownerId, imagePath: "docker.io/library/busybox:1" },
            serviceDetails: { runtime: "image" },
          },
        })
        .then(
          () => "ok",
          (e: unknown) => (e instanceof RenderRateLimitedError ? "later" : String(e)),
        ),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r !== "ok" && r !== "later")).toEqual([]);
    expect(results.filter((r) => r === "ok").length).toBe(25);
    expect(fake.rateLimited["create-service"] ?? 0).toBeGreaterThan(0);

    const limiter = new RenderRateLimiter({ scale: 1 });
    for (let i = 0; i < 20; i++) limiter.take("POST", "/services");
    const slow = new RenderClient({ apiKey: fake.apiKey, baseUrl: fake.url, limiter, maxInlineWaitMs: 10 });
    const err = await slow.request("POST", "/services", { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderRateLimitedError);
    expect((err as RenderRateLimitedError).retryAfterMs).toBeGreaterThan(3_500_000);
  });
});

describe("request timeouts within the action's deadline", () => {
  /** A context whose action must be over in `ms`. */
  const within = (ms: number) => providerContext({ ...base, deadline: Date.now() + ms });
  const base = {
    tenant: {
      id: "00000000-0000-4000-8000-000000000009",
      slug: "initech",
      name: "Initech",
      organizationId: "o",
    },
    installationId: "test-installation",
    logger,
  };

  it("defaults to 4.5 s per request (under a third of the default 15 s lease), at most 30 s, and says so", () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBeLessThan(15_000 / 3);
    expect(new RenderClient({ apiKey: "k" }).timeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(new RenderClient({ apiKey: "k", timeoutMs: 120_000 }).timeoutMs).toBe(30_000);
    expect(createRenderProvider({ apiKey: "k" }).requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(createRenderProvider({ apiKey: "k", timeoutMs: 2000 }).requestTimeoutMs).toBe(2000);
  });

  it("ends a request that gets no answer at the action's deadline, not at its own timeout", async () => {
    const silent = net.createServer(() => {
      // accepts, never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const c = new RenderClient({ apiKey: "k", baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 30_000 });
      const started = Date.now();
      const err = await c.get("/owners", { ctx: within(300) }).catch((e: unknown) => e);
      // The engine's abort: the action's time is up (no attempt spent, no retry sent).
      expect(err).toBeInstanceOf(AbortedError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it("does not start a create with too little time left, and sends nothing", async () => {
    const before = fake.requests.length;
    const err = await client()
      .request("POST", "/env-groups", {
        body: { name: "late-create", ownerId: fake.ownerId, envVars: [] },
        ctx: within(MIN_TIME_TO_START_CREATE_MS - 200),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as Error).message).toMatch(/not started/);
    expect(fake.requests.length).toBe(before);
    // Reads still go while there is time at all, and a create with enough.
    await expect(client().get("/owners", { ctx: within(300) })).resolves.toBeDefined();
    await expect(
      client().request("POST", "/env-groups", {
        body: { name: "timely-create", ownerId: fake.ownerId, envVars: [] },
        ctx: within(5000),
      }),
    ).resolves.toMatchObject({ name: "timely-create" });
  });

  it("stops with the action's signal", async () => {
    const controller = new AbortController();
    controller.abort(new AbortedError("lease lost"));
    const ctx = providerContext({ ...base, signal: controller.signal });
    const before = fake.requests.length;
    await expect(client().get("/owners", { ctx })).rejects.toBeInstanceOf(AbortedError);
    expect(fake.requests.length).toBe(before);
  });
});

describe("Ratelimit-Reset sent as seconds from now", () => {
  it("is honoured like the epoch form", async () => {
    const delta = await startFakeRender({ rateLimitScale: 3600, resetStyle: "delta" });
    try {
      const c = new RenderClient({
        apiKey: delta.apiKey,
        baseUrl: delta.url,
        limiter: new RenderRateLimiter({ scale: 7200 }),
        logger,
      });
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          c
            .request("POST", "/env-groups", { body: { name: `d-${i}`, ownerId: delta.ownerId, envVars: [] } })
            .then(
              () => "ok",
              (e: unknown) => String(e),
            ),
        ),
      );
      // 25 writes against "30 per minute" scaled: within one window, so all pass; now force 429s.
      expect(results.every((r) => r === "ok")).toBe(true);
      const burst = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          c
            .request("POST", "/services", {
              body: {
                type: "background_worker",
                name: `d-svc-${i}`,
                ownerId: delta.ownerId,
                image: { ownerId: delta.ownerId, imagePath: "docker.io/library/busybox:1" },
                serviceDetails: { runtime: "image" },
              },
            })
            .then(
              () => "ok",
              (e: unknown) => String(e),
            ),
        ),
      );
      expect(burst.filter((r) => r !== "ok")).toEqual([]);
      expect(delta.rateLimited["create-service"] ?? 0).toBeGreaterThan(0);
      expect(delta.violations).toEqual([]);
    } finally {
      await delta.close();
    }
  });
});

describe("name lookups adopt what a crashed worker created", () => {
  // What a create of this tenant sends: its marker on the kinds that carry one.
  const marker = ownerMarkerText(ownerMarker(ctx));
  it.each([
    [
      "postgres",
      (): ResourceDriver =>
        createDatastoreDriver(POSTGRES, { client: client(), ownerId: fake.ownerId, pollMs: 10 }),
      "/postgres",
      {
        name: "adopt-db-initech",
        ownerId: "",
        plan: "basic_256mb",
        version: "17",
      },
    ],
    [
      "keyvalue",
      (): ResourceDriver =>
        createDatastoreDriver(KEY_VALUE, { client: client(), ownerId: fake.ownerId, pollMs: 10 }),
      "/key-value",
      {
        name: "adopt-kv-initech",
        ownerId: "",
        plan: "starter",
      },
    ],
    [
      "envgroup",
      (): ResourceDriver => createEnvGroupDriver({ client: client(), ownerId: fake.ownerId }),
      "/env-groups",
      {
        name: "adopt-group-initech",
        ownerId: "",
        envVars: [{ key: "TENANTRY_OWNER", value: marker }],
      },
    ],
    [
      "worker",
      (): ResourceDriver =>
        createServiceDriver({ client: client(), ownerId: fake.ownerId, pollMs: 10, hashKey: "test" }),
      "/services",
      {
        type: "background_worker",
        name: "adopt-worker-initech",
        ownerId: "",
        image: { ownerId: "", imagePath: "docker.io/library/busybox:1" },
        envVars: [{ key: "TENANTRY_OWNER", value: marker }],
        serviceDetails: { runtime: "image" },
      },
    ],
  ] as const)(
    "finds a %s of the tenant's by its name when no id was recorded",
    async (kind, make, path, body) => {
      const requestedAt = new Date();
      const owned = JSON.parse(
        JSON.stringify(body).replaceAll('"ownerId":""', `"ownerId":"${fake.ownerId}"`),
      );
      const created = await client().request<{ id?: string; service?: { id: string } }>("POST", path, {
        body: owned,
      });
      const id = created.id ?? created.service?.id;
      const driver = make();
      const unknown = { ...resource(`x:${kind}`, kind, body.name), createRequestedAt: requestedAt };
      const found = await driver.observe(ctx, unknown);
      expect(providerIdOf(found)).toBe(id);
      // Another tenant's similarly named object is not taken.
      expect(await driver.observe(ctx, { ...unknown, externalName: `${body.name}-other` })).toEqual(ABSENT);
    },
  );
});
