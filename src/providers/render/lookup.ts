import { isOwnerMarkerText, nameTaken, ownerMarker } from "../ownership.js";
import {
  type ActionResult,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../provider.js";
import type { RenderClient } from "./client.js";

/**
 * Finding a tenant's object on Render, and only the tenant's. An object is the tenant's
 * when Tenantry recorded its id, or when it is **provably** the tenant's: it has the
 * tenant's unique name and
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
export interface Named {
  id: string;
  name: string;
  createdAt?: string;
}

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

/** The object with this id, `undefined` when Render answers 404 (gone). */
export function findById<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  id: string,
): Promise<T | undefined> {
  return c.client.find<T>(itemPath(c, id), { ctx });
}

/**
 * Why `object`, which has `r`'s name, is not provably the tenant's; `undefined` when it is.
 * Reasons never quote another tenant's marker.
 */
export async function notOurs<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
  object: T,
): Promise<string | undefined> {
  if (c.marker) {
    const text = await c.marker(ctx, object);
    if (isOwnerMarkerText(text, ownerMarker(ctx))) return undefined;
    if (text === undefined) return `it has no ${OWNER_ENV_KEY} ownership marker`;
    return text.trim().startsWith("tenantry:")
      ? `its ${OWNER_ENV_KEY} marker is another tenant's`
      : `its ${OWNER_ENV_KEY} is not a Tenantry ownership marker`;
  }
  const requested = r.createRequestedAt ? new Date(r.createRequestedAt).getTime() : Number.NaN;
  if (!Number.isFinite(requested)) return "Tenantry has no record of when it asked Render for it";
  const created = Date.parse(object.createdAt ?? "");
  if (!Number.isFinite(created)) return "Render reports no creation time for it";
  if (created < requested - CLOCK_SKEW_MS) {
    return `it was created at ${new Date(created).toISOString()}, before this tenant asked for it at ${new Date(requested).toISOString()}`;
  }
  return undefined;
}

/** The objects with `r`'s name: the tenant's (oldest first), and the others with why. */
export interface NameMatches<T> {
  ours: T[];
  others: { object: T; why: string }[];
}

export async function findByName<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<NameMatches<T>> {
  const found = (
    await c.client.list<T>(c.path, c.itemKey, { name: [r.externalName], ownerId: [c.ownerId] }, ctx)
  ).filter((o) => o.name === r.externalName);
  const ours: T[] = [];
  const others: { object: T; why: string }[] = [];
  for (const object of found) {
    ctx.throwIfAborted();
    const why = await notOurs(c, ctx, r, object);
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
export async function findObject<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  r: RecordedResource,
): Promise<T | undefined> {
  if (r.providerId) return findById(c, ctx, r.providerId);
  const { ours, others } = await findByName(c, ctx, r);
  const oldest = ours[0];
  for (const { object, why } of others) {
    ctx.logger.warn(
      { resource: r.key, name: r.externalName, id: object.id, why },
      `render: ${c.label} ${object.name} (${object.id}) has this tenant's name but is not its own; left alone`,
    );
  }
  if (oldest) {
    if (ours.length > 1) {
      ctx.logger.warn(
        { resource: r.key, name: r.externalName, ids: ours.map((o) => o.id) },
        "render: several of this tenant's objects share this name; using the oldest",
      );
    }
    return oldest;
  }
  const first = others[0];
  if (first) throw nameTaken(c.label, r.externalName, first.object.id, first.why);
  return undefined;
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

/** DELETE by id; a 404 means it is already gone. */
async function deleteById<T extends Named>(
  c: Collection<T>,
  ctx: ProviderContext,
  id: string,
): Promise<void> {
  try {
    await c.client.request("DELETE", itemPath(c, id), { ctx });
  } catch (err) {
    if (!(err instanceof ProviderError && err.code === "RENDER_404")) throw err;
  }
}

/**
 * Deletes the tenant's object for `r` and confirms it gone (a 404 by its id); a wait
 * while Render is still deleting it. Only by the recorded id: a 404 by it is done, and the
 * name is never looked up then. Without a recorded id (a create whose outcome is unknown)
 * the provably-ours objects with the name are deleted; others with the name are left
 * alone, saying so in the log.
 */
export async function deleteAndConfirm<T extends Named>(
  c: Collection<T>,
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
    await deleteById(c, ctx, r.providerId);
    ctx.throwIfAborted();
    return (await findById(c, ctx, r.providerId)) ? pending(r.providerId) : { state: "done" };
  }
  const { ours, others } = await findByName(c, ctx, r);
  for (const { object, why } of others) {
    ctx.logger.warn(
      { resource: r.key, name: r.externalName, id: object.id, why },
      `render: not deleting ${c.label} ${object.name} (${object.id}): it has this tenant's name but is not its own`,
    );
  }
  for (const object of ours) {
    ctx.throwIfAborted();
    await deleteById(c, ctx, object.id);
  }
  for (const object of ours) {
    ctx.throwIfAborted();
    if (await findById(c, ctx, object.id)) return pending(object.id);
  }
  return { state: "done" };
}
