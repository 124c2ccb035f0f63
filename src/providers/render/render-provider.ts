import type { Logger } from "pino";
import type { TargetCredential } from "../../domain/credentials.js";
import type { ProviderMetrics } from "../metrics.js";
import {
  AccessError,
  type Provider,
  type ProviderContext,
  ProviderError,
  type RecordedResource,
  type ResourceDriver,
} from "../provider.js";
import { createRenderBootstrap } from "./bootstrap.js";
import { renderCapabilities } from "./capabilities.js";
import { RenderClient } from "./client.js";
import { checkRenderKey } from "./credential-check.js";
import { createDatastoreDriver, KEY_VALUE, POSTGRES } from "./datastore-driver.js";
import { createEnvGroupDriver } from "./env-group-driver.js";
import { RenderRateLimiter } from "./rate-limits.js";
import { createServiceDriver } from "./service-driver.js";

/**
 * The `render` target: a tenant's databases, Key Value instances and services on Render,
 * through Render's public REST API. See docs/render.md.
 */
export interface RenderProviderOptions {
  /**
   * `RENDER_API_KEY`: the installation's account. Never logged. Unset: only organizations'
   * own keys (`/v1/credentials`) are used.
   */
  apiKey?: string | undefined;
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
  /** Every request to Render and every rate-limit wait (docs/observability.md). */
  metrics?: ProviderMetrics;
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

  /** One Render account: its client, its workspace, the drivers bound to both. */
  interface Account {
    client: RenderClient;
    drivers(ctx: ProviderContext): Promise<Drivers>;
    bootstrap: NonNullable<Provider["runBootstrap"]>;
    requestTimeoutMs: number;
  }

  function account(apiKey: string, configuredOwner: string | undefined, what: string): Account {
    const client = new RenderClient({
      apiKey,
      baseUrl: options.baseUrl,
      logger,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
      metrics: options.metrics,
      // Render's limits are per account: each has its own pacing.
      limiter: new RenderRateLimiter({ scale: options.rateLimitScale }),
    });

    /**
     * The workspace: configured, or the only one the key reaches (looked up once, within
     * the action that first needs it).
     */
    let owner: Promise<string> | undefined;
    function ownerId(ctx: ProviderContext): Promise<string> {
      if (configuredOwner) return Promise.resolve(configuredOwner);
      owner ??= client.list<Owner>("/owners", "owner", {}, ctx).then((owners) => {
        if (owners.length === 1 && owners[0]) return owners[0].id;
        throw new ProviderError(
          owners.length === 0
            ? `${what} reaches no workspace`
            : `${what} reaches ${owners.length} workspaces (${owners.map((o) => `${o.id} ${o.name ?? ""}`.trim()).join(", ")}): set RENDER_OWNER_ID to one of them`,
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
          hashKey: apiKey,
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

    return {
      client,
      drivers: ready,
      // hooks.bootstrap as a one-off job on the chosen service, followed over passes (bootstrap.ts).
      bootstrap: createRenderBootstrap({ client, pollMs: options.pollMs }),
      requestTimeoutMs: client.timeoutMs,
    };
  }

  const installation = options.apiKey
    ? account(options.apiKey, options.ownerId, "RENDER_API_KEY")
    : undefined;
  /** Organizations' accounts, by credential id and version: a replaced key gets a new client. */
  const accounts = new Map<string, { version: number; account: Account }>();

  function organizationAccount(credential: TargetCredential): Account {
    const cached = accounts.get(credential.id);
    if (cached && cached.version === credential.version) return cached.account;
    if (credential.secret.kind !== "render_api_key") {
      throw new ProviderError(`a ${credential.secret.kind} credential cannot reach Render`, {
        retryable: false,
        code: "CREDENTIAL_REQUIRED",
      });
    }
    const made = account(
      credential.secret.apiKey,
      credential.secret.workspaceId,
      "the organization's Render API key",
    );
    accounts.set(credential.id, { version: credential.version, account: made });
    return made;
  }

  /** The account a tenant's calls go to: its organization's own, else the installation's. */
  async function accountFor(
    ctx: ProviderContext,
  ): Promise<{ account: Account; credential: TargetCredential | null }> {
    const credential = (await ctx.credentials?.resolve("render")) ?? null;
    if (credential) return { account: organizationAccount(credential), credential };
    if (!installation) {
      throw new ProviderError(
        "the organization has no Render credential and RENDER_API_KEY is not set: register one (POST /v1/credentials)",
        { retryable: false, code: "CREDENTIAL_REQUIRED" },
      );
    }
    return { account: installation, credential: null };
  }

  /**
   * Runs a verb with the tenant's account. With an organization's credential: a refusal
   * (401/403) is checked again with a cheap call, and when that is refused too the
   * credential and the organization's tenants on Render get `access_error`; a verb that
   * works with a credential marked `access_error` clears it.
   */
  async function withAccount<T>(ctx: ProviderContext, fn: (account: Account) => Promise<T>): Promise<T> {
    const { account: acct, credential } = await accountFor(ctx);
    if (!credential) return fn(acct);
    try {
      const result = await fn(acct);
      if (credential.status === "access_error") await ctx.credentials?.accessRestored(credential);
      return result;
    } catch (err) {
      if (err instanceof AccessError && credential.secret.kind === "render_api_key") {
        const recheck = await checkRenderKey(credential.secret, {
          baseUrl: options.baseUrl,
          fetch: options.fetch,
          signal: ctx.signal,
          timeoutMs: Math.max(1000, Math.min(10_000, ctx.timeLeft())),
        }).then(
          () => null,
          (checkErr: unknown) => checkErr,
        );
        if (recheck instanceof AccessError) {
          await ctx.credentials?.accessLost(credential, (recheck as Error).message);
        }
      }
      throw err;
    }
  }

  /** A driver whose verbs wait for the tenant's account and workspace to be known. */
  function deferred<K extends Kind>(kind: K): ResourceDriver<K> {
    const run = <T>(ctx: ProviderContext, fn: (driver: ResourceDriver<K>) => Promise<T>) =>
      withAccount(ctx, async (acct) => fn((await acct.drivers(ctx))[kind]));
    return {
      observe: (ctx, r) => run(ctx, (d) => d.observe(ctx, r)),
      apply: (ctx, r, observed) => run(ctx, (d) => d.apply(ctx, r, observed)),
      delete: (ctx, r) => run(ctx, (d) => d.delete(ctx, r)),
      ...(kind === "envgroup"
        ? {}
        : {
            setRunning: (ctx: ProviderContext, r: RecordedResource<K>, running: boolean) =>
              run(ctx, (driver) => {
                if (!driver.setRunning) throw new Error(`render ${kind} driver cannot suspend or resume`);
                return driver.setRunning(ctx, r, running);
              }),
          }),
    };
  }

  return {
    name: "render",
    capabilities: renderCapabilities({ bootstrap: true }),
    credentials: { installation: installation !== undefined },
    drivers: {
      envgroup: deferred("envgroup"),
      postgres: deferred("postgres"),
      keyvalue: deferred("keyvalue"),
      web: deferred("web"),
      pserv: deferred("pserv"),
      worker: deferred("worker"),
      cron: deferred("cron"),
    },
    runBootstrap: (ctx, hook, resources) => withAccount(ctx, (acct) => acct.bootstrap(ctx, hook, resources)),
    explain(kind) {
      if (kind === "mysql") return RENDER_NO_MYSQL;
      return undefined;
    },
    // The engine starts a create only with this much lease left (every account's client has the same).
    requestTimeoutMs:
      installation?.requestTimeoutMs ??
      new RenderClient({ apiKey: "-", timeoutMs: options.timeoutMs }).timeoutMs,
  };
}
