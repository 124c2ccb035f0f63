import type { Logger } from "pino";
import type { Route } from "../proxy/host-proxy.js";
import type { Capabilities } from "./capabilities.js";

/**
 * The provider interface: one small driver per resource kind, each verb idempotent.
 * The engine owns ordering, retries, leases and bookkeeping; a driver only talks to
 * its platform. See src/engine/README.md for how the engine calls these.
 */

/** A resource the blueprint wants, resolved for one tenant. */
export interface DesiredResource {
  /** Stable key within the tenant, e.g. `database:main`. */
  key: string;
  /** Resource kind, e.g. `postgres`, `web`, `worker`. */
  kind: string;
  /** Deterministic platform name; a retry after a crash finds the object by it. */
  externalName: string;
  /** Keys of resources that must be ready first. */
  dependsOn: string[];
  /** Kind-specific settings from the blueprint. */
  spec: Record<string, unknown>;
}

/** A resource as recorded by the engine: what the driver last reported. */
export interface RecordedResource extends DesiredResource {
  /**
   * The platform's id, recorded after a create. An object is deleted only by this id; a
   * 404 by it means gone. Null: no create is known to have succeeded.
   */
  providerId: string | null;
  /**
   * When the engine first asked the platform for this object (set while `creating`). An
   * object that only its name ties to the tenant (no ownership marker on the platform)
   * and that was made before this moment is not the tenant's: never adopt it.
   */
  createRequestedAt?: Date | null;
  outputs: Record<string, unknown>;
  secretOutputs: Record<string, string>;
}

export interface ProviderContext {
  tenant: { id: string; slug: string; name: string; organizationId: string };
  /** This Tenantry installation's id (see `ownership.ts`): part of every ownership marker. */
  installationId: string;
  /**
   * Aborted when the worker loses its lease, shuts down, or the action's time is up:
   * stop and return soon. Pass it to every request and query.
   */
  signal: AbortSignal;
  /**
   * When the current call must be over (epoch ms): the sooner of the lease's deadline and
   * the action's timeout. A request's own timeout must not reach past it; use
   * {@link ProviderContext.timeLeft}.
   */
  deadline: number;
  /** Milliseconds until {@link ProviderContext.deadline} (never negative). */
  timeLeft(): number;
  /**
   * Throws the engine's aborted error when {@link ProviderContext.signal} is aborted. An
   * abort is not a failure: the engine hands the operation back without spending an
   * attempt. Drivers call it between steps instead of throwing errors of their own.
   */
  throwIfAborted(): void;
  logger: Logger;
  /**
   * The value behind a secret env binding of a rendered service: a generated one by its
   * `ref`, a write-only one (`sync: false`) by its key. Never log or return it.
   */
  secret(
    binding: { secret: "generated"; ref: string } | { secret: "tenant"; key: string },
  ): string | undefined;
  /**
   * Another resource of the tenant as last recorded (a dependency's outputs and secret
   * outputs, e.g. a database's connection string), or undefined if it does not exist.
   */
  resource(key: string): RecordedResource | undefined;
}

/** What a driver reports about an object that exists on the platform. */
export interface Observed {
  providerId: string;
  /**
   * - `ready`, `suspended`: exists as asked.
   * - `pending`: the platform is still working on it (a database starting, a deploy):
   *   the engine waits, at most the kind's maximum wait.
   * - `incomplete`: it exists but is partial or wrong (the role of a local database
   *   exists, the database does not): nothing will finish it by itself, so the engine
   *   calls `create` again, which must complete it.
   */
  state: "ready" | "pending" | "suspended" | "incomplete";
  /** With `pending`: when to look again. @default 1000 */
  retryAfterMs?: number;
  outputs?: Record<string, unknown>;
  secretOutputs?: Record<string, string>;
  detail?: string;
}

/**
 * The result of an action. `pending` asks the engine to come back after
 * `retryAfterMs` and observe again, instead of blocking a worker on a slow platform.
 */
export type ActionResult =
  | {
      state: "done";
      providerId?: string;
      outputs?: Record<string, unknown>;
      secretOutputs?: Record<string, string>;
      detail?: string;
    }
  | {
      state: "pending";
      retryAfterMs: number;
      providerId?: string;
      detail?: string;
      /** Recorded with the wait (e.g. the id of a deploy being followed), merged into the outputs. */
      outputs?: Record<string, unknown>;
    };

/** Time limits of one resource kind's actions; the engine's defaults apply to what is unset. */
export interface DriverLimits {
  /** One provider call (create, update, delete…) that takes longer fails transiently. @default 60000 */
  actionTimeoutMs?: number;
  /** How long a resource may stay `pending` before the operation fails, saying what it waited for. @default 1800000 */
  maxWaitMs?: number;
}

export interface ResourceDriver {
  /** Optional: this kind's time limits (a build may take longer than a DNS record). */
  readonly limits?: DriverLimits;
  /**
   * Finds the object by provider id when known, else by its deterministic name.
   * `null` means it does not exist. Used to adopt after a create whose outcome is unknown.
   */
  observe(ctx: ProviderContext, resource: RecordedResource): Promise<Observed | null>;
  /** Creates the object. Called only after `observe` found nothing. */
  create(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
  /**
   * Takes over an object that `observe` found but whose creation was never recorded,
   * converging it on the spec (for example resetting a password it cannot read back).
   */
  adopt(ctx: ProviderContext, resource: RecordedResource, observed: Observed): Promise<ActionResult>;
  /** Applies a changed spec to an existing object. */
  update(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
  /** Optional: stop serving while keeping data. Kinds without it stay as they are. */
  suspend?(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
  resume?(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
  /**
   * Optional: makes sure the object runs as last deployed, without rebuilding (after
   * Tenantry itself restarted, or when a health problem was reported). Kinds without it
   * are left as they are by a `heal` operation.
   */
  heal?(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
  /** Deletes the object; `done` only once it is verified gone. Deleting a missing object is `done`. */
  delete(ctx: ProviderContext, resource: RecordedResource): Promise<ActionResult>;
}

/** A blueprint's `hooks.bootstrap`: a one-off command run before the tenant is `active`. */
export interface BootstrapHook {
  command: string;
  /** The service whose image, code and env the command runs with; default: the first web service. */
  service?: string;
  timeoutSeconds?: number;
}

/** A provider's resource as the store records it, with its tenant, for {@link Provider.hostRoute}. */
export interface HostedResource {
  outputs: Record<string, unknown>;
  /** The resource's status (`ready`, `suspended`…). */
  status: string;
  tenant: { name: string; status: string };
}

/** What the store holds of one provider's resources, for {@link Provider.hostRoute}. */
export interface HostedResources {
  /** The live resource with this kind and platform name (the oldest, when names are shared). */
  find(kind: string, externalName: string): Promise<HostedResource | undefined>;
}

/** What {@link Provider.logs} is asked for. */
export interface LogOptions {
  /** How many of the last lines to start with (0: none). */
  tail: number;
  /** Go on with new lines as they are written, until `signal` aborts. */
  follow?: boolean;
  /** Ends the iterable (the client went away, the server closes). */
  signal?: AbortSignal;
}

/** A provider's word that one of a tenant's resources became unhealthy, or healthy again. */
export interface HealthEvent {
  tenantId: string;
  resourceKey: string;
  healthy: boolean;
  /** Human-readable, e.g. "service:web is crash-looping (5 restarts)". */
  reason: string;
}

/** New outputs of a resource that changed outside an operation (a cron job's last run). */
export interface OutputsEvent {
  tenantId: string;
  resourceKey: string;
  /** Merged into the recorded outputs. */
  outputs: Record<string, unknown>;
}

export interface Provider {
  /** The `target` name tenants use, e.g. `local`. */
  readonly name: string;
  /** Optional: subscribes to health changes of resources (a crash loop, and its end). */
  onHealth?(listener: (event: HealthEvent) => void): void;
  /** Optional: subscribes to output changes between operations (a cron job ran). */
  onOutputs?(listener: (event: OutputsEvent) => void): void;
  /**
   * Optional: starts a run of a cron job now, as if its schedule fired, without waiting
   * for it. `started: false` when a run is already going (runs never overlap); `runs`:
   * finished runs so far, when the provider knows. Throws a
   * {@link ProviderError} when the job cannot run now.
   */
  runJob?(
    tenant: { id: string; slug: string },
    resource: RecordedResource,
  ): Promise<{ started: boolean; runs?: number }>;
  /**
   * Optional: runs the bootstrap hook once the tenant's resources exist (the
   * `bootstrapping` phase). A hook may run again after a crash, so it should be
   * idempotent. Without it, blueprints with a hook fail on this target with a clear error.
   */
  runBootstrap?(
    ctx: ProviderContext,
    hook: BootstrapHook,
    resources: RecordedResource[],
  ): Promise<ActionResult>;
  /**
   * Optional: removes what the provider made for the tenant as a whole rather than for one
   * resource (the local target's OS user), once a destroy has deleted every resource. Runs
   * as the destroy's last step (`release tenant`); idempotent, verified like a delete.
   */
  releaseTenant?(ctx: ProviderContext): Promise<ActionResult>;
  /**
   * What this target can serve (kinds and what each refuses of a spec, bootstrap,
   * placement; see `capabilities.ts`). A blueprint it cannot fully serve is refused at
   * create with each thing named. Without it, what the drivers and methods imply.
   */
  readonly capabilities?: Capabilities;
  /** Drivers by resource kind; a kind missing here is refused when the tenant is created. */
  readonly drivers: Readonly<Record<string, ResourceDriver>>;
  /**
   * Whether this provider's objects live on the machine of the Tenantry process (the
   * local target): then every started Tenantry process heals its active tenants, so
   * their processes and schedules come back after a restart, and a tenant's operations
   * are claimed only by workers on the node that created it (`TENANTRY_NODE_ID`).
   */
  readonly recoverOnStart?: boolean;
  /**
   * Optional, with `recoverOnStart`: why this tenant needs healing after Tenantry started
   * (a process that is not running, schedules that live in the Tenantry process), or
   * null when nothing is wrong: then no `heal` operation is made for it. Without it,
   * every active tenant of the provider is healed.
   */
  needsRecovery?(tenant: { id: string }, resources: RecordedResource[]): Promise<string | null>;
  /** Time limits for every kind of this provider, below a driver's own `limits`. */
  readonly limits?: DriverLimits;
  /**
   * The longest single request the provider makes. The engine starts a create (which
   * cannot be repeated safely) only with at least this much lease left.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Optional: a resource's output (build, then runtime or cron runs) as lines, each
   * prefixed by its source: `[build] …`, `[run] …`, `[cron] …`. First the last `tail`
   * lines, oldest first within each source; then, with `follow`, each new line as it is
   * written. The iterable ends after the tail when not following, and as soon as `signal`
   * aborts. `null` when resources of this kind have no logs. Lines may hold secrets the
   * tenant's code printed: return them to the caller, never log them.
   */
  logs?(
    tenant: { id: string; slug: string },
    resource: RecordedResource,
    options: LogOptions,
  ): AsyncIterable<string> | null;
  /**
   * Optional, for providers that serve hosts on this machine (the local target): where the
   * host proxy sends a tenant host label (`web-acme-qdxokdvs` of
   * `web-acme-qdxokdvs.<BASE_DOMAIN>`), from what `records` holds of this provider's
   * resources. `missing` when the label is none of its tenants'.
   */
  hostRoute?(label: string, records: HostedResources): Promise<Route>;
  /** Why a kind it has no driver for is missing, and what to configure (shown to the user). */
  explain?(kind: string): string | undefined;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/**
 * A failure reported by a driver. `retryable: false` fails the operation at once
 * (bad input, bad credentials); anything else thrown by a driver is treated as transient.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly code: string;
  /**
   * Set on a retryable error that only means "not now" (a platform's rate limit): the
   * engine comes back after this long without spending one of the tenant's attempts.
   */
  readonly retryAfterMs: number | undefined;
  /**
   * Set when the failure is a condition someone has to act on beyond retrying (see
   * {@link ProviderCondition}): the engine records it on the tenant when the operation fails.
   */
  readonly condition: ProviderCondition | undefined;
  constructor(
    message: string,
    options: {
      retryable: boolean;
      code?: string;
      cause?: unknown;
      retryAfterMs?: number;
      condition?: ProviderCondition;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
    this.retryable = options.retryable;
    this.code = options.code ?? (options.retryable ? "PROVIDER_TRANSIENT" : "PROVIDER_PERMANENT");
    this.retryAfterMs = options.retryable ? options.retryAfterMs : undefined;
    this.condition = options.condition;
  }
}

/**
 * Provider-neutral conditions a failure can put on a tenant. `access_error`: the platform
 * refused Tenantry's credentials (revoked, or lacking a permission).
 */
export type ProviderCondition = "access_error";

/**
 * The platform refused Tenantry's credentials (an HTTP 401/403, an expired token): a
 * permanent failure with the `access_error` condition, whatever the platform. The code
 * defaults to `ACCESS_ERROR`.
 */
export class AccessError extends ProviderError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, {
      retryable: false,
      code: options.code ?? "ACCESS_ERROR",
      cause: options.cause,
      condition: "access_error",
    });
    this.name = "AccessError";
  }
}

export class ProviderRegistry {
  readonly #providers = new Map<string, Provider>();

  register(provider: Provider): this {
    this.#providers.set(provider.name, provider);
    return this;
  }

  get(name: string): Provider | undefined {
    return this.#providers.get(name);
  }

  names(): string[] {
    return [...this.#providers.keys()].sort();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#providers.values()].map((p) => p.close?.()));
  }
}
