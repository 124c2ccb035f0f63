import {
  createdAfterRule,
  findOwned,
  deleteAndConfirm as kitDeleteAndConfirm,
  findByName as kitFindByName,
  markerRule,
  type Named,
  type NameMatches,
  type OwnedCollection,
} from "../kit/index.js";
import {
  type ActionResult,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../provider.js";
import type { RenderClient } from "./client.js";

/**
 * Finding a tenant's object on Render, and only the tenant's, with the kit's ownership
 * rules (`providers/kit/owned-objects.ts`). An object is the tenant's when Tenantry
 * recorded its id, or when it is **provably** the tenant's: it has the tenant's unique
 * name and
 *
 * - carries the tenant's ownership marker (the `TENANTRY_OWNER` env var of services and
 *   env groups), or, for kinds Render gives no free-form field (Postgres, Key Value),
 * - was created no earlier than the engine asked for it ({@link CLOCK_SKEW_MS} allowed).
 *
 * Render allows two objects with one name, so a name lookup is what keeps a crash or a
 * timeout after a create from producing a second object; it happens only when no id was
 * recorded (a create whose outcome is unknown). A recorded id that answers 404 means the
 * object is gone: its name is never looked up then. See docs/render.md ("Ownership").
 */
export type { Named, NameMatches } from "../kit/index.js";

/** The env var that carries the ownership marker, on the kinds that have env vars. */
export const OWNER_ENV_KEY = "TENANTRY_OWNER";

/**
 * How far Render's clock (an object's `createdAt`) may be behind Tenantry's database
 * clock (`createRequestedAt`) for an object without a marker to count as the tenant's.
 * Both are NTP-synchronised servers, normally within a second; two minutes absorb a
 * badly drifting host without letting in an object made well before the tenant asked.
 */
export const CLOCK_SKEW_MS = 2 * 60_000;

/** One kind's collection on Render, and how its objects are proven the tenant's. */
export interface Collection<T extends Named> {
  client: RenderClient;
  /** Collection path, e.g. `/postgres`. */
  path: string;
  /** The list items' key (`postgres`, `keyValue`, `service`, `envGroup`). */
  itemKey: string;
  ownerId: string;
  /** What the kind is called in messages: `service`, `database`… */
  label: string;
  /**
   * The ownership marker text `object` carries, `undefined` when it carries none. Unset for
   * kinds that cannot carry one: their objects are proven by name and creation time.
   */
  marker?: (ctx: ProviderContext, object: T) => Promise<string | undefined>;
}

const itemPath = (c: Pick<Collection<Named>, "path">, id: string) => `${c.path}/${encodeURIComponent(id)}`;

/** The kit's view of a Render collection: get, list by name in the workspace, delete, and its ownership rule. */
function owned<T extends Named>(c: Collection<T>): OwnedCollection<T> {
  return {
    label: c.label,
    platform: "render",
    get: (ctx, id) => c.client.find<T>(itemPath(c, id), { ctx }),
    list: (ctx, name) => c.client.list<T>(c.path, c.itemKey, { name: [name], ownerId: [c.ownerId] }, ctx),
    remove: (ctx, id) => c.client.request("DELETE", itemPath(c, id), { ctx }),
    owned: c.marker ? markerRule(OWNER_ENV_KEY, c.marker) : createdAfterRule("Render", CLOCK_SKEW_MS),
  };
}

/** The object with this id, `undefined` when Render answers 404 (gone). */
export function findById<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  id: string,
): Promise<T | undefined> {
  return owned(c).get(ctx, id);
}

/**
 * Why `object`, which has `r`'s name, is not provably the tenant's; `undefined` when it is.
 * Reasons never quote another tenant's marker.
 */
export function notOurs<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
  object: T,
): Promise<string | undefined> {
  return owned(c).owned(ctx, r, object);
}

export function findByName<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<NameMatches<T>> {
  return kitFindByName(owned(c), ctx, r);
}

/**
 * The tenant's object for `r`, or `undefined` when it does not exist: by its recorded id
 * (a 404 means gone, deleted outside Tenantry), else by its name, only if provably the
 * tenant's (several: the oldest). When only objects that are not provably the tenant's
 * have the name, the action fails for good (`NAME_TAKEN`).
 */
export function findObject<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<T | undefined> {
  return findOwned(owned(c), ctx, r);
}

/**
 * The object {@link findObject} found, or a retryable error: a recorded object that is
 * gone was deleted outside Tenantry; an unrecorded one may still be on its way.
 */
export function required<T>(found: T | undefined, label: string, r: RecordedResource): T {
  if (found === undefined) {
    throw new ProviderError(
      r.providerId
        ? `${label} ${r.externalName} (${r.providerId}) no longer exists on Render (deleted outside Tenantry?)`
        : `${label} ${r.externalName} does not exist on Render`,
      { retryable: true, code: "RENDER_NOT_FOUND" },
    );
  }
  return found;
}

/**
 * Deletes the tenant's object for `r` and confirms it gone (a 404 by its id), by the
 * kit's `deleteAndConfirm`: only by the recorded id when there is one; otherwise the
 * provably-ours objects with the name, leaving others alone (said in the log).
 */
export function deleteAndConfirm<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
  options: { pollMs: number },
): Promise<ActionResult> {
  return kitDeleteAndConfirm(owned(c), ctx, r, options);
}
