import { resolveEnv } from "../env.js";
import { ownerMarker, ownerMarkerText } from "../ownership.js";
import {
  ABSENT,
  type ActionResult,
  type ProviderContext,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import type { RenderClient } from "./client.js";
import { type Collection, deleteAndConfirm, findObject, OWNER_ENV_KEY, required } from "./lookup.js";

/**
 * A blueprint's env var group as a Render env group (`/env-groups`), with its variables
 * as literal values (generated ones from the tenant's sealed secrets). The services that
 * use it link to it (see the service driver). An update sets each variable
 * (`PUT …/env-vars/{key}`) and removes the ones the blueprint dropped.
 *
 * Every group also carries the tenant's ownership marker as the variable
 * `TENANTRY_OWNER` (set at create, kept by every update): a group whose id was never
 * recorded is adopted only when it carries this tenant's marker.
 */

interface EnvGroup {
  id: string;
  name: string;
  createdAt?: string;
  envVars?: { key: string; value: string }[];
  serviceLinks?: { id: string }[];
}

export interface EnvGroupDriverOptions {
  client: RenderClient;
  ownerId: string;
}

export function createEnvGroupDriver(options: EnvGroupDriverOptions): ResourceDriver<"envgroup"> {
  const { client, ownerId } = options;
  const item = (id: string) => `/env-groups/${encodeURIComponent(id)}`;

  const collection: Collection<EnvGroup> = {
    client,
    path: "/env-groups",
    itemKey: "envGroup",
    ownerId,
    label: "env group",
    marker: async (ctx, group) =>
      (await client.get<EnvGroup>(item(group.id), { ctx })).envVars?.find((v) => v.key === OWNER_ENV_KEY)
        ?.value,
  };
  const find = (ctx: ProviderContext, r: RecordedResource<"envgroup">) => findObject(collection, ctx, r);

  /** The blueprint's variables, and the ownership marker (which no blueprint variable overrides). */
  const values = (ctx: ProviderContext, r: RecordedResource<"envgroup">): Record<string, string> => ({
    ...resolveEnv(ctx, r.spec.envVars),
    [OWNER_ENV_KEY]: ownerMarkerText(ownerMarker(ctx)),
  });

  const done = (group: EnvGroup, keys: string[]): ActionResult => ({
    state: "done",
    providerId: group.id,
    outputs: { id: group.id, name: group.name, keys: keys.filter((k) => k !== OWNER_ENV_KEY) },
  });

  /** Makes the group's variables exactly `want`. */
  async function converge(
    ctx: ProviderContext,
    group: EnvGroup,
    want: Record<string, string>,
  ): Promise<ActionResult> {
    const full = await client.get<EnvGroup>(item(group.id), { ctx });
    const have = new Map((full.envVars ?? []).map((v) => [v.key, v.value]));
    for (const [key, value] of Object.entries(want)) {
      if (have.get(key) === value) continue;
      ctx.throwIfAborted();
      await client.request("PUT", `${item(group.id)}/env-vars/${encodeURIComponent(key)}`, {
        body: { value },
        ctx,
      });
    }
    for (const key of have.keys()) {
      if (key in want) continue;
      ctx.throwIfAborted();
      await client.request("DELETE", `${item(group.id)}/env-vars/${encodeURIComponent(key)}`, { ctx });
    }
    return done(group, Object.keys(want));
  }

  async function current(ctx: ProviderContext, r: RecordedResource<"envgroup">): Promise<EnvGroup> {
    return required(await find(ctx, r), "env group", r);
  }

  return {
    async observe(ctx, r) {
      const group = await find(ctx, r);
      return group
        ? { providerId: group.id, state: "ready", outputs: { id: group.id, name: group.name } }
        : ABSENT;
    },

    async apply(ctx, r, observed) {
      const id = observed?.providerId ?? r.providerId;
      // Found or recorded: make its variables exactly the blueprint's.
      if (id !== null) return converge(ctx, await current(ctx, { ...r, providerId: id }), values(ctx, r));
      const want = values(ctx, r);
      const group = await client.request<EnvGroup>("POST", "/env-groups", {
        body: {
          name: r.externalName,
          ownerId,
          envVars: Object.entries(want).map(([key, value]) => ({ key, value })),
        },
        ctx,
      });
      return done(group, Object.keys(want));
    },

    delete: (ctx, r) => deleteAndConfirm(collection, ctx, r, { pollMs: 2000 }),
  };
}
