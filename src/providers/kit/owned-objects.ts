import { isOwnerMarkerText, nameTaken, ownerMarker } from "../ownership.js";
import type { ActionResult, ProviderContext, RecordedResource } from "../provider.js";
import { isNotFound } from "./http-client.js";

/**
 * Finding a tenant's object on a platform, and only the tenant's; deleting it and
 * confirming it gone. An object is the tenant's when Tenantry recorded its id, or when it
 * is **provably** the tenant's: it has the tenant's deterministic name and passes the
 * platform's ownership rule — it carries the tenant's ownership marker
 * ({@link markerRule}), or, where the platform gives no free-form field, it was created no
 * earlier than the engine asked for it ({@link createdAfterRule}).
 *
 * A name lookup happens only when no id was recorded (a create whose outcome is unknown):
 * it is what keeps a crash or a timeout after a create from producing a second object on
 * platforms that allow two objects with one name. A recorded id that answers 404 means the
 * object is gone: its name is never looked up then. See docs/operations.md ("Ownership of
 * platform objects").
 */

/** An object on the platform: its id, its name and, when the platform says, when it was made (ISO). */
export interface Named {
  id: string;
  name: string;
  createdAt?: string;
}

/** Why `object` is not provably the tenant's, `undefined` when it is. Never quotes another tenant's marker. */
export type OwnershipRule<T extends Named> = (
  ctx: ProviderContext,
  r: RecordedResource,
  object: T,
) => Promise<string | undefined>;

/** One kind's objects on a platform, and how its objects are proven the tenant's. */
export interface OwnedCollection<T extends Named> {
  /** What the kind is called in messages: `service`, `database`… */
  label: string;
  /** The platform's name in log lines: `render`. */
  platform: string;
  /** The object with this id; `undefined` when the platform says it does not exist (404). */
  get(ctx: ProviderContext, id: string): Promise<T | undefined>;
  /** The objects that may have this name (a filtered list, every page); exact matches are kept. */
  list(ctx: ProviderContext, name: string): Promise<T[]>;
  /**
   * Deletes by id. A 404/410 (an {@link HttpApiError}, see `isNotFound`) or `false` means
   * it was already gone; both count as deleted.
   */
  remove(ctx: ProviderContext, id: string): Promise<unknown>;
  owned: OwnershipRule<T>;
}

/**
 * The rule for kinds that carry the ownership marker text (an env var, a label, a tag):
 * `read` answers the marker text the object carries, `undefined` when it carries none.
 * `field` names where it lives in messages (`TENANTRY_OWNER`).
 */
export function markerRule<T extends Named>(
  field: string,
  read: (ctx: ProviderContext, object: T) => Promise<string | undefined>,
): OwnershipRule<T> {
  return async (ctx, _r, object) => {
    const text = await read(ctx, object);
    if (isOwnerMarkerText(text, ownerMarker(ctx))) return undefined;
    if (text === undefined) return `it has no ${field} ownership marker`;
    return text.trim().startsWith("tenantry:")
      ? `its ${field} marker is another tenant's`
      : `its ${field} is not a Tenantry ownership marker`;
  };
}

/**
 * The rule for kinds that cannot carry a marker: the object was created (its `createdAt`)
 * no earlier than `skewMs` before the engine asked for it (`createRequestedAt`).
 * `platform` names the platform in messages (`Render`).
 */
export function createdAfterRule<T extends Named>(platform: string, skewMs: number): OwnershipRule<T> {
  return async (_ctx, r, object) => {
    const requested = r.createRequestedAt ? new Date(r.createRequestedAt).getTime() : Number.NaN;
    if (!Number.isFinite(requested)) return `Tenantry has no record of when it asked ${platform} for it`;
    const created = Date.parse(object.createdAt ?? "");
    if (!Number.isFinite(created)) return `${platform} reports no creation time for it`;
    if (created < requested - skewMs) {
      return `it was created at ${new Date(created).toISOString()}, before this tenant asked for it at ${new Date(requested).toISOString()}`;
    }
    return undefined;
  };
}

/** The objects with `r`'s name: the tenant's (oldest first), and the others with why. */
export interface NameMatches<T> {
  ours: T[];
  others: { object: T; why: string }[];
}

/** Every object with `r`'s deterministic name (`externalName`), sorted into the tenant's and the others. */
export async function findByName<T extends Named>(
  c: OwnedCollection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<NameMatches<T>> {
  const found = (await c.list(ctx, r.externalName)).filter((o) => o.name === r.externalName);
  const ours: T[] = [];
  const others: { object: T; why: string }[] = [];
  for (const object of found) {
    ctx.throwIfAborted();
    const why = await c.owned(ctx, r, object);
    if (why === undefined) ours.push(object);
    else others.push({ object, why });
  }
  ours.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  return { ours, others };
}

/**
 * The tenant's object for `r`, or `undefined` when it does not exist: by its recorded id
 * (a 404 means gone, deleted outside Tenantry), else by its name, only if provably the
 * tenant's (several: the oldest). When only objects that are not provably the tenant's
 * have the name, the action fails for good (`NAME_TAKEN`): they are never adopted,
 * changed or deleted.
 */
export async function findOwned<T extends Named>(
  c: OwnedCollection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<T | undefined> {
  if (r.providerId) return c.get(ctx, r.providerId);
  const { ours, others } = await findByName(c, ctx, r);
  const oldest = ours[0];
  for (const { object, why } of others) {
    ctx.logger.warn(
      { resource: r.key, name: r.externalName, id: object.id, why },
      `${c.platform}: ${c.label} ${object.name} (${object.id}) has this tenant's name but is not its own; left alone`,
    );
  }
  if (oldest) {
    if (ours.length > 1) {
      ctx.logger.warn(
        { resource: r.key, name: r.externalName, ids: ours.map((o) => o.id) },
        `${c.platform}: several of this tenant's objects share this name; using the oldest`,
      );
    }
    return oldest;
  }
  const first = others[0];
  if (first) throw nameTaken(c.label, r.externalName, first.object.id, first.why);
  return undefined;
}

/** Deletes by id; a 404/410 means it is already gone. */
async function removeById<T extends Named>(c: OwnedCollection<T>, ctx: ProviderContext, id: string) {
  try {
    await c.remove(ctx, id);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Deletes the tenant's object for `r` and confirms it gone (`get` by its id answers
 * `undefined`); `pending` (look again after `pollMs`) while the platform is still deleting
 * it. Only by the recorded id: a 404 by it is done, and the name is never looked up then.
 * Without a recorded id (a create whose outcome is unknown) the provably-ours objects with
 * the name are deleted; others with the name are left alone, saying so in the log.
 */
export async function deleteAndConfirm<T extends Named>(
  c: OwnedCollection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
  options: { pollMs: number },
): Promise<ActionResult> {
  const pending = (id: string): ActionResult => ({
    state: "pending",
    retryAfterMs: options.pollMs,
    providerId: id,
    detail: `${c.label} is being deleted`,
  });
  if (r.providerId) {
    await removeById(c, ctx, r.providerId);
    ctx.throwIfAborted();
    return (await c.get(ctx, r.providerId)) ? pending(r.providerId) : { state: "done" };
  }
  const { ours, others } = await findByName(c, ctx, r);
  for (const { object, why } of others) {
    ctx.logger.warn(
      { resource: r.key, name: r.externalName, id: object.id, why },
      `${c.platform}: not deleting ${c.label} ${object.name} (${object.id}): it has this tenant's name but is not its own`,
    );
  }
  for (const object of ours) {
    ctx.throwIfAborted();
    await removeById(c, ctx, object.id);
  }
  for (const object of ours) {
    ctx.throwIfAborted();
    if (await c.get(ctx, object.id)) return pending(object.id);
  }
  return { state: "done" };
}
