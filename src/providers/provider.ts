import type { Logger } from "pino";
import type { TargetCredential } from "../domain/credentials.js";
import { isRetryableCode, type OperationErrorCode } from "../domain/operation-errors.js";
import type { RecordedResource, ResourceKind } from "../domain/resources.js";
import type { Route } from "../proxy/host-proxy.js";
import type { Capabilities } from "./capabilities.js";

/**
 * The provider interface: one small driver per resource kind, each verb idempotent.
 * The engine owns ordering, retries, leases and bookkeeping; a driver only talks to
 * its platform. See src/engine/README.md for how the engine calls these.
 */

export type { DesiredResource, RecordedResource, ResourceKind } from "../domain/resources.js";

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
   * A keyed digest (HMAC) of `value`, with the installation's digest key: lets a driver
   * record or compare what it applied (a pod template's env digest) without the value.
   * Absent outside the engine (tools, some tests).
   */
  digest?(value: string): string;
  /**
   * Another resource of the tenant as last recorded (a dependency's outputs and secret
   * outputs, e.g. a database's connection string), or undefined if it does not exist.
   */
  resource(key: string): RecordedResource | undefined;
  /**
   * The tenant's organization's own credentials (`/v1/credentials`, docs/credentials.md),
   * for targets that take them ({@link Provider.credentials}). Absent: the installation's
   * credentials only (contexts made by tests).
   */
  credentials?: OrganizationCredentials;
}

/** An organization's credentials, as a provider acting for one of its tenants sees them. */
export interface OrganizationCredentials {
  /**
   * The organization's credential for `target`, opened; `null`: use the installation's
   * own. Throws a permanent {@link ProviderError} (`CREDENTIAL_REQUIRED`) when the
   * organization has none and `TENANTRY_CREDENTIALS_FALLBACK=none`.
   */
  resolve(target: string): Promise<TargetCredential | null>;
  /**
   * The platform refused `credential` and a re-check confirmed it: marks it `access_error`
   * and puts the `access_error` condition on the organization's live tenants on its
   * target (only theirs).
   */
  accessLost(credential: TargetCredential, message: string): Promise<void>;
  /** A call with `credential`, marked `access_error`, worked again: clears both. */
  accessRestored(credential: TargetCredential): Promise<void>;
}

/** What a driver reports about an object that exists on the platform. */
export interface Observed {
  providerId: string;
  /**
   * - `ready`, `suspended`: exists as asked.
   * - `converging`: the platform is still working on it (a database starting, a deploy):
   *   the engine waits, at most the kind's maximum wait.
   * - `diverged`: it exists but is partial or wrong (the role of a local database exists,
   *   the database does not): nothing will finish it by itself, so the engine calls
   *   `apply` with this observation, which must complete it.
   */
  state: "ready" | "suspended" | "converging" | "diverged";
  /** With `converging`: when to look again. @default 1000 */
  retryAfterMs?: number;
  outputs?: Record<string, unknown>;
  secretOutputs?: Record<string, string>;
  detail?: string;
}

/** What `observe` found: nothing under the resource's id or name, or an object. */
export type Observation = { state: "absent" } | Observed;

/** `observe`'s answer when the object does not exist. */
export const ABSENT: Observation = Object.freeze({ state: "absent" as const });

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

/**
 * The driver of one resource kind: four verbs, each idempotent. The engine decides what
 * to call from its record (see src/engine/README.md, "The driver contract").
 */
export interface ResourceDriver<K extends ResourceKind = ResourceKind> {
  /** Optional: this kind's time limits (a build may take longer than a DNS record). */
  readonly limits?: DriverLimits;
  /**
   * Finds the object by provider id when known, else by its deterministic name, within
   * the ownership rules (an object that is not provably the tenant's is `absent`).
   */
  observe(ctx: ProviderContext, resource: RecordedResource<K>): Promise<Observation>;
  /**
   * Makes the object exist and match the spec: create, adopt and update in one verb.
   * - no `observed` and no `resource.providerId`: nothing exists yet; create it;
   * - `observed` (the engine looked, after a create whose outcome is unknown): the object
   *   found by name; take it over and converge it (for example reset a password that
   *   cannot be read back), or complete a `diverged` one;
   * - `resource.providerId` set, no `observed`: the recorded object; apply the spec to it.
   */
  apply(ctx: ProviderContext, resource: RecordedResource<K>, observed?: Observed): Promise<ActionResult>;
  /** Deletes the object; `done` only once it is verified gone. Deleting a missing object is `done`. */
  delete(ctx: ProviderContext, resource: RecordedResource<K>): Promise<ActionResult>;
  /**
   * Optional: `false` stops serving while keeping data (suspend); `true` makes sure it runs
   * as last applied, without rebuilding (resume, and heal after Tenantry restarted or a
   * health problem). Kinds without it stay as they are.
   */
  setRunning?(ctx: ProviderContext, resource: RecordedResource<K>, running: boolean): Promise<ActionResult>;
}

/** Drivers by kind, each typed for its kind's spec. */
export type ResourceDrivers = { readonly [K in ResourceKind]?: ResourceDriver<K> };

/** One resource's part of a stack's plan. */
export interface StackChange {
  key: string;
  action: "create" | "update" | "replace" | "delete" | "none";
  /** Platform addresses behind it (a Terraform resource address), for the plan shown to users. */
  addresses?: string[];
}

/** A stack's plan: what an apply of the tenant's desired resources would change. */
export interface StackPlan {
  changes: StackChange[];
  /** Opaque to the engine: given back to `apply` (a saved plan's path, a digest). */
  ref?: string;
  /** A summary for the step's detail, e.g. "2 to add, 1 to change, 0 to destroy". */
  summary?: string;
  /** The platform's own resources and what the plan does to each (Terraform addresses), for the tenant's plan. */
  resources?: { address: string; action: StackChange["action"] }[];
  /** What the planned stack costs a month, where its resources are priced; `monthly: null` when unknown. */
  cost?: { currency: string; monthly: number | null; note: string };
}

/** What a stack's apply or destroy reports, per resource key. */
export type StackResult =
  | {
      state: "done";
      /** For `apply`: every desired resource; for `destroy`: nothing. */
      resources: Record<
        string,
        { providerId?: string; outputs?: Record<string, unknown>; secretOutputs?: Record<string, string> }
      >;
      detail?: string;
      /** The platform's resources finished (or failed) since the last call, for the timeline. */
      progress?: StackProgress[];
    }
  | {
      state: "pending";
      retryAfterMs: number;
      detail?: string;
      /** The platform's resources finished (or failed) since the last call, for the timeline. */
      progress?: StackProgress[];
      /** A plan the driver made itself (after a crash, nobody knew the run): shown as the plan would be. */
      plan?: StackPlan;
    };

/** One of the platform's resources that a stack's run finished or failed on (a Terraform address). */
export interface StackProgress {
  address: string;
  action: string;
  status: "complete" | "errored";
  elapsedSeconds?: number;
}

/**
 * For targets that plan and apply a tenant's resources as one unit (a Terraform stack):
 * instead of one driver per kind, one driver for the whole set. The engine does the same
 * bookkeeping as for resource drivers: steps (`plan stack`, `apply stack`, `destroy stack`),
 * attempts, bounded waits, outputs and sealed secret outputs per resource, events.
 * Every verb is idempotent: after a crash the engine plans again and applies the rest.
 */
export interface StackDriver {
  readonly limits?: DriverLimits;
  /** The kinds the stack can hold. */
  readonly kinds: readonly ResourceKind[];
  /** What applying `desired` would change, against what the stack holds now. */
  plan(ctx: ProviderContext, desired: RecordedResource[]): Promise<StackPlan>;
  /**
   * Applies `plan`, made by `plan` in this pass (`pending` while the apply runs). Without a
   * plan, an earlier pass started an apply (the resources are still marked in flight):
   * follow that run to its end, or, when no run is known (a crash before it started),
   * plan and apply now. Must never run two applies of one tenant at once.
   */
  apply(ctx: ProviderContext, desired: RecordedResource[], plan?: StackPlan): Promise<StackResult>;
  /**
   * Destroys everything the stack holds; `done` only once verified gone. An apply of an
   * earlier operation (one that failed while its apply ran on) may still be running: wait
   * for it, or stop it, before destroying.
   */
  destroy(ctx: ProviderContext, recorded: RecordedResource[]): Promise<StackResult>;
  /** Optional: suspend (`false`) and resume or heal (`true`) the whole stack. */
  setRunning?(ctx: ProviderContext, recorded: RecordedResource[], running: boolean): Promise<StackResult>;
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
  /**
   * Drivers by resource kind; a kind missing here is refused when the tenant is created.
   * A target that applies a tenant's resources as one unit gives `stack` instead.
   */
  readonly drivers?: ResourceDrivers;
  /** One driver for all of a tenant's resources (see {@link StackDriver}); instead of `drivers`. */
  readonly stack?: StackDriver;
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
  /**
   * Optional: this target takes organizations' own credentials (`/v1/credentials`) through
   * {@link ProviderContext.credentials}. `installation`: whether it has the installation's
   * own to fall back on (`TENANTRY_CREDENTIALS_FALLBACK=installation`). A tenant of an
   * organization that has neither is refused at create (`CREDENTIAL_REQUIRED`).
   */
  readonly credentials?: { installation: boolean };
  /** Why a kind it has no driver for is missing, and what to configure (shown to the user). */
  explain?(kind: string): string | undefined;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/**
 * How a {@link ProviderError} is made: a code from the catalogue (src/domain/operation-errors.ts),
 * whose `retryable` is the default, or only `retryable` (`PROVIDER_TRANSIENT` or
 * `PROVIDER_PERMANENT`).
 */
export type ProviderErrorOptions = {
  cause?: unknown;
  retryAfterMs?: number;
  condition?: ProviderCondition;
  /** A stack's run that failed: the platform resources it finished or failed on, for the timeline. */
  progress?: StackProgress[];
} & ({ code: OperationErrorCode; retryable?: boolean } | { code?: undefined; retryable: boolean });

/**
 * A failure reported by a driver. `retryable: false` fails the operation at once
 * (bad input, bad credentials); anything else thrown by a driver is treated as transient.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly code: OperationErrorCode;
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
  /** See {@link ProviderErrorOptions.progress}. */
  readonly progress: readonly StackProgress[];
  constructor(message: string, options: ProviderErrorOptions) {
    super(message, { cause: options.cause });
    this.name = "ProviderError";
    const retryable = options.retryable ?? isRetryableCode(options.code);
    this.retryable = retryable;
    this.code = options.code ?? (retryable ? "PROVIDER_TRANSIENT" : "PROVIDER_PERMANENT");
    this.retryAfterMs = retryable ? options.retryAfterMs : undefined;
    this.condition = options.condition;
    this.progress = options.progress ?? [];
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
  constructor(message: string, options: { code?: OperationErrorCode; cause?: unknown } = {}) {
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
