import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";
import { projectRoot } from "./support/cli-harness.js";

/**
 * `GET /v1/tenants/{id}/resources/{name}/logs` end to end on the local target: a real web
 * service's build and runtime output, as JSON and as a stream of server-sent events, and
 * `tenantry logs` against the same server.
 */

let t: TestApp;
let api: ApiClient;
let base: string;
let appDir: string;

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  console.log("served " + req.url);
  res.end("hello");
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

// The web service's platform name, with the tenant's discriminator: known once it exists.
let webName = "";
const viaProxy = (urlPath: string) => requestWithHost(base, `${webName}.tenants.test`, urlPath);
const WAIT = { timeoutMs: 60_000 };

beforeAll(async () => {
  appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-logs-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
  t = await startTestApp({
    env: { PORT: "0", HOST: "127.0.0.1", BASE_DOMAIN: "tenants.test", TENANTRY_WORKER_CONCURRENCY: "2" },
  });
  base = await t.app.listen();
  api = apiClient(t);
});
afterAll(async () => {
  await t?.close();
  await rm(appDir, { recursive: true, force: true });
});

describe("resource logs", () => {
  it("returns, streams and prints a web service's build and runtime output", async () => {
    const blueprint = `
databases:
  - name: main
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    buildCommand: echo building-the-app
    startCommand: node server.js
    healthCheckPath: /health
`;
    const created = await api.call("POST", "/v1/tenants", {
      name: "Logs Co",
      slug: "logsco",
      blueprint: { source: blueprint },
    });
    expect(created.status).toBe(201);
    try {
      await api.waitForTenant("logsco", "active", WAIT);
      const tenant = await api.call("GET", "/v1/tenants/logsco");
      webName = tenant.body.resources.find((r: { key: string }) => r.key === "service:web").name;
      expect(webName).toMatch(/^web-logsco-[a-z2-7]{8}$/);
      expect(await viaProxy("/first")).toMatchObject({ status: 200, body: "hello" });

      // JSON: the build line first, then the runtime line; by service name or by key.
      const logs = await eventually(async () => {
        const r = await api.call("GET", "/v1/tenants/logsco/resources/web/logs?tail=50");
        return r.body.lines?.includes("[run] served /first") ? r : undefined;
      });
      expect(logs.status).toBe(200);
      expect(logs.body.resource).toBe("service:web");
      const lines: string[] = logs.body.lines;
      expect(lines).toContain("[build] building-the-app");
      expect(lines.indexOf("[build] building-the-app")).toBeLessThan(lines.indexOf("[run] served /first"));
      const byKey = await api.call("GET", "/v1/tenants/logsco/resources/service:web/logs?tail=1");
      expect(byKey.body).toEqual({ resource: "service:web", lines: [lines.at(-1)] });

      // Errors.
      const unknown = await api.call("GET", "/v1/tenants/logsco/resources/nope/logs");
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe("RESOURCE_NOT_FOUND");
      const zero = await api.call("GET", "/v1/tenants/logsco/resources/web/logs?tail=0");
      expect(zero.status).toBe(400);
      expect(zero.body.code).toBe("VALIDATION_FAILED");
      const database = await api.call("GET", "/v1/tenants/logsco/resources/database:main/logs");
      expect(database.status).toBe(422);
      expect(database.body.code).toBe("UNSUPPORTED_RESOURCE");
      const noTenant = await api.call("GET", "/v1/tenants/nobody/resources/web/logs");
      expect(noTenant.status).toBe(404);
      expect(noTenant.body.code).toBe("TENANT_NOT_FOUND");

      // Server-sent events: the tail, then a new line as it is written.
      const received: string[] = [];
      const u = new URL(base);
      const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(
          {
            host: u.hostname,
            port: u.port,
            path: "/v1/tenants/logsco/resources/web/logs?tail=50",
            headers: { accept: "text/event-stream", authorization: `Bearer ${ADMIN_KEY}` },
            agent: false,
          },
          resolve,
        );
        req.on("error", reject);
      });
      try {
        expect(stream.statusCode).toBe(200);
        expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
        let buffer = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (event.startsWith("data: ")) received.push(event.slice(6));
            end = buffer.indexOf("\n\n");
          }
        });
        await eventually(async () => (received.includes("[run] served /first") ? true : undefined), {
          timeoutMs: 5_000,
        });
        expect(received).toContain("[build] building-the-app");
        expect(received).not.toContain("[run] served /second");

        expect((await viaProxy("/second")).status).toBe(200);
        await eventually(async () => (received.includes("[run] served /second") ? true : undefined), {
          timeoutMs: 5_000,
        });
        // Sent once, not again by later polls.
        await new Promise((r) => setTimeout(r, 1_200));
        expect(received.filter((l) => l === "[run] served /second")).toHaveLength(1);
      } finally {
        stream.destroy();
      }

      // The CLI against the same server.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", "logs", "logsco", "web", "--tail", "5"],
        {
          cwd: projectRoot,
          env: { ...process.env, TENANTRY_URL: base, TENANTRY_API_KEY: ADMIN_KEY },
          timeout: 25_000,
        },
      );
      const printed = stdout.trimEnd().split("\n");
      expect(printed.length).toBeLessThanOrEqual(5);
      expect(printed.at(-1)).toBe("[run] served /second");

      // --follow: prints the tail and new lines; Ctrl-C (SIGINT) exits 0.
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "src/cli/main.ts", "logs", "logsco", "web", "--tail", "2", "--follow"],
        {
          cwd: projectRoot,
          env: { ...process.env, TENANTRY_URL: base, TENANTRY_API_KEY: ADMIN_KEY },
        },
      );
      let out = "";
      child.stdout.on("data", (c) => {
        out += c;
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        await eventually(async () => (out.includes("[run] served /second") ? true : undefined), {
          timeoutMs: 20_000,
        });
        expect((await viaProxy("/third")).status).toBe(200);
        await eventually(async () => (out.includes("[run] served /third") ? true : undefined), {
          timeoutMs: 5_000,
        });
        child.kill("SIGINT");
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    } finally {
      await api.call("DELETE", "/v1/tenants/logsco");
      await api.waitForTenant(created.body.tenant.id, "destroyed", WAIT);
    }
  });
});
