import { ANY_PROVIDER } from "../config/environments.js";
import { type FieldError, TenantryError } from "../domain/errors.js";
import type { TenantStatus } from "../domain/lifecycle.js";
import type { Operation, Principal, Resource, Tenant } from "../domain/types.js";
import type { Queryable } from "./database.js";
import { openOperation } from "./operation-service.js";
import { tenantResources } from "./tenant-records.js";
import type { TenantService } from "./tenant-service.js";

/**
 * The environments API (`/v1/environments`, docs/environments.md): the request and answer
 * shapes a BYOC provisioning service used ("Beta9"), as a view over tenants. An environment
 * is a tenant created from the blueprint the operator chose (`TENANTRY_ENVIRONMENT_BLUEPRINT`,
 * one, or one per cloud provider), on the `terraform` target; the request's fields other
 * than `name` are its parameters, so the blueprint's parameter declarations validate them.
 */

export interface EnvironmentConfig {
  /**
   * `TENANTRY_ENVIRONMENT_BLUEPRINT`: a stored blueprint (`NAME` or `NAME@VERSION`) for every
   * environment, or one per `cloud.provider` (`aws=beta9-aws,gcp=beta9-gcp`); empty: the
   * environments API answers 501.
   */
  environmentBlueprints: Readonly<Record<string, string>>;
  /** `TENANTRY_ENVIRONMENT_TARGET`: the target of environments. @default "terraform" */
  environmentTarget: string;
}

/** Tenant statuses as the environments API names them (the rest keep Tenantry's names). */
const STATUS: Partial<Record<TenantStatus, string>> = { active: "ready" };

export function environmentStatus(tenant: Tenant, open: Operation | null): string {
  if (tenant.status === "destroying" && open?.kind === "destroy" && open.status === "queued") {
    return "destroy_queued";
  }
  return STATUS[tenant.status] ?? tenant.status;
}

/** Non-secret outputs of every resource, merged (`cluster_endpoint`, `bucket_name`…). */
function outputsOf(resources: readonly Resource[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of resources) if (r.status !== "deleted") Object.assign(out, r.outputs);
  return out;
}

export function environmentView(tenant: Tenant, resources: readonly Resource[], open: Operation | null) {
  const params = tenant.params as Record<string, unknown>;
  const cloud = (params["cloud"] ?? {}) as Record<string, unknown>;
  return {
    environment_id: tenant.id,
    name: tenant.name,
    status: environmentStatus(tenant, open),
    cloud: {
      provider: typeof cloud["provider"] === "string" ? cloud["provider"] : null,
      region: typeof cloud["region"] === "string" ? cloud["region"] : null,
    },
    outputs: outputsOf(resources),
    error_message: tenant.errorMessage,
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

/** `/params/cloud/region` → `/cloud/region`: the environment's fields are the tenant's params. */
function unwrap(err: unknown): unknown {
  if (!(err instanceof TenantryError)) return err;
  const errors: FieldError[] = err.errors.map((e) => ({
    ...e,
    pointer: e.pointer.startsWith("/params/") ? e.pointer.slice("/params".length) : e.pointer,
  }));
  return new TenantryError(err.code, err.message.replaceAll("/params/", "/"), { errors, extra: err.extra });
}

export class EnvironmentService {
  constructor(
    private readonly tenants: TenantService,
    private readonly config: EnvironmentConfig,
  ) {}

  private blueprintFor(body: Record<string, unknown>): string {
    const blueprints = this.config.environmentBlueprints;
    if (Object.keys(blueprints).length === 0) {
      throw new TenantryError(
        "ENVIRONMENTS_NOT_CONFIGURED",
        "environments are not configured here: set TENANTRY_ENVIRONMENT_BLUEPRINT to a stored blueprint (see docs/environments.md)",
      );
    }
    const cloud = body["cloud"];
    const provider =
      cloud && typeof cloud === "object" ? (cloud as Record<string, unknown>)["provider"] : undefined;
    const chosen =
      (typeof provider === "string" ? blueprints[provider] : undefined) ?? blueprints[ANY_PROVIDER];
    if (!chosen) {
      const known = Object.keys(blueprints).filter((k) => k !== ANY_PROVIDER);
      throw new TenantryError("VALIDATION_FAILED", "no environment blueprint for this cloud provider", {
        errors: [
          {
            pointer: "/cloud/provider",
            message:
              typeof provider === "string"
                ? `"${provider}" is not served here (expected one of: ${known.join(", ")})`
                : `required: one of ${known.join(", ")}`,
          },
        ],
      });
    }
    return chosen;
  }

  async create(q: Queryable, principal: Principal, body: Record<string, unknown>) {
    const { name, ...params } = body;
    if (typeof name !== "string" || name.trim() === "") {
      throw new TenantryError("VALIDATION_FAILED", "an environment needs a name", {
        errors: [{ pointer: "/name", message: "required: a string" }],
      });
    }
    const blueprint = this.blueprintFor(body);
    try {
      const { tenant, operation } = await this.tenants.create(q, principal, {
        name,
        blueprint,
        target: this.config.environmentTarget,
        params,
      });
      return { tenant, operation };
    } catch (err) {
      throw unwrap(err);
    }
  }

  async get(q: Queryable, principal: Principal, id: string) {
    const tenant = await this.tenants.get(q, principal, id).catch((err: unknown) => {
      throw notFound(err, id);
    });
    const [resources, open] = await Promise.all([tenantResources(q, tenant.id), openOperation(q, tenant.id)]);
    return environmentView(tenant, resources, open?.operation ?? null);
  }

  async destroy(q: Queryable, principal: Principal, id: string) {
    const { tenant, operation } = await this.tenants
      .request(q, principal, id, "destroy")
      .catch((err: unknown) => {
        throw notFound(err, id);
      });
    return { tenant, operation };
  }
}

function notFound(err: unknown, id: string): unknown {
  if (err instanceof TenantryError && err.code === "TENANT_NOT_FOUND") {
    return new TenantryError("ENVIRONMENT_NOT_FOUND", `no environment "${id}"`);
  }
  return err;
}
