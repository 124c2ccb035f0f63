import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { eventually, startTestApp, type TestApp } from "./support/app.js";

/**
 * Write-only secrets of a tenant on the local target, end to end: set at create, rotated
 * with `PATCH /v1/tenants/{id}` (an update that redeploys only the service that uses the
 * secret, and the new value reaches its environment), undeclared secrets refused with a
 * 422 naming each, and no secret value in logs at `trace`, API answers, events, plans or
 * the data directory.
 */

let t: TestApp;
let api: ApiClient;
let base: string;
let appDir: string;
/** Every log line at `trace`: no secret value may be in it. */
let logText = "";

// Values a leak scan can find anywhere (random, so no fixture text matches by chance).
const FIRST = `tok-first-${randomBytes(8).toString("hex")}`;
const SECOND = `tok-second-${randomBytes(8).toString("hex")}`;
const REFUSED = `tok-refused-${randomBytes(8).toString("hex")}`;
const THIRD = `tok-third-${randomBytes(8).toString("hex")}`;

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  // The value's fingerprint only: the test compares it, nothing prints the value.
  const token = process.env.API_TOKEN;
  res.end(token === undefined ? "no-token" : "token " + require("node:crypto").createHash("sha256").update(token).digest("hex"));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const sha = async (v: string) =>
  `token ${(await import("node:crypto")).createHash("sha256").update(v).digest("hex")}`;

const blueprint = () => `
services:
  - type: web
    name: app
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: API_TOKEN
        sync: false
  - type: web
    name: other
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: GREETING
        value: hello
`;

const WAIT = { timeoutMs: 60_000 };

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-secrets-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
  const logger = pino(
    { level: "trace" },
    {
      write: (line: string) => {
        logText += line;
      },
    },
  );
  t = await startTestApp({
    logger,
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
  });
  base = await t.app.listen();
  api = apiClient(t);
  await api.call("POST", "/v1/blueprints", { name: "tokens", source: blueprint() });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

/** Every file under `dir` (symbolic links not followed) whose content contains `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile() && (await readFile(p).catch(() => Buffer.alloc(0))).includes(needle))
        found.push(p);
    }
  };
  await walk(dir);
  return found;
}

describe("tenant secrets on the local target", () => {
  const seen: string[] = [];
  const call: ApiClient["call"] = async (...args) => {
    const res = await api.call(...args);
    seen.push(res.raw);
    return res;
  };
  let hostOf: (service: string) => Promise<string>;

  it("refuses undeclared secrets at create with a 422 naming each, and creates nothing", async () => {
    const res = await call("POST", "/v1/tenants", {
      name: "Nope",
      blueprint: "tokens",
      secrets: { API_TOKEN: FIRST, API_TOKNE: REFUSED, STRIPE: REFUSED },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "UNDECLARED_SECRETS", undeclared: ["API_TOKNE", "STRIPE"] });
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      "/secrets/API_TOKNE",
      "/secrets/STRIPE",
    ]);
    expect(res.body.detail).toContain("API_TOKEN");
    const { rows } = await t.app.db.query("select count(*)::int as n from tenants");
    expect(rows[0].n).toBe(0);
  });

  it("gives a service its secret, and a rotation redeploys that service only, with the new value", async () => {
    const created = await call("POST", "/v1/tenants", {
      name: "Acme",
      blueprint: "tokens",
      secrets: { API_TOKEN: FIRST },
    });
    expect(created.status, created.raw).toBe(201);
    const active = await api.waitForTenant("acme", "active", WAIT);
    const names = new Map(active.resources.map((r: { key: string; name: string }) => [r.key, r.name]));
    hostOf = async (service) => `${names.get(`service:${service}`)}.tenants.test`;
    expect(await requestWithHost(base, await hostOf("app"))).toMatchObject({
      status: 200,
      body: await sha(FIRST),
    });

    const rotated = await call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: SECOND } });
    expect(rotated.status, rotated.raw).toBe(202);
    expect(rotated.body.operation).toMatchObject({ kind: "update" });
    expect(rotated.body.tenant.generation).toBe(active.generation + 1);
    const done = await api.waitForTenant("acme", "active", WAIT);
    expect(done.observed_generation).toBe(done.generation);
    await eventually(
      async () =>
        (await requestWithHost(base, await hostOf("app"))).body === (await sha(SECOND)) ? true : undefined,
      { what: "the rotated value in the service's environment" },
    );
    // Only the service that reads the secret was updated.
    const op = (await call("GET", `/v1/operations/${rotated.body.operation.id}`)).body;
    expect(op.status).toBe("succeeded");
    const updated = op.steps
      .filter((s: { action: string }) => s.action === "update")
      .map((s: { resource: string }) => s.resource);
    expect(updated).toEqual(["service:app"]);
    // The timeline names the secret, never its value.
    const events = (await call("GET", "/v1/tenants/acme/events")).body;
    expect(JSON.stringify(events)).toContain("API_TOKEN");
  });

  it("does not start an update when the same value is sent again", async () => {
    const before = (await call("GET", "/v1/tenants/acme")).body;
    const res = await call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: SECOND } });
    expect(res.status).toBe(200);
    expect(res.body.operation).toBeNull();
    expect(res.body.tenant.generation).toBe(before.generation);
  });

  it("refuses undeclared secrets at PATCH with a 422 naming each, and changes nothing", async () => {
    const before = await t.app.db.query("select secrets_enc, generation from tenants where slug = 'acme'");
    const res = await call("PATCH", "/v1/tenants/acme", {
      secrets: { API_TOKEN: REFUSED, NOT_DECLARED: REFUSED },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: "UNDECLARED_SECRETS",
      errors: [{ pointer: "/secrets/NOT_DECLARED", message: expect.stringContaining("API_TOKEN") }],
    });
    const after = await t.app.db.query("select secrets_enc, generation from tenants where slug = 'acme'");
    expect(after.rows).toEqual(before.rows);
  });

  it("refuses to remove a secret the blueprint requires (null), naming it", async () => {
    const res = await call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: null } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: "/secrets/API_TOKEN" })]);
  });

  it("keeps no plain hash of a secret for an Idempotency-Key, and still tells a different value apart", async () => {
    const headers = { "idempotency-key": "rotate-3" };
    const body = { secrets: { API_TOKEN: THIRD } };
    const first = await call("PATCH", "/v1/tenants/acme", body, headers);
    expect(first.status, first.raw).toBe(202);
    const replay = await call("PATCH", "/v1/tenants/acme", body, headers);
    expect(replay.status).toBe(202);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    const other = await call("PATCH", "/v1/tenants/acme", { secrets: { API_TOKEN: REFUSED } }, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const { rows } = await t.app.db.query("select request_hash from idempotency_keys where key = 'rotate-3'");
    const plain = createHash("sha256")
      .update(`PATCH /v1/tenants/acme\n${JSON.stringify(body)}`)
      .digest("hex");
    expect(rows[0].request_hash).not.toBe(plain);
    await api.waitForTenant("acme", "active", WAIT);
  });

  it("shows no secret value in API answers, events, plans, logs at trace or the data directory", async () => {
    seen.push((await call("POST", "/v1/tenants/acme/plan", {})).raw);
    seen.push((await call("GET", "/v1/tenants/acme/events")).raw);
    seen.push((await call("GET", "/v1/tenants/acme")).raw);
    seen.push(
      (await call("POST", "/v1/blueprints/tokens/render", { tenant: { name: "X" }, secrets: ["API_TOKEN"] }))
        .raw,
    );
    const answers = seen.join("\n");
    expect(logText.length).toBeGreaterThan(1000);
    for (const value of [FIRST, SECOND, THIRD, REFUSED]) {
      expect(answers).not.toContain(value);
      expect(logText).not.toContain(value);
      expect(await filesContaining(t.dataDir, value)).toEqual([]);
    }
    const { rows } = await t.app.db.query("select spec_hash from resources");
    expect(JSON.stringify(rows)).not.toContain(SECOND);
  });

  it("refuses secret names the blueprint does not declare in a render, as a create would", async () => {
    const res = await call("POST", "/v1/blueprints/tokens/render", {
      tenant: { name: "X" },
      secrets: ["API_TOKEN", "OTHER"],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "UNDECLARED_SECRETS", errors: [{ pointer: "/secrets/1" }] });
  });

  it("deletes the tenant", async () => {
    await call("DELETE", "/v1/tenants/acme");
    await api.waitForTenant("acme", "destroyed", WAIT);
  });
});
