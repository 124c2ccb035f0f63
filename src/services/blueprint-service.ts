import { TenantryError } from "../domain/errors.js";
import type { Blueprint } from "../domain/types.js";
import type { Db, Queryable } from "../store/db.js";
import { findBlueprint, listBlueprints, putBlueprintVersion } from "../store/sql/blueprints.js";
import type { QuotaService } from "./quota-service.js";

/**
 * A version of the organization's blueprint `name` (its latest when `version` is omitted);
 * 404 `BLUEPRINT_NOT_FOUND` otherwise.
 */
export async function getBlueprint(
  q: Queryable,
  organizationId: string,
  name: string,
  version?: number,
): Promise<Blueprint> {
  const found = await findBlueprint(q, organizationId, name, version);
  if (!found)
    throw new TenantryError("BLUEPRINT_NOT_FOUND", `no blueprint ${name}${version ? `@${version}` : ""}`);
  return found;
}

/** The latest version of every blueprint of the organization. */
export function latestBlueprints(q: Queryable, organizationId: string): Promise<Blueprint[]> {
  return listBlueprints(q, organizationId);
}

/**
 * Stores `source` (already validated) as the next version of blueprint `name`, in its own
 * transaction; content identical to the latest version returns that one (`created: false`).
 */
export function pushBlueprintVersion(
  db: Db,
  organizationId: string,
  name: string,
  source: string,
  /** Checks `max_blueprints` when the name is new. */
  quotas?: QuotaService,
): Promise<{ blueprint: Blueprint; created: boolean }> {
  return db.tx(async (q) => {
    const onNewName = await quotas?.beforeBlueprintPush(q, organizationId);
    return putBlueprintVersion(q, organizationId, name, source, onNewName);
  });
}
