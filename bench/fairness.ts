/**
 * Fairness benchmark: one organization queues 500 tenants, another then creates 5. How
 * long do the small organization's tenants take, compared with one tenant on an idle
 * system and with the big organization's?
 *
 *   npm run bench:fairness                        # embedded PostgreSQL (or DATABASE_URL when set)
 *   BENCH_BIG_CONCURRENCY=4 npm run bench:fairness  # the big organization capped at 4 running operations
 *
 * Settings (env): BENCH_BIG (500), BENCH_SMALL (5), BENCH_ACTION_MS (how long a provider
 * action takes, 250), BENCH_CLIENTS (concurrent HTTP clients of the big organization, 16),
 * TENANTRY_WORKER_CONCURRENCY (8), BENCH_BIG_CONCURRENCY (the big organization's
 * max_concurrent_operations override; 0 = none). Results: docs/benchmarks.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { startTenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { ABSENT, type Provider, ProviderRegistry, type ResourceDriver } from "../src/providers/provider.js";
import { percentile } from "./percentile.js";
import { scratchDatabase } from "./scratch-database.js";

const BIG = Number(process.env.BENCH_BIG ?? 500);
const SMALL = Number(process.env.BENCH_SMALL ?? 5);
const ACTION_MS = Number(process.env.BENCH_ACTION_MS ?? 250);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CONCURRENCY = process.env.TENANTRY_WORKER_CONCURRENCY ?? "8";
const BIG_CONCURRENCY = Number(process.env.BENCH_BIG_CONCURRENCY ?? 0);
const KEY = "tnt_bench_admin_key_0123456789abcdefghij";

/** A provider whose every action takes ACTION_MS: a stand-in for a platform's API. */
function slowProvider(): Provider {
  const driver: ResourceDriver = {
    observe: async () => ABSENT,
    apply: async (_ctx, r) => {
      await new Promise((resolve) => setTimeout(resolve, ACTION_MS));
      return { state: "done", providerId: r.externalName, outputs: { name: r.externalName } };
    },
    delete: async () => ({ state: "done" }),
  };
  return { name: "slow", drivers: { postgres: driver } };
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function call(
  http: FastifyInstance,
  key: string,
  method: "POST" | "PATCH",
  url: string,
  body: unknown,
) {
  const res = await http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bench-"));
  const scratch = await scratchDatabase("tenantry_bench");
  const databaseUrl = scratch.url;
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: KEY,
    TENANTRY_WORKER_CONCURRENCY: CONCURRENCY,
    // The engine is measured, not the API's limits: 500 creates in a few seconds.
    TENANTRY_QUOTA_CREATES_PER_MINUTE: "0",
    TENANTRY_RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "silent",
  });
  const app = await startTenantry({
    config,
    logger: pino({ level: "silent" }),
    providers: new ProviderRegistry().register(slowProvider()),
  });
  const http = app.http!;
  const blueprint = { source: "databases:\n  - name: main\n" };
  const big = await call(http, KEY, "POST", "/v1/organizations", { slug: "big" });
  const small = await call(http, KEY, "POST", "/v1/organizations", { slug: "small" });
  if (BIG_CONCURRENCY > 0)
    await call(http, KEY, "PATCH", "/v1/organizations/big/quotas", {
      max_concurrent_operations: BIG_CONCURRENCY,
    });
  const create = (key: string, name: string) =>
    call(http, key, "POST", "/v1/tenants", { name, blueprint, target: "slow" });

  const activeCount = async (orgId: string) =>
    (
      await app.db.query<{ n: number }>(
        "select count(*)::int as n from tenants where status = 'active' and organization_id = $1",
        [orgId],
      )
    ).rows[0]!.n;
  const waitActive = async (orgId: string, target: number, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await activeCount(orgId)) < target) {
      if (Date.now() > deadline)
        throw new Error(`only ${await activeCount(orgId)} of ${target} tenants active`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  /** Per tenant of the organization (named `prefix-…`): created_at → its `active` event, in ms. */
  const latencies = async (orgId: string, prefix: string) => {
    const { rows } = await app.db.query<{ ms: number }>(
      `select extract(epoch from (e.created_at - t.created_at)) * 1000 as ms
         from tenants t join events e on e.tenant_id = t.id
        where e.type = 'tenant.status_changed' and e.data->>'to' = 'active'
          and t.organization_id = $1 and t.name like $2`,
      [orgId, `${prefix}-%`],
    );
    return rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  };

  // 1. One tenant on an idle system: the provisioning time of a single tenant.
  for (let i = 0; i < 5; i++) {
    await create(small.key, `solo-${i}`);
    await waitActive(small.organization.id, i + 1);
  }
  const solo = await latencies(small.organization.id, "solo");

  // 2. The big organization queues BIG creates; as soon as they are accepted, the small one creates SMALL.
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < BIG) await create(big.key, `big-${next++}`);
    }),
  );
  const accepted = performance.now() - t0;
  const queued = (
    await app.db.query<{ n: number }>(
      "select count(*)::int as n from operations where organization_id = $1 and status = 'queued'",
      [big.organization.id],
    )
  ).rows[0]!.n;
  await Promise.all(Array.from({ length: SMALL }, (_, i) => create(small.key, `small-${i}`)));
  await waitActive(small.organization.id, solo.length + SMALL);
  const smallDone = performance.now() - t0;
  await waitActive(big.organization.id, BIG);
  const bigDone = performance.now() - t0;

  const smallLat = await latencies(small.organization.id, "small");
  const bigLat = await latencies(big.organization.id, "big");
  const soloP50 = percentile(solo, 50);
  const pgVersion = (await app.db.query<{ server_version: string }>("show server_version")).rows[0]!
    .server_version;
  await app.close();
  await scratch.drop();
  await rm(dataDir, { recursive: true, force: true });

  console.log(
    [
      `Tenantry fairness benchmark — ${new Date().toISOString()}`,
      `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), node ${process.version}, PostgreSQL ${pgVersion} (${databaseUrl ? "DATABASE_URL" : "embedded"})`,
      `settings: big ${BIG} tenants, small ${SMALL}, provider action ${ACTION_MS} ms, worker concurrency ${CONCURRENCY}, big org max_concurrent_operations ${BIG_CONCURRENCY || "unlimited"}`,
      "",
      `single tenant, idle system: p50 ${fmt(soloP50)} (${solo.map((v) => v.toFixed(0)).join(", ")} ms)`,
      `big org: ${BIG} creates accepted in ${fmt(accepted)}, ${queued} still queued when the small org created its ${SMALL}`,
      `small org: create→active p50 ${fmt(percentile(smallLat, 50))}, max ${fmt(smallLat.at(-1) ?? Number.NaN)} = ${((smallLat.at(-1) ?? Number.NaN) / soloP50).toFixed(1)}× a single tenant; all done ${fmt(smallDone)} after the big burst began`,
      `big org: create→active p50 ${fmt(percentile(bigLat, 50))}, max ${fmt(bigLat.at(-1) ?? Number.NaN)}; all done after ${fmt(bigDone)}`,
    ].join("\n"),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
