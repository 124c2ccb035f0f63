/**
 * Engine benchmark: with a provider whose actions are instant, how fast does one
 * Tenantry process take tenants from `POST /v1/tenants` to `active`, and how long does
 * a queued operation wait before a worker starts it?
 *
 *   npm run bench                       # embedded PostgreSQL (or DATABASE_URL when set)
 *   BENCH_TENANTS=2000 npm run bench    # a bigger burst
 *
 * Settings (env): BENCH_TENANTS (1000), BENCH_CLIENTS (concurrent HTTP clients, 32),
 * BENCH_WAKE_SAMPLES (100), TENANTRY_WORKER_CONCURRENCY (32), BENCH_ASYNC_COMMIT=1
 * (with DATABASE_URL: the bench database uses synchronous_commit = off, to see whether
 * WAL flushes limit throughput). Results: docs/benchmarks.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startTenantry } from "../src/app.js";
import { loadConfig } from "../src/config/config.js";
import { ABSENT, type Provider, ProviderRegistry, type ResourceDriver } from "../src/providers/provider.js";
import { percentile } from "./percentile.js";
import { scratchDatabase } from "./scratch-database.js";

const N = Number(process.env.BENCH_TENANTS ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const WAKE_SAMPLES = Number(process.env.BENCH_WAKE_SAMPLES ?? 100);
const CONCURRENCY = process.env.TENANTRY_WORKER_CONCURRENCY ?? "32";
const KEY = "tnt_bench_admin_key_0123456789abcdefghij";

/** Provider whose every action completes at once; records when a tenant's first action ran. */
function instantProvider(firstAction: Map<string, number>): Provider {
  const driver: ResourceDriver = {
    observe: async () => ABSENT,
    apply: async (ctx, r) => {
      if (!firstAction.has(ctx.tenant.id)) firstAction.set(ctx.tenant.id, performance.now());
      return { state: "done", providerId: r.externalName, outputs: { name: r.externalName } };
    },
    delete: async () => ({ state: "done" }),
  };
  return { name: "instant", drivers: { postgres: driver } };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-bench-"));
  const scratch = await scratchDatabase("tenantry_bench", {
    asyncCommit: Boolean(process.env.BENCH_ASYNC_COMMIT),
  });
  const databaseUrl = scratch.url;
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    TENANTRY_DATA_DIR: dataDir,
    TENANTRY_ADMIN_API_KEY: KEY,
    TENANTRY_WORKER_CONCURRENCY: CONCURRENCY,
    // The engine is measured, not the quotas and request limits (docs/quotas.md).
    TENANTRY_QUOTA_MAX_TENANTS: "0",
    TENANTRY_QUOTA_CREATES_PER_MINUTE: "0",
    TENANTRY_RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "silent",
  });
  const firstAction = new Map<string, number>();
  const app = await startTenantry({
    config,
    logger: pino({ level: "silent" }),
    providers: new ProviderRegistry().register(instantProvider(firstAction)),
  });
  const http = app.http!;
  const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };
  const blueprint = { source: "databases:\n  - name: main\n" };

  const create = async (name: string): Promise<{ id: string; sentAt: number }> => {
    const sentAt = performance.now();
    const res = await http.inject({
      method: "POST",
      url: "/v1/tenants",
      headers,
      payload: JSON.stringify({ name, blueprint, target: "instant" }),
    });
    if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
    return { id: res.json().tenant.id as string, sentAt };
  };
  const activeCount = async () =>
    (await app.db.query<{ n: number }>("select count(*)::int as n from tenants where status = 'active'"))
      .rows[0]!.n;
  const waitActive = async (target: number, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await activeCount()) < target) {
      if (Date.now() > deadline)
        throw new Error(`only ${await activeCount()} of ${target} tenants became active`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  // 1. Wake-up latency: one tenant at a time on an idle system, time from the request
  //    being sent to the provider's first action (includes the create transaction).
  const wake: number[] = [];
  await create("warmup");
  await waitActive(1);
  for (let i = 0; i < WAKE_SAMPLES; i++) {
    const { id, sentAt } = await create(`wake-${i}`);
    await waitActive(i + 2);
    const started = firstAction.get(id);
    if (started !== undefined) wake.push(started - sentAt);
  }
  wake.sort((a, b) => a - b);

  // 2. Throughput: a burst of N creates from CLIENTS concurrent clients.
  const base = await activeCount();
  const sent = new Map<string, number>();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < N) {
        const i = next++;
        const { id, sentAt } = await create(`burst-${i}`);
        sent.set(id, sentAt);
      }
    }),
  );
  const accepted = performance.now() - t0;
  await waitActive(base + N);
  const total = performance.now() - t0;

  // Per-tenant create→active latency, from the timeline the engine recorded.
  const { rows } = await app.db.query<{ id: string; ms: number }>(
    `select t.id, extract(epoch from (e.created_at - t.created_at)) * 1000 as ms
     from tenants t join events e on e.tenant_id = t.id
     where e.type = 'tenant.status_changed' and e.data->>'to' = 'active' and t.name like 'burst-%'`,
  );
  const latency = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);

  const pgVersion = (await app.db.query<{ server_version: string }>("show server_version")).rows[0]!
    .server_version;
  await app.close();
  await scratch.drop();
  await rm(dataDir, { recursive: true, force: true });

  const lines = [
    `Tenantry engine benchmark — ${new Date().toISOString()}`,
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), node ${process.version}, PostgreSQL ${pgVersion} (${databaseUrl ? "DATABASE_URL" : "embedded"})`,
    `settings: ${N} tenants, ${CLIENTS} concurrent clients, worker concurrency ${CONCURRENCY}, one process (API + workers)`,
    "",
    `burst: ${N} creates accepted in ${fmt(accepted)} (${((N / accepted) * 1000).toFixed(0)} creates/s)`,
    `burst: all ${N} active after ${fmt(total)} → throughput ${((N / total) * 1000).toFixed(0)} tenants/s`,
    `create→active latency: p50 ${fmt(percentile(latency, 50))}, p95 ${fmt(percentile(latency, 95))}, max ${fmt(latency.at(-1) ?? Number.NaN)}`,
    `wake-up (request sent → worker's first provider action, idle system, ${wake.length} samples): p50 ${fmt(percentile(wake, 50))}, p95 ${fmt(percentile(wake, 95))}`,
  ];
  console.log(lines.join("\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
