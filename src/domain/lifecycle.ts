/**
 * The tenant lifecycle as one pure transition function.
 *
 * ```
 * queued → provisioning → bootstrapping → active ⇄ updating
 *                  ↘ failed ↙                 active → suspending → suspended → resuming → active
 * active | suspended | failed → destroy_queued → destroying → destroyed
 * active → degraded (drift or failing health) → active (healed)
 * ```
 *
 * Every status change of a tenant, whether asked for by a caller or made by the
 * engine, goes through {@link transition}; a change it refuses does not happen.
 */

export const TENANT_STATUSES = [
  "queued",
  "provisioning",
  "bootstrapping",
  "active",
  "updating",
  "suspending",
  "suspended",
  "resuming",
  "degraded",
  "failed",
  "destroy_queued",
  "destroying",
  "destroyed",
] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** The kinds of lifecycle work an operation performs. */
export const OPERATION_KINDS = ["create", "update", "suspend", "resume", "destroy", "retry", "heal"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];
/** The kinds of work a retry can carry on (every kind but retry itself). */
export type WorkKind = Exclude<OperationKind, "retry">;

/**
 * What can happen to a tenant. Requests come from callers (`create`, `update`,
 * `suspend`, `resume`, `destroy`, `retry`); the rest are reported by the engine.
 */
export type LifecycleEvent =
  | { type: "update" }
  | { type: "suspend" }
  | { type: "resume" }
  | { type: "destroy" }
  /** `failedKind` is the kind of work of the operation that failed. */
  | { type: "retry"; failedKind: WorkKind }
  | { type: "heal" }
  /** A worker starts the tenant's queued work. */
  | { type: "started" }
  /** All resources exist; `bootstrap` says whether a bootstrap hook runs next. */
  | { type: "provisioned"; bootstrap: boolean }
  | { type: "bootstrapped" }
  | { type: "updated" }
  | { type: "suspended" }
  | { type: "resumed" }
  | { type: "destroyed" }
  | { type: "healed" }
  | { type: "degraded" }
  | { type: "failed" };

export type TransitionResult = { ok: true; status: TenantStatus } | { ok: false; reason: string };

const TRANSITIONAL: ReadonlySet<TenantStatus> = new Set([
  "queued",
  "provisioning",
  "bootstrapping",
  "updating",
  "suspending",
  "resuming",
  "destroy_queued",
  "destroying",
]);

/** Statuses in which the tenant has work in flight. */
export function isTransitional(status: TenantStatus): boolean {
  return TRANSITIONAL.has(status);
}

/** Statuses after which nothing more happens on its own. */
export function isSettled(status: TenantStatus): boolean {
  return !TRANSITIONAL.has(status);
}

function allow(status: TenantStatus): TransitionResult {
  return { ok: true, status };
}

function refuse(from: TenantStatus, event: LifecycleEvent, why?: string): TransitionResult {
  return { ok: false, reason: why ?? `cannot ${event.type} a tenant that is ${from}` };
}

/** Where a retry of failed work of this kind puts the tenant. */
function retryStatus(kind: WorkKind): TenantStatus {
  switch (kind) {
    case "create":
      return "queued";
    case "update":
      return "updating";
    case "suspend":
      return "suspending";
    case "resume":
      return "resuming";
    case "destroy":
      return "destroy_queued";
    case "heal":
      return "updating";
    default:
      return assertNever(kind);
  }
}

/** The lifecycle: the status after `event` happens to a tenant in `from`, or why it can't. */
export function transition(from: TenantStatus, event: LifecycleEvent): TransitionResult {
  switch (event.type) {
    case "update":
      return from === "active" || from === "degraded" ? allow("updating") : refuse(from, event);
    case "suspend":
      return from === "active" || from === "degraded" ? allow("suspending") : refuse(from, event);
    case "resume":
      return from === "suspended" ? allow("resuming") : refuse(from, event);
    case "destroy":
      // A queued tenant has no resources yet: deleting it must not wait for provisioning.
      return from === "active" ||
        from === "suspended" ||
        from === "failed" ||
        from === "degraded" ||
        from === "queued"
        ? allow("destroy_queued")
        : refuse(
            from,
            event,
            from === "destroyed" || from === "destroy_queued" || from === "destroying"
              ? `the tenant is already ${from}`
              : undefined,
          );
    case "retry":
      return from === "failed" ? allow(retryStatus(event.failedKind)) : refuse(from, event);
    case "heal":
      return from === "degraded" ? allow("updating") : refuse(from, event);
    case "started":
      if (from === "queued") return allow("provisioning");
      if (from === "destroy_queued") return allow("destroying");
      return refuse(from, event);
    case "provisioned":
      return from === "provisioning"
        ? allow(event.bootstrap ? "bootstrapping" : "active")
        : refuse(from, event);
    case "bootstrapped":
      return from === "bootstrapping" ? allow("active") : refuse(from, event);
    case "updated":
      return from === "updating" ? allow("active") : refuse(from, event);
    case "suspended":
      return from === "suspending" ? allow("suspended") : refuse(from, event);
    case "resumed":
      return from === "resuming" ? allow("active") : refuse(from, event);
    case "destroyed":
      return from === "destroying" ? allow("destroyed") : refuse(from, event);
    case "degraded":
      return from === "active" ? allow("degraded") : refuse(from, event);
    case "healed":
      return from === "degraded" ? allow("active") : refuse(from, event);
    case "failed":
      return isTransitional(from) ? allow("failed") : refuse(from, event);
    default:
      return assertNever(event);
  }
}

/** The status a tenant reaches when work of this kind completes. */
export function completionEvent(kind: WorkKind, bootstrap = false): LifecycleEvent {
  switch (kind) {
    case "create":
      return { type: "provisioned", bootstrap };
    case "update":
    case "heal":
      return { type: "updated" };
    case "suspend":
      return { type: "suspended" };
    case "resume":
      return { type: "resumed" };
    case "destroy":
      return { type: "destroyed" };
    default:
      return assertNever(kind);
  }
}

/** The desired state a tenant has while work of this kind runs. */
export function desiredStateFor(kind: WorkKind): "active" | "suspended" | "deleted" {
  switch (kind) {
    case "create":
    case "update":
    case "resume":
    case "heal":
      return "active";
    case "suspend":
      return "suspended";
    case "destroy":
      return "deleted";
    default:
      return assertNever(kind);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
