import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";
import { runCli } from "./support/cli-in-process.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

/**
 * `tenantry webhooks …` (in-process, against a running Tenantry): register an endpoint and
 * see its secret once, list, receive signed deliveries, read the delivery log, redeliver,
 * disable and enable, rotate the secret, delete.
 */

let t: TestApp;
let base: string;
let api: ApiClient;
let receiver: WebhookReceiver;

const cli = (args: string[]) =>
  runCli(args, { TENANTRY_URL: base, TENANTRY_API_KEY: ADMIN_KEY, FORCE_COLOR: undefined, NO_COLOR: "1" });
const ok = async (args: string[]) => {
  const r = await cli(args);
  expect(r.code, `tenantry ${args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const okJson = async <T = any>(args: string[]): Promise<T> =>
  JSON.parse((await ok([...args, "-o", "json"])).stdout) as T;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestApp({
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1",
      TENANTRY_WEBHOOK_RETRY_BASE_MS: "20",
      TENANTRY_WEBHOOK_RETRY_MAX_MS: "100",
      TENANTRY_POLL_INTERVAL_MS: "50",
    },
  });
  base = await t.app.listen();
  api = apiClient(t);
  await api.json("POST", "/v1/blueprints", { name: "empty", source: "databases: []\n" });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe("tenantry webhooks", { timeout: 60_000 }, () => {
  it("registers an endpoint, whose secret is printed once, and lists it", async () => {
    const created = await ok([
      "webhooks",
      "create",
      `${receiver.url}/hook`,
      "--events",
      "tenant.",
      "--description",
      "ops",
    ]);
    const secret = created.stdout.split("\n").find((l) => /^whsec_|^[A-Za-z0-9_-]{24,}$/.test(l.trim()));
    expect(secret, created.stdout).toBeTruthy();
    expect(created.stdout).toContain("shown this once");
    const list = await okJson<any[]>(["webhooks", "list"]);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      url: `${receiver.url}/hook`,
      events: ["tenant."],
      enabled: true,
      description: "ops",
    });
    // Never the secret again.
    expect(JSON.stringify(list)).not.toContain(secret?.trim());
    const table = await ok(["webhooks", "list"]);
    expect(table.stdout).toMatch(/ID\s+URL\s+EVENTS\s+ENABLED\s+FAILING/);
    expect((await ok(["webhooks", "list", "-o", "name"])).stdout.trim()).toBe(`webhook/${list[0].id}`);

    // A tenant's events arrive signed with that secret.
    await api.json("POST", "/v1/tenants", { name: "Hooked", blueprint: "empty" });
    const got = await eventually(
      async () => receiver.at("/hook").find((r) => r.json?.type === "tenant.created"),
      {
        timeoutMs: 20_000,
        what: "tenant.created delivered",
      },
    );
    const signature = String(got.headers["tenantry-signature"]);
    const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(signature) ?? [];
    expect(createHmac("sha256", secret!.trim()).update(`${ts}.${got.body}`).digest("hex")).toBe(v1);
  });

  it("shows the delivery log and redelivers a delivery", async () => {
    const [webhook] = await okJson<any[]>(["webhooks", "list"]);
    const log = await eventually(
      async () => {
        const page = await okJson<{ data: any[] }>(["webhooks", "deliveries", webhook.id]);
        return page.data.find((d) => d.event_type === "tenant.created" && d.status === "succeeded");
      },
      { what: "a succeeded delivery in the log" },
    );
    const table = await ok(["webhooks", "deliveries", webhook.id]);
    expect(table.stdout).toMatch(/DELIVERY\s+EVENT\s+TYPE\s+STATUS\s+ATTEMPTS\s+ANSWER/);
    expect(table.stdout).toContain("tenant.created");

    const before = receiver.at("/hook").filter((r) => r.json?.type === "tenant.created").length;
    const again = await okJson(["webhooks", "redeliver", webhook.id, log.id]);
    expect(again).toMatchObject({ redelivery_of: log.id, event_id: log.event_id });
    await eventually(
      async () =>
        receiver.at("/hook").filter((r) => r.json?.type === "tenant.created").length > before
          ? true
          : undefined,
      { what: "the redelivery" },
    );
  });

  it("disables and enables, rotates the secret, and deletes", async () => {
    const [webhook] = await okJson<any[]>(["webhooks", "list"]);
    expect(await okJson(["webhooks", "disable", webhook.id])).toMatchObject({ enabled: false });
    expect(await okJson(["webhooks", "enable", webhook.id])).toMatchObject({ enabled: true });
    const rotated = await okJson<{ secret: string }>([
      "webhooks",
      "rotate-secret",
      webhook.id,
      "--secret",
      "s3cret-rotated-for-the-test-0001",
    ]);
    expect(rotated.secret).toBe("s3cret-rotated-for-the-test-0001");
    expect((await ok(["webhooks", "delete", webhook.id])).stdout).toContain(`deleted webhook ${webhook.id}`);
    expect(await okJson<any[]>(["webhooks", "list"])).toEqual([]);
    // An unknown one: not found (exit code 3), with the API's code.
    const missing = await cli(["webhooks", "delete", webhook.id]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("WEBHOOK_NOT_FOUND");
  });

  it("says what is wrong with an empty events filter, before calling the API", async () => {
    const r = await cli(["webhooks", "create", `${receiver.url}/x`, "--events", ","]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expected event types or prefixes");
    expect(await okJson<any[]>(["webhooks", "list"])).toEqual([]);
  });
});
