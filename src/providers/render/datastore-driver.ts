import type { ResourceSpecs } from "../../domain/resources.js";
import {
  ABSENT,
  type ActionResult,
  type Observed,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import type { RenderClient } from "./client.js";
import { type Collection, deleteAndConfirm, findObject, required } from "./lookup.js";
import { keyValueBody, postgresBody } from "./mapping.js";

/**
 * Render's datastores — PostgreSQL (`/postgres`) and Key Value (`/key-value`) — as one
 * driver shape: create, wait until `available`, read the connection info, suspend and
 * resume, update in place (plan, disk, allow list, policy), delete and confirm 404.
 *
 * Render's API gives datastores no free-form field to carry an ownership marker (see
 * docs/render.md, "Ownership"): one whose id was never recorded is the tenant's only by its
 * unique name and a creation time no earlier than the engine's request for it.
 */

interface Datastore {
  id: string;
  name: string;
  status?: string;
  createdAt?: string;
  region?: string;
  plan?: string;
  dashboardUrl?: string;
  databaseName?: string;
  databaseUser?: string;
  suspended?: string;
}

interface Kind<K extends "postgres" | "keyvalue"> {
  /** Collection path. */
  path: "/postgres" | "/key-value";
  /** The key of list items. */
  itemKey: "postgres" | "keyValue";
  label: string;
  body(name: string, ownerId: string, spec: ResourceSpecs[K]): Record<string, unknown>;
  /** What PATCH may change in place. */
  patch(body: Record<string, unknown>): Record<string, unknown>;
  /** Outputs and secret outputs from the object and its connection info. */
  outputs(
    object: Datastore,
    info: Record<string, string>,
  ): { outputs: Record<string, unknown>; secretOutputs: Record<string, string> };
}

function hostAndPort(connectionString: string | undefined): { host?: string; port?: number } {
  if (!connectionString) return {};
  try {
    const u = new URL(connectionString);
    return { host: u.hostname, port: u.port ? Number(u.port) : undefined };
  } catch {
    return {};
  }
}

const pick = (o: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/**
 * What every datastore reports: its id, name, plan and where to reach it inside Render
 * (host and port from the internal connection string); the connection strings and the
 * password are secret outputs.
 */
function datastoreOutputs(
  object: Datastore,
  info: Record<string, string>,
  defaultPort: number,
): { outputs: Record<string, unknown>; secretOutputs: Record<string, string> } {
  const internal = info["internalConnectionString"];
  const { host, port } = hostAndPort(internal);
  const secretOutputs: Record<string, string> = {};
  if (internal) secretOutputs["connectionString"] = internal;
  if (info["externalConnectionString"])
    secretOutputs["externalConnectionString"] = info["externalConnectionString"];
  if (info["password"]) secretOutputs["password"] = info["password"];
  return {
    outputs: {
      id: object.id,
      name: object.name,
      region: object.region,
      plan: object.plan,
      status: object.status,
      dashboardUrl: object.dashboardUrl,
      host,
      port: port ?? defaultPort,
    },
    secretOutputs,
  };
}

export const POSTGRES: Kind<"postgres"> = {
  path: "/postgres",
  itemKey: "postgres",
  label: "database",
  body: postgresBody,
  patch: (b) => pick(b, ["plan", "diskSizeGB", "enableHighAvailability", "ipAllowList"]),
  outputs(object, info) {
    const base = datastoreOutputs(object, info, 5432);
    return {
      ...base,
      outputs: { ...base.outputs, database: object.databaseName, user: object.databaseUser },
    };
  },
};

export const KEY_VALUE: Kind<"keyvalue"> = {
  path: "/key-value",
  itemKey: "keyValue",
  label: "Key Value",
  body: keyValueBody,
  patch: (b) => pick(b, ["plan", "maxmemoryPolicy", "ipAllowList"]),
  outputs: (object, info) => datastoreOutputs(object, info, 6379),
};

/** Statuses that settle by themselves; anything else but `available`/`suspended` is reported as waiting too. */
const FAILED = new Set(["recovery_failed"]);

export interface DatastoreDriverOptions {
  client: RenderClient;
  ownerId: string;
  /** How soon to look again while Render works. @default 3000 */
  pollMs?: number;
}

export function createDatastoreDriver<K extends "postgres" | "keyvalue">(
  kind: Kind<K>,
  options: DatastoreDriverOptions,
): ResourceDriver<K> {
  const { client, ownerId } = options;
  const pollMs = options.pollMs ?? 3000;
  const item = (id: string) => `${kind.path}/${encodeURIComponent(id)}`;

  const collection: Collection<Datastore> = {
    client,
    path: kind.path,
    itemKey: kind.itemKey,
    ownerId,
    label: kind.label,
  };
  // TypeScript does not correlate `r.kind` with K's spec inside a generic: the engine only
  // hands this driver resources of its kind.
  const specOf = (r: RecordedResource<K>) => r.spec as ResourceSpecs[K];
  const find = (ctx: ProviderContext, r: RecordedResource<K>) => findObject(collection, ctx, r);

  async function describe(ctx: ProviderContext, object: Datastore): Promise<Observed> {
    const status = object.status ?? "unknown";
    if (FAILED.has(status)) {
      throw new ProviderError(`${kind.label} ${object.name} (${object.id}) is ${status} on Render`, {
        retryable: false,
        code: "RENDER_DATASTORE_FAILED",
      });
    }
    if (status === "suspended" || object.suspended === "suspended") {
      return { providerId: object.id, state: "suspended", outputs: { id: object.id, status } };
    }
    if (status !== "available") {
      return {
        providerId: object.id,
        state: "converging",
        retryAfterMs: pollMs,
        outputs: { id: object.id, status },
        detail: `${kind.label} is ${status}`,
      };
    }
    ctx.throwIfAborted();
    const info = await client.get<Record<string, string>>(`${item(object.id)}/connection-info`, { ctx });
    return { providerId: object.id, state: "ready", ...kind.outputs(object, info) };
  }

  /** Done when ready, else a wait (Render creates and changes datastores asynchronously). */
  function settle(observed: Observed): ActionResult {
    if (observed.state === "converging") {
      return {
        state: "pending",
        retryAfterMs: pollMs,
        providerId: observed.providerId,
        detail: observed.detail,
        ...(observed.outputs ? { outputs: observed.outputs } : {}),
      };
    }
    return {
      state: "done",
      providerId: observed.providerId,
      outputs: observed.outputs,
      secretOutputs: observed.secretOutputs,
    };
  }

  async function current(ctx: ProviderContext, r: RecordedResource<K>): Promise<Datastore> {
    return required(await find(ctx, r), kind.label, r);
  }

  return {
    async observe(ctx, r) {
      const object = await find(ctx, r);
      return object ? describe(ctx, object) : ABSENT;
    },

    async apply(ctx, r, observed) {
      // Adopting and updating are the same: converge what can change in place, then wait
      // for it to be available.
      const id = observed?.providerId ?? r.providerId;
      if (id !== null) {
        const object = await current(ctx, { ...r, providerId: id });
        await client.request("PATCH", item(object.id), {
          body: kind.patch(kind.body(r.externalName, ownerId, specOf(r))),
          ctx,
        });
        ctx.throwIfAborted();
        return settle(await describe(ctx, await current(ctx, { ...r, providerId: object.id })));
      }
      const created = await client.request<Datastore>("POST", kind.path, {
        body: kind.body(r.externalName, ownerId, specOf(r)),
        ctx,
      });
      return {
        state: "pending",
        retryAfterMs: pollMs,
        providerId: created.id,
        detail: `${kind.label} is ${created.status ?? "creating"}`,
      };
    },

    async setRunning(ctx, r, running) {
      const object = await current(ctx, r);
      const suspended = object.status === "suspended" || object.suspended === "suspended";
      if (!running) {
        if (!suspended) await client.request("POST", `${item(object.id)}/suspend`, { ctx, idempotent: true });
        return { state: "done", providerId: object.id };
      }
      if (suspended) {
        await client.request("POST", `${item(object.id)}/resume`, { ctx, idempotent: true });
        return {
          state: "pending",
          retryAfterMs: pollMs,
          providerId: object.id,
          detail: `${kind.label} is resuming`,
        };
      }
      return settle(await describe(ctx, object));
    },

    delete: (ctx, r) => deleteAndConfirm(collection, ctx, r, { pollMs }),
  };
}
