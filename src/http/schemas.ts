import { type Static, Type } from "typebox";
import { MAX_BLUEPRINT_BYTES } from "../blueprints/validate.js";
import {
  OPERATION_KINDS,
  type OperationKind,
  TENANT_STATUSES,
  type TenantStatus,
} from "../domain/lifecycle.js";
import { SLUG_PATTERN } from "../domain/slug.js";

/** Request and response schemas; the OpenAPI document is generated from these. */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });
const LabelMap = Type.Record(
  Type.String({ pattern: "^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,61}[a-zA-Z0-9])?$" }),
  Type.String({ maxLength: 253 }),
  {
    description: 'Free-form labels for filtering, e.g. {"plan":"pro"}',
    maxProperties: 64,
    // A key that breaks the pattern is refused, not let through.
    additionalProperties: false,
    title: "Labels",
  },
);

/** One field-level problem of a request, located by a JSON pointer. */
export const FieldError = Type.Object(
  {
    pointer: Type.String({
      description:
        "JSON pointer to the offending field: into the body (`/params/region`), or `/query/…`, `/path/…`, `/header/…`",
    }),
    message: Type.String(),
    line: Type.Optional(Type.Integer({ description: "For blueprint sources: the line in the YAML" })),
    column: Type.Optional(Type.Integer({ description: "For blueprint sources: the column in the YAML" })),
  },
  { title: "FieldError", description: "One problem of the request, at its JSON pointer" },
);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: "Stable error code; see docs/errors.md" }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldError, { description: "Every problem of the request at once" })),
    suggestion: Type.Optional(Type.String({ description: "A free slug, when the requested one is taken" })),
    tenant_status: Type.Optional(
      Type.String({ description: "The tenant's status when a transition was refused" }),
    ),
    action: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer({ description: "The tenant's current generation, on a 412" })),
    target: Type.Optional(Type.String({ description: "The target that cannot serve the blueprint" })),
    organization: Type.Optional(Type.String({ description: "The organization's slug" })),
    allow: Type.Optional(
      Type.Array(Type.String(), { description: "The methods the path answers, on a 405" }),
    ),
    live_tenants: Type.Optional(
      Type.Integer({ description: "Tenants not yet destroyed, when an organization cannot be deleted" }),
    ),
    quota: Type.Optional(
      Type.String({ description: "The quota refused (QUOTA_EXCEEDED; creates_per_minute on RATE_LIMITED)" }),
    ),
    limit: Type.Optional(Type.Integer({ description: "The quota's or rate's limit" })),
    current: Type.Optional(Type.Integer({ description: "The use counted against the limit" })),
    retry_after: Type.Optional(
      Type.Integer({ description: "Seconds until the request may succeed (also the Retry-After header)" }),
    ),
    refusals: Type.Optional(
      Type.Array(
        Type.Object(
          {
            resource: Type.Union([Type.String(), Type.Null()], {
              description: "The resource's key (`service:web`); null for the blueprint as a whole",
            }),
            field: Type.Union([Type.String(), Type.Null()], { description: "The field at fault" }),
            message: Type.String(),
          },
          { title: "Refusal", description: "One thing a target cannot serve" },
        ),
        { description: "What the target cannot serve, on UNSUPPORTED_RESOURCE" },
      ),
    ),
    undeclared: Type.Optional(
      Type.Array(Type.String(), {
        description: "The secrets the blueprint does not declare, on UNDECLARED_SECRETS",
      }),
    ),
  },
  {
    $id: "Problem",
    title: "Problem",
    description:
      "RFC 9457 problem details, served as `application/problem+json`. `code` is stable (docs/errors.md); the members after `code` are extensions, each set only by the errors it names.",
  },
);

export const BlueprintRefSchema = Type.Union(
  [
    Type.String({ description: "A stored blueprint: NAME (latest version) or NAME@VERSION", minLength: 1 }),
    Type.Object(
      {
        source: Type.String({
          minLength: 1,
          maxLength: MAX_BLUEPRINT_BYTES,
          description: "Blueprint YAML (render.yaml format)",
        }),
        name: Type.Optional(Type.String({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$" })),
      },
      { additionalProperties: false },
    ),
  ],
  { title: "BlueprintRef", description: "The blueprint by name, or given inline" },
);

export const CreateTenantBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: "Display name" }),
    slug: Type.Optional(
      Type.String({
        pattern: SLUG_PATTERN,
        description: "DNS label, unique per organization; derived from name when absent",
      }),
    ),
    blueprint: BlueprintRefSchema,
    target: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: "Provider; default `local`" }),
    ),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" }), Type.Unknown(), {
        description:
          "The blueprint's parameters: JSON values (objects and lists for `object` and `array` parameters), checked against its declarations; every problem is answered at once at its pointer (`/params/cloud/region`)",
        maxProperties: 256,
        additionalProperties: false,
      }),
    ),
    secrets: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$" }),
        Type.String({ maxLength: 65536 }),
        {
          description: "Write-only values (for `sync: false` env vars); encrypted at rest, never returned",
          maxProperties: 256,
          additionalProperties: false,
        },
      ),
    ),
    labels: Type.Optional(LabelMap),
  },
  { additionalProperties: false, title: "CreateTenantRequest" },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

const ResourceView = Type.Object(
  {
    key: Type.String({ description: "The blueprint's key, e.g. `service:web`" }),
    kind: Type.String(),
    name: Type.String({ description: "Name on the platform" }),
    provider: Type.String(),
    provider_id: Nullable(Type.String()),
    status: Type.String(),
    outputs: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: "Resource", description: "One of a tenant's resources, as recorded" },
);

const Conditions = Type.Array(
  Type.Object(
    {
      type: Type.Union([
        Type.Literal("access_error"),
        Type.Literal("operation_stuck"),
        Type.Literal("unhealthy"),
      ]),
      message: Type.String(),
      since: Timestamp,
      operation_id: Type.Optional(Type.String({ description: "`operation_stuck`: the stuck operation" })),
      kind: Type.Optional(Type.String({ description: "`operation_stuck`: the operation's kind" })),
      step: Type.Optional(
        Nullable(
          Type.String({
            description: "`operation_stuck`: its latest step when found stuck (null: none yet)",
          }),
        ),
      ),
      status: Type.Optional(Type.String({ description: "`unhealthy`: `failed` or `degraded`" })),
    },
    { title: "Condition" },
  ),
  {
    description:
      "What needs a person's attention beyond the status. `access_error`: the platform refused Tenantry's credentials (e.g. a revoked RENDER_API_KEY); cleared when the credential works again or the tenant settles after a retry. `operation_stuck`: its operation has been queued or running longer than TENANTRY_STUCK_OPERATION_AFTER since it was requested (`since`); cleared when it finishes. `unhealthy`: `failed` or `degraded` longer than TENANTRY_UNHEALTHY_TENANT_AFTER; cleared when it recovers. Raising and clearing each records a `condition.raised` / `condition.cleared` event.",
  },
);

export const TenantView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    slug: Type.String(),
    // `Unsafe`: the union of a mapped list is typed `never`; the schema is the same.
    status: Type.Unsafe<TenantStatus>(Type.Union(TENANT_STATUSES.map((s) => Type.Literal(s)))),
    desired_state: Type.String(),
    target: Type.String(),
    blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
    params: Type.Record(Type.String(), Type.Unknown()),
    labels: Type.Record(Type.String(), Type.String()),
    error_message: Nullable(Type.String()),
    failed_operation_id: Nullable(Type.String()),
    generation: Type.Integer(),
    observed_generation: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
    destroyed_at: Nullable(Timestamp),
    conditions: Conditions,
    resources: Type.Optional(
      Type.Array(ResourceView, { description: "Only when one tenant is read (`GET /v1/tenants/{id}`)" }),
    ),
  },
  { title: "Tenant", description: "A tenant: one customer's copy of the product, made from a blueprint" },
);

export const TenantStatusView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    slug: Type.String(),
    status: Type.String(),
    site_url: Nullable(Type.String()),
    resource_ids: Type.Record(Type.String(), Nullable(Type.String()), {
      description: "Provider id of each resource, by blueprint key",
    }),
    outputs: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    error_message: Nullable(Type.String()),
    conditions: Conditions,
    operation: Nullable(
      Type.Object({
        id: Type.String(),
        kind: Type.String(),
        status: Type.String(),
        step: Nullable(Type.String()),
      }),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: "TenantStatus", description: "What a backend polls of a tenant: its status, ids and outputs" },
);

const StepView = Type.Object(
  {
    seq: Type.Integer(),
    name: Type.String(),
    action: Type.String(),
    resource: Nullable(Type.String()),
    status: Type.String(),
    attempts: Type.Integer(),
    detail: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
    started_at: Timestamp,
    finished_at: Nullable(Timestamp),
    duration_ms: Nullable(Type.Integer()),
  },
  { title: "Step", description: "One step of an operation" },
);

/** Who asked: an API key, or the engine (`system`: its own operations and events). */
export const ActorView = Type.Object(
  {
    type: Type.Union([Type.Literal("api_key"), Type.Literal("system")]),
    id: Nullable(Type.String({ description: "The API key's id; null for `system`" })),
    name: Nullable(Type.String({ description: "The API key's name at the time; null for `system`" })),
  },
  { additionalProperties: false, title: "Actor", description: "Who asked: an API key, or the engine" },
);

export const OperationView = Type.Object(
  {
    id: Type.String(),
    tenant_id: Type.String(),
    kind: Type.Unsafe<OperationKind>(Type.Union(OPERATION_KINDS.map((k) => Type.Literal(k)))),
    effective_kind: Type.String(),
    retry_of: Nullable(Type.String()),
    status: Type.String({ description: "queued | running | succeeded | failed | canceled" }),
    attempt: Type.Integer({ description: "Failed attempts so far" }),
    max_attempts: Type.Integer(),
    next_run_at: Nullable(Timestamp),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
    duration_ms: Nullable(Type.Integer()),
    requested_by: ActorView,
    request_id: Nullable(Type.String({ description: "The X-Request-Id of the request that asked for it" })),
    steps: Type.Array(StepView),
  },
  { title: "Operation", description: "A unit of lifecycle work on a tenant, with its steps" },
);

export const TenantWithOperation = Type.Object(
  { tenant: TenantView, operation: OperationView },
  { title: "TenantWithOperation", description: "A tenant and the operation just started on it" },
);

export const EventView = Type.Object(
  {
    id: Type.Integer(),
    type: Type.String(),
    message: Type.String(),
    operation_id: Nullable(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown()),
    actor: ActorView,
    request_id: Nullable(
      Type.String({ description: "The request that recorded it, or that started its operation" }),
    ),
    created_at: Timestamp,
  },
  { title: "Event", description: "One entry of a tenant's timeline" },
);

/** A page of `item`, named `id` in the OpenAPI document (`TenantPage`). */
export const Page = <T extends Parameters<typeof Type.Array>[0]>(item: T, id: string) =>
  Type.Object(
    {
      data: Type.Array(item),
      next_cursor: Nullable(
        Type.String({ description: "Pass as `cursor` to get the next page; null on the last" }),
      ),
    },
    { title: id, description: "One page; follow `next_cursor` for the next" },
  );

export const ListTenantsQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: "Comma-separated statuses, e.g. active,failed" })),
    label: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], {
        description: "key=value; repeat to require several",
      }),
    ),
    q: Type.Optional(Type.String({ maxLength: 200, description: "Substring of name or slug" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const TenantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const BlueprintBody = Type.Object(
  {
    name: Type.String({ pattern: "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$" }),
    source: Type.String({
      minLength: 1,
      maxLength: MAX_BLUEPRINT_BYTES,
      description: "render.yaml-format YAML",
    }),
  },
  { additionalProperties: false, title: "PushBlueprintRequest" },
);

const DiagnosticView = Type.Object(
  {
    severity: Type.Union([Type.Literal("error"), Type.Literal("warning")]),
    code: Type.String({ description: "Stable diagnostic code, e.g. unknown-key, missing-reference" }),
    pointer: Type.String({ description: "JSON pointer into the blueprint" }),
    message: Type.String(),
    line: Type.Optional(Type.Integer()),
    column: Type.Optional(Type.Integer()),
  },
  { title: "Diagnostic", description: "One error or warning of a blueprint, where it is" },
);

export const ValidateBody = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: MAX_BLUEPRINT_BYTES,
      description: "render.yaml-format YAML",
    }),
  },
  { additionalProperties: false, title: "ValidateBlueprintRequest" },
);

export const ValidationView = Type.Object(
  {
    valid: Type.Boolean(),
    errors: Type.Array(DiagnosticView),
    warnings: Type.Array(DiagnosticView),
  },
  { title: "BlueprintValidation", description: "Every error and warning of a blueprint at once" },
);

export const RenderBody = Type.Object(
  {
    tenant: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        slug: Type.Optional(Type.String({ pattern: SLUG_PATTERN })),
        id: Type.Optional(Type.String({ format: "uuid" })),
      },
      { additionalProperties: false },
    ),
    version: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: "Default: the latest version" }),
    ),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    secrets: Type.Optional(
      Type.Array(Type.String(), {
        description: "Names of the secrets the tenant would be given (values not needed)",
      }),
    ),
    check_target: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "Refuse (422) what the target cannot serve, as a create would. `false` for a price estimate only (`tenantry blueprints cost`): a blueprint still being written for the target can be costed",
      }),
    ),
  },
  { additionalProperties: false, title: "RenderBlueprintRequest" },
);

export const CostView = Type.Object(
  {
    provider: Type.String(),
    currency: Type.String(),
    priceDate: Type.String(),
    lines: Type.Array(
      Type.Object({
        key: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        plan: Nullable(Type.String()),
        monthly: Type.Number(),
        detail: Type.String(),
      }),
    ),
    totalMonthly: Type.Number(),
    warnings: Type.Array(Type.String()),
  },
  { title: "Cost", description: "The monthly cost of a set of resources on a target, line by line" },
);

export const RenderView = Type.Object(
  {
    blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
    target: Type.String(),
    params: Type.Record(Type.String(), Type.Unknown()),
    resources: Type.Array(
      Type.Object({
        key: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        depends_on: Type.Array(Type.String()),
        spec: Type.Record(Type.String(), Type.Unknown(), { description: "Secrets redacted" }),
      }),
    ),
    cost: CostView,
  },
  { title: "RenderedBlueprint", description: "What a blueprint creates for a tenant, and its cost" },
);

export const BlueprintView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.Integer(),
    digest: Type.String(),
    source: Type.Optional(Type.String()),
    parsed: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "The validated, typed form" }),
    ),
    created_at: Timestamp,
  },
  { title: "Blueprint", description: "One immutable version of a blueprint" },
);

export const PlanBody = Type.Object(
  {
    blueprint: Type.Optional(BlueprintRefSchema),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced",
      }),
    ),
  },
  { additionalProperties: false, title: "PlanRequest" },
);

export const PlanView = Type.Object(
  {
    tenant_id: Type.String(),
    blueprint: Type.Object({ name: Type.String(), version: Type.Integer() }),
    params: Type.Record(Type.String(), Type.Unknown()),
    actions: Type.Array(
      Type.Object({
        action: Type.String({ description: "create | update | replace | delete | no-op" }),
        key: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        changes: Type.Array(
          Type.Object({
            path: Type.String(),
            from: Type.Optional(Type.Unknown({ description: "Absent when the field is new" })),
            to: Type.Optional(Type.Unknown({ description: "Absent when the field is removed" })),
            forcesReplace: Type.Boolean(),
          }),
        ),
        reason: Type.Optional(Type.String()),
      }),
    ),
    summary: Type.Record(Type.String(), Type.Integer()),
    cost: CostView,
  },
  { title: "Plan", description: "What a change would do to a tenant, resource by resource" },
);

export const UpdateTenantBody = Type.Object(
  {
    blueprint: Type.Optional(BlueprintRefSchema),
    params: Type.Optional(
      Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,63}$" }), Type.Unknown(), {
        description:
          "Merged into the tenant's params as a JSON Merge Patch (RFC 7386): objects field by field; null removes a param or field; lists are replaced",
      }),
    ),
    labels: Type.Optional(LabelMap),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    secrets: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$" }),
        Type.Union([Type.String({ maxLength: 65536 }), Type.Null()]),
        {
          description:
            "Write-only values set or rotated (`null` removes one the blueprint does not require), merged into the tenant's; a changed value starts an `update` that redeploys what uses it. Only secrets the blueprint declares (`sync: false` env vars); never returned",
          maxProperties: 256,
          additionalProperties: false,
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1, title: "UpdateTenantRequest" },
);

export const TenantWithOptionalOperation = Type.Object(
  {
    tenant: TenantView,
    operation: Nullable(OperationView),
  },
  {
    title: "TenantWithOptionalOperation",
    description: "A changed tenant, with the `update` operation the change started (null when none)",
  },
);

export const ResourceLogsParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({
    minLength: 1,
    maxLength: 200,
    description: "The resource's key (`service:web`) or its service name (`web`)",
  }),
});

export const ResourceLogsQuery = Type.Object(
  {
    tail: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5000, default: 200, description: "How many lines, at most" }),
    ),
  },
  { additionalProperties: false },
);

export const JobRunView = Type.Object(
  {
    resource: Type.String({ description: "The cron job's resource key" }),
    started: Type.Boolean({
      description: "false when a run was already going: runs never overlap, so none was started",
    }),
    runs: Type.Integer({
      description:
        "Finished runs recorded before this request; the new run is done once the resource's `runs` output is larger",
    }),
  },
  { title: "JobRun", description: "A run of a cron job asked for" },
);

export const ResourceLogsView = Type.Object(
  {
    resource: Type.String({ description: "The resource's key" }),
    lines: Type.Array(Type.String(), {
      description: "Oldest first; each prefixed by its source: `[build] `, `[run] ` or `[cron] `",
    }),
  },
  { title: "ResourceLogs", description: "The last lines of a resource's output" },
);

/** `POST /v1/environments`: the seed's body; every field but `name` is a parameter of the environment blueprint. */
export const CreateEnvironmentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: "The environment's name (the tenant's)" }),
    cloud: Type.Optional(
      Type.Object(
        {
          provider: Type.Optional(Type.String({ description: "`aws` or `gcp`: chooses the blueprint" })),
          region: Type.Optional(Type.String()),
          account_id: Type.Optional(Type.String()),
          role_arn: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  {
    additionalProperties: true,
    title: "CreateEnvironmentRequest",
    description:
      "The fields other than `name` (`cloud`, `cluster`, `data`, `beta9`…) are checked against the environment blueprint's parameters, each problem with its JSON pointer.",
  },
);

export const EnvironmentView = Type.Object(
  {
    environment_id: Type.String({ format: "uuid" }),
    name: Type.String(),
    status: Type.String({
      description:
        "queued, provisioning, bootstrapping, ready, updating, failed, destroy_queued, destroying, destroyed (and Tenantry's other tenant statuses)",
    }),
    cloud: Type.Object({ provider: Nullable(Type.String()), region: Nullable(Type.String()) }),
    outputs: Type.Record(Type.String(), Type.Unknown(), {
      description:
        "Non-secret outputs: cluster_endpoint, beta9_endpoint, rds_endpoint, redis_endpoint, bucket_name…",
    }),
    error_message: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: "Environment", description: "A BYOC environment: a tenant of the environment blueprint" },
);

export const EnvironmentCreated = Type.Object(
  {
    environment_id: Type.String({ format: "uuid" }),
    status: Type.String(),
    created_at: Timestamp,
  },
  { title: "EnvironmentCreated", description: "An environment just recorded; poll it for its status" },
);

export const EnvironmentDestroying = Type.Object(
  {
    environment_id: Type.String({ format: "uuid" }),
    status: Type.String(),
  },
  { title: "EnvironmentDestroying", description: "An environment whose destroy started" },
);

export const RoleSchema = Type.Union(
  [Type.Literal("platform_admin"), Type.Literal("admin"), Type.Literal("operator"), Type.Literal("viewer")],
  {
    title: "Role",
    description:
      "viewer reads; operator also changes tenants; admin also manages blueprints and keys; platform_admin also manages organizations",
  },
);

export const ApiKeyView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    role: RoleSchema,
    prefix: Type.String({ description: "The key's first characters, to tell keys apart; never the key" }),
    state: Type.Union(
      [Type.Literal("active"), Type.Literal("expiring"), Type.Literal("expired"), Type.Literal("revoked")],
      {
        description: "`expiring`: rotated, valid until `expires_at` (its grace period)",
      },
    ),
    created_at: Timestamp,
    last_used_at: Nullable(Timestamp),
    expires_at: Nullable(Timestamp),
    revoked_at: Nullable(Timestamp),
    replaced_by: Nullable(Type.String({ format: "uuid" })),
  },
  { title: "ApiKey", description: "An API key, never the key itself" },
);

export const ApiKeyCreated = Type.Object(
  {
    api_key: ApiKeyView,
    key: Type.String({ description: "The key itself: shown this once, never again" }),
  },
  { title: "ApiKeyCreated", description: "A new API key, with the key itself this once" },
);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: RoleSchema,
    expires_at: Type.Optional(
      Type.String({ format: "date-time", description: "When it stops working; absent: never" }),
    ),
  },
  { additionalProperties: false, title: "CreateApiKeyRequest" },
);

export const RotateApiKeyBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_592_000,
        description: "How long the old key keeps working. Default 86400 (a day)",
      }),
    ),
  },
  { additionalProperties: false, title: "RotateApiKeyRequest" },
);

export const RotatedApiKey = Type.Object(
  {
    api_key: ApiKeyView,
    key: Type.String({ description: "The new key: shown this once" }),
    previous: ApiKeyView,
  },
  { title: "ApiKeyRotated", description: "The new key (shown this once) and the old one, now expiring" },
);

export const OrganizationView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    slug: Type.String({ description: "Permanent" }),
    name: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    live_tenants: Type.Integer({ description: "Tenants not yet destroyed" }),
    active_keys: Type.Integer({ description: "API keys neither revoked nor expired" }),
  },
  { title: "Organization", description: "An organization of this installation" },
);

export const CreateOrganizationBody = Type.Object(
  {
    slug: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: SLUG_PATTERN,
      description: "A DNS label; permanent",
    }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Default: the slug" })),
    admin_key_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Name of its first admin key (default `admin`)",
      }),
    ),
  },
  { additionalProperties: false, title: "CreateOrganizationRequest" },
);

export const AuditQuery = Type.Object(
  {
    tenant: Type.Optional(Type.String({ maxLength: 100, description: "A tenant's id" })),
    actor: Type.Optional(Type.String({ maxLength: 100, description: "An API key's id, or `system`" })),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Exact (`tenant.create`), or a prefix ending in `.` or `*` (`tenant.`, `provider.*`)",
      }),
    ),
    since: Type.Optional(Type.String({ format: "date-time", description: "From this time (RFC 3339)" })),
    until: Type.Optional(Type.String({ format: "date-time", description: "Before this time (RFC 3339)" })),
    request_id: Type.Optional(Type.String({ maxLength: 200, description: "One request's entries" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const OrganizationCreated = Type.Object(
  {
    organization: OrganizationView,
    admin_key: ApiKeyView,
    key: Type.String({ description: "The first admin key itself: shown this once, never again" }),
  },
  { title: "OrganizationCreated", description: "A new organization and its first admin key" },
);

export const RenameOrganizationBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false, title: "RenameOrganizationRequest" },
);

export const AuditEntryView = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    at: Timestamp,
    actor: Type.Object({
      type: Type.Union([Type.Literal("api_key"), Type.Literal("system")]),
      id: Nullable(Type.String({ description: "The API key's id; null for `system`" })),
      name: Type.String({ description: "The API key's name at the time, or `system`" }),
    }),
    organization_id: Type.String(),
    request_id: Nullable(
      Type.String({
        description:
          "X-Request-Id of the call (of a provider action: of the call that started its operation)",
      }),
    ),
    tenant_id: Nullable(Type.String()),
    operation_id: Nullable(Type.String()),
    action: Type.String({ description: "`tenant.create`, `api_key.revoke`, `provider.create`…" }),
    outcome: Type.Union([Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("refused")]),
    status: Nullable(
      Type.Integer({ description: "The HTTP status of an API call; null for provider actions" }),
    ),
    summary: Type.Record(Type.String(), Type.Unknown(), {
      description: "What changed, redacted: the names of secrets, never their values",
    }),
  },
  { title: "AuditEntry", description: "One entry of the audit log" },
);

/** The `Idempotency-Key` header of the routes that run in `idempotent()` (src/http/idempotency.ts). */
export const IdempotencyHeaders = Type.Object({
  "idempotency-key": Type.Optional(Type.String({ maxLength: 255 })),
});

/** `{data: [...]}`: a whole list, named `title` in the OpenAPI document (`ApiKeyList`). */
export const List = <T extends Parameters<typeof Type.Array>[0]>(
  item: T,
  title: string,
  description: string,
) => Type.Object({ data: Type.Array(item) }, { title, description });
