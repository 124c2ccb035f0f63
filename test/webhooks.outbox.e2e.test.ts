import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../src/store/free-port.js";
import { ADMIN_KEY, ENCRYPTION_KEY, eventually } from "./support/app.js";
import { cleanEnv, projectRoot } from "./support/cli-harness.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from "./support/webhook-receiver.js";

/**
 * The events table is the outbox: an event committed by a real `tenantry serve` that is
 * SIGKILLed before delivering it (its delivery worker held: TENANTRY_WEBHOOK_CONCURRENCY=0)
 * is delivered once the next `tenantry serve` on the same database starts, exactly once.
 */

let database: TestDatabase;
let dataDir: string;
let receiver: WebhookReceiver;
const children = new Set<ChildProcess>();

async function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: projectRoot,
    env: {
      ...cleanEnv(),
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      TENANTRY_DATA_DIR: dataDir,
      TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
      TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
      // The engine is not what this is about: tenants stay queued, their events are the API's.
      TENANTRY_WORKER_CONCURRENCY: "0",
      TENANTRY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1",
      TENANTRY_POLL_INTERVAL_MS: "50",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`tenantry serve exited:\n${output}`);
      const res = await fetch(`${url}/ready`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: "tenantry serve to be ready" },
  );
  return { child, url };
}

async function call(base: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const raw = await res.text();
  return { status: res.status, body: raw ? JSON.parse(raw) : null, raw };
}

async function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-outbox-"));
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  for (const child of children) await kill(child, "SIGKILL");
  await receiver?.close();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the webhook outbox", { timeout: 150_000 }, () => {
  it("delivers an event committed before a SIGKILL once the next process starts, exactly once", async () => {
    const first = await serve({ TENANTRY_WEBHOOK_CONCURRENCY: "0" });
    const hook = await call(first.url, "POST", "/v1/webhooks", {
      url: `${receiver.url}/outbox`,
      events: ["tenant.created"],
    });
    expect(hook.status, hook.raw).toBe(201);
    const created = await call(first.url, "POST", "/v1/tenants", {
      name: "Outboxed",
      blueprint: { source: "databases: []\n" },
    });
    expect(created.status, created.raw).toBe(201);
    const tenantId = created.body.tenant.id as string;
    // Committed: on the tenant's timeline. Not delivered: nothing delivers in this process.
    const events = await call(first.url, "GET", `/v1/tenants/${tenantId}/events`);
    const event = events.body.data.find((e: { type: string }) => e.type === "tenant.created");
    expect(event).toBeDefined();
    await kill(first.child, "SIGKILL");
    expect(receiver.received).toHaveLength(0);

    const second = await serve({});
    const delivered = await eventually(
      async () => receiver.at("/outbox").find((r) => r.json?.id === event.id),
      { timeoutMs: 30_000, what: "the event delivered after the restart" },
    );
    expect(delivered.json).toMatchObject({ type: "tenant.created", tenant: { id: tenantId } });
    expect(
      verifySignature(delivered.headers["tenantry-signature"] as string, delivered.body, hook.body.secret),
    ).toBe(true);
    // A later event delivered after it (one endpoint's events go in order) shows the
    // first was not sent again.
    const later = await call(second.url, "POST", "/v1/tenants", {
      name: "Later",
      blueprint: { source: "databases: []\n" },
    });
    expect(later.status, later.raw).toBe(201);
    await eventually(
      async () => receiver.at("/outbox").find((r) => r.json?.tenant.id === later.body.tenant.id),
      {
        timeoutMs: 30_000,
        what: "the later event",
      },
    );
    expect(receiver.at("/outbox").filter((r) => r.json?.id === event.id)).toHaveLength(1);
    const log = await call(second.url, "GET", `/v1/webhooks/${hook.body.webhook.id}/deliveries`);
    expect(log.body.data.filter((d: { event_id: number }) => d.event_id === event.id)).toMatchObject([
      { status: "succeeded", attempt: 1 },
    ]);
    await kill(second.child, "SIGTERM");
    expect(second.child.exitCode).toBe(0);
  });
});
