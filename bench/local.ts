/**
 * Local target benchmark: time from create to `active` for a starter-like blueprint (a web
 * service with a health check, a worker and a database), for 1, 10 and 50 tenants created
 * at once, on one Tenantry process.
 *
 *   npm run bench:local                  # embedded PostgreSQL (or DATABASE_URL when set)
 *   BENCH_SIZES=1,10 npm run bench:local
 *
 * The app is a small node:http server (no npm install in the build), so the figures are
 * Tenantry's: database, copy, supervised start, health check, proxy routing.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startTenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { scratchDatabase } from "./scratch-database.js";

const SIZES = (process.env.BENCH_SIZES ?? "1,10,50").split(",").map(Number);
const KEY = "tnt_bench_admin_key_0123456789abcdefghij";

const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello " + process.env.TENANT_NAME));
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;
const WORKER = "setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));\n";

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bench-local-"));
  const appDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bench-app-"));
  await writeFile(path.join(appDir, "server.js"), SERVER);
  await writeFile(path.join(appDir, "worker.js"), WORKER);
  const scratch = await scratchDatabase("tenantry_bench_local");
  const databaseUrl = scratch.url;
  const config = loadConfig({
    ...(databaseUrl
      ? { DATABASE_URL: databaseUrl, TENANTRY_LOCAL_POSTGRES_URL: process.env.DATABASE_URL }
      : {}),
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: KEY,
    TENANTRY_WORKER_CONCURRENCY: "16",
    // The provisioning is measured, not the request limits (docs/quotas.md).
    TENANTRY_RATE_LIMIT_PER_MINUTE: "0",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
  });
  const app = await startTenantry({ config, logger: pino({ level: "silent" }) });
  const http = app.http!;
  const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  const source = `
databases:
  - name: main
services:
  - type: web
    name: web
    runtime: node
    repo: ${appDir}
    startCommand: node server.js
    healthCheckPath: /health
    envVars:
      - key: DATABASE_URL
        fromDatabase:
          name: main
          property: connectionString
  - type: worker
    name: jobs
    runtime: node
    repo: ${appDir}
    startCommand: node worker.js
`;
  await http.inject({
    method: "POST",
    url: "/v1/blueprints",
    headers,
    payload: JSON.stringify({ name: "bench", source }),
  });

  const lines: string[] = [];
  let round = 0;
  for (const n of SIZES) {
    round++;
    const t0 = performance.now();
    const ids = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await http.inject({
          method: "POST",
          url: "/v1/tenants",
          headers,
          payload: JSON.stringify({ name: `r${round}-t${i}`, blueprint: "bench" }),
        });
        if (res.statusCode !== 201) throw new Error(`create failed: ${res.body}`);
        return res.json().tenant.id as string;
      }),
    );
    const done = new Map<string, number>();
    while (done.size < n) {
      const { rows } = await app.db.query<{ id: string; status: string }>(
        "select id, status from tenants where id = any($1::uuid[])",
        [ids],
      );
      for (const r of rows) {
        if (r.status === "failed") throw new Error(`tenant ${r.id} failed`);
        if (r.status === "active" && !done.has(r.id)) done.set(r.id, performance.now() - t0);
      }
      if (performance.now() - t0 > 600_000) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
    const times = [...done.values()].sort((a, b) => a - b);
    lines.push(
      `${String(n).padStart(3)} tenants at once: all active after ${(times.at(-1)! / 1000).toFixed(1)} s; create→active p50 ${(percentile(times, 50) / 1000).toFixed(2)} s, p95 ${(percentile(times, 95) / 1000).toFixed(2)} s`,
    );
    // Clean up before the next round.
    await Promise.all(
      ids.map((id) =>
        http.inject({
          method: "DELETE",
          url: `/v1/tenants/${id}`,
          headers: { authorization: headers.authorization },
        }),
      ),
    );
    for (;;) {
      const { rows } = await app.db.query<{ n: number }>(
        "select count(*)::int as n from tenants where id = any($1::uuid[]) and status <> 'destroyed'",
        [ids],
      );
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await app.close();
  await scratch.drop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(appDir, { recursive: true, force: true });
  console.log(
    [
      `Tenantry local target benchmark — ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} cores, node ${process.version}; blueprint: database + web (health-checked) + worker; worker concurrency 16`,
      "",
      ...lines,
    ].join("\n"),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
