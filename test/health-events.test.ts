import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyHealthEvent } from "../src/services/health-events.js";
import { ADMIN_KEY, startTestApp, type TestApp } from "./support/app.js";

let t: TestApp;
const logger = pino({ level: "silent" });

async function tenantStatus(id: string) {
  const { rows } = await t.app.db.query<{ status: string; error_message: string | null }>(
    "select status, error_message from tenants where id = $1",
    [id],
  );
  return rows[0]!;
}

beforeAll(async () => {
  t = await startTestApp({ workers: false });
});
afterAll(async () => {
  await t?.close();
});

describe("health events", () => {
  it("degrades an active tenant while any resource is unhealthy, and heals it when all are healthy again", async () => {
    const res = await t.app.http!.inject({
      method: "POST",
      url: "/v1/tenants",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      payload: JSON.stringify({ name: "Wobbly", blueprint: { source: "databases: []\n" } }),
    });
    const id = res.json().tenant.id as string;
    await t.app.db.query("update operations set status = 'succeeded' where tenant_id = $1", [id]);
    await t.app.db.query("update tenants set status = 'active' where id = $1", [id]);
    const unhealthy = new Map<string, Set<string>>();
    const event = (resourceKey: string, healthy: boolean) =>
      applyHealthEvent(
        t.app.db,
        { tenantId: id, resourceKey, healthy, reason: `${resourceKey} ${healthy ? "up" : "crash-looping"}` },
        unhealthy,
        logger,
      );

    await event("service:web", false);
    expect(await tenantStatus(id)).toEqual({
      status: "degraded",
      error_message: "service:web crash-looping",
    });
    await event("service:jobs", false);
    await event("service:web", true);
    expect((await tenantStatus(id)).status).toBe("degraded");
    await event("service:jobs", true);
    expect(await tenantStatus(id)).toEqual({ status: "active", error_message: null });

    // A tenant in the middle of an operation is left to it.
    await t.app.db.query("update tenants set status = 'updating' where id = $1", [id]);
    await event("service:web", false);
    expect((await tenantStatus(id)).status).toBe("updating");

    const { rows } = await t.app.db.query<{ message: string }>(
      "select message from events where tenant_id = $1 and type = 'tenant.status_changed' order by id",
      [id],
    );
    expect(rows.map((r) => r.message)).toEqual([
      "active → degraded: service:web crash-looping",
      "degraded → active: service:jobs up",
    ]);
  });
});
