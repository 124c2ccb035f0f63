import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAuditEntry } from "../src/store/sql/audit.js";
import { insertOrganization } from "../src/store/sql/auth.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/** The database itself keeps the audit log append-only, and the log outlives its organization. */
let testDb: TestDatabase;
let orgId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  orgId = await insertOrganization(testDb.db, { slug: "audited", name: "Audited" });
  await insertAuditEntry(testDb.db, {
    actor: { type: "system" },
    organizationId: orgId,
    requestId: "req-1",
    tenantId: null,
    operationId: null,
    action: "provider.create",
    outcome: "succeeded",
    status: null,
    summary: { resource: "service:web" },
  });
});
afterAll(async () => {
  await testDb?.drop();
});

async function count(): Promise<number> {
  const { rows } = await testDb.db.query<{ n: number }>("select count(*)::int as n from audit_log");
  return rows[0]!.n;
}

describe("audit_log", () => {
  it("refuses UPDATE, DELETE and TRUNCATE", async () => {
    await expect(testDb.db.query("update audit_log set outcome = 'failed'")).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(testDb.db.query("delete from audit_log")).rejects.toThrow(/append-only: DELETE/);
    await expect(testDb.db.query("truncate audit_log")).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await count()).toBe(1);
    const { rows } = await testDb.db.query<{ outcome: string }>("select outcome from audit_log");
    expect(rows[0]!.outcome).toBe("succeeded");
  });

  it("names the engine 'system', and refuses an API key entry without the key's id", async () => {
    const { rows } = await testDb.db.query<{ actor_name: string }>("select actor_name from audit_log");
    expect(rows[0]!.actor_name).toBe("system");
    await expect(
      testDb.db.query(
        "insert into audit_log (id, actor_type, actor_name, organization_id, action, outcome) values (gen_random_uuid(), 'api_key', 'x', $1, 'a', 'succeeded')",
        [orgId],
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it("keeps the entries of an organization that is deleted", async () => {
    await testDb.db.query("delete from organizations where id = $1", [orgId]);
    const { rows } = await testDb.db.query<{ organization_id: string }>(
      "select organization_id from audit_log",
    );
    expect(rows).toEqual([{ organization_id: orgId }]);
  });
});
