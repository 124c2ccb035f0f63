import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../src/lib/crypto.js";
import { loadMigrations } from "../src/store/migrations.js";
import { insertApiKey, insertOrganization } from "../src/store/sql/auth.js";
import { createTestDatabase, type TestDatabase } from "./support/db.js";

/**
 * Migration 0006 on an installation from before it: the bootstrap key becomes the
 * platform admin when there is a single organization, and none is promoted otherwise.
 */
let d: TestDatabase;
let promote: string;

beforeAll(async () => {
  d = await createTestDatabase();
  const m = (await loadMigrations()).find((x) => x.version === 6);
  const statement = /update api_keys set role = 'platform_admin'[^;]*;/s.exec(m?.sql ?? "")?.[0];
  if (!statement) throw new Error("migration 0006 has no promotion statement");
  promote = statement;
});
afterAll(async () => {
  await d?.drop();
});

async function bootstrapKey(orgId: string, name = "admin (bootstrap)"): Promise<string> {
  return insertApiKey(d.db, {
    organizationId: orgId,
    name,
    role: "admin",
    keyHash: sha256(`${name}-${orgId}`),
    keyPrefix: "tnt_xxxxxxxx",
  });
}
const roleOf = async (id: string) =>
  (await d.db.query<{ role: string }>("select role from api_keys where id = $1", [id])).rows[0]?.role;

describe("migration 0006", () => {
  it("promotes the bootstrap key of a single-organization installation, and no other key", async () => {
    const org = await insertOrganization(d.db, { slug: "default", name: "Default organization" });
    const boot = await bootstrapKey(org);
    const other = await bootstrapKey(org, "ci");
    await d.db.query(promote);
    expect(await roleOf(boot)).toBe("platform_admin");
    expect(await roleOf(other)).toBe("admin");
  });

  it("promotes none when there are several organizations", async () => {
    const second = await insertOrganization(d.db, { slug: "acme", name: "Acme" });
    const boot = await bootstrapKey(second);
    await d.db.query(promote);
    expect(await roleOf(boot)).toBe("admin");
  });
});
