import { describe, expect, it } from "vitest";
import { useEngineFixture } from "./support/engine-fixture.js";
import { probeCalls, waitFor } from "./support/probe-provider.js";

/**
 * A pass that kills its process every time (out of memory, SIGKILL) is not retried
 * forever: after the operation's attempts, the tenant fails and says why.
 */

const LEASE_SECONDS = 1;

const engine = useEngineFixture({
  name: "deaths",
  workerEnv: {
    TENANTRY_LEASE_SECONDS: String(LEASE_SECONDS),
    TENANTRY_POLL_INTERVAL_MS: "100",
    TENANTRY_WORKER_CONCURRENCY: "2",
    TENANTRY_RETRY_BASE_MS: "20",
    TENANTRY_RETRY_MAX_MS: "100",
    // The create of database:main never returns: the process is killed in it.
    PROBE_HANG_KEY: "database:main",
  },
});

describe("workers that keep dying", () => {
  it("fail the tenant after max attempts with the step the workers died in", async () => {
    const { tenant, operation } = await engine.testDb.db.tx((q) =>
      engine.tenants.create(q, engine.principal, {
        name: "doomed",
        slug: "doomed",
        blueprint: { source: "databases:\n  - name: main\n" },
        target: "probe",
      }),
    );
    await engine.testDb.db.query("update operations set max_attempts = 2 where id = $1", [operation.id]);

    for (const name of ["first", "second"]) {
      const child = await engine.startWorker(name);
      await waitFor(
        `${name} worker to start the create`,
        async () =>
          (await probeCalls(engine.testDb.db, { tenantId: tenant.id, action: "create", worker: name }))
            .length > 0,
        { timeoutMs: 20_000 },
      );
      await child.kill();
    }
    await engine.startWorker("third");
    const failed = await waitFor(
      "the tenant to fail",
      async () => {
        const { rows } = await engine.testDb.db.query<{ status: string; error_message: string | null }>(
          "select status, error_message from tenants where id = $1",
          [tenant.id],
        );
        return rows[0]?.status === "failed" ? rows[0] : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(failed.error_message).toBe(
      'the worker died 2 times while running "create database:main"; not retried again (see the worker\'s logs: out of memory? killed?)',
    );
    const { rows } = await engine.testDb.db.query<{
      status: string;
      error_code: string;
      lost_claims: number;
    }>("select status, error_code, lost_claims from operations where id = $1", [operation.id]);
    expect(rows[0]).toEqual({ status: "failed", error_code: "WORKER_DIED", lost_claims: 2 });
    // The third worker never called the platform for it.
    expect(await probeCalls(engine.testDb.db, { tenantId: tenant.id, worker: "third" })).toEqual([]);
  });
});
