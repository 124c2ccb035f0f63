import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreePort } from "../src/store/free-port.js";
import { deleteOldRateWindows } from "../src/store/sql/rate-limits.js";
import { type ApiClient, type ApiResponse, apiClient } from "./support/api.js";
import { ADMIN_KEY, ENCRYPTION_KEY, eventually, startTestApp, type TestApp } from "./support/app.js";
import { cleanEnv, projectRoot } from "./support/cli-harness.js";

/**
 * Request rate limits per API key, counted in PostgreSQL: two API processes on one
 * database share one count; over it, 429 RATE_LIMITED with Retry-After. Health probes are
 * never limited; requests without a valid key count by address.
 */
const LIMIT = 10;
let first: TestApp;
/** A second API: a `tenantry serve` child process on the same database. */
let second: ChildProcess;
let secondUrl: string;
let secondDir: string;
let a: ApiClient;
let b: Pick<ApiClient, "call">;

/** Waits until the current minute has at least 15 s left, so a test's requests share one window. */
async function freshWindow(): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await first.app.db.query<{ s: number }>(
        "select extract(second from clock_timestamp())::float8 as s",
      );
      return (rows[0]?.s ?? 60) < 45 ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: "a minute with 15 s left" },
  );
}

const header = (res: ApiResponse, name: string) => Number(res.headers[name]);

/** The second process's API over real HTTP, with `key` (none when null). */
function overHttp(key: string | null): Pick<ApiClient, "call"> {
  return {
    async call(method, url, body) {
      const res = await fetch(`${secondUrl}${url}`, {
        method,
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const raw = await res.text();
      return {
        status: res.status,
        body: raw === "" ? null : JSON.parse(raw),
        raw,
        headers: Object.fromEntries(res.headers.entries()),
      };
    },
  };
}

describe("rate limits across API processes", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const env = { TENANTRY_RATE_LIMIT_PER_MINUTE: String(LIMIT) };
    first = await startTestApp({ workers: false, env });
    // A second API process on the same database: nothing shared with the first but PostgreSQL.
    secondDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-rate-"));
    const port = await findFreePort();
    secondUrl = `http://127.0.0.1:${port}`;
    let output = "";
    second = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
      cwd: projectRoot,
      env: {
        ...cleanEnv(),
        DATABASE_URL: first.database.url,
        PORT: String(port),
        HOST: "127.0.0.1",
        TENANTRY_DATA_DIR: secondDir,
        TENANTRY_ADMIN_API_KEY: ADMIN_KEY,
        TENANTRY_ENCRYPTION_KEY: ENCRYPTION_KEY,
        TENANTRY_WORKER_CONCURRENCY: "0",
        LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    second.stdout?.on("data", (d: Buffer) => (output += d));
    second.stderr?.on("data", (d: Buffer) => (output += d));
    await eventually(
      async () => {
        if (second.exitCode !== null) throw new Error(`the second API exited:\n${output}`);
        const res = await fetch(`${secondUrl}/ready`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: "the second API process to be ready" },
    );
    a = apiClient(first);
    b = overHttp(ADMIN_KEY);
  }, 90_000);
  afterAll(async () => {
    if (second && second.exitCode === null) {
      second.kill("SIGTERM");
      await once(second, "exit");
    }
    await first?.close();
    if (secondDir) await rm(secondDir, { recursive: true, force: true });
  });

  it("counts one key's requests to both processes against one limit, then answers 429 with Retry-After", async () => {
    const created = await a.json("POST", "/v1/api-keys", { name: "limited", role: "viewer" });
    const key = created.key as string;
    const viaA = apiClient(first, key);
    const viaB = overHttp(key);
    await freshWindow();
    const remaining: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await (i % 2 === 0 ? viaA : viaB).call("GET", "/v1/tenants");
      expect(res.status).toBe(200);
      expect(header(res, "x-ratelimit-limit")).toBe(LIMIT);
      remaining.push(header(res, "x-ratelimit-remaining"));
    }
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));

    for (const client of [viaA, viaB]) {
      const refused = await client.call("GET", "/v1/tenants");
      expect(refused.status).toBe(429);
      expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ code: "RATE_LIMITED", status: 429, limit: LIMIT });
      expect(refused.body.current).toBeGreaterThan(LIMIT);
      const retryAfter = header(refused, "retry-after");
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body.retry_after).toBe(retryAfter);
      expect(header(refused, "x-ratelimit-remaining")).toBe(0);
    }
    // Another key has its own count; health probes are never limited.
    expect((await b.call("GET", "/v1/tenants")).status).toBe(200);
    const health = await viaA.call("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.headers["x-ratelimit-limit"]).toBeUndefined();

    // The count is in the database, one row per key and window.
    const { rows } = await first.app.db.query<{ count: number }>(
      "select count from rate_limit_windows where key = $1",
      [`key:${created.api_key.id}`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.count).toBe(LIMIT + 2);
  });

  it("counts requests without a valid key by address, so guessing keys is limited too", async () => {
    await first.app.db.query("delete from rate_limit_windows where key like 'ip:%'");
    await freshWindow();
    const guesser = [apiClient(first, "tnt_not_a_key_0123456789abcdef"), overHttp(null)];
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++)
      statuses.push((await guesser[i % 2]!.call("GET", "/v1/tenants")).status);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual([429, 429]);
  });

  it("deletes windows that ended", async () => {
    await first.app.db.query(
      "insert into rate_limit_windows (key, window_start, count) values ('key:old', now() - interval '10 minutes', 5)",
    );
    expect(await deleteOldRateWindows(first.app.db)).toBeGreaterThanOrEqual(1);
    const { rows } = await first.app.db.query("select 1 from rate_limit_windows where key = 'key:old'");
    expect(rows).toHaveLength(0);
  });
});
