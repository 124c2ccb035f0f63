import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { planChanges } from "../blueprints/plan.js";
import { TenantryError } from "../domain/errors.js";
import type {
  ResourceKeyEventType,
  TenantEventMap,
  TenantEventOf,
  TenantEventType,
} from "../domain/events.js";
import { completionEvent, type LifecycleEvent, transition, type WorkKind } from "../domain/lifecycle.js";
import { placementHint, placementLogFields } from "../domain/placement.js";
import { type DesiredResource, envBindingsOf, isResourceKind, typedResource } from "../domain/resources.js";
import type { Operation, Resource, ResourceStatus, Tenant } from "../domain/types.js";
import type { SecretBox } from "../lib/crypto.js";
import { kindLimits } from "../providers/capabilities.js";
import { narrowContext, providerContext } from "../providers/context.js";
import { lateInputs, secretInputs } from "../providers/env.js";
import {
  type ActionResult,
  type BootstrapHook,
  type DriverLimits,
  type OrganizationCredentials,
  type Provider,
  type ProviderContext,
  ProviderError,
  type ProviderRegistry,
  type RecordedResource,
  type ResourceDriver,
} from "../providers/provider.js";
import { compiledById, compileStored, renderOrThrow } from "../services/blueprint-compiler.js";
import { installationIdFor, type RenderSettings, renderContextFor } from "../services/render-context.js";
import type { Db, Queryable } from "../store/db.js";
import { insertAuditEntry } from "../store/sql/audit.js";
import { getBlueprintById } from "../store/sql/blueprints.js";
import { appendEvent } from "../store/sql/events.js";
import {
  endStep,
  finishOperation,
  type Lease,
  LeaseLostError,
  lockLeaseSql,
  startStep,
} from "../store/sql/operations.js";
import {
  insertResource,
  markWaiting,
  type ResourceChange,
  recordActionResult,
  updateResource,
} from "../store/sql/resources.js";
import { getTenantWithResources, updateTenantStatus } from "../store/sql/tenants.js";
import { AbortedError } from "./failures.js";
import { dependencyOrder } from "./order.js";
import { convergeStack } from "./stack-pass.js";

export { DEFAULT_ACTION_TIMEOUT_MS, DEFAULT_MAX_WAIT_MS } from "../providers/capabilities.js";
/** A driver's "look again in…" is kept within these bounds. */
export const MIN_WAIT_MS = 50;
export const MAX_WAIT_DELAY_MS = 5 * 60_000;

/** `retryAfterMs` from a driver or a platform, kept within [50 ms, 5 min] (1 s when not a number). */
export function clampWait(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms)) return 1000;
  return Math.min(MAX_WAIT_DELAY_MS, Math.max(MIN_WAIT_MS, ms));
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

/** What the reconciler needs; shared by the engine's parts (see README.md). */
export interface ReconcilerDeps {
  db: Db;
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
  /** What tenants render with (the same as the API's: `TENANTRY_PLUGIN_REPO_HOSTS`). */
  render?: RenderSettings;
  /** Organizations' own target credentials (docs/credentials.md); absent: the installation's only. */
  credentials?: (organizationId: string) => OrganizationCredentials;
}

/** The outcome of one pass: converged (operation finished), or come back later. */
export type PassOutcome = { kind: "done" } | { kind: "wait"; delayMs: number; reason: string };

/**
 * Runs `fn` in a transaction that first checks the lease is still held (the fence):
 * the operation row stays locked until commit, so no one can take the lease over
 * while the writes are made. `begin` and the check travel in one round trip.
 */
export function fenced<T>(db: Db, lease: Lease, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.tx(fn, {
    opening: lockLeaseSql(lease),
    checkOpening: (result) => {
      if (result.rowCount !== 1) throw new LeaseLostError(lease);
    },
  });
}

export function specHash(spec: object): string {
  return createHash("sha256").update(stableJson(spec)).digest("hex").slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Applies a lifecycle event to a tenant inside a fenced transaction, with its event record. */
async function changeTenantStatus(
  q: Queryable,
  tenant: Tenant,
  op: Operation,
  event: LifecycleEvent,
  extra: {
    errorMessage?: string | null;
    observedGeneration?: number;
    failedOperationId?: string | null;
  } = {},
): Promise<Tenant> {
  const next = transition(tenant.status, event);
  if (!next.ok) throw new Error(`lifecycle: ${next.reason} (operation ${op.id})`);
  const updated = await updateTenantStatus(q, tenant.id, {
    status: next.status,
    from: tenant.status,
    ...extra,
    event: {
      operationId: op.id,
      type: "tenant.status_changed",
      message: `${tenant.status} → ${next.status}`,
      data: {
        from: tenant.status,
        to: next.status,
        ...(extra.errorMessage ? { error: extra.errorMessage } : {}),
      },
    },
  });
  return updated;
}

/**
 * One level-triggered reconcile pass for an operation: compare the resources the
 * tenant should have with the recorded ones, perform the next actions in dependency
 * order, record each result at once, and either finish the operation or ask to be
 * requeued while a platform is busy.
 */
export async function reconcilePass(
  deps: ReconcilerDeps,
  op: Operation,
  lease: Lease,
  signal: AbortSignal,
  /** When the lease runs out unless renewed (epoch ms), as the worker's keeper knows it. */
  leaseDeadline: () => number = () => Number.MAX_SAFE_INTEGER,
  /** The most lease a pass can have left: right after a renewal (lease − margin). */
  leaseWindowMs: number = Number.POSITIVE_INFINITY,
  /**
   * The pass's own logger (the worker's, made for this pass): the pass logs with it and
   * adds to it what it learns (the region), so the worker's lines after the pass have it
   * too. Without it, a child of `deps.logger`.
   */
  passLog?: Logger,
): Promise<PassOutcome> {
  const { db } = deps;
  const loaded = await getTenantWithResources(db, op.tenantId);
  if (!loaded) throw new TenantryError("TENANT_NOT_FOUND", `tenant ${op.tenantId} no longer exists`);
  let tenant = loaded.tenant;
  const fields = {
    tenant: tenant.slug,
    tenantId: tenant.id,
    organizationId: tenant.organizationId,
    target: tenant.target,
    operation: op.id,
    kind: op.kind,
    // The request that started the operation: its HTTP log line has the same `requestId`.
    ...(op.requestId ? { requestId: op.requestId } : {}),
  };
  const log = passLog ?? deps.logger.child({});
  bindMissing(log, fields);

  // A queued tenant is marked started in the same transaction as the pass's first write.
  let started: ((q: Queryable) => Promise<void>) | null = null;
  if (tenant.status === "queued" || tenant.status === "destroy_queued") {
    const queued = tenant;
    const next = transition(queued.status, { type: "started" });
    if (next.ok) tenant = { ...queued, status: next.status };
    started = async (q) => {
      await changeTenantStatus(q, queued, op, { type: "started" });
    };
  }

  const provider = deps.providers.get(tenant.target);
  if (!provider)
    throw new TenantryError("UNKNOWN_TARGET", `no provider is configured for target "${tenant.target}"`);
  const kind = op.effectiveKind;
  const wanted =
    kind === "destroy" ? { resources: [], hook: undefined } : await desiredFor(db, deps.render ?? {}, tenant);
  const desired = wanted.resources;
  // Where the tenant runs, on every line of the pass (the drivers' too): what its
  // resources' specs say, desired or recorded (docs/observability.md, "Logs").
  bindMissing(
    log,
    placementLogFields(
      tenant.target,
      [...desired.map((d) => d.spec), ...loaded.resources.map((r) => r.spec)].map(placementHint),
    ),
  );
  // The bootstrap hook runs once, at the end of provisioning.
  const hook = kind === "create" ? wanted.hook : undefined;
  const recorded = new Map(loaded.resources.map((r) => [r.key, r]));
  // Opened only when a driver asks for a secret.
  let generated: Record<string, string> | undefined;
  let written: Record<string, string> | undefined;
  const params = tenant.params;
  const ctx: ProviderContext = providerContext({
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, organizationId: tenant.organizationId },
    installationId: await installationIdFor(db, tenant.organizationId),
    signal,
    limit: leaseDeadline,
    logger: log,
    ...(deps.credentials && { credentials: deps.credentials(tenant.organizationId) }),
    digest: (value) => deps.secrets.digest(value),
    secret(binding) {
      const open = (enc: string | null): Record<string, string> => (enc ? deps.secrets.openJson(enc) : {});
      if (binding.secret === "generated") {
        if (!generated) generated = open(loaded.generatedEnc);
        return generated[binding.ref];
      }
      if (!written) written = open(loaded.secretsEnc);
      const fromParams = params[binding.key];
      return written[binding.key] ?? (typeof fromParams === "string" ? fromParams : undefined);
    },
    resource(key) {
      const row = recorded.get(key);
      if (!row || row.status === "deleted") return undefined;
      return typedResource({
        key: row.key,
        kind: row.kind,
        externalName: row.externalName,
        dependsOn: row.dependsOn,
        spec: row.spec,
        providerId: row.providerId,
        outputs: row.outputs,
        secretOutputs: row.secretOutputsEnc
          ? deps.secrets.openJson<Record<string, string>>(row.secretOutputsEnc)
          : {},
      });
    },
  });
  const pass = new Pass(deps, provider, op, lease, ctx, tenant, started, recorded, leaseWindowMs);
  try {
    const wait = provider.stack
      ? await convergeStack(pass, provider.stack, op.effectiveKind, desired)
      : await converge(pass, op.effectiveKind, desired, recorded);
    if (wait) {
      await pass.flush();
      return wait;
    }
  } catch (err) {
    // Keep what was done before the failure (a lost lease makes this fail too, harmlessly).
    await pass.flush().catch(() => {});
    throw err;
  }

  let done = tenant;
  if (hook) {
    const provisioned = done;
    if (provisioned.status === "provisioning") {
      // provisioning → bootstrapping, written with the hook's step.
      const next = transition(provisioned.status, { type: "provisioned", bootstrap: true });
      if (next.ok) done = { ...provisioned, status: next.status };
      pass.defer(async (q) => {
        await changeTenantStatus(q, provisioned, op, { type: "provisioned", bootstrap: true });
      });
    }
    const rows = [...recorded.values()];
    const wait = await pass.bootstrap(hook, rows).catch(async (err) => {
      await pass.flush().catch(() => {});
      throw err;
    });
    if (wait) {
      await pass.flush();
      return wait;
    }
  }
  const final = done;
  const event = hook ? ({ type: "bootstrapped" } as const) : completionEvent(kind);
  await pass.write(async (q) => {
    await changeTenantStatus(q, final, op, event, {
      observedGeneration: op.generation,
      errorMessage: null,
      failedOperationId: null,
    });
    await finishOperation(q, op.id, { status: "succeeded" });
  });
  log.info({ status: transitionTarget(final, kind) }, "operation succeeded");
  return { kind: "done" };
}

/** Adds the fields the logger does not have yet (pino would repeat a key bound twice). */
function bindMissing(log: Logger, fields: Record<string, unknown>): void {
  const bound = log.bindings();
  const missing = Object.entries(fields).filter(([k, v]) => v !== undefined && !(k in bound));
  if (missing.length > 0) log.setBindings(Object.fromEntries(missing));
}

/** Walks the resources toward the operation's goal; returns a wait when a platform is busy. */
async function converge(
  pass: Pass,
  kind: WorkKind,
  desired: DesiredResource[],
  recorded: Map<string, Resource>,
): Promise<PassOutcome | null> {
  if (kind === "suspend") {
    for (const row of reverse(recorded)) {
      const wait = await pass.suspend(row);
      if (wait) return wait;
    }
  } else if (kind === "destroy") {
    // Independent resources are deleted side by side; a resource waits for its dependents.
    const waits = new Waits();
    for (const row of reverse(recorded)) {
      const dependents = [...recorded.values()].filter((r) => r.dependsOn.includes(row.key));
      if (dependents.some((d) => waits.blocks(d.key))) {
        waits.block(row.key);
        continue;
      }
      waits.add(row.key, await notNow(row.key, () => pass.remove(row)));
    }
    // Every resource gone: then what the provider made for the tenant as a whole.
    return waits.outcome() ?? (await pass.releaseTenant());
  } else {
    // While the platform works on one resource (a database being created, a deploy),
    // the pass goes on with the resources that do not depend on it, so independent
    // resources progress side by side; the dependents wait for a later pass.
    const waits = new Waits();
    for (const want of dependencyOrder(desired)) {
      if (want.dependsOn.some((d) => waits.blocks(d))) {
        waits.block(want.key);
        continue;
      }
      waits.add(want.key, await notNow(want.key, () => pass.ensure(want, recorded.get(want.key), kind)));
    }
    const pending = waits.outcome() ?? (await settleLateBindings(pass, desired, recorded, kind));
    if (pending) return pending;
    // Resources the blueprint no longer has go away, dependents first.
    const wanted = new Set(desired.map((d) => d.key));
    for (const row of reverse(recorded)) {
      if (wanted.has(row.key)) continue;
      const wait = await pass.remove(row);
      if (wait) return wait;
    }
  }

  return null;
}

/**
 * Late bindings (services that reference each other: src/blueprints/render.ts): once every
 * resource exists, a resource whose late inputs became known (or changed) since it was last
 * applied is updated with them; again while updates change what others read, at most once
 * per such resource and one more. Values that keep changing with every update (two local
 * services reading each other's port, which each deploy moves) fail the operation.
 */
async function settleLateBindings(
  pass: Pass,
  desired: DesiredResource[],
  recorded: Map<string, Resource>,
  kind: WorkKind,
): Promise<PassOutcome | null> {
  const late = dependencyOrder(desired).filter((d) => pass.hasLateInputs(d));
  for (let round = 0; round <= late.length; round++) {
    const stale = late.filter((want) => {
      const row = recorded.get(want.key);
      return row?.status === "ready" && row.specHash !== pass.hashOf(want);
    });
    if (stale.length === 0) return null;
    const waits = new Waits();
    for (const want of stale) {
      waits.add(want.key, await notNow(want.key, () => pass.ensure(want, recorded.get(want.key), kind)));
    }
    const pending = waits.outcome();
    if (pending) return pending;
  }
  throw new ProviderError(
    `the values services read from each other do not settle: ${late.map((d) => d.key).join(", ")} change what the others read with every update (on the local target, a service's port moves with each deploy: reference its host, or an env var, rather than its port, in one direction)`,
    { retryable: false, code: "LATE_BINDING_UNSETTLED" },
  );
}

/**
 * Runs one resource's action; a platform's "not now" (a rate limit: a `ProviderError`
 * with `retryAfterMs`) becomes a wait for that resource alone, so the others go on.
 */
async function notNow(key: string, action: () => Promise<PassOutcome | null>): Promise<PassOutcome | null> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof ProviderError && err.retryAfterMs !== undefined) {
      return { kind: "wait", delayMs: clampWait(err.retryAfterMs), reason: `${key}: ${err.message}` };
    }
    throw err;
  }
}

/** The waits of one pass: which resources are not done yet, and when to come back. */
class Waits {
  readonly #blocked = new Set<string>();
  readonly #waits: PassOutcome[] = [];

  blocks(key: string): boolean {
    return this.#blocked.has(key);
  }

  block(key: string): void {
    this.#blocked.add(key);
  }

  add(key: string, wait: PassOutcome | null): void {
    if (!wait) return;
    this.#blocked.add(key);
    this.#waits.push(wait);
  }

  /** The soonest wait (its reason naming every resource still in progress), or null. */
  outcome(): PassOutcome | null {
    const waits = this.#waits.filter((w): w is Extract<PassOutcome, { kind: "wait" }> => w.kind === "wait");
    if (waits.length === 0) return this.#waits[0] ?? null;
    const delayMs = Math.min(...waits.map((w) => w.delayMs));
    return { kind: "wait", delayMs, reason: waits.map((w) => w.reason).join("; ") };
  }
}

function transitionTarget(tenant: Tenant, kind: WorkKind): string {
  const next = transition(tenant.status, completionEvent(kind));
  return next.ok ? next.status : tenant.status;
}

/** The resources the tenant's blueprint version asks for, rendered for it. */
async function desiredFor(
  db: Db,
  settings: RenderSettings,
  tenant: Tenant,
): Promise<{ resources: DesiredResource[]; hook: BootstrapHook | undefined }> {
  let compiled = compiledById(tenant.blueprintId);
  if (!compiled) {
    const blueprint = await getBlueprintById(db, tenant.blueprintId);
    if (!blueprint) {
      throw new TenantryError("BLUEPRINT_NOT_FOUND", `blueprint ${tenant.blueprintId} is missing`);
    }
    compiled = compileStored(blueprint);
  }
  const rendered = renderOrThrow(
    compiled,
    await renderContextFor(db, settings, tenant, { params: tenant.params }),
  );
  return { resources: rendered.resources, hook: rendered.hooks.bootstrap };
}

/** Recorded resources in reverse dependency order (dependents first), skipping deleted ones. */
function reverse(recorded: Map<string, Resource>): Resource[] {
  const live = [...recorded.values()].filter((r) => r.status !== "deleted");
  return dependencyOrder(live).reverse();
}

/** The actions of one pass, sharing its tenant, operation, lease and provider context. */
export class Pass {
  constructor(
    readonly deps: ReconcilerDeps,
    readonly provider: Provider,
    readonly op: Operation,
    private readonly lease: Lease,
    private readonly ctx: ProviderContext,
    readonly tenant: Tenant,
    started: ((q: Queryable) => Promise<void>) | null,
    /** The pass's view of the recorded resources, kept current so drivers see dependencies' outputs. */
    readonly recorded: Map<string, Resource>,
    private readonly leaseWindowMs: number,
  ) {
    if (started) this.pending.push(started);
  }

  /**
   * Writes not yet sent: the tenant's `started` transition, and the result of the last
   * provider action. They go out with the next write, which always comes before the
   * next provider call, so every result is durable before anything else happens on the
   * platform; merging them saves a transaction per action.
   */
  private pending: ((q: Queryable) => Promise<void>)[] = [];

  /** A fenced transaction that first writes whatever is pending. */
  async write<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const pending = this.pending;
    const result = await fenced(this.deps.db, this.lease, async (q) => {
      for (const p of pending) await p(q);
      return fn(q);
    });
    this.pending = [];
    return result;
  }

  /**
   * Calls the provider for an open step; a failure is recorded on the step (and, for an
   * `audited` action, in the audit log, unless it only means "not now"), then rethrown.
   */
  async callInStep<T>(stepId: string, call: () => Promise<T>, audited?: AuditedAction): Promise<T> {
    try {
      return await call();
    } catch (err) {
      // Best effort: the lease may be gone, and then the step stays for the next pass to close.
      const wait = err instanceof ProviderError && err.retryAfterMs !== undefined;
      // A pass handed back (shutdown, not enough lease left) is no failed action.
      const aborted = this.ctx.signal.aborted || err instanceof AbortedError;
      const message = err instanceof Error ? err.message : String(err);
      await this.write(async (q) => {
        await endStep(
          q,
          stepId,
          wait ? { status: "waiting", detail: message } : { status: "failed", errorMessage: message },
        );
        if (audited && !wait && !aborted) {
          await this.audit(q, audited.action, "failed", {
            ...audited.summary,
            error: message.slice(0, 500),
            ...(err instanceof ProviderError ? { code: err.code } : {}),
          });
        }
      }).catch(() => {});
      throw err;
    }
  }

  /**
   * Records a provider action in the audit log (actor: the engine), with the operation and
   * the request that started it; written with `q`, in the transaction of the action's result.
   */
  async audit(
    q: Queryable,
    action: string,
    outcome: "succeeded" | "failed",
    summary: Record<string, unknown>,
  ) {
    const id = await insertAuditEntry(q, {
      actor: { type: "system" },
      organizationId: this.tenant.organizationId,
      requestId: this.op.requestId,
      tenantId: this.tenant.id,
      operationId: this.op.id,
      action: `provider.${action}`,
      outcome,
      status: null,
      summary: { provider: this.provider.name, ...summary },
    });
    // The same fields in the log (the pass's logger has the tenant, operation and request id).
    this.ctx.logger.info(
      {
        audit: { id, action: `provider.${action}`, outcome, actor: "system" },
        resource: summary["resource"],
      },
      "audit",
    );
    return id;
  }

  /** Queues a write to go out with the next one. */
  defer(write: (q: Queryable) => Promise<void>): void {
    this.pending.push(write);
  }

  /**
   * Runs the blueprint's bootstrap hook through the provider, as a recorded step
   * (action `bootstrap`, no resource). A provider that cannot run hooks fails the tenant.
   */
  async bootstrap(hook: BootstrapHook, resources: Resource[]): Promise<PassOutcome | null> {
    this.checkAbort();
    const run = this.provider.runBootstrap?.bind(this.provider);
    if (!run) {
      throw new TenantryError(
        "UNSUPPORTED_RESOURCE",
        `the ${this.provider.name} provider cannot run the blueprint's bootstrap hook (hooks.bootstrap)`,
      );
    }
    return this.tenantStep("bootstrap", "bootstrap", "the bootstrap hook", () =>
      run(
        this.ctx,
        hook,
        resources.filter((r) => r.status !== "deleted").map((r) => this.view(r)),
      ),
    );
  }

  /**
   * The destroy's last step (action `release`, no resource): the provider removes what it
   * made for the tenant as a whole (the local target's OS user). Nothing for providers
   * without such objects.
   */
  async releaseTenant(): Promise<PassOutcome | null> {
    this.checkAbort();
    const release = this.provider.releaseTenant?.bind(this.provider);
    if (!release) return null;
    return this.tenantStep("release tenant", "release", "the tenant's release", () =>
      this.timed("release tenant", "tenant", "release", (c) => release(c)),
    );
  }

  /** A step of the tenant as a whole (no resource): opened, called, closed or waiting. */
  private async tenantStep(
    name: string,
    action: string,
    what: string,
    call: () => Promise<ActionResult>,
  ): Promise<PassOutcome | null> {
    const stepId = await this.write((q) => startStep(q, this.op.id, { name, resourceKey: null, action }));
    const result = await this.callInStep(stepId, call, { action, summary: {} });
    if (result.state === "pending") {
      await this.write((q) => endStep(q, stepId, { status: "waiting", detail: result.detail ?? null }));
      return {
        kind: "wait",
        delayMs: clampWait(result.retryAfterMs),
        reason: result.detail ?? `waiting for ${what}`,
      };
    }
    this.defer(async (q) => {
      await endStep(q, stepId, { status: "succeeded", detail: result.detail ?? null });
      await this.audit(q, action, "succeeded", {});
    });
    return null;
  }

  /** Writes what is pending, if anything (before the pass ends, also by an error). */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.write(async () => {});
  }

  private driver(kind: string): ResourceDriver {
    const driver = isResourceKind(kind)
      ? (this.provider.drivers?.[kind] as ResourceDriver | undefined)
      : undefined;
    if (!driver) {
      throw new TenantryError(
        "UNSUPPORTED_RESOURCE",
        `the ${this.provider.name} provider cannot provide resources of kind "${kind}"`,
      );
    }
    return driver;
  }

  /**
   * The hash of what applying `want` means now: its spec and, for a service with late
   * bindings, what those resolve to at this moment (see `lateInputs`), and for one that
   * uses tenant secrets, keyed digests of their values (see `secretInputs`): a rotated
   * secret redeploys exactly the resources that use it.
   */
  hashOf(want: DesiredResource): string {
    const bindings = envBindingsOf(want);
    const late = lateInputs(this.ctx, bindings);
    const secrets = secretInputs(this.ctx, bindings, (v) => this.deps.secrets.digest(v));
    if (late === undefined && secrets === undefined) return specHash(want.spec);
    return specHash({
      spec: want.spec,
      ...(late === undefined ? {} : { late }),
      ...(secrets === undefined ? {} : { secrets }),
    });
  }

  hasLateInputs(want: DesiredResource): boolean {
    return envBindingsOf(want).some((b) => "from" in b && b.late === true);
  }

  view(row: Resource, want?: DesiredResource): RecordedResource {
    const recorded = {
      key: row.key,
      externalName: row.externalName,
      dependsOn: want?.dependsOn ?? row.dependsOn,
      providerId: row.providerId,
      createRequestedAt: row.createRequestedAt,
      outputs: row.outputs,
      secretOutputs: row.secretOutputsEnc
        ? this.deps.secrets.openJson<Record<string, string>>(row.secretOutputsEnc)
        : {},
    };
    return want ? { ...want, ...recorded } : typedResource({ ...recorded, kind: row.kind, spec: row.spec });
  }

  private checkAbort(): void {
    this.ctx.throwIfAborted();
  }

  /** This kind's time limits, as the provider's capabilities declare them. */
  limits(kind: string): Required<DriverLimits> {
    return kindLimits(this.provider, kind);
  }

  /**
   * One provider call, with its kind's action timeout: the driver gets a context whose
   * signal aborts at the timeout (or with the pass), and the engine stops waiting for
   * it then even if the driver ignores the signal, so a hanging call frees its worker
   * slot. A timeout is a transient failure; an abort of the pass is not a failure. A
   * create, which cannot be repeated safely, starts only with enough lease left for the
   * provider's longest request.
   */
  async timed<T>(label: string, kind: string, action: string, call: (ctx: ProviderContext) => Promise<T>) {
    this.checkAbort();
    if (action === "create" || action === "adopt") {
      // Never more than half of what a lease can ever leave: a provider's request timeout
      // longer than the lease must not stop creates for good (its requests are bounded
      // by ctx.timeLeft() anyway).
      const need = Math.min(this.provider.requestTimeoutMs ?? 0, this.leaseWindowMs / 2);
      if (this.ctx.timeLeft() < need) {
        throw new AbortedError(
          `not enough lease left to start "${label}" (${this.ctx.timeLeft()} ms, a request may take ${need} ms)`,
        );
      }
    }
    const { actionTimeoutMs } = this.limits(kind);
    const timeout = new AbortController();
    const signal = AbortSignal.any([this.ctx.signal, timeout.signal]);
    const ctx = narrowContext(this.ctx, signal, Date.now() + actionTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => timeout.abort(new Error("timeout")), actionTimeoutMs);
      timer.unref?.();
    });
    stopped.catch(() => {});
    try {
      const running = call(ctx);
      // What the call does after the engine stopped waiting is not the engine's business.
      running.catch(() => {});
      return await Promise.race([running, stopped]);
    } catch (err) {
      this.checkAbort();
      if (timeout.signal.aborted) {
        throw new ProviderError(
          `${label} did not finish within ${formatMs(actionTimeoutMs)} (the action timeout of ${kind} resources)`,
          { retryable: true, code: "ACTION_TIMEOUT", cause: err },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  /** Makes sure `want` exists, is ready and matches its spec. Returns a wait when the platform is busy. */
  async ensure(
    want: DesiredResource,
    existing: Resource | undefined,
    kind: WorkKind,
  ): Promise<PassOutcome | null> {
    this.checkAbort();
    const driver = this.driver(want.kind);
    const hash = this.hashOf(want);
    const fresh = { spec: want.spec, specHash: hash, dependsOn: want.dependsOn };

    if (!existing) {
      // First sight: record the resource (its platform name is fixed from now on) and
      // mark it `creating` before the call, so a crash leaves a trace to look up.
      return this.act(
        (q) =>
          insertResource(q, {
            tenantId: this.tenant.id,
            key: want.key,
            kind: want.kind,
            provider: this.provider.name,
            externalName: want.externalName,
            status: "creating",
            ...fresh,
          }),
        "create",
        "ready",
        (row, c) => driver.apply(c, this.view(row, want)),
      );
    }
    const row = existing;
    // The platform name was fixed when the resource was first recorded.
    const target: DesiredResource = { ...want, externalName: row.externalName };
    const view = (r: Resource) => this.view(r, target);
    // What `apply` gets to create anew: no object of a previous create is known.
    const created = (r: Resource) => ({ ...view(r), providerId: null });

    switch (row.status) {
      case "pending":
      case "deleted":
        return this.act(this.mark(row, "creating", fresh), "create", "ready", (r, c) =>
          driver.apply(c, created(r)),
        );
      case "deleting": {
        // Deleting while the goal is presence: a replace was cut off. Finish the delete
        // (verified), then create the resource anew.
        const removed = await this.remove(row);
        if (removed) return removed;
        return this.act(
          this.mark({ ...row, status: "deleted" }, "creating", fresh),
          "create",
          "ready",
          (r, c) => driver.apply(c, created(r)),
        );
      }
      case "creating": {
        // The outcome of the last create is unknown (a crash or a timeout after the
        // call): look the object up by its deterministic name before creating again.
        const observed = await this.timed(`observe ${row.key}`, row.kind, "observe", (c) =>
          driver.observe(c, view(row)),
        );
        this.checkAbort();
        if (observed.state === "absent") {
          // Not there (not even under a recorded id): create it.
          return this.act(this.mark(row, "creating"), "create", "ready", (r, c) =>
            driver.apply(c, created(r)),
          );
        }
        if (observed.state === "diverged") {
          // There but partial (a local database's role without the database): nothing
          // finishes it by itself, so apply again with what was found; drivers complete it.
          return this.act(this.mark(row, "creating"), "create", "ready", (r, c) =>
            driver.apply(c, view(r), observed),
          );
        }
        if (observed.state === "converging") {
          return this.act(this.mark(row, "creating"), "create", "ready", async () => ({
            state: "pending",
            retryAfterMs: observed.retryAfterMs ?? 1000,
            providerId: observed.providerId,
            detail: observed.detail,
            // What the platform reports meanwhile (a deploy's progress) is shown on the tenant.
            ...(observed.outputs ? { outputs: observed.outputs } : {}),
          }));
        }
        if (row.providerId === null) {
          return this.act(
            this.mark(row, "creating"),
            "adopt",
            "ready",
            (r, c) => driver.apply(c, view(r), observed),
            { type: "resource.adopted", message: `${row.key}: adopted existing ${row.externalName}` },
          );
        }
        return this.act(this.mark(row, "creating"), "create", "ready", async () => ({
          state: "done",
          providerId: observed.providerId,
          outputs: observed.outputs,
          secretOutputs: observed.secretOutputs,
        }));
      }
      case "ready":
        if (row.specHash === hash && kind === "heal") {
          // Make sure it runs as deployed; kinds without `setRunning` are left as they are.
          const setRunning = driver.setRunning?.bind(driver);
          if (!setRunning) return null;
          return this.act(this.mark(row, "ready"), "heal", "ready", (r, c) => setRunning(c, view(r), true));
        }
        if (row.specHash === hash) return null;
        if (planChanges([target], [row]).actions[0]?.action === "replace") {
          // A change that cannot be made in place (a database's name, a region…): the
          // same rules as the plan shows. Delete (verified), then create with the new spec.
          await this.write((q) =>
            appendEvent(
              q,
              this.eventFor("resource.replacing", `${row.key}: replacing ${row.externalName}`, row.key),
            ),
          );
          const removed = await this.remove(row);
          if (removed) return removed;
          return this.act(
            this.mark({ ...row, status: "deleted" }, "creating", fresh),
            "create",
            "ready",
            (r, c) => driver.apply(c, created(r)),
          );
        }
        return this.act(this.mark(row, "updating", fresh), "update", "ready", (r, c) =>
          driver.apply(c, view(r)),
        );
      case "updating":
        return this.act(this.mark(row, "updating"), "update", "ready", (r, c) => driver.apply(c, view(r)));
      case "suspending":
      case "suspended":
      case "resuming": {
        const setRunning = driver.setRunning?.bind(driver);
        if (!setRunning)
          return this.act(this.mark(row, "resuming"), "resume", "ready", async () => ({ state: "done" }));
        return this.act(this.mark(row, "resuming"), "resume", "ready", (r, c) =>
          setRunning(c, view(r), true),
        );
      }
      default:
        return assertNeverStatus(row.status);
    }
  }

  async suspend(row: Resource): Promise<PassOutcome | null> {
    this.checkAbort();
    const driver = this.driver(row.kind);
    const setRunning = driver.setRunning?.bind(driver);
    if (!setRunning || row.status === "suspended" || row.status === "pending") return null;
    return this.act(this.mark(row, "suspending"), "suspend", "suspended", (r, c) =>
      setRunning(c, this.view(r), false),
    );
  }

  async remove(row: Resource): Promise<PassOutcome | null> {
    this.checkAbort();
    if (row.status === "pending") {
      // Never sent to the platform: nothing to delete.
      await this.write((q) => updateResource(q, row.id, { status: "deleted" }));
      return null;
    }
    const driver = this.driver(row.kind);
    return this.act(this.mark(row, "deleting"), "delete", "deleted", (r, c) =>
      driver.delete(c, this.view(r)),
    );
  }

  /** A change of a resource's status (and spec) made with the step that follows it. */
  private mark(row: Resource, status: ResourceStatus, change: Partial<ResourceChange> = {}) {
    return (q: Queryable) =>
      row.status === status && Object.keys(change).length === 0
        ? Promise.resolve(row)
        : updateResource(q, row.id, { ...change, status });
  }

  /**
   * Performs one provider action as a recorded step. `prepare` (recording or marking the
   * resource) and the opening of the step are written before the call, in one fenced
   * transaction; the result is written right after it, in another.
   */
  private async act(
    prepare: (q: Queryable) => Promise<Resource>,
    action: string,
    doneStatus: "ready" | "suspended" | "deleted",
    call: (row: Resource, ctx: ProviderContext) => Promise<ActionResult>,
    event?: { type: ResourceKeyEventType; message: string },
  ): Promise<PassOutcome | null> {
    const { row, stepId } = await this.write(async (q) => {
      const r = await prepare(q);
      const id = await startStep(q, this.op.id, { name: `${action} ${r.key}`, resourceKey: r.key, action });
      if (event) await this.appendEvent(q, event.type, event.message, { resource: r.key });
      return { row: r, stepId: id };
    });
    const audited = { resource: row.key, kind: row.kind, name: row.externalName };
    const result = await this.callInStep(
      stepId,
      () => this.timed(`${action} ${row.key}`, row.kind, action, (c) => call(row, c)),
      { action, summary: audited },
    );
    if (result.state === "pending") {
      // Bounded waits: a resource pending for longer than its kind's maximum fails the
      // operation, saying what it waited for.
      const { maxWaitMs } = this.limits(row.kind);
      const waited = row.pendingSince ? Date.now() - row.pendingSince.getTime() : 0;
      const waitingFor = result.detail ?? `${action} to finish`;
      if (waited > maxWaitMs) {
        const err = new ProviderError(
          `${row.key} (${row.externalName}) waited ${formatMs(waited)} for ${waitingFor}, longer than the ${formatMs(maxWaitMs)} a ${row.kind} resource may wait`,
          { retryable: false, code: "WAIT_TIMEOUT" },
        );
        await this.write(async (q) => {
          await endStep(q, stepId, { status: "failed", errorMessage: err.message });
          await this.audit(q, action, "failed", { ...audited, error: err.message, code: err.code });
        });
        throw err;
      }
      await this.write(async (q) => {
        const newId = result.providerId && result.providerId !== row.providerId;
        await markWaiting(q, row.id, {
          ...(newId ? { providerId: result.providerId } : {}),
          ...(result.outputs ? { outputs: { ...row.outputs, ...result.outputs } } : {}),
        });
        await endStep(q, stepId, { status: "waiting", detail: result.detail ?? null });
      });
      return {
        kind: "wait",
        delayMs: clampWait(result.retryAfterMs),
        reason: `${row.key}: ${result.detail ?? `waiting for ${action}`}`,
      };
    }
    const change: ResourceChange = { status: doneStatus };
    if (result.providerId !== undefined) change.providerId = result.providerId;
    // Gone for good: a later create of the same resource starts with no id of its own,
    // so nothing made under its name meanwhile passes for ours by record.
    if (doneStatus === "deleted") change.providerId = null;
    if (result.outputs !== undefined) change.outputs = result.outputs;
    if (result.secretOutputs !== undefined) {
      change.secretOutputsEnc = this.deps.secrets.sealJson(result.secretOutputs);
    }
    this.recorded.set(row.key, {
      ...row,
      status: doneStatus,
      providerId: change.providerId !== undefined ? change.providerId : row.providerId,
      outputs: change.outputs ?? row.outputs,
      secretOutputsEnc:
        change.secretOutputsEnc !== undefined ? change.secretOutputsEnc : row.secretOutputsEnc,
    });
    this.pending.push(async (q) => {
      await recordActionResult(q, {
        resourceId: row.id,
        change,
        stepId,
        detail: result.detail ?? null,
        event: {
          organizationId: this.tenant.organizationId,
          tenantId: this.tenant.id,
          operationId: this.op.id,
          type: `resource.${doneStatus}`,
          message: `${row.key} (${row.externalName}) ${doneStatus}`,
          data: { resource: row.key, action, providerId: result.providerId ?? row.providerId },
        },
      });
      await this.audit(q, action, "succeeded", {
        ...audited,
        provider_id: (change.providerId !== undefined ? change.providerId : row.providerId) ?? null,
      });
    });
    return null;
  }

  private eventFor(type: ResourceKeyEventType, message: string, resource: string) {
    return {
      organizationId: this.tenant.organizationId,
      tenantId: this.tenant.id,
      operationId: this.op.id,
      type,
      message,
      data: { resource },
    };
  }

  private appendEvent<T extends TenantEventType>(
    q: Queryable,
    type: T,
    message: string,
    data: TenantEventMap[T],
  ) {
    return appendEvent(q, {
      organizationId: this.tenant.organizationId,
      tenantId: this.tenant.id,
      operationId: this.op.id,
      ...({ type, message, data } as TenantEventOf<T>),
    });
  }
}

/** A provider action as the audit log names it (`provider.<action>`), with what it acted on. */
export interface AuditedAction {
  action: string;
  summary: Record<string, unknown>;
}

function assertNeverStatus(status: never): never {
  throw new Error(`unexpected resource status ${String(status)}`);
}
