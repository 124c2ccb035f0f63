import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookDelivery } from "../src/services/webhook-delivery.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";
import { scrape, value } from "./support/metrics.js";
import { addOrganization } from "./support/organizations.js";
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from "./support/webhook-receiver.js";

/**
 * Webhooks (docs/webhooks.md) against a real local receiver and the real database:
 * signatures, filters, retries with backoff and Retry-After, 4xx failing at once, the
 * delivery log and redelivery, organizations' isolation, bad input, metrics.
 */

const EMPTY = { source: "databases: []\n" };
const MAX_ATTEMPTS = 4;

let t: TestApp;
let api: ApiClient;
let receiver: WebhookReceiver;
let orgB: ApiClient;

async function createWebhook(client: ApiClient, path: string, extra: Record<string, unknown> = {}) {
  const res = await client.call("POST", "/v1/webhooks", { url: `${receiver.url}${path}`, ...extra });
  expect(res.status, res.raw).toBe(201);
  expect(res.headers["location"]).toBe(`/v1/webhooks/${res.body.webhook.id}`);
  return res.body as { webhook: { id: string }; secret: string };
}

async function createTenant(client: ApiClient, name: string): Promise<{ id: string; slug: string }> {
  const res = await client.call("POST", "/v1/tenants", { name, blueprint: EMPTY });
  expect(res.status, res.raw).toBe(201);
  return res.body.tenant;
}

/** Waits until `path` got a delivery matching `match`. */
const receivedAt = (path: string, match: (json: any) => boolean, what: string) =>
  eventually(async () => receiver.at(path).find((r) => match(r.json)), { timeoutMs: 20_000, what });

async function deliveries(webhookId: string): Promise<any[]> {
  const res = await api.call("GET", `/v1/webhooks/${webhookId}/deliveries`);
  expect(res.status, res.raw).toBe(200);
  return res.body.data;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestApp({
    env: {
      TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1",
      TENANTRY_WEBHOOK_RETRY_BASE_MS: "20",
      TENANTRY_WEBHOOK_RETRY_MAX_MS: "100",
      TENANTRY_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      TENANTRY_WEBHOOK_TIMEOUT_MS: "2000",
      TENANTRY_POLL_INTERVAL_MS: "50",
    },
  });
  api = apiClient(t);
  orgB = apiClient(t, (await addOrganization(t, "orgb")).key);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe("webhooks", { timeout: 60_000 }, () => {
  it("delivers matching events, signed with the endpoint's secret, and only those", async () => {
    const exact = await createWebhook(api, "/created", {
      events: ["tenant.created"],
      description: "created only",
    });
    const prefix = await createWebhook(api, "/tenant-prefix", { events: ["tenant."] });
    // Never shown again.
    const got = await api.call("GET", `/v1/webhooks/${exact.webhook.id}`);
    expect(got.body).toMatchObject({
      events: ["tenant.created"],
      enabled: true,
      description: "created only",
    });
    expect(got.raw).not.toContain(exact.secret);
    expect((await api.call("GET", "/v1/webhooks")).raw).not.toContain(exact.secret);

    const tenant = await createTenant(api, "Hooked");
    const delivery = await receivedAt(
      "/created",
      (j) => j.tenant.id === tenant.id,
      "tenant.created at /created",
    );
    expect(delivery.json).toMatchObject({
      type: "tenant.created",
      tenant: { id: tenant.id, slug: tenant.slug },
      organization_id: expect.any(String),
      data: { blueprint: expect.any(String) },
    });
    expect(typeof delivery.json.id).toBe("number");
    expect(new Date(delivery.json.created_at).toISOString()).toBe(delivery.json.created_at);
    expect(delivery.headers["content-type"]).toBe("application/json");
    expect(delivery.headers["tenantry-event-id"]).toBe(String(delivery.json.id));
    expect(delivery.headers["tenantry-event-type"]).toBe("tenant.created");
    const sig = delivery.headers["tenantry-signature"] as string;
    expect(sig).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(sig.startsWith(`t=${delivery.headers["tenantry-timestamp"]},`)).toBe(true);
    expect(verifySignature(sig, delivery.body, exact.secret)).toBe(true);
    expect(verifySignature(sig, delivery.body, prefix.secret)).toBe(false);
    expect(verifySignature(sig, `${delivery.body} `, exact.secret)).toBe(false);

    // The prefix endpoint gets the status change too; the exact one does not: a second
    // tenant.created reaches it after the first tenant's status change, in event order.
    await api.waitForTenant(tenant.id, "active");
    await receivedAt(
      "/tenant-prefix",
      (j) => j.type === "tenant.status_changed" && j.tenant.id === tenant.id && j.data.to === "active",
      "the status change at /tenant-prefix",
    );
    const second = await createTenant(api, "Hooked Again");
    await receivedAt("/created", (j) => j.tenant.id === second.id, "the second tenant.created");
    expect(receiver.at("/created").map((r) => r.json.type)).toEqual(["tenant.created", "tenant.created"]);
    const ids = receiver.at("/tenant-prefix").map((r) => r.json.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    // Recorded when the answer came: the receiver may see the request first.
    const log = await eventually(async () => {
      const d = await deliveries(exact.webhook.id);
      return d.length === 2 && d[1].status === "succeeded" ? d : undefined;
    });
    expect(log[0]).toMatchObject({
      webhook_id: exact.webhook.id,
      event_id: delivery.json.id,
      event_type: "tenant.created",
      status: "succeeded",
      attempt: 1,
      response_code: 200,
      error: null,
      next_attempt_at: null,
    });
    expect(log[0].duration_ms).toBeGreaterThanOrEqual(0);
    // Pages by cursor.
    const page = await api.call("GET", `/v1/webhooks/${exact.webhook.id}/deliveries?limit=1`);
    expect(page.body.data).toHaveLength(1);
    const next = await api.call(
      "GET",
      `/v1/webhooks/${exact.webhook.id}/deliveries?limit=1&cursor=${page.body.next_cursor}`,
    );
    expect(next.body.data[0].id).toBe(log[1].id);
    expect(next.body.next_cursor).toBeNull();

    // A rotated secret signs the next delivery; the old one no longer verifies.
    const rotated = await api.call("POST", `/v1/webhooks/${exact.webhook.id}/rotate-secret`);
    expect(rotated.status, rotated.raw).toBe(200);
    expect(rotated.body.secret).not.toBe(exact.secret);
    const third = await createTenant(api, "Hooked Thrice");
    const after = await receivedAt("/created", (j) => j.tenant.id === third.id, "the third tenant.created");
    expect(
      verifySignature(after.headers["tenantry-signature"] as string, after.body, rotated.body.secret),
    ).toBe(true);
    expect(verifySignature(after.headers["tenantry-signature"] as string, after.body, exact.secret)).toBe(
      false,
    );
    await api.call("DELETE", `/v1/webhooks/${prefix.webhook.id}`);
  });

  it("retries 5xx and 429 with backoff, honouring Retry-After, then succeeds", async () => {
    receiver.on("/flaky", (n) =>
      n === 0
        ? { status: 503 }
        : n === 1
          ? { status: 429, headers: { "retry-after": "1" } }
          : { status: 204 },
    );
    const hook = await createWebhook(api, "/flaky", {
      events: ["tenant.created"],
      secret: "a-given-secret-of-length",
    });
    const tenant = await createTenant(api, "Flaky");
    await eventually(async () => (receiver.at("/flaky").length >= 3 ? true : undefined), {
      timeoutMs: 20_000,
      what: "three attempts",
    });
    const attempts = receiver.at("/flaky");
    expect(new Set(attempts.map((a) => a.headers["tenantry-event-id"]))).toEqual(
      new Set([String(attempts[0]?.json.id)]),
    );
    expect(attempts[0]?.json.tenant.id).toBe(tenant.id);
    // Retry-After: 1 is waited for (the backoff alone is at most 100 ms here).
    expect((attempts[2]?.at ?? 0) - (attempts[1]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(
      verifySignature(
        attempts[2]?.headers["tenantry-signature"] as string,
        attempts[2]?.body ?? "",
        "a-given-secret-of-length",
      ),
    ).toBe(true);
    const [log] = await eventually(async () => {
      const d = await deliveries(hook.webhook.id);
      return d[0]?.status === "succeeded" ? d : undefined;
    });
    expect(log).toMatchObject({ status: "succeeded", attempt: 3, response_code: 204, error: null });
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
  });

  it("gives up on an attempt that gets no answer within the timeout, and tries again", async () => {
    receiver.on("/silent", (n) => (n === 0 ? { status: 0 } : { status: 200 }));
    const hook = await createWebhook(api, "/silent", { events: ["tenant.created"] });
    await createTenant(api, "Silent");
    const log = await eventually(
      async () => {
        const d = await deliveries(hook.webhook.id);
        return d[0]?.status === "succeeded" ? d : undefined;
      },
      { timeoutMs: 20_000, what: "the delivery after a timeout" },
    );
    expect(log[0]).toMatchObject({ attempt: 2, response_code: 200 });
    const [first, second] = receiver.at("/silent");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
  });

  it("never sends twice nor two at once to one endpoint, with several delivery workers on the database", async () => {
    // Two more delivery workers with their own connections, as other processes would be.
    const others = [1, 2].map(
      () =>
        new WebhookDelivery(
          { db: t.app.db, secrets: t.app.secrets, logger: pino({ level: "silent" }) },
          {
            concurrency: 2,
            pollIntervalMs: 20,
            timeoutMs: 2000,
            retry: { baseMs: 20, maxMs: 100, maxAttempts: MAX_ATTEMPTS },
            outbound: { networks: ["127.0.0.1"] },
            version: "test",
          },
        ),
    );
    for (const w of others) w.start();
    try {
      receiver.on("/pair", () => ({ status: 200, delayMs: 150 }));
      const hook = await createWebhook(api, "/pair", { events: ["tenant.created"] });
      const tenants = [];
      for (let i = 0; i < 5; i++) tenants.push(await createTenant(api, `Pair ${i}`));
      await eventually(async () => (receiver.at("/pair").length >= 5 ? true : undefined), {
        timeoutMs: 20_000,
        what: "five deliveries",
      });
      // Settled: every delivery recorded.
      await eventually(async () => {
        const d = await deliveries(hook.webhook.id);
        return d.length === 5 && d.every((x) => x.status === "succeeded") ? true : undefined;
      });
      const ids = receiver.at("/pair").map((r) => r.json.id as number);
      expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
      expect(receiver.at("/pair").map((r) => r.json.tenant.id)).toEqual(tenants.map((x) => x.id));
      expect(receiver.maxInFlight("/pair")).toBe(1);
      await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
    } finally {
      await Promise.all(others.map((w) => w.stop()));
    }
  });

  it("does not skip an event whose transaction commits after a later one's", async () => {
    const hook = await createWebhook(api, "/late", { events: ["tenant.created", "resource.adopted"] });
    const tenant = await createTenant(api, "Late");
    await receivedAt("/late", (j) => j.tenant.id === tenant.id, "the tenant's creation");
    const { rows } = await t.app.db.query<{ organization_id: string }>(
      "select organization_id from tenants where id = $1",
      [tenant.id],
    );
    // An event whose transaction stays open: its id is taken, it is not visible yet.
    const open = new pg.Client({ connectionString: t.database.url });
    await open.connect();
    try {
      await open.query("begin");
      await open.query(
        `insert into events (organization_id, tenant_id, type, message, data) values ($1, $2, 'resource.adopted', 'late', '{"resource":"x"}')`,
        [rows[0]?.organization_id, tenant.id],
      );
      const later = await createTenant(api, "Later Still");
      // The later event waits for the hole below it (at most the grace of 10 s): not sent
      // while the worker polls 10 times (every 50 ms here).
      const before = receiver.at("/late").length;
      const deadline = Date.now() + 500;
      while (Date.now() < deadline) {
        expect(receiver.at("/late").some((x) => x.json.tenant.id === later.id)).toBe(false);
        await new Promise((r) => setTimeout(r, 50));
      }
      await open.query("commit");
      const got = await eventually(
        async () => {
          const r = receiver.at("/late");
          return r.some((x) => x.json.tenant.id === later.id) ? r : undefined;
        },
        { timeoutMs: 20_000, what: "the later event" },
      );
      // …and the late one is delivered, before it.
      const types = got.slice(before).map((r) => r.json.type);
      expect(types).toEqual(["resource.adopted", "tenant.created"]);
    } finally {
      await open.end();
    }
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
  });

  it("gives up after the last attempt, says so on the endpoint, and keeps it enabled", async () => {
    receiver.on("/down", () => ({ status: 500 }));
    const hook = await createWebhook(api, "/down", { events: ["tenant.created"] });
    await createTenant(api, "Down");
    const [log] = await eventually(async () => {
      const d = await deliveries(hook.webhook.id);
      return d[0]?.status === "failed" ? d : undefined;
    });
    expect(log).toMatchObject({ attempt: MAX_ATTEMPTS, response_code: 500, next_attempt_at: null });
    expect(log.error).toContain("HTTP 500");
    expect(receiver.at("/down")).toHaveLength(MAX_ATTEMPTS);
    expect(await api.json("GET", `/v1/webhooks/${hook.webhook.id}`)).toMatchObject({
      enabled: true,
      consecutive_failures: 1,
      failing_since: expect.any(String),
    });
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
  });

  it("fails a 4xx at once, and redelivers on demand as a new delivery of the same event", async () => {
    receiver.on("/gone", (n) => (n === 0 ? { status: 410 } : { status: 200 }));
    const hook = await createWebhook(api, "/gone", { events: ["tenant.created"] });
    await createTenant(api, "Gone");
    const [failed] = await eventually(async () => {
      const d = await deliveries(hook.webhook.id);
      return d[0]?.status === "failed" ? d : undefined;
    });
    expect(failed).toMatchObject({ attempt: 1, response_code: 410, next_attempt_at: null });
    expect(receiver.at("/gone")).toHaveLength(1);

    const again = await api.call("POST", `/v1/webhooks/${hook.webhook.id}/deliveries/${failed.id}/redeliver`);
    expect(again.status, again.raw).toBe(202);
    expect(again.body).toMatchObject({
      status: "pending",
      event_id: failed.event_id,
      redelivery_of: failed.id,
    });
    await eventually(async () => (receiver.at("/gone").length === 2 ? true : undefined), {
      what: "the redelivery",
    });
    const [first, second] = receiver.at("/gone");
    expect(second?.headers["tenantry-event-id"]).toBe(first?.headers["tenantry-event-id"]);
    expect(second?.headers["tenantry-delivery-id"]).toBe(again.body.id);
    const log = await eventually(async () => {
      const d = await deliveries(hook.webhook.id);
      return d[1]?.status === "succeeded" ? d : undefined;
    });
    expect(log.map((d) => d.status)).toEqual(["failed", "succeeded"]);

    const missing = await api.call(
      "POST",
      `/v1/webhooks/${hook.webhook.id}/deliveries/0192f0c1-0000-7000-8000-000000000000/redeliver`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("WEBHOOK_DELIVERY_NOT_FOUND");
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
  });

  it("keeps organizations apart: another organization's webhook is a 404, and gets none of its events", async () => {
    const mine = await createWebhook(api, "/org-a");
    const theirs = await createWebhook(orgB, "/org-b");
    for (const [method, url] of [
      ["GET", `/v1/webhooks/${mine.webhook.id}`],
      ["PATCH", `/v1/webhooks/${mine.webhook.id}`],
      ["DELETE", `/v1/webhooks/${mine.webhook.id}`],
      ["POST", `/v1/webhooks/${mine.webhook.id}/rotate-secret`],
      ["GET", `/v1/webhooks/${mine.webhook.id}/deliveries`],
    ] as const) {
      const res = await orgB.call(method, url, method === "PATCH" ? { enabled: false } : undefined);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.code).toBe("WEBHOOK_NOT_FOUND");
    }
    expect((await orgB.json("GET", "/v1/webhooks")).data.map((w: any) => w.id)).toEqual([theirs.webhook.id]);
    expect(await api.json("GET", `/v1/webhooks/${mine.webhook.id}`)).toMatchObject({ enabled: true });

    const a = await createTenant(api, "Org A's");
    await receivedAt("/org-a", (j) => j.tenant.id === a.id, "org A's event at org A's endpoint");
    // Org B's own tenant, created after: delivered in event order, so anything of org A's would be before it.
    const b = await createTenant(orgB, "Org B's");
    await receivedAt("/org-b", (j) => j.tenant.id === b.id, "org B's event at org B's endpoint");
    const orgBId = receiver.at("/org-b")[0]?.json.organization_id;
    expect(receiver.at("/org-b").every((r) => r.json.organization_id === orgBId)).toBe(true);
    expect(receiver.at("/org-b").some((r) => r.json.tenant.id === a.id)).toBe(false);
    expect(receiver.at("/org-a").some((r) => r.json.tenant.id === b.id)).toBe(false);
    await api.call("DELETE", `/v1/webhooks/${mine.webhook.id}`);
    await orgB.call("DELETE", `/v1/webhooks/${theirs.webhook.id}`);
  });

  it("refuses bad input with the field's pointer, creating nothing", async () => {
    const before = (await api.json("GET", "/v1/webhooks")).data.length;
    for (const [body, pointer] of [
      [{ url: "http://10.1.2.3/hook" }, "/url"],
      [{ url: "http://169.254.169.254/latest" }, "/url"],
      [{ url: "ftp://example.com/x" }, "/url"],
      [{ url: "not a url" }, "/url"],
      [{ url: `${receiver.url}/x`, events: ["tenant.created", "tenant.nope"] }, "/events/1"],
      [{ url: `${receiver.url}/x`, events: ["nothing."] }, "/events/0"],
      [{ url: `${receiver.url}/x`, secret: "short" }, "/secret"],
      [{ url: `${receiver.url}/x`, colour: "red" }, "/colour"],
    ] as const) {
      const res = await api.call("POST", "/v1/webhooks", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(res.body.errors[0].pointer, JSON.stringify(body)).toBe(pointer);
    }
    expect((await api.json("GET", "/v1/webhooks")).data.length).toBe(before);
    const hook = await createWebhook(api, "/unchanged");
    const bad = await api.call("PATCH", `/v1/webhooks/${hook.webhook.id}`, { url: "http://192.168.1.1/" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe("/url");
    expect((await api.json("GET", `/v1/webhooks/${hook.webhook.id}`)).url).toBe(`${receiver.url}/unchanged`);
    const changed = await api.call("PATCH", `/v1/webhooks/${hook.webhook.id}`, {
      enabled: false,
      events: ["resource."],
    });
    expect(changed.body).toMatchObject({ enabled: false, events: ["resource."] });
    await api.call("DELETE", `/v1/webhooks/${hook.webhook.id}`);
    expect((await api.call("GET", `/v1/webhooks/${hook.webhook.id}`)).status).toBe(404);
  });

  it("records webhook changes in the audit log, never the secret", async () => {
    const page = await api.call("GET", "/v1/audit?action=webhook.");
    expect(page.status, page.raw).toBe(200);
    const actions = new Set(page.body.data.map((e: any) => e.action));
    for (const a of [
      "webhook.create",
      "webhook.delete",
      "webhook.rotate_secret",
      "webhook.redeliver",
      "webhook.update",
    ])
      expect(actions.has(a), a).toBe(true);
    expect(page.raw).not.toContain("a-given-secret-of-length");
    const given = page.body.data.find((e: any) => e.action === "webhook.create" && e.summary.body?.secret);
    expect(given.summary.body.secret).toBe("[redacted]");
  });

  it("counts deliveries by outcome, with their latency", async () => {
    const { samples } = await scrape(t);
    expect(value(samples, "tenantry_webhook_deliveries_total", { outcome: "succeeded" })).toBeGreaterThan(0);
    expect(value(samples, "tenantry_webhook_deliveries_total", { outcome: "retry" })).toBeGreaterThan(0);
    expect(value(samples, "tenantry_webhook_deliveries_total", { outcome: "failed" })).toBeGreaterThan(0);
    expect(
      value(samples, "tenantry_webhook_delivery_duration_seconds_count", { outcome: "succeeded" }),
    ).toBeGreaterThan(0);
  });
});
