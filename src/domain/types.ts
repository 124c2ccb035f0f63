import type { OperationKind, TenantStatus, WorkKind } from "./lifecycle.js";

/**
 * What a key may do, each role including the ones below it: `platform_admin` also
 * manages the installation's organizations (docs/organizations.md).
 */
export type Role = "platform_admin" | "admin" | "operator" | "viewer";
export type DesiredState = "active" | "suspended" | "deleted";

export interface Organization {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export interface Principal {
  organizationId: string;
  apiKeyId: string;
  role: Role;
  /** The id of the request the principal made (`X-Request-Id`): recorded on what it starts. */
  requestId?: string;
}

export interface Blueprint {
  id: string;
  organizationId: string;
  name: string;
  version: number;
  source: string;
  digest: string;
  createdAt: Date;
}

export interface Tenant {
  id: string;
  organizationId: string;
  name: string;
  slug: string;
  blueprintId: string;
  blueprintName: string;
  blueprintVersion: number;
  target: string;
  params: Record<string, unknown>;
  labels: Record<string, string>;
  desiredState: DesiredState;
  status: TenantStatus;
  errorMessage: string | null;
  failedOperationId: string | null;
  generation: number;
  observedGeneration: number;
  createdAt: Date;
  updatedAt: Date;
  destroyedAt: Date | null;
  /** What needs a person's attention beyond the status (e.g. `access_error`). */
  conditions: TenantCondition[];
}

/**
 * A condition on a tenant, something that needs a person's attention beyond its status:
 * `access_error` — the platform refused Tenantry's credentials; `operation_stuck` — its
 * operation has been queued or running longer than `TENANTRY_STUCK_OPERATION_AFTER`;
 * `unhealthy` — it has been `failed` or `degraded` longer than
 * `TENANTRY_UNHEALTHY_TENANT_AFTER` (src/services/alert-conditions.ts).
 */
export type TenantCondition = AccessErrorCondition | OperationStuckCondition | UnhealthyCondition;

export type TenantConditionType = TenantCondition["type"];

interface ConditionBase {
  message: string;
  /** ISO time it was first seen (`operation_stuck`: the operation's request; `unhealthy`: the status change). */
  since: string;
}

export interface AccessErrorCondition extends ConditionBase {
  type: "access_error";
}

export interface OperationStuckCondition extends ConditionBase {
  type: "operation_stuck";
  operation_id: string;
  kind: string;
  /** The operation's latest step when it was found stuck; null before its first. */
  step: string | null;
}

export interface UnhealthyCondition extends ConditionBase {
  type: "unhealthy";
  /** `failed` or `degraded`. */
  status: string;
}

export type OperationStatus = "queued" | "running" | "succeeded" | "failed";

export interface Operation {
  id: string;
  organizationId: string;
  tenantId: string;
  kind: OperationKind;
  effectiveKind: WorkKind;
  retryOf: string | null;
  status: OperationStatus;
  generation: number;
  attempt: number;
  maxAttempts: number;
  runAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  leaseEpoch: number;
  /** Consecutive claims whose lease expired without the pass handing the operation back. */
  lostClaims: number;
  /** Set for node-bound targets: only workers of this node claim the operation. */
  nodeId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The API key that asked for it; null for the engine's own (a heal). */
  requestedBy: string | null;
  /** That key's name at the time. */
  requestedByName: string | null;
  /** The id of the request that asked for it (`X-Request-Id`). */
  requestId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** `interrupted`: left open by a worker that died; a later pass went on without it. */
export type StepStatus = "running" | "waiting" | "succeeded" | "failed" | "interrupted";

export interface OperationStep {
  id: string;
  operationId: string;
  seq: number;
  name: string;
  resourceKey: string | null;
  action: string;
  status: StepStatus;
  attempts: number;
  detail: string | null;
  errorMessage: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export type ResourceStatus =
  | "pending"
  | "creating"
  | "ready"
  | "updating"
  | "suspending"
  | "suspended"
  | "resuming"
  | "deleting"
  | "deleted";

export interface Resource {
  id: string;
  tenantId: string;
  key: string;
  kind: string;
  provider: string;
  externalName: string;
  providerId: string | null;
  status: ResourceStatus;
  spec: Record<string, unknown>;
  specHash: string;
  dependsOn: string[];
  outputs: Record<string, unknown>;
  secretOutputsEnc: string | null;
  /** When the engine first asked the platform for the object of the current create. */
  createRequestedAt: Date | null;
  /** Since when the resource has been waiting on the platform; null when it is not. */
  pendingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantEvent {
  id: number;
  tenantId: string;
  operationId: string | null;
  type: string;
  message: string;
  data: Record<string, unknown>;
  /** The API key whose request recorded it; null for the engine's events. */
  actorId: string | null;
  actorName: string | null;
  /** The request that recorded it, or that started its operation. */
  requestId: string | null;
  createdAt: Date;
}
