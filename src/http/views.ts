import type { Blueprint, Operation, OperationStep, Resource, Tenant, TenantEvent } from "../domain/types.js";

/** Domain → API JSON (snake_case, secrets never included). */

/** Who asked for something: an API key (its id and name), or the engine (`system`). */
function actorView(id: string | null, name: string | null) {
  return id ? { type: "api_key" as const, id, name } : { type: "system" as const, id: null, name: null };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const ms = (a: Date | null, b: Date | null): number | null => (a && b ? b.getTime() - a.getTime() : null);

export function resourceView(r: Resource) {
  return {
    key: r.key,
    kind: r.kind,
    name: r.externalName,
    provider: r.provider,
    provider_id: r.providerId,
    status: r.status,
    outputs: r.outputs,
  };
}

export function tenantView(t: Tenant, resources?: Resource[]) {
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    status: t.status,
    desired_state: t.desiredState,
    target: t.target,
    blueprint: { name: t.blueprintName, version: t.blueprintVersion },
    params: t.params,
    labels: t.labels,
    error_message: t.errorMessage,
    failed_operation_id: t.failedOperationId,
    generation: t.generation,
    observed_generation: t.observedGeneration,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
    destroyed_at: iso(t.destroyedAt),
    conditions: t.conditions,
    ...(resources ? { resources: resources.map(resourceView) } : {}),
  };
}

export function stepView(s: OperationStep) {
  return {
    seq: s.seq,
    name: s.name,
    action: s.action,
    resource: s.resourceKey,
    status: s.status,
    attempts: s.attempts,
    detail: s.detail,
    error_message: s.errorMessage,
    started_at: s.startedAt.toISOString(),
    finished_at: iso(s.finishedAt),
    duration_ms: ms(s.startedAt, s.finishedAt),
  };
}

export function operationView(o: Operation, steps: OperationStep[] = []) {
  const open = o.status === "queued" || o.status === "running";
  return {
    id: o.id,
    tenant_id: o.tenantId,
    kind: o.kind,
    effective_kind: o.effectiveKind,
    retry_of: o.retryOf,
    status: o.status,
    attempt: o.attempt,
    max_attempts: o.maxAttempts,
    next_run_at: open && !o.leaseOwner ? o.runAt.toISOString() : null,
    error: o.errorCode && o.errorMessage ? { code: o.errorCode, message: o.errorMessage } : null,
    created_at: o.createdAt.toISOString(),
    started_at: iso(o.startedAt),
    finished_at: iso(o.finishedAt),
    duration_ms: ms(o.startedAt ?? o.createdAt, o.finishedAt),
    requested_by: actorView(o.requestedBy, o.requestedByName),
    request_id: o.requestId,
    steps: steps.filter((s) => s.operationId === o.id).map(stepView),
  };
}

export function eventView(e: TenantEvent) {
  return {
    id: e.id,
    type: e.type,
    message: e.message,
    operation_id: e.operationId,
    data: e.data,
    actor: actorView(e.actorId, e.actorName),
    request_id: e.requestId,
    created_at: e.createdAt.toISOString(),
  };
}

export function blueprintView(b: Blueprint, withSource = false) {
  return {
    id: b.id,
    name: b.name,
    version: b.version,
    digest: b.digest,
    ...(withSource ? { source: b.source } : {}),
    created_at: b.createdAt.toISOString(),
  };
}

/** The compact status: what a SaaS backend polls after creating a tenant. */
export function statusView(
  t: Tenant,
  resources: Resource[],
  open: Operation | null,
  step: OperationStep | null,
) {
  const live = resources.filter((r) => r.status !== "deleted");
  const siteUrl = live.map((r) => r.outputs["url"]).find((u): u is string => typeof u === "string") ?? null;
  return {
    id: t.id,
    name: t.name,
    slug: t.slug,
    status: t.status,
    site_url: siteUrl,
    resource_ids: Object.fromEntries(live.map((r) => [r.key, r.providerId])),
    outputs: Object.fromEntries(live.map((r) => [r.key, r.outputs])),
    error_message: t.errorMessage,
    conditions: t.conditions,
    operation: open ? { id: open.id, kind: open.kind, status: open.status, step: step?.name ?? null } : null,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}
