import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveIsolation } from "../src/providers/local/local-provider.js";
import { isolationProblem, listTenantUsers } from "../src/providers/local/tenant-users.js";
import { type ApiClient, apiClient, requestWithHost } from "./support/api.js";
import { startTestApp, type TestApp } from "./support/app.js";

/**
 * Local tenants isolated by OS users (Tenantry running as root): each tenant's processes
 * run as its own unprivileged user, so one tenant's code cannot read another tenant's
 * process environment (its secrets), files or Tenantry's key files; the user goes with the
 * tenant. Skipped, visibly, where Tenantry cannot make users (not root, not Linux).
 */

const problem = await isolationProblem(path.join(os.tmpdir(), "tenantry-x"));
if (problem) console.warn(`[local-os-users] SKIPPED: tenants cannot have OS users here: ${problem}`);

/**
 * The tenant's probe: `/whoami` says who its process is; `/read?path=…` tries to read a
 * file (`/proc/<pid>/environ` of another tenant, a key file) and answers what happened.
 */
const WEB = `
const fs = require("node:fs");
const http = require("node:http");
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  res.setHeader("content-type", "application/json");
  if (url.pathname === "/health") return res.end("{}");
  if (url.pathname === "/whoami") {
    const groups = fs.readFileSync("/proc/self/status", "utf8").match(/^Groups:(.*)$/m)[1].trim();
    return res.end(JSON.stringify({ pid: process.pid, uid: process.getuid(), gid: process.getgid(), groups, home: process.env.HOME, tmp: process.env.TMPDIR, cwd: process.cwd() }));
  }
  if (url.pathname === "/read") {
    try {
      const text = fs.readFileSync(url.searchParams.get("path"), "utf8");
      return res.end(JSON.stringify({ read: true, length: text.length, text }));
    } catch (err) {
      return res.end(JSON.stringify({ read: false, code: err.code }));
    }
  }
  if (url.pathname === "/write") {
    try {
      fs.writeFileSync(url.searchParams.get("path"), "x");
      return res.end(JSON.stringify({ written: true }));
    } catch (err) {
      return res.end(JSON.stringify({ written: false, code: err.code }));
    }
  }
  res.statusCode = 404;
  res.end("{}");
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const BLUEPRINT = (appDir: string) => `
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    buildCommand: id -u > built-by.txt && touch "$HOME/.built" && touch "$TMPDIR/.built"
    startCommand: node web.js
    healthCheckPath: /health
    envVars:
      - key: STRIPE_KEY
        sync: false
`;

interface WhoAmI {
  pid: number;
  uid: number;
  gid: number;
  groups: string;
  home: string;
  tmp: string;
  cwd: string;
}

describe.skipIf(problem !== undefined)("local tenants with OS users of their own (as root)", () => {
  let t: TestApp;
  let api: ApiClient;
  let base: string;
  let appDir: string;
  const tenants: Record<string, { id: string; host: string }> = {};

  const get = async <T>(slug: string, pathname: string): Promise<T> => {
    const res = await requestWithHost(base, tenants[slug]!.host, pathname);
    if (res.status !== 200) throw new Error(`${slug} ${pathname}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as T;
  };

  beforeAll(async () => {
    appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-users-app-"));
    await writeFile(path.join(appDir, "web.js"), WEB);
    t = await startTestApp({
      env: {
        PORT: "0",
        HOST: "127.0.0.1",
        BASE_DOMAIN: "tenants.test",
        TENANTRY_LOCAL_ISOLATION: "users",
        // Generated into <data dir>/encryption-key, as without configuration.
        TENANTRY_ENCRYPTION_KEY: "",
      },
    });
    base = await t.app.listen();
    api = apiClient(t);
    for (const [name, key] of [
      ["Initech", "sk_live_initech_0001"],
      ["Hooli", "sk_live_hooli_0002"],
    ] as const) {
      const res = await api.call("POST", "/v1/tenants", {
        name,
        blueprint: { source: BLUEPRINT(appDir) },
        secrets: { STRIPE_KEY: key },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    for (const slug of ["initech", "hooli"]) {
      const tenant = await api.waitForTenant(slug, "active", { timeoutMs: 60_000 });
      const web = tenant.resources.find((r: { key: string }) => r.key === "service:web");
      tenants[slug] = { id: tenant.id, host: new URL(web.outputs.url).hostname };
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  it("runs each tenant's build and processes as its own unprivileged user, without root's groups", async () => {
    const a = await get<WhoAmI>("initech", "/whoami");
    const b = await get<WhoAmI>("hooli", "/whoami");
    expect(a.uid).toBeGreaterThanOrEqual(200_000);
    expect(b.uid).toBeGreaterThanOrEqual(200_000);
    expect(a.uid).not.toBe(b.uid);
    expect(a.gid).toBeGreaterThanOrEqual(200_000);
    expect(a.gid).not.toBe(b.gid);
    expect(a.groups).toBe("");
    // The build ran as the tenant too, with HOME and TMPDIR of its own.
    const built = await get<{ read: boolean; text: string }>(
      "initech",
      `/read?path=${encodeURIComponent(path.join(a.cwd, "built-by.txt"))}`,
    );
    expect(built).toMatchObject({ read: true });
    expect(Number(built.text.trim())).toBe(a.uid);
    expect((await stat(path.join(a.home, ".built"))).uid).toBe(a.uid);
    expect((await stat(path.join(a.tmp, ".built"))).uid).toBe(a.uid);
    // Its user carries the tenant's ownership marker.
    const users = await listTenantUsers();
    const mine = users.find((u) => u.uid === a.uid);
    expect(mine?.comment).toContain(tenants["initech"]!.id);
  });

  it("cannot read another tenant's environment (its secrets), files or Tenantry's key files", async () => {
    const b = await get<WhoAmI>("hooli", "/whoami");
    // Hooli reads its own environment: the probe works.
    const own = await get<{ read: boolean; text: string }>(
      "hooli",
      `/read?path=${encodeURIComponent(`/proc/${b.pid}/environ`)}`,
    );
    expect(own.read).toBe(true);
    expect(own.text).toContain("sk_live_hooli_0002");
    // Initech cannot read Hooli's.
    const environ = await get<{ read: boolean; code?: string }>(
      "initech",
      `/read?path=${encodeURIComponent(`/proc/${b.pid}/environ`)}`,
    );
    expect(environ).toEqual({ read: false, code: "EACCES" });
    // …nor Hooli's files…
    const file = await get<{ read: boolean; code?: string }>(
      "initech",
      `/read?path=${encodeURIComponent(path.join(b.cwd, "web.js"))}`,
    );
    expect(file).toEqual({ read: false, code: "EACCES" });
    // …nor Tenantry's own environment, encryption key or data.
    expect((await stat(path.join(t.dataDir, "encryption-key"))).isFile()).toBe(true);
    for (const target of [
      `/proc/${process.pid}/environ`,
      path.join(t.dataDir, "encryption-key"),
      path.join(t.dataDir, "supervisor"),
    ]) {
      const res = await get<{ read: boolean; code?: string }>(
        "initech",
        `/read?path=${encodeURIComponent(target)}`,
      );
      expect(res.read, target).toBe(false);
      expect(["EACCES", "EISDIR"], target).toContain(res.code);
    }
    // Tenantry's records beside the release cannot be replaced by the tenant.
    const a = await get<WhoAmI>("initech", "/whoami");
    const write = await get<{ written: boolean; code?: string }>(
      "initech",
      `/write?path=${encodeURIComponent(path.join(path.dirname(a.cwd), "deploy.json"))}`,
    );
    expect(write).toEqual({ written: false, code: "EACCES" });
  });

  it("removes the tenant's OS user and its files with the tenant", async () => {
    const a = await get<WhoAmI>("initech", "/whoami");
    const res = await api.call("DELETE", `/v1/tenants/${tenants["initech"]!.id}`);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const gone = await api.waitForTenant("initech", "destroyed", { timeoutMs: 60_000 });
    expect(gone.status).toBe("destroyed");
    const users = await listTenantUsers();
    expect(users.find((u) => u.uid === a.uid)).toBeUndefined();
    expect(users.find((u) => u.comment.includes(tenants["initech"]!.id))).toBeUndefined();
    await expect(stat(a.home)).rejects.toThrow(/ENOENT/);
    // No process of that uid is left (zombies, which run nothing, aside).
    const left = execFileSync("ps", ["-A", "-o", "uid=,stat=,pid=,args="], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([uid, stat]) => Number(uid) === a.uid && !stat?.startsWith("Z"));
    expect(left).toEqual([]);
    // The other tenant is untouched.
    expect((await get<WhoAmI>("hooli", "/whoami")).uid).toBeGreaterThanOrEqual(200_000);
  });
});

describe("choosing the isolation at start-up", () => {
  it("refuses TENANTRY_LOCAL_ISOLATION=users where tenants cannot have users, and auto says why it runs them unisolated", async () => {
    // A data directory under a parent other users cannot pass (as /root is): never servable.
    const closed = await mkdtemp(path.join(os.tmpdir(), "tenantry-closed-"));
    await chmod(closed, 0o700);
    const dataDir = path.join(closed, "data");
    await mkdir(dataDir);
    try {
      await expect(resolveIsolation("users", dataDir)).rejects.toThrow(
        /TENANTRY_LOCAL_ISOLATION: is "users", but tenants cannot have OS users here: .*(not searchable|root|Linux)/,
      );
      const warnings: unknown[] = [];
      const logger = { warn: (o: unknown) => warnings.push(o), info: () => {} };
      expect(await resolveIsolation("auto", dataDir, logger as never)).toBe("off");
      expect(JSON.stringify(warnings)).toMatch(/not searchable|root|Linux/);
      expect(await resolveIsolation("off", dataDir, logger as never)).toBe("off");
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});
