import http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { providerContext } from "../src/providers/context.js";
import { HttpClient, RateLimitedError } from "../src/providers/kit/index.js";
import { KubeClient } from "../src/providers/kubernetes/kube-client.js";
import { createProviderMetrics, type ProviderMetrics } from "../src/providers/metrics.js";
import { parseMetrics, type Sample, value } from "./support/metrics.js";

/**
 * Provider call metrics against a small real HTTP server (nothing mocked): the kit's HTTP
 * client (Render's) and the Kubernetes client count each request by provider, method and
 * status class — 2xx, 4xx, 5xx, error (a dropped connection), timeout (the request's own),
 * aborted (the action's signal) — and the kit counts its rate-limit waits, inline and
 * handed back. Terraform's CLI runs are counted in test/terraform-fake.e2e.test.ts.
 */

/** Answers to give, in order: a status (with headers and a body), "drop", or "hang". */
let script: ({ status: number; headers?: Record<string, string>; body?: string } | "drop" | "hang")[];
let received = 0;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received++;
    const step = script.shift() ?? { status: 200 };
    if (step === "drop") return req.socket.destroy();
    if (step === "hang") return;
    res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
    res.end(step.body ?? JSON.stringify({ message: `scripted ${step.status}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
let registry: Registry;
let metrics: ProviderMetrics;
beforeEach(() => {
  script = [];
  received = 0;
  registry = new Registry();
  metrics = createProviderMetrics(registry);
});

const read = async (): Promise<Sample[]> => parseMetrics(await registry.metrics());
const calls = (s: Sample[], provider: string, method: string, status_class: string) =>
  value(s, "tenantry_provider_requests_total", { provider, method, status_class });
const waitUntil = async (what: string, done: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};
const logger = pino({ level: "silent" });

describe("the kit's HTTP client", () => {
  const client = (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
    new HttpClient({
      baseUrl: base,
      platform: "Things",
      headers: { "x-api-key": "secret" },
      logger,
      retry: { baseMs: 1, maxMs: 2 },
      metrics,
      ...options,
    });

  it("counts each attempt by method and status class, with its latency", async () => {
    const c = client();
    await c.get("/v2/things");
    script = [{ status: 503 }, { status: 200 }];
    await c.get("/v2/things/1"); // retried: a 5xx, then a 2xx
    script = [{ status: 422 }];
    await expect(c.request("POST", "/v2/things", { body: {} })).rejects.toThrow(/422/);
    script = [{ status: 401 }];
    await expect(c.get("/v2/things/2")).rejects.toThrow(/credentials/);
    script = ["drop"];
    await expect(client({ maxAttempts: 1 }).request("DELETE", "/v2/things/3")).rejects.toThrow(
      /UNREACHABLE|socket|fetch failed/i,
    );

    const s = await read();
    expect(calls(s, "things", "GET", "2xx")).toBe(2);
    expect(calls(s, "things", "GET", "5xx")).toBe(1);
    expect(calls(s, "things", "GET", "4xx")).toBe(1);
    expect(calls(s, "things", "POST", "4xx")).toBe(1);
    expect(calls(s, "things", "DELETE", "error")).toBe(1);
    expect(value(s, "tenantry_provider_requests_total")).toBe(received);
    expect(
      value(s, "tenantry_provider_request_duration_seconds_count", {
        provider: "things",
        method: "GET",
        status_class: "2xx",
      }),
    ).toBe(2);
    expect(value(s, "tenantry_provider_request_duration_seconds_sum")).toBeGreaterThan(0);
  });

  it("tells the request's own timeout from the action's abort", async () => {
    script = ["hang"];
    await expect(client({ timeoutMs: 100, maxAttempts: 1 }).get("/v2/things/slow")).rejects.toThrow();
    const abort = new AbortController();
    const ctx = providerContext({
      tenant: { id: "t", slug: "t", name: "t", organizationId: "o" },
      installationId: "i",
      signal: abort.signal,
      logger,
    });
    script = ["hang"];
    const before = received;
    const pending = client({ maxAttempts: 1 }).get("/v2/things/hung", { ctx });
    pending.catch(() => {});
    await waitUntil("the request to arrive", () => received > before);
    abort.abort(new Error("lease lost"));
    await expect(pending).rejects.toThrow();
    const s = await read();
    expect(calls(s, "things", "GET", "timeout")).toBe(1);
    expect(calls(s, "things", "GET", "aborted")).toBe(1);
  });

  it("counts rate-limit waits: waited out inline, or handed back to the engine", async () => {
    const c = client();
    script = [{ status: 429, headers: { "retry-after": "0.2" } }, { status: 200 }];
    await c.get("/v2/things");
    script = [{ status: 429, headers: { "retry-after": "60" } }];
    await expect(c.get("/v2/things")).rejects.toBeInstanceOf(RateLimitedError);
    const s = await read();
    expect(value(s, "tenantry_provider_rate_limit_waits_total", { provider: "things", mode: "inline" })).toBe(
      1,
    );
    const inline = value(s, "tenantry_provider_rate_limit_wait_seconds_total", {
      provider: "things",
      mode: "inline",
    });
    expect(inline).toBeGreaterThan(0.1);
    expect(inline).toBeLessThan(1);
    expect(
      value(s, "tenantry_provider_rate_limit_waits_total", { provider: "things", mode: "requeued" }),
    ).toBe(1);
    const requeued = value(s, "tenantry_provider_rate_limit_wait_seconds_total", {
      provider: "things",
      mode: "requeued",
    });
    expect(requeued).toBeGreaterThan(50);
    expect(requeued).toBeLessThanOrEqual(60);
    expect(calls(s, "things", "GET", "4xx")).toBe(2);
    expect(calls(s, "things", "GET", "2xx")).toBe(1);
  });

  it("counts nothing without metrics", async () => {
    await client({ metrics: undefined }).get("/v2/things");
    expect(value(await read(), "tenantry_provider_requests_total")).toBeUndefined();
  });
});

describe("the Kubernetes client", () => {
  const kube = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: base, skipTLSVerify: true }],
      users: [{ name: "u", token: "t0ken" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    return new KubeClient(kc, { metrics });
  };
  const scope = (signal = new AbortController().signal, timeLeft = 30_000) => ({
    signal,
    timeLeft: () => timeLeft,
  });

  it("counts each request by method and status class: answers, timeouts and aborts", async () => {
    const k = kube();
    script = [{ status: 200, headers: { "content-type": "text/plain" }, body: "hello" }];
    expect(await k.podLog(scope(), "ns", "pod", 10)).toBe("hello");
    script = [{ status: 500 }];
    await expect(k.podLog(scope(), "ns", "pod", 10)).rejects.toThrow(/500/);
    script = [{ status: 404 }];
    expect(await k.podLog(scope(), "ns", "gone", 10)).toBe("");
    script = ["hang"];
    await expect(k.podLog(scope(undefined, 100), "ns", "slow", 10)).rejects.toThrow();
    script = ["hang"];
    const abort = new AbortController();
    const before = received;
    const pending = k.podLog(scope(abort.signal), "ns", "hung", 10);
    pending.catch(() => {});
    await waitUntil("the request to arrive", () => received > before);
    abort.abort(new Error("lease lost"));
    await expect(pending).rejects.toThrow();
    script = ["drop"];
    await expect(k.podLog(scope(), "ns", "dropped", 10)).rejects.toThrow();

    const s = await read();
    expect(calls(s, "kubernetes", "GET", "2xx")).toBe(1);
    expect(calls(s, "kubernetes", "GET", "5xx")).toBe(1);
    expect(calls(s, "kubernetes", "GET", "4xx")).toBe(1);
    expect(calls(s, "kubernetes", "GET", "timeout")).toBe(1);
    expect(calls(s, "kubernetes", "GET", "aborted")).toBe(1);
    expect(calls(s, "kubernetes", "GET", "error")).toBe(1);
    expect(value(s, "tenantry_provider_requests_total")).toBe(received);
  });
});
