import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { desiredResources } from "../blueprints/desired.js";
import { parseBlueprint } from "../blueprints/parse.js";
import { TenantryError } from "../domain/errors.js";
import { completionEvent, type LifecycleEvent, transition, type WorkKind } from "../domain/lifecycle.js";
import type { Operation, Resource, ResourceStatus, Tenant } from "../domain/types.js";
import type { SecretBox } from "../lib/crypto.js";
import type {
  ActionResult,
  DesiredResource,
  Provider,
  ProviderContext,
  ProviderRegistry,
  RecordedResource,
  ResourceDriver,
} from "../providers/provider.js";
import type { Db, Queryable } from "../store/db.js";
import { getBlueprintById } from "../store/sql/blueprints.js";
import { appendEvent } from "../store/sql/events.js";
import { endStep, finishOperation, type Lease, lockLease, startStep } from "../store/sql/operations.js";
import {
  insertResource,
  listResources,
  type ResourceChange,
  updateResource,
} from "../store/sql/resources.js";
import { getTenantById, updateTenantStatus } from "../store/sql/tenants.js";
import { AbortedError } from "./failures.js";
import { dependencyOrder } from "./order.js";

/** What the reconciler needs; shared by the engine's parts (see README.md). */
export interface ReconcilerDeps {
  db: Db;
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
}

/** The outcome of one pass: converged (operation finished), or come back later. */
export type PassOutcome = { kind: "done" } | { kind: "wait"; delayMs: number; reason: string };

/** Runs `fn` in a transaction that first checks the lease is still held (the fence). */
export function fenced<T>(db: Db, lease: Lease, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.tx(async (client) => {
    await lockLease(client, lease);
    return fn(client);
  });
}

export function specHash(spec: Record<string, unknown>): string {
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
  const updated = await updateTenantStatus(q, tenant.id, { status: next.status, ...extra });
  await appendEvent(q, {
    organizationId: tenant.organizationId,
    tenantId: tenant.id,
    operationId: op.id,
    type: "tenant.status_changed",
    message: `${tenant.status} → ${next.status}`,
    data: {
      from: tenant.status,
      to: next.status,
      ...(extra.errorMessage ? { error: extra.errorMessage } : {}),
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
): Promise<PassOutcome> {
  const { db } = deps;
  let tenant = await getTenantById(db, op.tenantId);
  if (!tenant) throw new TenantryError("TENANT_NOT_FOUND", `tenant ${op.tenantId} no longer exists`);
  const log = deps.logger.child({
    tenant: tenant.slug,
    tenantId: tenant.id,
    operation: op.id,
    kind: op.kind,
  });

  if (tenant.status === "queued" || tenant.status === "destroy_queued") {
    const t = tenant;
    tenant = await fenced(db, lease, (q) => changeTenantStatus(q, t, op, { type: "started" }));
  }

  const provider = deps.providers.get(tenant.target);
  if (!provider)
    throw new TenantryError("UNKNOWN_TARGET", `no provider is configured for target "${tenant.target}"`);
  const kind = op.effectiveKind;
  const desired = kind === "destroy" ? [] : await desiredFor(db, tenant);
  const recorded = new Map((await listResources(db, tenant.id)).map((r) => [r.key, r]));
  const ctx: ProviderContext = {
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, organizationId: tenant.organizationId },
    signal,
    logger: log,
  };
  const pass = new Pass(deps, provider, op, lease, ctx, tenant);

  if (kind === "suspend") {
    for (const row of reverse(recorded)) {
      const wait = await pass.suspend(row);
      if (wait) return wait;
    }
  } else if (kind === "destroy") {
    for (const row of reverse(recorded)) {
      const wait = await pass.remove(row);
      if (wait) return wait;
    }
  } else {
    for (const want of dependencyOrder(desired)) {
      const wait = await pass.ensure(want, recorded.get(want.key), kind);
      if (wait) return wait;
    }
    // Resources the blueprint no longer has go away, dependents first.
    const wanted = new Set(desired.map((d) => d.key));
    for (const row of reverse(recorded)) {
      if (wanted.has(row.key)) continue;
      const wait = await pass.remove(row);
      if (wait) return wait;
    }
  }

  const done = tenant;
  await fenced(db, lease, async (q) => {
    await changeTenantStatus(q, done, op, completionEvent(kind), {
      observedGeneration: op.generation,
      errorMessage: null,
      failedOperationId: null,
    });
    await finishOperation(q, op.id, { status: "succeeded" });
  });
  log.info({ status: transitionTarget(done, kind) }, "operation succeeded");
  return { kind: "done" };
}

function transitionTarget(tenant: Tenant, kind: WorkKind): string {
  const next = transition(tenant.status, completionEvent(kind));
  return next.ok ? next.status : tenant.status;
}

async function desiredFor(db: Db, tenant: Tenant): Promise<DesiredResource[]> {
  const blueprint = await getBlueprintById(db, tenant.blueprintId);
  if (!blueprint)
    throw new TenantryError("BLUEPRINT_NOT_FOUND", `blueprint ${tenant.blueprintId} is missing`);
  return desiredResources(parseBlueprint(blueprint.source), tenant);
}

/** Recorded resources in reverse dependency order (dependents first), skipping deleted ones. */
function reverse(recorded: Map<string, Resource>): Resource[] {
  const live = [...recorded.values()].filter((r) => r.status !== "deleted");
  return dependencyOrder(live).reverse();
}

/** The actions of one pass, sharing its tenant, operation, lease and provider context. */
class Pass {
  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly provider: Provider,
    private readonly op: Operation,
    private readonly lease: Lease,
    private readonly ctx: ProviderContext,
    private readonly tenant: Tenant,
  ) {}

  private driver(kind: string): ResourceDriver {
    const driver = this.provider.drivers[kind];
    if (!driver) {
      throw new TenantryError(
        "UNSUPPORTED_RESOURCE",
        `the ${this.provider.name} provider cannot provide resources of kind "${kind}"`,
      );
    }
    return driver;
  }

  private view(row: Resource, want?: DesiredResource): RecordedResource {
    return {
      key: row.key,
      kind: row.kind,
      externalName: row.externalName,
      dependsOn: want?.dependsOn ?? row.dependsOn,
      spec: want?.spec ?? row.spec,
      providerId: row.providerId,
      outputs: row.outputs,
      secretOutputs: row.secretOutputsEnc ? this.deps.secrets.openJson(row.secretOutputsEnc) : {},
    };
  }

  private checkAbort(): void {
    if (this.ctx.signal.aborted) throw new AbortedError(String(this.ctx.signal.reason ?? "aborted"));
  }

  /** Makes sure `want` exists, is ready and matches its spec. Returns a wait when the platform is busy. */
  async ensure(
    want: DesiredResource,
    existing: Resource | undefined,
    kind: WorkKind,
  ): Promise<PassOutcome | null> {
    this.checkAbort();
    const driver = this.driver(want.kind);
    const hash = specHash(want.spec);
    let row =
      existing ??
      (await fenced(this.deps.db, this.lease, (q) =>
        insertResource(q, {
          tenantId: this.tenant.id,
          key: want.key,
          kind: want.kind,
          provider: this.provider.name,
          externalName: want.externalName,
          spec: want.spec,
          specHash: hash,
          dependsOn: want.dependsOn,
        }),
      ));
    // The platform name was fixed when the resource was first recorded.
    const target: DesiredResource = { ...want, externalName: row.externalName };

    switch (row.status) {
      case "pending":
      case "deleted":
        row = await this.mark(row, "creating", {
          spec: want.spec,
          specHash: hash,
          dependsOn: want.dependsOn,
        });
        return this.act(row, "create", "ready", () => driver.create(this.ctx, this.view(row, target)));
      case "creating":
      case "deleting": {
        // The outcome of the last create is unknown (a crash or a timeout after the
        // call): look the object up by its deterministic name before creating again.
        const observed = await driver.observe(this.ctx, this.view(row, target));
        this.checkAbort();
        if (!observed) {
          if (row.status === "deleting") row = await this.mark(row, "creating");
          return this.act(row, "create", "ready", () => driver.create(this.ctx, this.view(row, target)));
        }
        if (observed.state === "pending") {
          return this.act(row, "create", "ready", async () => ({
            state: "pending",
            retryAfterMs: 1000,
            providerId: observed.providerId,
            detail: observed.detail,
          }));
        }
        if (row.providerId === null) {
          await this.event("resource.adopted", `${row.key}: adopted existing ${row.externalName}`, row);
          return this.act(row, "adopt", "ready", () =>
            driver.adopt(this.ctx, this.view(row, target), observed),
          );
        }
        return this.act(row, "create", "ready", async () => ({
          state: "done",
          providerId: observed.providerId,
          outputs: observed.outputs,
          secretOutputs: observed.secretOutputs,
        }));
      }
      case "ready":
        if (row.specHash === hash && kind !== "heal") return null;
        row = await this.mark(row, "updating", {
          spec: want.spec,
          specHash: hash,
          dependsOn: want.dependsOn,
        });
        return this.act(row, "update", "ready", () => driver.update(this.ctx, this.view(row, target)));
      case "updating":
        return this.act(row, "update", "ready", () => driver.update(this.ctx, this.view(row, target)));
      case "suspending":
      case "suspended":
      case "resuming": {
        const resume = driver.resume?.bind(driver);
        if (!resume) return this.act(row, "resume", "ready", async () => ({ state: "done" }));
        if (row.status !== "resuming") row = await this.mark(row, "resuming");
        return this.act(row, "resume", "ready", () => resume(this.ctx, this.view(row, target)));
      }
      default:
        return assertNeverStatus(row.status);
    }
  }

  async suspend(row: Resource): Promise<PassOutcome | null> {
    this.checkAbort();
    const driver = this.driver(row.kind);
    const suspend = driver.suspend?.bind(driver);
    if (!suspend || row.status === "suspended" || row.status === "pending") return null;
    if (row.status !== "suspending") row = await this.mark(row, "suspending");
    return this.act(row, "suspend", "suspended", () => suspend(this.ctx, this.view(row)));
  }

  async remove(row: Resource): Promise<PassOutcome | null> {
    this.checkAbort();
    if (row.status === "pending") {
      // Never sent to the platform: nothing to delete.
      await this.mark(row, "deleted");
      return null;
    }
    const driver = this.driver(row.kind);
    if (row.status !== "deleting") row = await this.mark(row, "deleting");
    const current = row;
    return this.act(current, "delete", "deleted", () => driver.delete(this.ctx, this.view(current)));
  }

  private async mark(row: Resource, status: ResourceStatus, change: Partial<ResourceChange> = {}) {
    return fenced(this.deps.db, this.lease, (q) => updateResource(q, row.id, { ...change, status }));
  }

  private async event(type: string, message: string, row: Resource, data: Record<string, unknown> = {}) {
    await fenced(this.deps.db, this.lease, (q) =>
      appendEvent(q, {
        organizationId: this.tenant.organizationId,
        tenantId: this.tenant.id,
        operationId: this.op.id,
        type,
        message,
        data: { resource: row.key, ...data },
      }),
    );
  }

  /**
   * Performs one provider action as a recorded step: the step is opened before the call
   * and closed with the result right after, in fenced transactions.
   */
  private async act(
    row: Resource,
    action: string,
    doneStatus: ResourceStatus,
    call: () => Promise<ActionResult>,
  ): Promise<PassOutcome | null> {
    const stepId = await fenced(this.deps.db, this.lease, (q) =>
      startStep(q, this.op.id, { name: `${action} ${row.key}`, resourceKey: row.key, action }),
    );
    let result: ActionResult;
    try {
      result = await call();
    } catch (err) {
      // Record the failed attempt on the step (best effort: the lease may be gone).
      await fenced(this.deps.db, this.lease, (q) =>
        endStep(q, stepId, {
          status: "failed",
          errorMessage: err instanceof Error ? err.message : String(err),
        }),
      ).catch(() => {});
      throw err;
    }
    if (result.state === "pending") {
      await fenced(this.deps.db, this.lease, async (q) => {
        if (result.providerId && result.providerId !== row.providerId) {
          await updateResource(q, row.id, { status: row.status, providerId: result.providerId });
        }
        await endStep(q, stepId, { status: "waiting", detail: result.detail ?? null });
      });
      return {
        kind: "wait",
        delayMs: result.retryAfterMs,
        reason: `${row.key}: ${result.detail ?? `waiting for ${action}`}`,
      };
    }
    await fenced(this.deps.db, this.lease, async (q) => {
      const change: ResourceChange = { status: doneStatus };
      if (result.providerId !== undefined) change.providerId = result.providerId;
      if (result.outputs !== undefined) change.outputs = result.outputs;
      if (result.secretOutputs !== undefined) {
        change.secretOutputsEnc = this.deps.secrets.sealJson(result.secretOutputs);
      }
      await updateResource(q, row.id, change);
      await endStep(q, stepId, { status: "succeeded", detail: result.detail ?? null });
      await appendEvent(q, {
        organizationId: this.tenant.organizationId,
        tenantId: this.tenant.id,
        operationId: this.op.id,
        type: `resource.${doneStatus}`,
        message: `${row.key} (${row.externalName}) ${doneStatus}`,
        data: { resource: row.key, action, providerId: result.providerId ?? row.providerId },
      });
    });
    return null;
  }
}

function assertNeverStatus(status: never): never {
  throw new Error(`unexpected resource status ${String(status)}`);
}
