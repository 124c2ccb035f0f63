/**
 * The catalogue of operation error codes: the `code` recorded on a failed operation
 * (`GET /v1/operations/{id}` → `error.code`) and on a tenant's `tenant.status_changed`
 * event, whatever raised it (the engine, a provider's driver, a service). docs/errors.md
 * documents each one ("Operation errors"); test/error-catalogue.test.ts checks that it
 * does, and that every code the sources use is listed here.
 *
 * The HTTP problem codes are a separate catalogue (`ErrorCodes` in errors.ts). A problem
 * raised while the engine works (a blueprint that no longer renders, a target gone) is
 * recorded as it is: those codes are listed here too.
 */

/** Where a code comes from. `providers`: shared provider code, so every target. */
export type OperationErrorSource =
  | "engine"
  | "services"
  | "providers"
  | "local"
  | "render"
  | "kubernetes"
  | "terraform";

export interface OperationErrorInfo {
  /**
   * Whether the engine retries it: with backoff, up to `TENANTRY_RETRY_MAX_ATTEMPTS`
   * attempts (the message says "gave up after N attempts" when they ran out). Not
   * retryable: the operation fails at once.
   */
  readonly retryable: boolean;
  /** One line: what happened. */
  readonly meaning: string;
  readonly from: readonly OperationErrorSource[];
}

export const OperationErrors = {
  // The engine and its defaults.
  PROVIDER_TRANSIENT: {
    retryable: true,
    meaning: "a retryable platform error without a code of its own",
    from: ["providers"],
  },
  PROVIDER_PERMANENT: {
    retryable: false,
    meaning: "a platform error retrying cannot fix (bad credentials, missing privilege, invalid name)",
    from: ["providers"],
  },
  DATABASE_TRANSIENT: {
    retryable: true,
    meaning: "Tenantry's own database failed in a retryable way; requeued without spending an attempt",
    from: ["engine"],
  },
  UNEXPECTED: {
    retryable: true,
    meaning: "an unclassified error (a bug, a network reset), retried like a transient one",
    from: ["engine"],
  },
  ACTION_TIMEOUT: {
    retryable: true,
    meaning: "one provider call took longer than its kind's action timeout",
    from: ["engine"],
  },
  WAIT_TIMEOUT: {
    retryable: false,
    meaning: "a resource stayed pending on the platform longer than its kind's maximum wait",
    from: ["engine"],
  },
  WORKER_DIED: {
    retryable: false,
    meaning: "the workers running the operation died TENANTRY_RETRY_MAX_ATTEMPTS times in a row",
    from: ["engine"],
  },
  LATE_BINDING_UNSETTLED: {
    retryable: false,
    meaning: "services that reference each other kept changing each other's values",
    from: ["engine"],
  },
  CANCELED: {
    retryable: false,
    meaning: "a queued create canceled by a delete request before it started",
    from: ["services"],
  },
  // Problem codes (errors.ts) raised while the engine works, recorded as they are.
  UNSUPPORTED_RESOURCE: {
    retryable: false,
    meaning: "the target cannot serve the tenant's blueprint (a kind, a spec field, a bootstrap hook)",
    from: ["engine"],
  },
  UNKNOWN_TARGET: {
    retryable: false,
    meaning: "no provider is configured for the tenant's target",
    from: ["engine"],
  },
  BLUEPRINT_NOT_FOUND: {
    retryable: false,
    meaning: "the tenant's blueprint version is missing",
    from: ["engine"],
  },
  BLUEPRINT_INVALID: {
    retryable: false,
    meaning: "the tenant's stored blueprint version no longer validates",
    from: ["engine"],
  },
  VALIDATION_FAILED: {
    retryable: false,
    meaning: "the blueprint no longer renders for the tenant (a bad param, a missing secret)",
    from: ["engine"],
  },
  TENANT_NOT_FOUND: {
    retryable: false,
    meaning: "the operation's tenant no longer exists",
    from: ["engine"],
  },
  // Shared provider code: every target.
  NAME_TAKEN: {
    retryable: false,
    meaning: "an object with the tenant's platform name exists but is not provably the tenant's",
    from: ["providers"],
  },
  BOOTSTRAP_FAILED: {
    retryable: false,
    meaning: "the blueprint's hooks.bootstrap failed, timed out, or names no service that can run it",
    from: ["providers", "local", "render"],
  },
  DEPENDENCY_PENDING: {
    retryable: true,
    meaning: "a resource (or env group) a service's env refers to does not exist yet",
    from: ["providers", "render"],
  },
  MISSING_SECRET: {
    retryable: false,
    meaning: "the tenant has no value for a generated or write-only (sync: false) secret a service needs",
    from: ["providers"],
  },
  // The local target.
  BUILD_FAILED: {
    retryable: false,
    meaning: "a service's or static site's buildCommand exited non-zero or was killed",
    from: ["local"],
  },
  HEALTH_CHECK_FAILED: {
    retryable: false,
    meaning: "a started service did not answer its healthCheckPath in time",
    from: ["local"],
  },
  REMOTE_REPO: {
    retryable: false,
    meaning: "a remote repo: the local target runs local directories and local git repositories only",
    from: ["local"],
  },
  INVALID_SCHEDULE: {
    retryable: false,
    meaning: "a cron job has no schedule, or one that does not parse or never fires",
    from: ["local"],
  },
  KEYVALUE_NOT_CONFIGURED: {
    retryable: false,
    meaning: "the blueprint has a Key Value and the local target has no Redis configured",
    from: ["local"],
  },
  NOT_SCHEDULED: {
    retryable: false,
    meaning: "a run on demand of a cron job not scheduled in this Tenantry process (HTTP: JOB_NOT_RUNNABLE)",
    from: ["local"],
  },
  NOT_A_CRON_JOB: {
    retryable: false,
    meaning: "a run on demand of a resource that is not a cron job (HTTP: JOB_NOT_RUNNABLE)",
    from: ["local"],
  },
  CREDENTIAL_REQUIRED: {
    retryable: false,
    meaning:
      "the tenant's organization has no credential for the target and TENANTRY_CREDENTIALS_FALLBACK=none (register one: POST /v1/credentials)",
    from: ["render"],
  },
  // The render target.
  ACCESS_ERROR: {
    retryable: false,
    meaning: "the platform refused Tenantry's credentials (Render 401/403); sets the access_error condition",
    from: ["render"],
  },
  RATE_LIMITED: {
    retryable: true,
    meaning: "the platform's rate limit: requeued for when it allows, without spending an attempt",
    from: ["render"],
  },
  RENDER_UNREACHABLE: {
    retryable: true,
    meaning: "Render could not be reached, or the connection broke before its answer",
    from: ["render"],
  },
  RENDER_NOT_FOUND: {
    retryable: true,
    meaning:
      "a Render object the tenant should have is not there (deleted outside Tenantry, or not yet listed)",
    from: ["render"],
  },
  RENDER_DATASTORE_FAILED: {
    retryable: false,
    meaning: "a Render Postgres or Key Value is in a failed status (recovery_failed)",
    from: ["render"],
  },
  RENDER_DEPLOY_BUILD_FAILED: {
    retryable: false,
    meaning: "a deploy on Render ended build_failed",
    from: ["render"],
  },
  RENDER_DEPLOY_UPDATE_FAILED: {
    retryable: false,
    meaning: "a deploy on Render ended update_failed",
    from: ["render"],
  },
  RENDER_DEPLOY_PRE_DEPLOY_FAILED: {
    retryable: false,
    meaning: "a deploy on Render ended pre_deploy_failed",
    from: ["render"],
  },
  RENDER_DEPLOY_CANCELED: {
    retryable: false,
    meaning: "a deploy on Render ended canceled",
    from: ["render"],
  },
  RENDER_UNSUPPORTED: {
    retryable: false,
    meaning: "the blueprint asks for something Render's API cannot take (a local repo, a free service plan)",
    from: ["render"],
  },
  RENDER_OWNER_AMBIGUOUS: {
    retryable: false,
    meaning: "RENDER_OWNER_ID is unset and the API key reaches several workspaces",
    from: ["render"],
  },
  KUBERNETES_UNREACHABLE: {
    retryable: true,
    meaning: "the Kubernetes API server did not answer in time, or the connection failed",
    from: ["kubernetes"],
  },
  KUBERNETES_ROLLOUT_FAILED: {
    retryable: false,
    meaning: "a Deployment or StatefulSet did not roll out (ProgressDeadlineExceeded, pods crash-looping)",
    from: ["kubernetes"],
  },
  KUBERNETES_JOB_FAILED: {
    retryable: false,
    meaning: "a service's preDeployCommand Job failed (its pod's last log lines in the message)",
    from: ["kubernetes"],
  },
  KUBERNETES_NAMESPACE_MISSING: {
    retryable: false,
    meaning: "the shared namespace (TENANTRY_KUBERNETES_NAMESPACE) does not exist",
    from: ["kubernetes"],
  },
  KUBERNETES_DATASTORE_SECRET_LOST: {
    retryable: false,
    meaning: "an in-cluster data store's credentials Secret was deleted while its data remains",
    from: ["kubernetes"],
  },
  TERRAFORM_UNAVAILABLE: {
    retryable: false,
    meaning: "the tofu/terraform binary could not be run",
    from: ["terraform"],
  },
  TERRAFORM_MODULE_NOT_FOUND: {
    retryable: false,
    meaning: "a stack's local module folder is not under TENANTRY_TERRAFORM_MODULES_DIR",
    from: ["terraform"],
  },
  TERRAFORM_STATE_LOCKED: {
    retryable: true,
    meaning:
      "the tenant's Terraform state stayed locked past the lock timeout (the message names the holder)",
    from: ["terraform"],
  },
  TERRAFORM_FAILED: {
    retryable: false,
    meaning: "init, plan or another Terraform command failed (its diagnostics in the message)",
    from: ["terraform"],
  },
  TERRAFORM_APPLY_FAILED: {
    retryable: false,
    meaning:
      "an apply failed part-way (its diagnostics with resource addresses in the message); a retry plans and applies the rest",
    from: ["terraform"],
  },
  TERRAFORM_DESTROY_FAILED: {
    retryable: false,
    meaning: "a destroy failed part-way or left resources in the state; a retry destroys what is left",
    from: ["terraform"],
  },
} as const satisfies Record<string, OperationErrorInfo>;

/** Codes made from a platform's answer: one entry stands for many codes. */
export const OperationErrorFamilies = {
  "RENDER_<status>": {
    pattern: /^RENDER_[0-9]{3}$/,
    /** 408 and 5xx are retried; any other status is Render refusing the request for good. */
    retryable: (code: string) => code === "RENDER_408" || /^RENDER_5/.test(code),
    meaning: "Render answered with this HTTP status (RENDER_404, RENDER_422, RENDER_503…)",
    from: ["render"],
  },
  "KUBERNETES_<status>": {
    pattern: /^KUBERNETES_[0-9]{3}$/,
    /** 409 (a conflict, applied again), 429 (waited out) and 5xx are retried; 400, 404, 422… are not. */
    retryable: (code: string) => /^KUBERNETES_(409|429|5[0-9]{2})$/.test(code),
    meaning:
      "the Kubernetes API answered with this HTTP status (KUBERNETES_422: an invalid object, with the server's causes)",
    from: ["kubernetes"],
  },
} as const satisfies Record<
  string,
  Omit<OperationErrorInfo, "retryable"> & { pattern: RegExp; retryable: (code: string) => boolean }
>;

/**
 * Platforms whose HTTP client (src/providers/kit) names codes after them:
 * `<PREFIX>_UNREACHABLE`, `<PREFIX>_<status>`. A new platform adds its prefix here and
 * its codes to the catalogue.
 */
export const PLATFORM_CODE_PREFIXES = ["RENDER", "KUBERNETES"] as const;
export type PlatformCodePrefix = (typeof PLATFORM_CODE_PREFIXES)[number];

/** `RENDER_<status>`: Render's HTTP status as a code. */
export type RenderStatusCode = `RENDER_${number}`;

/** `KUBERNETES_<status>`: the Kubernetes API's HTTP status as a code. */
export type KubernetesStatusCode = `KUBERNETES_${number}`;

/** Every code an operation can fail with. */
export type OperationErrorCode = keyof typeof OperationErrors | RenderStatusCode | KubernetesStatusCode;

/** The catalogue's entry for a code (a family's, for a code made from a status), or undefined. */
export function operationError(code: string): OperationErrorInfo | undefined {
  const exact: OperationErrorInfo | undefined = (OperationErrors as Record<string, OperationErrorInfo>)[code];
  if (exact && Object.hasOwn(OperationErrors, code)) return exact;
  for (const family of Object.values(OperationErrorFamilies)) {
    if (family.pattern.test(code)) {
      return { retryable: family.retryable(code), meaning: family.meaning, from: family.from };
    }
  }
  return undefined;
}

/** Whether the engine retries a failure with this code (false for a code not in the catalogue). */
export function isRetryableCode(code: OperationErrorCode): boolean {
  return operationError(code)?.retryable ?? false;
}
