import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../src/store/free-port.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/**
 * The example app the starter blueprint runs (examples/apps/starter), run for real: its
 * dependencies are installed in a temporary copy, and its three processes talk to a fresh
 * database.
 */
const execFileP = promisify(execFile);
const appSource = fileURLToPath(new URL("../examples/apps/starter", import.meta.url));

let t: TestDatabase;
let dir: string;
let port: number;
const children = new Set<ChildProcess>();

interface Proc {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(script: string, env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: t.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exit };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)),
  ]);
}

const url = (p: string) => `http://127.0.0.1:${port}${p}`;
const stats = async () => (await fetch(url("/api/stats"))).json() as Promise<any>;

let web: Proc;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-example-starter-"));
  await cp(appSource, dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== "node_modules",
  });
  await execFileP("npm", ["install", "--omit=dev", "--no-audit", "--no-fund"], {
    cwd: dir,
    timeout: 90_000,
  });
  port = await findFreePort();
  web = start("web.js", { PORT: String(port), TENANT_NAME: "<Acme & Co>", TENANT_SLUG: "acme-co" });
  await until("/health", async () => ((await fetch(url("/health"))).status === 200 ? true : undefined));
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
  await t?.drop();
});

describe("the starter example app", () => {
  it("answers /health with ok", async () => {
    const res = await fetch(url("/health"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });

  it("counts visits and escapes the tenant's name", async () => {
    const first = await (await fetch(url("/"))).text();
    const res = await fetch(url("/"));
    expect(res.headers.get("content-type")).toContain("text/html");
    const second = await res.text();
    const count = (html: string) => Number(/id="visits">(\d+)</.exec(html)?.[1]);
    expect(count(first)).toBe(1);
    expect(count(second)).toBe(2);
    expect(second).toContain("&lt;Acme &amp; Co&gt;");
    expect(second).not.toContain("<Acme");
    expect(second).toContain("acme-co");
    expect(await stats()).toMatchObject({
      tenant: { name: "<Acme & Co>", slug: "acme-co" },
      visits: 2,
      jobs_done: 0,
      last_heartbeat: null,
    });
  });

  it("queues a job that the worker marks done", async () => {
    const res = await fetch(url("/api/jobs"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "wordcount", payload: { text: "one two three" } }),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as any;
    expect(job).toMatchObject({ kind: "wordcount", status: "queued" });

    const bad = await fetch(url("/api/jobs"), { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);

    const worker = start("worker.js");
    await until("the job to be done", async () => ((await stats()).jobs_done === 1 ? true : undefined));
    const { rows } = await t.db.query("select status, result from jobs where id = $1", [job.id]);
    expect(rows[0]).toEqual({ status: "done", result: { words: 3 } });

    worker.child.kill("SIGTERM");
    expect(await withTimeout(worker.exit, 5_000, "the worker's shutdown")).toBe(0);
  });

  it("records a heartbeat from the cron job", async () => {
    const before = Date.now();
    const heartbeat = start("heartbeat.js");
    expect(await withTimeout(heartbeat.exit, 15_000, "heartbeat.js"), heartbeat.output()).toBe(0);
    const { last_heartbeat } = await stats();
    expect(last_heartbeat).toEqual(expect.any(String));
    expect(Date.parse(last_heartbeat)).toBeGreaterThanOrEqual(before - 5_000);
  });

  it("stops the web service on SIGTERM", async () => {
    web.child.kill("SIGTERM");
    expect(await withTimeout(web.exit, 5_000, "the web service's shutdown"), web.output()).toBe(0);
  });
});
