import type { ErrorCode } from "./errors.js";
import type { OperationKind, TenantStatus } from "./lifecycle.js";
import type { OperationErrorCode } from "./operation-errors.js";

/**
 * The tenant timeline's events (`GET /v1/tenants/{id}/events`): each type with the shape
 * of its `data`. Every place that records an event names its type here, so names and
 * payloads are checked at compile time; docs/api.md ("Events") documents each one.
 * Names and payloads are part of the API: add fields, do not rename or remove them.
 */
export interface TenantEventMap {
  /** The tenant was created, with its create operation. */
  "tenant.created": { blueprint: string; version: number; target: string };
  /** The tenant's status changed: requested by a caller, reached by the engine, or a health change. */
  "tenant.status_changed": TenantStatusChangedData;
  /** A transient failure spent an attempt; the operation runs again after `delayMs`. */
  "operation.retry_scheduled": { attempt: number; delayMs: number; code: OperationErrorCode | ErrorCode };
  /** An object with the resource's name, provably the tenant's, was taken over (after a create whose outcome was unknown). */
  "resource.adopted": { resource: string };
  /** A change that cannot be made in place: the object is deleted, then created again. */
  "resource.replacing": { resource: string };
  /** A provider action finished: the resource is ready (created, adopted, updated, resumed, healed). */
  "resource.ready": ResourceActionData;
  /** A suspend finished. */
  "resource.suspended": ResourceActionData;
  /** A delete finished: the object is verified gone. */
  "resource.deleted": ResourceActionData;
  /** A cron job was run on demand (`POST …/resources/{name}/runs`). */
  "resource.run_requested": { resource: string; started: boolean; api_key_id: string };
  /** A stack target planned (Terraform): what the apply will do, resource by resource, and what it costs. */
  "stack.planned": StackPlannedData;
  /** A stack target's run finished one of the platform's resources (a Terraform address), or failed on it. */
  "stack.resource_applied": StackResourceData;
  /** A condition that needs a person's attention was put on the tenant (`access_error`, `operation_stuck`, `unhealthy`). */
  "condition.raised": ConditionEventData;
  /** The condition went away: the operation finished, the tenant recovered. */
  "condition.cleared": ConditionEventData;
}

/**
 * A condition raised or cleared: by the alerting sweep (`operation_stuck`, `unhealthy`,
 * src/services/alert-conditions.ts), or by the platform refusing, then accepting again,
 * Tenantry's credentials (`access_error`).
 */
export interface ConditionEventData {
  condition: "operation_stuck" | "unhealthy" | "access_error";
  /** `access_error`, raised: what the platform said. */
  message?: string;
  /** When the condition started (the operation's request, the tenant's status change). */
  since: string;
  /** `operation_stuck`: the operation, its kind and latest step. */
  operation_id?: string;
  kind?: string;
  step?: string | null;
  /** `unhealthy`, raised: `failed` or `degraded`; cleared: the status it recovered to. `operation_stuck`, cleared: the operation's final status. */
  status?: string;
}

export interface StackPlannedData {
  /** e.g. "2 to add, 0 to change, 1 to destroy". */
  summary: string;
  /** Every resource in the plan with what happens to it (`none` for unchanged ones). */
  resources: { address: string; action: string }[];
  /** The monthly cost of what the plan leaves, where priced; `monthly: null` when unknown. */
  cost?: { currency: string; monthly: number | null; note: string };
}

export interface StackResourceData {
  /** The platform's address (`module.env.aws_db_instance.this`). */
  address: string;
  /** `create`, `update`, `replace`, `delete`… as the platform says. */
  action: string;
  status: "complete" | "errored";
  elapsed_seconds?: number;
}

export type TenantEventType = keyof TenantEventMap;

/** The events whose payload is only the resource's key. */
export type ResourceKeyEventType = "resource.adopted" | "resource.replacing";

export interface TenantStatusChangedData {
  from: TenantStatus;
  to: TenantStatus;
  /** The request that caused it (`update`, `destroy`, `retry`, `heal`…). */
  request?: OperationKind;
  /** With `request: "update"`: the blueprint version asked for. */
  blueprint?: string;
  version?: number;
  /** With `to: "failed"`: the operation's error code and message. */
  code?: OperationErrorCode | ErrorCode;
  error?: string;
  /** A health change: the resource it is about. */
  resource?: string;
  /** Why (a health change, a heal after Tenantry restarted). */
  reason?: string;
}

export interface ResourceActionData {
  resource: string;
  /** The provider action: `create`, `adopt`, `update`, `resume`, `heal`, `suspend`, `delete`. */
  action: string;
  providerId: string | null;
}

/**
 * An event as recorded: its type, message and that type's payload. A union over `T`, so an
 * object literal is checked against the payload of the type it names.
 */
export type TenantEventOf<T extends TenantEventType = TenantEventType> = {
  [K in T]: { type: K; message: string; data: TenantEventMap[K] };
}[T];

/** Every event type, for checks at run time (the compiler keeps it in step with the map). */
export const TENANT_EVENT_TYPES = Object.keys({
  "tenant.created": true,
  "tenant.status_changed": true,
  "operation.retry_scheduled": true,
  "resource.adopted": true,
  "resource.replacing": true,
  "resource.ready": true,
  "resource.suspended": true,
  "resource.deleted": true,
  "resource.run_requested": true,
  "stack.planned": true,
  "stack.resource_applied": true,
  "condition.raised": true,
  "condition.cleared": true,
} satisfies Record<TenantEventType, true>) as TenantEventType[];
