import type { Blueprint } from "../../domain/types.js";
import { sha256 } from "../../lib/crypto.js";
import { newId } from "../../lib/ids.js";
import type { Queryable } from "../db.js";
import { toBlueprint } from "./rows.js";

/**
 * Stores `source` as the next version of blueprint `name`; identical content to the
 * latest version returns that version instead. Call inside a transaction.
 */
export async function putBlueprintVersion(
  q: Queryable,
  organizationId: string,
  name: string,
  source: string,
  /** Runs (and may throw) before the first version of a new name is stored: the quota check. */
  onNewName?: () => Promise<void>,
): Promise<{ blueprint: Blueprint; created: boolean }> {
  const digest = sha256(source);
  // Fast path without a lock: the content is already the latest version (the common
  // case for inline blueprints sent with every create).
  const known = await q.query(
    "select * from blueprints where organization_id = $1 and name = $2 order by version desc limit 1",
    [organizationId, name],
  );
  if (known.rows[0] && known.rows[0].digest === digest)
    return { blueprint: toBlueprint(known.rows[0]), created: false };
  // Serialise version numbering per blueprint name.
  await q.query("select pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))", [organizationId, name]);
  const latest = await q.query(
    "select * from blueprints where organization_id = $1 and name = $2 order by version desc limit 1",
    [organizationId, name],
  );
  const current = latest.rows[0] ? toBlueprint(latest.rows[0]) : null;
  if (current && current.digest === digest) return { blueprint: current, created: false };
  if (!current) await onNewName?.();
  const { rows } = await q.query(
    `insert into blueprints (id, organization_id, name, version, source, digest)
     values ($1, $2, $3, $4, $5, $6) returning *`,
    [newId(), organizationId, name, (current?.version ?? 0) + 1, source, digest],
  );
  return { blueprint: toBlueprint(rows[0]), created: true };
}

/** A version of a blueprint, or its latest when `version` is omitted. */
export async function findBlueprint(
  q: Queryable,
  organizationId: string,
  name: string,
  version?: number,
): Promise<Blueprint | null> {
  const { rows } = await q.query(
    `select * from blueprints where organization_id = $1 and name = $2 and ($3::int is null or version = $3)
     order by version desc limit 1`,
    [organizationId, name, version ?? null],
  );
  return rows[0] ? toBlueprint(rows[0]) : null;
}

export async function getBlueprintById(q: Queryable, id: string): Promise<Blueprint | null> {
  const { rows } = await q.query("select * from blueprints where id = $1", [id]);
  return rows[0] ? toBlueprint(rows[0]) : null;
}

/** The latest version of every blueprint of the organization. */
export async function listBlueprints(q: Queryable, organizationId: string): Promise<Blueprint[]> {
  const { rows } = await q.query(
    `select distinct on (name) * from blueprints where organization_id = $1 order by name, version desc`,
    [organizationId],
  );
  return rows.map(toBlueprint);
}
