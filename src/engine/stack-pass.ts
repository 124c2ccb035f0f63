import type { WorkKind } from "../domain/lifecycle.js";
import type { DesiredResource, RecordedResource } from "../domain/resources.js";
import type { Resource, ResourceStatus } from "../domain/types.js";
import {
  type ProviderContext,
  ProviderError,
  type StackDriver,
  type StackPlan,
  type StackProgress,
  type StackResult,
} from "../providers/provider.js";
import type { Queryable } from "../store/db.js";
import { appendEvent } from "../store/sql/events.js";
import { endStep, startStep } from "../store/sql/operations.js";
import { insertResource, markWaiting, type ResourceChange, updateResource } from "../store/sql/resources.js";
import { clampWait, formatMs, type Pass, type PassOutcome } from "./reconciler.js";

/**
 * A pass for a target that plans and applies a tenant's resources as one unit (a
 * {@link StackDriver}, e.g. a Terraform stack). The engine keeps the same books as for
 * resource drivers: one row per resource (status, spec, provider id, outputs, sealed
 * secret outputs), steps with attempts and waits, events, bounded waits.
 *
 * - **Change** (create, update, heal, retry): when no apply is in flight, `plan stack`
 *   compares the desired set with the stack; nothing to change ends the pass (a heal that
 *   finds drift applies it). Otherwise the resources are marked `creating`/`updating`/
 *   `deleting` with their new specs, in the same transaction that opens `apply stack`,
 *   and the plan is applied. While the apply runs (`pending`), later passes follow it:
 *   resources still marked in flight mean an apply may be running, so the driver gets no
 *   plan and must find its own run (or, if none started, plan and apply itself). A crash
 *   anywhere is then a pass that follows or re-plans; nothing is applied twice.
 * - **Suspend / resume**: `setRunning` on the whole stack, when the driver has it.
 * - **Destroy**: every live resource marked `deleting`, `destroy stack` until verified gone.
 */
export async function convergeStack(
  pass: Pass,
  stack: StackDriver,
  kind: WorkKind,
  desired: DesiredResource[],
): Promise<PassOutcome | null> {
  const live = () => [...pass.recorded.values()].filter((r) => r.status !== "deleted");
  if (kind === "destroy") {
    const rows = live();
    if (rows.length === 0) return pass.releaseTenant();
    const wait = await run(pass, "destroy stack", "delete", rows, "deleting", (ctx) =>
      stack.destroy(
        ctx,
        rows.map((r) => pass.view(r)),
      ),
    );
    return wait ?? (await pass.releaseTenant());
  }
  if (kind === "suspend") {
    const rows = live().filter((r) => r.status !== "suspended" && r.status !== "pending");
    const setRunning = stack.setRunning?.bind(stack);
    if (!setRunning || rows.length === 0) return null;
    return run(pass, "suspend stack", "suspend", rows, "suspending", (ctx) =>
      setRunning(
        ctx,
        live().map((r) => pass.view(r)),
        false,
      ),
    );
  }
  const paused = live().filter(
    (r) => r.status === "suspended" || r.status === "suspending" || r.status === "resuming",
  );
  if (paused.length > 0) {
    const setRunning = stack.setRunning?.bind(stack);
    const wait = setRunning
      ? await run(pass, "resume stack", "resume", paused, "resuming", (ctx) =>
          setRunning(
            ctx,
            live().map((r) => pass.view(r)),
            true,
          ),
        )
      : await settleWithoutCall(pass, paused, "resume");
    if (wait) return wait;
  }
  return applyStack(pass, stack, kind, desired);
}

const IN_FLIGHT: ReadonlySet<ResourceStatus> = new Set(["creating", "updating", "deleting"]);

async function applyStack(
  pass: Pass,
  stack: StackDriver,
  kind: WorkKind,
  desired: DesiredResource[],
): Promise<PassOutcome | null> {
  const wanted = new Set(desired.map((d) => d.key));
  const rowOf = (key: string) => {
    const row = pass.recorded.get(key);
    return row && row.status !== "deleted" ? row : undefined;
  };
  const views = (): RecordedResource[] =>
    desired.map((want) => {
      const row = rowOf(want.key);
      return row
        ? pass.view(row, { ...want, externalName: row.externalName })
        : { ...want, providerId: null, outputs: {}, secretOutputs: {} };
    });
  const inFlight = [...pass.recorded.values()].filter((r) => IN_FLIGHT.has(r.status));
  let plan: StackPlan | undefined;
  if (inFlight.length === 0) {
    const changed = desired.filter((want) => {
      const row = rowOf(want.key);
      return !row || row.status === "pending" || row.specHash !== pass.hashOf(want);
    });
    const gone = [...pass.recorded.values()].filter((r) => r.status !== "deleted" && !wanted.has(r.key));
    // Unchanged specs: nothing to plan, except for a heal, which looks for drift.
    if (changed.length === 0 && gone.length === 0 && kind !== "heal") return null;
    plan = await planStep(pass, stack, views());
    const changes = plan.changes.filter((c) => c.action !== "none");
    if (changes.length === 0 && changed.length === 0 && gone.length === 0) return null;
    await pass.write(async (q) => {
      for (const want of desired) {
        const row = rowOf(want.key);
        const fresh = { spec: want.spec, specHash: pass.hashOf(want), dependsOn: want.dependsOn };
        if (!row) {
          const inserted = await insertResource(q, {
            tenantId: pass.tenant.id,
            key: want.key,
            kind: want.kind,
            provider: pass.provider.name,
            externalName: want.externalName,
            status: "creating",
            ...fresh,
          });
          pass.recorded.set(want.key, inserted);
        } else if (row.status === "pending" || changes.some((c) => c.key === want.key)) {
          const status = row.providerId === null ? "creating" : "updating";
          pass.recorded.set(want.key, await updateResource(q, row.id, { ...fresh, status }));
        } else if (row.specHash !== fresh.specHash) {
          // A change the stack makes nothing of (a setting only Tenantry reads): recorded.
          pass.recorded.set(want.key, await updateResource(q, row.id, { ...fresh, status: row.status }));
        }
      }
      for (const row of gone)
        pass.recorded.set(row.key, await updateResource(q, row.id, { status: "deleting" }));
    });
  }
  const rows = [...pass.recorded.values()].filter((r) => IN_FLIGHT.has(r.status));
  if (rows.length === 0) return null;
  const chosen = plan;
  return run(pass, "apply stack", "apply", rows, undefined, (ctx) => stack.apply(ctx, views(), chosen));
}

async function planStep(pass: Pass, stack: StackDriver, desired: RecordedResource[]): Promise<StackPlan> {
  const stepId = await pass.write((q) =>
    startStep(q, pass.op.id, { name: "plan stack", resourceKey: null, action: "plan" }),
  );
  const plan = await pass.callInStep(stepId, () =>
    pass.timed("plan stack", "stack", "plan", (ctx) => stack.plan(ctx, desired)),
  );
  const detail = planSummary(plan);
  pass.defer(async (q) => {
    await endStep(q, stepId, { status: "succeeded", detail });
    await recordPlan(pass, q, plan, detail);
  });
  return plan;
}

function planSummary(plan: StackPlan): string {
  const counts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of plan.changes) if (c.action !== "none") counts[c.action]++;
  return (
    plan.summary ??
    `${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete`
  );
}

/** The plan, resource by resource, as a `stack.planned` event (when the driver lists its resources). */
async function recordPlan(pass: Pass, q: Queryable, plan: StackPlan, detail = planSummary(plan)) {
  if (!plan.resources) return;
  await appendEvent(q, {
    organizationId: pass.tenant.organizationId,
    tenantId: pass.tenant.id,
    operationId: pass.op.id,
    type: "stack.planned",
    message: `plan: ${detail}`,
    data: { summary: detail, resources: plan.resources, ...(plan.cost ? { cost: plan.cost } : {}) },
  });
}

/**
 * One call for the whole stack as a recorded step: the rows are marked `marking` (when
 * given) with the step's opening; `pending` records a bounded wait on every row; `done`
 * records each row's result and its event, in one transaction with the step's end.
 */
async function run(
  pass: Pass,
  name: string,
  action: "apply" | "delete" | "suspend" | "resume",
  rows: Resource[],
  marking: ResourceStatus | undefined,
  call: (ctx: ProviderContext) => Promise<StackResult>,
): Promise<PassOutcome | null> {
  const stepId = await pass.write(async (q) => {
    if (marking) {
      for (const row of rows) {
        if (row.status !== marking)
          pass.recorded.set(row.key, await updateResource(q, row.id, { status: marking }));
      }
    }
    return startStep(q, pass.op.id, { name, resourceKey: null, action });
  });
  const audited = {
    action: `stack_${action === "delete" ? "destroy" : action}`,
    summary: { resources: rows.map((r) => r.key) },
  };
  const result = await pass
    .callInStep(stepId, () => pass.timed(name, "stack", action, call), audited)
    .catch(async (err: unknown) => {
      // A run that failed half-way: what it finished is on the timeline all the same.
      if (err instanceof ProviderError && err.progress.length > 0) {
        await pass.write((q) => recordProgress(pass, q, err.progress));
      }
      throw err;
    });
  const current = rows.map((r) => pass.recorded.get(r.key) ?? r);
  if (result.state === "pending") {
    const { maxWaitMs } = pass.limits("stack");
    const since = current.flatMap((r) => (r.pendingSince ? [r.pendingSince.getTime()] : []));
    const waited = since.length > 0 ? Date.now() - Math.min(...since) : 0;
    const waitingFor = result.detail ?? `${name} to finish`;
    if (waited > maxWaitMs) {
      const err = new ProviderError(
        `${name} waited ${formatMs(waited)} for ${waitingFor}, longer than the ${formatMs(maxWaitMs)} a stack may wait`,
        { code: "WAIT_TIMEOUT" },
      );
      await pass.write(async (q) => {
        await endStep(q, stepId, { status: "failed", errorMessage: err.message });
        await pass.audit(q, audited.action, "failed", {
          ...audited.summary,
          error: err.message,
          code: err.code,
        });
      });
      throw err;
    }
    await pass.write(async (q) => {
      for (const row of current) await markWaiting(q, row.id, {});
      await endStep(q, stepId, { status: "waiting", detail: result.detail ?? null });
      if (result.plan) await recordPlan(pass, q, result.plan);
      await recordProgress(pass, q, result.progress);
    });
    return { kind: "wait", delayMs: clampWait(result.retryAfterMs), reason: waitingFor };
  }
  await pass.write(async (q) => {
    await recordProgress(pass, q, result.progress);
    for (const row of current) await recordRow(pass, q, row, action, result.resources[row.key]);
    await endStep(q, stepId, { status: "succeeded", detail: result.detail ?? null });
    await pass.audit(q, audited.action, "succeeded", audited.summary);
  });
  return null;
}

/** The platform's resources a run finished or failed on, as `stack.resource_applied` events. */
async function recordProgress(pass: Pass, q: Queryable, progress: readonly StackProgress[] | undefined) {
  for (const p of progress ?? []) {
    await appendEvent(q, {
      organizationId: pass.tenant.organizationId,
      tenantId: pass.tenant.id,
      operationId: pass.op.id,
      type: "stack.resource_applied",
      message: `${p.address}: ${p.action} ${p.status === "complete" ? "complete" : "failed"}`,
      data: {
        address: p.address,
        action: p.action,
        status: p.status,
        ...(p.elapsedSeconds !== undefined ? { elapsed_seconds: p.elapsedSeconds } : {}),
      },
    });
  }
}

/** Resumes rows of a stack without `setRunning`: there is nothing to call. */
async function settleWithoutCall(pass: Pass, rows: Resource[], action: "resume"): Promise<null> {
  await pass.write(async (q) => {
    for (const row of rows) await recordRow(pass, q, row, action, undefined);
  });
  return null;
}

/** A row's state after a stack call finished, and its event. */
async function recordRow(
  pass: Pass,
  q: Queryable,
  row: Resource,
  action: "apply" | "delete" | "suspend" | "resume",
  reported:
    | { providerId?: string; outputs?: Record<string, unknown>; secretOutputs?: Record<string, string> }
    | undefined,
): Promise<void> {
  const gone = action === "delete" || row.status === "deleting";
  const status: ResourceStatus = gone ? "deleted" : action === "suspend" ? "suspended" : "ready";
  if (action === "apply" && !gone && !reported) {
    throw new ProviderError(`the stack's apply reported nothing for ${row.key}`, {
      code: "PROVIDER_PERMANENT",
    });
  }
  const change: ResourceChange = { status };
  if (gone) change.providerId = null;
  else if (reported?.providerId !== undefined) change.providerId = reported.providerId;
  if (reported?.outputs !== undefined) change.outputs = reported.outputs;
  if (reported?.secretOutputs !== undefined) {
    change.secretOutputsEnc = pass.deps.secrets.sealJson(reported.secretOutputs);
  }
  const updated = await updateResource(q, row.id, change);
  pass.recorded.set(row.key, updated);
  const verb =
    action === "apply" ? (row.status === "creating" ? "create" : gone ? "delete" : "update") : action;
  await appendEvent(q, {
    organizationId: pass.tenant.organizationId,
    tenantId: pass.tenant.id,
    operationId: pass.op.id,
    type:
      status === "deleted"
        ? "resource.deleted"
        : status === "suspended"
          ? "resource.suspended"
          : "resource.ready",
    message: `${row.key} (${row.externalName}) ${status}`,
    data: { resource: row.key, action: verb, providerId: updated.providerId ?? row.providerId },
  });
}
