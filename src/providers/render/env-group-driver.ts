import type { Logger } from "pino";
import type { EnvBinding } from "../../blueprints/render.js";
import { resolveEnv } from "../env.js";
import type { ActionResult, ProviderContext, RecordedResource, ResourceDriver } from "../provider.js";
import type { RenderClient } from "./client.js";
import { deleteAndConfirm, findObject, required } from "./lookup.js";

/**
 * A blueprint's env var group as a Render env group (`/env-groups`), with its variables
 * as literal values (generated ones from the tenant's sealed secrets). The services that
 * use it link to it (see the service driver). An update sets each variable
 * (`PUT …/env-vars/{key}`) and removes the ones the blueprint dropped.
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
  logger?: Logger;
}

export function createEnvGroupDriver(options: EnvGroupDriverOptions): ResourceDriver {
  const { client, ownerId } = options;
  const item = (id: string) => `/env-groups/${encodeURIComponent(id)}`;

  const find = (ctx: ProviderContext, r: RecordedResource) =>
    findObject<EnvGroup>(client, r, {
      path: "/env-groups",
      itemKey: "envGroup",
      ownerId,
      signal: ctx.signal,
      logger: options.logger,
    });

  const values = (ctx: ProviderContext, r: RecordedResource) =>
    resolveEnv(ctx, (r.spec["envVars"] as EnvBinding[] | undefined) ?? []);

  const done = (group: EnvGroup, keys: string[]): ActionResult => ({
    state: "done",
    providerId: group.id,
    outputs: { id: group.id, name: group.name, keys },
  });

  /** Makes the group's variables exactly `want`. */
  async function converge(
    ctx: ProviderContext,
    group: EnvGroup,
    want: Record<string, string>,
  ): Promise<ActionResult> {
    const full = await client.get<EnvGroup>(item(group.id), { signal: ctx.signal });
    const have = new Map((full.envVars ?? []).map((v) => [v.key, v.value]));
    for (const [key, value] of Object.entries(want)) {
      if (have.get(key) === value) continue;
      await client.request("PUT", `${item(group.id)}/env-vars/${encodeURIComponent(key)}`, {
        body: { value },
        signal: ctx.signal,
      });
    }
    for (const key of have.keys()) {
      if (key in want) continue;
      await client.request("DELETE", `${item(group.id)}/env-vars/${encodeURIComponent(key)}`, {
        signal: ctx.signal,
      });
    }
    return done(group, Object.keys(want));
  }

  async function current(ctx: ProviderContext, r: RecordedResource): Promise<EnvGroup> {
    return required(await find(ctx, r), "env group", r.externalName);
  }

  return {
    async observe(ctx, r) {
      const group = await find(ctx, r);
      return group
        ? { providerId: group.id, state: "ready", outputs: { id: group.id, name: group.name } }
        : null;
    },

    async create(ctx, r) {
      const want = values(ctx, r);
      const group = await client.request<EnvGroup>("POST", "/env-groups", {
        body: {
          name: r.externalName,
          ownerId,
          envVars: Object.entries(want).map(([key, value]) => ({ key, value })),
        },
        signal: ctx.signal,
      });
      return done(group, Object.keys(want));
    },

    async adopt(ctx, r, observed) {
      return converge(ctx, await current(ctx, { ...r, providerId: observed.providerId }), values(ctx, r));
    },

    async update(ctx, r) {
      return converge(ctx, await current(ctx, r), values(ctx, r));
    },

    delete: (ctx, r) =>
      deleteAndConfirm(client, ctx, r, {
        find: (x) => find(ctx, x),
        path: "/env-groups",
        label: "env group",
        pollMs: 2000,
      }),
  };
}
