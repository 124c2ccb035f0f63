import { randomUUID } from "node:crypto";
import type { Queryable } from "../db.js";

/**
 * The installation id: generated once, at the first start on an empty database, and kept
 * in `settings`. It goes into every platform name the installation makes (see
 * `src/domain/naming.ts`), so two Tenantry installations sharing one platform
 * account never produce the same name. A database restored from a backup keeps it.
 */
export async function ensureInstallationId(q: Queryable): Promise<string> {
  await q.query(
    "insert into settings (key, value) values ('installation_id', $1) on conflict (key) do nothing",
    [randomUUID()],
  );
  const id = await readInstallationId(q);
  if (!id) throw new Error("the installation id could not be recorded");
  return id;
}

/** The recorded installation id, or undefined before the first start. */
export async function readInstallationId(q: Queryable): Promise<string | undefined> {
  const { rows } = await q.query<{ value: string }>(
    "select value from settings where key = 'installation_id'",
  );
  return rows[0]?.value;
}
