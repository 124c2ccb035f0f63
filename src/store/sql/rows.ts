import type {
  Blueprint,
  Operation,
  OperationStep,
  Resource,
  Tenant,
  TenantEvent,
} from "../../domain/types.js";

/** Row → domain mappers. Column names are snake_case; domain fields camelCase. */
// biome-ignore lint/suspicious/noExplicitAny: rows come untyped from pg
type Row = Record<string, any>;

export const TENANT_COLUMNS = `t.id, t.organization_id, t.name, t.slug, t.blueprint_id, b.name as blueprint_name,
  b.version as blueprint_version, t.target, t.params, t.labels, t.desired_state, t.status, t.error_message,
  t.failed_operation_id, t.generation, t.observed_generation, t.created_at, t.updated_at, t.destroyed_at,
  t.conditions`;

export function toTenant(r: Row): Tenant {
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    slug: r.slug,
    blueprintId: r.blueprint_id,
    blueprintName: r.blueprint_name,
    blueprintVersion: r.blueprint_version,
    target: r.target,
    params: r.params,
    labels: r.labels,
    desiredState: r.desired_state,
    status: r.status,
    errorMessage: r.error_message,
    failedOperationId: r.failed_operation_id,
    generation: r.generation,
    observedGeneration: r.observed_generation,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    destroyedAt: r.destroyed_at,
    conditions: r.conditions ?? [],
  };
}

export function toOperation(r: Row): Operation {
  return {
    id: r.id,
    organizationId: r.organization_id,
    tenantId: r.tenant_id,
    kind: r.kind,
    effectiveKind: r.effective_kind,
    retryOf: r.retry_of,
    status: r.status,
    generation: r.generation,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    leaseEpoch: r.lease_epoch,
    lostClaims: r.lost_claims ?? 0,
    nodeId: r.node_id ?? null,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    requestedBy: r.requested_by ?? null,
    requestedByName: r.requested_by_name ?? null,
    requestId: r.request_id ?? null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function toStep(r: Row): OperationStep {
  return {
    id: r.id,
    operationId: r.operation_id,
    seq: r.seq,
    name: r.name,
    resourceKey: r.resource_key,
    action: r.action,
    status: r.status,
    attempts: r.attempts,
    detail: r.detail,
    errorMessage: r.error_message,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function toResource(r: Row): Resource {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    key: r.key,
    kind: r.kind,
    provider: r.provider,
    externalName: r.external_name,
    providerId: r.provider_id,
    status: r.status,
    spec: r.spec,
    specHash: r.spec_hash,
    dependsOn: r.depends_on,
    // Outputs reported between operations (a cron job's last run) are read over the
    // reconciler's (see mergeResourceOutputs).
    outputs: { ...r.outputs, ...(r.live_outputs ?? {}) },
    secretOutputsEnc: r.secret_outputs_enc,
    // Dates, also when the row comes from json_agg (timestamps as strings).
    createRequestedAt: r.create_requested_at ? new Date(r.create_requested_at) : null,
    pendingSince: r.pending_since ? new Date(r.pending_since) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toEvent(r: Row): TenantEvent {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    operationId: r.operation_id,
    type: r.type,
    message: r.message,
    data: r.data,
    actorId: r.actor_id ?? null,
    actorName: r.actor_name ?? null,
    requestId: r.request_id ?? r.operation_request_id ?? null,
    createdAt: r.created_at,
  };
}

export function toBlueprint(r: Row): Blueprint {
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    version: r.version,
    source: r.source,
    digest: r.digest,
    createdAt: r.created_at,
  };
}
