import type { Logger } from "pino";
import type { RecordedResource } from "../provider.js";
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
