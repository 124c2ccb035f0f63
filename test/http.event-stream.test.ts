import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStreams } from "../src/http/event-stream.js";
import { appendEvent } from "../src/store/sql/events.js";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";
import { addOrganization } from "./support/organizations.js";
import { openSse, type SseConnection } from "./support/sse.js";

/**
 * Server-sent events of timelines: `GET /v1/tenants/{id}/events` and `GET /v1/events` with
 * `Accept: text/event-stream` (src/http/event-stream.ts), against a listening server.
 */

let t: TestApp;
let base: string;
let api: ApiClient;
let orgId: string;
let tenant: { id: string; slug: string };
let other: { id: string; key: string; tenant: string };
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const open: SseConnection[] = [];

async function sse(path: string, headers: Record<string, string> = {}, key = ADMIN_KEY) {
  const c = await openSse(base, path, { authorization: `Bearer ${key}`, ...headers });
  open.push(c);
  return c;
}

/** Records an event on the tenant's timeline, as the engine does. */
async function record(tenantId: string, message: string, organizationId = orgId): Promise<void> {
  await appendEvent(t.app.db, {
    organizationId,
    tenantId,
    type: "resource.run_requested",
    message,
    data: { resource: "service:job", started: true, api_key_id: "test" },
  });
}

const messagesOf = (c: SseConnection) => c.events().map((e) => e.data.message as string);
const hasMessage = (c: SseConnection, m: string) => () => messagesOf(c).includes(m);

beforeAll(async () => {
  t = await startTestApp({ workers: false, env: { PORT: "0", HOST: "127.0.0.1" } });
  base = await t.app.listen();
  api = apiClient(t);
  await api.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
  const created = await api.json("POST", "/v1/tenants", { name: "Streamed", blueprint: "empty" });
  tenant = created.tenant;
  orgId = (await api.json("GET", "/v1/organization")).organization.id;
  const org = await addOrganization(t, "elsewhere");
  const theirs = apiClient(t, org.key);
  await theirs.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
  other = {
    ...org,
    tenant: (await theirs.json("POST", "/v1/tenants", { name: "Theirs", blueprint: "empty" })).tenant.id,
  };
});
afterAll(async () => {
  for (const c of open) c.close();
  await t?.close();
});

describe("the tenant's event stream", () => {
  it("starts now with its position, then delivers new events live as id/event/data", async () => {
    const stream = await sse(`/v1/tenants/${tenant.slug}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(stream.headers["x-request-id"]).toBeTruthy();
    await stream.until((m) => m.length > 0);
    // First: where it starts, as an id without data (no event: EventSource only keeps the id).
    const first = stream.messages[0]!;
    expect(first.data).toBeUndefined();
    expect(Number(first.id)).toBeGreaterThan(0);
    // Nothing of the past: the tenant's `tenant.created` came before.
    await record(tenant.id, "live one");
    await stream.until(hasMessage(stream, "live one"), 5_000, "the live event");
    const events = stream.events();
    expect(events.map((e) => e.data.message)).toEqual(["live one"]);
    const [live] = events;
    expect(live!.event).toBe("resource.run_requested");
    expect(live!.id).toBeGreaterThan(Number(first.id));
    // The same object as the JSON page.
    const page = await api.json("GET", `/v1/tenants/${tenant.id}/events?after=${live!.id - 1}`);
    expect(page.data[0]).toEqual(live!.data);
    stream.close();
  });

  it("resumes after Last-Event-ID with exactly the events after it (and after= the same)", async () => {
    for (const m of ["r1", "r2", "r3", "r4"]) await record(tenant.id, m);
    const all = (await api.json("GET", `/v1/tenants/${tenant.id}/events?limit=1000`)).data as {
      id: number;
      message: string;
    }[];
    const r2 = all.find((e) => e.message === "r2")!;
    const expected = all.filter((e) => e.id > r2.id).map((e) => e.message);
    expect(expected).toEqual(["r3", "r4"]);

    // The header wins over `after` (an EventSource reconnects to the same URL with it).
    const resumed = await sse(`/v1/tenants/${tenant.id}/events?after=0`, { "last-event-id": String(r2.id) });
    const byQuery = await sse(`/v1/tenants/${tenant.id}/events?after=${r2.id}`);
    for (const s of [resumed, byQuery]) {
      await s.until(hasMessage(s, "r4"), 5_000, "r4");
      expect(s.messages[0]!.id).toBe(String(r2.id));
    }
    // Nothing else comes before a new event: it is the next one.
    await record(tenant.id, "r5");
    for (const s of [resumed, byQuery]) {
      await s.until(hasMessage(s, "r5"), 5_000, "r5");
      expect(messagesOf(s)).toEqual(["r3", "r4", "r5"]);
      const ids = s.events().map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      s.close();
    }
  });

  it("waits for an earlier id still being written instead of skipping it", async () => {
    const stream = await sse(`/v1/tenants/${tenant.id}/events`);
    await stream.until((m) => m.length > 0);
    // A transaction draws an id and stays open; a later id commits first.
    await record(tenant.id, "before");
    await stream.until(hasMessage(stream, "before"), 5_000, "before");
    const client = await t.app.db.pool.connect();
    try {
      await client.query("begin");
      await appendEvent(client, {
        organizationId: orgId,
        tenantId: tenant.id,
        type: "resource.run_requested",
        message: "early id, committed late",
        data: { resource: "service:job", started: true, api_key_id: "test" },
      });
      await record(tenant.id, "late id, committed first");
      // The later one is visible, but not sent while the earlier one can still appear.
      await new Promise((r) => setTimeout(r, 800));
      expect(messagesOf(stream)).toEqual(["before"]);
      await client.query("commit");
    } finally {
      client.release();
    }
    await stream.until(hasMessage(stream, "late id, committed first"), 5_000, "both events");
    expect(messagesOf(stream)).toEqual(["before", "early id, committed late", "late id, committed first"]);
    stream.close();
  });

  it("refuses a Last-Event-ID that is not an event id, and another organization's tenant (404)", async () => {
    const bad = await sse(`/v1/tenants/${tenant.id}/events`, { "last-event-id": "abc" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(await bad.body())).toMatchObject({
      code: "VALIDATION_FAILED",
      errors: [{ pointer: "/header/last-event-id" }],
    });
    const theirs = await sse(`/v1/tenants/${other.tenant}/events`);
    expect(theirs.status).toBe(404);
    expect(JSON.parse(await theirs.body()).code).toBe("TENANT_NOT_FOUND");
  });
});

describe("the organization's events: GET /v1/events", () => {
  it("pages every tenant's events with their tenant id, filtered by tenant and type", async () => {
    const first = await api.call("GET", "/v1/events?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.data[0]).toMatchObject({ type: "tenant.created", tenant_id: tenant.id });
    const next = await api.json("GET", `/v1/events?limit=1000&cursor=${first.body.next_cursor}`);
    expect(next.data[0].id).toBeGreaterThan(first.body.data[1].id);
    expect(next.next_cursor).toBeNull();
    // Only this organization's events.
    expect(
      [...first.body.data, ...next.data].every((e: { tenant_id: string }) => e.tenant_id === tenant.id),
    ).toBe(true);

    const created = await api.json("GET", "/v1/events?type=tenant.created");
    expect(created.data.map((e: { type: string }) => e.type)).toEqual(["tenant.created"]);
    const prefixed = await api.json("GET", `/v1/events?type=resource.*&tenant=${tenant.slug}`);
    expect(prefixed.data.length).toBeGreaterThan(3);
    expect(prefixed.data.every((e: { type: string }) => e.type.startsWith("resource."))).toBe(true);

    for (const [query, pointer] of [
      ["type=tenant.creatd", "/query/type"],
      ["cursor=x", "/query/cursor"],
      ["cursor=1&after=1", "/query/cursor"],
      ["limit=0", "/query/limit"],
    ] as const) {
      const res = await api.call("GET", `/v1/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(JSON.stringify(res.body.errors), query).toContain(pointer);
    }
    const doc = await api.json("GET", "/openapi.json");
    const op = doc.paths["/v1/events"].get;
    expect(op).toMatchObject({ operationId: "listEvents", tags: ["tenants"], summary: expect.any(String) });
    expect(Object.keys(op.responses["200"].content)).toEqual(["application/json", "text/event-stream"]);
    const theirs = await api.call("GET", `/v1/events?tenant=${other.tenant}`);
    expect(theirs).toMatchObject({ status: 404, body: { code: "TENANT_NOT_FOUND" } });
  });

  it("streams the organization's events, and only its own", async () => {
    const ours = await sse("/v1/events");
    const theirs = await sse("/v1/events", {}, other.key);
    const filtered = await sse("/v1/events?type=tenant.");
    for (const s of [ours, theirs, filtered]) await s.until((m) => m.length > 0);
    await record(other.tenant, "theirs", other.id);
    await record(tenant.id, "ours");
    const created = await api.json("POST", "/v1/tenants", { name: "Second", blueprint: "empty" });
    await ours.until(hasMessage(ours, "ours"), 5_000, "ours");
    await ours.until(() => ours.events().some((e) => e.event === "tenant.created"), 5_000, "tenant.created");
    await theirs.until(hasMessage(theirs, "theirs"), 5_000, "theirs");
    await filtered.until(() => filtered.events().length > 0, 5_000, "the filtered event");
    expect(messagesOf(ours)).not.toContain("theirs");
    expect(messagesOf(theirs)).toEqual(["theirs"]);
    expect(filtered.events().map((e) => [e.event, e.data.tenant_id])).toEqual([
      ["tenant.created", created.tenant.id],
    ]);
    const json = (await api.json("GET", "/v1/events?limit=1000")).data;
    expect(ours.events().map((e) => e.data)).toEqual(
      json.filter((e: { id: number }) => e.id > Number(ours.messages[0]!.id)),
    );
    for (const s of [ours, theirs, filtered]) s.close();
  });
});

describe("keepalive and shutdown", () => {
  it("sends keepalive comments and ends its streams when the server closes", async () => {
    // A server of its own with a short keepalive, on this file's database.
    const streams = new EventStreams(t.app.db, { pollMs: 20, keepaliveMs: 100 });
    const app = Fastify();
    app.addHook("preClose", async () => streams.close());
    app.get("/stream", (request, reply) =>
      streams.open(request, reply, { scope: { organizationId: orgId }, view: (e) => ({ id: e.id }) }),
    );
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const s = await openSse(url, "/stream", {});
    await s.until((m) => m.some((x) => x.comment === "keepalive"), 5_000, "a keepalive");
    expect(streams.size).toBe(1);
    const started = Date.now();
    await app.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(streams.size).toBe(0);
  });

  it("app.close() ends open streams promptly", async () => {
    const a = await sse(`/v1/tenants/${tenant.id}/events`, auth);
    const b = await sse("/v1/events", auth);
    await a.until((m) => m.length > 0);
    await b.until((m) => m.length > 0);
    const started = Date.now();
    await t.app.close();
    await Promise.all([a.ended, b.ended]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
