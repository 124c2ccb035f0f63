import { createHash } from "node:crypto";
import type { ResourceKind } from "../../src/domain/resources.js";
import type {
  Provider,
  ProviderContext,
  RecordedResource,
  StackChange,
  StackDriver,
  StackPlan,
  StackResult,
} from "../../src/providers/provider.js";

/**
 * A test target whose platform plans and applies a tenant's resources as one unit, like a
 * Terraform stack: one state per tenant, an apply that runs on the platform for a while
 * after it was started (`applyMs`, followed by the engine over passes) and survives the
 * call that started it. The "cloud" is plain memory the test reads and changes.
 */
export interface StackObject {
  providerId: string;
  kind: string;
  name: string;
  specHash: string;
  running: boolean;
}

export interface StackRun {
  tenantId: string;
  kind: "apply" | "destroy";
  changes: StackChange[];
  startedAt: number;
  finished: boolean;
  desired: { key: string; kind: string; name: string; specHash: string }[];
}

export class StackCloud {
  /** Objects by tenant id, then resource key. */
  readonly state = new Map<string, Map<string, StackObject>>();
  readonly runs: StackRun[] = [];
  /** How long an apply runs on the platform. */
  applyMs = 300;
  /** The next N apply calls fail before starting anything (a crash before the run). */
  failBeforeStart = 0;
  /** The next N apply calls start the run, then hang (the caller never learns it started). */
  hangAfterStart = 0;
  /** The number of plan calls (a heal plans; an unchanged update does not). */
  plans = 0;
  #ids = 0;

  objects(tenantId: string): Map<string, StackObject> {
    let objects = this.state.get(tenantId);
    if (!objects) {
      objects = new Map();
      this.state.set(tenantId, objects);
    }
    return objects;
  }

  runsOf(tenantId: string): StackRun[] {
    return this.runs.filter((r) => r.tenantId === tenantId);
  }

  /** Commits an apply whose time is up. */
  settle(run: StackRun): void {
    if (run.finished || Date.now() < run.startedAt + this.applyMs) return;
    const objects = this.objects(run.tenantId);
    const keep = new Set(run.desired.map((d) => d.key));
    for (const key of [...objects.keys()]) if (!keep.has(key)) objects.delete(key);
    for (const d of run.desired) {
      const have = objects.get(d.key);
      objects.set(d.key, {
        providerId: have?.providerId ?? `obj-${++this.#ids}`,
        kind: d.kind,
        name: d.name,
        specHash: d.specHash,
        running: have?.running ?? true,
      });
    }
    run.finished = true;
  }

  newId(): string {
    return `obj-${++this.#ids}`;
  }
}

const hashOf = (r: RecordedResource) =>
  createHash("sha256")
    .update(JSON.stringify([r.kind, r.spec]))
    .digest("hex")
    .slice(0, 12);

const KINDS: readonly ResourceKind[] = ["postgres", "keyvalue", "web", "pserv", "worker", "cron", "envgroup"];

export function createStackProvider(cloud: StackCloud, name = "stack"): Provider {
  function plan(ctx: ProviderContext, desired: RecordedResource[]): StackPlan {
    cloud.plans++;
    const objects = cloud.objects(ctx.tenant.id);
    const changes: StackChange[] = desired.map((r) => {
      const have = objects.get(r.key);
      const action = !have ? "create" : have.specHash !== hashOf(r) ? "update" : "none";
      return { key: r.key, action, addresses: [`module.tenant.${r.kind}.${r.key.replace(":", "_")}`] };
    });
    for (const key of objects.keys()) {
      if (!desired.some((r) => r.key === key)) changes.push({ key, action: "delete" });
    }
    return { changes, ref: createHash("sha256").update(JSON.stringify(changes)).digest("hex").slice(0, 12) };
  }

  function report(ctx: ProviderContext, desired: RecordedResource[]): StackResult {
    const objects = cloud.objects(ctx.tenant.id);
    const resources: Extract<StackResult, { state: "done" }>["resources"] = {};
    for (const r of desired) {
      const o = objects.get(r.key);
      if (!o) throw new Error(`${r.key} is not in the stack after its apply`);
      resources[r.key] = {
        providerId: o.providerId,
        outputs: { id: o.providerId, name: o.name },
        ...(r.kind === "postgres" ? { secretOutputs: { password: `pw-${o.providerId}` } } : {}),
      };
    }
    return { state: "done", resources, detail: `${desired.length} resources` };
  }

  const stack: StackDriver = {
    kinds: KINDS,
    limits: { maxWaitMs: 60_000, actionTimeoutMs: 2_000 },
    async plan(ctx, desired) {
      return plan(ctx, desired);
    },
    async apply(ctx, desired, given) {
      const runs = cloud.runsOf(ctx.tenant.id);
      const running = runs.find((r) => !r.finished);
      if (running) {
        cloud.settle(running);
        if (!running.finished) return { state: "pending", retryAfterMs: 50, detail: "apply running" };
        return report(ctx, desired);
      }
      if (cloud.failBeforeStart > 0) {
        cloud.failBeforeStart--;
        throw new Error("the platform dropped the connection before the apply started");
      }
      // No plan: an earlier pass started an apply (found above when it still runs), or
      // crashed before it started: then plan now.
      const chosen = given ?? plan(ctx, desired);
      if (chosen.changes.every((c) => c.action === "none")) return report(ctx, desired);
      const run: StackRun = {
        tenantId: ctx.tenant.id,
        kind: "apply",
        changes: chosen.changes,
        startedAt: Date.now(),
        finished: false,
        desired: desired.map((r) => ({
          key: r.key,
          kind: r.kind,
          name: r.externalName,
          specHash: hashOf(r),
        })),
      };
      cloud.runs.push(run);
      if (cloud.hangAfterStart > 0) {
        cloud.hangAfterStart--;
        await new Promise(() => {}); // never answers: the engine's action timeout ends the wait
      }
      return { state: "pending", retryAfterMs: 50, detail: "apply started" };
    },
    async destroy(ctx) {
      const objects = cloud.objects(ctx.tenant.id);
      if (objects.size > 0) {
        cloud.runs.push({
          tenantId: ctx.tenant.id,
          kind: "destroy",
          changes: [...objects.keys()].map((key) => ({ key, action: "delete" })),
          startedAt: Date.now(),
          finished: true,
          desired: [],
        });
        objects.clear();
      }
      return { state: "done", resources: {} };
    },
    async setRunning(ctx, _recorded, running) {
      for (const o of cloud.objects(ctx.tenant.id).values()) o.running = running;
      return { state: "done", resources: {} };
    },
  };
  return { name, stack };
}
