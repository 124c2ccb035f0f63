import { type CostEstimate, estimateCost } from "../blueprints/cost.js";
import { mergeParams } from "../blueprints/merge-params.js";
import { type Plan, planChanges } from "../blueprints/plan.js";
import { generatedRefs } from "../blueprints/render.js";
import { DEFAULT_TARGET, defaultNodeId } from "../config/config.js";
import { type FieldError, TenantryError } from "../domain/errors.js";
import { type LifecycleEvent, type TenantStatus, transition, type WorkKind } from "../domain/lifecycle.js";
import { isValidSlug, slugify, suggestSlug } from "../domain/slug.js";
import type { Blueprint, DesiredState, Operation, Principal, Tenant } from "../domain/types.js";
import type { SecretBox } from "../lib/crypto.js";
import { randomToken, sha256 } from "../lib/crypto.js";
import { newId } from "../lib/ids.js";
import { outboundUrlProblem } from "../lib/outbound.js";
import { type Refusal, refusalsFor } from "../providers/capabilities.js";
import type { DesiredResource, ProviderRegistry } from "../providers/provider.js";
import { unknownTargetMessage } from "../providers/targets.js";
import type { Queryable } from "../store/db.js";
import { findBlueprint, getBlueprintById, putBlueprintVersion } from "../store/sql/blueprints.js";
import { finishOperation, getOperationById, insertOperation } from "../store/sql/operations.js";
import { listResources } from "../store/sql/resources.js";
import {
  findTenant,
  getTenantSealed,
  insertTenant,
  listTenants,
  liveSlugsLike,
  lockTenant,
  type TenantFilter,
  updateTenantSpec,
  updateTenantStatus,
} from "../store/sql/tenants.js";
import {
  compileBlueprint,
  compileStored,
  refuseUndeclaredSecrets,
  renderOrThrow,
} from "./blueprint-compiler.js";
import type { CredentialService } from "./credential-service.js";
import type { QuotaService } from "./quota-service.js";
import { type RenderSettings, renderContextFor } from "./render-context.js";

/** A blueprint reference: `"name"`, `"name@3"`, or inline YAML source. */
export type BlueprintRef = string | { source: string; name?: string };

export interface CreateTenantInput {
  name: string;
  slug?: string;
  blueprint: BlueprintRef;
  target?: string;
  params?: Record<string, unknown>;
  secrets?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface TenantServiceDeps {
  providers: ProviderRegistry;
  secrets: SecretBox;
  maxAttempts: number;
  /** Hosts a tenant's `custom_plugin_repo` may point at. */
  pluginHosts?: readonly string[];
  /** Non-public networks and hosts users' URLs may reach (`TENANTRY_OUTBOUND_ALLOWED_NETWORKS`). */
  outboundAllowedNetworks?: readonly string[];
  /** The target of tenants that name none (`TENANTRY_DEFAULT_TARGET`). @default the configuration's default, `local` */
  defaultTarget?: string;
  /**
   * This process's node (`TENANTRY_NODE_ID`): a tenant of a node-bound target (local) is
   * worked on only by workers of the node that created it. @default the host name
   */
  nodeId?: string;
  /** Organizations' target credentials: a tenant on a target that needs one and has none is refused at create. */
  credentials?: Pick<CredentialService, "requireFor">;
  /** The organizations' quotas, checked by creates; unset: no quotas (tests of the engine). */
  quotas?: QuotaService;
}

const REF = /^([a-zA-Z0-9][a-zA-Z0-9._-]{0,99})(?:@(\d{1,9}))?$/;

/** The tenant use cases behind the HTTP API; each runs inside the caller's transaction. */
export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  /** The target of tenants (and of plans and renders) that name none: the configuration decides it. */
  get defaultTarget(): string {
    return this.deps.defaultTarget ?? DEFAULT_TARGET;
  }

  /**
   * A create or change request as its Idempotency-Key hash sees it: each secret value
   * replaced by its keyed digest, so the stored hash holds nothing to guess a value from,
   * and a different value is still a different request.
   */
  hashableBody(body: unknown): unknown {
    if (typeof body !== "object" || body === null || !("secrets" in body)) return body;
    const secrets = (body as { secrets?: unknown }).secrets;
    if (typeof secrets !== "object" || secrets === null) return body;
    return {
      ...body,
      secrets: Object.fromEntries(
        Object.entries(secrets).map(([k, v]) => [
          k,
          typeof v === "string" ? { digest: this.deps.secrets.digest(`${k}\n${v}`) } : v,
        ]),
      ),
    };
  }

  /** What tenants render with; the engine's passes use the same (see render-context.ts). */
  get renderSettings(): RenderSettings {
    return this.deps;
  }

  /** The organizations' quotas, when this installation has them (it does, outside tests). */
  get quotas(): QuotaService | undefined {
    return this.deps.quotas;
  }

  async create(
    q: Queryable,
    principal: Principal,
    input: CreateTenantInput,
  ): Promise<{ tenant: Tenant; operation: Operation }> {
    const orgId = principal.organizationId;
    const target = input.target ?? this.defaultTarget;
    const errors: FieldError[] = [];
    const provider = this.deps.providers.get(target);
    if (!provider) {
      throw new TenantryError("UNKNOWN_TARGET", unknownTargetMessage(target, this.deps.providers.names()), {
        errors: [
          { pointer: "/target", message: `expected one of: ${this.deps.providers.names().join(", ")}` },
        ],
      });
    }
    await this.deps.credentials?.requireFor(q, orgId, target);
    const slug = input.slug ?? slugify(input.name);
    if (!isValidSlug(slug)) {
      errors.push({
        pointer: "/slug",
        message: "must be a DNS label: a-z, 0-9 and -, starting with a letter, at most 63",
      });
    }
    if (errors.length) throw new TenantryError("VALIDATION_FAILED", errors[0]?.message ?? "", { errors });
    // Before anything is written (an inline blueprint is stored below); holds the
    // organization's quota lock to the end of the transaction.
    await this.deps.quotas?.checkTenantCreate(q, orgId);

    const id = newId();
    const blueprint = await this.resolveBlueprint(q, orgId, input.blueprint);
    refuseUndeclaredSecrets(compileStored(blueprint), Object.keys(input.secrets ?? {}));
    const rendered = renderOrThrow(
      compileStored(blueprint),
      await renderContextFor(
        q,
        this.deps,
        { id, slug, name: input.name, organizationId: orgId },
        { params: input.params ?? {}, secretKeys: new Set(Object.keys(input.secrets ?? {})) },
      ),
    );
    await this.checkSupported(target, rendered);
    await this.checkOutbound(input.params ?? {});

    const tenant = await insertTenant(
      q,
      {
        id,
        organizationId: orgId,
        name: input.name,
        slug,
        blueprintId: blueprint.id,
        target,
        params: input.params ?? {},
        secretsEnc:
          input.secrets && Object.keys(input.secrets).length > 0
            ? this.deps.secrets.sealJson(input.secrets)
            : null,
        generatedEnc: this.generate(null, rendered.resources) ?? null,
        labels: input.labels ?? {},
        nodeId: provider.recoverOnStart ? (this.deps.nodeId ?? defaultNodeId()) : null,
      },
      blueprint,
    );
    // The unique index on live slugs decides, also between two requests racing for one slug.
    if (!tenant) throw this.slugTaken(slug, await liveSlugsLike(q, orgId, slug));
    const operation = await insertOperation(q, {
      organizationId: orgId,
      tenantId: id,
      kind: "create",
      effectiveKind: "create",
      generation: 1,
      maxAttempts: this.deps.maxAttempts,
      requestedBy: principal.apiKeyId,
      requestId: principal.requestId ?? null,
      event: {
        type: "tenant.created",
        message: `created from blueprint ${blueprint.name}@${blueprint.version} on ${target}`,
        data: { blueprint: blueprint.name, version: blueprint.version, target },
      },
    });
    return { tenant, operation };
  }

  /**
   * Generates the `generateValue` secrets the resources need and the tenant does not have
   * yet (existing ones are kept, so values are stable across updates). Returns the new
   * sealed map, or undefined when nothing had to be generated.
   */
  private generate(sealed: string | null, resources: DesiredResource[]): string | undefined {
    const values = sealed ? this.deps.secrets.openJson<Record<string, string>>(sealed) : {};
    let added = false;
    for (const ref of generatedRefs(resources)) {
      if (values[ref] !== undefined) continue;
      values[ref] = randomToken(32);
      added = true;
    }
    return added ? this.deps.secrets.sealJson(values) : undefined;
  }

  /**
   * Refuses a `custom_plugin_repo` whose host is, or resolves to, a loopback, private or
   * link-local address (the local target clones it from this machine), unless allowed.
   */
  private async checkOutbound(params: Record<string, unknown>): Promise<void> {
    const repo = params["custom_plugin_repo"];
    if (typeof repo !== "string") return;
    const problem = await outboundUrlProblem(repo, { networks: this.deps.outboundAllowedNetworks ?? [] });
    if (problem) {
      throw new TenantryError("VALIDATION_FAILED", `invalid field: /params/custom_plugin_repo: ${problem}`, {
        errors: [{ pointer: "/params/custom_plugin_repo", message: problem }],
      });
    }
  }

  /**
   * Refuses a blueprint the target cannot fully serve (`UNSUPPORTED_RESOURCE`, 422): each
   * kind it lacks, each thing of a resource's spec it refuses, a hook it cannot run, named
   * with why (see `providers/capabilities.ts`). Nothing has been created when it throws.
   */
  async checkSupported(
    target: string,
    rendered: { resources: DesiredResource[]; hooks?: { bootstrap?: unknown } },
  ): Promise<void> {
    const provider = this.deps.providers.get(target);
    if (!provider) {
      throw new TenantryError("UNKNOWN_TARGET", unknownTargetMessage(target, this.deps.providers.names()));
    }
    const refusals = await refusalsFor(provider, rendered);
    if (refusals.length === 0) return;
    const what = (r: Refusal) =>
      r.resource ? `${r.resource}${r.field ? ` (${r.field})` : ""}` : (r.field ?? "the blueprint");
    throw new TenantryError(
      "UNSUPPORTED_RESOURCE",
      `the ${target} target cannot serve ${refusals.map(what).join(", ")}: ${refusals[0]?.message}${refusals.length > 1 ? ` (and ${refusals.length - 1} more)` : ""}`,
      {
        errors: refusals.map((r) => ({ pointer: "/blueprint", message: `${what(r)}: ${r.message}` })),
        extra: {
          target,
          refusals: refusals.map((r) => ({
            resource: r.resource ?? null,
            field: r.field ?? null,
            message: r.message,
          })),
        },
      },
    );
  }

  private slugTaken(slug: string, taken: Set<string>): TenantryError {
    const suggestion = suggestSlug(slug, (s) => taken.has(s));
    return new TenantryError("SLUG_TAKEN", `slug "${slug}" is taken; try "${suggestion}"`, {
      errors: [{ pointer: "/slug", message: `"${slug}" is taken` }],
      extra: { suggestion },
    });
  }

  async resolveBlueprint(q: Queryable, orgId: string, ref: BlueprintRef): Promise<Blueprint> {
    if (typeof ref === "string") {
      const m = REF.exec(ref);
      if (!m?.[1]) {
        throw new TenantryError("VALIDATION_FAILED", "blueprint must be NAME or NAME@VERSION", {
          errors: [{ pointer: "/blueprint", message: "expected NAME or NAME@VERSION" }],
        });
      }
      const version = m[2] === undefined ? undefined : Number(m[2]);
      const found = await findBlueprint(q, orgId, m[1], version);
      if (!found) {
        throw new TenantryError("BLUEPRINT_NOT_FOUND", `blueprint ${ref} does not exist`, {
          errors: [{ pointer: "/blueprint", message: `no blueprint ${ref}` }],
        });
      }
      return found;
    }
    compileBlueprint(ref.source); // reject invalid source before storing it
    const name = ref.name ?? `inline-${sha256(ref.source).slice(0, 10)}`;
    const onNewName = await this.deps.quotas?.beforeBlueprintPush(q, orgId);
    return (await putBlueprintVersion(q, orgId, name, ref.source, onNewName)).blueprint;
  }

  /**
   * Changes a tenant. A new blueprint version, params or secrets start an `update`
   * operation (generation + 1, `updating`, then `active`); a new name or labels apply at
   * once. `secrets` are merged into the tenant's write-only secrets (`null` removes one);
   * values the tenant already has change nothing. `ifMatch` is the generation the caller
   * last saw: a different one is a 412.
   */
  async update(
    q: Queryable,
    principal: Principal,
    idOrSlug: string,
    change: {
      blueprint?: BlueprintRef;
      params?: Record<string, unknown>;
      labels?: Record<string, string>;
      name?: string;
      secrets?: Record<string, string | null>;
    },
    ifMatch?: number,
  ): Promise<{ tenant: Tenant; operation: Operation | null }> {
    const tenant = await this.get(q, principal, idOrSlug, true);
    if (ifMatch !== undefined && ifMatch !== tenant.generation) {
      throw new TenantryError(
        "PRECONDITION_FAILED",
        `the tenant is at generation ${tenant.generation}, not ${ifMatch}: read it again and retry`,
        { extra: { generation: tenant.generation } },
      );
    }
    if (
      tenant.status === "destroyed" ||
      tenant.status === "destroy_queued" ||
      tenant.status === "destroying"
    ) {
      throw refused(tenant.status, "update", `cannot update a tenant that is ${tenant.status}`);
    }
    const blueprint =
      change.blueprint === undefined
        ? null
        : await this.resolveBlueprint(q, principal.organizationId, change.blueprint);
    const params = mergeParams(tenant.params, change.params ?? {});
    const sealed = await getTenantSealed(q, tenant.id);
    const stored = sealed.secretsEnc
      ? this.deps.secrets.openJson<Record<string, string>>(sealed.secretsEnc)
      : {};
    let secrets = stored;
    let secretsChanged: string[] = [];
    if (change.secrets !== undefined) {
      const version = blueprint ?? (await getBlueprintById(q, tenant.blueprintId));
      if (!version) throw new TenantryError("BLUEPRINT_NOT_FOUND", "the tenant's blueprint is missing");
      // Removing one the blueprint no longer declares is allowed; setting one is not.
      refuseUndeclaredSecrets(
        compileStored(version),
        Object.entries(change.secrets).flatMap(([key, value]) => (value === null ? [] : [key])),
      );
      ({ secrets, changed: secretsChanged } = mergeSecrets(stored, change.secrets));
    }
    const reconfigure =
      (blueprint !== null && blueprint.id !== tenant.blueprintId) ||
      JSON.stringify(params) !== JSON.stringify(tenant.params) ||
      secretsChanged.length > 0;

    let operation: Operation | null = null;
    if (reconfigure) {
      const next = transition(tenant.status, { type: "update" });
      if (!next.ok) throw refused(tenant.status, "update", next.reason);
      const version = blueprint ?? (await getBlueprintById(q, tenant.blueprintId));
      if (!version) throw new TenantryError("BLUEPRINT_NOT_FOUND", "the tenant's blueprint is missing");
      const secretKeys = new Set(Object.keys(secrets));
      const rendered = renderOrThrow(
        compileStored(version),
        await renderContextFor(
          q,
          this.deps,
          { ...tenant, name: change.name ?? tenant.name },
          { params, secretKeys },
        ),
      );
      await this.checkSupported(tenant.target, rendered);
      await this.checkOutbound(params);
      await updateTenantSpec(q, tenant.id, {
        name: change.name,
        labels: change.labels,
        blueprintId: version.id,
        params,
        generatedEnc: this.generate(sealed.generatedEnc, rendered.resources),
        ...(secretsChanged.length > 0
          ? {
              secretsEnc: Object.keys(secrets).length > 0 ? this.deps.secrets.sealJson(secrets) : null,
            }
          : {}),
      });
      const updated = await updateTenantStatus(q, tenant.id, {
        status: next.status,
        desiredState: "active",
        bumpGeneration: true,
      });
      operation = await insertOperation(q, {
        organizationId: tenant.organizationId,
        tenantId: tenant.id,
        kind: "update",
        effectiveKind: "update",
        generation: updated.generation,
        maxAttempts: this.deps.maxAttempts,
        requestedBy: principal.apiKeyId,
        requestId: principal.requestId ?? null,
        event: {
          type: "tenant.status_changed",
          message: `${tenant.status} → ${next.status} (update to ${version.name}@${version.version} requested${secretsChanged.length > 0 ? `; secrets changed: ${secretsChanged.join(", ")}` : ""})`,
          data: {
            from: tenant.status,
            to: next.status,
            request: "update",
            blueprint: version.name,
            version: version.version,
            // Names only: values are never written outside the sealed column.
            ...(secretsChanged.length > 0 ? { secrets_changed: secretsChanged } : {}),
          },
        },
      });
    } else if (change.name !== undefined || change.labels !== undefined) {
      await updateTenantSpec(q, tenant.id, { name: change.name, labels: change.labels });
    }
    const now = await this.get(q, principal, tenant.id);
    return { tenant: now, operation };
  }

  /**
   * Starts a `heal` operation for a tenant after Tenantry itself restarted (system
   * initiated): `active → degraded → updating → active`, bringing its processes and
   * schedules back without rebuilding. Tenants that are not active or degraded are left
   * alone (their own operation will converge them). Returns whether it started one.
   */
  async recover(q: Queryable, tenantId: string, reason: string): Promise<boolean> {
    const orgId = (await lockTenant(q, tenantId, { statuses: ["active", "degraded"] }))?.organizationId;
    if (!orgId) return false;
    let tenant = await findTenant(q, orgId, tenantId);
    if (!tenant) return false;
    if (tenant.status === "active") {
      tenant = await updateTenantStatus(q, tenant.id, {
        status: "degraded",
        event: {
          operationId: null,
          type: "tenant.status_changed",
          message: `active → degraded: ${reason}`,
          data: { from: "active", to: "degraded", reason },
        },
      });
    }
    const next = transition(tenant.status, { type: "heal" });
    if (!next.ok) return false;
    await updateTenantStatus(q, tenant.id, { status: next.status });
    await insertOperation(q, {
      organizationId: orgId,
      tenantId: tenant.id,
      kind: "heal",
      effectiveKind: "heal",
      generation: tenant.generation,
      maxAttempts: this.deps.maxAttempts,
      event: {
        type: "tenant.status_changed",
        message: `degraded → ${next.status} (heal: ${reason})`,
        data: { from: "degraded", to: next.status, request: "heal", reason },
      },
    });
    return true;
  }

  /**
   * What a change would do to a tenant, without applying it: the blueprint (its current
   * one, or another reference) rendered with its params merged with `params` (a `null`
   * removes one), compared with its recorded resources, with the monthly cost.
   */
  async plan(
    q: Queryable,
    principal: Principal,
    idOrSlug: string,
    change: { blueprint?: BlueprintRef; params?: Record<string, unknown> },
  ): Promise<{
    tenant: Tenant;
    blueprint: Blueprint;
    params: Record<string, unknown>;
    plan: Plan;
    cost: CostEstimate;
  }> {
    const tenant = await this.get(q, principal, idOrSlug);
    const blueprint =
      change.blueprint === undefined
        ? await getBlueprintById(q, tenant.blueprintId)
        : await this.resolveBlueprint(q, principal.organizationId, change.blueprint);
    if (!blueprint) throw new TenantryError("BLUEPRINT_NOT_FOUND", "the tenant's blueprint is missing");
    const params = mergeParams(tenant.params, change.params ?? {});
    const rendered = renderOrThrow(
      compileStored(blueprint),
      await renderContextFor(q, this.deps, tenant, { params }),
    );
    // A change the target could not serve is refused here too, as the update would be.
    await this.checkSupported(tenant.target, rendered);
    const recorded = await listResources(q, tenant.id);
    return {
      tenant,
      blueprint,
      params,
      plan: planChanges(rendered.resources, recorded),
      cost: estimateCost(rendered.resources, tenant.target),
    };
  }

  async get(q: Queryable, principal: Principal, idOrSlug: string, forUpdate = false): Promise<Tenant> {
    const tenant = await findTenant(q, principal.organizationId, idOrSlug, { forUpdate });
    if (!tenant) throw new TenantryError("TENANT_NOT_FOUND", `no tenant "${idOrSlug}"`);
    return tenant;
  }

  /** The organization's tenants matching `filter`, ordered by id (creation). */
  list(q: Queryable, principal: Principal, filter: TenantFilter): Promise<Tenant[]> {
    return listTenants(q, principal.organizationId, filter);
  }

  /**
   * Asks for a lifecycle change (suspend, resume, destroy, retry). A change the
   * lifecycle refuses is a 409 and changes nothing.
   */
  async request(
    q: Queryable,
    principal: Principal,
    idOrSlug: string,
    type: "suspend" | "resume" | "destroy" | "retry",
  ): Promise<{ tenant: Tenant; operation: Operation }> {
    const tenant = await this.get(q, principal, idOrSlug, true);
    let event: LifecycleEvent;
    let work: WorkKind;
    let retryOf: string | null = null;
    if (type === "retry") {
      const failed = tenant.failedOperationId ? await getOperationById(q, tenant.failedOperationId) : null;
      if (tenant.status !== "failed" || !failed)
        throw refused(tenant.status, "retry", "only a failed tenant can be retried");
      work = failed.effectiveKind;
      retryOf = failed.id;
      event = { type: "retry", failedKind: work };
    } else {
      work = type;
      event = { type };
    }
    const next = transition(tenant.status, event);
    if (!next.ok) throw refused(tenant.status, type, next.reason);

    if (type === "destroy" && tenant.status === "queued") {
      // Not started yet: cancel the queued create. If a worker claimed it a moment ago,
      // provisioning has begun and the delete has to wait for it.
      const canceled = await finishOperation(
        q,
        { queuedOf: tenant.id },
        { status: "canceled", errorCode: "CANCELED", errorMessage: "canceled by a delete request" },
      );
      if (!canceled)
        throw refused("provisioning", type, "provisioning has started; delete it when it finishes");
    }
    const desiredState: DesiredState =
      work === "destroy" ? "deleted" : work === "suspend" ? "suspended" : "active";
    const updated = await updateTenantStatus(q, tenant.id, {
      status: next.status,
      desiredState,
      bumpGeneration: type !== "retry",
      ...(type === "retry" ? { errorMessage: null } : {}),
    });
    const operation = await insertOperation(q, {
      organizationId: tenant.organizationId,
      tenantId: tenant.id,
      kind: type,
      effectiveKind: work,
      retryOf,
      generation: updated.generation,
      maxAttempts: this.deps.maxAttempts,
      requestedBy: principal.apiKeyId,
      requestId: principal.requestId ?? null,
      event: {
        type: "tenant.status_changed",
        message: `${tenant.status} → ${next.status} (${type} requested)`,
        data: { from: tenant.status, to: next.status, request: type },
      },
    });
    return { tenant: updated, operation };
  }
}

/**
 * The tenant's secrets with `change` merged in (a value sets or rotates one, `null`
 * removes it), and the keys whose value actually changed (sorted): the same value sent
 * again changes nothing.
 */
export function mergeSecrets(
  stored: Readonly<Record<string, string>>,
  change: Readonly<Record<string, string | null>>,
): { secrets: Record<string, string>; changed: string[] } {
  const secrets = { ...stored };
  const changed: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (value === null) {
      if (!(key in secrets)) continue;
      delete secrets[key];
    } else {
      if (secrets[key] === value) continue;
      secrets[key] = value;
    }
    changed.push(key);
  }
  return { secrets, changed: changed.sort() };
}

function refused(status: TenantStatus, action: string, reason: string): TenantryError {
  return new TenantryError(
    "TRANSITION_NOT_ALLOWED",
    reason.startsWith("cannot") ? reason : `cannot ${action}: ${reason}`,
    {
      extra: { tenant_status: status, action },
    },
  );
}
