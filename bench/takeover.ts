/**
 * Crash takeover benchmark: a worker process is SIGKILLed in the middle of a provider
 * call; how long until another worker process resumes the operation, at the default
 * settings (15 s lease, 1 s poll)?
 *
 *   npm run bench:takeover                      # embedded PostgreSQL (or DATABASE_URL when set)
 *   BENCH_KILLS=20 npm run bench:takeover
 *
 * Each round: worker A (a `tenantry worker`-like child process on the probe provider)
 * hangs inside the create of a tenant's database; worker B runs beside it. A is killed
 * with SIGKILL; the round measures kill → B's first call for that tenant (the takeover)
 * and kill → tenant active (resumed). Results: docs/benchmarks.md.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { ProviderRegistry } from "../src/providers/provider.js";
import { bootstrapOrganization, ensureEncryptionKey } from "../src/services/bootstrap.js";
import { TenantService } from "../src/services/tenant-service.js";
import { createDb } from "../src/store/db.js";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../src/store/embedded-postgres.js";
import { migrate } from "../src/store/migrations.js";
import { createProbeProvider, ensureProbeSchema } from "../test/support/probe-provider.js";
import { spawnWorkerChild, type WorkerChild } from "../test/support/worker-child.js";

const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const LEASE_SECONDS = process.env.TENANTRY_LEASE_SECONDS ?? "15";
const POLL_MS = process.env.TENANTRY_POLL_INTERVAL_MS ?? "1000";
const logger = pino({ level: "silent" });

async function database(): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `tenantry_takeover_${Date.now().toString(36)}`;
  let embedded: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  let admin = process.env.DATABASE_URL;
  if (!admin) {
    dir = await mkdtemp(path.join(os.tmpdir(), "tenantry-takeover-pg-"));
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: dir });
    admin = embedded.url;
  }
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const adminUrl = admin;
  return {
    url: u.toString(),
    async dispose() {
      const d = new pg.Client({ connectionString: adminUrl });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) =>
  sorted(xs)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tenantry-takeover-"));
  const dbHandle = await database();
  const db = createDb(dbHandle.url, { max: 4 });
  const children: WorkerChild[] = [];
  try {
    await migrate(db);
    const encryptionKey = randomBytes(32).toString("hex");
    const secrets = await ensureEncryptionKey(
      db,
      { encryptionKey: Buffer.from(encryptionKey, "hex"), dataDir },
      logger,
    );
    await bootstrapOrganization(
      db,
      { adminApiKey: `tnt_${randomBytes(24).toString("hex")}`, dataDir },
      logger,
    );
    await ensureProbeSchema(db);
    const { rows } = await db.query<{ id: string; organization_id: string }>(
      "select id, organization_id from api_keys where role = 'admin' limit 1",
    );
    const principal = {
      apiKeyId: rows[0]!.id,
      organizationId: rows[0]!.organization_id,
      role: "admin" as const,
    };
    const probe = createProbeProvider({ databaseUrl: dbHandle.url });
    const tenants = new TenantService({
      providers: new ProviderRegistry().register(probe),
      secrets,
      maxAttempts: 5,
    });
    const env = {
      DATABASE_URL: dbHandle.url,
      TENANTRY_DATA_DIR: dataDir,
      TENANTRY_ENCRYPTION_KEY: encryptionKey,
      TENANTRY_LEASE_SECONDS: LEASE_SECONDS,
      TENANTRY_POLL_INTERVAL_MS: POLL_MS,
      TENANTRY_WORKER_CONCURRENCY: "4",
    };
    const takeovers: number[] = [];
    const resumed: number[] = [];
    for (let round = 1; round <= KILLS; round++) {
      const slug = `round-${round}`;
      const created = await db.tx((q) =>
        tenants.create(q, principal, {
          name: slug,
          slug,
          blueprint: { source: "databases:\n  - name: main\n" },
          target: "probe",
        }),
      );
      const tenantId = created.tenant.id;
      // A new A each round, hanging in this tenant's create; B starts once A holds it.
      const a = await spawnWorkerChild(`A${round}`, { ...env, PROBE_HANG_KEY: "database:main" });
      children.push(a);
      const bName = `B${round}`;
      const call = async (worker: string) =>
        (
          await db.query<{ started_at: Date }>(
            "select started_at from probe.probe_calls where tenant_id = $1 and worker = $2 order by id limit 1",
            [tenantId, worker],
          )
        ).rows[0]?.started_at;
      const poll = async <T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
        const until = Date.now() + ms;
        for (;;) {
          const v = await f();
          if (v !== undefined) return v;
          if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await poll("A to be inside the create", () => call(a.name));
      const b = await spawnWorkerChild(bName, env);
      children.push(b);
      const killedAt = (await db.query<{ now: Date }>("select clock_timestamp() as now")).rows[0]!.now;
      await a.kill();
      const bAt = await poll("B to take over", () => call(bName));
      const activeAt = await poll("the tenant to be active", async () => {
        const r = await db.query<{ at: Date }>(
          "select created_at as at from events where tenant_id = $1 and type = 'tenant.status_changed' and data->>'to' = 'active'",
          [tenantId],
        );
        return r.rows[0]?.at;
      });
      takeovers.push(bAt.getTime() - killedAt.getTime());
      resumed.push(activeAt.getTime() - killedAt.getTime());
      await b.kill();
    }
    const line = (label: string, xs: number[]) =>
      `${label}: p50 ${pct(xs, 50)} ms, p95 ${pct(xs, 95)} ms, max ${Math.max(...xs)} ms`;
    console.log(
      `takeover after SIGKILL, lease ${LEASE_SECONDS} s, poll ${POLL_MS} ms, ${KILLS} kills (${process.env.DATABASE_URL ? "DATABASE_URL" : "embedded PostgreSQL"})`,
    );
    console.log(line("  kill → another worker's first call", takeovers));
    console.log(line("  kill → tenant active", resumed));
    await probe.close();
  } finally {
    for (const c of children) await c.kill().catch(() => {});
    await db.close();
    await dbHandle.dispose();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
