import type { Logger } from "pino";
import {
  type ActionResult,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
} from "../provider.js";
import type { RenderClient } from "./client.js";

/**
 * Finding a tenant's object on Render: by its recorded id when there is one, else by its
 * deterministic name in the owner's workspace (following every cursor). Render allows two
 * objects with one name, so the name lookup is what keeps a crash or a timeout after a
 * create from ever producing a second one: the engine looks before it creates again.
 */
export interface Named {
  id: string;
  name: string;
  createdAt?: string;
}

export async function findObject<T extends Named>(
  client: RenderClient,
  resource: RecordedResource,
  options: {
    /** Collection path, e.g. `/postgres`. */
    path: string;
    /** The list items' key (`postgres`, `keyValue`, `service`, `envGroup`). */
    itemKey: string;
    ownerId: string;
    signal?: AbortSignal;
    logger?: Logger;
  },
): Promise<T | undefined> {
  if (resource.providerId) {
    const byId = await client.find<T>(`${options.path}/${encodeURIComponent(resource.providerId)}`, {
      signal: options.signal,
    });
    if (byId) return byId;
    // Recorded but gone (deleted outside Tenantry): fall back to the name, which may
    // find a re-created one; otherwise it does not exist.
  }
  const found = (
    await client.list<T>(
      options.path,
      options.itemKey,
      { name: [resource.externalName], ownerId: [options.ownerId] },
      options.signal,
    )
  ).filter((o) => o.name === resource.externalName);
  if (found.length > 1) {
    options.logger?.warn(
      { resource: resource.key, name: resource.externalName, ids: found.map((o) => o.id) },
      "render: several objects share this name; using the oldest",
    );
  }
  return found.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""))[0];
}

/** The object `find` found, or a retryable error (it may be on its way, or was removed outside Tenantry). */
export function required<T>(found: T | undefined, label: string, name: string): T {
  if (found === undefined) {
    throw new ProviderError(`${label} ${name} does not exist on Render`, {
      retryable: true,
      code: "RENDER_NOT_FOUND",
    });
  }
  return found;
}

/**
 * Deletes the object found for `resource` (a 404 means it is already gone) and confirms
 * it: done once neither its id nor its name finds anything, a wait while Render is still
 * deleting it.
 */
export async function deleteAndConfirm(
  client: RenderClient,
  ctx: ProviderContext,
  resource: RecordedResource,
  options: {
    find: (r: RecordedResource) => Promise<Named | undefined>;
    /** Collection path, e.g. `/services`. */
    path: string;
    label: string;
    pollMs: number;
  },
): Promise<ActionResult> {
  const object = await options.find(resource);
  if (!object) return { state: "done" };
  try {
    await client.request("DELETE", `${options.path}/${encodeURIComponent(object.id)}`, {
      signal: ctx.signal,
    });
  } catch (err) {
    if (!(err instanceof ProviderError && err.code === "RENDER_404")) throw err;
  }
  if (await options.find({ ...resource, providerId: object.id })) {
    return { state: "pending", retryAfterMs: options.pollMs, detail: `${options.label} is being deleted` };
  }
  return { state: "done" };
}
