import { describe, expect, it } from "vitest";
import type { Principal } from "../src/domain/types.js";
import { OrganizationService } from "../src/services/organization-service.js";
import { useEngineFixture } from "./support/engine-fixture.js";
import { GiveUp, waitFor } from "./support/probe-provider.js";

/**
 * `max_concurrent_operations` is enforced by the claim itself, across worker processes:
 * an organization at its limit gets no more claims (its queued work waits), and another
 * organization's work runs meanwhile, at once.
 */
const engine = useEngineFixture({
  name: "quotas",
  workerEnv: {
    TENANTRY_LEASE_SECONDS: "5",
    TENANTRY_POLL_INTERVAL_MS: "200",
    TENANTRY_RETRY_BASE_MS: "50",
    TENANTRY_RETRY_MAX_MS: "500",
  },
});

const BLUEPRINT = "databases:\n  - name: db\nservices:\n  - name: web\n    type: web\n";
const LIMIT = 2;

async function createTenants(principal: Principal, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { tenant } = await engine.testDb.db.tx((q) =>
      engine.tenants.create(q, principal, {
        name: `${prefix}-${i}`,
        slug: `${prefix}-${i}`,
        blueprint: { source: BLUEPRINT },
        target: "probe",
      }),
    );
    ids.push(tenant.id);
  }
  return ids;
}

/** The most tenants of `ids` that had a provider call in flight at one moment. */
async function maxOverlap(ids: string[]): Promise<number> {
  const { rows } = await engine.testDb.db.query<{ n: number | null }>(
    `select max((select count(distinct c2.tenant_id) from probe.probe_calls c2
                  where c2.tenant_id = any($1::uuid[]) and c2.started_at <= c1.started_at
                    and coalesce(c2.ended_at, 'infinity') > c1.started_at))::int as n
       from probe.probe_calls c1 where c1.tenant_id = any($1::uuid[])`,
    [ids],
  );
  return rows[0]?.n ?? 0;
}

async function runningOf(orgId: string): Promise<number> {
  const { rows } = await engine.testDb.db.query<{ n: number }>(
    "select count(*)::int as n from operations where organization_id = $1 and status = 'running'",
    [orgId],
  );
  return rows[0]?.n ?? 0;
}

async function lastFinish(ids: string[]): Promise<number> {
  const { rows } = await engine.testDb.db.query<{ t: Date }>(
    "select max(finished_at) as t from operations where tenant_id = any($1::uuid[])",
    [ids],
  );
  return rows[0]?.t?.getTime() ?? Number.NaN;
}

describe("max_concurrent_operations", () => {
  it(`keeps an organization at ${LIMIT} running operations across two workers, without holding up another`, {
    timeout: 90_000,
  }, async () => {
    const big = engine.principal;
    const { organization, adminKey } = await engine.testDb.db.tx((q) =>
      new OrganizationService().create(q, big, { slug: "small" }),
    );
    const small: Principal = { apiKeyId: adminKey.key.id, organizationId: organization.id, role: "admin" };
    await engine.testDb.db.query(
      "insert into organization_quotas (organization_id, max_concurrent_operations) values ($1, $2)",
      [big.organizationId, LIMIT],
    );

    const bigIds = await createTenants(big, "big", 6);
    const smallIds = await createTenants(small, "small", 3);
    // Two worker processes with 4 slots each: room for far more than the limit.
    const env = { TENANTRY_WORKER_CONCURRENCY: "4", PROBE_DELAY_MS: "250" };
    await Promise.all([engine.startWorker("Q1", env), engine.startWorker("Q2", env)]);

    let peak = 0;
    await waitFor(
      "every tenant to be active",
      async () => {
        peak = Math.max(peak, await runningOf(big.organizationId));
        if (peak > LIMIT) throw new GiveUp(`the organization had ${peak} operations running`);
        const { rows } = await engine.testDb.db.query<{ n: number; failed: number }>(
          `select count(*) filter (where status = 'active')::int as n,
                  count(*) filter (where status = 'failed')::int as failed
             from tenants where id = any($1::uuid[])`,
          [[...bigIds, ...smallIds]],
        );
        if (rows[0]?.failed) throw new GiveUp(`${rows[0].failed} tenants failed`);
        return rows[0]?.n === bigIds.length + smallIds.length;
      },
      { timeoutMs: 60_000, intervalMs: 25 },
    );

    expect(peak).toBeLessThanOrEqual(LIMIT);
    // Provider calls are made only while an operation is claimed: never more than the
    // limit of the organization's tenants at once, and the limit was used.
    expect(await maxOverlap(bigIds)).toBe(LIMIT);
    // The unlimited organization ran its three at once, and finished before the big one.
    expect(await maxOverlap(smallIds)).toBe(smallIds.length);
    expect(await lastFinish(smallIds)).toBeLessThan(await lastFinish(bigIds));
  });
});
