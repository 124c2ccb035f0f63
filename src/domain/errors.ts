/**
 * The error catalogue. Every error Tenantry reports to a caller has a stable `code`
 * listed here; docs/errors.md documents each one. HTTP responses carry the code in
 * their problem+json body, so clients can branch on it without parsing prose.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: "The request is not valid" },
  UNAUTHENTICATED: { status: 401, title: "Missing or invalid API key" },
  FORBIDDEN: { status: 403, title: "The API key's role does not allow this" },
  NOT_FOUND: { status: 404, title: "Not found" },
  TENANT_NOT_FOUND: { status: 404, title: "Tenant not found" },
  ENVIRONMENT_NOT_FOUND: { status: 404, title: "Environment not found" },
  API_KEY_NOT_FOUND: { status: 404, title: "API key not found" },
  ORGANIZATION_NOT_FOUND: { status: 404, title: "Organization not found" },
  CREDENTIAL_NOT_FOUND: { status: 404, title: "Credential not found" },
  WEBHOOK_NOT_FOUND: { status: 404, title: "Webhook endpoint not found" },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: "The webhook endpoint has no such delivery" },
  OPERATION_NOT_FOUND: { status: 404, title: "Operation not found" },
  BLUEPRINT_NOT_FOUND: { status: 404, title: "Blueprint not found" },
  RESOURCE_NOT_FOUND: { status: 404, title: "The tenant has no such resource" },
  METHOD_NOT_ALLOWED: { status: 405, title: "The path does not answer this method" },
  SLUG_TAKEN: { status: 409, title: "The slug is already used by another tenant" },
  TRANSITION_NOT_ALLOWED: { status: 409, title: "The tenant's lifecycle does not allow this now" },
  ORGANIZATION_EXISTS: { status: 409, title: "An organization with this slug exists" },
  ORGANIZATION_NOT_EMPTY: { status: 409, title: "The organization still has tenants" },
  ORGANIZATION_PROTECTED: { status: 409, title: "The organization of the calling key cannot be deleted" },
  API_KEY_NOT_ACTIVE: { status: 409, title: "The API key is revoked, expired or already rotated" },
  CREDENTIAL_IN_USE: {
    status: 409,
    title: "Tenants of the organization use this credential's account",
  },
  QUOTA_EXCEEDED: { status: 403, title: "The organization's quota does not allow this" },
  PRECONDITION_FAILED: { status: 412, title: "The tenant changed since you read it" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body is not JSON" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: "Idempotency-Key was used with a different request" },
  BLUEPRINT_INVALID: { status: 422, title: "The blueprint is not valid" },
  CREDENTIAL_CHECK_FAILED: { status: 422, title: "The platform did not accept the credential" },
  CREDENTIAL_REQUIRED: { status: 422, title: "The organization has no credential for this target" },
  UNKNOWN_TARGET: { status: 422, title: "No provider serves this target" },
  UNSUPPORTED_RESOURCE: { status: 422, title: "The target cannot provide a resource of this blueprint" },
  UNDECLARED_SECRETS: { status: 422, title: "The blueprint declares no such secret" },
  NOT_A_CRON_JOB: { status: 422, title: "Only cron jobs can be run on demand" },
  JOB_NOT_RUNNABLE: { status: 409, title: "The cron job cannot run now" },
  RATE_LIMITED: { status: 429, title: "Too many requests; retry after the time given" },
  ENVIRONMENTS_NOT_CONFIGURED: { status: 501, title: "The environments API is not configured here" },
  NOT_READY: { status: 503, title: "Tenantry is not ready" },
  DATABASE_UNAVAILABLE: { status: 503, title: "Tenantry's database cannot be reached right now" },
  INTERNAL: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** One field-level problem, located by a JSON pointer into the request. */
export interface FieldError {
  /** JSON pointer into the request body (or `/query/...`, `/header/...`). */
  pointer: string;
  message: string;
  /** Set for blueprint errors: where in the YAML source. */
  line?: number;
  column?: number;
}

/** An error meant for the caller: it maps to a problem+json response. */
export class TenantryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[];
  readonly extra: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = "TenantryError";
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.errors = options.errors ?? [];
    this.extra = options.extra ?? {};
  }
}

export function validationError(errors: FieldError[], detail?: string): TenantryError {
  const first = errors[0];
  return new TenantryError(
    "VALIDATION_FAILED",
    detail ?? (first ? `${first.pointer || "/"}: ${first.message}` : "The request is not valid"),
    { errors },
  );
}
