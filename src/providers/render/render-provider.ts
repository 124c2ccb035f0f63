import type { Logger } from "pino";
import {
  type Provider,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { createRenderBootstrap } from "./bootstrap.js";
import { renderCapabilities } from "./capabilities.js";
import { RenderClient } from "./client.js";
import { createDatastoreDriver, KEY_VALUE, POSTGRES } from "./datastore-driver.js";
import { createEnvGroupDriver } from "./env-group-driver.js";
import { RenderRateLimiter } from "./rate-limits.js";
import { createServiceDriver } from "./service-driver.js";

/**
 * The `render` target: a tenant's databases, Key Value instances and services on Render,
 * through Render's public REST API. See docs/render.md.
 */
export interface RenderProviderOptions {
  /** `RENDER_API_KEY`. Never logged. */
  apiKey: string;
  /** `RENDER_OWNER_ID` (the workspace); unset → the only workspace the key can reach. */
  ownerId?: string;
  /** `RENDER_API_URL`. @default "https://api.render.com/v1" */
  baseUrl?: string;
  logger?: Logger;
  /** Divides Render's rate-limit windows (tests against the fake, which takes the same factor). @default 1 */
  rateLimitScale?: number;
  /** How soon to look again while Render works (datastores, deploys). @default 3000 / 5000 */
  pollMs?: number;
  /**
   * Per request, at most 30000; every request is also bounded by the time its action has
   * left. @default 4500 (see `DEFAULT_REQUEST_TIMEOUT_MS` in client.ts)
   */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface Owner {
  id: string;
  name?: string;
}

type Kind = "envgroup" | "postgres" | "keyvalue" | "web" | "pserv" | "worker" | "cron";
type Drivers = { [K in Kind]: ResourceDriver<K> };

/** Why the render target refuses MySQL/MariaDB databases (`engine: mysql`/`mariadb`). */
export const RENDER_NO_MYSQL =
  "Render has no MySQL or MariaDB; use a postgres database or another target (local)";

export function createRenderProvider(options: RenderProviderOptions): Provider {
  const logger = options.logger?.child({ provider: "render" });
  const client = new RenderClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    logger,
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
    limiter: new RenderRateLimiter({ scale: options.rateLimitScale }),
  });

  /**
   * The workspace: configured, or the only one the key reaches (looked up once, within
   * the action that first needs it).
   */
  let owner: Promise<string> | undefined;
  function ownerId(ctx: ProviderContext): Promise<string> {
    if (options.ownerId) return Promise.resolve(options.ownerId);
    owner ??= client.list<Owner>("/owners", "owner", {}, ctx).then((owners) => {
      if (owners.length === 1 && owners[0]) return owners[0].id;
      throw new ProviderError(
        owners.length === 0
          ? "the Render API key reaches no workspace"
          : `the Render API key reaches ${owners.length} workspaces (${owners.map((o) => `${o.id} ${o.name ?? ""}`.trim()).join(", ")}): set RENDER_OWNER_ID to one of them`,
        { retryable: false, code: "RENDER_OWNER_AMBIGUOUS" },
      );
    });
    // A failed lookup (network, revoked key) is tried again next time.
    owner.catch(() => {
      owner = undefined;
    });
    return owner;
  }

  let drivers: Promise<Drivers> | undefined;
  function ready(ctx: ProviderContext): Promise<Drivers> {
    drivers ??= ownerId(ctx).then((id) => {
      const services = createServiceDriver({
        client,
        ownerId: id,
        pollMs: options.pollMs,
        // The API key: secret, and stable across restarts (a fingerprint must not change).
        hashKey: options.apiKey,
      });
      return {
        envgroup: createEnvGroupDriver({ client, ownerId: id }),
        postgres: createDatastoreDriver(POSTGRES, { client, ownerId: id, pollMs: options.pollMs }),
        keyvalue: createDatastoreDriver(KEY_VALUE, { client, ownerId: id, pollMs: options.pollMs }),
        web: services,
        pserv: services,
        worker: services,
        cron: services,
      };
    });
    drivers.catch(() => {
      drivers = undefined;
    });
    return drivers;
  }

  // hooks.bootstrap as a one-off job on the chosen service, followed over passes (bootstrap.ts).
  const bootstrap = createRenderBootstrap({ client, pollMs: options.pollMs });

  /** A driver whose verbs wait for the workspace to be known. */
  function deferred<K extends Kind>(kind: K): ResourceDriver<K> {
    const get = async (ctx: ProviderContext): Promise<ResourceDriver<K>> => (await ready(ctx))[kind];
    return {
      observe: async (ctx, r) => (await get(ctx)).observe(ctx, r),
      apply: async (ctx, r, observed) => (await get(ctx)).apply(ctx, r, observed),
      delete: async (ctx, r) => (await get(ctx)).delete(ctx, r),
      ...(kind === "envgroup"
        ? {}
        : {
            setRunning: async (ctx: ProviderContext, r: RecordedResource<K>, running: boolean) => {
              const driver = await get(ctx);
              if (!driver.setRunning) throw new Error(`render ${kind} driver cannot suspend or resume`);
              return driver.setRunning(ctx, r, running);
            },
          }),
    };
  }

  return {
    name: "render",
    capabilities: renderCapabilities({ bootstrap: true }),
    drivers: {
      envgroup: deferred("envgroup"),
      postgres: deferred("postgres"),
      keyvalue: deferred("keyvalue"),
      web: deferred("web"),
      pserv: deferred("pserv"),
      worker: deferred("worker"),
      cron: deferred("cron"),
    },
    runBootstrap: bootstrap,
    explain(kind) {
      if (kind === "mysql") return RENDER_NO_MYSQL;
      return undefined;
    },
    // The engine starts a create only with this much lease left.
    requestTimeoutMs: client.timeoutMs,
  };
}
