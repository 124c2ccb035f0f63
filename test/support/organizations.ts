import type { Role } from "../../src/domain/types.js";
import { sha256 } from "../../src/lib/crypto.js";
import { insertApiKey, insertOrganization } from "../../src/store/sql/auth.js";
import type { TestApp } from "./app.js";

/**
 * Another organization with a key of `role`, made through the store (the platform API for
 * organizations is not what these tests are about). Returns its id and the key.
 */
export async function addOrganization(
  t: TestApp,
  slug: string,
  role: Role = "admin",
): Promise<{ id: string; key: string }> {
  const id = await insertOrganization(t.app.db, { slug, name: `Org ${slug}` });
  const key = `tnt_${slug}_${role}_key_0123456789abcdefghijklmnop`;
  await insertApiKey(t.app.db, {
    organizationId: id,
    name: `${slug}-${role}`,
    role,
    keyHash: sha256(key),
    keyPrefix: key.slice(0, 12),
  });
  return { id, key };
}

/** A key of `role` for the organization the test app bootstrapped (the admin key's). */
export async function addKey(t: TestApp, organizationId: string, role: Role): Promise<string> {
  const key = `tnt_extra_${role}_${organizationId.slice(0, 8)}_0123456789abcdefghij`;
  await insertApiKey(t.app.db, {
    organizationId,
    name: `extra-${role}`,
    role,
    keyHash: sha256(key),
    keyPrefix: key.slice(0, 12),
  });
  return key;
}
